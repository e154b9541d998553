//! What each command does, on top of the `vpsorg-backups` client: one module per command
//! group.

pub(crate) mod backups;
pub(crate) mod context;
pub(crate) mod doctor;
pub(crate) mod prune;
pub(crate) mod servers;

use std::time::Duration;

use serde::Serialize;
use vpsorg_backups::Client;

use crate::cli::{BackupsCommand, Command, ServersCommand, TimeoutSlot};
use crate::config::{self, ApiArgs, Connection};
use crate::error::CliError;
use crate::exit::Exit;
use crate::progress::{say, say_always};

/// The time limit for each request of commands whose `--timeout` means something else.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How many pages a listing fetches at once.
pub(crate) const LIST_CONCURRENCY: usize = 8;

/// Runs a command that talks to the API. The demo runs its steps through here too, so they
/// are exactly what the commands do.
pub(crate) async fn run_api_command(mut command: Command) -> Result<(), CliError> {
    let (Some(api), _, Some(timeout)) = command.slots() else {
        return Err(CliError::usage("not an API command"));
    };
    let timeout = match timeout {
        TimeoutSlot::Request(timeout) => *timeout,
        TimeoutSlot::Optional(timeout) => timeout.unwrap_or(REQUEST_TIMEOUT),
        // The wait's `--timeout` is the whole wait's: each request gets the usual one.
        TimeoutSlot::Wait(_) => REQUEST_TIMEOUT,
    };
    let connection = connection(api)?;
    let client = &client(&connection, timeout)?;
    let result = match &command {
        Command::Backups(BackupsCommand::List(args)) => backups::list(client, args).await,
        Command::Backups(BackupsCommand::Get(args)) => backups::get(client, args).await,
        Command::Backups(BackupsCommand::Create(args)) => backups::create(client, args).await,
        Command::Backups(BackupsCommand::Wait(args)) => backups::wait(client, args).await,
        Command::Backups(BackupsCommand::Delete(args)) => backups::delete(client, args).await,
        Command::Backups(BackupsCommand::Prune(args)) => prune::prune(client, args).await,
        Command::Servers(ServersCommand::Restore(args)) => servers::restore(client, args).await,
        _ => Err(CliError::usage("not an API command")),
    };
    result.map_err(|error| error.at(&connection.api_url, &connection.token_source))
}

/// Works out the connection settings (flags, environment, context), logged with `-v`.
pub(crate) fn connection(api: &ApiArgs) -> Result<Connection, CliError> {
    let connection = config::resolve(api, &config::process_env, &mut |note| say(&note))?;
    tracing::debug!(
        api_url = %crate::text::redact_url(&connection.api_url),
        url_from = %connection.url_source,
        token_from = %connection.token_source,
        "connection settings",
    );
    Ok(connection)
}

/// Builds the client for these settings; its builder refuses what no command may use.
pub(crate) fn client(connection: &Connection, timeout: Duration) -> Result<Client, CliError> {
    Client::builder()
        .token(connection.token.expose())
        .base_url(connection.api_url.as_str())
        .timeout(timeout)
        .user_agent(concat!("vpsorg-cli/", env!("CARGO_PKG_VERSION")))
        .on_retry(|notice| say(&crate::progress::retry_line(notice)))
        .build()
        .map_err(|error| CliError::from(error).at(&connection.api_url, &connection.token_source))
}

/// The JSON of a failure inside a command that goes on (one of several deletes): the kind is
/// the name of the exit code it would have had.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorJson {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
}

impl ErrorJson {
    /// Reports the failed delete of backup `id` now, naming the backup on stderr (the JSON
    /// has its `id` beside it), and gives its JSON and its exit code.
    pub(crate) fn report(
        client: &Client,
        id: i64,
        error: vpsorg_backups::Error,
    ) -> (ErrorJson, Exit) {
        let names_it = matches!(
            error,
            vpsorg_backups::Error::NotFound { resource: vpsorg_backups::Resource::Backup(_), .. }
        );
        let error = CliError::from(error).at_url(client.base_url().as_str());
        let message = error.to_string();
        let message = message.lines().next().unwrap_or_default().trim_start_matches("error: ");
        let json = ErrorJson { kind: error.exit().name(), message: message.to_string() };
        let exit = error.exit();
        report_now(&if names_it { error } else { error.doing(format!("deleting backup {id}")) });
        (json, exit)
    }
}

/// How a command that acted ends, each failed action already reported: the exit code of the
/// first failed action wins over anything that happened to the output (a write error is
/// reported, a closed stdout is no news); without one, the output's own error, where a closed
/// stdout ends quietly.
pub(crate) fn acted(failures: &[Exit], printed: Result<(), CliError>) -> Result<(), CliError> {
    match failures.first() {
        Some(&exit) => {
            if let Err(error) = &printed {
                report_now(error);
            }
            Err(CliError::AlreadyReported(exit))
        }
        None => printed,
    }
}

/// Prints an error on stderr now, for commands that go on after it.
pub(crate) fn report_now(error: &CliError) {
    if let Some(report) = error.report() {
        say_always(&report);
    }
}

//! What each command does, on top of the `vpsorg-backups` client.

use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use vpsorg_backups::{Backup, BackupType, Client, MAX_PAGE_SIZE, StatusChange};

use crate::cli::{ApiArgs, CreateArgs, DeleteArgs, ListArgs, RestoreArgs, TypeArg, WaitArgs};
use crate::error::CliError;
use crate::output;

/// The time limit for each request of commands whose `--timeout` means something else.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the API client from the global options.
pub(crate) fn client(api: &ApiArgs, timeout: Duration) -> Result<Client, CliError> {
    let token = api.token.as_deref().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        CliError::usage("no API token").with_hint(
            "set VPSORG_API_TOKEN or pass --token; `vpsorg demo` shows every command without an account",
        )
    })?;
    Client::builder()
        .token(token)
        .base_url(api.api_url.as_str())
        .timeout(timeout)
        .user_agent(concat!("vpsorg-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(CliError::from)
}

pub(crate) async fn list(client: &Client, args: &ListArgs) -> Result<(), CliError> {
    let mut request = client.backups().list();
    if let Some(server_id) = args.server_id {
        request = request.server_id(server_id);
    }
    if let Some(backup_type) = args.backup_type {
        request = request.backup_type(match backup_type {
            TypeArg::Manual => BackupType::Manual,
            TypeArg::Automatic => BackupType::Automatic,
        });
    }
    let (backups, more): (Vec<Backup>, bool) = match args.limit {
        // The limit fits in one page: exactly one request, and the page says if there is more.
        page_size if !args.all && page_size <= MAX_PAGE_SIZE => {
            let page = request.page_size(page_size).send().await?;
            (page.backups, page.has_next)
        }
        _ => {
            let limit = if args.all {
                usize::MAX
            } else {
                usize::try_from(args.limit).unwrap_or(usize::MAX)
            };
            let stream = request.page_size(MAX_PAGE_SIZE).items().take(limit);
            let backups: Vec<Backup> = stream.try_collect().await?;
            let more = backups.len() == limit;
            (backups, more)
        }
    };
    let format = output::resolve(args.output.format);
    output::print_backups(&backups, format)?;
    if more && format == crate::cli::OutputFormat::Table {
        eprintln!(
            "(showing the first {}; --all shows every backup)",
            backups.len()
        );
    }
    Ok(())
}

pub(crate) async fn create(
    client: &Client,
    args: &CreateArgs,
    quiet: bool,
) -> Result<(), CliError> {
    let mut request = client.backups().create(args.server_id);
    if let Some(description) = &args.description {
        request = request.description(description.as_str());
    }
    let created = request.send().await?;
    let format = output::resolve(args.output.format);
    if !args.wait {
        return Ok(output::print_backup(
            &created.backup,
            Some(&created.message),
            format,
        )?);
    }
    if !quiet {
        eprintln!(
            "Created backup {}. {}",
            created.backup.id,
            output::clean(&created.message)
        );
    }
    let backup = wait(
        client,
        (created.backup.server.id, created.backup.id),
        args.timeout,
        quiet,
    )
    .await?;
    Ok(output::print_backup(&backup, None, format)?)
}

pub(crate) async fn wait_command(
    client: &Client,
    args: &WaitArgs,
    quiet: bool,
) -> Result<(), CliError> {
    let backup = wait(
        client,
        (args.server_id, args.backup_id),
        args.timeout,
        quiet,
    )
    .await?;
    Ok(output::print_backup(
        &backup,
        None,
        output::resolve(args.output.format),
    )?)
}

/// Waits for a backup to complete, with a spinner that shows its status.
pub(crate) async fn wait(
    client: &Client,
    (server_id, backup_id): (i64, i64),
    timeout: Duration,
    quiet: bool,
) -> Result<Backup, CliError> {
    let spinner = output::spinner(quiet);
    spinner.set_message(format!("waiting for backup {backup_id}"));
    let bar = spinner.clone();
    let result = client
        .backups()
        .wait_until_completed((server_id, backup_id))
        .timeout(timeout)
        .on_status_change(move |change: &StatusChange| {
            let status = output::clean(change.backup.status.as_str()).into_owned();
            bar.set_message(format!("backup {backup_id} is {status}"));
        })
        .send()
        .await;
    match &result {
        Ok(backup) => spinner.finish_with_message(format!(
            "backup {backup_id} is {}",
            output::clean(backup.status.as_str())
        )),
        Err(_) => spinner.abandon(),
    }
    Ok(result?)
}

pub(crate) async fn delete(client: &Client, args: &DeleteArgs) -> Result<(), CliError> {
    let ids = args
        .backup_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let what = if args.backup_ids.len() == 1 {
        "backup"
    } else {
        "backups"
    };
    confirm(
        &format!("Deleting {what} {ids} is permanent and cannot be undone."),
        &format!("delete {what} {ids}"),
        args.yes,
    )?;
    // Delete every one asked for; report each failure, and fail at the end if any failed.
    let mut first_error = None;
    for &backup_id in &args.backup_ids {
        match client.backups().delete(backup_id).send().await {
            Ok(()) => println!("Deleted backup {backup_id}."),
            Err(error) => {
                let error = CliError::from(error);
                if args.backup_ids.len() > 1 {
                    eprintln!("{error}");
                }
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) if args.backup_ids.len() > 1 => Err(CliError::already_reported(error)),
        Some(error) => Err(error),
        None => Ok(()),
    }
}

pub(crate) async fn restore(client: &Client, args: &RestoreArgs) -> Result<(), CliError> {
    confirm(
        &format!(
            "Restoring server {} from backup {} overwrites everything on the server's disk.",
            args.server_id, args.backup_id
        ),
        &format!("restore server {}", args.server_id),
        args.yes,
    )?;
    let restore = client
        .servers()
        .restore(args.server_id, args.backup_id)
        .send()
        .await?;
    println!(
        "Restore of server {} ({}) from backup {} started; the server is {}.",
        restore.server.id,
        output::clean(&restore.server.name),
        restore.backup_id,
        output::clean(restore.status.as_str())
    );
    if let Some(message) = &restore.message {
        println!("{}", output::clean(message));
    }
    Ok(())
}

/// Asks before something irreversible. `--yes` skips the question; with no terminal to ask on
/// and no `--yes`, it refuses rather than guess.
fn confirm(warning: &str, action: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !io::stdin().is_terminal() || !io::stderr().is_terminal() {
        return Err(CliError::usage(format!(
            "refusing to {action} without confirmation: there is no terminal to ask on"
        ))
        .with_hint("pass --yes to confirm"));
    }
    eprint!("{warning}\nType 'yes' to {action}: ");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    if answer.trim().eq_ignore_ascii_case("yes") || answer.trim().eq_ignore_ascii_case("y") {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

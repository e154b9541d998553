//! `vpsorg`: VPS.org backups from the terminal. See `vpsorg --help`.

mod cli;
mod commands;
mod demo;
mod error;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{BackupsCommand, Cli, Command, MockCommand, ServersCommand};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(report) = error.report() {
                eprintln!("{report}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Demo => demo::run(quiet).await,
        Command::Mock(MockCommand::Serve(args)) => args
            .run()
            .await
            .map_err(|e| CliError::usage(format!("cannot start the fake server: {e}"))),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "vpsorg", &mut std::io::stdout());
            Ok(())
        }
        api_command => run_api_command(api_command, quiet).await,
    }
}

/// Runs a command that talks to the API. The demo runs its steps through here too, so they
/// are exactly what the commands do.
pub(crate) async fn run_api_command(command: Command, quiet: bool) -> Result<(), CliError> {
    match command {
        Command::Backups(BackupsCommand::List(args)) => {
            commands::list(&commands::client(&args.api, args.request.timeout)?, &args).await
        }
        Command::Backups(BackupsCommand::Create(args)) => {
            commands::create(
                &commands::client(&args.api, commands::REQUEST_TIMEOUT)?,
                &args,
                quiet,
            )
            .await
        }
        Command::Backups(BackupsCommand::Wait(args)) => {
            commands::wait_command(
                &commands::client(&args.api, commands::REQUEST_TIMEOUT)?,
                &args,
                quiet,
            )
            .await
        }
        Command::Backups(BackupsCommand::Delete(args)) => {
            commands::delete(&commands::client(&args.api, args.request.timeout)?, &args).await
        }
        Command::Servers(ServersCommand::Restore(args)) => {
            commands::restore(&commands::client(&args.api, args.request.timeout)?, &args).await
        }
        Command::Demo | Command::Mock(_) | Command::Completions { .. } => {
            Err(CliError::usage("not an API command"))
        }
    }
}

/// `-v` logs each request (operation, method, path, status, attempt, time); `-vv` logs
/// everything. The token is in none of it: the client marks it sensitive and never logs it.
fn init_tracing(verbose: u8) {
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;

    let filter = match verbose {
        0 => return,
        1 => Targets::new()
            .with_target("vpsorg_backups", LevelFilter::DEBUG)
            .with_target("vpsorg_cli", LevelFilter::DEBUG),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false);
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .init();
}

//! `vpsorg`: VPS.org backups from the terminal. See `vpsorg --help`.

mod cli;
mod commands;
mod config;
mod demo;
mod doctor;
mod error;
mod exit;
mod man;
mod output;
mod progress;
mod prompt;
mod text;

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Command, MockCommand};
use crate::commands::context;
use crate::error::CliError;
use crate::exit::Exit;

fn main() -> ExitCode {
    // `COMPLETE=bash vpsorg` (a shell asking for completions) answers and exits here.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = Cli::parse_args();
    progress::set_quiet(cli.global.quiet);
    init_tracing(cli.global.verbose);
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => {
            let result = runtime.block_on(run(cli));
            // Background page fetches are cancelled, not awaited.
            runtime.shutdown_background();
            result
        }
        Err(error) => {
            Err(CliError::new(Exit::Local, format!("cannot start the async runtime: {error}")))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            commands::report_now(&error);
            ExitCode::from(error.exit().code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo => demo::run().await,
        Command::Mock(MockCommand::Serve(args)) => args
            .run()
            .await
            .map_err(|e| CliError::usage(format!("cannot start the fake server: {e}"))),
        Command::Context(command) => context::run(&command).await,
        Command::Doctor(args) => commands::doctor::doctor(&args).await,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "vpsorg", &mut script);
            let mut out = output::stdout();
            out.write_all(&script)?;
            out.flush()?;
            Ok(())
        }
        Command::ManPages { out_dir } => man::write_all(&out_dir),
        api_command => commands::run_api_command(api_command).await,
    }
}

/// `-v` logs each request (operation, method, path and query, status, attempt, time) and
/// the connection settings' sources; `-vv` logs everything. Without `-v` nothing is logged:
/// retries get their line from the client's `on_retry` hook. The token is in none of it: the
/// client marks it sensitive and never logs it.
fn init_tracing(verbose: u8) {
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;

    let filter = match verbose {
        0 => return,
        1 => Targets::new()
            .with_target("vpsorg_backups", LevelFilter::DEBUG)
            .with_target("vpsorg_cli", LevelFilter::DEBUG)
            .with_target("vpsorg", LevelFilter::DEBUG),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false);
    tracing_subscriber::registry().with(layer.with_filter(filter)).init();
}

//! `vpsorg demo`: every command at work, over real HTTP, against an embedded fake server seeded
//! with the vendor's examples. Each step parses and runs a real command line, so the demo shows
//! exactly what a person typing it would see.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use vpsorg_backups_mock::{MockServer, Seed};

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::exit::Exit;

/// The vendor's example server.
const SERVER: &str = "12345";

/// Stands for the id of the backup the demo created.
const BACKUP: &str = "{backup}";

/// The steps: what each shows, and its command line.
#[rustfmt::skip] // A table: one step a line.
const STEPS: [(&str, &[&str]); 9] = [
    ("List the backups of server 12345: every page, highest id first.",
        &["backups", "list", "--server-id", SERVER]),
    ("Create a manual backup (a server can have at most 10). It starts in_progress.",
        &["backups", "create", "--server-id", SERVER, "--description", "Pre-deployment backup"]),
    ("Wait until it is completed. A terminal shows its status as it changes.",
        &["backups", "wait", BACKUP, "--server-id", SERVER]),
    ("Scripts get JSON (or YAML): one shape per resource, whichever command prints it.",
        &["backups", "get", BACKUP, "--server-id", SERVER, "-o", "json"]),
    ("Restore the server from it. This overwrites the server's disk, so the command asks\n   \
      first; --yes answers for a script.",
        &["servers", "restore", SERVER, "--backup-id", BACKUP, "--yes"]),
    ("Rotation for the limit of 10 manual backups: the plan for keeping only the newest\n   \
      one, and why. --dry-run deletes nothing.",
        &["backups", "prune", "--server-id", SERVER, "--type", "manual", "--keep-last", "1", "--dry-run"]),
    ("Delete the backup. Deleting is permanent, so this asks first too.",
        &["backups", "delete", BACKUP, "--yes"]),
    ("List again: the new backup is gone.",
        &["backups", "list", "--server-id", SERVER]),
    ("Check that the API still keeps the contract this build embeds: read-only requests, a \
      verdict on each inferred choice of the spec. Run it nightly against your account.",
        &["doctor"]),
];

/// Prints a line of the demo on stdout (a closed pipe ends the demo quietly).
macro_rules! show {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        writeln!(out, $($arg)*)?;
        out.flush()?;
    }};
}

pub(crate) async fn run() -> Result<(), CliError> {
    // Tokio cannot take a Ctrl-C handler away again: once the wait step has listened, the
    // default (ending the process) is gone, and Ctrl-C in a later step would do nothing. So
    // the demo listens itself, from its start to its end, and stops.
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler (no signals here): Ctrl-C keeps its default.
            std::future::pending::<()>().await;
        }
    };
    let stopped =
        || CliError::new(Exit::Interrupted, "the demo stopped, and its fake server with it");
    tokio::select! {
        biased;
        () = ctrl_c => Err(stopped()),
        // The wait step listens too, and may see the same Ctrl-C first: the demo's words win,
        // since its fake server goes with it and there is nothing to wait for again.
        result = steps() => result.map_err(|error| match error.exit() {
            Exit::Interrupted => stopped(),
            _ => error,
        }),
    }
}

async fn steps() -> Result<(), CliError> {
    let mock = MockServer::builder()
        .seed(Seed::vendor_examples())
        .complete_after(Duration::from_secs(3))
        .start()
        .await
        .map_err(|e| CliError::usage(format!("cannot start the fake server: {e}")))?;
    show!(
        "vpsorg demo: a fake VPS.org server is running at {}, seeded with the vendor's\n\
         example backups. Every step below is a real `vpsorg` command sending real HTTP requests\n\
         to it. No account needed.",
        mock.base_url()
    );

    // The id of the backup the create step made, for the steps after it.
    let mut backup_id = String::new();
    for (number, (what, args)) in (1..).zip(STEPS) {
        let args: Vec<&str> =
            args.iter().map(|&arg| if arg == BACKUP { backup_id.as_str() } else { arg }).collect();
        show!("\n{number}. {what}\n   $ vpsorg {}", shell_words(&args));
        run_step(&mock, &args).await?;
        if args.get(1) == Some(&"create") {
            backup_id = newest_backup_id(&mock)?;
        }
    }
    show!(
        "\n{}. Mistakes get one clear line, a hint, and an exit code of their own, and change nothing:",
        STEPS.len() + 1
    );
    let mistake = ["servers", "restore", "67890", "--backup-id", "501", "--yes"];
    show!("   $ vpsorg {}", mistake.join(" "));
    match run_step(&mock, &mistake).await {
        Err(error) => {
            show!("{}\n   (exit code {})", error.report().unwrap_or_default(), error.exit().code())
        }
        Ok(()) => return Err(CliError::usage("the demo's mistake unexpectedly succeeded")),
    }

    show!(
        "\nDone. The fake server stops now. To use the real API:\n  \
         vpsorg context create prod    # asks for your token from the VPS.org panel\n  \
         vpsorg backups list\n\
         Run the fake server yourself with `vpsorg mock serve`."
    );
    Ok(())
}

/// Runs a command line against the fake server. Its address, its token and a table format
/// (stdout may be a pipe) are added here rather than shown in every step.
async fn run_step(mock: &MockServer, args: &[&str]) -> Result<(), CliError> {
    let output_flag: &[&str] = if args.contains(&"-o") { &[] } else { &["--output", "table"] };
    let connection = ["--api-url", mock.base_url(), "--token", mock.token()];
    let argv = std::iter::once("vpsorg")
        .chain(args.iter().copied())
        .chain(connection)
        .chain(output_flag.iter().copied());
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::usage(format!("demo step: {e}")))?;
    match cli.command {
        Command::Doctor(args) => crate::commands::doctor::doctor(&args).await,
        command => crate::commands::run_api_command(command).await,
    }
}

/// The id of the backup the demo created: the newest one of the demo's server.
fn newest_backup_id(mock: &MockServer) -> Result<String, CliError> {
    let server_id: i64 = SERVER.parse().expect("SERVER is a number");
    let newest = mock.backups_of(server_id).iter().map(|backup| backup.id).max();
    newest
        .map(|id| id.to_string())
        .ok_or_else(|| CliError::usage("the fake server has no backup for the demo's server"))
}

/// Joins arguments as a shell would need them typed.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|arg| if arg.contains(' ') { format!("\"{arg}\"") } else { arg.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

//! The command line, as clap derives it. Parsing only: no I/O here.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, documented in `--help` and README.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the API refused the request or could not be reached (the message says which)
  2  usage error: bad arguments, no token, or confirmation needed without a terminal
  3  cancelled at a confirmation prompt
  4  waited, but the backup failed, disappeared or did not complete in time";

/// VPS.org backups from the terminal.
///
/// List, create, delete and restore server backups through the VPS.org API. Try
/// `vpsorg demo` first: it runs every command against a fake server, no account needed.
#[derive(Debug, Parser)]
#[command(name = "vpsorg", version, after_help = EXIT_CODES, after_long_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where the API is and who is calling: every command that talks to the API takes these.
/// (Not global, so that `vpsorg mock serve --token` keeps its own meaning.)
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct ApiArgs {
    /// API token (create one in the VPS.org panel).
    #[arg(long, env = "VPSORG_API_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,

    /// API base URL.
    #[arg(
        long,
        env = "VPSORG_API_URL",
        hide_env_values = true,
        default_value = "https://admin.vps.org"
    )]
    pub(crate) api_url: String,
}

/// `-o`: how to print results.
#[derive(Debug, Args)]
pub(crate) struct OutputArg {
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(short = 'o', long = "output", value_enum)]
    pub(crate) format: Option<OutputFormat>,
}

/// `--timeout` of the commands that send one request per item.
#[derive(Debug, Args)]
pub(crate) struct RequestTimeout {
    /// Give up on a request after this long, e.g. 30s or 2m.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// Log what happens to stderr: -v for requests, -vv for everything. The token is never shown.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// No progress output on stderr.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List, create, wait for and delete backups.
    #[command(subcommand)]
    Backups(BackupsCommand),
    /// Restore a server from a backup.
    #[command(subcommand)]
    Servers(ServersCommand),
    /// Run the fake VPS.org server.
    #[command(subcommand)]
    Mock(MockCommand),
    /// Show every command at work against an embedded fake server. No account needed.
    Demo,
    /// Print a shell completion script, e.g. `vpsorg completions bash > ~/.local/share/bash-completion/completions/vpsorg`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BackupsCommand {
    /// List backups, newest first.
    List(ListArgs),
    /// Create a manual backup of a server (at most 10 per server).
    Create(CreateArgs),
    /// Wait until a backup is completed.
    Wait(WaitArgs),
    /// Delete backups permanently.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only backups of this server.
    #[arg(long)]
    pub(crate) server_id: Option<i64>,
    /// Only backups of this type.
    #[arg(long = "type", value_enum)]
    pub(crate) backup_type: Option<TypeArg>,
    /// Every backup, across all pages (the default shows at most --limit).
    #[arg(long, conflicts_with = "limit")]
    pub(crate) all: bool,
    /// Show at most this many backups.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) limit: u64,
    #[command(flatten)]
    pub(crate) output: OutputArg,
    #[command(flatten)]
    pub(crate) request: RequestTimeout,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The server to back up.
    #[arg(long)]
    pub(crate) server_id: i64,
    /// A description for the backup (at most 255 characters).
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Wait until the backup is completed, showing progress.
    #[arg(long)]
    pub(crate) wait: bool,
    /// With --wait: how long to wait for the backup to complete, e.g. 30m.
    #[arg(long, value_parser = parse_duration, default_value = "30m")]
    pub(crate) timeout: Duration,
    #[command(flatten)]
    pub(crate) output: OutputArg,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The backup to wait for.
    pub(crate) backup_id: i64,
    /// The server the backup belongs to (the API lists backups by server).
    #[arg(long)]
    pub(crate) server_id: i64,
    /// How long to wait, e.g. 30m.
    #[arg(long, value_parser = parse_duration, default_value = "30m")]
    pub(crate) timeout: Duration,
    #[command(flatten)]
    pub(crate) output: OutputArg,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The backups to delete.
    #[arg(required = true)]
    pub(crate) backup_ids: Vec<i64>,
    /// Delete without asking. Needed when there is no terminal to ask on.
    #[arg(short, long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) request: RequestTimeout,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ServersCommand {
    /// Restore a server from one of its completed backups. Overwrites the server's disk.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The server to restore.
    pub(crate) server_id: i64,
    /// The backup to restore from.
    #[arg(long)]
    pub(crate) backup_id: i64,
    /// Restore without asking. Needed when there is no terminal to ask on.
    #[arg(short, long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) request: RequestTimeout,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MockCommand {
    /// Run the fake VPS.org server in the foreground until Ctrl-C.
    Serve(vpsorg_backups_mock::cli::ServeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TypeArg {
    Manual,
    Automatic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array (or object) in the API's wire format, for scripts.
    Json,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 90s, 5m, 1h)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

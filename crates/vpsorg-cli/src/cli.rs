//! The command line, as clap derives it. Parsing only: no I/O here.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use vpsorg_backups::BackupType;

use crate::config::{ApiArgs, complete_context};
use crate::exit::Exit;

/// VPS.org backups from the terminal.
///
/// List, create, delete and restore server backups through the VPS.org API. Try
/// `vpsorg demo` first: it runs every command against a fake server, no account needed.
#[derive(Debug, Parser)]
#[command(
    name = "vpsorg",
    version,
    after_help = Exit::help_text(),
    after_long_help = format!("{}\n\n{ENVIRONMENT}", Exit::help_text()),
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where the connection settings come from, for `--help` and the man page.
pub(crate) const ENVIRONMENT: &str = "\
Connection settings, first found wins:
  1. --token, --api-url
  2. VPSORG_API_TOKEN, VPSORG_API_URL
  3. the context named by --context or VPSORG_CONTEXT, else the active context
     (`vpsorg context create`), stored in $XDG_CONFIG_HOME/vpsorg/config.toml
     (default ~/.config), readable by its owner only: vpsorg refuses one others can read
  The API URL defaults to https://admin.vps.org.";

/// `-o`: how to print results.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct FormatArg {
    /// Output format [default: table on a terminal, json otherwise]
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<OutputFormat>,
}

/// How to print backups: the format, and for tables the columns and the header.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct BackupOutputArgs {
    #[command(flatten)]
    pub(crate) format: FormatArg,

    /// Table columns, comma-separated [default: id,server,type,status,size,created,description]
    /// (tables only: JSON and YAML always have every field; any case: ID works too)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "COLUMNS", ignore_case = true)]
    pub(crate) columns: Vec<Column>,

    /// Print tables without their header line
    #[arg(long)]
    pub(crate) no_header: bool,
}

/// `--timeout` of the commands that send one request at a time.
#[derive(Debug, Clone, Args)]
pub(crate) struct RequestTimeout {
    /// Give up on a request after this long, such as 30s or 2m
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub(crate) timeout: Duration,
}

/// What every command that sends one request at a time takes after its own arguments, in
/// this order in `--help`: `-o` (with the table's options for backups), `--timeout`, and the
/// connection.
#[derive(Debug, Args)]
pub(crate) struct Remote<O: Args + AsMut<FormatArg>> {
    #[command(flatten)]
    pub(crate) output: O,
    #[command(flatten)]
    pub(crate) request: RequestTimeout,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

impl AsMut<FormatArg> for FormatArg {
    fn as_mut(&mut self) -> &mut FormatArg {
        self
    }
}

impl AsMut<FormatArg> for BackupOutputArgs {
    fn as_mut(&mut self) -> &mut FormatArg {
        &mut self.format
    }
}

impl<O: Args + AsMut<FormatArg>> Remote<O> {
    fn slots(&mut self) -> Slots<'_> {
        let format = &mut self.output.as_mut().format;
        (Some(&mut self.api), Some(format), Some(TimeoutSlot::Request(&mut self.request.timeout)))
    }
}

/// Options every command takes, and those before the subcommand.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// Log what happens to stderr: -v for requests, -vv for everything. The token is never shown
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// Nothing on stderr but errors: no progress, notes or retry notices
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// The command's --timeout, given before it
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    timeout: Option<Duration>,

    #[command(flatten)]
    output: FormatArg,

    #[command(flatten)]
    api: ApiArgs,
}

impl Cli {
    /// Parses the command line, or exits 2 with clap's usage error. `--token`, `--api-url`,
    /// `--context`, `-o` and `--timeout` may also come before the subcommand, as in kubectl
    /// (`vpsorg --context prod backups list`): they fill the subcommand's own options, which
    /// win when both are given. Before a subcommand that has no such option (`mock serve`,
    /// `demo`, ...) they are a usage error rather than silently ignored.
    pub(crate) fn parse_args() -> Cli {
        let matches = <Cli as clap::CommandFactory>::command().get_matches();
        let parsed = <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
            .and_then(|cli| cli.with_leading_options(&matches));
        parsed.unwrap_or_else(|error| error.exit())
    }

    /// Moves the options given before the subcommand into it (see [`Cli::parse_args`]).
    pub(crate) fn with_leading_options(
        mut self,
        matches: &clap::ArgMatches,
    ) -> Result<Cli, clap::Error> {
        let mut leaf = matches;
        let mut path = String::from("vpsorg");
        while let Some((name, sub)) = leaf.subcommand() {
            path = format!("{path} {name}");
            leaf = sub;
        }
        let leading = &mut self.global;
        // `context create` takes an API URL, but no token or context, to store.
        if let Command::Context(ContextCommand::Create(create)) = &mut self.command {
            create.api_url = create.api_url.take().or(leading.api.api_url.take());
        }
        let (api, format, timeout) = self.command.slots();
        let misplaced = |flag: &str| {
            <Cli as clap::CommandFactory>::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("{flag} does not apply to `{path}`"),
            )
        };
        let given = std::mem::take(&mut leading.api);
        match api {
            Some(api) => {
                api.token = api.token.take().or(given.token);
                api.api_url = api.api_url.take().or(given.api_url);
                api.context = api.context.take().or(given.context);
            }
            None if given.token.is_some() => return Err(misplaced("--token")),
            None if given.api_url.is_some() => return Err(misplaced("--api-url")),
            None if given.context.is_some() => return Err(misplaced("--context")),
            None => {}
        }
        if let Some(leading_format) = leading.output.format.take() {
            let format = format.ok_or_else(|| misplaced("--output"))?;
            format.get_or_insert(leading_format);
        }
        if let Some(leading_timeout) = leading.timeout.take() {
            let timeout = timeout.ok_or_else(|| misplaced("--timeout"))?;
            // Asked only now: a subcommand without a `--timeout` has no such id to ask about.
            let own = leaf.value_source("timeout") == Some(clap::parser::ValueSource::CommandLine);
            match timeout {
                TimeoutSlot::Request(timeout) | TimeoutSlot::Wait(timeout) if !own => {
                    *timeout = leading_timeout;
                }
                TimeoutSlot::Optional(timeout) => _ = timeout.get_or_insert(leading_timeout),
                _ => {}
            }
        }
        Ok(self)
    }
}

/// A subcommand's `--timeout`: of each request, with a default; of `backups create`, none
/// unless given; of `backups wait`, the whole wait's, with a default.
pub(crate) enum TimeoutSlot<'a> {
    Request(&'a mut Duration),
    Optional(&'a mut Option<Duration>),
    Wait(&'a mut Duration),
}

/// A command's connection, output format and `--timeout`, where it has them.
pub(crate) type Slots<'a> =
    (Option<&'a mut ApiArgs>, Option<&'a mut Option<OutputFormat>>, Option<TimeoutSlot<'a>>);

impl Command {
    /// The options that those before the subcommand fill, and that say how an API command
    /// connects.
    pub(crate) fn slots(&mut self) -> Slots<'_> {
        use BackupsCommand as B;
        match self {
            Command::Backups(B::List(a)) => a.remote.slots(),
            Command::Backups(B::Get(a)) => a.remote.slots(),
            Command::Backups(B::Create(a)) => (
                Some(&mut a.api),
                Some(&mut a.output.format.format),
                Some(TimeoutSlot::Optional(&mut a.timeout)),
            ),
            Command::Backups(B::Wait(a)) => (
                Some(&mut a.api),
                Some(&mut a.output.format.format),
                Some(TimeoutSlot::Wait(&mut a.timeout)),
            ),
            Command::Backups(B::Delete(a)) => a.remote.slots(),
            Command::Backups(B::Prune(a)) => a.remote.slots(),
            Command::Servers(ServersCommand::Restore(a)) => a.remote.slots(),
            Command::Doctor(a) => a.remote.slots(),
            Command::Context(ContextCommand::List { output }) => {
                (None, Some(&mut output.format), None)
            }
            _ => (None, None, None),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List, get, create, wait for, delete and prune backups
    #[command(subcommand)]
    Backups(BackupsCommand),
    /// Restore a server from a backup
    #[command(subcommand)]
    Servers(ServersCommand),
    /// Store API tokens and URLs under names, and choose the active one
    #[command(subcommand)]
    Context(ContextCommand),
    #[command(
        about = "Check the API against the contract this build embeds, read-only (nothing is created, deleted or restored)",
        long_about = doctor_help()
    )]
    Doctor(DoctorArgs),
    /// Run the fake VPS.org server
    #[command(subcommand)]
    Mock(MockCommand),
    /// Show every command at work against an embedded fake server. No account needed
    Demo,
    /// Print a shell completion script, such as `vpsorg completions bash >
    /// ~/.local/share/bash-completion/completions/vpsorg`
    ///
    /// It completes commands and options. To complete stored context names too, have the shell
    /// ask vpsorg at each Tab: `source <(COMPLETE=bash vpsorg)` in ~/.bashrc (zsh, fish, elvish
    /// and powershell likewise).
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Write the man pages into a directory (`cargo xtask man` runs this)
    #[command(hide = true)]
    ManPages {
        /// Where to write vpsorg.1, vpsorg-backups.1, ...
        out_dir: PathBuf,
    },
}

/// The long help of `vpsorg doctor`: what it sends and what it checks.
const DOCTOR_HELP: &str = "\
Checks the API at the configured URL against the contract this build embeds
(openapi/backups.yaml): every status, content type, header and body is checked against the
spec's JSON Schemas, and each of the twelve choices README's \"Spec notes\" marks
\"Inferred, not documented\" gets a verdict: confirmed, contradicted (what was expected,
what came, the request id) or not observed.

It is read-only: it never creates, deletes or restores anything. By default it sends only
GET requests to /api/v1/backups/ (at most 16, plus retries after a 429 or a 502-504):
page sizes 20, 1, 100, 0 and 101, page 2, the page after the last, page=abc, the filters
(a server seen, server_id=0, each backup_type), a bad backup_type and server_id, and two
without a valid token (none, a wrong one) to check the 401s.

--probe-errors adds three writes that must fail:
  DELETE /api/v1/backups/9223372036854775807/          a backup id no account can have
  POST /api/v1/servers/9223372036854775807/restore/    a server id no account can have
  POST /api/v1/backups/ with a body that is not JSON    refused before any server is read
Like every request, each is sent again after a 429, 502, 503 or 504 (at most twice):
harmless for requests built to fail, but one write may reach the API up to three times.
It lists the backups before and after the writes. A new manual backup the create could
have made, or the deleted id gone, is a violation; any other change (an automatic backup
started, one expired, someone else at work) is a warning that the account changed during
the run, which fails nothing, even with --strict.

Additive surprises (a field or an enum value the spec does not list; a header or link the
spec says may be absent) are warnings: they fail the run only with --strict.

Exit codes of doctor (vpsorg's others mean what `vpsorg --help` says):";

/// `vpsorg doctor --help`: [`DOCTOR_HELP`], then the exit codes of doctor, each a row of
/// [`Exit`] (the numbers live there), with what it means for a doctor run.
pub(crate) fn doctor_help() -> String {
    let mut help = DOCTOR_HELP.to_string();
    for (exit, meaning) in [
        (Exit::Success, "nothing contradicts the contract"),
        (
            Exit::Unauthorized,
            "the token was refused (401 or 403): most checks did not run; fix the token",
        ),
        (Exit::Contradicted, "something contradicts it (with --strict, a warning too)"),
        (
            Exit::Unchecked,
            "incomplete: the API could not be reached, or answered 5xx or 429 where a check\n      \
             needed an answer (not a contract change, and not the token)",
        ),
    ] {
        help.push_str(&format!("\n  {:<3} {meaning}", exit.code()));
    }
    help + "\nA refused token wins over a contradiction, and a contradiction over an incomplete run."
}

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Also send three writes that must fail and change nothing: a delete of backup
    /// 9223372036854775807, a restore of server 9223372036854775807, a create whose body is not
    /// JSON (each resent after a 429 or 502-504, at most twice, as every request)
    #[arg(long)]
    pub(crate) probe_errors: bool,

    /// Fail (exit 9) on warnings too: fields and enum values the spec does not list
    #[arg(long)]
    pub(crate) strict: bool,

    #[command(flatten)]
    pub(crate) remote: Remote<FormatArg>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BackupsCommand {
    /// List backups, every page of them, in the API's order: highest id first
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one backup. The API has no call that fetches one backup: this searches the list
    /// (of --server-id's backups, or of every backup)
    Get(GetArgs),
    /// Create a manual backup of a server (at most 10 per server)
    ///
    /// When the API's answer is lost or cannot be read, the backup is looked for in the
    /// server's list; exit 5 when it cannot be told which backup this create made.
    Create(CreateArgs),
    /// Wait until a backup is completed
    Wait(WaitArgs),
    /// Delete backups permanently
    #[command(visible_alias = "rm")]
    Delete(DeleteArgs),
    /// Delete a server's older backups, keeping the newest: rotation for the limit of 10
    /// manual backups. Shows the plan first; never deletes a backup in progress
    ///
    /// Only manual backups unless --type automatic says otherwise. --max-delete caps how many
    /// a plan may delete: a plan that would delete more is refused (exit 2).
    ///
    /// --all-servers prunes every server at once: one plan, one question, --max-delete on the
    /// total, then a line per server on stderr. A server that fails does not stop the others;
    /// the exit code is the first failure's, servers taken by id.
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only backups of this server
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) server_id: Option<i64>,
    /// Only backups of this type
    #[arg(long = "type", value_parser = backup_type_parser(), value_name = "BACKUP_TYPE")]
    pub(crate) backup_type: Option<BackupType>,
    /// List at most this many (stderr says when there are more) [default: all]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) limit: Option<u64>,
    #[command(flatten)]
    pub(crate) remote: Remote<BackupOutputArgs>,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The backup to show
    #[arg(allow_negative_numbers = true)]
    pub(crate) backup_id: i64,
    /// The server the backup belongs to; without it, every backup is searched
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) server_id: Option<i64>,
    #[command(flatten)]
    pub(crate) remote: Remote<BackupOutputArgs>,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The server to back up
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) server_id: i64,
    /// A description for the backup (at most 255 characters)
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Wait until the backup is completed, showing progress
    #[arg(long)]
    pub(crate) wait: bool,
    /// Give up after this long, such as 2m: on the create's request, and with --wait on the
    /// create and the wait together [default: 30s for the request; 30m with --wait]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) timeout: Option<Duration>,
    #[command(flatten)]
    pub(crate) output: BackupOutputArgs,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The backup to wait for
    #[arg(allow_negative_numbers = true)]
    pub(crate) backup_id: i64,
    /// The server the backup belongs to; without it, every backup is searched first
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) server_id: Option<i64>,
    /// How long to wait, such as 30m
    #[arg(long, value_parser = parse_duration, default_value = "30m", value_name = "DURATION")]
    pub(crate) timeout: Duration,
    /// Look at the backup this often, such as 5s [default: after 1s, then less often, up to
    /// every 15s]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) poll_interval: Option<Duration>,
    #[command(flatten)]
    pub(crate) output: BackupOutputArgs,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The backups to delete (each once, however often it is given)
    #[arg(required = true, allow_negative_numbers = true)]
    pub(crate) backup_ids: Vec<i64>,
    /// Delete without asking. Needed when there is no terminal to ask on
    #[arg(short, long)]
    pub(crate) yes: bool,
    /// A backup that does not exist is not an error (exit 0, `"deleted": false`): for
    /// scripts that may delete the same backup twice
    #[arg(long)]
    pub(crate) ignore_not_found: bool,
    #[command(flatten)]
    pub(crate) remote: Remote<FormatArg>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("servers").required(true).args(["server_id", "all_servers"])))]
pub(crate) struct PruneArgs {
    /// The server whose backups to prune
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) server_id: Option<i64>,
    /// Every server that has backups of --type: the API has no list of servers, so they are
    /// those one listing of all backups names. Up to 8 are pruned at a time
    #[arg(long)]
    pub(crate) all_servers: bool,
    /// Keep this many of the newest completed backups (by creation time)
    #[arg(long, value_name = "N")]
    pub(crate) keep_last: u32,
    /// Delete only backups older than this, such as 30d or 12h, by the server's clock (the
    /// listing's Date header), not this machine's
    #[arg(long, value_parser = parse_duration, value_name = "AGE")]
    pub(crate) older_than: Option<Duration>,
    /// Only backups of this type: automatic ones are pruned only when asked for by name
    #[arg(
        long = "type",
        value_parser = backup_type_parser(),
        value_name = "BACKUP_TYPE",
        default_value = "manual"
    )]
    pub(crate) backup_type: BackupType,
    /// Refuse the plan, deleting nothing (exit 2), when it would delete more than N backups
    #[arg(long, value_name = "N")]
    pub(crate) max_delete: Option<usize>,
    /// Show the plan and delete nothing, even with --yes
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Delete without asking. Needed when there is no terminal to ask on
    #[arg(short, long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) remote: Remote<FormatArg>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ServersCommand {
    /// Restore a server from one of its completed backups. Overwrites the server's disk
    ///
    /// A restore the API accepted (2xx) but whose answer cannot be read (malformed, an HTML
    /// page, cut short) did start: exit 0, with a warning that names the request id.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The server to restore
    #[arg(allow_negative_numbers = true)]
    pub(crate) server_id: i64,
    /// The backup to restore from
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) backup_id: i64,
    /// Restore without asking. Needed when there is no terminal to ask on
    #[arg(short, long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) remote: Remote<FormatArg>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ContextCommand {
    /// Store a token (asked for without echo, or read with --token-stdin) and an API URL
    /// under a name, and make it the active context
    Create(ContextCreateArgs),
    /// Make a context the active one
    Use {
        /// The context
        #[arg(add = complete_context())]
        name: String,
    },
    /// Print the active context's name: the one `context use` or `context create` chose, as
    /// stored in the config file (like kubectl's `config current-context`, it ignores
    /// VPSORG_CONTEXT and --context, which choose for one command only)
    Current,
    /// Give a context another name; the active context stays active
    Rename {
        /// The context
        #[arg(add = complete_context())]
        old: String,
        /// Its new name: letters, digits, `.`, `_` and `-`
        new: String,
    },
    /// List the contexts (never their tokens)
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        output: FormatArg,
    },
    /// Forget a context and its token
    #[command(visible_alias = "rm")]
    Delete {
        /// The context
        #[arg(add = complete_context())]
        name: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ContextCreateArgs {
    /// A name for it: letters, digits, `.`, `_` and `-`
    pub(crate) name: String,
    /// The API base URL [default: `https://admin.vps.org`]
    #[arg(long, value_name = "URL")]
    pub(crate) api_url: Option<String>,
    /// Read the token from stdin (one line) instead of asking on the terminal
    #[arg(long)]
    pub(crate) token_stdin: bool,
    /// Store the token without checking it; by default one read-only request (a list of one
    /// backup) must succeed first
    #[arg(long)]
    pub(crate) no_verify: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MockCommand {
    /// Run the fake VPS.org server in the foreground until Ctrl-C
    #[command(after_long_help = vpsorg_backups_mock::cli::FAULT_SYNTAX)]
    Serve(vpsorg_backups_mock::cli::ServeArgs),
}

/// `--type`'s values are the backup types the spec lists, so that help and completions
/// follow the spec rather than a copy of it here.
fn backup_type_parser() -> impl clap::builder::TypedValueParser<Value = BackupType> {
    clap::builder::PossibleValuesParser::new(BackupType::KNOWN.iter().map(BackupType::as_str))
        .map(|name| BackupType::from(name.as_str()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// JSON for scripts: one shape per resource, every field present
    Json,
    /// The same as JSON, in YAML
    Yaml,
}

/// A column of the backup table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Column {
    Id,
    /// The server's id
    Server,
    ServerName,
    Type,
    Status,
    Size,
    Created,
    Expires,
    Description,
}

impl Column {
    /// The columns that fit 80 characters with the vendor's data.
    pub(crate) const DEFAULT: [Column; 7] = [
        Column::Id,
        Column::Server,
        Column::Type,
        Column::Status,
        Column::Size,
        Column::Created,
        Column::Description,
    ];
}

/// A duration as people type it (`90s`, `5m`, `1h`, `30d`). Zero is refused: no wait or
/// request can succeed in no time.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 90s, 5m, 1h)"))?;
    if duration.is_zero() {
        return Err("must be more than zero (examples: 90s, 5m, 1h)".into());
    }
    Ok(duration)
}

#[cfg(test)]
#[path = "tests/cli.rs"]
mod tests;

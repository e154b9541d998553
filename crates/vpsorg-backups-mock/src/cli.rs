//! The mock's command line, shared by the `vpsorg-mock` binary and `vpsorg mock serve`: flatten
//! [`ServeArgs`] into a clap command and call [`ServeArgs::run`].
//!
//! ```no_run
//! use clap::Parser;
//! use vpsorg_backups_mock::cli::{FAULT_SYNTAX, ServeArgs};
//!
//! #[derive(Parser)]
//! #[command(after_long_help = FAULT_SYNTAX)]
//! struct Cli {
//!     #[command(flatten)]
//!     serve: ServeArgs,
//! }
//!
//! # async fn demo() -> std::io::Result<()> {
//! Cli::parse().serve.run().await
//! # }
//! ```

use std::io::{self, Write};
use std::time::Duration;

use crate::fault::Fault;
pub use crate::fault::{FAULT_SYNTAX, parse_duration, parse_size};
use crate::seed::Seed;
use crate::server::{DEFAULT_TOKEN, MockServer, MockServerBuilder};

/// Options of a mock server started from the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 8080)]
    pub port: u16,

    /// Bearer token clients must send
    #[arg(long, default_value = DEFAULT_TOKEN)]
    pub token: String,

    /// Start with N generated servers of M backups each instead of the vendor's examples
    #[arg(long, value_name = "N,M", value_parser = parse_generate, conflicts_with = "empty")]
    pub generate: Option<(u32, u32)>,

    /// Start with no servers and no backups instead of the vendor's examples
    #[arg(long)]
    pub empty: bool,

    /// How long a new backup stays in_progress before it is completed (250ms, 2s, 1m30s, 1h)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub complete_after: Duration,

    /// Delay added to every response, counted from the request's arrival (250ms, 2s, 1h)
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_duration)]
    pub latency: Duration,

    /// Script a fault, such as `list:503:nth=1:times=2:retry-after=1` (repeatable; see FAULTS
    /// in --help)
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<Fault>,
}

impl Default for ServeArgs {
    /// The flags' defaults, as a command line without them gets.
    fn default() -> Self {
        use clap::{Args, Command, FromArgMatches};
        let matches = Self::augment_args(Command::new("vpsorg-mock")).get_matches_from([""]);
        Self::from_arg_matches(&matches).expect("the flags' defaults parse")
    }
}

fn parse_generate(text: &str) -> Result<(u32, u32), String> {
    let parse = |part: &str| part.trim().parse::<u32>().ok();
    text.split_once(',')
        .and_then(|(n, m)| Some((parse(n)?, parse(m)?)))
        .ok_or_else(|| format!("`{text}` is not N,M (servers,backups per server), e.g. 10,1000"))
}

impl ServeArgs {
    /// The seed these options ask for.
    pub fn seed(&self) -> Seed {
        match (self.generate, self.empty) {
            (Some((servers, backups)), _) => Seed::generated(servers, backups),
            (None, true) => Seed::empty(),
            (None, false) => Seed::vendor_examples(),
        }
    }

    /// A builder configured from these options. No request log is kept (nothing could read
    /// it from a shell); call `request_log_capacity` on the builder to keep one.
    pub fn builder(&self) -> MockServerBuilder {
        let builder = MockServer::builder().request_log_capacity(0).port(self.port);
        let builder = builder.token(self.token.clone()).seed(self.seed());
        let builder = builder.complete_after(self.complete_after).latency(self.latency);
        self.faults.iter().cloned().fold(builder, MockServerBuilder::fault)
    }

    /// Starts the server, prints [`banner`] on stdout, and serves until Ctrl-C (or SIGTERM),
    /// then shuts down cleanly.
    ///
    /// # Errors
    ///
    /// The port cannot be bound, or the token is not usable (see [`MockServerBuilder::start`]).
    pub async fn run(&self) -> io::Result<()> {
        let server = self.builder().start().await?;
        // Not `println!`/`eprintln!`: a closed pipe (`| head -1`) must not panic, and the
        // server must still shut down cleanly; the newline flushes.
        let _ = writeln!(io::stdout(), "{}", banner(&server));
        wait_for_stop_signal().await;
        let _ = writeln!(io::stderr(), "vpsorg-mock: stopping");
        server.shutdown().await;
        Ok(())
    }
}

/// What a freshly started server prints: where it is, the token, and a request to try (on a
/// server the seed has, or the whole list when it has none).
pub fn banner(server: &MockServer) -> String {
    let filter = server
        .newest_backup()
        .map(|backup| format!("?server_id={}", backup.server.id))
        .unwrap_or_default();
    format!(
        "vpsorg-mock: a fake VPS.org Backups API\n\
         base URL:  {url}\n\
         token:     {token}\n\
         seed:      {seed}; clock at {now}\n\
         try:       curl -H \"Authorization: Bearer {token}\" {url}/api/v1/backups/{filter}\n\
         Ctrl-C stops it.",
        url = server.base_url(),
        token = server.token(),
        seed = server.seed_description(),
        now = server.now().format("%Y-%m-%dT%H:%M:%SZ"),
    )
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

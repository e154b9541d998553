//! `vpsorg doctor`'s engine: a fixed, read-only plan of requests to a live API, each answer
//! checked against the contract this build embeds (`vpsorg_contract`), and a verdict on each
//! inferred choice. Its exit codes are rows of `crate::exit`; its help text is in `crate::cli`.

mod choice;
mod plan;
mod report;
#[cfg(test)]
mod tests;
mod transport;

use std::fmt;
use std::time::Duration;

use vpsorg_contract::Contract;

use crate::config::Secret;
use plan::Run;
pub(crate) use report::Report;
use transport::{Transport, parse_base_url};

/// Tokens shorter than this are not scrubbed from server text in the report: replacing a
/// one-letter test token everywhere would mangle it, and no real token is that short.
const SCRUB_MIN_TOKEN_LEN: usize = 8;

const MAX_SERVER_TEXT: usize = 160;

/// Server text made safe to show, by the wrapper's `excerpt` (as all server text is).
pub(crate) fn excerpt(text: &str) -> String {
    vpsorg_backups::__private::excerpt(text, MAX_SERVER_TEXT)
}

/// The first `n` items joined by `separator`, and how many more: a report's text is kept
/// short (the JSON report has every probe).
pub(crate) fn first<T: fmt::Display>(
    items: impl IntoIterator<Item = T>,
    n: usize,
    separator: &str,
) -> String {
    let mut items = items.into_iter();
    let shown: Vec<String> = items.by_ref().take(n).map(|item| item.to_string()).collect();
    match items.count() {
        0 => shown.join(separator),
        more => format!("{} and {more} more", shown.join(separator)),
    }
}

/// Why a run could not start (problems of the API itself are in the [`Report`]); a message
/// never holds the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Error {
    BaseUrl(String),
    Token(String),
    Client(String),
    NotTheApi,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BaseUrl(why) => write!(f, "invalid API URL {why}"),
            Self::Token(why) => write!(f, "invalid token: {why}"),
            Self::Client(why) => write!(f, "cannot build the HTTP client: {why}"),
            Self::NotTheApi => f.write_str("page 1 of the backup list not found (HTTP 404)"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks the API at a base URL against the embedded contract, as `vpsorg doctor` is told;
/// a probe waits at most `max_retry_wait` for a `Retry-After` before its retry.
#[derive(Debug)]
pub(crate) struct Doctor {
    pub(crate) base_url: String,
    pub(crate) token: Secret,
    pub(crate) probe_errors: bool,
    pub(crate) strict: bool,
    pub(crate) timeout: Duration,
    pub(crate) max_retry_wait: Duration,
}

impl Doctor {
    pub(crate) fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        let (base_url, token) = (base_url.into(), Secret::new(token));
        let (timeout, max_retry_wait) = (Duration::from_secs(30), Duration::from_secs(30));
        Self { base_url, token, probe_errors: false, strict: false, timeout, max_retry_wait }
    }

    /// Runs the plan and reports. Errors only when the run cannot start: whatever the API
    /// does is in the report.
    pub(crate) async fn run(&self) -> Result<Report, Error> {
        let base = parse_base_url(&self.base_url)?;
        let token = self.token.expose();
        if token.trim().is_empty() {
            return Err(Error::Token("the token is empty".into()));
        }
        let transport = Transport::new(base.clone(), token, self.timeout, self.max_retry_wait)?;
        let mut run = Run::new(&transport, Contract::embedded(), self.probe_errors);
        run.execute().await;
        let mut report = run.finish(base.as_str().trim_end_matches('/'), self.strict);
        if report.probes.first().and_then(|probe| probe.status) == Some(404) {
            return Err(Error::NotTheApi);
        }
        if token.len() >= SCRUB_MIN_TOKEN_LEN {
            report.scrub(token);
        }
        Ok(report)
    }
}

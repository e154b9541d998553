//! `vpsorg doctor`'s engine: a fixed, read-only plan of requests to a live API, each answer
//! checked against the contract this build embeds (`vpsorg_contract`), and a verdict on each
//! inferred choice. [`Doctor`]: what to check and how, and [`Doctor::run`].

mod choice;
mod plan;
mod report;
#[cfg(test)]
mod tests;
mod transport;

use std::fmt;
use std::time::Duration;

use vpsorg_contract::Contract;

use plan::Run;
pub(crate) use report::Report;
use transport::{Transport, parse_base_url};

// The codes are `vpsorg`'s: 7 is what every vpsorg command exits with when the token is
// refused; its other codes, 1-6 and 8, mean things the doctor never reports.

/// Exit code: nothing contradicts the contract (warnings allowed unless `--strict`).
pub(crate) const EXIT_CONSISTENT: i32 = 0;
/// Exit code: the API refused the configured token (401 or 403), so the checks that need
/// it did not run. The same code as every other `vpsorg` command's refused token: a revoked
/// or mistyped token fails a nightly job instead of passing as an incomplete run.
pub(crate) const EXIT_TOKEN_REFUSED: i32 = 7;
/// Exit code: something contradicts the contract (with `--strict`, a warning too).
pub(crate) const EXIT_CONTRADICTED: i32 = 9;
/// Exit code: nothing contradicts the contract, but some checks could not run (the API
/// could not be reached, or answered 5xx or 429 where a check needed an answer). Not a
/// contract change, and not the token: a refused token is [`EXIT_TOKEN_REFUSED`].
pub(crate) const EXIT_INCOMPLETE: i32 = 10;

/// Tokens shorter than this are not scrubbed from server text in the report: replacing a
/// one-letter test token everywhere would mangle it, and no real token is that short.
const SCRUB_MIN_TOKEN_LEN: usize = 8;

/// Why a run could not start. Problems of the API itself are never errors: they are in the
/// [`Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Error {
    /// The base URL is not a usable `http(s)://` URL.
    BaseUrl(String),
    /// The token is empty, or cannot be sent in a header. The message never holds the token.
    Token(String),
    /// The HTTP client could not be built.
    Client(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BaseUrl(why) => write!(f, "invalid API URL {why}"),
            Self::Token(why) => write!(f, "invalid token: {why}"),
            Self::Client(why) => write!(f, "cannot build the HTTP client: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks the API at a base URL against the embedded contract.
#[derive(Clone)]
pub(crate) struct Doctor {
    base_url: String,
    token: String,
    probe_errors: bool,
    strict: bool,
    timeout: Duration,
    max_retry_wait: Duration,
    allow_insecure_http: bool,
}

impl fmt::Debug for Doctor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doctor")
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("probe_errors", &self.probe_errors)
            .field("strict", &self.strict)
            .field("timeout", &self.timeout)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

impl Doctor {
    /// A doctor for the API at `base_url` (`https://admin.vps.org`), with `token`, read-only
    /// and lenient by default.
    pub(crate) fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token: token.into(),
            probe_errors: false,
            strict: false,
            timeout: Duration::from_secs(30),
            max_retry_wait: Duration::from_secs(30),
            allow_insecure_http: false,
        }
    }

    /// Also sends the three writes that must fail (see `vpsorg doctor --help`); default off.
    pub(crate) fn probe_errors(mut self, yes: bool) -> Self {
        self.probe_errors = yes;
        self
    }

    /// Makes warnings (additive surprises) fail the run; default off.
    pub(crate) fn strict(mut self, yes: bool) -> Self {
        self.strict = yes;
        self
    }

    /// The time one request may take, connecting included (default 30 s).
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest `Retry-After` (after a 429, 502, 503 or 504) a probe waits before its
    /// retry (default 30 s; two retries at most). A longer one is not waited for: that
    /// probe's check is then incomplete.
    #[cfg(test)]
    pub(crate) fn max_retry_wait(mut self, limit: Duration) -> Self {
        self.max_retry_wait = limit;
        self
    }

    /// Runs the plan (see [`plan::PROBES`]) and reports. Takes well under a second against
    /// a fast API, longer only when it waits out a `Retry-After`.
    ///
    /// # Errors
    ///
    /// Only when the run cannot start: an unusable base URL ([`Error::BaseUrl`]), an empty
    /// token or one no header can carry ([`Error::Token`]), or no HTTP client
    /// ([`Error::Client`]). Whatever the API does is in the report.
    pub(crate) async fn run(&self) -> Result<Report, Error> {
        let base = parse_base_url(&self.base_url, self.allow_insecure_http)?;
        if self.token.trim().is_empty() {
            return Err(Error::Token("the token is empty".into()));
        }
        let transport =
            Transport::new(base.clone(), &self.token, self.timeout, self.max_retry_wait)?;
        let mut run = Run::new(&transport, Contract::embedded(), self.probe_errors);
        run.execute().await;
        let shown_url = base.as_str().trim_end_matches('/').to_string();
        let mut report = run.finish(&shown_url, self.strict);
        if self.token.len() >= SCRUB_MIN_TOKEN_LEN {
            report.scrub(&self.token);
        }
        Ok(report)
    }
}

//! The CLI's errors: one line a person understands, a hint where one helps, and an exit code
//! that tells a script what kind of failure it was.

use std::fmt;
use std::io;

use vpsorg_backups::{Error as ApiError, Resource};

use crate::exit::Exit;
use crate::text::{redact_url, root_cause};

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// A failure the CLI found itself, in words, of a kind [`Exit`] describes (after Ctrl-C,
    /// the message says what goes on without us).
    Message { exit: Exit, message: String, hint: Option<String> },
    /// The API refused, failed or could not be reached, or a wait ended without a completed
    /// backup. `api_url` is where the request went and `token_from` where its token came
    /// from (never the token), for the messages that need them; `hint` is what to do next
    /// when the command knows better than the error alone.
    Api {
        error: Box<ApiError>,
        /// What the command was doing, when the error does not say (one of several deletes).
        doing: Option<String>,
        api_url: Option<String>,
        token_from: Option<String>,
        hint: Option<String>,
    },
    /// The person did not confirm.
    Cancelled,
    /// stdout was closed (`| head`): the reader has all it wants. Ends quietly, exit 0.
    ClosedPipe,
    /// Writing the output failed for another reason.
    Io(io::Error),
    /// Already printed while the command ran; only the exit code is left to give.
    AlreadyReported(Exit),
}

impl CliError {
    /// A failure with this exit code, in words.
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError::Message { exit, message: message.into(), hint: None }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::new(Exit::Usage, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        CliError::new(Exit::NotFound, message)
    }

    /// Adds a hint, in place of the one the error would give.
    pub(crate) fn with_hint(mut self, new_hint: impl Into<String>) -> Self {
        if let CliError::Message { hint, .. } | CliError::Api { hint, .. } = &mut self {
            *hint = Some(new_hint.into());
        }
        self
    }

    /// Remembers the API URL a request went to, for messages about connecting to it
    /// (redacted: messages never show a password).
    /// Says what the command was doing (`deleting backup 499`) before the error's words.
    pub(crate) fn doing(mut self, what: String) -> Self {
        if let CliError::Api { doing, .. } = &mut self {
            *doing = Some(what);
        }
        self
    }

    pub(crate) fn at_url(mut self, url: &str) -> Self {
        if let CliError::Api { api_url, .. } = &mut self {
            api_url.get_or_insert_with(|| redact_url(url).into_owned());
        }
        self
    }

    /// Remembers the connection a request used: its URL, and where its token came from (for
    /// a 401's hint).
    pub(crate) fn at(mut self, api_url: &str, token_source: &impl std::fmt::Display) -> Self {
        if let CliError::Api { token_from, .. } = &mut self {
            token_from.get_or_insert_with(|| token_source.to_string());
        }
        self.at_url(api_url)
    }

    /// What to do after a refused restore of `server_id` from `backup_id`: another server's
    /// backup, or one that is not completed.
    pub(crate) fn restore_refused(self, server_id: i64, backup_id: i64) -> Self {
        let CliError::Api { error, .. } = &self else {
            return self;
        };
        let hint = match error.code() {
            Some("backup_server_mismatch") => format!(
                "`vpsorg backups list --server-id {server_id}` lists the backups server \
                 {server_id} can be restored from; `vpsorg backups get {backup_id}` shows whose \
                 backup {backup_id} is"
            ),
            Some("backup_not_completed") => format!(
                "`vpsorg backups wait {backup_id}` waits until it is completed, then restore \
                 again; a failed one never is: `vpsorg backups list --server-id {server_id}` \
                 lists the others"
            ),
            _ => return self,
        };
        self.with_hint(hint)
    }

    pub(crate) fn exit(&self) -> Exit {
        match self {
            CliError::Message { exit, .. } | CliError::AlreadyReported(exit) => *exit,
            CliError::Api { error, .. } => api_exit(error),
            CliError::Cancelled => Exit::Cancelled,
            CliError::ClosedPipe => Exit::Success,
            CliError::Io(_) => Exit::Local,
        }
    }

    /// What to print on stderr, if anything is left to print.
    pub(crate) fn report(&self) -> Option<String> {
        match self {
            CliError::AlreadyReported(_) | CliError::ClosedPipe => None,
            other => Some(other.to_string()),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            CliError::Message { hint, .. } => hint.clone(),
            CliError::Api { hint: Some(hint), .. } => Some(hint.clone()),
            CliError::Api { error, api_url, token_from, .. } => {
                api_hint(error, api_url.as_deref(), token_from.as_deref())
            }
            _ => None,
        }
    }
}

/// The exit code of an API error: what a script can do about it.
fn api_exit(error: &ApiError) -> Exit {
    match error {
        // Accepted, but which backup it made is unknown (a restore's is a warning instead).
        ApiError::OutcomeUnknown { .. } | ApiError::AnswerUnreadable { .. } => Exit::OutcomeUnknown,
        ApiError::Unauthorized { .. } => Exit::Unauthorized,
        // Page 1 always exists, even when empty: its 404 means the URL is wrong.
        ApiError::NotFound { resource: Resource::Page(1), .. } => Exit::Usage,
        ApiError::NotFound { .. } | ApiError::BackupNotListed { .. } => Exit::NotFound,
        ApiError::BackupFailed { .. }
        | ApiError::BackupDisappeared { .. }
        | ApiError::WaitTimeout { .. } => Exit::WaitFailed,
        ApiError::Config { .. } | ApiError::InvalidInput { .. } => Exit::Usage,
        error if error.is_retryable() => Exit::Unavailable,
        _ => Exit::Api,
    }
}

/// What to do about an API URL where page 1 of the backup list is not found: `backups
/// list` and `doctor` say the same.
pub(crate) fn wrong_url_hint(api_url: Option<&str>) -> String {
    match api_url.map(|url| url.trim_end_matches('/')) {
        Some(url) if url.ends_with("/api/v1") => format!(
            "--api-url is the API's address without /api/v1 (vpsorg adds it): {}",
            url.trim_end_matches("/api/v1")
        ),
        _ => "check --api-url (or VPSORG_API_URL, or the context's): it should be the API's \
              address, such as https://admin.vps.org"
            .into(),
    }
}

fn api_hint(error: &ApiError, api_url: Option<&str>, token_from: Option<&str>) -> Option<String> {
    Some(match error {
        ApiError::Unauthorized { .. } => match token_from {
            Some(source) => format!(
                "the token came from {source}; check it, or give another: --token, \
                 VPSORG_API_TOKEN or a context (`vpsorg context list`)"
            ),
            None => "check the token: --token, VPSORG_API_TOKEN or the context's (`vpsorg \
                     context list`)"
                .into(),
        },
        ApiError::NotFound { resource: Resource::Page(1), .. } => wrong_url_hint(api_url),
        ApiError::BackupFailed { backup, .. } => format!(
            "a failed backup cannot be restored: `vpsorg backups create --server-id {}` tries \
             again; `vpsorg backups delete {}` removes the failed one",
            backup.server.id, backup.id
        ),
        ApiError::ManualBackupLimit { server_id, .. } => format!(
            "`vpsorg backups prune --server-id {server_id} --type manual --keep-last 9` makes room; \
             `vpsorg backups list --server-id {server_id} --type manual` lists them"
        ),
        ApiError::BackupNotListed { .. } => {
            "`vpsorg backups get ID` without --server-id searches every server".into()
        }
        ApiError::FilterMismatch { .. } => {
            "nothing was acted on; a proxy in front of the API may drop query parameters: \
             check --api-url (or VPSORG_API_URL, or the context's)"
                .into()
        }
        ApiError::OutcomeUnknown { .. } | ApiError::AnswerUnreadable { .. } => {
            "exit code 5: look before you retry, or the retry may act twice".into()
        }
        error if error.is_retryable() && connection_failed(error) => {
            "check the network and --api-url (or VPSORG_API_URL, or the context's)".into()
        }
        ApiError::RateLimited { .. } => "wait a little and try again".into(),
        _ => return None,
    })
}

fn connection_failed(error: &ApiError) -> bool {
    matches!(error, ApiError::Transport { .. } | ApiError::Timeout { .. })
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message { exit: Exit::Interrupted, message, .. } => {
                write!(f, "interrupted: {message}")?
            }
            CliError::Message { message, .. } => write!(f, "error: {message}")?,
            CliError::Api { error, doing, api_url, .. } => {
                f.write_str("error: ")?;
                if let Some(doing) = doing {
                    write!(f, "{doing}: ")?;
                }
                write!(f, "{error}")?;
                // Support finds the request by its id: on the first line, which a script
                // that keeps one line (and the JSON of a failed delete) keeps too.
                if let Some(id) = error.request_id() {
                    write!(f, " (request id {id})")?;
                }
                let inner = match error.as_ref() {
                    ApiError::OutcomeUnknown { source, .. } => source.as_ref(),
                    other => other,
                };
                // Which address, and what the network said: refused, a TLS failure, DNS. After
                // a create's or restore's sentence, on a line of its own.
                if connection_failed(inner) {
                    let cause = root_cause(inner);
                    match (error.is_outcome_unknown(), api_url, cause) {
                        (false, Some(url), Some(cause)) => write!(f, " ({url}): {cause}")?,
                        (false, Some(url), None) => write!(f, " ({url})")?,
                        (true, Some(url), Some(cause)) => write!(f, "\n  cause: {cause} ({url})")?,
                        (_, None, Some(cause)) => write!(f, ": {cause}")?,
                        _ => {}
                    }
                }
            }
            CliError::Cancelled => write!(f, "cancelled: nothing was changed")?,
            CliError::ClosedPipe => write!(f, "stdout was closed")?,
            CliError::Io(error) => write!(f, "error: writing output: {error}")?,
            CliError::AlreadyReported(exit) => write!(f, "failed ({})", exit.name())?,
        }
        if let Some(hint) = self.hint() {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        CliError::Api {
            error: Box::new(error),
            doing: None,
            api_url: None,
            token_from: None,
            hint: None,
        }
    }
}

impl From<io::Error> for CliError {
    /// Only for writing output: a closed pipe ends the command quietly.
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError::ClosedPipe
        } else {
            CliError::Io(error)
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(error: serde_json::Error) -> Self {
        match error.io_error_kind() {
            Some(kind) => CliError::from(io::Error::from(kind)),
            None => CliError::Io(io::Error::other(error)),
        }
    }
}

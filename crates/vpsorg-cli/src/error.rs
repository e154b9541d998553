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
    /// A failure the CLI found itself, in words: the command line or the configuration is
    /// wrong (usage), something looked for is not there (not found), a wait ended without a
    /// completed backup, Ctrl-C (interrupted: the message says what goes on without us), or
    /// another local failure (a file that cannot be written, a runtime that does not start).
    Message {
        exit: Exit,
        message: String,
        hint: Option<String>,
    },
    /// The API refused, failed or could not be reached, or a wait ended without a completed
    /// backup. `api_url` is where the request went, for the messages that need it.
    Api {
        error: Box<ApiError>,
        api_url: Option<String>,
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
        CliError::Message {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::new(Exit::Usage, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        CliError::new(Exit::NotFound, message)
    }

    /// Adds a hint to an error that carries its own (not an API error's).
    pub(crate) fn with_hint(mut self, new_hint: impl Into<String>) -> Self {
        if let CliError::Message { hint, .. } = &mut self {
            *hint = Some(new_hint.into());
        }
        self
    }

    /// Remembers the API URL a request went to, for messages about connecting to it
    /// (redacted: messages never show a password).
    pub(crate) fn at_url(self, url: &str) -> Self {
        match self {
            CliError::Api {
                error,
                api_url: None,
            } => CliError::Api {
                error,
                api_url: Some(redact_url(url).into_owned()),
            },
            other => other,
        }
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
            CliError::Api { error, api_url } => api_hint(error, api_url.as_deref()),
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
        ApiError::NotFound {
            resource: Resource::Page(1),
            ..
        } => Exit::Usage,
        ApiError::NotFound { .. } | ApiError::BackupNotListed { .. } => Exit::NotFound,
        ApiError::BackupFailed { .. }
        | ApiError::BackupDisappeared { .. }
        | ApiError::WaitTimeout { .. } => Exit::WaitFailed,
        ApiError::Config { .. } | ApiError::InvalidInput { .. } => Exit::Usage,
        error if error.is_retryable() => Exit::Unavailable,
        _ => Exit::Api,
    }
}

fn api_hint(error: &ApiError, api_url: Option<&str>) -> Option<String> {
    Some(match error {
        ApiError::Unauthorized { .. } => {
            "check the token: --token, VPSORG_API_TOKEN or the context's (`vpsorg context list`)"
                .into()
        }
        ApiError::NotFound {
            resource: Resource::Page(1),
            ..
        } => match api_url.map(|url| url.trim_end_matches('/')) {
            Some(url) if url.ends_with("/api/v1") => format!(
                "--api-url is the API's address without /api/v1 (vpsorg adds it): {}",
                url.trim_end_matches("/api/v1")
            ),
            _ => "check --api-url (or VPSORG_API_URL, or the context's): it should be the API's \
                  address, such as https://admin.vps.org"
                .into(),
        },
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
            CliError::Message {
                exit: Exit::Interrupted,
                message,
                ..
            } => write!(f, "interrupted: {message}")?,
            CliError::Message { message, .. } => write!(f, "error: {message}")?,
            CliError::Api { error, api_url } => {
                write!(f, "error: {error}")?;
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
            api_url: None,
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

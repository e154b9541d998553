//! The crate's one error type: its variants, `Display` (one terse line, never a header, a raw
//! body or the token) and accessors. Responses are turned into it in `response.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::shared::clean;
use crate::{Backup, BackupStatus, BackupType};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error kept as the [`source`](std::error::Error::source) of an [`Error`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The most field errors, and messages per field, that `Display` shows; the rest are
/// counted. [`Error::InvalidRequest`]'s `field_errors` keeps them all.
const MAX_SHOWN_FIELDS: usize = 3;
const MAX_SHOWN_MESSAGES: usize = 2;

/// The resource an [`Error::NotFound`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// A server, by id.
    Server(i64),
    /// A backup, by id.
    Backup(i64),
    /// A page of the backup list past the last one.
    Page(u64),
    /// A restore whose server or backup does not exist; the API did not say which.
    ServerOrBackup {
        /// The server that was to be restored.
        server_id: i64,
        /// The backup it was to be restored from.
        backup_id: i64,
    },
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Server(id) => write!(f, "server {id}"),
            Resource::Backup(id) => write!(f, "backup {id}"),
            Resource::Page(number) => write!(f, "page {number} of the backup list"),
            Resource::ServerOrBackup { server_id, backup_id } => {
                write!(f, "server {server_id} or backup {backup_id}")
            }
        }
    }
}

/// Why a listing stopped before the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationIssue {
    /// The server's `next` link is not a page of the backup list on the configured
    /// origin (or names no page number), so it was not followed.
    UnusableNextLink,
    /// A page held only backups already listed: the server seems to ignore the `page`
    /// parameter. Stopping is the alternative to looping forever.
    NoProgress {
        /// The page that brought nothing new.
        page: u64,
    },
    /// The `next` link does not point past the current page.
    LinkGoesBackwards {
        /// The page the link came with.
        page: u64,
        /// The page it points to.
        next: u64,
    },
    /// Far more pages than the server's `count` allows for.
    TooManyPages {
        /// Pages fetched so far.
        pages: u64,
    },
}

impl fmt::Display for PaginationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationIssue::UnusableNextLink => {
                f.write_str("the server's next link is not a page of the backup list")
            }
            PaginationIssue::NoProgress { page } => write!(
                f,
                "page {page} repeated backups already listed; the server seems to ignore paging"
            ),
            PaginationIssue::LinkGoesBackwards { page, next } => {
                write!(f, "page {page} links back to page {next}")
            }
            PaginationIssue::TooManyPages { pages } => {
                write!(f, "{pages} pages fetched, far more than the server's count allows")
            }
        }
    }
}

/// Everything that can go wrong when talking to the VPS.org Backups API.
///
/// Match on the variant to handle a case (every variant is `#[non_exhaustive]`, so match
/// with `{ .. }`), or use the helpers: [`status`](Error::status),
/// [`is_retryable`](Error::is_retryable), [`request_id`](Error::request_id),
/// [`code`](Error::code), [`retry_after`](Error::retry_after).
///
/// ```
/// use vpsorg_backups::Error;
///
/// fn explain(error: &Error) -> String {
///     match error {
///         Error::ManualBackupLimit { server_id, .. } => {
///             format!("delete a manual backup of server {server_id} first")
///         }
///         Error::RateLimited { retry_after: Some(wait), .. } => format!("retry in {wait:?}"),
///         other => other.to_string(),
///     }
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The token is missing, wrong or not allowed to do this (HTTP 401 or 403).
    #[non_exhaustive]
    Unauthorized {
        /// 401 or 403.
        status: StatusCode,
        /// The API's reason, such as `not_authenticated` or `authentication_failed`.
        code: Option<String>,
        /// The API's sentence for people.
        detail: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A server, backup or page does not exist (HTTP 404).
    #[non_exhaustive]
    NotFound {
        /// What was not found.
        resource: Resource,
        /// The API's reason, when it gave one.
        code: Option<String>,
        /// The API's sentence for people.
        detail: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The server already has the most manual backups allowed (10): delete one first.
    #[non_exhaustive]
    ManualBackupLimit {
        /// The server that is full.
        server_id: i64,
        /// The API's sentence for people.
        detail: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The API refused the request as invalid (HTTP 400, 409, 415 or 422), for example
    /// restoring a backup of another server (`code` `backup_server_mismatch`) or one that
    /// is not completed (`backup_not_completed`), or with errors about fields.
    #[non_exhaustive]
    InvalidRequest {
        /// The HTTP status.
        status: StatusCode,
        /// The API's reason, when it gave one.
        code: Option<String>,
        /// The API's sentence for people, when it gave one.
        detail: Option<String>,
        /// Messages about each invalid field (or `non_field_errors`), by field name.
        field_errors: BTreeMap<String, Vec<String>>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// Too many requests (HTTP 429).
    #[non_exhaustive]
    RateLimited {
        /// How long the API asked to wait, from `Retry-After`.
        retry_after: Option<Duration>,
        /// The API's reason, when it gave one.
        code: Option<String>,
        /// The API's sentence for people.
        detail: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The API or a proxy in front of it failed (HTTP 5xx). 502, 503 and 504 are
    /// transient.
    #[non_exhaustive]
    Server {
        /// The HTTP status.
        status: StatusCode,
        /// The API's reason, when it gave one.
        code: Option<String>,
        /// The API's sentence for people, when the body was the API's JSON.
        detail: Option<String>,
        /// `Retry-After`, which 503 responses may carry.
        retry_after: Option<Duration>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A status the API does not document for this operation, such as a redirect that was
    /// not followed.
    #[non_exhaustive]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The API's reason, when it gave one.
        code: Option<String>,
        /// The API's sentence for people, when the body was the API's JSON.
        detail: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// No response arrived in time (the client's `timeout` or `connect_timeout`).
    #[non_exhaustive]
    Timeout {
        /// False only when the connection was never made, so the API cannot have seen
        /// the request.
        may_have_reached_server: bool,
        /// The underlying error.
        source: BoxError,
    },
    /// The connection failed: DNS, refused connection, TLS, reset, closed mid-response.
    #[non_exhaustive]
    Transport {
        /// False only when the connection was never made, so the API cannot have seen
        /// the request.
        may_have_reached_server: bool,
        /// The underlying error.
        source: BoxError,
    },
    /// A response the crate could not decode, or one that decodes to a value the contract
    /// rules out (a list whose `count` is negative). `excerpt` holds the start of the body
    /// (on one line, at most 200 characters, control and invisible characters replaced; for
    /// a value ruled out, the decoded body as JSON) for debugging; `Display` never shows it.
    /// A create's or restore's 2xx is [`Error::AnswerUnreadable`] instead: it happened.
    #[non_exhaustive]
    Decode {
        /// The HTTP status of the response.
        status: StatusCode,
        /// The start of the body.
        excerpt: String,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
        /// The JSON error, or what the decoded value breaks.
        source: serde_json::Error,
    },
    /// A request to a create or restore failed in a way that leaves its outcome unknown
    /// (a timeout, a dropped connection or a 5xx after the request was sent). It was not
    /// retried: a second create would use another manual slot, a second restore would
    /// overwrite the server again. List the server's backups before trying again.
    #[non_exhaustive]
    OutcomeUnknown {
        /// What was attempted: `create backup` or `restore server`.
        operation: &'static str,
        /// The failure.
        source: Box<Error>,
    },
    /// The API accepted a create or restore (a 2xx status), but its answer could not be
    /// read: malformed JSON, an HTML page, a missing field, a body cut short. It happened;
    /// only its details are unknown. A create is then looked for in the server's list, and
    /// this error comes back only when it is not found there (list the server's backups
    /// before trying again). Never retried.
    #[non_exhaustive]
    AnswerUnreadable {
        /// What was accepted: `create backup` or `restore server`.
        operation: &'static str,
        /// The 2xx status of the answer.
        status: StatusCode,
        /// The `X-Request-Id` of the answer.
        request_id: Option<String>,
        /// Why it could not be read: an [`Error::Decode`], or an [`Error::Transport`] for a
        /// body cut short.
        source: Box<Error>,
    },
    /// The API or a redirect pointed to another origin than the configured base URL. The
    /// crate never sends the token there, so it stopped.
    #[non_exhaustive]
    ForeignOrigin {
        /// The other origin, as `scheme://host:port`.
        origin: String,
    },
    /// A listing could not go on safely.
    #[non_exhaustive]
    Pagination {
        /// What the server did.
        issue: PaginationIssue,
    },
    /// A listing filtered by server or type held a backup outside the filter: the API, or a
    /// proxy in front of it, ignored a filter (a dropped query parameter, say). The listing
    /// stops at that page, so that nothing acts on a backup it did not ask for.
    #[non_exhaustive]
    FilterMismatch {
        /// The server the listing was filtered by, if it was.
        server_id: Option<i64>,
        /// The type the listing was filtered by, if it was.
        backup_type: Option<BackupType>,
        /// The first backup listed outside the filter.
        backup: Box<Backup>,
    },
    /// The backup being waited for ended as `failed`.
    #[non_exhaustive]
    BackupFailed {
        /// The failed backup.
        backup: Box<Backup>,
    },
    /// The backup being waited for was listed for its server at an earlier poll, and is no
    /// longer: it was deleted while waiting.
    #[non_exhaustive]
    BackupDisappeared {
        /// The server it belonged to.
        server_id: i64,
        /// The backup.
        backup_id: i64,
    },
    /// The backup to wait for is not listed for that server at the first poll that
    /// succeeded: no backup has that id, or it belongs to another server. Nothing was
    /// waited for.
    #[non_exhaustive]
    BackupNotListed {
        /// The server whose list was searched.
        server_id: i64,
        /// The backup that is not in it.
        backup_id: i64,
    },
    /// The backup was not completed before the waiter's timeout.
    #[non_exhaustive]
    WaitTimeout {
        /// The server it belongs to.
        server_id: i64,
        /// The backup.
        backup_id: i64,
        /// Its status when last seen; `None` when no poll succeeded.
        last_status: Option<BackupStatus>,
        /// The failure of the last poll, when it failed (a 429 or 503 that outlasted the
        /// retries, say), or of its last attempt when the timeout cut the poll off while it
        /// waited to retry (a long `Retry-After`). Also the error's
        /// [`source`](std::error::Error::source).
        last_error: Option<Box<Error>>,
        /// How long the waiter waited.
        waited: Duration,
    },
    /// An argument the API would refuse, caught before sending (a page size outside
    /// 1..=100, a description over 255 characters).
    #[non_exhaustive]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// The client could not be built: no token, a malformed or insecure base URL.
    #[non_exhaustive]
    Config {
        /// What is wrong.
        message: String,
    },
}

/// `Some` field (`&` or `&mut`, as `error` is) of the variants that carry it: the one list
/// of which variants keep the API's `code`, `detail` and the response's `request_id`.
macro_rules! api_field {
    ($error:expr, code) => {
        api_field!(@ $error, code: Unauthorized NotFound InvalidRequest RateLimited Server UnexpectedStatus)
    };
    ($error:expr, detail) => {
        api_field!(@ $error, detail: Unauthorized NotFound ManualBackupLimit InvalidRequest
            RateLimited Server UnexpectedStatus)
    };
    ($error:expr, request_id) => {
        api_field!(@ $error, request_id: Unauthorized NotFound ManualBackupLimit InvalidRequest
            RateLimited Server UnexpectedStatus Decode AnswerUnreadable)
    };
    (@ $error:expr, $field:ident: $($variant:ident)*) => {
        match $error {
            $(Error::$variant { $field, .. } => Some($field),)*
            _ => None,
        }
    };
}
#[cfg(feature = "test-util")]
pub(crate) use api_field;

impl Error {
    /// The HTTP status of the response this error came from, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthorized { status, .. }
            | Error::InvalidRequest { status, .. }
            | Error::Server { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::AnswerUnreadable { status, .. } => Some(*status),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::ManualBackupLimit { .. } => Some(StatusCode::BAD_REQUEST),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::OutcomeUnknown { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: rate limiting, 502, 503,
    /// 504, timeouts and connection failures. The client has already retried these as far
    /// as its [`RetryPolicy`](crate::RetryPolicy) allows. Always false for
    /// [`Error::OutcomeUnknown`]: repeating that request is not safe.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Server { status, .. } => matches!(status.as_u16(), 502..=504),
            _ => false,
        }
    }

    /// Whether the request may have reached the API although it failed. False for errors
    /// raised before anything was sent.
    pub fn may_have_reached_server(&self) -> bool {
        match self {
            Error::Timeout { may_have_reached_server, .. }
            | Error::Transport { may_have_reached_server, .. } => *may_have_reached_server,
            Error::ForeignOrigin { .. }
            | Error::InvalidInput { .. }
            | Error::Config { .. }
            | Error::Pagination { .. }
            | Error::FilterMismatch { .. }
            | Error::WaitTimeout { .. }
            | Error::BackupDisappeared { .. }
            | Error::BackupNotListed { .. }
            | Error::BackupFailed { .. } => false,
            _ => true,
        }
    }

    /// Whether this is [`Error::OutcomeUnknown`]: a create or restore that may or may not
    /// have happened.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// The `X-Request-Id` of the response, when the API sent one. Quote it to VPS.org
    /// support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::OutcomeUnknown { source, .. } => source.request_id(),
            error => api_field!(error, request_id).and_then(Option::as_deref),
        }
    }

    /// The API's machine-readable reason, such as `backup_not_completed`, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::ManualBackupLimit { .. } => Some("manual_backup_limit_reached"),
            Error::OutcomeUnknown { source, .. } => source.code(),
            error => api_field!(error, code).and_then(Option::as_deref),
        }
    }

    /// The API's sentence for people (bounded, on one line, cleaned of control and invisible
    /// characters), when it gave one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::OutcomeUnknown { source, .. } => source.detail(),
            error => api_field!(error, detail).and_then(Option::as_deref),
        }
    }

    /// How long the API asked to wait before retrying (`Retry-After`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// The constructors the crate uses itself; the `test-util` feature makes them public
/// (`src/test_util.rs`).
#[cfg(not(feature = "test-util"))]
impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into() }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput { message: message.into() }
    }

    pub(crate) fn pagination(issue: PaginationIssue) -> Self {
        Error::Pagination { issue }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Appends `: detail` when there is one.
        fn detail(f: &mut fmt::Formatter<'_>, detail: &Option<String>) -> fmt::Result {
            detail.as_ref().map_or(Ok(()), |detail| write!(f, ": {detail}"))
        }
        match self {
            Error::Unauthorized { status, detail: d, .. } => {
                let what =
                    if *status == StatusCode::FORBIDDEN { "forbidden" } else { "unauthorized" };
                write!(f, "{what} (HTTP {})", status.as_u16())?;
                detail(f, d)
            }
            Error::NotFound { resource, .. } => write!(f, "{resource} not found (HTTP 404)"),
            Error::ManualBackupLimit { server_id, .. } => write!(
                f,
                "server {server_id} already has the most manual backups allowed (10); delete one first"
            ),
            Error::InvalidRequest { status, detail: d, field_errors, .. } => {
                write!(f, "invalid request (HTTP {})", status.as_u16())?;
                detail(f, d)?;
                let mut separator = if d.is_some() { "; " } else { ": " };
                // A few fields and messages: a body with thousands stays one terse line.
                for (field, messages) in field_errors.iter().take(MAX_SHOWN_FIELDS) {
                    write!(f, "{separator}{field}:")?;
                    for message in messages.iter().take(MAX_SHOWN_MESSAGES) {
                        write!(f, " {message}")?;
                    }
                    if let Some(more) = messages.len().checked_sub(MAX_SHOWN_MESSAGES + 1) {
                        write!(f, " (+{} more)", more + 1)?;
                    }
                    separator = "; ";
                }
                if let Some(more) = field_errors.len().checked_sub(MAX_SHOWN_FIELDS + 1) {
                    write!(f, "; and {} more fields", more + 1)?;
                }
                Ok(())
            }
            Error::RateLimited { retry_after: Some(wait), .. } => {
                write!(f, "rate limited (HTTP 429); retry after {}s", wait.as_secs())
            }
            Error::RateLimited { .. } => f.write_str("rate limited (HTTP 429)"),
            Error::Server { status, detail: d, .. } => {
                write!(f, "server error (HTTP {})", status.as_u16())?;
                detail(f, d)
            }
            Error::UnexpectedStatus { status, detail: d, .. } => {
                write!(f, "unexpected HTTP status {}", status.as_u16())?;
                detail(f, d)
            }
            Error::Timeout { may_have_reached_server: true, .. } => {
                f.write_str("request timed out")
            }
            Error::Timeout { .. } => f.write_str("timed out connecting to the API"),
            Error::Transport { may_have_reached_server: true, .. } => {
                f.write_str("connection failed after the request may have been sent")
            }
            Error::Transport { .. } => f.write_str("could not connect to the API"),
            // serde_json quotes what it could not decode (a string, a field name): bounded
            // and flattened like any text from the server.
            Error::Decode { status, source, .. } => write!(
                f,
                "could not decode the API's response (HTTP {}): {}",
                status.as_u16(),
                clean(&source.to_string())
            ),
            Error::OutcomeUnknown { operation, source } => {
                let check = if operation.starts_with("restore") {
                    "check the server"
                } else {
                    "list the server's backups"
                };
                write!(
                    f,
                    "{operation} may or may not have happened ({source}); {check} before retrying"
                )
            }
            Error::AnswerUnreadable { operation, status, source, .. } => {
                write!(
                    f,
                    "the API accepted the {operation} (HTTP {}), but its answer could not be read ({source})",
                    status.as_u16()
                )?;
                if operation.starts_with("create") {
                    f.write_str("; list the server's backups before retrying")?;
                }
                Ok(())
            }
            Error::ForeignOrigin { origin } => {
                write!(f, "refused to follow the API to another origin ({origin}) with the token")
            }
            Error::Pagination { issue } => write!(f, "listing stopped: {issue}"),
            Error::FilterMismatch { server_id, backup_type, backup } => {
                f.write_str("listing stopped: asked for the backups of ")?;
                match (server_id, backup_type) {
                    (Some(id), Some(kind)) => {
                        write!(f, "server {id} of type {}", clean(kind.as_str()))?
                    }
                    (Some(id), None) => write!(f, "server {id}")?,
                    (None, Some(kind)) => write!(f, "type {}", clean(kind.as_str()))?,
                    (None, None) => f.write_str("every server")?,
                }
                write!(
                    f,
                    ", the API listed backup {} of server {} of type {}: it (or a proxy) ignored the filter",
                    backup.id,
                    backup.server.id,
                    clean(backup.backup_type.as_str())
                )
            }
            Error::BackupFailed { backup } => {
                write!(f, "backup {} of server {} failed", backup.id, backup.server.id)
            }
            Error::BackupDisappeared { server_id, backup_id } => write!(
                f,
                "backup {backup_id} of server {server_id} disappeared while waiting for it"
            ),
            Error::BackupNotListed { server_id, backup_id } => write!(
                f,
                "backup {backup_id} is not listed for server {server_id}: no such backup, or it belongs to another server"
            ),
            Error::WaitTimeout { server_id, backup_id, last_status, last_error, waited } => {
                let waited = waited.as_secs();
                match (last_status, last_error) {
                    (Some(status), _) => write!(
                        f,
                        "backup {backup_id} of server {server_id} was not completed after {waited}s (last status: {})",
                        clean(status.as_str())
                    )?,
                    (None, _) => write!(
                        f,
                        "backup {backup_id} of server {server_id} was never seen in {waited}s"
                    )?,
                }
                last_error.as_ref().map_or(Ok(()), |e| write!(f, "; the last poll failed: {e}"))
            }
            Error::InvalidInput { message } => write!(f, "invalid input: {message}"),
            Error::Config { message } => write!(f, "invalid configuration: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout { source, .. } | Error::Transport { source, .. } => {
                Some(source.as_ref())
            }
            Error::Decode { source, .. } => Some(source),
            Error::OutcomeUnknown { source, .. } | Error::AnswerUnreadable { source, .. } => {
                Some(source.as_ref())
            }
            Error::WaitTimeout { last_error: Some(error), .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "../tests/unit/error.rs"]
mod tests;

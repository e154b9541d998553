//! What a response becomes: the generated client's result, and the response head captured
//! around it, mapped to a value or an [`Error`]. The only place the generated client's
//! errors are read: by status and the API's DRF error body; when progenitor lost the status
//! (a proxy's HTML 502), the captured head supplies it.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use vpsorg_backups_client::{ResponseHead, types};

use crate::error::{Error, Resource, Result};
use crate::http_date::retry_after;
use crate::shared::clean;

/// An operation, with the ids the error mapping names: what the mapping needs to know
/// about the call a response answers. Public only as `__decode::Call`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[allow(unreachable_pub)] // reachable with the `__decode` feature
pub enum Operation {
    /// `GET /api/v1/backups/?page=N`.
    List {
        /// The page asked for.
        page: u64,
    },
    /// `POST /api/v1/backups/` for this server.
    Create {
        /// The server to back up.
        server_id: i64,
    },
    /// `DELETE /api/v1/backups/{backup_id}/`.
    Delete {
        /// The backup to delete.
        backup_id: i64,
    },
    /// `POST /api/v1/servers/{server_id}/restore/`.
    Restore {
        /// The server to restore.
        server_id: i64,
        /// The backup to restore from.
        backup_id: i64,
    },
}

impl Operation {
    /// The generated client's operation id.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Operation::List { .. } => "list_backups",
            Operation::Create { .. } => "create_backup",
            Operation::Delete { .. } => "delete_backup",
            Operation::Restore { .. } => "restore_server",
        }
    }

    pub(crate) fn method(self) -> &'static str {
        match self {
            Operation::List { .. } => "GET",
            Operation::Create { .. } | Operation::Restore { .. } => "POST",
            Operation::Delete { .. } => "DELETE",
        }
    }

    /// For an operation that is not idempotent (sent twice, it acts twice), how an
    /// [`Error::OutcomeUnknown`] names it; `None` for the idempotent ones, which retry instead.
    pub(crate) fn non_idempotent_name(self) -> Option<&'static str> {
        match self {
            Operation::Create { .. } => Some("create backup"),
            Operation::Restore { .. } => Some("restore server"),
            Operation::List { .. } | Operation::Delete { .. } => None,
        }
    }

    /// The resource a 404 without a recognised code is about.
    fn not_found(self) -> Resource {
        match self {
            Operation::List { page } => Resource::Page(page),
            Operation::Create { server_id } => Resource::Server(server_id),
            Operation::Delete { backup_id } => Resource::Backup(backup_id),
            Operation::Restore { server_id, backup_id } => {
                Resource::ServerOrBackup { server_id, backup_id }
            }
        }
    }
}

/// The generated client's error, as its operations return it.
pub(crate) type RawError = vpsorg_backups_client::Error<types::Error>;

/// The most bytes read from a response the spec does not describe.
const MAX_UNDOCUMENTED_BODY: usize = 64 * 1024;

/// The outcome of one attempt, as every attempt and [`crate::__decode`] end: the generated
/// client's result, its error mapped. A create's or restore's 2xx that cannot be read,
/// however it broke, was accepted all the same: [`Error::AnswerUnreadable`].
pub(crate) async fn settle<T: DeserializeOwned + Validate>(
    op: Operation,
    result: std::result::Result<T, RawError>,
    head: Option<ResponseHead>,
) -> Result<T> {
    let accepted = head
        .as_ref()
        .filter(|head| head.status.is_success())
        .map(|head| (head.status, request_id(&head.headers)));
    let settled = settle_any(op, result, head).await;
    match (settled, op.non_idempotent_name(), accepted) {
        (Err(error), Some(operation), Some((status, request_id))) => {
            Err(Error::AnswerUnreadable { operation, status, request_id, source: Box::new(error) })
        }
        (settled, ..) => settled,
    }
}

async fn settle_any<T: DeserializeOwned + Validate>(
    op: Operation,
    result: std::result::Result<T, RawError>,
    head: Option<ResponseHead>,
) -> Result<T> {
    match result {
        Ok(value) => refuse_invalid(value, || match &head {
            Some(head) => (head.status, request_id(&head.headers)),
            // A decoded answer always had a head; 200 is the only success a list has.
            None => (StatusCode::OK, None),
        }),
        Err(error) => {
            let (status, request_id, body) = map_error(op, error, head).await?;
            let value = decode_undocumented(status, request_id.clone(), &body)?;
            refuse_invalid(value, || (status, request_id))
        }
    }
}

/// What a decoded answer's type allows but the contract rules out, such as a negative
/// `count` in an `int64`: [`settle`] refuses it as [`Error::Decode`], rather than the value
/// being clamped somewhere later without a word.
pub(crate) trait Validate {
    /// Why the API cannot have meant this value, and the value as JSON (for the excerpt).
    fn invalid(&self) -> Option<(String, String)> {
        None
    }
}

impl Validate for types::BackupList {
    fn invalid(&self) -> Option<(String, String)> {
        // A count of backups below zero is a server bug, not an empty list.
        (self.count < 0).then(|| {
            (
                format!("count {} is negative", self.count),
                serde_json::to_string(self).unwrap_or_default(),
            )
        })
    }
}

impl Validate for types::CreatedBackup {}
impl Validate for types::Restore {}
impl Validate for serde::de::IgnoredAny {}

fn refuse_invalid<T: Validate>(
    value: T,
    head: impl FnOnce() -> (StatusCode, Option<String>),
) -> Result<T> {
    let Some((why, json)) = value.invalid() else {
        return Ok(value);
    };
    let (status, request_id) = head();
    Err(Error::Decode {
        status,
        excerpt: clean(&json),
        request_id,
        source: <serde_json::Error as serde::de::Error>::custom(why),
    })
}

/// Decodes a 2xx response the spec does not list as if it were the documented one.
fn decode_undocumented<T: DeserializeOwned>(
    status: StatusCode,
    request_id: Option<String>,
    body: &[u8],
) -> Result<T> {
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    serde_json::from_slice(json).map_err(|source| Error::Decode {
        status,
        excerpt: clean(&String::from_utf8_lossy(body)),
        request_id,
        source,
    })
}

/// Maps one failed call of the generated client to an [`Error`], or to a success after all:
/// a 2xx status the spec does not list, with its status, request id and body. `head` keeps
/// the status when the generated error lost it.
async fn map_error(
    op: Operation,
    error: RawError,
    head: Option<ResponseHead>,
) -> Result<(StatusCode, Option<String>, Vec<u8>)> {
    let head_status = head.as_ref().map(|head| head.status);
    let head_headers = head.map(|head| head.headers).unwrap_or_default();
    match error {
        RawError::ErrorResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.into_inner();
            Err(from_status(op, status, &headers, Some(body)))
        }
        RawError::InvalidResponsePayload(bytes, source) => match head_status {
            // An error page that is not the API's JSON (a proxy's HTML 502): the status
            // says everything there is to say.
            Some(status) if !status.is_success() => {
                Err(from_status(op, status, &head_headers, None))
            }
            status => Err(Error::Decode {
                status: status.unwrap_or(StatusCode::OK),
                excerpt: clean(&String::from_utf8_lossy(&bytes)),
                request_id: request_id(&head_headers),
                source,
            }),
        },
        RawError::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_bounded(response).await;
            if status.is_success() {
                return body.map(|body| (status, request_id(&headers), body)).map_err(from_reqwest);
            }
            let body =
                body.ok().and_then(|body| serde_json::from_slice::<types::Error>(&body).ok());
            Err(from_status(op, status, &headers, body))
        }
        RawError::CommunicationError(error)
        | RawError::ResponseBodyError(error)
        | RawError::InvalidUpgrade(error) => Err(from_reqwest(error)),
        RawError::InvalidRequest(message) => Err(Error::invalid_input(clean(&message))),
        RawError::Custom(message) => {
            Err(Error::Transport { may_have_reached_server: true, source: clean(&message).into() })
        }
    }
}

/// Reads at most [`MAX_UNDOCUMENTED_BODY`] bytes of a response.
async fn read_bounded(mut response: reqwest::Response) -> reqwest::Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_UNDOCUMENTED_BODY.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_UNDOCUMENTED_BODY {
            break;
        }
    }
    Ok(body)
}

/// Maps a transport-level error of reqwest.
pub(crate) fn from_reqwest(error: reqwest::Error) -> Error {
    if error.is_redirect() {
        let origin = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<ForeignRedirect>())
            .map(|redirect| redirect.origin.clone());
        if let Some(origin) = origin {
            return Error::ForeignOrigin { origin };
        }
    }
    if error.is_builder() {
        return Error::invalid_input("the request could not be built");
    }
    // A connection that was never made cannot have carried the request.
    let may_have_reached_server = !error.is_connect();
    if error.is_timeout() {
        Error::Timeout { may_have_reached_server, source: Box::new(error.without_url()) }
    } else {
        Error::Transport { may_have_reached_server, source: Box::new(error.without_url()) }
    }
}

/// Maps a response by its status and the API's error body, when it sent one.
fn from_status(
    op: Operation,
    status: StatusCode,
    headers: &HeaderMap,
    body: Option<types::Error>,
) -> Error {
    let request_id = request_id(headers);
    let (code, detail, field_errors) = match body {
        Some(body) => {
            let fields = body
                .extra
                .into_iter()
                .map(|(field, messages)| {
                    (clean(&field), messages.iter().map(|message| clean(message)).collect())
                })
                .collect::<BTreeMap<String, Vec<String>>>();
            (body.code.as_deref().map(clean), body.detail.as_deref().map(clean), fields)
        }
        None => (None, None, BTreeMap::new()),
    };
    match status.as_u16() {
        401 | 403 => Error::Unauthorized { status, code, detail, request_id },
        404 => {
            use Operation::{Create, Delete, Restore};
            let resource = match (code.as_deref(), op) {
                (Some("server_not_found"), Create { server_id } | Restore { server_id, .. }) => {
                    Resource::Server(server_id)
                }
                (Some("backup_not_found"), Delete { backup_id } | Restore { backup_id, .. }) => {
                    Resource::Backup(backup_id)
                }
                _ => op.not_found(),
            };
            Error::NotFound { resource, code, detail, request_id }
        }
        400 if code.as_deref() == Some("manual_backup_limit_reached") => match op {
            Operation::Create { server_id } => {
                Error::ManualBackupLimit { server_id, detail, request_id }
            }
            _ => Error::InvalidRequest { status, code, detail, field_errors, request_id },
        },
        400 | 409 | 415 | 422 => {
            Error::InvalidRequest { status, code, detail, field_errors, request_id }
        }
        429 => Error::RateLimited {
            code,
            retry_after: retry_after(headers, SystemTime::now()),
            detail,
            request_id,
        },
        500..=599 => Error::Server {
            status,
            code,
            detail,
            retry_after: retry_after(headers, SystemTime::now()),
            request_id,
        },
        _ => Error::UnexpectedStatus { status, code, detail, request_id },
    }
}

/// The `X-Request-Id` header, cleaned and bounded.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("x-request-id")?.to_str().ok()?;
    let value = clean(value);
    (!value.is_empty()).then_some(value)
}

/// The error a refused cross-origin redirect carries inside reqwest's error.
#[derive(Debug)]
pub(crate) struct ForeignRedirect {
    pub(crate) origin: String,
}

impl fmt::Display for ForeignRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to another origin ({}) refused", self.origin)
    }
}

impl std::error::Error for ForeignRedirect {}

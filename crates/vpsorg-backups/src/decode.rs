//! A seam for tests and fuzzing: one response, given as status, headers and body, taken
//! through the crate's decoding and error mapping without a network.
//!
//! The generated client reads a response in two steps: it picks a branch by status (the
//! operation's documented success, one of its documented errors, or anything else), then
//! decodes the body with progenitor's `ResponseValue::from_response`. [`decode`] takes the
//! same branches, for the same statuses, and hands the outcome to the same
//! [`settle`](crate::response::settle) that every real attempt ends in. A test in
//! `tests/decode.rs` checks that it agrees with a real request to the fake server for
//! statuses across 200..=599.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::{DeserializeOwned, IgnoredAny};
use vpsorg_backups_client::{ResponseHead, ResponseValue, types};

use crate::error::Result;
use crate::response::{Operation, RawError, settle};
use crate::{Backup, CreatedBackup, Restore};

/// The call a response answers, with the ids the error mapping names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Call {
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

impl From<Call> for Operation {
    fn from(call: Call) -> Self {
        match call {
            Call::List { page } => Operation::List { page },
            Call::Create { server_id } => Operation::Create { server_id },
            Call::Delete { backup_id } => Operation::Delete { backup_id },
            Call::Restore {
                server_id,
                backup_id,
            } => Operation::Restore {
                server_id,
                backup_id,
            },
        }
    }
}

/// A response that decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Decoded {
    /// A page of the list.
    Page {
        /// `count`.
        count: i64,
        /// `results`.
        backups: Vec<Backup>,
        /// Whether `next` was set.
        has_next: bool,
    },
    /// A created backup.
    Created(Box<CreatedBackup>),
    /// A deletion.
    Deleted,
    /// A restore that started.
    Restored(Box<Restore>),
}

/// How the generated client treats a status for an operation (see `generated.rs`).
enum Branch {
    /// The documented success: decode the operation's type.
    Success,
    /// A documented error: decode the API's error body.
    Error,
    /// Anything else: `UnexpectedResponse`.
    Undocumented,
}

fn branch(call: Call, status: StatusCode) -> Branch {
    match (call, status.as_u16()) {
        (Call::List { .. }, 200)
        | (Call::Create { .. }, 201)
        | (Call::Delete { .. }, 204)
        | (Call::Restore { .. }, 202) => Branch::Success,
        (_, 401 | 404 | 429 | 500..=599)
        | (Call::List { .. } | Call::Create { .. } | Call::Restore { .. }, 400)
        | (Call::Create { .. } | Call::Restore { .. }, 415) => Branch::Error,
        _ => Branch::Undocumented,
    }
}

/// Takes one response through the generated client's branches and the crate's error
/// mapping, exactly as an attempt does, without retries.
///
/// # Errors
///
/// The [`Error`](crate::Error) an attempt that got this response would return.
pub async fn decode(
    call: Call,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<Decoded> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    let response = reqwest::Response::from(response);
    let head = Some(ResponseHead::of(&response));
    let op = Operation::from(call);
    Ok(match call {
        Call::List { .. } => {
            let list: types::BackupList = settle(op, raw(call, response).await, head).await?;
            Decoded::Page {
                count: list.count,
                has_next: list.next.is_some(),
                backups: list.results.into_iter().map(Backup::from_wire).collect(),
            }
        }
        Call::Create { .. } => {
            let created: types::CreatedBackup = settle(op, raw(call, response).await, head).await?;
            Decoded::Created(Box::new(CreatedBackup::from_wire(created)))
        }
        Call::Delete { .. } => {
            let result = match branch(call, status) {
                // The generated code never reads a 204's body.
                Branch::Success => Ok(IgnoredAny),
                _ => raw::<IgnoredAny>(call, response).await,
            };
            let _: IgnoredAny = settle(op, result, head).await?;
            Decoded::Deleted
        }
        Call::Restore { .. } => {
            let restore: types::Restore = settle(op, raw(call, response).await, head).await?;
            Decoded::Restored(Box::new(Restore::from_wire(restore)))
        }
    })
}

/// What the generated client's `send` returns for this response.
async fn raw<T: DeserializeOwned>(
    call: Call,
    response: reqwest::Response,
) -> std::result::Result<T, RawError> {
    match branch(call, response.status()) {
        Branch::Success => ResponseValue::<T>::from_response(response)
            .await
            .map(ResponseValue::into_inner),
        Branch::Error => Err(RawError::ErrorResponse(
            ResponseValue::<types::Error>::from_response(response).await?,
        )),
        Branch::Undocumented => Err(RawError::UnexpectedResponse(response)),
    }
}

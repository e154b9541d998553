//! A seam for tests and fuzzing: one response (status, headers, body) taken through the
//! generated client's branches by status and the same [`settle`](crate::response::settle)
//! as every attempt, without a network; `tests/decode.rs` checks it agrees with real requests.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::{DeserializeOwned, IgnoredAny};
use vpsorg_backups_client::{ResponseHead, ResponseValue, types};

use crate::error::Result;
use crate::response::{Operation, RawError, settle};
use crate::{Backup, CreatedBackup, Restore};

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

fn branch(call: Operation, status: StatusCode) -> Branch {
    match (call, status.as_u16()) {
        (Operation::List { .. }, 200)
        | (Operation::Create { .. }, 201)
        | (Operation::Delete { .. }, 204)
        | (Operation::Restore { .. }, 202) => Branch::Success,
        (_, 401 | 404 | 429 | 500..=599)
        | (Operation::List { .. } | Operation::Create { .. } | Operation::Restore { .. }, 400)
        | (Operation::Create { .. } | Operation::Restore { .. }, 415) => Branch::Error,
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
    call: Operation,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<Decoded> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    let response = reqwest::Response::from(response);
    let head = Some(ResponseHead::of(&response));
    Ok(match call {
        Operation::List { .. } => {
            let list: types::BackupList = settle(call, raw(call, response).await, head).await?;
            Decoded::Page {
                count: list.count,
                has_next: list.next.is_some(),
                backups: list.results.into_iter().map(Backup::from_wire).collect(),
            }
        }
        Operation::Create { .. } => {
            let created: types::CreatedBackup =
                settle(call, raw(call, response).await, head).await?;
            Decoded::Created(Box::new(CreatedBackup::from_wire(created)))
        }
        Operation::Delete { .. } => {
            let result = match branch(call, status) {
                // The generated code never reads a 204's body.
                Branch::Success => Ok(IgnoredAny),
                _ => raw::<IgnoredAny>(call, response).await,
            };
            let _: IgnoredAny = settle(call, result, head).await?;
            Decoded::Deleted
        }
        Operation::Restore { .. } => {
            let restore: types::Restore = settle(call, raw(call, response).await, head).await?;
            Decoded::Restored(Box::new(Restore::from_wire(restore)))
        }
    })
}

/// What the generated client's `send` returns for this response.
async fn raw<T: DeserializeOwned>(
    call: Operation,
    response: reqwest::Response,
) -> std::result::Result<T, RawError> {
    match branch(call, response.status()) {
        Branch::Success => {
            ResponseValue::<T>::from_response(response).await.map(ResponseValue::into_inner)
        }
        Branch::Error => Err(RawError::ErrorResponse(
            ResponseValue::<types::Error>::from_response(response).await?,
        )),
        Branch::Undocumented => Err(RawError::UnexpectedResponse(response)),
    }
}

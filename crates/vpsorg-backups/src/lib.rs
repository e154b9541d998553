#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backups;
mod client;
mod decode;
mod error;
mod model;
mod pagination;
mod retry;
mod servers;
mod wait;

pub use backups::{Backups, CreateBackup, DeleteBackup, ListBackups, MAX_DESCRIPTION_CHARS};
pub use client::{
    BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, TOKEN_ENV,
};
pub use error::{Error, PaginationIssue, Resource, Result};
pub use model::{Backup, CreatedBackup, Restore, ServerRef};
pub use pagination::{BackupStream, MAX_PAGE_SIZE, Page, PageStream};
pub use retry::RetryPolicy;
pub use servers::{RestoreServer, Servers};
pub use wait::{BackupRef, StatusChange, WaitUntilCompleted};

/// Not part of the API and not covered by semver: takes one response (status, headers,
/// body) through the crate's decoding and error mapping without a network, for the
/// property tests and the fuzz target.
#[doc(hidden)]
pub mod __decode {
    pub use crate::decode::{Call, Decoded, decode};
}
pub use vpsorg_backups_client::UnknownValue;
pub use vpsorg_backups_client::types::{BackupStatus, BackupType, RestoreStatus};

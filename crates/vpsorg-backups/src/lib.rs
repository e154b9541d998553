#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

/// By-value setters: `fn name(arg: T) => field = value;` becomes
/// `pub fn name(mut self, arg: T) -> Self` storing `value` in `self.field`, with the docs
/// written above it; `with_field(field: T);` (test-util) stores `field.into()`, documented as
/// setting the field.
macro_rules! setters {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($arg:ident: $type:ty) => $($field:ident).+ = $value:expr;
    )*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $arg: $type) -> Self {
            self.$($field).+ = $value;
            self
        }
    )*};
    ($($setter:ident($field:ident: $type:ty);)*) => {$(
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[allow(clippy::useless_conversion, reason = "one body for `T` and `impl Into<T>`")]
        pub fn $setter(mut self, $field: $type) -> Self {
            self.$field = $field.into();
            self
        }
    )*};
}

mod backups;
mod builder;
mod client;
#[cfg(feature = "__decode")]
mod decode;
mod error;
mod http_date;
mod model;
mod pagination;
mod recover;
mod request;
mod response;
mod retry;
mod servers;
mod shared;
#[cfg(feature = "test-util")]
mod test_util;
mod tls;
mod wait;

pub use backups::{Backups, CreateBackup, DeleteBackup, ListBackups, MAX_DESCRIPTION_CHARS};
pub use builder::{BASE_URL_ENV, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, TOKEN_ENV};
pub use error::{Error, PaginationIssue, Resource, Result};
pub use model::{Backup, CreatedBackup, Restore, ServerRef};
pub use pagination::{BackupStream, MAX_PAGE_SIZE, Page, PageStream};
pub use request::Client;
pub use retry::{RetriedOperation, RetryNotice, RetryPolicy};
pub use servers::{RestoreServer, Servers};
pub use wait::{BackupRef, StatusChange, WaitUntilCompleted};

pub use vpsorg_backups_client::UnknownValue;
pub use vpsorg_backups_client::types::{BackupStatus, BackupType, RestoreStatus};

// Types of other crates that this crate's API uses, re-exported so that they can be named
// without depending on those crates (and always in the version this crate uses).

/// A point in time, as in [`Backup::created_at`] (re-exported from `chrono`).
pub use chrono::DateTime;
/// The UTC time zone of [`DateTime`]s in this crate (re-exported from `chrono`).
pub use chrono::Utc;
/// An HTTP status, as in [`Error::status`] (re-exported from `http`, as reqwest does).
pub use http::StatusCode;
/// A URL, as in [`Client::base_url`] (re-exported from `url`, as reqwest does).
pub use reqwest::Url;
/// The JSON error inside [`Error::Decode`] (`serde_json::Error`, re-exported).
pub use serde_json::Error as JsonError;

/// The generated low-level client, `vpsorg-backups-client`, in the exact version this
/// crate is built on, for [`Client::raw`]. Enabled by the `raw` feature. It is versioned on
/// its own: a release of this crate may move to a new major version of it.
#[cfg(feature = "raw")]
#[cfg_attr(docsrs, doc(cfg(feature = "raw")))]
pub use vpsorg_backups_client as raw;

/// Not part of the API and not covered by semver: takes one response (status, headers,
/// body) through the crate's decoding and error mapping without a network, for the
/// property tests and the fuzz target. Only with the hidden `__decode` feature, so that
/// users do not compile it.
#[cfg(feature = "__decode")]
#[doc(hidden)]
pub mod __decode {
    pub use crate::decode::{Decoded, decode};
    pub use crate::response::Operation as Call;
}

/// Not part of the API and not covered by semver: helpers the workspace's own crates (the
/// `vpsorg` CLI) share with this one, so that each concern has one implementation.
#[doc(hidden)]
pub mod __private {
    pub use crate::http_date::{parse as parse_http_date, retry_after};
    pub use crate::shared::{BaseUrlProblem, check_base_url, excerpt, is_loopback, sanitize};
}

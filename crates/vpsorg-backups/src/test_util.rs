//! Constructors for the crate's `#[non_exhaustive]` results and errors, for fakes in users'
//! tests (the README's "Examples and testing"): each result's `new` takes what identifies it
//! and documents its defaults; each error variant has a constructor of the same name.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use reqwest::StatusCode;
use serde::de::Error as _;

use crate::error::{BoxError, api_field};
use crate::shared::clean;
use crate::{
    Backup, BackupStatus, BackupStream, BackupType, CreatedBackup, Error, Page, PageStream,
    PaginationIssue, Resource, Restore, RestoreStatus, ServerRef, StatusChange,
};

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl ServerRef {
    /// A server reference.
    ///
    /// ```
    /// let server = vpsorg_backups::ServerRef::new(12345, "web-server-01");
    /// assert_eq!(server.name, "web-server-01");
    /// ```
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        ServerRef { id, name: name.into() }
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl Backup {
    /// A backup of `server`: `manual`, `completed`, no size, created at the Unix epoch
    /// (a fixed time, so that tests are repeatable), never expiring, no description.
    ///
    /// ```
    /// use vpsorg_backups::{Backup, BackupStatus, ServerRef};
    ///
    /// let backup = Backup::new(501, ServerRef::new(12345, "web-server-01"))
    ///     .with_status(BackupStatus::InProgress)
    ///     .with_description("Pre-deployment backup");
    /// assert_eq!(backup.size_mb, None);
    /// ```
    pub fn new(id: i64, server: ServerRef) -> Self {
        Backup {
            id,
            server,
            backup_type: BackupType::Manual,
            status: BackupStatus::Completed,
            size_mb: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            expires_at: None,
            description: String::new(),
        }
    }

    setters! {
        with_backup_type(backup_type: impl Into<BackupType>);
        with_status(status: impl Into<BackupStatus>);
        with_size_mb(size_mb: impl Into<Option<i64>>);
        with_created_at(created_at: DateTime<Utc>);
        with_expires_at(expires_at: impl Into<Option<DateTime<Utc>>>);
        with_description(description: impl Into<String>);
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl CreatedBackup {
    /// A backup as a create returns it, with the API's `message`, not
    /// [`recovered`](Self::recovered).
    ///
    /// ```
    /// use vpsorg_backups::{Backup, BackupStatus, CreatedBackup, ServerRef};
    ///
    /// let backup = Backup::new(502, ServerRef::new(12345, "web-server-01"))
    ///     .with_status(BackupStatus::InProgress);
    /// let created = CreatedBackup::new(backup, "Backup is being created.");
    /// assert!(!created.recovered);
    /// ```
    pub fn new(backup: Backup, message: impl Into<String>) -> Self {
        CreatedBackup { backup, message: message.into(), recovered: false }
    }

    setters! { with_recovered(recovered: bool); }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl Restore {
    /// A restore of `server` from `backup_id` that has started: status `restoring`, no
    /// message.
    ///
    /// ```
    /// use vpsorg_backups::{Restore, RestoreStatus, ServerRef};
    ///
    /// let restore = Restore::new(ServerRef::new(12345, "web-server-01"), 501)
    ///     .with_message("Server restore initiated.");
    /// assert_eq!(restore.status, RestoreStatus::Restoring);
    /// ```
    pub fn new(server: ServerRef, backup_id: i64) -> Self {
        Restore { server, backup_id, status: RestoreStatus::Restoring, message: None }
    }

    setters! { with_status(status: impl Into<RestoreStatus>); }

    setters! {
        /// Sets [`message`](Self::message).
        fn with_message(message: impl Into<String>) => message = Some(message.into());
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl Page {
    /// Page `number` holding `backups`: `count` is their number, and no page follows.
    ///
    /// ```
    /// use vpsorg_backups::{Backup, Page, ServerRef};
    ///
    /// let server = ServerRef::new(12345, "web-server-01");
    /// let page = Page::new(1, vec![Backup::new(501, server)])
    ///     .with_count(41)
    ///     .with_has_next(true);
    /// assert_eq!(page.backups.len(), 1);
    /// ```
    pub fn new(number: u64, backups: Vec<Backup>) -> Self {
        Page { number, count: backups.len() as u64, backups, has_next: false, server_time: None }
    }

    setters! {
        with_count(count: u64);
        with_has_next(has_next: bool);
        with_server_time(server_time: impl Into<Option<DateTime<Utc>>>);
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl StatusChange {
    /// The first sight of `backup`: no previous status, at the first poll, no time elapsed.
    pub fn new(backup: Backup) -> Self {
        StatusChange { backup, previous: None, elapsed: Duration::ZERO, polls: 1 }
    }

    setters! {
        with_previous(previous: impl Into<Option<BackupStatus>>);
        with_elapsed(elapsed: Duration);
        with_polls(polls: u32);
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl BackupStream {
    /// A stream of backups from any stream, for a fake listing.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_util::TryStreamExt;
    /// use vpsorg_backups::{Backup, BackupStream, ServerRef};
    ///
    /// let server = ServerRef::new(12345, "web-server-01");
    /// let backups = vec![Ok(Backup::new(501, server.clone())), Ok(Backup::new(499, server))];
    /// let stream = BackupStream::from_stream(futures::stream::iter(backups));
    /// let ids: Vec<i64> = stream.map_ok(|backup| backup.id).try_collect().await?;
    /// assert_eq!(ids, [501, 499]);
    /// # Ok::<(), vpsorg_backups::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_stream(stream: impl Stream<Item = crate::Result<Backup>> + Send + 'static) -> Self {
        BackupStream::from_boxed(Box::pin(stream))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl PageStream {
    /// A stream of pages from any stream, for a fake listing.
    pub fn from_stream(stream: impl Stream<Item = crate::Result<Page>> + Send + 'static) -> Self {
        PageStream::from_boxed(Box::pin(stream))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl Error {
    /// [`Error::Unauthorized`] with this status (401 or 403).
    ///
    /// ```
    /// use vpsorg_backups::{Error, StatusCode};
    ///
    /// let error = Error::unauthorized(StatusCode::UNAUTHORIZED)
    ///     .with_code("authentication_failed")
    ///     .with_detail("Invalid token.")
    ///     .with_request_id("req-1");
    /// assert_eq!(error.to_string(), "unauthorized (HTTP 401): Invalid token.");
    /// assert_eq!(error.request_id(), Some("req-1"));
    /// ```
    pub fn unauthorized(status: StatusCode) -> Self {
        Error::Unauthorized { status, code: None, detail: None, request_id: None }
    }

    /// [`Error::NotFound`] about `resource`.
    ///
    /// ```
    /// use vpsorg_backups::{Error, Resource};
    ///
    /// let error = Error::not_found(Resource::Backup(7)).with_code("backup_not_found");
    /// assert_eq!(error.to_string(), "backup 7 not found (HTTP 404)");
    /// ```
    pub fn not_found(resource: Resource) -> Self {
        Error::NotFound { resource, code: None, detail: None, request_id: None }
    }

    /// [`Error::ManualBackupLimit`] for this server.
    pub fn manual_backup_limit(server_id: i64) -> Self {
        Error::ManualBackupLimit { server_id, detail: None, request_id: None }
    }

    /// [`Error::InvalidRequest`] with this status (400, 409, 415 or 422) and no field
    /// errors yet (see [`with_field_error`](Self::with_field_error)).
    ///
    /// ```
    /// use vpsorg_backups::{Error, StatusCode};
    ///
    /// let error = Error::invalid_request(StatusCode::BAD_REQUEST)
    ///     .with_code("backup_not_completed");
    /// assert_eq!(error.code(), Some("backup_not_completed"));
    /// ```
    pub fn invalid_request(status: StatusCode) -> Self {
        Error::InvalidRequest {
            status,
            code: None,
            detail: None,
            field_errors: BTreeMap::new(),
            request_id: None,
        }
    }

    /// [`Error::RateLimited`], asking to wait `retry_after` when given.
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        Error::RateLimited { retry_after, code: None, detail: None, request_id: None }
    }

    /// [`Error::Server`] with this status (5xx).
    pub fn server(status: StatusCode) -> Self {
        Error::Server { status, code: None, detail: None, retry_after: None, request_id: None }
    }

    /// [`Error::UnexpectedStatus`] with this status.
    pub fn unexpected_status(status: StatusCode) -> Self {
        Error::UnexpectedStatus { status, code: None, detail: None, request_id: None }
    }

    /// [`Error::Timeout`], caused by `source` (a message is fine).
    ///
    /// ```
    /// let error = vpsorg_backups::Error::timeout(true, "no answer in 30 s");
    /// assert!(error.is_retryable());
    /// ```
    pub fn timeout(may_have_reached_server: bool, source: impl Into<BoxError>) -> Self {
        Error::Timeout { may_have_reached_server, source: source.into() }
    }

    /// [`Error::Transport`], caused by `source` (a message is fine).
    pub fn transport(may_have_reached_server: bool, source: impl Into<BoxError>) -> Self {
        Error::Transport { may_have_reached_server, source: source.into() }
    }

    /// [`Error::Decode`] of a response with this status and body: the body's start is the
    /// excerpt, and the cause is the JSON error of reading it (or, for a body that is
    /// valid JSON, an error saying it does not have the expected shape).
    ///
    /// ```
    /// use vpsorg_backups::{Error, StatusCode};
    ///
    /// let error = Error::decode(StatusCode::OK, "<html>Bad gateway</html>");
    /// assert_eq!(error.status(), Some(StatusCode::OK));
    /// ```
    pub fn decode(status: StatusCode, body: &str) -> Self {
        let source = match serde_json::from_str::<serde::de::IgnoredAny>(body) {
            Err(error) => error,
            Ok(_) => serde_json::Error::custom("the body does not have the expected shape"),
        };
        Error::Decode { status, excerpt: clean(body), request_id: None, source }
    }

    /// [`Error::OutcomeUnknown`] of `operation` (`"create backup"` or
    /// `"restore server"`), caused by `source`.
    ///
    /// ```
    /// use vpsorg_backups::Error;
    ///
    /// let error = Error::outcome_unknown("restore server", Error::timeout(true, "no answer"));
    /// assert!(error.is_outcome_unknown());
    /// assert!(!error.is_retryable());
    /// ```
    pub fn outcome_unknown(operation: &'static str, source: Error) -> Self {
        Error::OutcomeUnknown { operation, source: Box::new(source) }
    }

    /// [`Error::AnswerUnreadable`]: the API accepted `operation` (`"create backup"` or
    /// `"restore server"`) with `status`, and reading its answer failed with `source`.
    ///
    /// ```
    /// use vpsorg_backups::{Error, StatusCode};
    ///
    /// let status = StatusCode::ACCEPTED;
    /// let error = Error::answer_unreadable("restore server", status, Error::decode(status, "<html>"))
    ///     .with_request_id("req-7");
    /// assert_eq!(error.request_id(), Some("req-7"));
    /// assert!(!error.is_retryable());
    /// ```
    pub fn answer_unreadable(operation: &'static str, status: StatusCode, source: Error) -> Self {
        Error::AnswerUnreadable { operation, status, request_id: None, source: Box::new(source) }
    }

    /// [`Error::ForeignOrigin`] for `origin` (`scheme://host:port`).
    pub fn foreign_origin(origin: impl Into<String>) -> Self {
        Error::ForeignOrigin { origin: origin.into() }
    }

    /// [`Error::Pagination`] for `issue`.
    pub fn pagination(issue: PaginationIssue) -> Self {
        Error::Pagination { issue }
    }

    /// [`Error::FilterMismatch`]: a listing filtered by `server_id` and `backup_type`
    /// (either may be `None`) listed `backup`, which is outside the filter.
    ///
    /// ```
    /// use vpsorg_backups::{Backup, BackupType, Error, ServerRef};
    ///
    /// let other = Backup::new(500, ServerRef::new(67890, "db-server-02"));
    /// let error = Error::filter_mismatch(Some(12345), Some(BackupType::Manual), other);
    /// assert!(error.to_string().contains("backup 500 of server 67890"));
    /// ```
    pub fn filter_mismatch(
        server_id: Option<i64>,
        backup_type: Option<BackupType>,
        backup: Backup,
    ) -> Self {
        Error::FilterMismatch { server_id, backup_type, backup: Box::new(backup) }
    }

    /// [`Error::BackupFailed`] for `backup`.
    pub fn backup_failed(backup: Backup) -> Self {
        Error::BackupFailed { backup: Box::new(backup) }
    }

    /// [`Error::BackupDisappeared`].
    pub fn backup_disappeared(server_id: i64, backup_id: i64) -> Self {
        Error::BackupDisappeared { server_id, backup_id }
    }

    /// [`Error::BackupNotListed`].
    pub fn backup_not_listed(server_id: i64, backup_id: i64) -> Self {
        Error::BackupNotListed { server_id, backup_id }
    }

    /// [`Error::WaitTimeout`] after `waited`, with the last status seen, if any, and the
    /// last poll's failure, if it failed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use vpsorg_backups::{BackupStatus, Error};
    ///
    /// let error = Error::wait_timeout(
    ///     12345,
    ///     502,
    ///     Duration::from_secs(60),
    ///     Some(BackupStatus::InProgress),
    ///     None,
    /// );
    /// assert!(error.to_string().contains("not completed after 60s"));
    /// ```
    pub fn wait_timeout(
        server_id: i64,
        backup_id: i64,
        waited: Duration,
        last_status: Option<BackupStatus>,
        last_error: Option<Error>,
    ) -> Self {
        Error::WaitTimeout {
            server_id,
            backup_id,
            last_status,
            last_error: last_error.map(Box::new),
            waited,
        }
    }

    /// [`Error::InvalidInput`] saying `message`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput { message: message.into() }
    }

    /// [`Error::Config`] saying `message`.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into() }
    }

    /// Sets the API's reason, [`code`](Self::code), on the variants that have one
    /// (`Unauthorized`, `NotFound`, `InvalidRequest`, `RateLimited`, `Server`,
    /// `UnexpectedStatus`); the others are returned unchanged.
    pub fn with_code(mut self, value: impl Into<String>) -> Self {
        if let Some(slot) = api_field!(&mut self, code) {
            *slot = Some(value.into());
        }
        self
    }

    /// Sets the API's sentence, [`detail`](Self::detail), on the variants that have one
    /// (those of [`with_code`](Self::with_code), and `ManualBackupLimit`); the others are
    /// returned unchanged.
    pub fn with_detail(mut self, value: impl Into<String>) -> Self {
        if let Some(slot) = api_field!(&mut self, detail) {
            *slot = Some(value.into());
        }
        self
    }

    /// Sets the response's [`request_id`](Self::request_id) on the variants that come from
    /// a response (those of [`with_detail`](Self::with_detail), `Decode` and
    /// `AnswerUnreadable`); the others are returned unchanged.
    pub fn with_request_id(mut self, value: impl Into<String>) -> Self {
        if let Some(slot) = api_field!(&mut self, request_id) {
            *slot = Some(value.into());
        }
        self
    }

    /// Adds a message about `field` to an `InvalidRequest`'s field errors; other variants
    /// are returned unchanged.
    ///
    /// ```
    /// use vpsorg_backups::{Error, StatusCode};
    ///
    /// let error = Error::invalid_request(StatusCode::BAD_REQUEST)
    ///     .with_field_error("description", "Ensure this field has no more than 255 characters.");
    /// assert!(error.to_string().contains("description: Ensure"));
    /// ```
    pub fn with_field_error(
        mut self,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        if let Error::InvalidRequest { field_errors, .. } = &mut self {
            field_errors.entry(field.into()).or_default().push(message.into());
        }
        self
    }

    /// Sets how long to wait, [`retry_after`](Self::retry_after), on `RateLimited` and
    /// `Server`; other variants are returned unchanged.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        match &mut self {
            Error::RateLimited { retry_after, .. } | Error::Server { retry_after, .. } => {
                *retry_after = Some(wait)
            }
            _ => {}
        }
        self
    }
}

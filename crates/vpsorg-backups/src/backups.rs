//! Operations on backups: [`Backups::list`], [`Backups::create`], [`Backups::delete`] and
//! [`Backups::wait_until_completed`].

use std::fmt;

use serde::de::IgnoredAny;
use vpsorg_backups_client::{ResponseValue, types};

use crate::client::Failed;
use crate::error::{Error, Operation, Result};
use crate::pagination::{self, BackupStream, Page, PageStream, Query};
use crate::wait::{BackupRef, WaitUntilCompleted};
use crate::{BackupType, Client, CreatedBackup};

/// The longest description the API accepts, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 255;

/// Operations on backups, from [`Client::backups`].
#[derive(Debug, Clone)]
pub struct Backups {
    client: Client,
}

impl Backups {
    pub(crate) fn new(client: Client) -> Self {
        Backups { client }
    }

    /// Lists backups, optionally filtered, as one page ([`ListBackups::send`]) or as a
    /// stream of pages or of backups.
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// use futures::TryStreamExt;
    /// use vpsorg_backups::BackupType;
    ///
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let mut backups = client
    ///     .backups()
    ///     .list()
    ///     .server_id(12345)
    ///     .backup_type(BackupType::Manual)
    ///     .items();
    /// while let Some(backup) = backups.try_next().await? {
    ///     println!("{} {} {}", backup.id, backup.status, backup.description);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListBackups {
        ListBackups {
            client: self.client.clone(),
            query: Query::default(),
            page: None,
            concurrency: 1,
        }
    }

    /// Starts a manual backup of a server. It begins `in_progress`; see
    /// [`wait_until_completed`](Self::wait_until_completed).
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let created = client
    ///     .backups()
    ///     .create(12345)
    ///     .description("Pre-deployment backup")
    ///     .send()
    ///     .await?;
    /// println!("backup {}: {}", created.backup.id, created.message);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, server_id: i64) -> CreateBackup {
        CreateBackup {
            client: self.client.clone(),
            server_id,
            description: None,
        }
    }

    /// Deletes a backup, permanently.
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// let client = vpsorg_backups::Client::from_env()?;
    /// client.backups().delete(501).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, backup_id: i64) -> DeleteBackup {
        DeleteBackup {
            client: self.client.clone(),
            backup_id,
        }
    }

    /// Waits until a backup is `completed`, polling its server's backup list (the API has
    /// no endpoint that fetches one backup). Takes a [`Backup`](crate::Backup), a
    /// [`CreatedBackup`], a [`BackupRef`] or a `(server_id, backup_id)` pair.
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// use std::time::Duration;
    ///
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let created = client.backups().create(12345).send().await?;
    /// let backup = client
    ///     .backups()
    ///     .wait_until_completed(&created)
    ///     .timeout(Duration::from_secs(30 * 60))
    ///     .on_status_change(|change| eprintln!("backup is {}", change.backup.status))
    ///     .send()
    ///     .await?;
    /// println!("{} MB", backup.size_mb.unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_until_completed(&self, backup: impl Into<BackupRef>) -> WaitUntilCompleted {
        WaitUntilCompleted::new(self.client.clone(), backup.into())
    }
}

/// A backup listing being configured, from [`Backups::list`]. Finish it with
/// [`send`](Self::send) (one page), [`pages`](Self::pages) or [`items`](Self::items).
#[derive(Debug, Clone)]
#[must_use]
pub struct ListBackups {
    client: Client,
    query: Query,
    page: Option<u64>,
    concurrency: usize,
}

impl ListBackups {
    /// Only the backups of this server.
    pub fn server_id(mut self, server_id: i64) -> Self {
        self.query.server_id = Some(server_id);
        self
    }

    /// Only backups of this type (`BackupType::Manual`, or `"manual"`).
    pub fn backup_type(mut self, backup_type: impl Into<BackupType>) -> Self {
        self.query.backup_type = Some(backup_type.into());
        self
    }

    /// Backups per page, 1 to 100 (the API's default is 20).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.query.page_size = Some(page_size);
        self
    }

    /// The page to start at (1-based; default 1): the page [`send`](Self::send) fetches,
    /// and the first one the streams yield.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// How many pages the streams may fetch at once (default 1, at most 16). Above 1, once
    /// the first page has told the number of backups, the following pages are requested
    /// by number, several at a time, and still yielded in order. Each page's `count` can
    /// add pages (backups created meanwhile push older ones further); the stream ends at a
    /// page past the last, or when no page is left to request.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.clamp(1, pagination::MAX_CONCURRENCY);
        self
    }

    /// Fetches one page: the first, or the one set with [`page`](Self::page).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a page size outside 1..=100 or page 0;
    /// [`Error::NotFound`] with [`Resource::Page`](crate::Resource::Page) for a page past
    /// the last; and the errors of any request (see [`Error`]).
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let page = client.backups().list().page_size(50).send().await?;
    /// println!("{} of {} backups", page.backups.len(), page.count);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<Page> {
        let number = self.page.unwrap_or(1);
        self.query.validate(number)?;
        let list = pagination::fetch(&self.client, &self.query, number).await?;
        Ok(Page::single(number, &self.query, list))
    }

    /// All pages from the start page on, as a stream. Each page holds only backups not
    /// already yielded (see [`items`](Self::items) for how the stream behaves).
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let mut pages = client.backups().list().page_size(100).pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("page {}: {} backups", page.number, page.backups.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(self) -> PageStream {
        let fetching = if self.concurrency > 1 {
            pagination::Fetching::Concurrent(self.concurrency)
        } else {
            pagination::Fetching::Prefetch
        };
        pagination::pages(self.client, self.query, self.page.unwrap_or(1), fetching)
    }

    /// Every backup, across pages, as a stream that:
    ///
    /// - follows the API's `next` links, but only to the configured origin (another
    ///   origin is [`Error::ForeignOrigin`], and nothing is sent there);
    /// - pages by number until `count` is reached when the API sends no links;
    /// - stops at an empty page or a page past the last;
    /// - drops a backup it has already yielded (one moved to the next page because
    ///   another was created meanwhile);
    /// - fails with [`Error::Pagination`] instead of looping when the server ignores
    ///   paging;
    /// - keeps at most the current page and the ones being fetched in memory, and fetches
    ///   the next page while the caller works through the current one.
    ///
    /// The stream needs a Tokio runtime. `.try_collect::<Vec<_>>()` gathers everything.
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let client = vpsorg_backups::Client::from_env()?;
    /// let all: Vec<_> = client
    ///     .backups()
    ///     .list()
    ///     .server_id(12345)
    ///     .page_size(100)
    ///     .concurrency(4)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> BackupStream {
        BackupStream::new(self.pages())
    }
}

/// A manual backup being configured, from [`Backups::create`].
#[derive(Clone)]
#[must_use]
pub struct CreateBackup {
    client: Client,
    server_id: i64,
    description: Option<String>,
}

impl fmt::Debug for CreateBackup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateBackup")
            .field("server_id", &self.server_id)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl CreateBackup {
    /// A description for the backup, at most 255 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Creates the backup.
    ///
    /// Not idempotent, so retried only when the API provably did not act on the request:
    /// a refused connection, or a 429 (throttling refuses a request before anything runs).
    /// A failure after it may have arrived is [`Error::OutcomeUnknown`]: list the server's
    /// backups before trying again.
    ///
    /// # Errors
    ///
    /// [`Error::ManualBackupLimit`] when the server already has 10 manual backups;
    /// [`Error::NotFound`] with [`Resource::Server`](crate::Resource::Server) for an unknown
    /// server; [`Error::InvalidInput`] for a description over 255 characters; and the
    /// errors of any request (see [`Error`]).
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// use vpsorg_backups::Error;
    ///
    /// let client = vpsorg_backups::Client::from_env()?;
    /// match client.backups().create(12345).send().await {
    ///     Ok(created) => println!("started backup {}", created.backup.id),
    ///     Err(Error::ManualBackupLimit { server_id, .. }) => {
    ///         eprintln!("server {server_id} is full: delete a manual backup first")
    ///     }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<CreatedBackup> {
        let description = match self.description {
            Some(description) => Some(
                types::CreateBackupRequestDescription::try_from(description).map_err(|_| {
                    Error::invalid_input(format!(
                        "the description is longer than {MAX_DESCRIPTION_CHARS} characters"
                    ))
                })?,
            ),
            None => None,
        };
        let body = types::CreateBackupRequest::builder()
            .server_id(self.server_id)
            .description(description);
        let path = self.client.list_path();
        let op = Operation::Create {
            server_id: self.server_id,
        };
        let created: types::CreatedBackup = self
            .client
            .execute(op, &path, |raw| {
                let body = body.clone();
                async move {
                    raw.create_backup()
                        .body(body)
                        .send()
                        .await
                        .map(ResponseValue::into_inner)
                }
            })
            .await?;
        Ok(CreatedBackup::from_wire(created))
    }
}

/// A deletion being configured, from [`Backups::delete`].
#[derive(Debug, Clone)]
#[must_use]
pub struct DeleteBackup {
    client: Client,
    backup_id: i64,
}

impl DeleteBackup {
    /// Deletes the backup. Retried like a listing; when an earlier attempt may have reached
    /// the API and a retry then finds the backup gone, the deletion counts as done.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] with [`Resource::Backup`](crate::Resource::Backup) when the
    /// backup does not exist; and the errors of any request (see [`Error`]).
    ///
    /// ```no_run
    /// # async fn run() -> vpsorg_backups::Result<()> {
    /// let client = vpsorg_backups::Client::from_env()?;
    /// client.backups().delete(501).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<()> {
        let backup_id = self.backup_id;
        let path = format!("{}{backup_id}/", self.client.list_path());
        let outcome = self
            .client
            .execute_tracked(Operation::Delete { backup_id }, &path, |raw| async move {
                raw.delete_backup()
                    .backup_id(backup_id)
                    .send()
                    .await
                    .map(|_| IgnoredAny)
            })
            .await;
        match outcome {
            Ok(IgnoredAny) => Ok(()),
            // An earlier attempt deleted it, and its answer was lost.
            Err(Failed {
                error: Error::NotFound { .. },
                earlier_attempt_reached: true,
            }) => Ok(()),
            Err(failed) => Err(failed.error),
        }
    }
}

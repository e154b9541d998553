//! Operations on backups: [`Backups::list`], [`Backups::create`], [`Backups::delete`] and
//! [`Backups::wait_until_completed`].

use std::fmt;
use std::time::Instant;

use serde::de::IgnoredAny;
use vpsorg_backups_client::{ResponseValue, types};

use crate::error::{Error, Result};
use crate::pagination::{self, BackupStream, Page, PageStream, Query};
use crate::recover::{self, Found};
use crate::request::Failed;
use crate::response::Operation;
use crate::wait::{BackupRef, WaitUntilCompleted};
use crate::{BackupType, Client, CreatedBackup, RetryPolicy};

/// The longest description the API accepts, in characters, after surrounding whitespace is
/// trimmed.
pub const MAX_DESCRIPTION_CHARS: usize = 255;

/// Operations on backups, from [`Client::backups`].
#[derive(Debug, Clone)]
pub struct Backups {
    pub(crate) client: Client,
}

impl Backups {
    /// Lists backups, optionally filtered, as one page ([`ListBackups::send`]) or as a
    /// stream of pages or of backups.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use vpsorg_backups::BackupType;
    ///
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
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
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
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// let created = client
    ///     .backups()
    ///     .create(12345)
    ///     .description("Pre-deployment backup")
    ///     .send()
    ///     .await?;
    /// println!("backup {}: {}", created.backup.id, created.message);
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub fn create(&self, server_id: i64) -> CreateBackup {
        CreateBackup {
            client: self.client.clone(),
            server_id,
            description: None,
            retry: None,
            resolve_unknown_outcome: true,
        }
    }

    /// Deletes a backup, permanently.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// client.backups().delete(501).send().await?;
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub fn delete(&self, backup_id: i64) -> DeleteBackup {
        DeleteBackup { client: self.client.clone(), backup_id, retry: None }
    }

    /// Waits until a backup is `completed`, polling its server's backup list (the API has
    /// no endpoint that fetches one backup). Takes a [`Backup`](crate::Backup), a
    /// [`CreatedBackup`], a [`BackupRef`] or a `(server_id, backup_id)` pair.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// use std::time::Duration;
    ///
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
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
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
    setters! {
        /// Only the backups of this server. Every backup listed is checked: one of another
        /// server (a proxy that drops the parameter, say) fails the listing with
        /// [`Error::FilterMismatch`] instead of being yielded.
        fn server_id(server_id: i64) => query.server_id = Some(server_id);

        /// Only backups of this type (`BackupType::Manual`, or `"manual"`), checked like
        /// [`server_id`](Self::server_id).
        fn backup_type(backup_type: impl Into<BackupType>)
            => query.backup_type = Some(backup_type.into());

        /// Backups per page, 1 to [`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) (100; the API's
        /// default is 20).
        fn page_size(page_size: u64) => query.page_size = Some(page_size);

        /// The page to start at (1-based; default 1): the page [`send`](Self::send) fetches,
        /// and the first one the streams yield.
        fn page(page: u64) => page = Some(page);

        /// How many pages the streams may fetch at once (default 1, at most 16). Above 1, the
        /// pages after the first are requested by number, as its `count` allows, and still
        /// yielded in order.
        fn concurrency(pages: usize) => concurrency = pages.clamp(1, pagination::MAX_CONCURRENCY);

        /// How this listing's requests are retried, instead of the client's
        /// [`RetryPolicy`] (each page is retried on its own).
        fn retry(policy: RetryPolicy) => query.retry = Some(policy);
    }

    /// Fetches one page: the first, or the one set with [`page`](Self::page).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a page size outside 1..=100 or page 0;
    /// [`Error::NotFound`] with [`Resource::Page`](crate::Resource::Page) for a page past
    /// the last; [`Error::FilterMismatch`] for a page that holds a backup outside the
    /// filters; and the errors of any request (see [`Error`]).
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// let page = client.backups().list().page_size(50).send().await?;
    /// println!("{} of {} backups", page.backups.len(), page.count);
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub async fn send(self) -> Result<Page> {
        let number = self.page.unwrap_or(1);
        self.query.validate(number)?;
        let dated = pagination::fetch(&self.client, &self.query, number).await?;
        Ok(Page::single(number, &self.query, dated))
    }

    /// All pages from the start page on, as a stream. Each page holds only backups not
    /// already yielded (see [`items`](Self::items) for how the stream behaves).
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut pages = client.backups().list().page_size(100).pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("page {}: {} backups", page.number, page.backups.len());
    /// }
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub fn pages(self) -> PageStream {
        let fetching = pagination::Fetching::Ahead(self.concurrency);
        pagination::pages(self.client, self.query, self.page.unwrap_or(1), fetching)
    }

    /// Every backup, across pages, as a stream that walks the pages as
    /// [Listing](crate#listing) says: it drops backups already yielded, and fails with
    /// [`Error::ForeignOrigin`] for a `next` link to another origin (nothing is sent there),
    /// [`Error::Pagination`] instead of looping when the server ignores paging, and
    /// [`Error::FilterMismatch`] at a page that holds a backup outside the filters (nothing
    /// from that page is yielded). It needs a Tokio runtime; `.try_collect::<Vec<_>>()`
    /// gathers everything.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
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
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
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
    retry: Option<RetryPolicy>,
    resolve_unknown_outcome: bool,
}

impl fmt::Debug for CreateBackup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateBackup")
            .field("server_id", &self.server_id)
            .field("description", &self.description)
            .field("retry", &self.retry)
            .field("resolve_unknown_outcome", &self.resolve_unknown_outcome)
            .finish_non_exhaustive()
    }
}

impl CreateBackup {
    setters! {
        /// A description for the backup. Surrounding whitespace is trimmed, as the API does
        /// (Django REST Framework's `CharField`), and what is left may have at most
        /// [`MAX_DESCRIPTION_CHARS`] (255) characters; the trimmed text is what is sent.
        fn description(description: impl Into<String>) => description = Some(description.into());

        /// How this create is retried, instead of the client's [`RetryPolicy`]. Whatever the
        /// policy, a create is retried only when the API provably did not act on it (see
        /// [`send`](Self::send)).
        fn retry(policy: RetryPolicy) => retry = Some(policy);

        /// Whether a create whose answer was lost is looked for in the server's backup list
        /// (default `true`); see [`send`](Self::send). This costs one small listing before each
        /// create. With `false`, neither listing is made, and such a create is
        /// [`Error::OutcomeUnknown`] at once.
        fn resolve_unknown_outcome(resolve: bool) => resolve_unknown_outcome = resolve;
    }

    /// Creates the backup.
    ///
    /// Not idempotent, so retried only when the API provably did not act on the request:
    /// a refused connection, or a 429 (throttling refuses a request before anything runs).
    ///
    /// When its answer was lost (a timeout, a dropped connection, a 5xx, or a 2xx whose body
    /// could not be read), the one manual backup of the server that is new since a listing
    /// made just before the request, created since on the server's clock, with the same
    /// description, is returned with [`CreatedBackup::recovered`] set (see
    /// [Retries](crate#retries); [`resolve_unknown_outcome`](Self::resolve_unknown_outcome)
    /// turns this off). With none or several, the result is [`Error::OutcomeUnknown`] (or
    /// [`Error::AnswerUnreadable`] after a 2xx): list the server's backups before trying
    /// again. Give concurrent creates distinct descriptions.
    ///
    /// # Errors
    ///
    /// [`Error::ManualBackupLimit`] when the server already has 10 manual backups;
    /// [`Error::NotFound`] with [`Resource::Server`](crate::Resource::Server) for an unknown
    /// server; [`Error::InvalidInput`] for a description over 255 characters once trimmed;
    /// [`Error::OutcomeUnknown`] as above; and the errors of any request (see [`Error`]).
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// use vpsorg_backups::Error;
    ///
    /// match client.backups().create(12345).send().await {
    ///     Ok(created) => println!("started backup {}", created.backup.id),
    ///     Err(Error::ManualBackupLimit { server_id, .. }) => {
    ///         eprintln!("server {server_id} is full: delete a manual backup first")
    ///     }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub async fn send(self) -> Result<CreatedBackup> {
        // DRF's CharField trims, then checks the length (the generated type refuses more than
        // 255 characters), then stores the trimmed text.
        let trimmed = self.description.as_deref().map(str::trim);
        let description = trimmed
            .map(types::CreateBackupRequestDescription::try_from)
            .transpose()
            .map_err(|_| {
                Error::invalid_input(format!(
                    "the description is longer than {MAX_DESCRIPTION_CHARS} characters"
                ))
            })?;
        let body = types::CreateBackupRequest::builder()
            .server_id(self.server_id)
            .description(description);
        let path = self.client.list_path();
        let op = Operation::Create { server_id: self.server_id };
        // What a lost answer's search may not claim: the backups there before the create.
        let before = if self.resolve_unknown_outcome {
            recover::existing(&self.client, self.server_id, self.retry.clone()).await
        } else {
            None
        };
        let started = Instant::now();
        let result: Result<types::CreatedBackup> =
            self.client
                .execute(op, &path, self.retry.as_ref(), None, |raw| {
                    let body = body.clone();
                    async move {
                        raw.create_backup().body(body).send().await.map(ResponseValue::into_inner)
                    }
                })
                .await
                .map_err(Error::from);
        let error = match result {
            Ok(created) => return Ok(CreatedBackup::from_wire(created)),
            Err(error) if self.resolve_unknown_outcome && recover::worth_looking(&error) => error,
            Err(error) => return Err(error),
        };
        let wanted = recover::Wanted {
            server_id: self.server_id,
            before,
            description: trimmed.unwrap_or_default(),
            started,
            retry: self.retry.clone(),
        };
        match recover::find_created(&self.client, &wanted).await {
            Found::One(backup) => {
                tracing::info!(
                    backup_id = backup.id,
                    error = %error,
                    "the create's answer was lost; found the backup it created by listing",
                );
                Ok(CreatedBackup::found(backup))
            }
            found => {
                tracing::warn!(
                    error = %error,
                    looked = %found,
                    "the create's outcome stays unknown",
                );
                Err(error)
            }
        }
    }
}

/// A deletion being configured, from [`Backups::delete`].
#[derive(Debug, Clone)]
#[must_use]
pub struct DeleteBackup {
    client: Client,
    backup_id: i64,
    retry: Option<RetryPolicy>,
}

impl DeleteBackup {
    setters! {
        /// How this deletion is retried, instead of the client's [`RetryPolicy`].
        fn retry(policy: RetryPolicy) => retry = Some(policy);
    }

    /// Deletes the backup. Retried like a listing; when an earlier attempt may have reached
    /// the API and a retry then finds the backup gone, the deletion counts as done.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] with [`Resource::Backup`](crate::Resource::Backup) when the
    /// backup does not exist; and the errors of any request (see [`Error`]).
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// client.backups().delete(501).send().await?;
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub async fn send(self) -> Result<()> {
        let backup_id = self.backup_id;
        let path = format!("{}{backup_id}/", self.client.list_path());
        let outcome = self
            .client
            .execute(
                Operation::Delete { backup_id },
                &path,
                self.retry.as_ref(),
                None,
                |raw| async move {
                    raw.delete_backup().backup_id(backup_id).send().await.map(|_| IgnoredAny)
                },
            )
            .await;
        match outcome {
            Ok(IgnoredAny) => Ok(()),
            // An earlier attempt deleted it, and its answer was lost.
            Err(Failed { error: Error::NotFound { .. }, earlier_attempt_reached: true }) => Ok(()),
            Err(failed) => Err(failed.error),
        }
    }
}

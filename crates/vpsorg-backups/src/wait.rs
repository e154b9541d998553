//! Waiting for a backup to complete by polling its server's backup list (the API has no
//! endpoint that fetches one backup).

use std::fmt;
use std::future::ready;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

use crate::error::{Error, Result};
use crate::pagination::{self, BackupStream, Fetching, MAX_PAGE_SIZE, Query};
use crate::retry::{LastFailure, RetriedOperation, RetryNotice};
use crate::{Backup, BackupStatus, Client, CreatedBackup, RetryPolicy};

/// Which backup to wait for: its server and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BackupRef {
    /// The server the backup belongs to.
    pub server_id: i64,
    /// The backup.
    pub backup_id: i64,
}

impl From<(i64, i64)> for BackupRef {
    /// From `(server_id, backup_id)`.
    fn from((server_id, backup_id): (i64, i64)) -> Self {
        BackupRef { server_id, backup_id }
    }
}

impl From<&Backup> for BackupRef {
    fn from(backup: &Backup) -> Self {
        BackupRef { server_id: backup.server.id, backup_id: backup.id }
    }
}

impl From<Backup> for BackupRef {
    fn from(backup: Backup) -> Self {
        BackupRef::from(&backup)
    }
}

impl From<&CreatedBackup> for BackupRef {
    fn from(created: &CreatedBackup) -> Self {
        BackupRef::from(&created.backup)
    }
}

impl From<CreatedBackup> for BackupRef {
    fn from(created: CreatedBackup) -> Self {
        BackupRef::from(&created.backup)
    }
}

/// What the observer of a [`WaitUntilCompleted`] is told when the backup's status changes
/// (and when it is first seen).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusChange {
    /// The backup as just listed.
    pub backup: Backup,
    /// Its status at the poll before, `None` at the first poll.
    pub previous: Option<BackupStatus>,
    /// Time since the waiter started.
    pub elapsed: Duration,
    /// Polls so far, this one included.
    pub polls: u32,
}

type Observer = Box<dyn FnMut(&StatusChange) + Send>;

/// A wait being configured, from
/// [`Backups::wait_until_completed`](crate::Backups::wait_until_completed); each setter
/// names its default.
#[must_use]
pub struct WaitUntilCompleted {
    client: Client,
    target: BackupRef,
    timeout: Duration,
    poll_interval: Duration,
    max_poll_interval: Duration,
    retry: Option<RetryPolicy>,
    observer: Option<Observer>,
}

impl fmt::Debug for WaitUntilCompleted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitUntilCompleted")
            .field("target", &self.target)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("max_poll_interval", &self.max_poll_interval)
            .field("retry", &self.retry)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

impl WaitUntilCompleted {
    pub(crate) fn new(client: Client, target: BackupRef) -> Self {
        WaitUntilCompleted {
            client,
            target,
            timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::from_secs(15),
            retry: None,
            observer: None,
        }
    }

    setters! {
        /// The longest to wait overall (default 30 minutes).
        fn timeout(timeout: Duration) => timeout = timeout;

        /// The pause after the first poll (default 1 s); each later pause is 1.5 times longer,
        /// up to [`max_poll_interval`](Self::max_poll_interval). Pauses are jittered by up to
        /// half their length.
        fn poll_interval(interval: Duration) => poll_interval = interval;

        /// The longest pause between two polls (default 15 s).
        fn max_poll_interval(interval: Duration) => max_poll_interval = interval;

        /// How each poll's requests are retried, instead of the client's [`RetryPolicy`]. A
        /// poll that still fails with a retryable error is followed by the next poll.
        fn retry(policy: RetryPolicy) => retry = Some(policy);

        /// Calls `observer` when the backup is first seen and whenever its status changes, for
        /// example to draw progress. To receive changes elsewhere, send them into a channel
        /// from the closure.
        fn on_status_change(observer: impl FnMut(&StatusChange) + Send + 'static)
            => observer = Some(Box::new(observer));
    }

    /// Waits, and returns the completed backup.
    ///
    /// A poll that fails with a retryable error (after the client's own retries) is
    /// followed by another poll while time remains; another error ends the wait. A status
    /// this crate does not know is waited through like `in_progress`.
    ///
    /// # Errors
    ///
    /// [`Error::BackupFailed`] when the backup ends `failed`; [`Error::BackupNotListed`]
    /// when the first poll that succeeds does not find it in its server's list (no such
    /// backup, or one of another server); [`Error::BackupDisappeared`] when it was listed
    /// and no longer is; [`Error::WaitTimeout`] when the timeout passes first, with the
    /// last failure if the last poll failed or was cut off while waiting to retry; and the
    /// errors of listing (see [`Error`]), [`Error::FilterMismatch`] among them when the
    /// server's list holds a backup of another server.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// let backup = client
    ///     .backups()
    ///     .wait_until_completed((12345, 501))
    ///     .send()
    ///     .await?;
    /// assert!(backup.status == vpsorg_backups::BackupStatus::Completed);
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub async fn send(mut self) -> Result<Backup> {
        let started = Instant::now();
        let target = self.target;
        let BackupRef { server_id, backup_id } = target;
        // Saturating arithmetic throughout: any `Duration` a caller passes is fine, even
        // `Duration::MAX`.
        let longest_pause = self.max_poll_interval.max(self.poll_interval);
        let mut pause = self.poll_interval;
        let mut last_status: Option<BackupStatus> = None;
        let mut last_error: Option<Error> = None;
        let mut polls: u32 = 0;
        loop {
            let remaining = self.timeout.saturating_sub(started.elapsed());
            if polls > 0 && remaining.is_zero() {
                return Err(self.timed_out(last_status, last_error, started));
            }
            polls = polls.saturating_add(1);
            // The timeout may cancel the poll while it waits to retry (a `Retry-After` of
            // seconds): its failed attempts are kept here, so the error can say what failed.
            let attempts_failed = LastFailure::default();
            let poll = find(&self.client, target, &self.retry, &attempts_failed);
            let Ok(found) = tokio::time::timeout(remaining, poll).await else {
                let last_error = attempts_failed.take().or(last_error);
                return Err(self.timed_out(last_status, last_error, started));
            };
            match found {
                Ok(Some(backup)) => {
                    last_error = None;
                    if last_status.as_ref() != Some(&backup.status) {
                        if let Some(observer) = self.observer.as_mut() {
                            observer(&StatusChange {
                                backup: backup.clone(),
                                previous: last_status.clone(),
                                elapsed: started.elapsed(),
                                polls,
                            });
                        }
                        last_status = Some(backup.status.clone());
                    }
                    match backup.status {
                        BackupStatus::Completed => return Ok(backup),
                        BackupStatus::Failed => {
                            return Err(Error::BackupFailed { backup: Box::new(backup) });
                        }
                        _ => {}
                    }
                }
                // Seen before: deleted meanwhile. Never seen: there was nothing to wait for.
                Ok(None) if last_status.is_some() => {
                    return Err(Error::BackupDisappeared { server_id, backup_id });
                }
                Ok(None) => return Err(Error::BackupNotListed { server_id, backup_id }),
                Err(error) if error.is_retryable() => {
                    tracing::debug!(error = %error, "poll failed; polling again");
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
            let remaining = self.timeout.saturating_sub(started.elapsed());
            let delay = equal_jitter(pause).min(remaining);
            if let Some(error) = &last_error {
                self.client.notify_retry(&RetryNotice {
                    operation: RetriedOperation::WaitUntilCompleted,
                    attempt: polls,
                    delay,
                    error,
                });
            }
            tokio::time::sleep(delay).await;
            pause = pause.saturating_add(pause / 2).min(longest_pause);
        }
    }

    fn timed_out(
        &self,
        last_status: Option<BackupStatus>,
        last_error: Option<Error>,
        started: Instant,
    ) -> Error {
        Error::WaitTimeout {
            server_id: self.target.server_id,
            backup_id: self.target.backup_id,
            last_status,
            last_error: last_error.map(Box::new),
            waited: started.elapsed(),
        }
    }
}

/// Looks for the backup in its server's list, one page at a time: no page is requested
/// before the previous one was searched, and none after the backup was found.
async fn find(
    client: &Client,
    target: BackupRef,
    retry: &Option<RetryPolicy>,
    attempts_failed: &LastFailure,
) -> Result<Option<Backup>> {
    let query = Query {
        server_id: Some(target.server_id),
        page_size: Some(MAX_PAGE_SIZE),
        retry: retry.clone(),
        last_failure: Some(attempts_failed.clone()),
        ..Query::default()
    };
    let pages = pagination::pages(client.clone(), query, 1, Fetching::OnDemand);
    let mut found =
        BackupStream::new(pages).try_filter(|backup| ready(backup.id == target.backup_id));
    found.try_next().await
}

/// Half of `pause`, plus a random part of the other half: polls spread out, never too soon.
fn equal_jitter(pause: Duration) -> Duration {
    let half = pause / 2;
    half.saturating_add(crate::retry::full_jitter(pause - half))
}

#[cfg(test)]
#[path = "../tests/unit/wait.rs"]
mod tests;

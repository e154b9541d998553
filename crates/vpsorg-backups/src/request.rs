//! [`Client`], what its clones share, and the one function through which every request
//! goes (retries, tracing, and the mapping of its response in `response.rs`). Its public
//! methods are in `client.rs`, its builder in `builder.rs`.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use reqwest::Url;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use vpsorg_backups_client::capture_response_head;

use crate::RetryPolicy;
use crate::error::{Error, Result};
use crate::response::{Operation, RawError, Validate, settle};
use crate::retry::{LastFailure, RetryHook, RetryNotice};

/// A client for the VPS.org Backups API.
///
/// Build one with [`Client::builder`] or [`Client::from_env`], then reach the operations
/// through [`backups`](Client::backups) and [`servers`](Client::servers). Cloning is cheap:
/// clones share one connection pool and configuration.
///
/// ```
/// # async fn run(token: &str, api_url: &str) -> vpsorg_backups::Result<()> {
/// use futures_util::TryStreamExt;
///
/// let client = vpsorg_backups::Client::builder()
///     .token(token) // your API token
///     .base_url(api_url) // https://admin.vps.org unless set
///     .build()?;
/// let backups: Vec<_> = client.backups().list().server_id(12345).items().try_collect().await?;
/// println!("{} backups", backups.len());
/// # Ok(())
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// #     // The fake VPS.org server (vpsorg-backups-mock), with the vendor's example data.
/// #     let server = vpsorg_backups_mock::MockServer::start().await?;
/// #     Ok(run(server.token(), server.base_url()).await?)
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// What clones of a [`Client`] share.
pub(crate) struct Inner {
    pub(crate) raw: vpsorg_backups_client::Client,
    pub(crate) base_url: Url,
    pub(crate) retry: RetryPolicy,
    pub(crate) on_retry: Option<RetryHook>,
    /// Until when a 429 holds back every request ([`RetryPolicy::shared_pause`]).
    pub(crate) paused_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("retry", &self.inner.retry)
            .field("on_retry", &self.inner.on_retry.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The path of the backup list under the base URL.
    pub(crate) fn list_path(&self) -> String {
        format!("{}/api/v1/backups/", self.inner.base_url.path().trim_end_matches('/'))
    }

    /// Sends one operation, the one path every request takes: `call`, the generated client's
    /// call, runs once per attempt, in its own tracing span, and ends in [`settle`]; failures
    /// are retried as `retry` (else the client's policy) allows, and a create or restore that
    /// may have acted becomes [`Error::OutcomeUnknown`]. `last_failure` keeps each failure to
    /// be retried, for a caller that may cancel the call while it waits (the waiter).
    pub(crate) async fn execute<T, F, Fut>(
        &self,
        op: Operation,
        path: &str,
        retry: Option<&RetryPolicy>,
        last_failure: Option<&LastFailure>,
        call: F,
    ) -> std::result::Result<T, Failed>
    where
        T: DeserializeOwned + Validate,
        F: Fn(vpsorg_backups_client::Client) -> Fut + Sync,
        Fut: Future<Output = std::result::Result<T, RawError>>,
    {
        let policy = retry.unwrap_or(&self.inner.retry);
        let started = Instant::now();
        // Whether an attempt that was retried may have been carried out by the API.
        let mut earlier_attempt_reached = false;
        let mut scheduled = policy.initial_backoff;
        let mut attempt: u32 = 0;
        let result = loop {
            attempt = attempt.saturating_add(1);
            self.wait_out_pause().await;
            let error = match self.attempt(op, path, attempt, &call).await {
                Ok(value) => {
                    if let Some(last_failure) = last_failure {
                        last_failure.clear();
                    }
                    break Ok(value);
                }
                Err(error) => error,
            };
            if let Some(wait) = self.inner.retry.shared_pause(&error) {
                let until = Instant::now() + wait;
                let mut paused =
                    self.inner.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
                *paused = Some(paused.map_or(until, |earlier| earlier.max(until)));
            }
            if !policy.should_retry(op, &error) {
                break Err(error);
            }
            let next = (attempt < policy.attempts()).then_some(scheduled);
            let Some(delay) = policy.delay(&error, next, started.elapsed()) else {
                break Err(error);
            };
            if may_have_acted(&error) {
                earlier_attempt_reached = true;
            }
            tracing::debug!(
                operation = op.name(),
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying",
            );
            self.notify_retry(&RetryNotice { operation: op.into(), attempt, delay, error: &error });
            if let Some(last_failure) = last_failure {
                last_failure.record(error);
            }
            tokio::time::sleep(delay).await;
            scheduled = policy.next_delay(scheduled);
        };

        result.map_err(|error| {
            let error = match op.non_idempotent_name() {
                Some(operation) if may_have_acted(&error) => {
                    Error::OutcomeUnknown { operation, source: Box::new(error) }
                }
                _ => error,
            };
            Failed { error, earlier_attempt_reached }
        })
    }

    /// Waits until the end of a 429's pause that any clone of this client received.
    async fn wait_out_pause(&self) {
        let until = *self.inner.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = until.filter(|until| *until > Instant::now()) {
            tokio::time::sleep_until(until.into()).await;
        }
    }

    /// Tells the [`ClientBuilder::on_retry`] hook, if there is one.
    pub(crate) fn notify_retry(&self, notice: &RetryNotice<'_>) {
        if let Some(hook) = &self.inner.on_retry {
            hook(notice);
        }
    }

    /// One attempt, in its own span.
    async fn attempt<T, F, Fut>(
        &self,
        op: Operation,
        path: &str,
        attempt: u32,
        call: &F,
    ) -> Result<T>
    where
        T: DeserializeOwned + Validate,
        F: Fn(vpsorg_backups_client::Client) -> Fut + Sync,
        Fut: Future<Output = std::result::Result<T, RawError>>,
    {
        let span = tracing::debug_span!(
            "vpsorg_backups.request",
            operation = op.name(),
            method = op.method(),
            path,
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let raw = self.inner.raw.clone();
        async move {
            let (result, head) = capture_response_head(call(raw)).await;
            let span = tracing::Span::current();
            if let Some(head) = &head {
                span.record("status", head.status.as_u16());
                if let Some(id) = crate::response::request_id(&head.headers) {
                    span.record("request_id", tracing::field::display(id));
                }
            }
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            let outcome = settle(op, result, head).await;
            match &outcome {
                Ok(_) => tracing::debug!("request succeeded"),
                Err(error) => tracing::debug!(error = %error, "request failed"),
            }
            outcome
        }
        .instrument(span)
        .await
    }
}

/// A failed [`Client::execute`].
#[derive(Debug)]
pub(crate) struct Failed {
    /// The last attempt's error.
    pub(crate) error: Error,
    /// Whether an earlier attempt may have been carried out by the API (see
    /// [`may_have_acted`]): a retried delete that then finds the backup gone succeeded.
    pub(crate) earlier_attempt_reached: bool,
}

impl From<Failed> for Error {
    fn from(failed: Failed) -> Self {
        failed.error
    }
}

/// Whether the API may have carried out a request that failed this way: it may have
/// arrived and no answer says it was refused. A 429 is refused before anything happens.
fn may_have_acted(error: &Error) -> bool {
    match error {
        Error::Timeout { may_have_reached_server, .. }
        | Error::Transport { may_have_reached_server, .. } => *may_have_reached_server,
        Error::Server { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
#[path = "../tests/unit/request.rs"]
mod tests;

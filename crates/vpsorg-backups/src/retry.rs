//! When and how the client retries a failed request: [`RetryPolicy`] says how often and
//! how long; which failures are retried depends on the operation ([`RetryPolicy::should_retry`];
//! the crate's README, "Retries", says why create and restore retry only what never acted).

use std::time::Duration;

use crate::error::Error;
use crate::response::Operation;

/// How many times, and for how long, a failed request is retried.
///
/// The default makes at most 4 attempts. Before each retry it waits a random time between
/// zero and the scheduled delay (250 ms, then 500 ms, then 1 s; the schedule doubles up to
/// 8 s), or as long as the API's `Retry-After` says, however long that is, as long as the
/// retry starts within 60 s of the first attempt.
///
/// ```
/// use std::time::Duration;
/// use vpsorg_backups::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(6)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(20))
///     .budget(Duration::from_secs(120));
/// let never = RetryPolicy::none();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    /// The scheduled delay before the first retry, without jitter (jitter is drawn per
    /// delay in [`delay`](Self::delay)).
    pub(crate) initial_backoff: Duration,
    max_backoff: Duration,
    budget: Duration,
    honor_retry_after: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            budget: Duration::from_secs(60),
            honor_retry_after: true,
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    setters! {
        /// The most attempts per request, the first one included (at least 1).
        fn max_attempts(attempts: u32) => max_attempts = attempts.max(1);

        /// The delay scheduled before the first retry; each later one doubles it. The wait
        /// itself is drawn between zero and the scheduled delay (full jitter).
        fn initial_backoff(delay: Duration) => initial_backoff = delay;

        /// The cap on the scheduled delay: no wait drawn from the schedule is longer. A
        /// `Retry-After` that is honoured is not capped by it, only by the
        /// [`budget`](Self::budget).
        fn max_backoff(delay: Duration) => max_backoff = delay;

        /// The overall time budget: no retry starts when its delay would end more than this
        /// long after the first attempt started.
        fn budget(budget: Duration) => budget = budget;

        /// Whether to wait as long as the API's `Retry-After` says (the default), even longer
        /// than [`max_backoff`](Self::max_backoff), rather than a wait drawn from the schedule.
        /// A `Retry-After` past the budget ends the retries at once.
        fn honor_retry_after(honor: bool) => honor_retry_after = honor;
    }

    /// The configured maximum number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The scheduled delay after `scheduled`: twice as long, up to the cap (which is never
    /// below the first delay).
    pub(crate) fn next_delay(&self, scheduled: Duration) -> Duration {
        scheduled.saturating_mul(2).min(self.max_backoff.max(self.initial_backoff))
    }

    /// Whether `error` from `op` is worth another attempt.
    pub(crate) fn should_retry(&self, op: Operation, error: &Error) -> bool {
        if op.non_idempotent_name().is_none() {
            error.is_retryable()
        } else {
            // Only when the API provably did not act on the request: it never saw it, or
            // throttling refused it before anything ran.
            matches!(
                error,
                Error::Transport { may_have_reached_server: false, .. }
                    | Error::Timeout { may_have_reached_server: false, .. }
                    | Error::RateLimited { .. }
            )
        }
    }

    /// The delay before the next attempt, or `None` to give up: `scheduled` is the next
    /// un-jittered delay of the schedule (`None` once attempts are used up), `elapsed`
    /// the time since the first attempt started.
    pub(crate) fn delay(
        &self,
        error: &Error,
        scheduled: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        let scheduled = scheduled?;
        let delay = match error.retry_after() {
            Some(wait) if self.honor_retry_after => wait,
            _ => full_jitter(scheduled),
        };
        (elapsed.saturating_add(delay) <= self.budget).then_some(delay)
    }

    /// How long a 429 holds back every request of the client: its `Retry-After`, when this
    /// policy waits it out (honoured, and within the budget). The limit is the account's, so
    /// a request sent sooner would be refused too.
    pub(crate) fn shared_pause(&self, error: &Error) -> Option<Duration> {
        match error {
            Error::RateLimited { retry_after: Some(wait), .. }
                if self.honor_retry_after && *wait <= self.budget =>
            {
                Some(*wait)
            }
            _ => None,
        }
    }
}

/// A delay drawn uniformly from `0..=delay` ("full jitter"), so that clients that failed
/// together do not retry together.
pub(crate) fn full_jitter(delay: Duration) -> Duration {
    // `mul_f64` panics when rounding pushes a delay near `Duration::MAX` past it.
    Duration::try_from_secs_f64(delay.as_secs_f64() * random_fraction())
        .map_or(delay, |jittered| jittered.min(delay))
}

/// A number in `0.0..1.0`, different at every call: enough randomness to spread retries,
/// none for secrets. The standard library's `RandomState` is keyed from the operating
/// system's randomness and steps its keys at every call, so the hash of nothing is a fresh,
/// well-mixed 64-bit value, without a random-number crate.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    // The top 53 bits, as many as an f64 holds exactly.
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

/// What an [`on_retry`](crate::ClientBuilder::on_retry) hook is told before the client
/// waits to try again: a stable, typed account of each retry, for people at a terminal or a
/// metrics counter (the `tracing` events carry the same, for logs).
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryNotice<'a> {
    /// What is being retried.
    pub operation: RetriedOperation,
    /// The attempt that failed: 1 for the first request (for the waiter, the poll).
    pub attempt: u32,
    /// How long the client waits before trying again.
    pub delay: Duration,
    /// Why the attempt failed.
    pub error: &'a Error,
}

/// The operation a [`RetryNotice`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetriedOperation {
    /// A page of the backup list.
    ListBackups,
    /// Creating a backup (retried only when the API provably did not act).
    CreateBackup,
    /// Deleting a backup.
    DeleteBackup,
    /// Restoring a server (retried only when the API provably did not act).
    RestoreServer,
    /// A poll of [`wait_until_completed`](crate::Backups::wait_until_completed) that failed
    /// even after the client's own retries: the waiter polls again.
    WaitUntilCompleted,
}

impl From<Operation> for RetriedOperation {
    fn from(op: Operation) -> Self {
        match op {
            Operation::List { .. } => RetriedOperation::ListBackups,
            Operation::Create { .. } => RetriedOperation::CreateBackup,
            Operation::Delete { .. } => RetriedOperation::DeleteBackup,
            Operation::Restore { .. } => RetriedOperation::RestoreServer,
        }
    }
}

/// A hook that [`RetryNotice`]s are given to.
pub(crate) type RetryHook = std::sync::Arc<dyn Fn(&RetryNotice<'_>) + Send + Sync>;

/// The latest failed attempt that was to be retried, for a caller that may cancel the
/// requests while they wait to retry: the waiter, at its timeout. Without it, a poll cut off
/// in a `Retry-After` wait would take the failure with it, and the timeout could not say
/// why the backup was never seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct LastFailure(std::sync::Arc<std::sync::Mutex<Option<Error>>>);

impl LastFailure {
    pub(crate) fn record(&self, error: Error) {
        *self.slot() = Some(error);
    }

    /// Forgets the failure: an attempt since then succeeded, so it explains nothing.
    pub(crate) fn clear(&self) {
        *self.slot() = None;
    }

    pub(crate) fn take(&self) -> Option<Error> {
        self.slot().take()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Error>> {
        // Nothing can panic while holding it; a poisoned slot still holds a valid value.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
#[path = "../tests/unit/retry.rs"]
mod tests;

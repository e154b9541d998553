//! Finding out what a create whose answer was lost did, as the README's "Retries" says: the
//! one backup not listed before the create ([`existing`]), with its description, created
//! since the request on the server's clock.
//!
//! # Whose clock
//!
//! `created_at` is the server's clock. This machine's clock may be minutes or hours away
//! from it, so comparing `created_at` with the local time of the request would miss the
//! backup (local clock ahead) or take older backups for it (local clock behind). Instead,
//! both ends of the comparison are on the server's clock:
//!
//! - the listing's response carries `Date`, the server's time when it answered, `D` (to
//!   the second, rounded down, so the server's time then was at least `D`);
//! - this machine's monotonic clock measures `E`, from just before the create's first
//!   attempt was sent to just after the listing's answer arrived. The real time between
//!   the create arriving and the listing's `Date` being written is shorter than `E`,
//!   whatever the two clocks say.
//!
//! So the server's clock read at least `D - E` when the create reached it, and a backup
//! it created has `created_at >= D - E`. A backup created earlier than `D - E` existed
//! before this create was sent and is not its answer. [`CLOCK_MARGIN`] is taken off
//! `D - E` for servers behind a load balancer whose clocks differ slightly (the host that
//! stamps `created_at` need not be the one that writes `Date`). Neither clock's absolute
//! time enters, so any skew between this machine and the server is harmless. Without a
//! `Date` header there is no server time to compare with, and the outcome stays unknown.

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

use crate::error::Error;
use crate::pagination::{self, BackupStream, Fetching, MAX_PAGE_SIZE, Query};
use crate::{Backup, BackupType, Client, RetryPolicy};

/// How much earlier than the bound on the server's clock a backup may have been stamped
/// and still count: for clocks of different hosts behind one load balancer.
pub(crate) const CLOCK_MARGIN: Duration = Duration::from_secs(2);

/// Whether a failed create may have created a backup that a listing can find: its outcome
/// is unknown, or a 2xx arrived whose body could not be read.
pub(crate) fn worth_looking(error: &Error) -> bool {
    matches!(error, Error::OutcomeUnknown { .. } | Error::AnswerUnreadable { .. })
}

/// The create to look for.
#[derive(Debug)]
pub(crate) struct Wanted<'a> {
    pub(crate) server_id: i64,
    /// The server's manual backups before the create was sent ([`existing`]); `None` when
    /// that listing failed.
    pub(crate) before: Option<HashSet<i64>>,
    /// The description as sent (trimmed); empty when none was sent.
    pub(crate) description: &'a str,
    /// Just before the create's first attempt.
    pub(crate) started: Instant,
    pub(crate) retry: Option<RetryPolicy>,
}

/// What the search found.
#[derive(Debug)]
pub(crate) enum Found {
    /// Exactly one backup matches.
    One(Backup),
    /// None matches.
    None,
    /// Several match: which one is this create's cannot be told.
    Several(usize),
    /// The listing sent no `Date`, so the server's time is unknown.
    NoServerTime,
    /// The listing before the create failed: a new backup cannot be told from an old one.
    NoListingBefore,
    /// The listing failed.
    ListingFailed(Error),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::One(backup) => write!(f, "backup {}", backup.id),
            Found::None => f.write_str("no backup created since the request matches"),
            Found::Several(n) => write!(f, "{n} backups created since the request match"),
            Found::NoServerTime => f.write_str("the listing had no Date header"),
            Found::NoListingBefore => f.write_str("the listing before the create failed"),
            Found::ListingFailed(error) => write!(f, "the listing failed: {error}"),
        }
    }
}

/// The ids of the server's manual backups, listed before the create is sent: none of them
/// can be the one it makes. `None` when the listing fails; the create goes ahead, and a lost
/// answer then stays unknown.
pub(crate) async fn existing(
    client: &Client,
    server_id: i64,
    retry: Option<RetryPolicy>,
) -> Option<HashSet<i64>> {
    let pages = pagination::pages(client.clone(), manual(server_id, retry), 1, Fetching::OnDemand);
    let ids = BackupStream::new(pages).map_ok(|backup| backup.id);
    match ids.try_collect().await {
        Ok(ids) => Some(ids),
        Err(error) => {
            tracing::warn!(error = %error, "could not list the server's backups before the create");
            None
        }
    }
}

/// The listing of one server's manual backups, 100 to a page.
fn manual(server_id: i64, retry: Option<RetryPolicy>) -> Query {
    Query {
        server_id: Some(server_id),
        backup_type: Some(BackupType::Manual),
        page_size: Some(MAX_PAGE_SIZE),
        retry,
        last_failure: None,
    }
}

/// Lists the server's manual backups and picks the one this create made, if that can be
/// told (see the module's documentation).
pub(crate) async fn find_created(client: &Client, wanted: &Wanted<'_>) -> Found {
    let Some(before) = &wanted.before else {
        return Found::NoListingBefore;
    };
    search(client, wanted, before).await.unwrap_or_else(Found::ListingFailed)
}

async fn search(
    client: &Client,
    wanted: &Wanted<'_>,
    before: &HashSet<i64>,
) -> crate::Result<Found> {
    let query = manual(wanted.server_id, wanted.retry.clone());
    let first = pagination::fetch(client, &query, 1).await?;
    let Some(date) = first.date else {
        return Ok(Found::NoServerTime);
    };
    let elapsed = first.received.saturating_duration_since(wanted.started);
    let Some(since) = earliest_creation(date, elapsed) else {
        return Ok(Found::NoServerTime);
    };
    // The listing holds only the server's manual backups: `fetch` verifies its filters.
    let matches = |backup: &Backup| {
        !before.contains(&backup.id)
            && backup.description == wanted.description
            && backup.created_at >= since
    };
    let more = first.value.next.is_some() || pagination::count_of(&first.value) > MAX_PAGE_SIZE;
    let mut found: Vec<Backup> = first
        .value
        .results
        .into_iter()
        .map(Backup::from_wire)
        .filter(|backup| matches(backup))
        .collect();
    if more {
        let mut pages = pagination::pages(client.clone(), query, 2, Fetching::OnDemand);
        while let Some(page) = pages.try_next().await? {
            found.extend(page.backups.into_iter().filter(|backup| matches(backup)));
        }
    }
    // Backups created meanwhile push older ones onto the next page: count each once.
    found.sort_by_key(|backup| backup.id);
    found.dedup_by_key(|backup| backup.id);
    Ok(match found.len() {
        0 => Found::None,
        1 => Found::One(found.remove(0)),
        n => Found::Several(n),
    })
}

/// The earliest `created_at` a backup made by the create can have: the listing's `Date`
/// less the time measured from the create's start to the listing's arrival, less
/// [`CLOCK_MARGIN`]. `None` when that is before the start of chrono's calendar.
fn earliest_creation(date: DateTime<Utc>, elapsed: Duration) -> Option<DateTime<Utc>> {
    let back = chrono::Duration::from_std(elapsed.saturating_add(CLOCK_MARGIN)).ok()?;
    date.checked_sub_signed(back)
}

#[cfg(test)]
#[path = "../tests/unit/recover.rs"]
mod tests;

//! The mock's state: servers, backups, indexes for cheap paging, restores, and its clock.
//!
//! Everything lives behind one `RwLock` in [`Shared`]; every operation here is
//! synchronous and short, so the lock is never held across an `.await`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use serde::Serialize;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::fault::Armed;
use crate::log::RequestLog;
use crate::model::{Backup, BackupStatus, BackupType, RestoreRecord, ServerRef};
use crate::seed::Seed;

const MANUAL_BACKUP_LIMIT: usize = 10;

/// The mock's clock: starts at a chosen time, advances in real time, and can be pushed forward.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: DateTime<Utc>,
    started: Instant,
    /// Milliseconds added by [`Clock::advance`].
    offset_ms: AtomicI64,
}

impl Clock {
    pub(crate) fn starting_at(origin: DateTime<Utc>) -> Self {
        Self { origin, started: Instant::now(), offset_ms: AtomicI64::new(0) }
    }

    /// The time now; the latest time chrono has once the clock was pushed that far.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started.elapsed();
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed).unsigned_abs());
        later_by(self.origin, elapsed.saturating_add(offset))
    }

    /// Pushes the clock forward; any `by` is fine (`Duration::MAX` moves it to the end of
    /// time).
    pub(crate) fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| Some(old.saturating_add(ms)));
    }
}

/// `t + by`, or the latest time chrono has when that is past it.
pub(crate) fn later_by(t: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| t.checked_add_signed(by))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Ids of backups, ascending: all of them, the manual ones and the automatic ones.
#[derive(Debug, Default)]
struct Index([Vec<i64>; 3]);

/// Where a type's ids are in an [`Index`] (`None`: all of them).
fn slot(backup_type: Option<BackupType>) -> usize {
    backup_type.map_or(0, |t| t as usize + 1)
}

impl Index {
    fn select(&self, backup_type: Option<BackupType>) -> &[i64] {
        &self.0[slot(backup_type)]
    }

    /// Adds (`add`) or removes an id, in the list of all ids and in its type's.
    fn update(&mut self, id: i64, backup_type: BackupType, add: bool) {
        for at in [0, slot(Some(backup_type))] {
            let ids = &mut self.0[at];
            match (ids.binary_search(&id), add) {
                (Err(i), true) => ids.insert(i, id),
                (Ok(i), false) => {
                    ids.remove(i);
                }
                _ => {}
            }
        }
    }
}

/// A backup as stored: its size is set even while it is in progress.
#[derive(Debug)]
struct Stored {
    backup: Backup,
    /// When an `in_progress` backup turns `completed`.
    completes_at: Option<DateTime<Utc>>,
    /// The two times as the wire shows them, rendered once: lists are the hot path.
    created_text: Box<str>,
    expires_text: Option<Box<str>>,
}

fn rfc3339(t: DateTime<Utc>) -> Box<str> {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true).into()
}

impl Stored {
    /// A backup as stored; an `in_progress` one completes at `completes_at`, and only an
    /// automatic one keeps its `expires_at`.
    fn new(mut backup: Backup, completes_at: DateTime<Utc>) -> Self {
        backup.expires_at =
            backup.expires_at.filter(|_| backup.backup_type == BackupType::Automatic);
        backup.size_mb = Some(backup.size_mb.unwrap_or(2048));
        Self {
            completes_at: (backup.status == BackupStatus::InProgress).then_some(completes_at),
            created_text: rfc3339(backup.created_at),
            expires_text: backup.expires_at.map(rfc3339),
            backup,
        }
    }

    /// The status at `now`, and the size a backup shows then (none until it is completed).
    fn status_at(&self, now: DateTime<Utc>) -> (BackupStatus, Option<i64>) {
        let status = match (self.backup.status, self.completes_at) {
            (BackupStatus::InProgress, Some(done)) if done <= now => BackupStatus::Completed,
            (status, _) => status,
        };
        (status, self.backup.size_mb.filter(|_| status == BackupStatus::Completed))
    }

    /// The backup as the Rust API shows it at `now`.
    fn backup(&self, now: DateTime<Utc>) -> Backup {
        let (status, size_mb) = self.status_at(now);
        Backup { status, size_mb, ..self.backup.clone() }
    }

    /// The backup as the wire shows it at `now`, borrowed.
    fn view(&self, now: DateTime<Utc>) -> BackupView<'_> {
        let (status, size_mb) = self.status_at(now);
        let backup = &self.backup;
        BackupView {
            id: backup.id,
            server: &backup.server,
            backup_type: backup.backup_type,
            status,
            size_mb,
            created_at: &self.created_text,
            expires_at: self.expires_text.as_deref(),
            description: &backup.description,
        }
    }
}

#[derive(Debug)]
struct ServerState {
    server: ServerRef,
    index: Index,
}

/// What a list asks for, already validated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListQuery {
    pub(crate) server_id: Option<i64>,
    pub(crate) backup_type: Option<BackupType>,
    /// 1-based; `None` is the last page (DRF's `page=last`).
    pub(crate) page: Option<u64>,
    pub(crate) page_size: u64,
}

/// A backup as the wire shows it, borrowed from the state (serialized under the read lock).
#[derive(Debug, Serialize)]
pub(crate) struct BackupView<'a> {
    id: i64,
    server: &'a ServerRef,
    backup_type: BackupType,
    status: BackupStatus,
    size_mb: Option<i64>,
    created_at: &'a str,
    expires_at: Option<&'a str>,
    description: &'a str,
}

#[derive(Debug)]
pub(crate) struct Page<'a> {
    /// Which page this is (the last one's number, for `page=last`).
    pub(crate) number: u64,
    pub(crate) count: u64,
    pub(crate) results: Vec<BackupView<'a>>,
    pub(crate) pages: u64,
}

#[derive(Debug)]
pub(crate) struct State {
    servers: HashMap<i64, ServerState>,
    backups: HashMap<i64, Stored>,
    all: Index,
    /// Automatic backups by expiry time, soonest first.
    expiry: BTreeSet<(DateTime<Utc>, i64)>,
    next_id: i64,
    /// How long a new backup stays `in_progress`.
    complete_after: Duration,
    /// Every restore accepted so far, oldest first.
    pub(crate) restores: Vec<RestoreRecord>,
}

/// Truncates a time to whole seconds, as the vendor's examples show them.
pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

impl State {
    /// Builds the state from a seed. In-progress seeded backups complete at `start + complete_after`.
    pub(crate) fn new(
        Seed { servers, mut backups, .. }: Seed,
        start: DateTime<Utc>,
        complete_after: Duration,
    ) -> Self {
        let server_state = |server: ServerRef| ServerState { server, index: Index::default() };
        let mut state = Self {
            servers: servers.into_iter().map(|s| (s.id, server_state(s))).collect(),
            backups: HashMap::with_capacity(backups.len()),
            all: Index::default(),
            expiry: BTreeSet::new(),
            next_id: 1,
            complete_after,
            restores: Vec::new(),
        };
        backups.sort_unstable_by_key(|b| b.id);
        let completes_at = later_by(start, complete_after);
        for mut backup in backups {
            let server = || server_state(backup.server.clone());
            let server = state.servers.entry(backup.server.id).or_insert_with(server);
            // The seed's server list names the server (a backup may carry an older name).
            backup.server.clone_from(&server.server);
            state.insert(Stored::new(backup, completes_at));
        }
        state.purge_expired(start);
        state
    }

    fn insert(&mut self, stored: Stored) {
        let id = stored.backup.id;
        self.next_id = self.next_id.max(id.saturating_add(1));
        self.reindex(&stored.backup, true);
        self.backups.insert(id, stored);
    }

    /// Adds (`add`) or removes a backup's id in every index it belongs to.
    fn reindex(&mut self, backup: &Backup, add: bool) {
        let id = backup.id;
        self.all.update(id, backup.backup_type, add);
        if let Some(server) = self.servers.get_mut(&backup.server.id) {
            server.index.update(id, backup.backup_type, add);
        }
        if let Some(at) = backup.expires_at {
            let _ = if add { self.expiry.insert((at, id)) } else { self.expiry.remove(&(at, id)) };
        }
    }

    /// Forgets every automatic backup whose `expires_at` is not after `now`, in one pass per
    /// index (a clock pushed far forward expires many at once).
    pub(crate) fn purge_expired(&mut self, now: DateTime<Utc>) {
        let gone: HashSet<i64> =
            self.expiry.iter().take_while(|(at, _)| *at <= now).map(|(_, id)| *id).collect();
        if gone.is_empty() {
            return;
        }
        self.expiry.retain(|(at, _)| *at > now);
        for id in &gone {
            self.backups.remove(id);
        }
        let indexes = self.servers.values_mut().map(|s| &mut s.index).chain([&mut self.all]);
        for ids in indexes.flat_map(|index| &mut index.0) {
            ids.retain(|id| !gone.contains(id));
        }
    }

    pub(crate) fn server(&self, id: i64) -> Option<&ServerRef> {
        self.servers.get(&id).map(|s| &s.server)
    }

    /// The ids of the backups that match the filters, ascending.
    fn ids(&self, server_id: Option<i64>, backup_type: Option<BackupType>) -> &[i64] {
        match server_id {
            None => self.all.select(backup_type),
            Some(id) => self.servers.get(&id).map_or(&[], |s| s.index.select(backup_type)),
        }
    }

    /// One page of backups, newest first; `None` when the page does not exist.
    pub(crate) fn list(&self, query: ListQuery, now: DateTime<Utc>) -> Option<Page<'_>> {
        let ids = self.ids(query.server_id, query.backup_type);
        let count = ids.len() as u64;
        let page_size = query.page_size.max(1);
        let pages = count.div_ceil(page_size).max(1);
        let number = query.page.unwrap_or(pages);
        if number == 0 || number > pages {
            return None;
        }
        let skip = (number - 1) * page_size;
        let end = usize::try_from(count - skip).ok()?;
        let start = end.saturating_sub(usize::try_from(page_size).ok()?);
        let results = ids[start..end].iter().rev();
        let results = results.filter_map(|id| self.backups.get(id).map(|s| s.view(now))).collect();
        Some(Page { number, count, results, pages })
    }

    /// Every backup (of one server, or all), newest first; `take` at most.
    pub(crate) fn backups(
        &self,
        server_id: Option<i64>,
        take: usize,
        now: DateTime<Utc>,
    ) -> Vec<Backup> {
        let ids = self.ids(server_id, None).iter().rev().take(take);
        ids.filter_map(|id| self.backups.get(id).map(|s| s.backup(now))).collect()
    }

    /// Starts a manual backup. Checks the server and the limit in one step, under the caller's
    /// write lock, so concurrent creates cannot overshoot the limit.
    pub(crate) fn create(
        &mut self,
        server_id: i64,
        description: String,
        now: DateTime<Utc>,
    ) -> Result<Backup, ApiError> {
        let server =
            self.servers.get(&server_id).ok_or_else(|| ApiError::server_not_found(server_id))?;
        if server.index.select(Some(BackupType::Manual)).len() >= MANUAL_BACKUP_LIMIT {
            let detail = format!(
                "Server {server_id} already has {MANUAL_BACKUP_LIMIT} manual backups, the most allowed. Delete one before creating another."
            );
            let code = "manual_backup_limit_reached";
            return Err(ApiError::detail(StatusCode::BAD_REQUEST, detail, code));
        }
        // The vendor's sizes grow by 67 MB a day (4389, 4456, 4523): the next one follows on.
        let size_mb = server
            .index
            .select(None)
            .last()
            .and_then(|id| self.backups.get(id)?.backup.size_mb)
            .map_or(2048, |last| last.saturating_add(67));
        // The answer to a create always says `in_progress`, even with a zero delay.
        let backup = Backup {
            id: self.next_id,
            server: server.server.clone(),
            backup_type: BackupType::Manual,
            status: BackupStatus::InProgress,
            size_mb: None,
            created_at: whole_seconds(now),
            expires_at: None,
            description,
        };
        let stored = Backup { size_mb: Some(size_mb), ..backup.clone() };
        self.insert(Stored::new(stored, later_by(now, self.complete_after)));
        Ok(backup)
    }

    pub(crate) fn delete(&mut self, id: i64) -> Result<(), ApiError> {
        let stored = self.backups.remove(&id).ok_or_else(|| ApiError::backup_not_found(id))?;
        self.reindex(&stored.backup, false);
        Ok(())
    }

    /// Accepts a restore of `server` (found by the caller) from `backup_id`, and records it.
    pub(crate) fn restore(
        &mut self,
        server: ServerRef,
        backup_id: i64,
        now: DateTime<Utc>,
    ) -> Result<RestoreRecord, ApiError> {
        let server_id = server.id;
        let stored =
            self.backups.get(&backup_id).ok_or_else(|| ApiError::backup_not_found(backup_id))?;
        let owner = stored.backup.server.id;
        let refused = |detail, code| Err(ApiError::detail(StatusCode::BAD_REQUEST, detail, code));
        if owner != server_id {
            let detail =
                format!("Backup {backup_id} belongs to server {owner}, not server {server_id}.");
            return refused(detail, "backup_server_mismatch");
        }
        let (status, _) = stored.status_at(now);
        if status != BackupStatus::Completed {
            let status = status.as_str();
            let detail =
                format!("Backup {backup_id} is {status}; only completed backups can be restored.");
            return refused(detail, "backup_not_completed");
        }
        let record = RestoreRecord { server, backup_id, requested_at: whole_seconds(now) };
        self.restores.push(record.clone());
        Ok(record)
    }
}

/// What every connection of one server shares.
pub(crate) struct Shared {
    pub(crate) state: RwLock<State>,
    pub(crate) clock: Clock,
    pub(crate) token: String,
    pub(crate) base_url: String,
    pub(crate) latency: Duration,
    pub(crate) faults: Mutex<Vec<Armed>>,
    /// Whether any fault is armed, so that requests skip the faults' lock when none is.
    pub(crate) faults_armed: AtomicBool,
    pub(crate) log: RequestLog,
    pub(crate) requests_seen: AtomicU64,
}

impl Shared {
    /// The state for reading, and the time; expired backups are forgotten first.
    pub(crate) fn read(&self) -> (RwLockReadGuard<'_, State>, DateTime<Utc>) {
        let now = self.clock.now();
        let read = || self.state.read().unwrap_or_else(PoisonError::into_inner);
        let state = read();
        if state.expiry.first().is_some_and(|(at, _)| *at <= now) {
            drop(state);
            // Purge under the write lock, release it, and read at the time of the purge.
            let now = self.write().1;
            return (read(), now);
        }
        (state, now)
    }

    /// The state for writing, and the time; expired backups are forgotten first.
    pub(crate) fn write(&self) -> (RwLockWriteGuard<'_, State>, DateTime<Utc>) {
        let now = self.clock.now();
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.purge_expired(now);
        (state, now)
    }

    /// Runs `f` on the faults, then notes whether any is still armed.
    pub(crate) fn with_faults<R>(&self, f: impl FnOnce(&mut Vec<Armed>) -> R) -> R {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut faults);
        self.faults_armed.store(!faults.is_empty(), Ordering::Release);
        result
    }
}

#[cfg(test)]
#[path = "tests/state.rs"]
mod tests;

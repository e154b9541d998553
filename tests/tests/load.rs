//! Load: 200 clients, each with its own connection pool, run mixed operations for 10 s (at
//! most 400 operations each) against one fake server on loopback. Nothing may fail except
//! the answers the API gives under contention (the manual-backup limit, a backup another
//! client deleted first), and afterwards:
//!
//! - no server has more than 10 manual backups;
//! - every id a create returned is unique and new, and the server holds exactly the seed's
//!   backups plus the created ones minus the deleted ones: nothing lost, nothing duplicated.
//!
//! `VPSORG_LOAD_SECS` changes the duration (CI uses the default 10 s).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use vpsorg_backups::{Backup, BackupStatus, BackupType, Client, Error, RetryPolicy};
use vpsorg_backups_mock::{MockServer, Seed};

const TOKEN: &str = "load-token-19c2e7";
const CLIENTS: u64 = 200;
const MAX_OPS_PER_CLIENT: u32 = 400;
/// Enough that every kind of operation runs (1,000 in all) even when the machine is too busy
/// for the clients to do more in the time.
const MIN_OPS_PER_CLIENT: u32 = 5;
const SERVERS: u32 = 20;

/// What one client did.
#[derive(Debug, Default)]
struct Tally {
    ops: BTreeMap<&'static str, u64>,
    /// Answers the API gives under contention, by kind.
    expected: BTreeMap<&'static str, u64>,
    failures: Vec<String>,
    created: Vec<i64>,
    deleted: Vec<i64>,
    latencies: Vec<Duration>,
}

impl Tally {
    fn record<T>(
        &mut self,
        op: &'static str,
        started: Instant,
        result: Result<T, Error>,
    ) -> Option<T> {
        if op != "wait" {
            self.latencies.push(started.elapsed());
        }
        *self.ops.entry(op).or_default() += 1;
        match result {
            Ok(value) => Some(value),
            Err(Error::ManualBackupLimit { .. }) if op == "create" => {
                *self.expected.entry("400 manual_backup_limit_reached").or_default() += 1;
                None
            }
            Err(error @ Error::NotFound { .. })
                if matches!(op, "delete another's" | "restore")
                    && matches!(error.code(), Some("backup_not_found")) =>
            {
                *self.expected.entry("404 backup_not_found").or_default() += 1;
                None
            }
            Err(error) => {
                self.failures.push(format!("{op}: {error} ({error:?})"));
                None
            }
        }
    }
}

async fn client_loop(index: u64, base_url: String, servers: Vec<i64>, deadline: Instant) -> Tally {
    let client = Client::builder()
        .token(TOKEN)
        .base_url(base_url)
        .timeout(Duration::from_secs(30))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    let mut rng = fastrand::Rng::with_seed(index);
    let mut tally = Tally::default();
    let mut mine: Vec<(i64, i64)> = Vec::new();
    let mut seen: Vec<Backup> = Vec::new();
    for op in 0..MAX_OPS_PER_CLIENT {
        // Every client makes a few requests, however late a loaded machine starts it:
        // the test is about correctness under concurrency, not throughput (that is B5).
        if op >= MIN_OPS_PER_CLIENT && Instant::now() >= deadline {
            break;
        }
        let server_id = servers[rng.usize(..servers.len())];
        let started = Instant::now();
        match rng.u32(..100) {
            0..40 => {
                let listed = client
                    .backups()
                    .list()
                    .server_id(server_id)
                    .page_size(100)
                    .items()
                    .try_collect::<Vec<_>>()
                    .await;
                if let Some(listed) = tally.record("list", started, listed) {
                    let ids: BTreeSet<i64> = listed.iter().map(|b| b.id).collect();
                    if ids.len() != listed.len() {
                        tally.failures.push(format!("a listing of {server_id} repeated ids"));
                    }
                    seen = listed;
                }
            }
            40..60 => {
                let created = client.backups().create(server_id).description("load").send().await;
                if let Some(created) = tally.record("create", started, created) {
                    tally.created.push(created.backup.id);
                    mine.push((server_id, created.backup.id));
                }
            }
            60..75 if !mine.is_empty() => {
                let (server_id, backup_id) = mine.swap_remove(rng.usize(..mine.len()));
                let started = Instant::now();
                let waited = client
                    .backups()
                    .wait_until_completed((server_id, backup_id))
                    .poll_interval(Duration::from_millis(50))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                tally.record("wait", started, waited);
                let started = Instant::now();
                let deleted = client.backups().delete(backup_id).send().await;
                if tally.record("delete own", started, deleted).is_some() {
                    tally.deleted.push(backup_id);
                }
            }
            75..90 => {
                let completed: Vec<&Backup> =
                    seen.iter().filter(|b| b.status == BackupStatus::Completed).collect();
                if let Some(backup) = completed.get(rng.usize(..completed.len().max(1))) {
                    let restored =
                        client.servers().restore(backup.server.id, backup.id).send().await;
                    tally.record("restore", started, restored);
                }
            }
            _ => {
                // An automatic backup someone else may delete first.
                let automatic: Vec<i64> = seen
                    .iter()
                    .filter(|b| b.backup_type == BackupType::Automatic)
                    .map(|b| b.id)
                    .collect();
                if let Some(&backup_id) = automatic.get(rng.usize(..automatic.len().max(1))) {
                    let deleted = client.backups().delete(backup_id).send().await;
                    if tally.record("delete another's", started, deleted).is_some() {
                        tally.deleted.push(backup_id);
                    }
                }
            }
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_for_ten_seconds() {
    let seconds: u64 =
        std::env::var("VPSORG_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let server = MockServer::builder()
        .token(TOKEN)
        .seed(Seed::generated(SERVERS, 30))
        .complete_after(Duration::from_millis(100))
        .request_log_capacity(0)
        .start()
        .await
        .unwrap();
    let seed_ids: BTreeSet<i64> = server.backups().iter().map(|b| b.id).collect();
    let servers: Vec<i64> = {
        let ids: BTreeSet<i64> = server.backups().iter().map(|b| b.server.id).collect();
        ids.into_iter().collect()
    };
    assert_eq!(servers.len(), SERVERS as usize);

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|index| {
            tokio::spawn(client_loop(
                index,
                server.base_url().to_owned(),
                servers.clone(),
                deadline,
            ))
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.expect("no client panicked");
        for (op, n) in tally.ops {
            *total.ops.entry(op).or_default() += n;
        }
        for (kind, n) in tally.expected {
            *total.expected.entry(kind).or_default() += n;
        }
        total.failures.extend(tally.failures);
        total.created.extend(tally.created);
        total.deleted.extend(tally.deleted);
        total.latencies.extend(tally.latencies);
    }
    let elapsed = started.elapsed();

    assert!(
        total.failures.is_empty(),
        "{} unexpected failures:\n{}",
        total.failures.len(),
        total.failures[..total.failures.len().min(20)].join("\n")
    );
    // No id handed out twice, none reused from the seed.
    let created: BTreeSet<i64> = total.created.iter().copied().collect();
    assert_eq!(created.len(), total.created.len(), "a create returned an id twice");
    assert!(created.is_disjoint(&seed_ids), "a create reused a seed id");
    let deleted: BTreeSet<i64> = total.deleted.iter().copied().collect();
    assert_eq!(deleted.len(), total.deleted.len(), "two deletes of one backup both succeeded");
    // Nothing lost, nothing extra.
    let expected: BTreeSet<i64> = seed_ids.union(&created).copied().collect();
    let expected: BTreeSet<i64> = expected.difference(&deleted).copied().collect();
    let now: BTreeSet<i64> = server.backups().iter().map(|b| b.id).collect();
    assert_eq!(now, expected, "the server's backups are the seed + created − deleted");
    // The limit held for every server.
    for &server_id in &servers {
        let manual = server
            .backups_of(server_id)
            .iter()
            .filter(|b| b.backup_type == vpsorg_backups_mock::BackupType::Manual)
            .count();
        assert!(manual <= 10, "server {server_id} has {manual} manual backups");
    }
    let ops: u64 = total.ops.values().sum();
    assert!(ops >= CLIENTS, "every client got to work: {ops} operations");
    assert!(total.ops.len() == 6, "every kind of operation ran: {:?}", total.ops);

    total.latencies.sort_unstable();
    let percentile = |p: f64| {
        total.latencies[((total.latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0
    };
    println!(
        "{CLIENTS} clients, {:.1} s: {ops} operations ({:.0}/s), {} backups created, {} deleted, \
         {} restores; by kind {:?}; expected 4xx {:?}; request latency (waits aside) p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        ops as f64 / elapsed.as_secs_f64(),
        created.len(),
        deleted.len(),
        server.restores().len(),
        total.ops,
        total.expected,
        percentile(0.5),
        percentile(0.99),
        percentile(1.0),
    );
}

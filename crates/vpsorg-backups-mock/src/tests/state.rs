use super::*;

fn state(seed: Seed) -> (State, DateTime<Utc>) {
    let start = seed.clock_start_time().unwrap_or_else(Utc::now);
    (State::new(seed, start, Duration::from_secs(1)), start)
}

#[test]
fn expired_backups_are_purged_in_bulk_and_one_by_one() {
    let (mut state, now) = state(Seed::generated(3, 100));
    let automatic = |s: &State| s.all.select(Some(BackupType::Automatic)).len();
    assert_eq!(automatic(&state), 3 * 95);
    // Retention is 7..=30 days and the backups span 6 days: after 8 days some are gone.
    state.purge_expired(now + chrono::Duration::days(8));
    let left = automatic(&state);
    assert!(left < 3 * 95 && left > 0, "{left}");
    assert_eq!(state.all.select(None).len(), state.backups.len());
    let per_server: usize = state.servers.values().map(|s| s.index.select(None).len()).sum();
    assert_eq!(per_server, state.backups.len());
    state.purge_expired(now + chrono::Duration::days(40));
    assert_eq!(automatic(&state), 0);
    assert_eq!(state.all.select(Some(BackupType::Manual)).len(), 15, "manual backups never expire");
    assert!(state.expiry.is_empty());
}

#[test]
fn a_completion_delay_past_the_end_of_time_means_never() {
    let seed = Seed::vendor_examples();
    let start = seed.clock_start_time().unwrap();
    // `--complete-after 100000000000000m`: fits a chrono duration, not a date.
    let forever = Duration::from_secs(100_000_000_000_000 * 60);
    let mut state = State::new(seed, start, forever);
    let created = state.create(12345, String::new(), start).unwrap();
    let stored = &state.backups[&created.id];
    assert_eq!(stored.completes_at, Some(DateTime::<Utc>::MAX_UTC));
    assert_eq!(stored.status_at(start).0, BackupStatus::InProgress);
}

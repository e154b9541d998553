//! Unit tests of `src/retry.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

fn server_error(status: u16, retry_after: Option<u64>) -> Error {
    Error::Server {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        code: None,
        detail: None,
        retry_after: retry_after.map(Duration::from_secs),
        request_id: None,
    }
}

#[test]
fn schedule_doubles_up_to_the_cap() {
    let policy = RetryPolicy::default()
        .max_attempts(5)
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(300));
    let delays: Vec<Duration> =
        std::iter::successors(Some(policy.initial_backoff), |d| Some(policy.next_delay(*d)))
            .take(4)
            .collect();
    assert_eq!(delays, [100, 200, 300, 300].map(Duration::from_millis));
    // A cap below the first delay does not shrink it; huge delays saturate.
    let inverted = RetryPolicy::default()
        .initial_backoff(Duration::from_secs(5))
        .max_backoff(Duration::from_secs(1));
    assert_eq!(inverted.next_delay(inverted.initial_backoff), Duration::from_secs(5));
    let huge = RetryPolicy::default().initial_backoff(Duration::MAX).max_backoff(Duration::MAX);
    assert_eq!(huge.next_delay(Duration::MAX), Duration::MAX);
    assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
}

/// Jitter spreads retries: draws differ, and cover the range.
#[test]
fn random_fractions_are_spread_over_zero_to_one() {
    let draws: Vec<f64> = (0..2000).map(|_| random_fraction()).collect();
    assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
    let low = draws.iter().filter(|d| **d < 0.25).count();
    let high = draws.iter().filter(|d| **d >= 0.75).count();
    // Each quarter expects 500; a fair source lands far inside these bounds.
    assert!((350..650).contains(&low) && (350..650).contains(&high), "{low} {high}");
    let distinct: std::collections::HashSet<u64> = draws.iter().map(|d| d.to_bits()).collect();
    assert!(distinct.len() > 1990);
}

#[test]
fn full_jitter_stays_within_the_delay() {
    for _ in 0..1000 {
        assert!(full_jitter(Duration::from_millis(100)) <= Duration::from_millis(100));
        let _ = full_jitter(Duration::MAX);
    }
}

#[test]
fn retry_after_wins_over_the_schedule_within_the_budget() {
    let policy = RetryPolicy::default().budget(Duration::from_secs(10));
    let error = server_error(503, Some(3));
    let scheduled = Some(Duration::from_millis(100));
    assert_eq!(policy.delay(&error, scheduled, Duration::ZERO), Some(Duration::from_secs(3)));
    // Waiting 3 s more would pass the 10 s budget.
    assert_eq!(policy.delay(&error, scheduled, Duration::from_secs(8)), None);
    // Attempts used up.
    assert_eq!(policy.delay(&error, None, Duration::ZERO), None);
    // Retry-After is not capped by max_backoff, only by the budget.
    let short_cap = policy.clone().max_backoff(Duration::from_secs(1));
    assert_eq!(short_cap.delay(&error, scheduled, Duration::ZERO), Some(Duration::from_secs(3)));
    // Ignoring Retry-After falls back to the jittered schedule.
    let ignoring = policy.honor_retry_after(false);
    assert!(
        ignoring.delay(&error, scheduled, Duration::ZERO).unwrap() <= Duration::from_millis(100)
    );
}

#[test]
fn non_idempotent_operations_retry_only_what_never_left() {
    let policy = RetryPolicy::default();
    let create = Operation::Create { server_id: 1 };
    let list = Operation::List { page: 1 };
    let refused = Error::Transport { may_have_reached_server: false, source: "refused".into() };
    let reset = Error::Transport { may_have_reached_server: true, source: "reset".into() };
    let throttled = Error::RateLimited {
        retry_after: None,
        code: Some("throttled".into()),
        detail: None,
        request_id: None,
    };
    assert!(policy.should_retry(create, &refused));
    assert!(policy.should_retry(create, &throttled));
    assert!(!policy.should_retry(create, &reset));
    assert!(!policy.should_retry(create, &server_error(503, None)));
    assert!(!policy.should_retry(create, &server_error(500, None)));
    assert!(policy.should_retry(list, &reset));
    assert!(policy.should_retry(list, &server_error(503, None)));
    assert!(!policy.should_retry(list, &server_error(500, None)));
}

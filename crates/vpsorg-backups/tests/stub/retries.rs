//! Which failures are retried, how often, and what is never retried.

use std::time::Duration;

use serde_json::json;
use std::sync::{Arc, Mutex};

use vpsorg_backups::{Error, RetriedOperation, RetryPolicy};

use crate::support::{Reply, Stub, backup, fast_retries, page};

fn ok_page() -> Reply {
    Reply::json(200, page(1, [7]))
}

#[tokio::test]
async fn transient_failures_of_a_listing_are_retried() {
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "<h1>busy</h1>").header("Retry-After", "0"),
        Reply::raw(502, "text/html", "<h1>bad gateway</h1>"),
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
        Reply::HangUp,
        ok_page(),
    ])
    .await;
    let client =
        stub.builder().retry(crate::support::fast_retries().max_attempts(5)).build().unwrap();
    let page = client.backups().list().send().await.unwrap();
    assert_eq!(page.backups[0].id, 7);
    assert_eq!(stub.requests().len(), 5);
}

/// The `on_retry` hook hears of every retry, with what failed and how long the wait is,
/// and of every poll the waiter repeats after its own retries gave up.
#[tokio::test]
async fn the_retry_hook_hears_of_every_retry() {
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "<h1>busy</h1>").header("Retry-After", "0"),
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
        ok_page(),
        // The waiter: one failed poll (retries off below), then the backup, completed.
        Reply::raw(502, "text/html", "<h1>bad gateway</h1>"),
        Reply::json(200, json!({"count": 1, "results": [backup(7, 12345, "completed")]})),
    ])
    .await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    let client = stub
        .builder()
        .retry(fast_retries().max_attempts(5))
        .on_retry(move |notice| {
            log.lock().unwrap().push((
                notice.operation,
                notice.attempt,
                notice.error.status().map(|s| s.as_u16()),
                notice.delay,
            ));
        })
        .build()
        .unwrap();
    client.backups().list().send().await.unwrap();
    client
        .backups()
        .wait_until_completed((12345, 7))
        .retry(RetryPolicy::none())
        .poll_interval(Duration::from_millis(1))
        .send()
        .await
        .unwrap();
    let heard = heard.lock().unwrap();
    let seen: Vec<_> = heard.iter().map(|(op, n, status, _)| (*op, *n, *status)).collect();
    assert_eq!(
        seen,
        [
            (RetriedOperation::ListBackups, 1, Some(503)),
            (RetriedOperation::ListBackups, 2, Some(429)),
            (RetriedOperation::WaitUntilCompleted, 1, Some(502)),
        ]
    );
    // Retry-After: 0 is honoured as sent.
    assert_eq!(heard[0].3, Duration::ZERO);
    assert!(format!("{client:?}").contains("on_retry: true"));
}

#[tokio::test]
async fn a_timed_out_listing_is_retried() {
    // Generous enough that the second, prompt answer never times out on a busy machine.
    let stub = Stub::sequence(vec![Reply::Stall, ok_page()]).await;
    let client = stub.builder().timeout(Duration::from_secs(1)).build().unwrap();
    let page = client.backups().list().send().await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_return_the_last_error() {
    let stub = Stub::always(Reply::raw(503, "text/html", "<h1>down</h1>")).await;
    let client =
        stub.builder().retry(crate::support::fast_retries().max_attempts(3)).build().unwrap();
    let error = client.backups().list().send().await.unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert!(error.is_retryable());
    assert_eq!(stub.requests().len(), 3);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let stub = Stub::always(Reply::raw(503, "text/html", "<h1>down</h1>")).await;
    let client = stub.builder().retry(RetryPolicy::none()).build().unwrap();
    client.backups().list().send().await.unwrap_err();
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn a_retry_after_past_the_budget_ends_the_retries() {
    let stub = Stub::always(
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "3600"),
    )
    .await;
    let client = stub
        .builder()
        .retry(crate::support::fast_retries().budget(Duration::from_secs(60)))
        .build()
        .unwrap();
    let error = client.backups().list().send().await.unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(3600))
    );
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn errors_that_will_not_change_are_not_retried() {
    for reply in [
        Reply::json(400, json!({"page_size": ["Too big."]})),
        Reply::json(401, json!({"detail": "Invalid token.", "code": "authentication_failed"})),
        Reply::json(500, json!({"detail": "A server error occurred.", "code": "error"})),
        Reply::raw(200, "application/json", "not json"),
    ] {
        let stub = Stub::always(reply).await;
        stub.client().backups().list().send().await.unwrap_err();
        assert_eq!(stub.requests().len(), 1);
    }
}

#[tokio::test]
async fn create_and_restore_are_never_resent_once_they_may_have_arrived() {
    for reply in [
        Reply::raw(503, "text/html", "<h1>busy</h1>").header("Retry-After", "0"),
        Reply::raw(502, "text/html", "<h1>bad gateway</h1>"),
        Reply::HangUp,
    ] {
        let stub = Stub::always(reply).await;
        let client = stub.client();
        let create = client.backups().create(1).send().await.unwrap_err();
        let restore = client.servers().restore(1, 2).send().await.unwrap_err();
        // (The create's answer is then looked for in a listing, which fails the same way.)
        let posts = stub.requests().iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts, 2, "one request each");
        assert!(create.is_outcome_unknown(), "{create:?}");
        assert!(restore.is_outcome_unknown(), "{restore:?}");
        assert!(!create.is_retryable());
    }
}

#[tokio::test]
async fn create_and_restore_retry_a_429_because_nothing_ran() {
    let throttled = Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
        .header("Retry-After", "0");
    let mut created = backup(9, 1, "in_progress");
    created["message"] = json!("Backup is being created.");
    let restored = json!({
        "server": {"id": 1, "name": "server-1"},
        "backup_id": 2,
        "status": "restoring",
    });
    // Index 0 is the listing before the create.
    let stub = Stub::start(move |request, index| match (index, request.path()) {
        (0, _) => Reply::json(200, json!({"count": 0, "results": []})),
        (1 | 3, _) => throttled.clone(),
        (_, "/api/v1/backups/") => Reply::json(201, created.clone()),
        _ => Reply::json(202, restored.clone()),
    })
    .await;
    let client = stub.client();
    assert_eq!(client.backups().create(1).send().await.unwrap().backup.id, 9);
    let restore = client.servers().restore(1, 2).send().await.unwrap();
    assert_eq!(restore.backup_id, 2);
    assert_eq!(stub.requests().len(), 5, "each throttled once, then sent once more");

    // Throttled every time: the last 429 comes back as it is, not as an unknown outcome.
    let stub = Stub::always(
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
    )
    .await;
    let error = stub.client().backups().create(1).send().await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(error.is_retryable() && !error.is_outcome_unknown());
    let posts = stub.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, fast_retries().attempts() as usize, "every attempt the policy allows");
}

#[tokio::test]
async fn a_retried_delete_that_finds_the_backup_gone_succeeded() {
    let stub = Stub::sequence(vec![
        // The first attempt deleted it, but the answer was lost.
        Reply::HangUp,
        Reply::json(404, json!({"detail": "Backup 501 not found.", "code": "backup_not_found"})),
    ])
    .await;
    stub.client().backups().delete(501).send().await.unwrap();
    assert_eq!(stub.requests().len(), 2);

    // After a 503 the first attempt may also have deleted it.
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy"),
        Reply::json(404, json!({"detail": "Backup 501 not found.", "code": "backup_not_found"})),
    ])
    .await;
    stub.client().backups().delete(501).send().await.unwrap();
}

#[tokio::test]
async fn a_throttled_delete_then_404_is_not_found() {
    // A 429 means the first attempt was refused: the backup never existed.
    let stub = Stub::sequence(vec![
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
        Reply::json(404, json!({"detail": "Backup 501 not found.", "code": "backup_not_found"})),
    ])
    .await;
    let error = stub.client().backups().delete(501).send().await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // A date in the past: retry at once.
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy").header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ok_page(),
    ])
    .await;
    let page = stub.client().backups().list().send().await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn a_call_can_override_the_clients_retry_policy() {
    let busy = Reply::raw(503, "text/html", "<h1>busy</h1>").header("Retry-After", "0");

    // The client never retries; this listing does, three times in all.
    let stub = Stub::always(busy.clone()).await;
    let client = stub.builder().retry(RetryPolicy::none()).build().unwrap();
    client.backups().list().send().await.unwrap_err();
    assert_eq!(stub.requests().len(), 1);
    let error =
        client.backups().list().retry(fast_retries().max_attempts(3)).send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(stub.requests().len(), 4);

    // The client retries; this deletion and these polls do not.
    let stub = Stub::always(busy).await;
    let client = stub.client();
    client.backups().delete(7).retry(RetryPolicy::none()).send().await.unwrap_err();
    assert_eq!(stub.requests().len(), 1);
    let error = client
        .backups()
        .wait_until_completed((1, 7))
        .retry(RetryPolicy::none())
        .poll_interval(Duration::from_millis(50))
        .timeout(Duration::from_millis(60))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WaitTimeout { .. }), "{error:?}");
    // At most two polls fit in 60 ms (the second pause is at least 62 ms in); with the
    // client's four attempts, the first poll alone would send four requests.
    let requests = stub.requests().len() - 1;
    assert!((1..=2).contains(&requests), "one request per poll, got {requests}");

    // A throttled create and restore with retries turned off: sent once each.
    let stub = Stub::always(
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
    )
    .await;
    let client = stub.client();
    let error = client.backups().create(1).retry(RetryPolicy::none()).send().await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    let error = client.servers().restore(1, 2).retry(RetryPolicy::none()).send().await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    let posts = stub.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 2);
    assert_eq!(stub.requests().len(), 3, "and the create's listing before, once");
}

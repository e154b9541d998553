//! Which failures are retried, how often, and what is never retried.

use std::time::Duration;

use serde_json::json;
use vpsorg_backups::{Client, Error, RetryPolicy};

use crate::support::{Logs, Reply, Stub, TOKEN, backup, page, refused_url};

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
    let client = stub
        .builder()
        .retry(crate::support::fast_retries().max_attempts(5))
        .build()
        .unwrap();
    let page = client.backups().list().send().await.unwrap();
    assert_eq!(page.backups[0].id, 7);
    assert_eq!(stub.requests().len(), 5);
}

#[tokio::test]
async fn a_timed_out_listing_is_retried() {
    let stub = Stub::sequence(vec![Reply::Stall, ok_page()]).await;
    let client = stub
        .builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let page = client.backups().list().send().await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_return_the_last_error() {
    let stub = Stub::always(Reply::raw(503, "text/html", "<h1>down</h1>")).await;
    let client = stub
        .builder()
        .retry(crate::support::fast_retries().max_attempts(3))
        .build()
        .unwrap();
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
        Reply::json(
            401,
            json!({"detail": "Invalid token.", "code": "authentication_failed"}),
        ),
        Reply::json(
            500,
            json!({"detail": "A server error occurred.", "code": "error"}),
        ),
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
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
    ] {
        let stub = Stub::always(reply).await;
        let client = stub.client();
        let create = client.backups().create(1).send().await.unwrap_err();
        let restore = client.servers().restore(1, 2).send().await.unwrap_err();
        assert_eq!(stub.requests().len(), 2, "one request each");
        if !matches!(create, Error::RateLimited { .. }) {
            assert!(create.is_outcome_unknown(), "{create:?}");
            assert!(restore.is_outcome_unknown(), "{restore:?}");
            assert!(!create.is_retryable());
        }
    }
}

#[tokio::test]
async fn create_is_retried_when_the_connection_was_never_made() {
    let logs = Logs::default();
    let _guard = logs.install();
    let client = Client::builder()
        .token(TOKEN)
        .base_url(refused_url().await)
        .retry(crate::support::fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let error = client.backups().create(1).send().await.unwrap_err();
    assert!(matches!(
        error,
        Error::Transport {
            may_have_reached_server: false,
            ..
        }
    ));
    let text = logs.text();
    assert!(text.contains("attempt=3"), "{text}");
    assert!(!text.contains("attempt=4"), "{text}");
    assert!(text.contains("operation=\"create_backup\""), "{text}");
    assert!(!text.contains(TOKEN));
}

#[tokio::test]
async fn a_retried_delete_that_finds_the_backup_gone_succeeded() {
    let stub = Stub::sequence(vec![
        // The first attempt deleted it, but the answer was lost.
        Reply::HangUp,
        Reply::json(
            404,
            json!({"detail": "Backup 501 not found.", "code": "backup_not_found"}),
        ),
    ])
    .await;
    stub.client().backups().delete(501).send().await.unwrap();
    assert_eq!(stub.requests().len(), 2);

    // After a 503 the first attempt may also have deleted it.
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy"),
        Reply::json(
            404,
            json!({"detail": "Backup 501 not found.", "code": "backup_not_found"}),
        ),
    ])
    .await;
    stub.client().backups().delete(501).send().await.unwrap();
}

#[tokio::test]
async fn each_attempt_is_one_span_without_the_token() {
    let logs = Logs::default();
    let _guard = logs.install();
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy").header("X-Request-Id", "req-1"),
        Reply::json(
            200,
            json!({"count": 1, "results": [backup(7, 3, "completed")]}),
        ),
    ])
    .await;
    stub.client()
        .backups()
        .list()
        .server_id(3)
        .send()
        .await
        .unwrap();
    let text = logs.text();
    let closes: Vec<&str> = text.lines().filter(|line| line.contains("close")).collect();
    assert_eq!(closes.len(), 2, "{text}");
    for (attempt, status) in [(1, 503), (2, 200)] {
        let line = closes[attempt - 1];
        for field in [
            "vpsorg_backups.request".to_owned(),
            "operation=\"list_backups\"".to_owned(),
            "method=\"GET\"".to_owned(),
            "path=\"/api/v1/backups/\"".to_owned(),
            format!("attempt={attempt}"),
            format!("status={status}"),
            "elapsed_ms=".to_owned(),
        ] {
            assert!(line.contains(&field), "{field} missing from {line}");
        }
    }
    assert!(text.contains("retrying"), "{text}");
    assert!(!text.contains(TOKEN), "the token leaked into the logs");
    assert!(
        !text.contains("Bearer"),
        "the authorization header leaked into the logs"
    );
}

#[tokio::test]
async fn a_throttled_delete_then_404_is_not_found() {
    // A 429 means the first attempt was refused: the backup never existed.
    let stub = Stub::sequence(vec![
        Reply::json(429, json!({"detail": "slow down", "code": "throttled"}))
            .header("Retry-After", "0"),
        Reply::json(
            404,
            json!({"detail": "Backup 501 not found.", "code": "backup_not_found"}),
        ),
    ])
    .await;
    let error = stub
        .client()
        .backups()
        .delete(501)
        .send()
        .await
        .unwrap_err();
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

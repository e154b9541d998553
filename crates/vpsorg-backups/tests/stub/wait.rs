//! Waiting for a backup: success, failure, disappearance, timeout, progress.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use vpsorg_backups::{BackupStatus, Error, RetryPolicy};

use crate::support::{Reply, Stub, backup};

/// Lists backup 502 of server 12345 with these statuses, one per poll, then the last.
async fn statuses(statuses: &'static [&'static str]) -> Stub {
    Stub::start(move |_, index| {
        let status = statuses[index.min(statuses.len() - 1)];
        Reply::json(
            200,
            json!({"count": 2, "results": [backup(503, 12345, "completed"), backup(502, 12345, status)]}),
        )
    })
    .await
}

fn fast(wait: vpsorg_backups::WaitUntilCompleted) -> vpsorg_backups::WaitUntilCompleted {
    wait.poll_interval(Duration::from_millis(2)).max_poll_interval(Duration::from_millis(5))
}

#[tokio::test]
async fn waits_until_completed_and_reports_each_change() {
    let stub = statuses(&["in_progress", "in_progress", "completed"]).await;
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = changes.clone();
    let backup = fast(stub.client().backups().wait_until_completed((12345, 502)))
        .on_status_change(move |change| {
            seen.lock().unwrap().push((
                change.previous.clone(),
                change.backup.status.clone(),
                change.polls,
            ))
        })
        .send()
        .await
        .unwrap();
    assert_eq!((backup.id, backup.status), (502, BackupStatus::Completed));
    assert_eq!(
        *changes.lock().unwrap(),
        [
            (None, BackupStatus::InProgress, 1),
            (Some(BackupStatus::InProgress), BackupStatus::Completed, 3),
        ]
    );
    let requests = stub.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        assert_eq!(request.query("server_id").as_deref(), Some("12345"));
    }
}

#[tokio::test]
async fn a_completed_backup_needs_one_poll() {
    let stub = statuses(&["completed"]).await;
    let client = stub.client();
    let listed = client.backups().list().send().await.unwrap();
    let backup = client.backups().wait_until_completed(&listed.backups[1]).send().await.unwrap();
    assert_eq!(backup.id, 502);
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn wait_errors_say_what_happened() {
    let mut report = String::new();

    let stub = statuses(&["in_progress", "failed"]).await;
    let error =
        fast(stub.client().backups().wait_until_completed((12345, 502))).send().await.unwrap_err();
    assert!(matches!(&error, Error::BackupFailed { backup, .. } if backup.id == 502));
    report.push_str(&format!("failed: {error}\n"));

    // Never listed (an unknown id, or a backup of another server): nothing was waited for.
    let stub = statuses(&["in_progress"]).await;
    let error =
        fast(stub.client().backups().wait_until_completed((12345, 999))).send().await.unwrap_err();
    assert!(matches!(error, Error::BackupNotListed { server_id: 12345, backup_id: 999, .. }));
    assert_eq!(stub.requests().len(), 1);
    report.push_str(&format!("never listed: {error}\n"));

    // Listed at the first poll, gone at the second: deleted while waiting.
    let stub = Stub::start(|_, index| {
        let results =
            if index == 0 { json!([backup(502, 12345, "in_progress")]) } else { json!([]) };
        Reply::json(200, json!({"count": results.as_array().unwrap().len(), "results": results}))
    })
    .await;
    let error =
        fast(stub.client().backups().wait_until_completed((12345, 502))).send().await.unwrap_err();
    assert!(matches!(error, Error::BackupDisappeared { server_id: 12345, backup_id: 502, .. }));
    report.push_str(&format!("gone: {error}\n"));

    // Every poll throttled until the timeout: the state was never seen, and the error says
    // why.
    let stub = Stub::always(
        Reply::json(429, json!({"detail": "Request was throttled.", "code": "throttled"}))
            .header("Retry-After", "0"),
    )
    .await;
    let client = stub.builder().retry(RetryPolicy::none()).build().unwrap();
    let error = fast(client.backups().wait_until_completed((12345, 502)))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    let Error::WaitTimeout { last_status: None, last_error: Some(last_error), .. } = &error else {
        panic!("expected a timeout with the last failure, got {error:?}");
    };
    assert!(matches!(**last_error, Error::RateLimited { .. }));
    assert!(std::error::Error::source(&error).is_some());
    assert!(stub.requests().len() >= 2, "polled more than once");
    let waited = format!("in {}s", error_waited(&error));
    report.push_str(&format!("never seen: {}\n", error.to_string().replace(&waited, "in [n]s")));

    let stub = statuses(&["in_progress"]).await;
    let error = fast(stub.client().backups().wait_until_completed((12345, 502)))
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    let Error::WaitTimeout { last_status, backup_id, .. } = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!((last_status, *backup_id), (&Some(BackupStatus::InProgress), 502));
    let waited = format!("after {}s", error_waited(&error));
    report.push_str(&format!("timeout: {}\n", error.to_string().replace(&waited, "after [n]s")));

    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn transient_poll_failures_are_waited_through() {
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy"),
        Reply::json(200, json!({"count": 1, "results": [backup(502, 12345, "completed")]})),
    ])
    .await;
    let client = stub.builder().retry(RetryPolicy::none()).build().unwrap();
    let backup = fast(client.backups().wait_until_completed((12345, 502))).send().await.unwrap();
    assert_eq!(backup.id, 502);
}

#[tokio::test]
async fn other_poll_failures_end_the_wait() {
    let stub = Stub::always(Reply::json(
        401,
        json!({"detail": "Invalid token.", "code": "authentication_failed"}),
    ))
    .await;
    let error =
        fast(stub.client().backups().wait_until_completed((12345, 502))).send().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }));
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn unknown_statuses_are_waited_through() {
    let stub = statuses(&["queued", "completed"]).await;
    let backup =
        fast(stub.client().backups().wait_until_completed((12345, 502))).send().await.unwrap();
    assert_eq!(backup.status, BackupStatus::Completed);
}

fn error_waited(error: &Error) -> u64 {
    match error {
        Error::WaitTimeout { waited, .. } => waited.as_secs(),
        _ => 0,
    }
}

#[tokio::test]
async fn extreme_durations_never_panic() {
    // The longest poll interval there is: the pause is cut short by the timeout, and the
    // next one (1.5 times as long) saturates instead of overflowing.
    let stub = statuses(&["in_progress"]).await;
    let error = stub
        .client()
        .backups()
        .wait_until_completed((12345, 502))
        .poll_interval(Duration::MAX)
        .max_poll_interval(Duration::MAX)
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WaitTimeout { .. }), "{error:?}");

    // No deadline at all, on a client whose timeouts, backoffs and budget are all the
    // longest there is; the retry waits only as long as `Retry-After` says (0 s).
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy").header("Retry-After", "0"),
        Reply::json(200, json!({"count": 1, "results": [backup(502, 12345, "completed")]})),
    ])
    .await;
    let client = stub
        .builder()
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX)
                .budget(Duration::MAX),
        )
        .build()
        .unwrap();
    let backup = client
        .backups()
        .wait_until_completed((12345, 502))
        .poll_interval(Duration::MAX)
        .max_poll_interval(Duration::MAX)
        .timeout(Duration::MAX)
        .send()
        .await
        .unwrap();
    assert_eq!(backup.id, 502);
    assert_eq!(stub.requests().len(), 2);
}

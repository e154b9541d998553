//! What the crate logs through `tracing`: one span per HTTP attempt, with the operation,
//! method, path, attempt, status and elapsed time, and never the token.
//!
//! One test in a binary of its own, with a global subscriber: see `support::Logs`.

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use support::{Logs, Reply, Stub, TOKEN, backup, fast_retries, refused_url};
use vpsorg_backups::{Client, Error};

#[tokio::test]
async fn one_span_per_attempt_and_never_the_token() {
    let logs = Logs::default();
    logs.install_globally();

    // A listing that succeeds on its second attempt.
    let stub = Stub::sequence(vec![
        Reply::raw(503, "text/html", "busy").header("X-Request-Id", "req-1"),
        Reply::json(200, json!({"count": 1, "results": [backup(7, 3, "completed")]})),
    ])
    .await;
    stub.client().backups().list().server_id(3).send().await.unwrap();
    let text = logs.text();
    let closes: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("vpsorg_backups.request") && line.contains("close"))
        .collect();
    assert_eq!(closes.len(), 2, "{text}");
    for (attempt, status) in [(1, 503), (2, 200)] {
        let line = closes[attempt - 1];
        for field in [
            "operation=\"list_backups\"".to_owned(),
            "method=\"GET\"".to_owned(),
            "path=\"/api/v1/backups/?server_id=3\"".to_owned(),
            format!("attempt={attempt}"),
            format!("status={status}"),
            "elapsed_ms=".to_owned(),
        ] {
            assert!(line.contains(&field), "{field} missing from {line}");
        }
    }
    assert!(text.contains("retrying"), "{text}");

    // A create whose connection is refused is retried: it never reached the API.
    logs.clear();
    let client = Client::builder()
        .token(TOKEN)
        .base_url(refused_url().await)
        .retry(fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let error = client.backups().create(1).send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { may_have_reached_server: false, .. }));
    let text = logs.text();
    assert!(text.contains("operation=\"create_backup\""), "{text}");
    assert!(text.contains("attempt=3"), "{text}");
    assert!(!text.contains("attempt=4"), "{text}");

    // Every operation, failing and succeeding: the token shows nowhere.
    logs.clear();
    let stub = Stub::start(|request, _| match request.method.as_str() {
        "GET" => Reply::json(200, json!({"count": 1, "results": [backup(7, 3, "completed")]})),
        _ => Reply::raw(503, "text/html", "busy"),
    })
    .await;
    let client = stub.client();
    client.backups().list().send().await.unwrap();
    let errors = [
        client.backups().create(3).send().await.map(drop),
        client.backups().delete(7).send().await,
        client.servers().restore(3, 7).send().await.map(drop),
    ];
    for error in errors {
        let error = error.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
    let text = logs.text();
    assert!(text.contains("restore_server"), "{text}");
    assert!(!text.contains(TOKEN), "the token leaked into the logs");
    assert!(!text.contains("Bearer"), "the authorization header leaked into the logs");
}

//! Every kind of error, produced over real HTTP on loopback, with its `Display` snapshotted.

use std::time::Duration;

use crate::support::{Reply, Stub, TOKEN, page, refused_url};
use futures::TryStreamExt;
use serde_json::json;
use vpsorg_backups::{Client, Error, PaginationIssue, Resource, RetryPolicy};

/// Which call a scenario makes.
#[derive(Clone, Copy)]
enum Call {
    List,
    Create,
    Delete,
    Restore,
}

async fn call(client: &Client, call: Call) -> Error {
    let result = match call {
        Call::List => client.backups().list().send().await.map(drop),
        Call::Create => client.backups().create(12345).send().await.map(drop),
        Call::Delete => client.backups().delete(501).send().await,
        Call::Restore => client.servers().restore(12345, 501).send().await.map(drop),
    };
    match result {
        Ok(()) => panic!("expected an error"),
        Err(error) => error,
    }
}

/// One line per error: the variant, `Display`, and the helpers.
fn describe(name: &str, error: &Error) -> String {
    let debug = format!("{error:?}");
    let variant = debug.split([' ', '{', '(']).next().unwrap_or_default().to_owned();
    format!(
        "{name}\n  {variant}: {error}\n  status={:?} retryable={} code={:?} request_id={:?} retry_after={:?}\n",
        error.status().map(|status| status.as_u16()),
        error.is_retryable(),
        error.code(),
        error.request_id(),
        error.retry_after(),
    )
}

fn error_body(detail: &str, code: &str) -> serde_json::Value {
    json!({"detail": detail, "code": code})
}

#[tokio::test]
async fn every_api_error_maps_to_its_variant() {
    let scenarios: Vec<(&str, Call, Reply)> = vec![
        (
            "401 without a token",
            Call::List,
            Reply::json(
                401,
                error_body(
                    "Authentication credentials were not provided.",
                    "not_authenticated",
                ),
            )
            .header("X-Request-Id", "req-401"),
        ),
        (
            "401 with a wrong token",
            Call::List,
            Reply::json(401, error_body("Invalid token.", "authentication_failed")),
        ),
        (
            "403",
            Call::Delete,
            Reply::json(
                403,
                error_body(
                    "You do not have permission to perform this action.",
                    "permission_denied",
                ),
            ),
        ),
        (
            "404 unknown server on create",
            Call::Create,
            Reply::json(404, error_body("Server 12345 not found.", "server_not_found")),
        ),
        (
            "404 unknown backup on delete",
            Call::Delete,
            Reply::json(404, error_body("Backup 501 not found.", "backup_not_found")),
        ),
        (
            "404 unknown server on restore",
            Call::Restore,
            Reply::json(404, error_body("Server 12345 not found.", "server_not_found")),
        ),
        (
            "404 unknown backup on restore",
            Call::Restore,
            Reply::json(404, error_body("Backup 501 not found.", "backup_not_found")),
        ),
        (
            "404 on restore without a code",
            Call::Restore,
            Reply::raw(404, "text/html", "<h1>Not Found</h1>"),
        ),
        (
            "404 invalid page",
            Call::List,
            Reply::json(404, error_body("Invalid page.", "not_found")),
        ),
        (
            "400 manual backup limit",
            Call::Create,
            Reply::json(
                400,
                error_body(
                    "Server 12345 already has 10 manual backups, the most allowed. Delete one before creating another.",
                    "manual_backup_limit_reached",
                ),
            )
            .header("X-Request-Id", "req-limit"),
        ),
        (
            "400 field errors",
            Call::Create,
            Reply::json(
                400,
                json!({"server_id": ["This field is required."], "description": ["Too long.", "Really."]}),
            ),
        ),
        (
            "400 backup of another server",
            Call::Restore,
            Reply::json(
                400,
                error_body(
                    "Backup 501 belongs to server 12345, not server 67890.",
                    "backup_server_mismatch",
                ),
            ),
        ),
        (
            "400 backup not completed",
            Call::Restore,
            Reply::json(
                400,
                error_body(
                    "Backup 502 is in_progress; only completed backups can be restored.",
                    "backup_not_completed",
                ),
            ),
        ),
        (
            "415",
            Call::Create,
            Reply::json(
                415,
                error_body(
                    "Unsupported media type \"text/plain\" in request.",
                    "unsupported_media_type",
                ),
            ),
        ),
        (
            "429 with Retry-After",
            Call::List,
            Reply::json(
                429,
                error_body(
                    "Request was throttled. Expected available in 30 seconds.",
                    "throttled",
                ),
            )
            .header("Retry-After", "30"),
        ),
        (
            "500 with the API's JSON",
            Call::List,
            Reply::json(500, error_body("A server error occurred.", "error")),
        ),
        (
            "502 with a proxy's HTML page",
            Call::List,
            Reply::raw(
                502,
                "text/html",
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
            .header("X-Request-Id", "req-502"),
        ),
        (
            "503 with Retry-After",
            Call::Delete,
            Reply::raw(503, "text/html", "<h1>Maintenance</h1>").header("Retry-After", "120"),
        ),
        (
            "418, a status no operation documents",
            Call::List,
            Reply::json(418, error_body("I'm a teapot.", "teapot")),
        ),
        (
            "a 302 redirect to another origin",
            Call::List,
            Reply::empty(302).header("Location", "https://elsewhere.example.test/steal"),
        ),
        (
            "200 whose body is not the documented JSON",
            Call::List,
            Reply::raw(200, "application/json", "{\"count\": \"many\", \"results\": []}"),
        ),
        (
            "201 whose body is HTML",
            Call::Create,
            Reply::raw(201, "text/html", "<html>created\n<b>ok</b></html>"),
        ),
        (
            "503 on create",
            Call::Create,
            Reply::raw(503, "text/html", "<h1>Service Unavailable</h1>"),
        ),
        ("a hang-up on restore", Call::Restore, Reply::HangUp),
        ("a hang-up on list", Call::List, Reply::HangUp),
    ];

    let mut report = String::new();
    for (name, which, reply) in scenarios {
        let stub = Stub::always(reply).await;
        let client = stub.builder().retry(RetryPolicy::none()).build().unwrap();
        let error = call(&client, which).await;
        assert!(!format!("{error} {error:?}").contains(TOKEN), "{name}");
        assert!(!error.to_string().contains('\n'), "{name}: one line");
        report.push_str(&describe(name, &error));
    }
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn errors_without_a_response_map_to_their_variants() {
    let mut report = String::new();

    let client = Client::builder()
        .token(TOKEN)
        .base_url(refused_url().await)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = call(&client, Call::List).await;
    assert!(matches!(error, Error::Transport { may_have_reached_server: false, .. }));
    report.push_str(&describe("connection refused", &error));
    // Nothing was sent, so the outcome of a create is known: nothing happened.
    let error = call(&client, Call::Create).await;
    assert!(!error.is_outcome_unknown());
    report.push_str(&describe("connection refused on create", &error));

    let stub = Stub::always(Reply::Stall).await;
    let client = stub
        .builder()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = call(&client, Call::List).await;
    assert!(matches!(error, Error::Timeout { may_have_reached_server: true, .. }));
    report.push_str(&describe("no answer in time", &error));
    let error = call(&client, Call::Restore).await;
    assert!(error.is_outcome_unknown());
    report.push_str(&describe("no answer in time on restore", &error));

    let error =
        Client::builder().token(TOKEN).base_url("http://backups.example.test").build().unwrap_err();
    report.push_str(&describe("http:// to a remote host", &error));
    let error = Client::builder().build().unwrap_err();
    report.push_str(&describe("no token", &error));

    let stub = Stub::always(Reply::json(200, page(0, []))).await;
    let client = stub.client();
    let error = client.backups().list().page_size(101).send().await.unwrap_err();
    report.push_str(&describe("page size 101", &error));
    let error = client.backups().create(1).description("x".repeat(256)).send().await.unwrap_err();
    report.push_str(&describe("a description of 256 characters", &error));
    assert!(stub.requests().is_empty(), "invalid input is never sent");

    let stub = Stub::always(Reply::json(200, page(6, [3, 2, 1]))).await;
    let error = stub
        .client()
        .backups()
        .list()
        .page_size(3)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Pagination { issue: PaginationIssue::NoProgress { page: 2 }, .. }
    ));
    report.push_str(&describe("a server that ignores paging", &error));

    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn not_found_says_which_resource() {
    let stub = Stub::always(Reply::json(
        404,
        json!({"detail": "Backup 501 not found.", "code": "backup_not_found"}),
    ))
    .await;
    let error = stub.client().backups().delete(501).send().await.unwrap_err();
    assert!(matches!(error, Error::NotFound { resource: Resource::Backup(501), .. }));
    assert_eq!(error.detail(), Some("Backup 501 not found."));
    // A plain 404 on the first attempt is not a retried delete: no success is invented.
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn error_is_send_sync_static() {
    fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
    assert_traits::<Error>();
}

#[tokio::test]
async fn decode_errors_keep_a_short_clean_excerpt() {
    let body = format!("<html>\n{}\n</html>", "x".repeat(1000));
    let stub = Stub::always(Reply::raw(200, "text/html", &body)).await;
    let error = stub.client().backups().list().send().await.unwrap_err();
    let Error::Decode { status, excerpt, .. } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(status.as_u16(), 200);
    assert!(excerpt.starts_with("<html> xxx"), "{excerpt}");
    assert_eq!(excerpt.chars().count(), 201, "200 characters and an ellipsis");
    assert!(!excerpt.chars().any(char::is_control));
    assert!(!error.to_string().contains("<html>"), "Display never shows the body");
}

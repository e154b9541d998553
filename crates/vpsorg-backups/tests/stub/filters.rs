//! A filtered listing is verified, not trusted: a server (or a proxy in front of it) that
//! ignores `server_id` or `backup_type` fails the listing, in every path that lists.

use futures::TryStreamExt;
use serde_json::{Value, json};
use vpsorg_backups::{BackupType, Error};

use crate::support::{Reply, Stub, backup};

/// Like a proxy that drops the query: the same list, whatever the filters say. Server
/// 12345's manual 501 and 499, server 67890's 500, and 12345's automatic 498.
async fn ignores_filters() -> Stub {
    let mut automatic = backup(498, 12345, "completed");
    automatic["backup_type"] = json!("automatic");
    let results: Vec<Value> = vec![
        backup(501, 12345, "completed"),
        backup(500, 67890, "completed"),
        backup(499, 12345, "completed"),
        automatic,
    ];
    Stub::always(Reply::json(200, json!({"count": 4, "results": results}))).await
}

#[track_caller]
fn assert_mismatch(error: &Error, server: Option<i64>, kind: Option<&str>, id: i64) {
    match error {
        Error::FilterMismatch { server_id, backup_type, backup, .. } => {
            assert_eq!(*server_id, server);
            assert_eq!(backup_type.as_ref().map(BackupType::as_str), kind);
            assert_eq!(backup.id, id);
        }
        other => panic!("expected a filter mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn every_listing_path_refuses_a_backup_outside_its_filter() {
    let stub = ignores_filters().await;
    let client = stub.client();
    let by_server = || client.backups().list().server_id(12345);

    let error = by_server().send().await.unwrap_err();
    assert_mismatch(&error, Some(12345), None, 500);
    assert_eq!(
        error.to_string(),
        "listing stopped: asked for the backups of server 12345, the API listed backup 500 of \
         server 67890 of type manual: it (or a proxy) ignored the filter"
    );
    assert!(!error.is_retryable());

    // Nothing of the page is yielded: not even 501, which matches.
    let mut items = by_server().items();
    assert_mismatch(&items.try_next().await.unwrap_err(), Some(12345), None, 500);
    let pages: Result<Vec<_>, _> = by_server().concurrency(4).pages().try_collect().await;
    assert_mismatch(&pages.unwrap_err(), Some(12345), None, 500);

    let by_type = client.backups().list().backup_type(BackupType::Manual);
    let error = by_type.send().await.unwrap_err();
    assert_mismatch(&error, None, Some("manual"), 498);
    let both = client
        .backups()
        .list()
        .server_id(12345)
        .backup_type("manual")
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_mismatch(&both, Some(12345), Some("manual"), 500);

    // The waiter polls the server's list: it stops instead of waiting on what it cannot trust.
    let error = client.backups().wait_until_completed((12345, 501)).send().await.unwrap_err();
    assert_mismatch(&error, Some(12345), None, 500);

    // Unfiltered, the same list is fine.
    let all: Vec<_> = client.backups().list().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 4);
}

#[tokio::test]
async fn a_lost_create_is_not_searched_for_in_a_list_that_ignores_its_filter() {
    // The search lists the server's manual backups; this server also lists an automatic one
    // made the same second, with the same (empty) description. It is not the create's.
    let mut automatic = backup(502, 12345, "in_progress");
    automatic["backup_type"] = json!("automatic");
    automatic["description"] = json!("");
    let stub = Stub::start(move |request, _| match request.method.as_str() {
        "POST" => Reply::HangUp,
        _ => Reply::json(200, json!({"count": 1, "results": [automatic.clone()]}))
            .header("Date", "Thu, 16 Jan 2025 15:45:01 GMT"),
    })
    .await;
    let error = stub.client().backups().create(12345).send().await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
}

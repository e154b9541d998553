//! What each call puts on the wire, and the safety of the client's configuration.

use serde_json::json;
use vpsorg_backups::{BackupStatus, BackupType, Client, Error};

use crate::support::{Reply, Stub, TOKEN, backup};

/// Answers each operation with its documented success.
fn api(request: &crate::support::Request, _: usize) -> Reply {
    match (request.method.as_str(), request.path()) {
        ("GET", "/api/v1/backups/") => Reply::json(
            200,
            json!({"count": 1, "next": null, "previous": null, "results": [backup(501, 12345, "completed")]}),
        ),
        ("POST", "/api/v1/backups/") => {
            let mut created = backup(502, 12345, "in_progress");
            created["message"] = json!("Backup is being created.");
            Reply::json(201, created)
        }
        ("DELETE", _) => Reply::empty(204),
        ("POST", "/api/v1/servers/12345/restore/") => Reply::json(
            202,
            json!({"server": {"id": 12345, "name": "web-server-01"}, "backup_id": 501, "status": "restoring", "message": "Restoring."}),
        ),
        _ => Reply::empty(500),
    }
}

#[tokio::test]
async fn each_call_sends_the_documented_request() {
    let stub = Stub::start(api).await;
    let client = stub.client();

    let page = client
        .backups()
        .list()
        .server_id(12345)
        .backup_type(BackupType::Manual)
        .page_size(50)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backups[0].id, 501);
    client.backups().list().page(3).send().await.unwrap();
    let created =
        client.backups().create(12345).description("Pre-deployment backup").send().await.unwrap();
    assert_eq!(created.backup.id, 502);
    assert_eq!(created.backup.status, BackupStatus::InProgress);
    assert_eq!(created.message, "Backup is being created.");
    // It serializes as the API sent it, for `--json` output.
    let wire = serde_json::to_value(&created).unwrap();
    assert_eq!(
        (wire["id"].as_i64(), wire["status"].as_str(), wire["message"].as_str()),
        (Some(502), Some("in_progress"), Some("Backup is being created."))
    );
    client.backups().create(12345).send().await.unwrap();
    client.backups().delete(501).send().await.unwrap();
    let restore = client.servers().restore(12345, 501).send().await.unwrap();
    assert_eq!((restore.backup_id, restore.status.as_str()), (501, "restoring"));

    let requests = stub.requests();
    for request in &requests {
        assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(
            request.header("user-agent"),
            Some(concat!("vpsorg-backups/", env!("CARGO_PKG_VERSION")))
        );
    }
    let wire: Vec<String> = requests.iter().map(|request| request.render()).collect();
    insta::assert_snapshot!(wire.join("\n---\n"));
}

#[tokio::test]
async fn user_agent_and_base_path_are_configurable() {
    let stub = Stub::start(|_, _| Reply::json(200, json!({"count": 0, "results": []}))).await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/prefix/", stub.url))
        .user_agent("my-tool/2.0")
        .build()
        .unwrap();
    client.backups().list().send().await.unwrap();
    let request = &stub.requests()[0];
    assert_eq!(request.target, "/prefix/api/v1/backups/");
    assert_eq!(request.header("user-agent"), Some("my-tool/2.0"));
}

#[tokio::test]
async fn clones_share_one_client() {
    let stub = Stub::start(api).await;
    let client = stub.client();
    let clone = client.clone();
    drop(client);
    clone.backups().delete(1).send().await.unwrap();
    assert_eq!(stub.requests().len(), 1);
    // The escape hatch reaches the same server with the same token.
    let page = clone.raw().list_backups().send().await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(
        stub.requests()[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn redirects_stay_on_the_origin() {
    let elsewhere = Stub::start(api).await;
    let target = format!("{}/api/v1/backups/", elsewhere.url);
    let stub = Stub::start(move |request, _| match request.path() {
        "/api/v1/backups/" => Reply::empty(302).header("Location", &target),
        _ => Reply::json(200, json!({"count": 0, "results": []})),
    })
    .await;
    let error = stub.client().backups().list().send().await.unwrap_err();
    assert!(
        matches!(error, vpsorg_backups::Error::ForeignOrigin { ref origin, .. } if *origin == elsewhere.url),
        "{error:?}"
    );
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");

    // A redirect on the same origin is followed, with the token.
    let stub = Stub::start(|request, _| match request.path() {
        "/old/api/v1/backups/" => Reply::empty(301).header("Location", "/api/v1/backups/"),
        _ => Reply::json(200, json!({"count": 0, "results": []})),
    })
    .await;
    let client =
        Client::builder().token(TOKEN).base_url(format!("{}/old", stub.url)).build().unwrap();
    let page = client.backups().list().send().await.unwrap();
    assert_eq!(page.count, 0);
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].header("authorization").is_some());
}

#[tokio::test]
async fn unknown_values_absent_fields_and_extra_fields_decode() {
    let stub = Stub::always(Reply::json(
        200,
        json!({
            "count": 2,
            "results": [
                {
                    "id": 9, "server": {"id": 1, "name": "a", "region": "eu"},
                    "backup_type": "snapshot", "status": "queued",
                    "created_at": "2025-01-16T03:00:00Z", "description": "",
                    "encrypted": true
                },
                {
                    "id": 8, "server": {"id": 1, "name": "a"},
                    "backup_type": "automatic", "status": "completed", "size_mb": 10,
                    "created_at": "2025-01-15T03:00:00Z", "expires_at": "2025-02-15T03:00:00Z",
                    "description": "Automatic daily backup"
                }
            ],
            "generated_at": "now"
        }),
    ))
    .await;
    let page = stub.client().backups().list().send().await.unwrap();
    let [unknown, known] = &page.backups[..] else {
        panic!("expected two backups, got {page:?}");
    };
    assert!(unknown.backup_type.is_unknown() && unknown.status.is_unknown());
    assert_eq!(unknown.backup_type, BackupType::from("snapshot"));
    assert_eq!(unknown.status.as_str(), "queued");
    assert_eq!((unknown.size_mb, unknown.expires_at), (None, None));
    assert_eq!(known.backup_type, BackupType::Automatic);
    assert_eq!(known.size_mb, Some(10));
    assert!(known.expires_at.is_some());
    assert!(!page.has_next);
}

#[tokio::test]
async fn undocumented_success_statuses_are_accepted() {
    let stub = Stub::start(|request, _| match request.method.as_str() {
        // The contract says 202 and 204; these answer 200.
        "POST" => Reply::json(
            200,
            json!({"server": {"id": 1, "name": "a"}, "backup_id": 5, "status": "restoring"}),
        ),
        _ => Reply::json(200, json!({"detail": "Deleted."})),
    })
    .await;
    let client = stub.client();
    let restore = client.servers().restore(1, 5).send().await.unwrap();
    assert_eq!(restore.backup_id, 5);
    assert_eq!(restore.message, None);
    client.backups().delete(5).send().await.unwrap();
}

#[tokio::test]
async fn an_undocumented_success_that_does_not_decode_keeps_its_request_id() {
    // The contract says 202; this answers 200 with a body that is not a restore.
    let stub = Stub::always(
        Reply::json(200, json!({"unexpected": true})).header("X-Request-Id", "req-undocumented"),
    )
    .await;
    let error = stub.client().servers().restore(1, 5).send().await.unwrap_err();
    // Accepted all the same (issue 18): the restore runs.
    assert!(
        matches!(&error, Error::AnswerUnreadable { status, source, .. }
            if status.as_u16() == 200 && matches!(**source, Error::Decode { .. })),
        "{error:?}"
    );
    assert_eq!(error.request_id(), Some("req-undocumented"));
}

#[test]
fn handles_futures_and_streams_can_move_across_threads() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>(_: &T) {}
    let client = Client::builder().token(TOKEN).build().unwrap();
    send_sync(&client);
    send(&client.backups().list().send());
    send(&client.backups().list().items());
    send(&client.backups().list().pages());
    send(&client.backups().create(1).send());
    send(&client.backups().delete(1).send());
    send(&client.servers().restore(1, 2).send());
    send(&client.backups().wait_until_completed((1, 2)).on_status_change(|_| {}).send());
}

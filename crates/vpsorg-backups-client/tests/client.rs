//! The generated client against the vendor's examples and a recording stub server on loopback.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vpsorg_backups_client::types::{
    BackupList, BackupStatus, BackupType, CreateBackupRequestDescription, CreatedBackup,
};
use vpsorg_backups_client::{Client, capture_response_head};

const TOKEN: &str = "test-token-9f8e7d";
const VENDOR_LIST: &str = include_str!("fixtures/vendor_list_response.json");
const VENDOR_CREATE: &str = include_str!("fixtures/vendor_create_response.json");

#[test]
fn the_vendors_list_example_decodes() {
    let page: BackupList = serde_json::from_str(VENDOR_LIST).unwrap();
    assert_eq!(page.count, 3);
    assert_eq!((page.next, page.previous), (None, None), "absent links decode as None");
    let ids: Vec<i64> = page.results.iter().map(|b| b.id).collect();
    assert_eq!(ids, [501, 499, 495]);
    let manual = &page.results[1];
    assert_eq!(manual.backup_type, BackupType::Manual);
    assert_eq!(manual.status, BackupStatus::Completed);
    assert_eq!(manual.size_mb, Some(4456));
    assert_eq!(manual.expires_at, None, "manual backups do not expire");
    assert_eq!(manual.server.name, "web-server-01");
    assert_eq!(manual.created_at.to_rfc3339(), "2025-01-14T10:30:00+00:00");
    assert_eq!(&*page.results[0].description, "Automatic daily backup");
    assert!(page.results[0].expires_at.is_some());
}

#[test]
fn generated_types_compare_with_eq() {
    let page: BackupList = serde_json::from_str(VENDOR_LIST).unwrap();
    let again: BackupList = serde_json::from_str(VENDOR_LIST).unwrap();
    assert_eq!(page, again);
    assert_eq!(page.results[0], again.results[0]);
    assert_ne!(page.results[0], page.results[1]);
    assert_eq!(page.results[0].server, page.results[1].server);
}

#[test]
fn the_vendors_create_example_decodes() {
    let created: CreatedBackup = serde_json::from_str(VENDOR_CREATE).unwrap();
    assert_eq!(created.id, 502);
    assert_eq!(created.status, BackupStatus::InProgress);
    assert_eq!(created.size_mb, None);
    assert_eq!(created.server.id, 12345);
    assert!(created.message.starts_with("Backup is being created."));
}

#[test]
fn an_over_long_description_is_refused_before_sending() {
    let long = "x".repeat(256);
    assert!(long.parse::<CreateBackupRequestDescription>().is_err());
    assert!("x".repeat(255).parse::<CreateBackupRequestDescription>().is_ok());
}

#[test]
fn absent_nullable_fields_and_extra_fields_are_accepted() {
    let json = r#"{"id": 7, "server": {"id": 1, "name": "a", "region": "eu"}, "backup_type": "manual",
        "status": "in_progress", "created_at": "2025-01-16T15:45:00Z", "description": "",
        "checksum": "sha256:00"}"#;
    let backup: vpsorg_backups_client::types::Backup = serde_json::from_str(json).unwrap();
    assert_eq!((backup.size_mb, backup.expires_at), (None, None));
}

/// One request as the stub server received it.
#[derive(Debug, Serialize)]
struct Recorded {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
    body: Option<serde_json::Value>,
}

/// A loopback server that records every request and answers with a canned response.
struct Stub {
    base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

async fn start_stub(respond: fn(&Method, &str) -> Response) -> Stub {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(name, value)| {
                        let value = value.to_str().unwrap_or("<not UTF-8>");
                        let value = match name.as_str() {
                            "authorization" if value == format!("Bearer {TOKEN}") => {
                                "Bearer [token]".to_string()
                            }
                            "host" => "127.0.0.1:[port]".to_string(),
                            _ => value.to_string(),
                        };
                        (name.to_string(), value)
                    })
                    .collect();
                let response = respond(&method, uri.path());
                log.lock().unwrap().push(Recorded {
                    method: method.to_string(),
                    path: uri.path().to_string(),
                    query: uri.query().map(str::to_string),
                    headers,
                    body: (!body.is_empty()).then(|| serde_json::from_slice(&body).unwrap()),
                });
                response
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Stub { base_url, requests }
}

fn json(status: StatusCode, body: &str) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn vendor_responses(method: &Method, path: &str) -> Response {
    match (method.as_str(), path) {
        ("GET", "/api/v1/backups/") => json(StatusCode::OK, VENDOR_LIST),
        ("POST", "/api/v1/backups/") => json(StatusCode::CREATED, VENDOR_CREATE),
        ("DELETE", _) => StatusCode::NO_CONTENT.into_response(),
        ("POST", _) => json(
            StatusCode::ACCEPTED,
            r#"{"server": {"id": 12345, "name": "web-server-01"}, "backup_id": 501, "status": "restoring"}"#,
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The generated client with the token in a sensitive default `Authorization` header, the way
/// the crate README shows.
fn client(base_url: &str) -> Client {
    let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}")).unwrap();
    auth.set_sensitive(true);
    let http = reqwest::Client::builder()
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::AUTHORIZATION,
            auth,
        )]))
        .build()
        .unwrap();
    Client::new_with_client(base_url, http)
}

#[tokio::test]
async fn every_operation_sends_the_documented_request() {
    let stub = start_stub(vendor_responses).await;
    let client = client(&stub.base_url);

    let page = client
        .list_backups()
        .server_id(12345)
        .backup_type(BackupType::Manual)
        .page(2)
        .page_size(50)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.results.len(), 3);

    let created = client
        .create_backup()
        .body_map(|body| {
            let description: CreateBackupRequestDescription =
                "Pre-deployment backup".parse().unwrap();
            body.server_id(12345).description(description)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, 502);

    let deleted = client.delete_backup().backup_id(501).send().await.unwrap();
    assert_eq!(deleted.status(), 204);

    let restore = client
        .restore_server()
        .server_id(12345)
        .body_map(|body| body.backup_id(501))
        .send()
        .await
        .unwrap();
    assert_eq!(restore.backup_id, 501);

    let requests = stub.requests.lock().unwrap();
    for request in requests.iter() {
        // The token travels in exactly one place, and only as a bearer credential.
        assert_eq!(request.headers["authorization"], "Bearer [token]", "{request:?}");
    }
    insta::assert_yaml_snapshot!("wire_requests", *requests);
}

#[tokio::test]
async fn unknown_enum_values_are_kept_not_fatal() {
    fn future_api(_: &Method, _: &str) -> Response {
        json(
            StatusCode::OK,
            &VENDOR_LIST.replacen(r#""automatic""#, r#""snapshot""#, 1).replacen(
                r#""completed""#,
                r#""restoring""#,
                1,
            ),
        )
    }
    let stub = start_stub(future_api).await;
    let page = client(&stub.base_url).list_backups().send().await.unwrap();
    assert!(page.results[0].backup_type.is_unknown());
    assert_eq!(page.results[0].backup_type.as_str(), "snapshot");
    assert_eq!(page.results[0].status, BackupStatus::from("restoring"));
    assert!(page.results[0].status.is_unknown());
    assert_eq!(page.results[1].backup_type, BackupType::Manual);
    let round_trip = serde_json::to_value(&page.results[0]).unwrap();
    assert_eq!(round_trip["backup_type"], "snapshot");
}

#[tokio::test]
async fn the_status_of_an_undecodable_response_is_captured() {
    fn proxy_error(_: &Method, _: &str) -> Response {
        (
            StatusCode::BAD_GATEWAY,
            [
                ("content-type", "text/html"),
                ("retry-after", "3"),
                ("x-request-id", "req-42"),
                ("set-cookie", "s=1"),
            ],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response()
    }
    let stub = start_stub(proxy_error).await;
    let client = client(&stub.base_url);
    let (result, head) = capture_response_head(client.list_backups().send()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, vpsorg_backups_client::Error::InvalidResponsePayload(..)), "{error:?}");
    assert_eq!(error.status(), None, "progenitor loses the status here");
    let head = head.expect("a response arrived");
    assert_eq!(head.status, 502);
    assert_eq!(head.headers["retry-after"], "3");
    assert_eq!(head.headers["x-request-id"], "req-42");
    assert_eq!(head.headers.len(), 3, "only the kept headers: {:?}", head.headers);
}

#[tokio::test]
async fn no_head_is_captured_without_a_response() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener); // nothing listens there now: the connection is refused
    let client = client(&base_url);
    let (result, head) = capture_response_head(client.list_backups().send()).await;
    assert!(matches!(result, Err(vpsorg_backups_client::Error::CommunicationError(_))));
    assert!(head.is_none());
}

/// progenitor turns reqwest's default features off; without a TLS feature every https call
/// fails with "scheme is not http". With rustls the request gets as far as the TLS handshake.
#[tokio::test]
async fn https_urls_reach_the_tls_handshake() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hang up: the handshake fails, which proves it was attempted.
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let error =
        client(&format!("https://127.0.0.1:{port}")).list_backups().send().await.unwrap_err();
    let vpsorg_backups_client::Error::CommunicationError(error) = error else {
        panic!("expected a communication error, got {error:?}");
    };
    assert!(!error.is_builder(), "{error:?}");
    let chain = format!("{error:?}");
    assert!(!chain.contains("scheme is not http"), "{chain}");
}

/// Downstream crates embed the generated types in their own JSON schemas.
#[test]
fn generated_types_have_json_schemas() {
    let schema = serde_json::to_value(schemars::schema_for!(BackupList)).unwrap();
    let definitions = &schema["definitions"];
    assert_eq!(schema["required"], serde_json::json!(["count", "results"]));
    assert_eq!(definitions["Backup"]["properties"]["id"]["type"], "integer");
    assert_eq!(definitions["BackupType"]["type"], "string");
    assert_eq!(definitions["BackupType"]["examples"], serde_json::json!(["manual", "automatic"]));
}

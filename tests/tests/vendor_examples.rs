//! The vendor's own examples (its curl commands and Python `requests` calls), sent to the fake
//! server with the same method, URL, headers and body, get the documented responses.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde_json::Value;
use vpsorg_backups_mock::{MockServer, Seed};

const TOKEN: &str = "YOUR_API_TOKEN";
const VENDOR_LIST: &str =
    include_str!("../../crates/vpsorg-backups-client/tests/fixtures/vendor_list_response.json");
const VENDOR_CREATE: &str =
    include_str!("../../crates/vpsorg-backups-client/tests/fixtures/vendor_create_response.json");

/// The body of the vendor's `curl -d '...'`, byte for byte (curl sends it as written).
const CURL_CREATE_BODY: &str = r#"{
    "server_id": 12345,
    "description": "Pre-deployment backup"
  }"#;

async fn vendor_server() -> MockServer {
    MockServer::builder().token(TOKEN).seed(Seed::vendor_examples()).start().await.unwrap()
}

/// The headers curl 7/8 sends, plus the vendor's `-H` flags.
fn curl_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("User-Agent", "curl/8.5.0".parse().unwrap());
    headers.insert("Accept", "*/*".parse().unwrap());
    headers.insert("Authorization", format!("Bearer {TOKEN}").parse().unwrap());
    headers.insert("Content-Type", "application/json".parse().unwrap());
    headers
}

/// The headers `requests` 2.x sends by default, plus the vendor's `headers` dict.
fn python_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("User-Agent", "python-requests/2.32.3".parse().unwrap());
    headers.insert("Accept-Encoding", "gzip, deflate".parse().unwrap());
    headers.insert("Accept", "*/*".parse().unwrap());
    headers.insert("Connection", "keep-alive".parse().unwrap());
    headers.insert("Authorization", format!("Bearer {TOKEN}").parse().unwrap());
    headers.insert("Content-Type", "application/json".parse().unwrap());
    headers
}

/// One request and its answer, for the snapshot.
#[derive(Debug, Serialize)]
struct Exchange {
    request: String,
    status: u16,
    body: Value,
}

async fn send(
    server: &MockServer,
    method: Method,
    path_and_query: &str,
    headers: HeaderMap,
    body: Option<&str>,
) -> Exchange {
    let mut request =
        reqwest::Client::new().request(method.clone(), server.url(path_and_query)).headers(headers);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    Exchange {
        request: format!("{method} {path_and_query}"),
        status,
        body: if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() },
    }
}

fn vendor(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn the_vendors_curl_examples_get_the_documented_answers() {
    let server = vendor_server().await;
    let list =
        send(&server, Method::GET, "/api/v1/backups/?server_id=12345", curl_headers(), None).await;
    assert_eq!(list.status, 200, "Backup list retrieved successfully");
    let expected = vendor(VENDOR_LIST);
    assert_eq!(list.body["count"], expected["count"]);
    assert_eq!(list.body["results"], expected["results"]);

    let created =
        send(&server, Method::POST, "/api/v1/backups/", curl_headers(), Some(CURL_CREATE_BODY))
            .await;
    assert_eq!(created.status, 201, "Backup creation started successfully");
    let mut body = created.body.clone();
    let mut expected = vendor(VENDOR_CREATE);
    let created_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["created_at"].take()).unwrap();
    let vendors: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(expected["created_at"].take()).unwrap();
    assert_eq!(body, expected, "the vendor's example, id 502 included");
    assert!(created_at >= vendors && created_at <= server.now());

    let deleted = send(&server, Method::DELETE, "/api/v1/backups/501/", curl_headers(), None).await;
    assert_eq!(deleted.status, 204, "Backup deleted successfully");
    assert_eq!(deleted.body, Value::Null);

    let again = send(&server, Method::DELETE, "/api/v1/backups/501/", curl_headers(), None).await;
    assert_eq!(again.status, 404, "Not found — the backup does not exist");
}

#[tokio::test]
async fn the_vendors_python_examples_get_the_documented_answers() {
    let server = vendor_server().await;
    // requests.get(url, headers=headers, params={"server_id": 12345}); print(response.json())
    let list =
        send(&server, Method::GET, "/api/v1/backups/?server_id=12345", python_headers(), None)
            .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["results"], vendor(VENDOR_LIST)["results"]);

    // requests.post(url, headers=headers, json=data): json.dumps's default separators.
    let data = r#"{"server_id": 12345, "description": "Pre-deployment backup"}"#;
    let created =
        send(&server, Method::POST, "/api/v1/backups/", python_headers(), Some(data)).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["id"], 502);
    assert_eq!(created.body["description"], "Pre-deployment backup");

    // requests.delete(...); print(response.status_code)
    let deleted =
        send(&server, Method::DELETE, "/api/v1/backups/501/", python_headers(), None).await;
    assert_eq!(deleted.status, 204);
}

#[tokio::test]
async fn the_vendors_examples_without_a_token_are_401() {
    let server = vendor_server().await;
    let mut headers = curl_headers();
    headers.remove("Authorization");
    let list = send(&server, Method::GET, "/api/v1/backups/?server_id=12345", headers, None).await;
    assert_eq!(list.status, 401, "Unauthorized — invalid or missing authentication token");
    let mut headers = curl_headers();
    headers.insert("Authorization", "Bearer WRONG_TOKEN".parse().unwrap());
    let create =
        send(&server, Method::POST, "/api/v1/backups/", headers, Some(CURL_CREATE_BODY)).await;
    assert_eq!(create.status, 401);
    assert_eq!(server.backups().len(), 5);
}

/// The vendor's walk-through as a reviewer would read it: list, create, delete, restore.
#[tokio::test]
async fn transcript_of_the_vendors_examples() {
    let server = vendor_server().await;
    let mut transcript = Vec::new();
    for (method, path, body) in [
        (Method::GET, "/api/v1/backups/?server_id=12345", None),
        (Method::POST, "/api/v1/backups/", Some(CURL_CREATE_BODY)),
        (Method::DELETE, "/api/v1/backups/495/", None),
        (Method::DELETE, "/api/v1/backups/495/", None),
        (Method::POST, "/api/v1/servers/12345/restore/", Some(r#"{"backup_id": 501}"#)),
    ] {
        transcript.push(send(&server, method, path, curl_headers(), body).await);
    }
    insta::assert_yaml_snapshot!(transcript, {
        "[].body.created_at" => insta::dynamic_redaction(|value, _| {
            // Seeded backups keep the vendor's times; only the new one's depends on the clock.
            match value.as_str() {
                Some(t) if t.starts_with("2025-01-16T15:4") => "[about 2025-01-16T15:45:00Z]".into(),
                _ => value,
            }
        }),
    });
}

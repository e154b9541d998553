//! The fake server against the contract: every operation is driven to every status code that
//! `openapi/backups.yaml` documents for it (429 and 5XX by injected faults), and every body is
//! validated against the schema the spec declares for that status, by `xtask::spec::Spec`,
//! which reads the YAML and not the generated client. A sweep of odd inputs must only get
//! documented statuses with valid bodies, and never a 5xx.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde_json::{Value, json};
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};
use xtask::spec::Spec;

const TOKEN: &str = "conformance-token";
const BACKUPS: &str = "/api/v1/backups/";

/// An answer that passed the checks.
#[derive(Debug)]
struct Checked {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

/// One request and its answer, for the snapshot.
#[derive(Debug, Serialize)]
struct Exchange {
    request: String,
    status: u16,
    body: Value,
}

struct Conformance {
    spec: Spec,
    server: MockServer,
    http: reqwest::Client,
    /// `(operationId, response key)` pairs seen: `"200"`, `"5XX"`, ….
    hits: BTreeSet<(String, String)>,
    /// Interesting exchanges, for the snapshot.
    transcript: Vec<Exchange>,
}

impl Conformance {
    async fn start(builder: vpsorg_backups_mock::MockServerBuilder) -> Self {
        Self {
            spec: Spec::load().expect("the spec loads"),
            server: builder.token(TOKEN).start().await.unwrap(),
            http: reqwest::Client::new(),
            hits: BTreeSet::new(),
            transcript: Vec::new(),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.server.url(path)).bearer_auth(TOKEN)
    }

    fn json_request(&self, method: Method, path: &str, body: &Value) -> RequestBuilder {
        self.request(method, path).json(body)
    }

    /// Sends a request for `operation_id` and checks the answer against the spec: the status
    /// is documented, the body matches its schema (or is empty when none is declared), and
    /// without `faulted` it is not a 5xx.
    async fn check(
        &mut self,
        operation_id: &str,
        label: &str,
        request: RequestBuilder,
        faulted: bool,
    ) -> Checked {
        let response = request.send().await.unwrap_or_else(|e| panic!("{label}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        assert!(
            faulted || status < 500,
            "{label}: {status} without a fault: {}",
            String::from_utf8_lossy(&bytes)
        );
        let json: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{label}: {status} body is not JSON ({e}): {bytes:?}"))
        };
        let has_body = self
            .spec
            .validate_response(operation_id, status, &json)
            .unwrap_or_else(|e| panic!("{label}: contradicts the spec: {e}\nbody: {json}"));
        if has_body {
            let content_type =
                headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
            assert!(content_type.starts_with("application/json"), "{label}: {content_type}");
        } else {
            assert!(bytes.is_empty(), "{label}: {status} declares no body");
        }
        let exact = status.to_string();
        let key = if self.documented().contains(&(operation_id.to_string(), exact.clone())) {
            exact
        } else {
            format!("{}XX", status / 100)
        };
        self.hits.insert((operation_id.to_string(), key));
        Checked { status, headers, json }
    }

    /// Like [`check`](Self::check), and keeps the exchange for the snapshot.
    async fn record(
        &mut self,
        operation_id: &str,
        label: &str,
        request: RequestBuilder,
    ) -> Checked {
        let checked = self.check(operation_id, label, request, false).await;
        let body = redact_base_url(checked.json.clone(), self.server.base_url());
        self.transcript.push(Exchange { request: label.to_string(), status: checked.status, body });
        checked
    }

    /// Every `(operationId, response key)` the spec documents.
    fn documented(&self) -> BTreeSet<(String, String)> {
        let mut documented = BTreeSet::new();
        for (_, _, operation) in self.spec.openapi.operations() {
            let id = operation.operation_id.clone().unwrap_or_default();
            for code in operation.responses.responses.keys() {
                let key = match code {
                    openapiv3::StatusCode::Code(n) => n.to_string(),
                    openapiv3::StatusCode::Range(n) => format!("{n}XX"),
                };
                documented.insert((id.clone(), key));
            }
        }
        documented
    }
}

fn redact_base_url(value: Value, base_url: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace(base_url, "http://127.0.0.1:[port]")),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact_base_url(v, base_url)).collect())
        }
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, redact_base_url(v, base_url))).collect())
        }
        other => other,
    }
}

/// Drives every operation to every documented status, and checks that nothing was missed.
#[tokio::test]
async fn every_documented_status_is_reached_and_matches_its_schema() {
    let mut c = Conformance::start(
        MockServer::builder()
            .seed(Seed::vendor_examples())
            .complete_after(Duration::from_secs(3600)),
    )
    .await;
    let list = "listBackups";
    let create = "createBackup";
    let delete = "deleteBackup";
    let restore = "restoreServer";

    // listBackups
    let r = c
        .record(
            list,
            "GET ?server_id=12345",
            c.request(Method::GET, "/api/v1/backups/?server_id=12345"),
        )
        .await;
    assert_eq!((r.status, r.json["count"].as_i64()), (200, Some(3)));
    let r = c
        .record(
            list,
            "GET ?page=2&page_size=2",
            c.request(Method::GET, "/api/v1/backups/?page=2&page_size=2"),
        )
        .await;
    assert!(r.json["next"].is_string() && r.json["previous"].is_string());
    c.check(
        list,
        "GET ?backup_type=manual",
        c.request(Method::GET, "/api/v1/backups/?backup_type=manual"),
        false,
    )
    .await;
    c.check(
        list,
        "GET ?server_id=24680 (no backups)",
        c.request(Method::GET, "/api/v1/backups/?server_id=24680"),
        false,
    )
    .await;
    let r = c
        .record(
            list,
            "GET ?backup_type=snapshot&page_size=101",
            c.request(Method::GET, "/api/v1/backups/?backup_type=snapshot&page_size=101"),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = c.record(list, "GET without a token", c.http.get(c.server.url(BACKUPS))).await;
    assert_eq!(r.status, 401);
    let r = c
        .record(
            list,
            "GET with a wrong token",
            c.http.get(c.server.url(BACKUPS)).bearer_auth("wrong"),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = c.record(list, "GET ?page=9", c.request(Method::GET, "/api/v1/backups/?page=9")).await;
    assert_eq!(r.status, 404);

    // createBackup
    let vendor_body = json!({"server_id": 12345, "description": "Pre-deployment backup"});
    let r = c
        .check(
            create,
            "POST vendor body",
            c.json_request(Method::POST, BACKUPS, &vendor_body),
            false,
        )
        .await;
    assert_eq!(r.status, 201);
    let in_progress = r.json["id"].as_i64().unwrap();
    let r = c.record(create, "POST {}", c.json_request(Method::POST, BACKUPS, &json!({}))).await;
    assert_eq!(r.status, 400);
    let r = c
        .record(
            create,
            "POST malformed JSON",
            c.request(Method::POST, BACKUPS)
                .header("Content-Type", "application/json")
                .body("{\"server_id\": "),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = c
        .record(
            create,
            "POST description of 256 characters",
            c.json_request(
                Method::POST,
                BACKUPS,
                &json!({"server_id": 12345, "description": "d".repeat(256)}),
            ),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = c
        .record(
            create,
            "POST unknown server",
            c.json_request(Method::POST, BACKUPS, &json!({"server_id": 999})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .record(
            create,
            "POST form-encoded",
            c.request(Method::POST, BACKUPS)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("server_id=12345"),
        )
        .await;
    assert_eq!(r.status, 415);
    let r = c
        .check(
            create,
            "POST without a token",
            c.http.post(c.server.url(BACKUPS)).json(&vendor_body),
            false,
        )
        .await;
    assert_eq!(r.status, 401);
    // 12345 now has two manual backups (499 and the one above): eight more fit.
    for _ in 0..8 {
        let r = c
            .check(
                create,
                "POST to fill the slots",
                c.json_request(Method::POST, BACKUPS, &json!({"server_id": 12345})),
                false,
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let r = c
        .record(
            create,
            "POST an 11th manual backup",
            c.json_request(Method::POST, BACKUPS, &json!({"server_id": 12345})),
        )
        .await;
    assert_eq!(r.json["code"], "manual_backup_limit_reached");

    // deleteBackup
    let r = c
        .check(delete, "DELETE 495", c.request(Method::DELETE, "/api/v1/backups/495/"), false)
        .await;
    assert_eq!(r.status, 204);
    let r = c
        .record(delete, "DELETE 495 again", c.request(Method::DELETE, "/api/v1/backups/495/"))
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .check(
            delete,
            "DELETE without a token",
            c.http.delete(c.server.url("/api/v1/backups/501/")),
            false,
        )
        .await;
    assert_eq!(r.status, 401);

    // restoreServer
    let path = "/api/v1/servers/12345/restore/";
    let r = c
        .record(
            restore,
            "POST restore 12345 from 501",
            c.json_request(Method::POST, path, &json!({"backup_id": 501})),
        )
        .await;
    assert_eq!(r.status, 202);
    let r = c
        .record(
            restore,
            "POST restore without backup_id",
            c.json_request(Method::POST, path, &json!({})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = c
        .record(
            restore,
            "POST restore 67890 from 501",
            c.json_request(
                Method::POST,
                "/api/v1/servers/67890/restore/",
                &json!({"backup_id": 501}),
            ),
        )
        .await;
    assert_eq!(r.json["code"], "backup_server_mismatch");
    let r = c
        .record(
            restore,
            "POST restore from a backup in progress",
            c.json_request(Method::POST, path, &json!({"backup_id": in_progress})),
        )
        .await;
    assert_eq!(r.json["code"], "backup_not_completed");
    let r = c
        .record(
            restore,
            "POST restore server 999",
            c.json_request(
                Method::POST,
                "/api/v1/servers/999/restore/",
                &json!({"backup_id": 501}),
            ),
        )
        .await;
    assert_eq!(r.json["code"], "server_not_found");
    let r = c
        .record(
            restore,
            "POST restore from 777",
            c.json_request(Method::POST, path, &json!({"backup_id": 777})),
        )
        .await;
    assert_eq!(r.json["code"], "backup_not_found");
    let r = c
        .check(
            restore,
            "POST restore as text",
            c.request(Method::POST, path).header("Content-Type", "text/plain").body("501"),
            false,
        )
        .await;
    assert_eq!(r.status, 415);
    let r = c
        .check(
            restore,
            "POST restore without a token",
            c.http.post(c.server.url(path)).json(&json!({"backup_id": 501})),
            false,
        )
        .await;
    assert_eq!(r.status, 401);

    // 429 and 5XX only happen through faults; their bodies must match the spec too.
    let requests: [(&str, Operation, Method, &str, Option<Value>); 4] = [
        (list, Operation::ListBackups, Method::GET, BACKUPS, None),
        (create, Operation::CreateBackup, Method::POST, BACKUPS, Some(json!({"server_id": 67890}))),
        (delete, Operation::DeleteBackup, Method::DELETE, "/api/v1/backups/497/", None),
        (
            restore,
            Operation::RestoreServer,
            Method::POST,
            "/api/v1/servers/67890/restore/",
            Some(json!({"backup_id": 497})),
        ),
    ];
    let before = c.server.backups();
    for (operation_id, operation, method, path, body) in requests {
        for fault in [
            Fault::throttled(2),
            Fault::status(500),
            Fault::status(502),
            Fault::status(503).header("Retry-After", "1"),
            Fault::status(504),
        ] {
            c.server.inject(fault.on(operation));
            let mut request = c.request(method.clone(), path);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let r =
                c.check(operation_id, &format!("{operation_id} with a fault"), request, true).await;
            if r.status == 429 {
                assert_eq!(r.headers.get("retry-after").unwrap(), "2");
            }
        }
    }
    assert_eq!(c.server.backups(), before, "no replaced answer changed state");

    let documented = c.documented();
    let missed: Vec<_> = documented.difference(&c.hits).collect();
    assert!(missed.is_empty(), "statuses the spec documents but the test never saw: {missed:?}");
    assert!(c.hits.is_subset(&documented));
    insta::assert_yaml_snapshot!("answers", c.transcript);
}

/// Faults that only add what the spec allows (unknown fields, padding, absent links, delay)
/// still conform; the ones that break the contract are caught by the same validator.
#[tokio::test]
async fn faults_that_keep_the_contract_conform_and_the_others_are_caught() {
    let mut c = Conformance::start(MockServer::builder().seed(Seed::vendor_examples())).await;
    for fault in [
        Fault::extra_fields(),
        Fault::large_body(256 * 1024),
        Fault::missing_field("next"),
        Fault::missing_field("size_mb"),
        Fault::latency(Duration::from_millis(1)),
    ] {
        let label = format!("list with {fault}");
        c.server.inject(fault.on(Operation::ListBackups));
        let r = c.check("listBackups", &label, c.request(Method::GET, BACKUPS), true).await;
        assert_eq!(r.status, 200, "{label}");
    }
    for fault in [
        Fault::unknown_enum("backup_type", "snapshot"),
        Fault::unknown_enum("status", "restoring"),
        Fault::missing_field("id"),
        Fault::missing_field("results"),
    ] {
        c.server.inject(fault.clone().on(Operation::ListBackups));
        let body: Value =
            c.request(Method::GET, BACKUPS).send().await.unwrap().json().await.unwrap();
        let verdict = c.spec.validate_response("listBackups", 200, &body);
        assert!(verdict.is_err(), "{fault} should contradict the spec");
    }
    c.server.inject(Fault::malformed_json().on(Operation::ListBackups));
    let text = c.request(Method::GET, BACKUPS).send().await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    c.server.inject(Fault::wrong_content_type().on(Operation::ListBackups));
    let response = c.request(Method::GET, BACKUPS).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
}

/// Odd inputs of every kind: only documented statuses, valid bodies, no 5xx.
#[tokio::test]
async fn odd_inputs_get_documented_answers_and_never_a_5xx() {
    let mut c = Conformance::start(MockServer::builder().seed(Seed::generated(3, 30))).await;
    for query in [
        "",
        "server_id=10001",
        "server_id=-1",
        "server_id=0",
        "server_id=1e3",
        "server_id=%00",
        "server_id=%20",
        "server_id=10001.0",
        "backup_type=MANUAL",
        "backup_type=manual&backup_type=automatic",
        "page=1&page_size=1",
        "page=90&page_size=1",
        "page=91&page_size=1",
        "page_size=-1",
        "page_size=100",
        "page_size=1000000000000000000000",
        "page=%F0%9F%92%A5",
        "page=01",
        "page= 2",
        "a=b&&&=&==",
        "%",
        "server_id=10001&server_id=",
        "backup_type=%00",
        "page_size=1&page=18446744073709551616",
    ] {
        c.check(
            "listBackups",
            &format!("GET ?{query}"),
            c.request(Method::GET, &format!("{BACKUPS}?{query}")),
            false,
        )
        .await;
    }
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", br#"{"server_id": 10001, "description": ""}"#.to_vec()),
        ("application/json", br#"{"server_id": 10002.0}"#.to_vec()),
        ("application/json", b" \n{\"server_id\": 10003}\n ".to_vec()),
        ("application/json", br#"{"server_id": 10001, "server_id": 999}"#.to_vec()),
        ("application/json", br#"{"server_id": {"id": 10001}}"#.to_vec()),
        ("application/json", br#"{"server_id": 10001, "description": ["a"]}"#.to_vec()),
        ("application/json", b"\xef\xbb\xbf{\"server_id\": 10001}".to_vec()),
        ("application/json", deep.clone().into_bytes()),
        ("application/json", b"{\"server_id\": 10001} trailing".to_vec()),
        ("application/json", b"\x00\x01\x02".to_vec()),
        ("application/json;charset=latin-1", br#"{"server_id": 10001}"#.to_vec()),
        ("multipart/form-data; boundary=x", b"--x--".to_vec()),
        ("", br#"{"server_id": 10001}"#.to_vec()),
        ("application/json", vec![b' '; 2 * 1024 * 1024]),
    ];
    for (content_type, body) in &bodies {
        let mut request = c.request(Method::POST, BACKUPS).body(body.clone());
        if !content_type.is_empty() {
            request = request.header("Content-Type", *content_type);
        }
        let label =
            format!("POST {content_type} {}", String::from_utf8_lossy(&body[..body.len().min(40)]));
        c.check("createBackup", &label, request, false).await;
        let mut request =
            c.request(Method::POST, "/api/v1/servers/10001/restore/").body(body.clone());
        if !content_type.is_empty() {
            request = request.header("Content-Type", *content_type);
        }
        c.check("restoreServer", &format!("restore {label}"), request, false).await;
    }
    for path in [
        "/api/v1/backups/1/",
        "/api/v1/backups/1/",
        "/api/v1/backups/00002/",
        "/api/v1/backups/%20/",
        "/api/v1/backups/1.5/",
        "/api/v1/backups/0/",
        "/api/v1/backups/-3/",
        "/api/v1/backups/9223372036854775808/",
        "/api/v1/backups/%E2%82%AC/",
    ] {
        c.check("deleteBackup", &format!("DELETE {path}"), c.request(Method::DELETE, path), false)
            .await;
    }
    for (path, body) in [
        ("/api/v1/servers/10001/restore/", json!({"backup_id": 4})),
        ("/api/v1/servers/10001/restore/", json!({"backup_id": 5})),
        ("/api/v1/servers/10001/restore/", json!({"backup_id": -5})),
        ("/api/v1/servers/10001/restore/", json!({"backup_id": null})),
        ("/api/v1/servers/10001/restore/", json!([{"backup_id": 4}])),
        ("/api/v1/servers/0/restore/", json!({"backup_id": 4})),
        ("/api/v1/servers/99999999999999999999/restore/", json!({"backup_id": 4})),
        ("/api/v1/servers/x/restore/", json!({"backup_id": 4})),
    ] {
        c.check(
            "restoreServer",
            &format!("POST {path} {body}"),
            c.json_request(Method::POST, path, &body),
            false,
        )
        .await;
    }
}

//! Every fault kind over real HTTP, and what each does to state.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::Api;
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

const BACKUPS: &str = "/api/v1/backups/";

fn count(api: &Api, server_id: i64) -> usize {
    api.server.backups_of(server_id).len()
}

#[tokio::test]
async fn a_status_fault_answers_for_its_count_then_the_real_api_does() {
    let api = Api::vendor().await;
    api.server.inject(
        Fault::status(503).header("Retry-After", "1").on(Operation::ListBackups).nth(1).times(2),
    );
    for _ in 0..2 {
        let reply = api.get(BACKUPS).await;
        assert_eq!(reply.code(), (503, "service_unavailable"));
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    assert_eq!(api.get(BACKUPS).await.status, 200);
    let log = api.server.requests();
    assert_eq!(log[0].fault.as_deref(), Some("list:503:nth=1:times=2:header=Retry-After=1"));
    assert_eq!(log[2].fault, None);
}

#[tokio::test]
async fn a_create_answered_by_a_status_fault_creates_nothing() {
    let api = Api::vendor().await;
    for fault in [
        Fault::status(500),
        Fault::status(502).body("<html>bad gateway</html>").header("Content-Type", "text/html"),
        Fault::throttled(30),
        Fault::status(201).body("{}"),
    ] {
        api.server.inject(fault.on(Operation::CreateBackup));
        let reply = api.create(12345).await;
        assert_ne!(reply.status, 200);
        assert_eq!(count(&api, 12345), 3, "{}", reply.text);
    }
    let throttled = {
        api.server.inject(Fault::throttled(30));
        api.create(12345).await
    };
    assert_eq!(throttled.code(), (429, "throttled"));
    assert_eq!(throttled.header("retry-after"), Some("30"));
    assert_eq!(
        throttled.json["detail"],
        "Request was throttled. Expected available in 30 seconds."
    );
    assert_eq!(count(&api, 12345), 3);
    assert_eq!(api.create(12345).await.status, 201, "no fault left");
}

#[tokio::test]
async fn a_custom_status_body_and_content_type_are_sent_as_given() {
    let api = Api::vendor().await;
    api.server.inject(
        Fault::status(502).header("Content-Type", "text/html").body("<html>bad gateway</html>"),
    );
    let reply = api.get(BACKUPS).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.text, "<html>bad gateway</html>");
}

#[tokio::test]
async fn nth_counts_only_matching_requests() {
    let api = Api::vendor().await;
    api.server.inject(Fault::status(500).on(Operation::CreateBackup).nth(2));
    assert_eq!(api.get(BACKUPS).await.status, 200);
    assert_eq!(api.create(12345).await.status, 201);
    assert_eq!(api.get(BACKUPS).await.status, 200);
    assert_eq!(api.create(12345).await.status, 500);
    assert_eq!(api.create(12345).await.status, 201);
    assert_eq!(count(&api, 12345), 5);
}

#[tokio::test]
async fn any_always_and_clear_faults() {
    let api = Api::vendor().await;
    api.server.inject(Fault::status(504).always());
    assert_eq!(api.get(BACKUPS).await.status, 504);
    assert_eq!(api.delete("/api/v1/backups/501/").await.status, 504);
    assert_eq!(api.get("/no/such/path").await.status, 504, "Any matches every request");
    api.server.clear_faults();
    assert_eq!(api.get(BACKUPS).await.status, 200);
    assert_eq!(count(&api, 12345), 3, "the faulted delete deleted nothing");

    api.server.inject(Fault::status(500).times(0));
    assert_eq!(api.get(BACKUPS).await.status, 200, "times(0) never fires");
}

#[tokio::test]
async fn faults_can_be_armed_before_start() {
    let api = Api::start(
        MockServer::builder().seed(Seed::vendor_examples()).fault("list:418".parse().unwrap()),
    )
    .await;
    assert_eq!(api.get(BACKUPS).await.code(), (418, "error"));
    assert_eq!(api.get(BACKUPS).await.status, 200);
}

#[tokio::test]
async fn drop_before_read_closes_the_connection_and_creates_nothing() {
    let api = Api::vendor().await;
    // A list first, so that the create goes out on a reused keep-alive connection.
    assert_eq!(api.get(BACKUPS).await.status, 200);
    api.server.inject(Fault::drop_before_read().on(Operation::CreateBackup));
    let error = api
        .request(Method::POST, BACKUPS)
        .json(&json!({"server_id": 12345}))
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(count(&api, 12345), 3);
    let log = api.server.requests();
    assert_eq!(log.len(), 2, "the client did not retry on its own: {log:#?}");
    assert_eq!(log[1].status, None);
    assert!(log[1].body.is_empty(), "the body was never read");
    assert_eq!(api.create(12345).await.status, 201, "the next request is served");
}

#[tokio::test]
async fn drop_after_read_runs_the_operation_then_closes() {
    let api = Api::vendor().await;
    api.server.inject(Fault::drop_after_read().on(Operation::CreateBackup));
    let error = api
        .request(Method::POST, BACKUPS)
        .json(&json!({"server_id": 12345, "description": "lost answer"}))
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_status(), "{error:?}");
    let backups = api.server.backups_of(12345);
    assert_eq!(backups.len(), 4, "the backup was created");
    assert_eq!(backups[0].description, "lost answer");
    let log = api.server.requests();
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].body_json().unwrap()["description"], "lost answer");
}

#[tokio::test]
async fn a_truncated_body_fails_to_read_but_the_operation_ran() {
    let api = Api::vendor().await;
    api.server.inject(Fault::truncated_body().on(Operation::ListBackups));
    let response = api.request(Method::GET, BACKUPS).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let announced: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(announced > 100);
    assert!(response.bytes().await.is_err(), "the body ends early");

    api.server.inject(Fault::truncated_body().on(Operation::CreateBackup));
    let response =
        api.request(Method::POST, BACKUPS).json(&json!({"server_id": 12345})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.bytes().await.is_err());
    assert_eq!(count(&api, 12345), 4, "the create happened");

    api.server.inject(Fault::truncated_body().on(Operation::DeleteBackup));
    let deleted = api.request(Method::DELETE, "/api/v1/backups/501/").send().await;
    assert!(deleted.is_err(), "a 204 has no body to cut: the connection drops");
    assert!(api.server.backups().iter().all(|b| b.id != 501), "the delete happened");
}

#[tokio::test]
async fn malformed_json_keeps_the_status_and_the_effect() {
    let api = Api::vendor().await;
    api.server.inject(Fault::malformed_json().on(Operation::CreateBackup));
    let reply = api.create(12345).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.text.starts_with("{\"id\":502"), "{}", reply.text);
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    assert_eq!(count(&api, 12345), 4);

    api.server.inject(Fault::malformed_json().on(Operation::DeleteBackup));
    let deleted = api.delete("/api/v1/backups/495/").await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""), "nothing to break in a 204");
}

#[tokio::test]
async fn unknown_enum_values_replace_the_real_ones() {
    let api = Api::vendor().await;
    api.server
        .inject(Fault::unknown_enum("backup_type", "snapshot").on(Operation::ListBackups).times(1));
    api.server.inject(Fault::unknown_enum("status", "restoring").on(Operation::ListBackups).nth(2));
    let types = api.get(BACKUPS).await;
    assert!(
        types.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["backup_type"] == "snapshot" && b["status"] == "completed")
    );
    let statuses = api.get(BACKUPS).await;
    assert!(
        statuses.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "restoring" && b["backup_type"] != "snapshot")
    );
    assert_eq!(statuses.json["count"], 5, "other fields are untouched");

    api.server.inject(Fault::unknown_enum("status", "queued").on(Operation::CreateBackup));
    let created = api.create(12345).await;
    assert_eq!((created.status, &created.json["status"]), (201, &json!("queued")));
    assert_eq!(count(&api, 12345), 4);
}

#[tokio::test]
async fn extra_fields_appear_everywhere() {
    let api = Api::vendor().await;
    api.server.inject(Fault::extra_fields());
    let reply = api.get("/api/v1/backups/?server_id=12345").await;
    assert_eq!(reply.json["x_mock_extra"], "a field the spec does not list");
    for backup in reply.json["results"].as_array().unwrap() {
        assert!(backup["x_mock_extra_object"].is_object());
        assert!(backup["server"]["x_mock_extra"].is_string());
        assert_eq!(backup["server"]["id"], 12345);
    }
}

#[tokio::test]
async fn a_missing_field_is_removed_from_every_backup() {
    let api = Api::vendor().await;
    api.server.inject(Fault::missing_field("size_mb"));
    api.server.inject(Fault::missing_field("results").nth(2));
    let reply = api.get(BACKUPS).await;
    assert!(
        reply.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b.get("size_mb").is_none() && b.get("id").is_some())
    );
    let reply = api.get(BACKUPS).await;
    assert_eq!((reply.json.get("results"), &reply.json["count"]), (None, &json!(5)));

    api.server.inject(Fault::missing_field("id").on(Operation::CreateBackup));
    let created = api.create(67890).await;
    assert_eq!((created.status, created.json.get("id")), (201, None));
    assert_eq!(count(&api, 67890), 3);
}

#[tokio::test]
async fn no_page_links_removes_next_and_previous_only() {
    let api = Api::vendor().await;
    api.server.inject("list:no-links:times=always".parse::<Fault>().unwrap());
    let reply = api.get("/api/v1/backups/?page=2&page_size=2").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json.get("next"), None);
    assert_eq!(reply.json.get("previous"), None);
    assert_eq!(reply.json["count"], 5);
    assert_eq!(reply.ids(), [499, 497]);
    let error = api.get("/api/v1/backups/?page=9").await;
    assert_eq!(error.code(), (404, "not_found"), "an error body is left alone");

    api.server.clear_faults();
    let reply = api.get("/api/v1/backups/?page=2&page_size=2").await;
    assert!(reply.json["next"].is_string() && reply.json["previous"].is_string());
}

#[tokio::test]
async fn an_ignored_filter_lists_what_the_filter_would_have_left_out() {
    let api = Api::vendor().await;
    api.server.inject("list:ignore-filter=server_id:times=always".parse::<Fault>().unwrap());
    let reply = api.get("/api/v1/backups/?server_id=12345&page_size=2").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 5, "every server's backups");
    assert_eq!(reply.ids(), [501, 500]);
    assert_eq!(reply.json["results"][1]["server"]["id"], 67890);
    let next = reply.json["next"].as_str().unwrap();
    assert!(next.ends_with("/api/v1/backups/?page=2&page_size=2"), "{next}");
    // The type filter still applies, and the log keeps what the client sent.
    let reply = api.get("/api/v1/backups/?backup_type=manual&server_id=12345").await;
    assert_eq!(reply.ids(), [499, 497]);
    let log = api.server.requests();
    assert_eq!(log[1].query.as_deref(), Some("backup_type=manual&server_id=12345"));
    assert_eq!(log[1].fault.as_deref(), Some("list:ignore-filter=server_id:nth=1:times=always"));

    api.server.clear_faults();
    api.server.inject(Fault::ignore_filter("backup_type").on(Operation::ListBackups));
    let reply = api.get("/api/v1/backups/?server_id=67890&backup_type=manual").await;
    assert_eq!(reply.ids(), [500, 497], "automatic backups too");
    let reply = api.get("/api/v1/backups/?server_id=12345").await;
    assert_eq!(reply.ids(), [501, 499, 495], "the fault is spent");
}

#[tokio::test]
async fn a_large_body_is_valid_json_of_the_asked_size() {
    let api = Api::vendor().await;
    let size = 10 * 1024 * 1024;
    api.server.inject(Fault::large_body(size).on(Operation::ListBackups));
    let reply = api.get(BACKUPS).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text.len(), size);
    assert_eq!(reply.json["count"], 5);
    assert!(reply.json["x_mock_padding"].as_str().unwrap().len() > size - 2048);

    api.server.inject(Fault::large_body(10).on(Operation::ListBackups));
    let small = api.get(BACKUPS).await;
    assert!(small.text.len() > 10, "never shorter than the real body");
    assert_eq!(small.json["x_mock_padding"], "");
}

#[tokio::test]
async fn a_wrong_content_type_sends_an_html_page_after_running_the_operation() {
    let api = Api::vendor().await;
    api.server.inject(Fault::wrong_content_type().on(Operation::CreateBackup));
    let reply = api.create(12345).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(reply.text.starts_with("<!DOCTYPE html>"));
    assert_eq!(count(&api, 12345), 4);
}

#[tokio::test]
async fn latency_delays_the_answer_but_not_the_effect() {
    let api = Api::vendor().await;
    api.server.inject(Fault::latency(Duration::from_secs(30)).on(Operation::CreateBackup));
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let error = impatient
        .post(api.server.url(BACKUPS))
        .bearer_auth(support::TOKEN)
        .json(&json!({"server_id": 12345}))
        .send()
        .await
        .expect_err("the answer comes too late");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(count(&api, 12345), 4, "the backup exists although the client gave up");
}

#[tokio::test]
async fn the_fault_syntax_from_the_command_line_works_over_http() {
    let api = Api::vendor().await;
    api.server.inject("list:unknown-enum=backup_type=snapshot:nth=2:times=always".parse().unwrap());
    assert_eq!(api.get(BACKUPS).await.json["results"][0]["backup_type"], "automatic");
    for _ in 0..3 {
        assert_eq!(api.get(BACKUPS).await.json["results"][0]["backup_type"], "snapshot");
    }
    api.server.inject("create:503:retry-after=7".parse().unwrap());
    let reply = api.create(12345).await;
    assert_eq!((reply.status, reply.header("retry-after")), (503, Some("7")));
}

#[tokio::test]
async fn the_first_injected_fault_wins_and_the_other_waits() {
    let api = Api::vendor().await;
    api.server.inject(Fault::status(500));
    api.server.inject(Fault::status(502).on(Operation::ListBackups));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(api.get(BACKUPS).await.status);
    }
    assert_eq!(statuses, [500, 502, 200]);
}

// The fault syntax, and which operation a request is for.

#[test]
fn the_briefs_example_parses() {
    let fault: Fault = "list:503:nth=1:times=2:retry-after=1".parse().unwrap();
    assert_eq!(
        fault,
        Fault::status(503).on(Operation::ListBackups).times(2).header("Retry-After", "1")
    );
    assert_eq!(fault.to_string(), "list:503:nth=1:times=2:header=Retry-After=1");
}

#[test]
fn every_kind_round_trips_through_its_text_form() {
    let faults = [
        Fault::drop_before_read().on(Operation::CreateBackup),
        Fault::drop_after_read().on(Operation::DeleteBackup).nth(3),
        Fault::truncated_body().on(Operation::RestoreServer).always(),
        Fault::malformed_json(),
        Fault::unknown_enum("backup_type", "snapshot").on(Operation::ListBackups),
        Fault::extra_fields().times(5),
        Fault::missing_field("size_mb"),
        Fault::no_page_links().on(Operation::ListBackups).always(),
        Fault::large_body(10 * 1024 * 1024),
        Fault::wrong_content_type().header("X-Proxy", "nginx"),
        Fault::latency(Duration::from_millis(250)),
        Fault::status(500),
        Fault::ignore_filter("server_id").on(Operation::ListBackups),
        Fault::ignore_filter("backup_type").always(),
    ];
    for fault in faults {
        let text = fault.to_string();
        assert_eq!(text.parse::<Fault>().unwrap(), fault, "{text}");
    }
}

#[cfg(feature = "cli")]
#[test]
fn sizes_and_durations_parse() {
    use vpsorg_backups_mock::cli::{parse_duration, parse_size};

    assert_eq!(parse_size("10M").unwrap(), 10 * 1024 * 1024);
    assert_eq!(parse_size("512KiB").unwrap(), 512 * 1024);
    assert_eq!(parse_size("2048").unwrap(), 2048);
    assert!(parse_size("lots").is_err());
    assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    assert_eq!(parse_duration("40").unwrap(), Duration::from_millis(40));
    assert_eq!(parse_duration("0ms").unwrap(), Duration::ZERO);
    // Whatever `vpsorg backups wait --timeout` takes (humantime).
    assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
    assert_eq!(parse_duration("1min").unwrap(), Duration::from_secs(60));
    assert_eq!(
        parse_duration("100000000000000m").unwrap(),
        Duration::from_secs(100_000_000_000_000 * 60)
    );
    for bad in ["soon", "", "5parsecs", "1.5.5s", "-2s", "1.5x"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn bad_text_is_refused_with_a_reason() {
    for (text, reason) in [
        ("lsit:503", "unknown operation `lsit`"),
        ("list", "no kind"),
        ("list:999", "not in 200-599"),
        ("list:explode", "unknown kind `explode`"),
        ("list:503:nth=x", "whole number"),
        ("list:503:often=2", "unknown option `often`"),
        ("list:missing", "`missing` needs `=FIELD`"),
        ("list:unknown-enum=status", "FIELD=VALUE"),
        ("list:latency=5parsecs", "is not a duration"),
        ("list:ignore-filter", "`ignore-filter` needs `=PARAM`"),
        ("list:ignore-filter=server-id", "server_id or backup_type, not `server-id`"),
    ] {
        let error = text.parse::<Fault>().unwrap_err().to_string();
        assert!(error.contains(reason), "{text}: {error}");
    }
}

#[test]
fn operations_are_recognised_from_method_and_path() {
    use Operation::{Any, CreateBackup, DeleteBackup, ListBackups, RestoreServer};
    let names = [ListBackups, CreateBackup, DeleteBackup, RestoreServer, Any]
        .map(|op| format!("{op} {} {}", op.operation_id(), op.short_name()));
    assert_eq!(
        names,
        [
            "listBackups listBackups list",
            "createBackup createBackup create",
            "deleteBackup deleteBackup delete",
            "restoreServer restoreServer restore",
            "any any any",
        ]
    );
    let op = |m: Method, p: &str| Operation::of_request(&m, p);
    assert_eq!(op(Method::GET, "/api/v1/backups/"), Some(Operation::ListBackups));
    assert_eq!(op(Method::HEAD, "/api/v1/backups/"), Some(Operation::ListBackups));
    assert_eq!(op(Method::POST, "/api/v1/backups/"), Some(Operation::CreateBackup));
    assert_eq!(op(Method::DELETE, "/api/v1/backups/501/"), Some(Operation::DeleteBackup));
    assert_eq!(op(Method::POST, "/api/v1/servers/1/restore/"), Some(Operation::RestoreServer));
    assert_eq!(op(Method::GET, "/api/v1/backups"), None);
    assert_eq!(op(Method::PUT, "/api/v1/backups/"), None);
    assert_eq!(op(Method::DELETE, "/api/v1/backups//"), None);
    assert_eq!(op(Method::DELETE, "/api/v1/backups/1/2/"), None);
    assert_eq!(op(Method::POST, "/api/v1/servers//restore/"), None);
    assert_eq!(op(Method::POST, "/api/v1/servers/1/restore"), None);
}

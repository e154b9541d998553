//! The mock's behaviour over real HTTP on 127.0.0.1: auth, listing, creating, deleting,
//! restoring, expiry, and validation that never changes state.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Api, TOKEN, read};
use vpsorg_backups_mock::{BackupStatus, BackupType, MockServer, Seed, ServerRef};

const BACKUPS: &str = "/api/v1/backups/";

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Authentication

#[tokio::test]
async fn every_operation_wants_the_token() {
    let api = Api::vendor().await;
    let url = |path: &str| api.server.url(path);
    let requests = [
        api.http.get(url(BACKUPS)),
        api.http.post(url(BACKUPS)).json(&json!({"server_id": 12345})),
        api.http.delete(url("/api/v1/backups/501/")),
        api.http.post(url("/api/v1/servers/12345/restore/")).json(&json!({"backup_id": 501})),
    ];
    for request in requests {
        let missing = read(request.try_clone().unwrap()).await;
        assert_eq!(missing.code(), (401, "not_authenticated"));
        assert_eq!(missing.json["detail"], "Authentication credentials were not provided.");
        assert_eq!(missing.header("www-authenticate"), Some(r#"Bearer realm="api""#));
        let wrong = read(request.bearer_auth("not-the-token")).await;
        assert_eq!(wrong.code(), (401, "authentication_failed"));
        assert_eq!(wrong.json["detail"], "Invalid token.");
    }
    assert_eq!(api.server.backups().len(), 5, "nothing changed");
    assert!(api.server.restores().is_empty());
}

#[tokio::test]
async fn odd_authorization_headers_get_drfs_answers() {
    let api = Api::vendor().await;
    for (header, code, detail) in [
        (
            "Basic dXNlcjpwYXNz",
            "not_authenticated",
            "Authentication credentials were not provided.",
        ),
        ("Bearer", "authentication_failed", "Invalid token header. No credentials provided."),
        (
            "Bearer a b",
            "authentication_failed",
            "Invalid token header. Token string should not contain spaces.",
        ),
        (
            "Token test-token-5f1c9a",
            "not_authenticated",
            "Authentication credentials were not provided.",
        ),
    ] {
        let reply =
            read(api.http.get(api.server.url(BACKUPS)).header("Authorization", header)).await;
        assert_eq!(reply.code(), (401, code), "{header}");
        assert_eq!(reply.json["detail"], detail, "{header}");
    }
    let lower = read(
        api.http.get(api.server.url(BACKUPS)).header("Authorization", format!("bearer {TOKEN}")),
    )
    .await;
    assert_eq!(lower.status, 200, "the keyword is case-insensitive, as in DRF");

    let short = &TOKEN[..TOKEN.len() - 1];
    for (header, code) in [
        (format!("Bearer {TOKEN}").into_bytes(), "ok"),
        (format!("bearer  {TOKEN} ").into_bytes(), "ok"),
        (b"Basic c2VjcmV0".to_vec(), "not_authenticated"),
        (b"Bearer".to_vec(), "authentication_failed"),
        (format!("Bearer {TOKEN} extra").into_bytes(), "authentication_failed"),
        (b"Bearer wrong".to_vec(), "authentication_failed"),
        (format!("Bearer {short}").into_bytes(), "authentication_failed"),
        (b"Bearer \xff\xfe".to_vec(), "authentication_failed"),
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(&header).unwrap();
        let reply =
            read(api.http.get(api.server.url(BACKUPS)).header("Authorization", value)).await;
        let got = if reply.status == 200 { "ok" } else { reply.code().1 };
        assert_eq!(got, code, "{}", String::from_utf8_lossy(&header));
    }
    let none = read(api.http.get(api.server.url(BACKUPS))).await;
    assert_eq!(none.code(), (401, "not_authenticated"));
}

#[tokio::test]
async fn the_default_token_is_mock_token() {
    let server = MockServer::start().await.unwrap();
    assert_eq!(server.token(), "mock-token");
    let reply =
        read(reqwest::Client::new().get(server.url(BACKUPS)).bearer_auth("mock-token")).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn an_unusable_token_is_refused_at_start() {
    for token in ["", "has space", "tab\t"] {
        let error = MockServer::builder().token(token).start().await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{token:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Listing

#[tokio::test]
async fn the_vendors_list_example_is_served() {
    let api = Api::vendor().await;
    let reply = api.get("/api/v1/backups/?server_id=12345").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-request-id").is_some_and(|id| id.starts_with("mock-")));
    assert_eq!(reply.json["count"], 3);
    assert_eq!(reply.ids(), [501, 499, 495], "id descending, as the vendor shows");
    assert_eq!(
        reply.json["results"][1],
        json!({
            "id": 499,
            "server": {"id": 12345, "name": "web-server-01"},
            "backup_type": "manual",
            "status": "completed",
            "size_mb": 4456,
            "created_at": "2025-01-14T10:30:00Z",
            "expires_at": null,
            "description": "Pre-update backup"
        })
    );
    assert_eq!((&reply.json["next"], &reply.json["previous"]), (&Value::Null, &Value::Null));
}

#[tokio::test]
async fn filters_combine() {
    let api = Api::vendor().await;
    let ids = |path: &'static str| {
        let api = &api;
        async move { api.get(path).await.ids() }
    };
    assert_eq!(ids(BACKUPS).await, [501, 500, 499, 497, 495]);
    assert_eq!(ids("/api/v1/backups/?backup_type=manual").await, [499, 497]);
    assert_eq!(ids("/api/v1/backups/?backup_type=automatic").await, [501, 500, 495]);
    assert_eq!(ids("/api/v1/backups/?server_id=67890").await, [500, 497]);
    assert_eq!(ids("/api/v1/backups/?server_id=12345&backup_type=automatic").await, [501, 495]);
    assert_eq!(ids("/api/v1/backups/?server_id=24680").await, Vec::<i64>::new());
    let unknown = api.get("/api/v1/backups/?server_id=999").await;
    assert_eq!((unknown.status, unknown.json["count"].as_i64()), (200, Some(0)));
    let empty_values = api.get("/api/v1/backups/?server_id=&backup_type=&page=").await;
    assert_eq!(
        (empty_values.status, empty_values.json),
        (
            400,
            json!({
                "server_id": ["Enter a whole number."],
                "backup_type": ["Select a valid choice.  is not one of the available choices."]
            })
        ),
        "an empty filter is neither an int64 nor a backup type"
    );
    let empty_page_size = api.get("/api/v1/backups/?page_size=").await;
    assert_eq!(
        empty_page_size.ids().len(),
        5,
        "an empty page size means the default (DRF's get_page_size)"
    );
    let empty_page = api.get("/api/v1/backups/?page=").await;
    assert_eq!(
        (empty_page.code(), &empty_page.json["detail"]),
        ((404, "not_found"), &json!("Invalid page.")),
        "an empty page is not a page number (Django's paginator)"
    );
    let repeated = api.get("/api/v1/backups/?server_id=12345&server_id=67890").await;
    assert_eq!(repeated.ids(), [500, 497], "the last of a repeated parameter wins");
}

#[tokio::test]
async fn pages_link_to_each_other_with_absolute_urls() {
    let api = Api::start(MockServer::builder().seed(Seed::generated(2, 45))).await;
    let first = api.get("/api/v1/backups/?server_id=10001&page_size=20&sort=ignored").await;
    assert_eq!(first.json["count"], 45);
    assert_eq!(first.json["previous"], Value::Null);
    assert_eq!(
        first.json["next"],
        format!(
            "{}/api/v1/backups/?page=2&page_size=20&server_id=10001&sort=ignored",
            api.server.base_url()
        )
    );
    let mut seen = first.ids();
    let mut next = first.json["next"].as_str().map(str::to_string);
    let mut pages = 1;
    while let Some(url) = next {
        let page = read(api.http.get(&url).bearer_auth(TOKEN)).await;
        assert_eq!(page.status, 200, "{url}");
        let previous = page.json["previous"].as_str().unwrap();
        if pages == 1 {
            // DRF's remove_query_param: the first page's link has no `page`.
            assert_eq!(
                previous,
                format!(
                    "{}/api/v1/backups/?page_size=20&server_id=10001&sort=ignored",
                    api.server.base_url()
                )
            );
        } else {
            assert!(previous.contains(&format!("page={pages}")), "{previous}");
        }
        seen.extend(page.ids());
        next = page.json["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 45);
    // DRF's `last_page_strings`: `page=last` is the last page, linked by its number.
    let last = api.get("/api/v1/backups/?server_id=10001&page_size=20&page=last").await;
    assert_eq!((last.status, last.ids().len()), (200, 5));
    assert_eq!(last.json["next"], Value::Null);
    assert_eq!(
        last.json["previous"],
        format!("{}/api/v1/backups/?page=2&page_size=20&server_id=10001", api.server.base_url())
    );
    let padded = api.get("/api/v1/backups/?server_id=10001&page=%202%20").await;
    assert_eq!(padded.status, 200, "Python's int() allows surrounding spaces");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    let servers: HashSet<i64> = api.server.backups_of(10001).iter().map(|b| b.id).collect();
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), servers);
}

#[tokio::test]
async fn pages_are_sliced_from_the_newest() {
    let api = Api::start(MockServer::builder().seed(Seed::generated(1, 45))).await;
    let page = async |n: &str| api.get(&format!("{BACKUPS}?page_size=20&page={n}")).await;
    let first = page("1").await;
    assert_eq!(first.json["count"], 45);
    assert_eq!(first.ids(), (26..=45).rev().collect::<Vec<_>>());
    assert!(first.json["next"].is_string() && first.json["previous"].is_null());
    let last = page("3").await;
    assert_eq!(last.ids(), (1..=5).rev().collect::<Vec<_>>());
    assert!(last.json["next"].is_null() && last.json["previous"].is_string());
    assert_eq!(page("4").await.status, 404);
    assert_eq!(page("0").await.status, 404);
    let by_name = page("last").await;
    assert_eq!(by_name.ids(), (1..=5).rev().collect::<Vec<_>>());
    let previous = by_name.json["previous"].as_str().unwrap();
    assert!(previous.contains("page=2"), "`last` is page 3: {previous}");
}

#[tokio::test]
async fn an_empty_list_has_one_empty_page() {
    let api = Api::start(MockServer::builder().seed(Seed::empty())).await;
    let page = async |n: &str| api.get(&format!("{BACKUPS}?server_id=1&page={n}")).await;
    let first = page("1").await;
    assert_eq!((first.json["count"].as_i64(), first.ids().len()), (Some(0), 0));
    assert_eq!(page("2").await.status, 404);
    // Django's paginator: an empty list still has page 1, and it is the last.
    let last = page("last").await;
    assert_eq!(last.status, 200);
    assert!(last.json["previous"].is_null() && last.json["next"].is_null());
}

#[tokio::test]
async fn the_clock_can_be_advanced_up_to_the_end_of_time() {
    let server = MockServer::start().await.unwrap();
    let start = server.now();
    server.advance_clock(Duration::from_secs(3600));
    assert!(server.now() >= start + chrono::Duration::hours(1));
    server.advance_clock(Duration::MAX);
    assert_eq!(server.now(), chrono::DateTime::<chrono::Utc>::MAX_UTC);
    server.advance_clock(Duration::MAX);
    assert_eq!(server.now(), chrono::DateTime::<chrono::Utc>::MAX_UTC);
}

#[tokio::test]
async fn page_links_keep_the_other_parameters_sorted_and_encoded() {
    let api = Api::vendor().await;
    let page = api.get("/api/v1/backups/?server_id=12345&page=2&page_size=1&note=a+b%26c").await;
    assert_eq!(
        page.json["next"],
        format!(
            "{}/api/v1/backups/?note=a+b%26c&page=3&page_size=1&server_id=12345",
            api.server.base_url()
        )
    );
}

/// Behind a reverse proxy the links must name the proxy, as Django's `build_absolute_uri`
/// does, or a client rightly refuses them as another origin.
#[tokio::test]
async fn links_are_built_from_the_host_the_client_used() {
    let api = Api::start(MockServer::builder().seed(Seed::generated(1, 45))).await;
    let next = |request: reqwest::RequestBuilder| async move {
        let reply = read(request).await;
        reply.json["next"].as_str().unwrap().to_owned()
    };
    let path = "/api/v1/backups/?page=2";
    let proxied = api
        .request(Method::GET, path)
        .header("X-Forwarded-Host", "backups.example.test, internal:8000")
        .header("X-Forwarded-Proto", "https");
    assert_eq!(next(proxied).await, "https://backups.example.test/api/v1/backups/?page=3");
    let by_name = api.request(Method::GET, path).header("Host", "localhost:9999");
    assert_eq!(next(by_name).await, "http://localhost:9999/api/v1/backups/?page=3");
    let malformed = api.request(Method::GET, path).header("Host", "bad host/");
    assert_eq!(next(malformed).await, format!("{}/api/v1/backups/?page=3", api.server.base_url()));
}

#[tokio::test]
async fn the_default_page_has_twenty_backups_and_the_largest_a_hundred() {
    let api = Api::start(MockServer::builder().seed(Seed::generated(1, 250))).await;
    let default = api.get(BACKUPS).await;
    assert_eq!((default.json["count"].as_i64(), default.ids().len()), (Some(250), 20));
    let largest = api.get("/api/v1/backups/?page_size=100&page=3").await;
    assert_eq!(largest.ids(), (1..=50).rev().collect::<Vec<_>>());
    assert_eq!(largest.json["next"], Value::Null);
}

#[tokio::test]
async fn a_page_that_does_not_exist_is_404_invalid_page() {
    let api = Api::vendor().await;
    for page in ["2", "0", "-1", "abc", "1.5", "first", "%20last", "99999999999999999999999"] {
        let reply = api.get(&format!("/api/v1/backups/?page={page}")).await;
        assert_eq!(reply.code(), (404, "not_found"), "page={page}");
        assert_eq!(reply.json["detail"], "Invalid page.");
    }
    let empty = api.get("/api/v1/backups/?server_id=24680&page=1").await;
    assert_eq!(empty.status, 200, "an empty list still has a first page");
}

#[tokio::test]
async fn bad_query_values_are_400_field_errors() {
    let api = Api::vendor().await;
    for (query, expected) in [
        ("server_id=abc", json!({"server_id": ["Enter a whole number."]})),
        ("server_id=%FF", json!({"server_id": ["Enter a whole number."]})),
        ("server_id=99999999999999999999", json!({"server_id": ["Enter a whole number."]})),
        (
            "backup_type=snapshot",
            json!({"backup_type": ["Select a valid choice. snapshot is not one of the available choices."]}),
        ),
        ("page_size=0", json!({"page_size": ["Ensure this value is greater than or equal to 1."]})),
        (
            "page_size=101",
            json!({"page_size": ["Ensure this value is less than or equal to 100."]}),
        ),
        ("page_size=ten", json!({"page_size": ["A valid integer is required."]})),
        (
            "server_id=x&backup_type=y&page=7",
            json!({
                "server_id": ["Enter a whole number."],
                "backup_type": ["Select a valid choice. y is not one of the available choices."]
            }),
        ),
    ] {
        let reply = api.get(&format!("/api/v1/backups/?{query}")).await;
        assert_eq!((reply.status, &reply.json), (400, &expected), "{query}");
    }
}

#[tokio::test]
async fn head_lists_without_a_body() {
    let api = Api::vendor().await;
    let response = api.request(Method::HEAD, BACKUPS).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Creating

#[tokio::test]
async fn a_create_right_after_start_reproduces_the_vendors_example() {
    let api = Api::vendor().await;
    let reply = api
        .post(BACKUPS, json!({"server_id": 12345, "description": "Pre-deployment backup"}))
        .await;
    assert_eq!(reply.status, 201);
    let mut body = reply.json.clone();
    let created_at = body["created_at"].take();
    assert_eq!(
        body,
        json!({
            "id": 502,
            "server": {"id": 12345, "name": "web-server-01"},
            "backup_type": "manual",
            "status": "in_progress",
            "size_mb": null,
            "created_at": null,
            "expires_at": null,
            "description": "Pre-deployment backup",
            "message": "Backup is being created. This may take several minutes depending on server size."
        })
    );
    let created_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(created_at).expect("created_at is RFC 3339");
    assert!(created_at >= at("2025-01-16T15:45:00Z"));
    assert!(created_at <= api.server.now());
    assert_eq!(api.server.backups_of(12345)[0].id, 502);
}

#[tokio::test]
async fn a_backup_completes_after_the_configured_delay() {
    let api = Api::start(
        MockServer::builder()
            .seed(Seed::vendor_examples())
            .complete_after(Duration::from_secs(3600)),
    )
    .await;
    let id = api.create(12345).await.json["id"].as_i64().unwrap();
    let listed = api.get("/api/v1/backups/?server_id=12345").await;
    assert_eq!(listed.json["results"][0]["id"], id);
    assert_eq!(listed.json["results"][0]["status"], "in_progress");
    assert_eq!(listed.json["results"][0]["size_mb"], Value::Null);

    api.server.advance_clock(Duration::from_secs(3600));
    let listed = api.get("/api/v1/backups/?server_id=12345").await;
    assert_eq!(listed.json["results"][0]["status"], "completed");
    assert_eq!(listed.json["results"][0]["size_mb"], 4523 + 67);
    assert_eq!(listed.json["results"][0]["expires_at"], Value::Null);
    assert_eq!(listed.json["results"][0]["description"], "");
}

#[tokio::test]
async fn a_zero_delay_still_answers_in_progress_then_lists_completed() {
    let api = Api::start(MockServer::builder().complete_after(Duration::ZERO)).await;
    let created = api.create(67890).await;
    assert_eq!(created.json["status"], "in_progress");
    let backup = &api.server.backups_of(67890)[0];
    assert_eq!((backup.status, backup.size_mb.is_some()), (BackupStatus::Completed, true));
}

#[tokio::test]
async fn invalid_bodies_are_400_and_change_nothing() {
    let api = Api::vendor().await;
    let before = api.server.backups();
    let too_big = format!(r#"{{"server_id": 12345, "description": "{}"}}"#, "x".repeat(2 << 20));
    let cases: Vec<(&str, Vec<u8>, Value)> = vec![
        ("application/json", b"{}".to_vec(), json!({"server_id": ["This field is required."]})),
        ("application/json", b"".to_vec(), json!({"server_id": ["This field is required."]})),
        (
            "application/json",
            br#"{"server_id": "12345"}"#.to_vec(),
            json!({"server_id": ["A valid integer is required."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 12345.5}"#.to_vec(),
            json!({"server_id": ["A valid integer is required."]}),
        ),
        (
            "application/json",
            br#"{"server_id": true}"#.to_vec(),
            json!({"server_id": ["A valid integer is required."]}),
        ),
        (
            "application/json",
            br#"{"server_id": [12345]}"#.to_vec(),
            json!({"server_id": ["A valid integer is required."]}),
        ),
        (
            "application/json",
            br#"{"server_id": null}"#.to_vec(),
            json!({"server_id": ["This field may not be null."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 9223372036854775808}"#.to_vec(),
            json!({"server_id": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 1e30}"#.to_vec(),
            json!({"server_id": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ),
        (
            "application/json",
            br#"{"server_id": -1e30}"#.to_vec(),
            json!({"server_id": ["Ensure this value is greater than or equal to -9223372036854775808."]}),
        ),
        (
            "application/json",
            format!(r#"{{"server_id": 12345, "description": "{}"}}"#, "é".repeat(256)).into_bytes(),
            json!({"description": ["Ensure this field has no more than 255 characters."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 12345, "description": 7}"#.to_vec(),
            json!({"description": ["Not a valid string."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 12345, "description": null}"#.to_vec(),
            json!({"description": ["This field may not be null."]}),
        ),
        (
            "application/json",
            br#"{"server_id": 12345, "description": "a\u0000b"}"#.to_vec(),
            json!({"description": ["Null characters are not allowed."]}),
        ),
        (
            "application/json",
            br#"{"description": 7}"#.to_vec(),
            json!({"server_id": ["This field is required."], "description": ["Not a valid string."]}),
        ),
        (
            "application/json",
            b"[12345]".to_vec(),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ),
        (
            "application/json",
            b"\"12345\"".to_vec(),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
        ),
        (
            "application/json",
            b"12345".to_vec(),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}),
        ),
        ("application/json", b"null".to_vec(), json!({"non_field_errors": ["No data provided"]})),
    ];
    for (content_type, body, expected) in cases {
        let reply = read(
            api.request(Method::POST, BACKUPS)
                .header("Content-Type", content_type)
                .body(body.clone()),
        )
        .await;
        assert_eq!(
            (reply.status, &reply.json),
            (400, &expected),
            "{}",
            String::from_utf8_lossy(&body).chars().take(80).collect::<String>()
        );
    }
    for (content_type, body) in [
        ("application/json", b"{\"server_id\": ".to_vec()),
        ("application/json", b"{'server_id': 12345}".to_vec()),
        ("application/json; charset=utf-8", b"{\"server_id\": \"\xff\xfe\"}".to_vec()),
        ("application/json", too_big.into_bytes()),
    ] {
        let reply = read(
            api.request(Method::POST, BACKUPS).header("Content-Type", content_type).body(body),
        )
        .await;
        assert_eq!(reply.code(), (400, "parse_error"), "{}", reply.text);
    }
    assert_eq!(api.server.backups(), before, "no invalid create changed anything");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let api = Api::vendor().await;
    for (content_type, detail) in [
        (
            Some("application/x-www-form-urlencoded"),
            "Unsupported media type \"application/x-www-form-urlencoded\" in request.",
        ),
        (Some("text/plain"), "Unsupported media type \"text/plain\" in request."),
        (
            Some("application/vnd.api+json"),
            "Unsupported media type \"application/vnd.api+json\" in request.",
        ),
        (None, "Unsupported media type \"\" in request."),
    ] {
        let mut request = api.request(Method::POST, BACKUPS).body(r#"{"server_id": 12345}"#);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let reply = read(request).await;
        assert_eq!(reply.code(), (415, "unsupported_media_type"), "{content_type:?}");
        assert_eq!(reply.json["detail"], detail);
    }
    let upper = read(
        api.request(Method::POST, BACKUPS)
            .header("Content-Type", "Application/JSON; charset=UTF-8")
            .body(r#"{"server_id": 12345}"#),
    )
    .await;
    assert_eq!(upper.status, 201, "media types are case-insensitive");
    assert_eq!(api.server.backups_of(12345).len(), 4, "only the JSON one created a backup");
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_descriptions_trimmed() {
    let api = Api::vendor().await;
    let reply = api
        .post(
            BACKUPS,
            json!({"server_id": 12345, "description": "  nightly  ", "backup_type": "automatic", "x": [1]}),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json["backup_type"], "manual");
    assert_eq!(reply.json["description"], "nightly");
    let longest =
        api.post(BACKUPS, json!({"server_id": 12345, "description": "é".repeat(255)})).await;
    assert_eq!(longest.status, 201, "255 characters is allowed");
}

#[tokio::test]
async fn an_unknown_server_is_404() {
    let api = Api::vendor().await;
    let reply = api.create(999).await;
    assert_eq!(reply.code(), (404, "server_not_found"));
    assert_eq!(reply.json["detail"], "Server 999 not found.");
    // The spec sets no minimum: zero and negative ids are ids no server has.
    for id in [0, -1, -12345, i64::MIN] {
        assert_eq!(api.create(id).await.code(), (404, "server_not_found"), "{id}");
    }
    assert_eq!(api.server.backups().len(), 5);
}

#[tokio::test]
async fn the_eleventh_manual_backup_is_refused_until_one_is_deleted() {
    let api = Api::vendor().await;
    // 12345 has one manual backup (499): nine more fit.
    for _ in 0..9 {
        assert_eq!(api.create(12345).await.status, 201);
    }
    let refused = api.create(12345).await;
    assert_eq!(refused.code(), (400, "manual_backup_limit_reached"));
    assert_eq!(
        refused.json["detail"],
        "Server 12345 already has 10 manual backups, the most allowed. Delete one before creating another."
    );
    let manual = |api: &Api| {
        api.server.backups_of(12345).iter().filter(|b| b.backup_type == BackupType::Manual).count()
    };
    assert_eq!(manual(&api), 10);
    assert_eq!(api.create(67890).await.status, 201, "the limit is per server");
    assert_eq!(api.delete("/api/v1/backups/499/").await.status, 204);
    assert_eq!(api.create(12345).await.status, 201, "a slot was freed");
    assert_eq!(manual(&api), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_creates_give_exactly_ten_backups() {
    let api =
        Api::start(MockServer::builder().seed(Seed::empty().server(ServerRef::new(7, "busy"))))
            .await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let request = api.request(Method::POST, BACKUPS).json(&json!({"server_id": 7}));
        tasks.spawn(read(request));
    }
    let replies = tasks.join_all().await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused =
        replies.iter().filter(|r| r.code() == (400, "manual_backup_limit_reached")).count();
    assert_eq!((created, refused), (10, 40));
    let ids: HashSet<i64> = replies.iter().filter_map(|r| r.json["id"].as_i64()).collect();
    assert_eq!(ids.len(), 10, "every success has its own id");
    assert_eq!(api.server.backups_of(7).len(), 10);
}

// ---------------------------------------------------------------------------------------------
// Deleting

#[tokio::test]
async fn delete_is_204_then_404() {
    let api = Api::vendor().await;
    let deleted = read(
        api.request(Method::DELETE, "/api/v1/backups/501/")
            .header("Content-Type", "application/json"),
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.text.is_empty());
    assert!(api.server.backups().iter().all(|b| b.id != 501));
    let again = api.delete("/api/v1/backups/501/").await;
    assert_eq!(again.code(), (404, "backup_not_found"));
    assert_eq!(again.json["detail"], "Backup 501 not found.");
    assert_eq!(api.get("/api/v1/backups/?server_id=12345").await.ids(), [499, 495]);
}

#[tokio::test]
async fn odd_backup_ids_are_404() {
    let api = Api::vendor().await;
    for (path, code) in [
        ("/api/v1/backups/0/", "backup_not_found"),
        ("/api/v1/backups/9223372036854775807/", "backup_not_found"),
        ("/api/v1/backups/99999999999999999999/", "not_found"),
        ("/api/v1/backups/-1/", "not_found"),
        ("/api/v1/backups/abc/", "not_found"),
        ("/api/v1/backups/5%FF/", "not_found"),
        ("/api/v1/backups/501", "not_found"),
    ] {
        assert_eq!(api.delete(path).await.code(), (404, code), "{path}");
    }
    assert_eq!(api.server.backups().len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Restoring

#[tokio::test]
async fn a_completed_backup_of_the_same_server_restores() {
    let api = Api::vendor().await;
    let reply = api.post("/api/v1/servers/12345/restore/", json!({"backup_id": 501})).await;
    assert_eq!(reply.status, 202);
    assert_eq!(
        reply.json,
        json!({
            "server": {"id": 12345, "name": "web-server-01"},
            "backup_id": 501,
            "status": "restoring",
            "message": "Server is being restored from backup 501. This may take several minutes."
        })
    );
    let restores = api.server.restores();
    assert_eq!(restores.len(), 1);
    assert_eq!((restores[0].server.id, restores[0].backup_id), (12345, 501));
    assert_eq!(api.server.backups().len(), 5, "restoring keeps the backup");
}

#[tokio::test]
async fn restores_that_cannot_happen_are_refused() {
    let api = Api::start(
        MockServer::builder()
            .seed(Seed::vendor_examples())
            .complete_after(Duration::from_secs(3600)),
    )
    .await;
    let in_progress = api.create(12345).await.json["id"].as_i64().unwrap();
    let restore = |server: i64, body: Value| {
        let api = &api;
        async move { api.post(&format!("/api/v1/servers/{server}/restore/"), body).await }
    };
    let reply = restore(999, json!({"backup_id": 501})).await;
    assert_eq!(reply.code(), (404, "server_not_found"));
    assert_eq!(reply.json["detail"], "Server 999 not found.");
    let reply = restore(12345, json!({"backup_id": 777})).await;
    assert_eq!(reply.code(), (404, "backup_not_found"));
    assert_eq!(reply.json["detail"], "Backup 777 not found.");
    for id in [0, -5, i64::MIN] {
        let reply = restore(12345, json!({ "backup_id": id })).await;
        assert_eq!(reply.code(), (404, "backup_not_found"), "{id}");
    }
    let reply = restore(67890, json!({"backup_id": 501})).await;
    assert_eq!(reply.code(), (400, "backup_server_mismatch"));
    assert_eq!(reply.json["detail"], "Backup 501 belongs to server 12345, not server 67890.");
    let reply = restore(12345, json!({"backup_id": in_progress})).await;
    assert_eq!(reply.code(), (400, "backup_not_completed"));
    assert_eq!(
        reply.json["detail"],
        format!("Backup {in_progress} is in_progress; only completed backups can be restored.")
    );
    let reply = restore(12345, json!({})).await;
    assert_eq!(
        (reply.status, reply.json),
        (400, json!({"backup_id": ["This field is required."]}))
    );
    let reply = restore(12345, json!({"backup_id": "501"})).await;
    assert_eq!(
        (reply.status, reply.json),
        (400, json!({"backup_id": ["A valid integer is required."]}))
    );
    let form = read(
        api.request(Method::POST, "/api/v1/servers/12345/restore/")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("backup_id=501"),
    )
    .await;
    assert_eq!(form.code(), (415, "unsupported_media_type"));
    for path in ["/api/v1/servers/abc/restore/", "/api/v1/servers/-1/restore/"] {
        let reply = api.post(path, json!({"backup_id": 501})).await;
        assert_eq!(reply.code(), (404, "not_found"), "{path}");
    }
    assert!(api.server.restores().is_empty(), "no refused restore was recorded");

    api.server.advance_clock(Duration::from_secs(3600));
    let reply = restore(12345, json!({"backup_id": in_progress})).await;
    assert_eq!(reply.status, 202, "once completed it restores");
}

// ---------------------------------------------------------------------------------------------
// Expiry and the clock

#[tokio::test]
async fn the_vendor_seed_starts_on_the_vendors_day() {
    let server = MockServer::start().await.unwrap();
    let now = server.now();
    assert!(now >= at("2025-01-16T15:45:00Z"));
    assert!(now < at("2025-01-17T00:00:00Z"));
    assert_eq!(server.backups().len(), 5, "nothing has expired yet");
}

#[tokio::test]
async fn expired_automatic_backups_disappear_and_manual_ones_stay() {
    let api = Api::vendor().await;
    // 500 expires 2025-01-23T02:00:00Z, seven days after it was made.
    api.server.advance_clock(Duration::from_secs(8 * 86_400));
    assert_eq!(api.get("/api/v1/backups/?server_id=67890").await.ids(), [497]);
    assert_eq!(api.delete("/api/v1/backups/500/").await.code(), (404, "backup_not_found"));
    let restore = api.post("/api/v1/servers/67890/restore/", json!({"backup_id": 500})).await;
    assert_eq!(restore.code(), (404, "backup_not_found"));
    // 501 and 495 expire mid-February.
    api.server.advance_clock(Duration::from_secs(30 * 86_400));
    let all = api.get(BACKUPS).await;
    assert_eq!(all.ids(), [499, 497]);
    assert_eq!(all.json["count"], 2);
    assert!(api.server.backups().iter().all(|b| b.backup_type == BackupType::Manual));
}

#[tokio::test]
async fn extreme_durations_never_panic() {
    // `--complete-after 100000000000000m`, and a clock pushed as far as it goes.
    let forever = Duration::from_secs(100_000_000_000_000 * 60);
    let api =
        Api::start(MockServer::builder().seed(Seed::vendor_examples()).complete_after(forever))
            .await;
    let created = api.create(12345).await;
    assert_eq!(created.status, 201);
    api.server.advance_clock(Duration::MAX);
    api.server.advance_clock(Duration::MAX);
    assert_eq!(api.server.now(), chrono::DateTime::<chrono::Utc>::MAX_UTC);
    // Everything automatic has expired; the manual backups, the new one included, remain.
    let listed = api.get(BACKUPS).await;
    assert_eq!(listed.status, 200);
    assert!(listed.ids().contains(&created.json["id"].as_i64().unwrap()));
    assert_eq!(api.create(12345).await.status, 201);

    // A latency past the end of the timer's range: the answer never comes, and the
    // connection stays open instead of dying with a panic.
    let api = Api::start(MockServer::builder().latency(Duration::MAX)).await;
    let error = api
        .request(Method::GET, BACKUPS)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn generated_automatic_backups_are_retained_seven_to_thirty_days() {
    let server = MockServer::builder().seed(Seed::generated(3, 40)).start().await.unwrap();
    let backups = server.backups();
    assert_eq!(backups.len(), 120);
    for backup in &backups {
        match backup.backup_type {
            BackupType::Automatic => {
                let days = (backup.expires_at.unwrap() - backup.created_at).num_days();
                assert!((7..=30).contains(&days), "{} days", days);
            }
            BackupType::Manual => assert_eq!(backup.expires_at, None),
        }
    }
    let manual = backups
        .iter()
        .filter(|b| b.server.id == 10001 && b.backup_type == BackupType::Manual)
        .count();
    assert_eq!(manual, 4, "every 10th backup is manual");
}

// ---------------------------------------------------------------------------------------------
// Routing, the request log, shutdown

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let api = Api::vendor().await;
    let reply = read(api.http.get(api.server.url("/api/v1/backups"))).await;
    assert_eq!(reply.code(), (404, "not_found"), "no trailing slash, no route");
    let reply = api.get("/api/v2/anything/").await;
    assert_eq!(reply.code(), (404, "not_found"));
    let reply = read(api.request(Method::PUT, BACKUPS)).await;
    assert_eq!(reply.code(), (405, "method_not_allowed"));
    assert_eq!(reply.json["detail"], "Method \"PUT\" not allowed.");
    let reply = read(api.http.put(api.server.url(BACKUPS))).await;
    assert_eq!(reply.status, 401, "authentication comes before the method, as in DRF");
    let reply = read(api.request(Method::GET, "/api/v1/backups/501/")).await;
    assert_eq!(reply.code(), (405, "method_not_allowed"));
}

#[tokio::test]
async fn the_request_log_redacts_the_token() {
    let api = Api::vendor().await;
    let reply = api.post(BACKUPS, json!({"server_id": 12345, "description": TOKEN})).await;
    let _ = read(
        api.http
            .get(api.server.url(&format!("/api/v1/backups/?server_id=12345&t={TOKEN}")))
            .bearer_auth("someone-elses-real-token"),
    )
    .await;
    let log = api.server.requests();
    assert_eq!(log.len(), 2);
    let create = &log[0];
    assert_eq!((create.method.as_str(), create.path.as_str()), ("POST", BACKUPS));
    assert_eq!(create.status, Some(201));
    assert_eq!(create.header("authorization"), Some("Bearer [redacted]"));
    assert_eq!(create.body_json().unwrap()["description"], "[redacted]");
    assert_eq!(Some(create.request_id.as_str()), reply.header("x-request-id"));
    let list = &log[1];
    assert_eq!(list.query.as_deref(), Some("server_id=12345&t=[redacted]"));
    assert_eq!(list.header("authorization"), Some("Bearer [redacted]"));
    assert_eq!(list.status, Some(401));
    let everything = format!("{log:?}{:?}", api.server);
    assert!(!everything.contains(TOKEN));
    assert!(!everything.contains("someone-elses-real-token"));
    api.server.clear_requests();
    assert!(api.server.requests().is_empty());

    // Wherever else the token appears, and whatever a scheme-less `Authorization` holds.
    let _ = read(
        api.http
            .get(api.server.url(BACKUPS))
            .header("Authorization", "my-real-token")
            .header("X-Echo", TOKEN),
    )
    .await;
    let log = api.server.requests();
    assert_eq!(log[0].header("authorization"), Some("[redacted]"));
    assert_eq!(log[0].header("x-echo"), Some("[redacted]"));
}

#[tokio::test]
async fn the_request_log_keeps_the_last_entries() {
    let api = Api::start(MockServer::builder().request_log_capacity(2)).await;
    for _ in 0..3 {
        api.get(BACKUPS).await;
    }
    let ids: Vec<String> = api.server.requests().into_iter().map(|e| e.request_id).collect();
    assert_eq!(ids, ["mock-00000002", "mock-00000003"]);
}

#[tokio::test]
async fn a_request_in_flight_is_answered_before_the_server_stops() {
    let server = MockServer::builder().latency(Duration::from_millis(300)).start().await.unwrap();
    let request = reqwest::Client::new().get(server.url(BACKUPS)).bearer_auth("mock-token").send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    assert_eq!(pending.await.unwrap().unwrap().status(), 200);
}

#[tokio::test]
async fn a_dropped_server_stops_listening() {
    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    // A connection that is open and idle when the server goes.
    let client = reqwest::Client::new();
    let reply = read(client.get(server.url(BACKUPS)).bearer_auth("mock-token")).await;
    assert_eq!(reply.status, 200);
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    drop(server);
    // Dropping signals the server's task; connecting may race it briefly, so ask until refused.
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused);
}

#[tokio::test]
async fn seeds_can_be_built_by_hand() {
    let backup = vpsorg_backups_mock::Backup {
        id: 40,
        server: ServerRef::new(3, "lab"),
        backup_type: BackupType::Manual,
        status: BackupStatus::Failed,
        size_mb: None,
        created_at: at("2030-01-01T00:00:00Z"),
        expires_at: None,
        description: "disk full".into(),
    };
    let api = Api::start(
        MockServer::builder()
            .seed(Seed::empty().server(ServerRef::new(4, "empty")).backup(backup.clone()))
            .clock_start(at("2030-01-02T00:00:00Z")),
    )
    .await;
    assert_eq!(api.server.backups(), [backup]);
    let reply = api.get(BACKUPS).await;
    assert_eq!(reply.json["results"][0]["status"], "failed");
    let created = api.create(4).await;
    assert_eq!(created.json["id"], 41, "ids continue after the seed's");
    assert!(created.json["created_at"].as_str().unwrap().starts_with("2030-01-02T"));
    let restore = api.post("/api/v1/servers/3/restore/", json!({"backup_id": 40})).await;
    assert_eq!(restore.code(), (400, "backup_not_completed"));
}

//! Decoding and error mapping under arbitrary input: whatever status, headers and body a
//! server sends, the crate never panics and always answers with a value or an `Error`
//! variant that fits the status (see `support/decode_input.rs` for every property).
//!
//! The input goes through `vpsorg_backups::__decode::decode`, the seam that takes one
//! response through the generated client's branches and the crate's mapping without a
//! network. The first test proves the seam faithful: for statuses across 200..=599 and three
//! kinds of body, it gives exactly what a real request to the fake server gives.

#[path = "support/decode_input.rs"]
mod decode_input;

use std::collections::BTreeSet;

use decode_input::Input;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};
use vpsorg_backups::__decode::{Call, Decoded, decode};
use vpsorg_backups::{Client, Error, RetryPolicy};
use vpsorg_backups_mock::{Fault, MockServer, Seed};

/// Statuses across the range: every one the spec documents, their neighbours, and others.
const STATUSES: [u16; 42] = [
    200, 201, 202, 203, 204, 205, 206, 226, 299, 300, 301, 302, 303, 304, 307, 308, 399, 400, 401,
    402, 403, 404, 405, 406, 409, 410, 412, 413, 415, 418, 422, 429, 451, 499, 500, 501, 502, 503,
    504, 505, 511, 599,
];

/// What a call's outcome looks like, the same for the client and for the seam. The seam
/// is one attempt: what the client adds around attempts (`OutcomeUnknown` on a create or
/// restore that may have happened) is taken off.
fn outcome<T: std::fmt::Debug>(result: &Result<T, Error>) -> String {
    match result {
        Ok(value) => format!("Ok({value:?})"),
        Err(Error::OutcomeUnknown { source, .. }) => format!("Err({source:?})"),
        Err(error) => format!("Err({error:?})"),
    }
}

/// A success document for each call, so that 2xx statuses decode for real.
fn document(call: Call) -> String {
    let backup = json!({
        "id": 501, "server": {"id": 12345, "name": "web-server-01"},
        "backup_type": "manual", "status": "completed", "size_mb": 4523,
        "created_at": "2025-01-16T03:00:00Z", "expires_at": null, "description": "x",
    });
    match call {
        Call::List { .. } => json!({"count": 1, "next": null, "results": [backup]}),
        Call::Create { .. } => {
            let mut created = backup;
            created["message"] = json!("started");
            created
        }
        Call::Restore { .. } => json!({
            "server": {"id": 12345, "name": "web-server-01"},
            "backup_id": 501, "status": "restoring", "message": "restoring",
        }),
        _ => json!({}),
    }
    .to_string()
}

#[tokio::test]
async fn the_seam_agrees_with_a_real_request_for_every_status() {
    let server = MockServer::builder()
        .token("decode-token")
        .seed(Seed::vendor_examples())
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .token(server.token())
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let raw = reqwest::Client::new();
    let calls = [
        Call::List { page: 1 },
        Call::Create { server_id: 12345 },
        Call::Delete { backup_id: 499 },
        Call::Restore { server_id: 12345, backup_id: 501 },
    ];
    let mut compared = 0;
    let mut kinds = BTreeSet::new();
    for call in calls {
        for status in STATUSES {
            let html = "<html><body><h1>Bad Gateway</h1></body></html>";
            let bodies = [
                ("the mock's DRF body", None, None),
                ("an HTML page", Some(html.to_owned()), Some("text/html")),
                ("the call's success document", Some(document(call)), Some("application/json")),
            ];
            for (what, body, content_type) in bodies {
                // Fires twice: once for the raw request, once for the client.
                let mut fault = Fault::status(status).header("Retry-After", "7").times(2);
                if let Some(body) = body {
                    fault = fault.body(body);
                }
                if let Some(content_type) = content_type {
                    fault = fault.header("Content-Type", content_type);
                }
                server.inject(fault);

                let request = match call {
                    Call::List { .. } => raw.get(server.url("/api/v1/backups/")),
                    Call::Create { .. } => raw.post(server.url("/api/v1/backups/")),
                    Call::Delete { backup_id } => {
                        raw.delete(server.url(&format!("/api/v1/backups/{backup_id}/")))
                    }
                    Call::Restore { server_id, .. } => {
                        raw.post(server.url(&format!("/api/v1/servers/{server_id}/restore/")))
                    }
                    _ => unreachable!("every call is listed"),
                };
                let response = request.bearer_auth(server.token()).send().await.unwrap();
                let got_status = response.status();
                let mut headers = response.headers().clone();
                let body = response.bytes().await.unwrap().to_vec();

                let real = match call {
                    Call::List { .. } => outcome(
                        &client
                            .backups()
                            .list()
                            .send()
                            .await
                            .map(|page| (page.count, page.backups)),
                    ),
                    // One response, as the seam sees it: no listing after an unreadable 2xx.
                    Call::Create { server_id } => outcome(
                        &client
                            .backups()
                            .create(server_id)
                            .resolve_unknown_outcome(false)
                            .send()
                            .await,
                    ),
                    Call::Delete { backup_id } => {
                        outcome(&client.backups().delete(backup_id).send().await)
                    }
                    Call::Restore { server_id, backup_id } => {
                        outcome(&client.servers().restore(server_id, backup_id).send().await)
                    }
                    _ => unreachable!("every call is listed"),
                };

                // The client's request got the next request id.
                let request_id = server.requests().last().unwrap().request_id.clone();
                headers.insert("x-request-id", HeaderValue::from_str(&request_id).unwrap());
                let seamed = decode(call, got_status, headers, body).await;
                let seamed = match &seamed {
                    Ok(Decoded::Page { count, backups, .. }) => {
                        outcome::<_>(&Ok::<_, Error>((u64::try_from(*count).unwrap_or(0), backups)))
                    }
                    Ok(Decoded::Created(created)) => outcome::<_>(&Ok::<_, Error>(created)),
                    Ok(Decoded::Deleted) => outcome::<_>(&Ok::<_, Error>(())),
                    Ok(Decoded::Restored(restore)) => outcome::<_>(&Ok::<_, Error>(restore)),
                    Ok(_) => unreachable!("every outcome is listed"),
                    Err(error) => format!("Err({error:?})"),
                };
                assert_eq!(seamed, real, "{call:?}, {status}, {what}");
                let kind = match real.strip_prefix("Err(") {
                    Some(rest) => rest.split([' ', '{', '(']).next().unwrap_or_default(),
                    None => "Ok",
                };
                kinds.insert(kind.to_owned());
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 4 * STATUSES.len() * 3);
    // The comparison reached successes and every kind of error a response can give.
    for kind in [
        "Ok",
        "Decode",
        "Unauthorized",
        "NotFound",
        "InvalidRequest",
        "RateLimited",
        "Server",
        "UnexpectedStatus",
    ] {
        assert!(kinds.contains(kind), "{kind} never came up: {kinds:?}");
    }
    assert!(server.backups_of(12345).len() == 3 && server.restores().is_empty());
}

/// One current-thread runtime per test thread, for the properties.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

fn call() -> impl Strategy<Value = Call> {
    let id = prop_oneof![4 => 1..100_000i64, 1 => any::<i64>()];
    prop_oneof![
        (1..1000u64).prop_map(|page| Call::List { page }),
        id.clone().prop_map(|server_id| Call::Create { server_id }),
        id.clone().prop_map(|backup_id| Call::Delete { backup_id }),
        (id.clone(), id).prop_map(|(server_id, backup_id)| Call::Restore { server_id, backup_id }),
    ]
}

fn status() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        3 => select(&STATUSES[..]),
        1 => 100..1000u16,
    ]
    .prop_map(|status| StatusCode::from_u16(status).unwrap())
}

/// `Retry-After` and `X-Request-Id` as servers and proxies send them, and as they should not.
fn headers() -> impl Strategy<Value = HeaderMap> {
    let retry_after = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0..100u64).prop_map(|n| n.to_string()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("Sun, 06 Nov 2994 08:49:37 GMT".to_owned()),
        "[ -~]{0,40}",
    ];
    let request_id = prop_oneof![
        "[a-z0-9-]{1,40}",
        "[ -~]{0,300}",
        vec(any::<u8>(), 0..300).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ];
    (proptest::option::of(retry_after), proptest::option::of(request_id)).prop_map(
        |(retry_after, request_id)| {
            let mut headers = HeaderMap::new();
            for (name, value) in [("retry-after", retry_after), ("x-request-id", request_id)] {
                if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                    headers.insert(name, value);
                }
            }
            headers
        },
    )
}

/// Field names the crate reads, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(&[
            "detail", "code", "count", "next", "previous", "results", "id", "server", "name",
            "backup_type", "status", "size_mb", "created_at", "expires_at", "description",
            "message", "backup_id", "non_field_errors", "server_id",
        ][..])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        select(&["manual", "automatic", "completed", "in_progress", "failed", ""][..])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key(), inner), 0..8).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A value for `field` of a backup: usually right, sometimes anything.
fn backup_field(field: &'static str) -> BoxedStrategy<Option<Value>> {
    let right: BoxedStrategy<Value> = match field {
        "id" | "size_mb" => any::<i64>().prop_map(Value::from).boxed(),
        "backup_type" => prop_oneof![
            select(&["manual", "automatic"][..]).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        "status" => prop_oneof![
            select(&["in_progress", "completed", "failed"][..]).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        "created_at" | "expires_at" => prop_oneof![
            Just(Value::from("2025-01-16T03:00:00Z")),
            Just(Value::from("2025-01-16T03:00:00.123456+02:00")),
            any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        "server" => (any::<i64>(), any::<String>())
            .prop_map(|(id, name)| json!({"id": id, "name": name}))
            .boxed(),
        _ => any::<String>().prop_map(Value::from).boxed(),
    };
    prop_oneof![
        8 => right.prop_map(Some),
        1 => json_value().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

/// A backup object, mostly well formed, with unknown fields now and then.
fn backup() -> impl Strategy<Value = Value> {
    let fields = [
        "id",
        "server",
        "backup_type",
        "status",
        "size_mb",
        "created_at",
        "expires_at",
        "description",
    ];
    (fields.map(backup_field), vec((key(), json_value()), 0..2)).prop_map(move |(values, extra)| {
        let mut object: Map<String, Value> = extra.into_iter().collect();
        for (field, value) in fields.into_iter().zip(values) {
            match value {
                Some(value) => object.insert(field.to_owned(), value),
                None => object.remove(field),
            };
        }
        Value::Object(object)
    })
}

/// A body shaped like the call's success document, or like DRF's error body.
fn shaped_body(call: Call) -> BoxedStrategy<Value> {
    let drf_error = (
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        vec((key(), vec(any::<String>(), 0..4)), 0..4),
    )
        .prop_map(|(detail, code, fields)| {
            let mut object: Map<String, Value> =
                fields.into_iter().map(|(field, messages)| (field, json!(messages))).collect();
            if let Some(detail) = detail {
                object.insert("detail".into(), detail.into());
            }
            if let Some(code) = code {
                object.insert("code".into(), code.into());
            }
            Value::Object(object)
        });
    let success = match call {
        Call::List { .. } => (any::<i64>(), vec(backup(), 0..5), json_value())
            .prop_map(
                |(count, results, next)| json!({"count": count, "next": next, "results": results}),
            )
            .boxed(),
        Call::Create { .. } => (backup(), any::<String>())
            .prop_map(|(mut backup, message)| {
                if let Value::Object(object) = &mut backup {
                    object.insert("message".into(), message.into());
                }
                backup
            })
            .boxed(),
        Call::Restore { .. } => (any::<i64>(), any::<i64>(), any::<String>(), any::<String>())
            .prop_map(|(server, backup_id, status, name)| {
                json!({"server": {"id": server, "name": name}, "backup_id": backup_id,
                       "status": status})
            })
            .boxed(),
        _ => Just(json!({})).boxed(),
    };
    prop_oneof![success, drf_error].boxed()
}

/// `cases` cases, or `PROPTEST_CASES` from the environment for a longer run.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(cases),
        // A failure prints its input; the tests keep no files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(3_000))]

    /// Any bytes, read as a call, a status, a few headers and a body.
    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..2_048)) {
        block_on(Input::from_bytes(&data).run()).ok();
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    /// Any JSON value as the body, with any status, for any call.
    #[test]
    fn arbitrary_json_with_any_status(
        call in call(),
        status in status(),
        headers in headers(),
        body in json_value(),
    ) {
        let input = Input { call, status, headers, body: serde_json::to_vec(&body).unwrap() };
        block_on(input.run()).ok();
    }

    /// Bodies shaped like the API's, with wrong or surprising values. Whatever decodes keeps
    /// unknown enum values as they were sent.
    #[test]
    fn documents_with_surprising_values(
        (call, body) in call().prop_flat_map(|call| (Just(call), shaped_body(call))),
        status in status(),
        headers in headers(),
    ) {
        let input = Input { call, status, headers, body: serde_json::to_vec(&body).unwrap() };
        let result = block_on(input.run());
        let sent_types: Vec<Option<&str>> = match (&result, call) {
            (Ok(Decoded::Page { .. }), _) => body["results"]
                .as_array()
                .map(|results| results.iter().map(|b| b["backup_type"].as_str()).collect())
                .unwrap_or_default(),
            (Ok(Decoded::Created(_)), _) => vec![body["backup_type"].as_str()],
            _ => Vec::new(),
        };
        let got_types: Vec<String> = match &result {
            Ok(Decoded::Page { backups, .. }) => {
                backups.iter().map(|b| b.backup_type.as_str().to_owned()).collect()
            }
            Ok(Decoded::Created(created)) => vec![created.backup.backup_type.as_str().to_owned()],
            _ => Vec::new(),
        };
        let sent_types: Vec<String> =
            sent_types.into_iter().map(|t| t.unwrap_or_default().to_owned()).collect();
        prop_assert_eq!(got_types, sent_types);
    }

    /// DRF's error body with any text: the error keeps it bounded and clean, and the API's
    /// `code` picks the variant.
    #[test]
    fn drf_error_bodies_map_by_status_and_code(
        call in call(),
        status in select(&[400u16, 401, 403, 404, 409, 415, 422, 429, 500, 502, 503][..]),
        code in prop_oneof![
            select(&["manual_backup_limit_reached", "server_not_found", "backup_not_found",
                     "throttled", "parse_error"][..]).prop_map(str::to_owned),
            any::<String>(),
        ],
        detail in any::<String>(),
        fields in vec((key(), vec(any::<String>(), 0..3)), 0..3),
    ) {
        let mut body: Map<String, Value> =
            fields.into_iter().map(|(field, messages)| (field, json!(messages))).collect();
        body.insert("detail".into(), detail.into());
        body.insert("code".into(), code.clone().into());
        let status = StatusCode::from_u16(status).unwrap();
        let input = Input {
            call,
            status,
            headers: HeaderMap::new(),
            body: serde_json::to_vec(&body).unwrap(),
        };
        let error = block_on(input.run()).unwrap_err();
        let limit = status == StatusCode::BAD_REQUEST
            && code == "manual_backup_limit_reached"
            && matches!(call, Call::Create { .. });
        prop_assert_eq!(matches!(error, Error::ManualBackupLimit { .. }), limit, "{:?}", error);
    }
}

/// `count` is an `int64` in the contract, but a count of backups below zero is a server
/// bug: a decode error with the answer's status, never a page that silently says 0.
#[test]
fn a_negative_count_is_a_decode_error_with_its_status() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("req-negative"));
    let body = json!({"count": -3, "next": null, "results": []}).to_string();
    let input = Input {
        call: Call::List { page: 1 },
        status: StatusCode::OK,
        headers,
        body: body.into_bytes(),
    };
    let error = block_on(input.run()).unwrap_err();
    let Error::Decode { status, excerpt, request_id, .. } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(*status, StatusCode::OK);
    assert_eq!(request_id.as_deref(), Some("req-negative"));
    assert!(excerpt.starts_with(r#"{"count":-3"#), "{excerpt}");
    insta::assert_snapshot!(
        error.to_string(),
        @"could not decode the API's response (HTTP 200): count -3 is negative"
    );
    // Zero is an empty list, and fine.
    let zero = Input {
        call: Call::List { page: 1 },
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: json!({"count": 0, "results": []}).to_string().into_bytes(),
    };
    assert!(matches!(block_on(zero.run()), Ok(Decoded::Page { count: 0, .. })));
}

#[test]
fn huge_and_hostile_bodies_stay_terse() {
    let long = "x".repeat(10 * 1024 * 1024);
    let many_fields: Map<String, Value> = (0..10_000)
        .map(|i| (format!("field_{i}"), json!(["This field is required.", "Twice.", "Thrice."])))
        .collect();
    let cases: Vec<(Call, u16, Vec<u8>)> = vec![
        // A 10 MB string where a number belongs: the JSON error quotes the string.
        (
            Call::List { page: 1 },
            200,
            json!({"count": long, "results": []}).to_string().into_bytes(),
        ),
        // A 10 MB field name the crate does not know, in a created backup.
        (Call::Create { server_id: 1 }, 201, format!("{{\"{long}\": 1").into_bytes()),
        // Ten thousand field errors.
        (Call::Create { server_id: 1 }, 400, serde_json::to_vec(&many_fields).unwrap()),
        // Control characters and a 10 MB detail.
        (
            Call::Delete { backup_id: 1 },
            503,
            json!({"detail": format!("line\nbreak\u{1b}[31m{long}"), "code": "a\r\nb"})
                .to_string()
                .into_bytes(),
        ),
        // Not UTF-8.
        (Call::List { page: 1 }, 200, vec![0xff, 0xfe, 0x00, 0x80]),
        (Call::Restore { server_id: 1, backup_id: 2 }, 502, vec![0xc3, 0x28]),
    ];
    for (call, status, body) in cases {
        let input = Input {
            call,
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body,
        };
        block_on(input.run()).unwrap_err();
    }
}

/// The fuzz target's seed inputs (`tests/fuzz_seeds/decode/CALL_STATUS_...`, kept in this
/// crate so that its packaged tests read nothing outside it) read as the call and
/// status their names say, and the 2xx ones decode: the harness's byte layout is right.
#[test]
fn the_fuzz_seeds_decode_as_their_names_say() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds/decode");
    let mut seeds = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut parts = name.split('_');
        let call = parts.next().unwrap();
        let status: u16 = parts.next().unwrap().parse().unwrap();
        let input = Input::from_bytes(&std::fs::read(&path).unwrap());
        let called = match input.call {
            Call::List { .. } => "list",
            Call::Create { .. } => "create",
            Call::Delete { .. } => "delete",
            Call::Restore { .. } => "restore",
            _ => "other",
        };
        assert_eq!((called, input.status.as_u16()), (call, status), "{name}");
        let result = block_on(input.run());
        assert_eq!(result.is_ok(), status < 300, "{name}: {result:?}");
        if name == "create_400_limit" {
            assert!(matches!(result, Err(Error::ManualBackupLimit { .. })));
        }
        seeds += 1;
    }
    assert!(seeds >= 10);
}

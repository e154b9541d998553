//! Bad input to the fake server, as raw HTTP/1.1 over a `TcpStream` so that any byte can go
//! anywhere: malformed JSON, wrong types, unknown fields, zero, negative and overflowing ids
//! (path, query and body), bytes that are not UTF-8, bodies over 1 MiB (with a length and
//! chunked), a missing or odd `Content-Type`. Each gets a 4xx with a JSON error body in DRF's
//! shape; nothing changes the server's state; the server answers every request (a panic
//! would drop the connection) and still serves a good request at the end.
//!
//! The ids the spec allows (it sets no minimum) are not bad input: a create or restore
//! naming id 0 or -1 is 404 (no such server or backup), and `?server_id=-1` lists nothing.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vpsorg_backups_mock::{MockServer, Seed};

const TOKEN: &str = "bad-input-token-58ad";
const CREATE: &str = "/api/v1/backups/";
const RESTORE: &str = "/api/v1/servers/12345/restore/";

/// One raw request.
struct Raw {
    label: String,
    method: &'static str,
    target: Vec<u8>,
    /// Extra header lines, each without its CRLF.
    headers: Vec<Vec<u8>>,
    body: Vec<u8>,
    chunked: bool,
}

/// The answer, read to the end of the connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn post(label: impl Into<String>, target: &str, content_type: Option<&[u8]>, body: &[u8]) -> Raw {
    Raw {
        label: label.into(),
        method: "POST",
        target: target.as_bytes().to_vec(),
        headers: content_type
            .map(|ct| [b"Content-Type: ".as_slice(), ct].concat())
            .into_iter()
            .collect(),
        body: body.to_vec(),
        chunked: false,
    }
}

fn json_post(label: impl Into<String>, target: &str, body: &[u8]) -> Raw {
    post(label, target, Some(b"application/json"), body)
}

fn request(label: impl Into<String>, method: &'static str, target: &[u8]) -> Raw {
    Raw {
        label: label.into(),
        method,
        target: target.to_vec(),
        headers: Vec::new(),
        body: Vec::new(),
        chunked: false,
    }
}

async fn send(server: &MockServer, raw: &Raw) -> Answer {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let mut head = Vec::new();
    head.extend_from_slice(raw.method.as_bytes());
    head.push(b' ');
    head.extend_from_slice(&raw.target);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !raw.headers.iter().any(|h| h.starts_with(b"Authorization:")) {
        head.extend_from_slice(format!("Authorization: Bearer {TOKEN}\r\n").as_bytes());
    }
    for header in &raw.headers {
        head.extend_from_slice(header);
        head.extend_from_slice(b"\r\n");
    }
    if raw.chunked {
        head.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        for chunk in raw.body.chunks(64 * 1024) {
            head.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            head.extend_from_slice(chunk);
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"0\r\n\r\n");
    } else {
        head.extend_from_slice(format!("Content-Length: {}\r\n\r\n", raw.body.len()).as_bytes());
        head.extend_from_slice(&raw.body);
    }
    stream.write_all(&head).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    parse(&bytes).unwrap_or_else(|| {
        panic!("{}: no HTTP answer, the connection ended after {} bytes", raw.label, bytes.len())
    })
}

fn parse(bytes: &[u8]) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut content_type = None;
    let mut length = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.trim().to_owned()),
            "content-length" => length = value.trim().parse::<usize>().ok(),
            _ => {}
        }
    }
    let body = &bytes[end + 4..];
    let body = body[..length.unwrap_or(body.len()).min(body.len())].to_vec();
    Some(Answer { status, content_type, body })
}

/// DRF's error shape: `{"detail": str, "code": str}` or `{field: [str, ...], ...}`.
fn is_drf_error(body: &Value) -> bool {
    let Some(object) = body.as_object() else {
        return false;
    };
    if object.contains_key("detail") {
        return object["detail"].is_string() && object.get("code").is_some_and(Value::is_string);
    }
    !object.is_empty()
        && object.values().all(|messages| {
            messages
                .as_array()
                .is_some_and(|list| !list.is_empty() && list.iter().all(Value::is_string))
        })
}

/// The inputs, and the status each must get.
fn cases() -> Vec<(Raw, u16)> {
    let mut cases = Vec::new();
    let huge =
        format!(r#"{{"server_id": 12345, "description": "{}"}}"#, "x".repeat(1024 * 1024 + 1));
    for (op, target, field) in [("create", CREATE, "server_id"), ("restore", RESTORE, "backup_id")]
    {
        let good = if op == "create" { "12345" } else { "501" };
        let body = |value: &str| format!(r#"{{"{field}": {value}}}"#).into_bytes();
        // Malformed JSON.
        for text in [
            format!(r#"{{"{field}": {good}"#),
            format!("{{'{field}': {good}}}"),
            "nul".to_owned(),
            format!(r#"{{"{field}": {good}}} trailing"#),
            format!(r#"{{"{field}": {good},}}"#),
            "{".repeat(10_000),
            format!(r#"{{"{field}": 1e400}}"#),
        ] {
            let label = format!("{op}: malformed JSON {}", &text[..text.len().min(30)]);
            cases.push((json_post(label, target, text.as_bytes()), 400));
        }
        // Wrong types, at the top and in the field.
        for value in ["\"12345\"", "true", "[1]", "{\"id\": 1}", "1.5", "null", "\"\""] {
            cases.push((json_post(format!("{op}: {field} = {value}"), target, &body(value)), 400));
        }
        for top in ["[1]", "\"x\"", "12345", "null", "true"] {
            cases.push((json_post(format!("{op}: body {top}"), target, top.as_bytes()), 400));
        }
        // Unknown fields, and the required one missing.
        cases.push((
            json_post(
                format!("{op}: only unknown fields"),
                target,
                format!(r#"{{"{field}s": {good}, "extra": [1, 2]}}"#).as_bytes(),
            ),
            400,
        ));
        // Ids: out of int64 is invalid (400); zero and negative are ids nothing has (404).
        for (value, status) in [
            ("9223372036854775808", 400),
            ("-9223372036854775809", 400),
            ("99999999999999999999999", 400),
            ("0", 404),
            ("-1", 404),
            ("-9223372036854775808", 404),
        ] {
            cases.push((
                json_post(format!("{op}: {field} = {value}"), target, &body(value)),
                status,
            ));
        }
        // Bytes that are not UTF-8, in a string, in a key, alone.
        for bytes in [
            [&body(good)[..body(good).len() - 1], b", \"description\": \"\xff\xfe\"}"].concat(),
            [b"{\"\xc3\x28\": 1, \"".as_slice(), field.as_bytes(), b"\": 1}"].concat(),
            b"\xff\xfe\xfd".to_vec(),
        ] {
            cases.push((json_post(format!("{op}: not UTF-8"), target, &bytes), 400));
        }
        // Over 1 MiB, with a length and chunked.
        cases.push((json_post(format!("{op}: body over 1 MiB"), target, huge.as_bytes()), 400));
        let mut chunked =
            json_post(format!("{op}: chunked body over 1 MiB"), target, huge.as_bytes());
        chunked.chunked = true;
        cases.push((chunked, 400));
        // A missing or odd Content-Type (the body is good JSON).
        let good_body = body(good);
        for content_type in [
            None,
            Some(b"text/plain".as_slice()),
            Some(b"application/x-www-form-urlencoded"),
            Some(b"multipart/form-data; boundary=x"),
            Some(b"application/json-patch+json"),
            Some(b"application/jsonx"),
            Some(b"application/json\xff"),
            Some(b"\xff\xfe"),
            Some(b""),
        ] {
            let label =
                format!("{op}: Content-Type {:?}", content_type.map(String::from_utf8_lossy));
            cases.push((post(label, target, content_type, &good_body), 415));
        }
    }
    // Ids in paths: Django's <int:...> takes digits only, so the rest is a routing 404.
    for id in ["0", "-1", "9223372036854775808", "%FF", "%C3%28", "1.5", "abc", "%00", "1e3"] {
        cases.push((
            request(
                format!("delete /backups/{id}/"),
                "DELETE",
                format!("/api/v1/backups/{id}/").as_bytes(),
            ),
            404,
        ));
        let mut restore = json_post(
            format!("restore /servers/{id}/"),
            &format!("/api/v1/servers/{id}/restore/"),
            br#"{"backup_id": 501}"#,
        );
        restore.label = format!("restore /servers/{id}/");
        cases.push((restore, 404));
    }
    // Queries: wrong types, empty filters, overflowing and non-UTF-8 values.
    for (query, status) in [
        ("server_id=abc", 400),
        ("server_id=", 400),
        ("backup_type=", 400),
        ("server_id=99999999999999999999", 400),
        ("server_id=%FF", 400),
        ("backup_type=%FF%FE", 400),
        ("backup_type=MANUAL", 400),
        ("page_size=0", 400),
        ("page_size=-1", 400),
        ("page_size=18446744073709551616", 400),
        ("page=-1", 404),
        ("page=0", 404),
        ("page=18446744073709551616", 404),
        ("page=%FF", 404),
    ] {
        cases.push((
            request(format!("list ?{query}"), "GET", format!("{CREATE}?{query}").as_bytes()),
            status,
        ));
    }
    // Not UTF-8 in the token: DRF refuses it as a credential.
    let mut bad_token = request("list with a non-UTF-8 token", "GET", CREATE.as_bytes());
    bad_token.headers.push(b"Authorization: Bearer \xff\xfe".to_vec());
    cases.push((bad_token, 401));
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_json_4xx_and_changes_nothing() {
    let server =
        MockServer::builder().token(TOKEN).seed(Seed::vendor_examples()).start().await.unwrap();
    let before = (server.backups(), server.restores());
    let cases = cases();
    let mut failures = Vec::new();
    for (raw, want) in &cases {
        let answer = send(&server, raw).await;
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let problem = if answer.status != *want {
            Some(format!("status {} (want {want})", answer.status))
        } else if answer.content_type.as_deref() != Some("application/json") {
            Some(format!("content type {:?}", answer.content_type))
        } else if !json.as_ref().is_some_and(is_drf_error) {
            Some("a body that is not DRF's error JSON".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "{}: {problem}: {}",
                raw.label,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)])
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((server.backups(), server.restores()), before, "no bad request changed anything");
    // Ids the spec allows, in a filter: nothing matches.
    for query in ["server_id=0", "server_id=-1", "server_id=-9223372036854775808"] {
        let answer =
            send(&server, &request(query, "GET", format!("{CREATE}?{query}").as_bytes())).await;
        let json: Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!((answer.status, &json["count"]), (200, &Value::from(0)), "{query}");
    }
    // Still serving.
    let answer = send(&server, &request("a good list", "GET", CREATE.as_bytes())).await;
    assert_eq!(answer.status, 200);
    println!("{} bad requests, each a JSON 4xx, state unchanged", cases.len());
}

/// Bytes the HTTP parser itself refuses never reach the API: hyper answers 400 and closes,
/// and the server goes on serving.
#[tokio::test]
async fn requests_http_cannot_parse_are_refused_and_the_server_goes_on() {
    let server = MockServer::builder().token(TOKEN).start().await.unwrap();
    let mut seen = Vec::new();
    for garbage in [
        b"GET /api/v1/backups/\xff HTTP/1.1\r\nHost: x\r\n\r\n".as_slice(),
        b"\x00\x01\x02\x03\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /api/v1/backups/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST /api/v1/backups/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(garbage).await.unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes).await;
        match parse(&bytes) {
            Some(answer) => {
                assert!(
                    (400..500).contains(&answer.status),
                    "{:?}: {answer:?}",
                    String::from_utf8_lossy(garbage)
                );
                seen.push(answer.status.to_string());
            }
            None => seen.push("closed".to_owned()),
        }
    }
    println!("unparsable requests got: {}", seen.join(", "));
    assert!(server.backups().len() == 5 && server.restores().is_empty());
    let answer = send(&server, &request("a good list", "GET", CREATE.as_bytes())).await;
    assert_eq!(answer.status, 200);
}

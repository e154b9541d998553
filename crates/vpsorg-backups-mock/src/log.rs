//! The request log: what each request looked like, with credentials redacted.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use bytes::Bytes;

use crate::fault::Operation;

const LOGGED_BODY_LIMIT: usize = 64 * 1024;

/// Tokens shorter than this are only redacted from `Authorization` headers: scrubbing a short
/// token such as `t` from free text would mangle every body.
const SCRUB_MIN_TOKEN_LEN: usize = 8;

/// What replaces a credential in the log.
pub const REDACTED: &str = "[redacted]";

/// One request as the mock received it, with credentials redacted.
///
/// `Authorization` and `Proxy-Authorization` keep only their scheme (`Bearer [redacted]`),
/// whatever the token; the server's own token is also replaced by `[redacted]` wherever else it
/// appears (other headers, the query, the body) when it is at least 8 characters long.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The `X-Request-Id` the mock answered with (`mock-00000001`, …).
    pub request_id: String,
    /// `GET`, `POST`, ….
    pub method: String,
    /// The path, such as `/api/v1/backups/`.
    pub path: String,
    /// The raw query string without `?`, if there was one.
    pub query: Option<String>,
    /// Every header in order, names in lower case, values decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body as received (at most 64 KiB of it; `body_len` has the full length). Empty when
    /// a fault dropped the connection before it was read.
    pub body: Bytes,
    /// The full length of the body in bytes.
    pub body_len: usize,
    /// The operation the request was for, if it was for one.
    pub operation: Option<Operation>,
    /// The fault that fired on it, in the fault syntax (`list:503:nth=1:times=1`).
    pub fault: Option<String>,
    /// The status the mock answered with; `None` when the connection was dropped instead.
    pub status: Option<u16>,
}

impl LoggedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Starts an entry from a request's head, with the server's `token` and every
    /// credential redacted.
    pub(crate) fn new(
        parts: &Parts,
        token: &str,
        request_id: String,
        operation: Option<Operation>,
        fault: Option<String>,
    ) -> Self {
        let redact = |(name, value): (&HeaderName, &HeaderValue)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let value = match name.as_str() {
                "authorization" | "proxy-authorization" => match value.trim().split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                    None => REDACTED.to_string(),
                },
                _ => scrub(token, value),
            };
            (name.as_str().to_string(), value)
        };
        let headers = parts.headers.iter().map(redact).collect();
        Self {
            request_id,
            method: parts.method.to_string(),
            path: scrub(token, parts.uri.path().to_string()),
            query: parts.uri.query().map(|q| scrub(token, q.to_string())),
            headers,
            body: Bytes::new(),
            body_len: 0,
            operation,
            fault,
            status: None,
        }
    }

    /// Records the body (its first 64 KiB, redacted) and its full length.
    pub(crate) fn set_body(&mut self, token: &str, body: &[u8], body_len: usize) {
        self.body = scrub_bytes(token, &body[..body.len().min(LOGGED_BODY_LIMIT)]);
        self.body_len = body_len;
    }
}

/// `text` with the server's `token` replaced by [`REDACTED`] (see [`scrub_bytes`]).
fn scrub(token: &str, text: String) -> String {
    String::from_utf8(scrub_bytes(token, text.as_bytes()).into()).unwrap_or(text)
}

/// `bytes` with the server's `token` replaced by [`REDACTED`], if the token is long enough to
/// be told from other text.
fn scrub_bytes(token: &str, bytes: &[u8]) -> Bytes {
    let token = token.as_bytes();
    if token.len() < SCRUB_MIN_TOKEN_LEN {
        return Bytes::copy_from_slice(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(token.len()).position(|w| w == token) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[at + token.len()..];
    }
    out.extend_from_slice(rest);
    Bytes::from(out)
}

/// The last `capacity` requests.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))), capacity }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<LoggedRequest>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether entries are kept at all (a capacity of 0 turns the log off).
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Keeps an entry (if the log is on) with the status answered (`None`: no answer).
    pub(crate) fn push(&self, entry: Option<LoggedRequest>, status: Option<u16>) {
        if let Some(entry) = entry {
            let mut entries = self.lock();
            if entries.len() >= self.capacity {
                entries.pop_front();
            }
            entries.push_back(LoggedRequest { status, ..entry });
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

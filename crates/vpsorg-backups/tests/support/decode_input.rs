//! One response built from arbitrary bytes, and the properties every decoded response must
//! have, whatever the server sent. Shared by `tests/decode.rs` (proptest) and the cargo-fuzz
//! target `fuzz/fuzz_targets/decode.rs`, so that CI runs the fuzz target's checks too.

#![allow(dead_code, unreachable_pub, reason = "each user takes part of the harness")]

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use vpsorg_backups::__decode::{Call, Decoded, decode};
use vpsorg_backups::Error;

/// The most characters any error's `Display` may have, whatever the body: one terse line.
pub const MAX_DISPLAY_CHARS: usize = 2_500;

/// The most characters of server text (`code`, `detail`, `X-Request-Id`) an error keeps,
/// the ellipsis included.
pub const MAX_SERVER_TEXT_CHARS: usize = 201;

/// The headers an input can carry: the ones the mapping reads, and two it must ignore.
const HEADER_NAMES: [&str; 5] =
    ["retry-after", "x-request-id", "content-type", "location", "www-authenticate"];

/// One response to one call.
#[derive(Debug, Clone)]
pub struct Input {
    pub call: Call,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Reads bytes front to back; missing bytes read as zero.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    fn id(&mut self) -> i64 {
        // Mostly small ids, sometimes any i64 (zero, negative, the extremes).
        match self.byte() % 4 {
            0 => {
                let mut bytes = [0; 8];
                let given = self.take(8);
                bytes[..given.len()].copy_from_slice(given);
                i64::from_le_bytes(bytes)
            }
            _ => i64::from(self.byte()) + 1,
        }
    }
}

impl Input {
    /// Layout: call (1 byte, then its ids), status (2 bytes, into 100..=999), header count
    /// (1 byte, up to 3), each header as name (1 byte), length (1 byte) and value, then the
    /// body: everything left.
    pub fn from_bytes(data: &[u8]) -> Input {
        let mut reader = Reader(data);
        let call = match reader.byte() % 4 {
            0 => Call::List { page: u64::from(reader.byte()) + 1 },
            1 => Call::Create { server_id: reader.id() },
            2 => Call::Delete { backup_id: reader.id() },
            _ => Call::Restore { server_id: reader.id(), backup_id: reader.id() },
        };
        let raw = u16::from_le_bytes([reader.byte(), reader.byte()]);
        // Mostly the statuses an API sends, sometimes anything HTTP allows.
        let status = if raw % 8 == 0 { 100 + raw % 900 } else { 200 + raw % 400 };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let mut headers = HeaderMap::new();
        for _ in 0..reader.byte() % 4 {
            let name = HEADER_NAMES[usize::from(reader.byte()) % HEADER_NAMES.len()];
            let length = usize::from(reader.byte() % 64);
            if let Ok(value) = HeaderValue::from_bytes(reader.take(length)) {
                headers.append(HeaderName::from_static(name), value);
            }
        }
        Input { call, status, headers, body: reader.0.to_vec() }
    }

    /// Decodes this response as the crate would, and checks every property.
    pub async fn run(self) -> Result<Decoded, Error> {
        let result = decode(self.call, self.status, self.headers.clone(), self.body.clone()).await;
        check(&self, &result);
        result
    }
}

/// Text the crate took from the server: bounded, on one line.
fn assert_clean(what: &str, text: &str, input: &Input) {
    assert!(
        text.chars().count() <= MAX_SERVER_TEXT_CHARS,
        "{what} keeps {} characters: {input:?}",
        text.chars().count()
    );
    assert!(!text.chars().any(char::is_control), "{what} has a control character: {text:?}");
}

/// The properties of any outcome:
///
/// - a 2xx decodes or is [`Error::Decode`] (a list) or [`Error::AnswerUnreadable`] (a create
///   or restore, which the API accepted); any other status is an error that is neither, and
///   whose `status()` is the response's status;
/// - 401/403, 404, 429 and 5xx map to their own variants, and 429, 502, 503 and 504 are
///   retryable;
/// - a `Retry-After` in whole seconds is read on 429 and 5xx;
/// - `Display` is one line without control characters and at most [`MAX_DISPLAY_CHARS`]
///   long, and the server text an error keeps is bounded and clean.
pub fn check(input: &Input, result: &Result<Decoded, Error>) {
    let status = input.status;
    let error = match result {
        Ok(_) => {
            assert!(status.is_success(), "{status} decoded as a success: {input:?}");
            return;
        }
        Err(error) => error,
    };
    assert_eq!(error.status(), Some(status), "{error:?}");
    let acts = matches!(input.call, Call::Create { .. } | Call::Restore { .. });
    assert_eq!(
        matches!(error, Error::Decode { .. }),
        status.is_success() && !acts,
        "only a 2xx fails to decode: {error:?}"
    );
    assert_eq!(
        matches!(error, Error::AnswerUnreadable { .. }),
        status.is_success() && acts,
        "a create's or restore's 2xx was accepted: {error:?}"
    );
    let variant_fits = match status.as_u16() {
        401 | 403 => matches!(error, Error::Unauthorized { .. }),
        404 => matches!(error, Error::NotFound { .. }),
        429 => matches!(error, Error::RateLimited { .. }),
        500..=599 => matches!(error, Error::Server { .. }),
        _ => true,
    };
    assert!(variant_fits, "{status} mapped to {error:?}");
    if matches!(status.as_u16(), 429 | 502..=504) {
        assert!(error.is_retryable(), "{error:?}");
    }
    if matches!(status.as_u16(), 429 | 500..=599) {
        let seconds = input
            .headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if let Some(seconds) = seconds {
            assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(seconds)));
        }
    }
    let shown = error.to_string();
    assert!(
        shown.chars().count() <= MAX_DISPLAY_CHARS,
        "Display is {} characters long for a {}-byte body: {}…",
        shown.chars().count(),
        input.body.len(),
        shown.chars().take(300).collect::<String>()
    );
    assert!(!shown.chars().any(char::is_control), "Display has a control character: {shown:?}");
    for (what, text) in
        [("code", error.code()), ("detail", error.detail()), ("request id", error.request_id())]
    {
        if let Some(text) = text {
            assert_clean(what, text, input);
        }
    }
    if let Error::InvalidRequest { field_errors, .. } = error {
        for (field, messages) in field_errors {
            assert_clean("a field name", field, input);
            for message in messages {
                assert_clean("a field message", message, input);
            }
        }
    }
    // Debug must not panic either.
    let _ = format!("{error:?}");
}

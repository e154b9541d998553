//! Raw HTTP to the configured origin: the token only in a sensitive `Authorization` header,
//! no redirect ever followed, a bounded wait on `Retry-After`, bounded bodies.

use std::time::{Duration, Instant, SystemTime};

use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Method};
use reqwest::Url;

use super::{Error, excerpt};
use vpsorg_backups::__private::{check_base_url, retry_after};

/// The most of a body the doctor reads; the contract's bodies are a few KiB.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Attempts per probe: the first, and retries after a 429 or a transient 5xx.
const MAX_ATTEMPTS: usize = 3;
const DEFAULT_RETRY_PAUSE: Duration = Duration::from_secs(1);
/// A token the API cannot accept, for the "wrong token" probe.
const WRONG_TOKEN: &str = "vpsorg-doctor-wrong-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Credential {
    Token,
    None,
    #[serde(rename = "wrong_token")]
    Wrong,
}

/// One request of the plan: `target` is the path and query relative to the base URL
/// (`/api/v1/backups/?page_size=1`); a body is sent as `application/json`, JSON or not.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) target: String,
    pub(crate) credential: Credential,
    pub(crate) body: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Every answer one request got (retries included), or why the last attempt got none.
pub(crate) struct Sent {
    pub(crate) answers: Vec<Answer>,
    pub(crate) error: Option<String>,
    pub(crate) elapsed: Duration,
}

pub(crate) struct Transport {
    client: reqwest::Client,
    pub(crate) base: Url,
    authorization: HeaderValue,
    wrong_authorization: HeaderValue,
    max_retry_wait: Duration,
}

impl Transport {
    pub(crate) fn new(
        base: Url,
        token: &str,
        timeout: Duration,
        max_retry_wait: Duration,
    ) -> Result<Self, Error> {
        let authorization = bearer(token)?;
        let wrong =
            if token == WRONG_TOKEN { format!("{WRONG_TOKEN}-2") } else { WRONG_TOKEN.to_string() };
        let wrong_authorization = bearer(&wrong)?;
        let client = reqwest::Client::builder()
            // A redirect is an answer to report, never a request to make: following one could
            // carry the token to another origin.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("vpsorg-doctor/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        Ok(Self { client, base, authorization, wrong_authorization, max_retry_wait })
    }

    /// Sends a request; retries a 429, 502, 503 or 504 after its `Retry-After` (or a second)
    /// as long as the wait fits `max_retry_wait`, up to three attempts.
    pub(crate) async fn send(&self, request: &Request) -> Sent {
        let started = Instant::now();
        let mut answers = Vec::new();
        for attempt in 1..=MAX_ATTEMPTS {
            let answer = match self.send_once(request).await {
                Ok(answer) => answer,
                Err(error) => {
                    return Sent { answers, error: Some(error), elapsed: started.elapsed() };
                }
            };
            let pause = matches!(answer.status, 429 | 502 | 503 | 504)
                .then(|| retry_after(&answer.headers, SystemTime::now()))
                .map(|wait| wait.unwrap_or(DEFAULT_RETRY_PAUSE));
            answers.push(answer);
            match pause {
                Some(wait) if attempt < MAX_ATTEMPTS && wait <= self.max_retry_wait => {
                    tokio::time::sleep(wait).await;
                }
                _ => break,
            }
        }
        Sent { answers, error: None, elapsed: started.elapsed() }
    }

    async fn send_once(&self, request: &Request) -> Result<Answer, String> {
        let url = format!("{}{}", self.base.as_str().trim_end_matches('/'), request.target);
        let mut builder = self.client.request(request.method.clone(), url);
        match request.credential {
            Credential::Token => builder = builder.header(AUTHORIZATION, &self.authorization),
            Credential::Wrong => builder = builder.header(AUTHORIZATION, &self.wrong_authorization),
            Credential::None => {}
        }
        if let Some(body) = request.body {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json").body(body);
        }
        let mut response = builder.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!(
                    "HTTP {status} with a body over {} MiB, not read to the end",
                    MAX_BODY >> 20
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, headers, body })
    }
}

/// `Bearer <token>` as a header value marked sensitive (hyper and reqwest then keep it out
/// of their logs and `Debug`).
fn bearer(token: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::Token("the token holds characters an HTTP header cannot carry".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A transport error in words: its specific causes, as the CLI's errors give them (the
/// report names the request already).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer before the timeout".to_string();
    }
    let error = error.without_url();
    crate::text::root_cause(&error).unwrap_or_else(|| error.to_string())
}

/// A header's value, trimmed, if it is text.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string())
}

/// Checks a base URL by the client's rules ([`check_base_url`]) and drops a trailing `/`
/// from its path.
pub(crate) fn parse_base_url(text: &str) -> Result<Url, Error> {
    let mut url = check_base_url(text, false)
        .map_err(|problem| Error::BaseUrl(format!("`{}` {problem}", excerpt(text))))?;
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
#[path = "tests/transport.rs"]
mod tests;

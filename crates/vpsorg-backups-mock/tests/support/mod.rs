//! A small HTTP helper shared by the integration tests: a started mock and a reqwest client
//! that sends its token.

// reason: each test file uses a different subset of these helpers.
#![allow(dead_code)]

use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use vpsorg_backups_mock::{MockServer, MockServerBuilder, Seed};

/// The token the tests' servers accept.
pub(crate) const TOKEN: &str = "test-token-5f1c9a";

/// A running mock and a client for it.
pub(crate) struct Api {
    pub(crate) server: MockServer,
    pub(crate) http: reqwest::Client,
}

/// An answer, read completely.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The body as JSON, or `Value::Null` when it is empty or not JSON.
    pub(crate) json: Value,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `(status, code)` of a DRF `{"detail", "code"}` body.
    pub(crate) fn code(&self) -> (u16, &str) {
        (self.status, self.json["code"].as_str().unwrap_or(""))
    }

    /// The ids in a list's `results`.
    pub(crate) fn ids(&self) -> Vec<i64> {
        self.json["results"]
            .as_array()
            .map(|r| r.iter().filter_map(|b| b["id"].as_i64()).collect())
            .unwrap_or_default()
    }
}

impl Api {
    /// A mock with the tests' token and everything else from `builder`.
    pub(crate) async fn start(builder: MockServerBuilder) -> Self {
        let server = builder.token(TOKEN).start().await.expect("the mock starts");
        Self { server, http: reqwest::Client::new() }
    }

    /// A mock seeded with the vendor's examples.
    pub(crate) async fn vendor() -> Self {
        Self::start(MockServer::builder().seed(Seed::vendor_examples())).await
    }

    /// A request with the token.
    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.server.url(path))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        read(self.request(Method::GET, path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        read(self.request(Method::POST, path).json(&body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Reply {
        read(self.request(Method::DELETE, path)).await
    }

    pub(crate) async fn create(&self, server_id: i64) -> Reply {
        self.post("/api/v1/backups/", serde_json::json!({"server_id": server_id})).await
    }
}

/// Sends a request and reads the whole answer.
pub(crate) async fn read(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("the request gets an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("the body arrives whole");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, headers, json, text }
}

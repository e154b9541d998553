//! The API's error answers and JSON responses, as DRF writes them.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer, as DRF writes it.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{"detail": "...", "code": "..."}`.
    Detail { status: StatusCode, detail: String, code: &'static str },
    /// `{"field": ["message", ...]}`, always 400.
    Fields(BTreeMap<String, Vec<String>>),
}

impl ApiError {
    pub(crate) fn detail(
        status: StatusCode,
        detail: impl Into<String>,
        code: &'static str,
    ) -> Self {
        Self::Detail { status, detail: detail.into(), code }
    }

    pub(crate) fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, "Not found.", "not_found")
    }

    pub(crate) fn server_not_found(id: i64) -> Self {
        let detail = format!("Server {id} not found.");
        Self::detail(StatusCode::NOT_FOUND, detail, "server_not_found")
    }

    pub(crate) fn backup_not_found(id: i64) -> Self {
        let detail = format!("Backup {id} not found.");
        Self::detail(StatusCode::NOT_FOUND, detail, "backup_not_found")
    }

    pub(crate) fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Fields(BTreeMap::from([(field.to_string(), vec![message.into()])]))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Detail { status, detail, code } => {
                let mut response = json_response(status, &DetailBody { detail, code });
                if status == StatusCode::UNAUTHORIZED {
                    response.headers_mut().insert(
                        WWW_AUTHENTICATE,
                        HeaderValue::from_static(r#"Bearer realm="api""#),
                    );
                }
                response
            }
            Self::Fields(fields) => json_response(StatusCode::BAD_REQUEST, &fields),
        }
    }
}

/// `{"detail": "...", "code": "..."}`, in that order.
#[derive(Serialize)]
pub(crate) struct DetailBody<D: Serialize> {
    pub(crate) detail: D,
    pub(crate) code: &'static str,
}

/// Field errors collected while validating, in DRF's shape (sorted by field, as serde_json
/// writes an object).
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(pub(crate) BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// The value, or `None` with its message recorded against `field`.
    pub(crate) fn check<T>(&mut self, field: &str, value: Result<T, String>) -> Option<T> {
        let record = |message| self.0.entry(field.to_string()).or_default().push(message);
        value.map_err(record).ok()
    }

    pub(crate) fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Fields(self.0)) }
    }
}

/// A JSON response; serializing the mock's own types cannot fail, but an empty body beats a panic.
pub(crate) fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    bytes_response(status, serde_json::to_vec(value).unwrap_or_default())
}

pub(crate) fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

//! The API's error answers and JSON responses, as DRF writes them.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// An error answer, as DRF writes it.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{"detail": "...", "code": "..."}`.
    Detail { status: StatusCode, detail: String, code: &'static str },
    /// `{"field": ["message", ...]}`, always 400.
    Fields(Map<String, Value>),
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
        let mut fields = FieldErrors::default();
        fields.add(field, message);
        Self::Fields(fields.0)
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

/// Field errors collected while validating, in DRF's shape.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = entry {
            messages.push(Value::String(message.into()));
        }
    }

    /// The value, or `None` with its message recorded against `field`.
    pub(crate) fn check<T>(&mut self, field: &str, value: Result<T, String>) -> Option<T> {
        value.map_err(|message| self.add(field, message)).ok()
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

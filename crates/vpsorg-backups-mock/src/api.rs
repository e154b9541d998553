//! The API itself: axum routes and handlers that follow `openapi/backups.yaml`, with DRF's
//! error bodies and its order of checks (routing, then authentication, then the body).

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldErrors, bytes_response, json_response};
use crate::model::{Backup, BackupType};
use crate::state::{BackupView, ListQuery, Shared};

/// The largest request body the API reads (Django refuses bigger ones with a 400).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;
/// `page_size` when none is given, and the most allowed.
const DEFAULT_PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;
const DESCRIPTION_MAX_CHARS: usize = 255;

/// The request body, read (up to [`BODY_LIMIT`]) by the connection layer before routing.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestBody {
    /// Empty when the body is over [`BODY_LIMIT`].
    pub(crate) bytes: Bytes,
    pub(crate) len: usize,
}

/// Proof that the request carries the server's token (DRF `TokenAuthentication` with the
/// `Bearer` keyword). Extract it first so that 401 comes before any other check.
#[derive(Debug)]
pub(crate) struct Authenticated;

impl FromRequestParts<Arc<Shared>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let not_provided = || {
            let detail = "Authentication credentials were not provided.";
            ApiError::detail(StatusCode::UNAUTHORIZED, detail, "not_authenticated")
        };
        let value = parts.headers.get(AUTHORIZATION).ok_or_else(not_provided)?;
        let words = value.as_bytes().split(u8::is_ascii_whitespace);
        let mut words = words.filter(|w| !w.is_empty());
        // Another scheme (Basic, Token, ...) is not ours: DRF treats it as no credentials at all.
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case(b"bearer")) {
            return Err(not_provided());
        }
        let detail = match (words.next(), words.next()) {
            (None, _) => "Invalid token header. No credentials provided.",
            (Some(_), Some(_)) => "Invalid token header. Token string should not contain spaces.",
            (Some(credential), None) if std::str::from_utf8(credential).is_err() => {
                "Invalid token header. Token string should not contain invalid characters."
            }
            (Some(credential), None) if constant_time_eq(credential, shared.token.as_bytes()) => {
                return Ok(Authenticated);
            }
            _ => "Invalid token.",
        };
        Err(ApiError::detail(StatusCode::UNAUTHORIZED, detail, "authentication_failed"))
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The API's routes. The connection layer in [`crate::server`] reads the body first and puts
/// a [`RequestBody`] in the request's extensions.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/backups/", get(list_backups).post(create_backup))
        .route("/api/v1/backups/{backup_id}/", delete(delete_backup))
        .route("/api/v1/servers/{server_id}/restore/", post(restore_server))
        .fallback(async || ApiError::not_found())
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

async fn method_not_allowed(_: Authenticated, method: Method) -> ApiError {
    let detail = format!("Method \"{method}\" not allowed.");
    ApiError::detail(StatusCode::METHOD_NOT_ALLOWED, detail, "method_not_allowed")
}

/// A path id as Django's `<int:...>` converter takes it: ASCII digits that fit an `i64`.
fn path_id(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let digits = path.ok().filter(|Path(raw)| raw.bytes().all(|b| b.is_ascii_digit()));
    digits.and_then(|Path(raw)| raw.parse().ok()).ok_or_else(ApiError::not_found)
}

#[derive(Serialize)]
struct BackupList<'a> {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<BackupView<'a>>,
}

async fn list_backups(
    _: Authenticated,
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes());
    let pairs: Vec<(String, String)> = pairs.into_owned().collect();
    // Django's QueryDict.get: the last value of a repeated parameter wins.
    let given = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    // An empty `page_size` means the default, as DRF's `get_page_size` reads it; an empty
    // `page` is a page number that is not an integer (404 below), as Django's paginator
    // reads it. The filters are typed by the spec (an int64, an enum), and "" is neither.
    let mut errors = FieldErrors::default();
    let server_id = given("server_id").and_then(|v| {
        let id = v.trim().parse::<i64>();
        errors.check("server_id", id.map_err(|_| "Enter a whole number.".into()))
    });
    let backup_type = given("backup_type").and_then(|v| {
        let backup_type = serde_json::from_value::<BackupType>(v.into()).map_err(|_| {
            format!("Select a valid choice. {v} is not one of the available choices.")
        });
        errors.check("backup_type", backup_type)
    });
    let page_size: Result<u64, String> = match given("page_size").filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(v) => match v.trim().parse::<i128>() {
            Err(_) => Err("A valid integer is required.".to_string()),
            Ok(n) if n < 1 => Err("Ensure this value is greater than or equal to 1.".into()),
            Ok(n) => u64::try_from(n).ok().filter(|&n| n <= MAX_PAGE_SIZE).ok_or_else(|| {
                format!("Ensure this value is less than or equal to {MAX_PAGE_SIZE}.")
            }),
        },
    };
    let page_size = errors.check("page_size", page_size).unwrap_or(DEFAULT_PAGE_SIZE);
    errors.into_result()?;
    let invalid_page = || ApiError::detail(StatusCode::NOT_FOUND, "Invalid page.", "not_found");
    // DRF compares the raw value with `last_page_strings` (`last`), then Django's paginator
    // reads a number with Python's int(), which allows surrounding whitespace.
    let page = match given("page") {
        None => Some(1),
        Some("last") => None,
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| invalid_page())?),
    };
    let query = ListQuery { server_id, backup_type, page, page_size };
    let origin = request_origin(&headers, &shared.base_url);
    let link = |page: u64| page_link(&origin, &pairs, page);
    let (state, now) = shared.read();
    let found = state.list(query, now).ok_or_else(invalid_page)?;
    let body = BackupList {
        count: found.count,
        next: (found.number < found.pages).then(|| link(found.number + 1)),
        previous: (found.number > 1).then(|| link(found.number - 1)),
        results: found.results,
    };
    // Serialized under the read lock: the page borrows from the state.
    let mut bytes = Vec::with_capacity(128 + 320 * body.results.len());
    serde_json::to_writer(&mut bytes, &body).unwrap_or_default();
    drop(state);
    Ok(bytes_response(StatusCode::OK, bytes))
}

/// The scheme and host that links start with, as Django's `build_absolute_uri` finds them:
/// `X-Forwarded-Host` (behind a proxy, with `USE_X_FORWARDED_HOST`) or else `Host`, and
/// `X-Forwarded-Proto` (with `SECURE_PROXY_SSL_HEADER`) or else `http`. A missing or
/// malformed host falls back to the server's own address.
fn request_origin(headers: &HeaderMap, base_url: &str) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            // A proxy chain lists the client-facing value first.
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|host| host.parse::<axum::http::uri::Authority>().is_ok());
    let scheme = if header("x-forwarded-proto") == Some("https") { "https" } else { "http" };
    host.map_or_else(|| base_url.to_owned(), |host| format!("{scheme}://{host}"))
}

/// DRF's `replace_query_param`: the same path and parameters, sorted by name, with `page`
/// replaced; the link to page 1 has no `page` at all (DRF's `remove_query_param`).
fn page_link(origin: &str, pairs: &[(String, String)], page: u64) -> String {
    let mut kept: Vec<(&str, &str)> =
        pairs.iter().filter(|(k, _)| k != "page").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = page.to_string();
    if page != "1" {
        kept.push(("page", &page));
    }
    kept.sort_by(|a, b| a.0.cmp(b.0));
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
    let mark = if query.is_empty() { "" } else { "?" };
    format!("{origin}/api/v1/backups/{mark}{query}")
}

/// DRF's parser negotiation and `JSONParser`: the body as a JSON object.
fn json_object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    let none = RequestBody::default();
    let body = request.extensions().get::<RequestBody>().unwrap_or(&none);
    if body.len == 0 {
        // DRF: an empty body is empty data, whatever its content type.
        return Ok(Map::new());
    }
    let content_type = request.headers().get(CONTENT_TYPE).map_or(&[][..], |v| v.as_bytes());
    let content_type = String::from_utf8_lossy(content_type);
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        let shown: String = content_type.chars().take(100).collect();
        let detail = format!("Unsupported media type \"{shown}\" in request.");
        let code = "unsupported_media_type";
        return Err(ApiError::detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail, code));
    }
    let parse_error = |detail| ApiError::detail(StatusCode::BAD_REQUEST, detail, "parse_error");
    if body.len > BODY_LIMIT {
        return Err(parse_error(format!("Request body is larger than {BODY_LIMIT} bytes.")));
    }
    let value: Value = serde_json::from_slice(&body.bytes)
        .map_err(|e| parse_error(format!("JSON parse error - {e}")))?;
    let got = match value {
        Value::Object(map) => return Ok(map),
        Value::Null => return Err(ApiError::field("non_field_errors", "No data provided")),
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(ref n) if n.is_f64() => "float",
        Value::Number(_) => "int",
    };
    let message = format!("Invalid data. Expected a dictionary, but got {got}.");
    Err(ApiError::field("non_field_errors", message))
}

/// A required 64-bit id (DRF `IntegerField` within `int64`; JSON strings and floats are
/// refused, which is stricter than DRF). The spec sets no minimum, so zero and negative ids
/// are valid ids that no server or backup has: the caller answers 404.
fn id_field(body: &Map<String, Value>, name: &str) -> Result<i64, String> {
    Err(match body.get(name) {
        None => "This field is required.".to_string(),
        Some(Value::Null) => "This field may not be null.".to_string(),
        // A whole number out of range (a u64, or a float such as 1e19) is named as such.
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64().filter(|f| f.fract() == 0.0)) {
            (Some(id), _) => return Ok(id),
            (None, Some(f)) if f >= 9_223_372_036_854_775_808.0 => {
                format!("Ensure this value is less than or equal to {}.", i64::MAX)
            }
            (None, Some(f)) if f < -9_223_372_036_854_775_808.0 => {
                format!("Ensure this value is greater than or equal to {}.", i64::MIN)
            }
            _ => "A valid integer is required.".to_string(),
        },
        Some(_) => "A valid integer is required.".to_string(),
    })
}

#[derive(Serialize)]
struct CreatedBackup {
    #[serde(flatten)]
    backup: Backup,
    message: &'static str,
}

async fn create_backup(
    _: Authenticated,
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    let body = json_object(&request)?;
    let mut errors = FieldErrors::default();
    let server_id = errors.check("server_id", id_field(&body, "server_id"));
    let description = match body.get("description") {
        None => Ok(String::new()),
        Some(Value::Null) => Err("This field may not be null.".into()),
        Some(Value::String(text)) if text.contains('\0') => {
            Err("Null characters are not allowed.".into())
        }
        // DRF's CharField trims surrounding whitespace before checking the length.
        Some(Value::String(text)) if text.trim().chars().count() > DESCRIPTION_MAX_CHARS => {
            Err(format!("Ensure this field has no more than {DESCRIPTION_MAX_CHARS} characters."))
        }
        Some(Value::String(text)) => Ok(text.trim().to_string()),
        Some(_) => Err("Not a valid string.".into()),
    };
    let description = errors.check("description", description);
    let (Some(server_id), Some(description)) = (server_id, description) else {
        return Err(ApiError::Fields(errors.0));
    };
    let backup = {
        let (mut state, now) = shared.write();
        state.create(server_id, description, now)?
    };
    let message =
        "Backup is being created. This may take several minutes depending on server size.";
    Ok(json_response(StatusCode::CREATED, &CreatedBackup { backup, message }))
}

async fn delete_backup(
    _: Authenticated,
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    shared.write().0.delete(id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The `Restore` schema.
#[derive(Serialize)]
struct Restore {
    server: crate::model::ServerRef,
    backup_id: i64,
    status: &'static str,
    message: String,
}

async fn restore_server(
    _: Authenticated,
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let server_id = path_id(path)?;
    // As a DRF detail action would: find the server first, then read the body.
    let server = shared.read().0.server(server_id).cloned();
    let server = server.ok_or_else(|| ApiError::server_not_found(server_id))?;
    let body = json_object(&request)?;
    let backup_id = id_field(&body, "backup_id").map_err(|m| ApiError::field("backup_id", m))?;
    let record = {
        let (mut state, now) = shared.write();
        state.restore(server, backup_id, now)?
    };
    let message =
        format!("Server is being restored from backup {backup_id}. This may take several minutes.");
    let restore = Restore { server: record.server, backup_id, status: "restoring", message };
    Ok(json_response(StatusCode::ACCEPTED, &restore))
}

//! What a fault does to a request or to its answer: a status instead of the answer, a body
//! corrupted, cut short or replaced, a query parameter dropped.

use std::io;

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use bytes::Bytes;
use futures_util::{StreamExt, stream};
use serde_json::{Map, Value, json};

use crate::error;
use crate::fault::FaultKind;

/// The URI without the query parameter `param`, as a proxy that drops it would forward it: the
/// other parameters keep their bytes and their order.
pub(crate) fn without_query_param(uri: &Uri, param: &str) -> Uri {
    let Some(query) = uri.query() else {
        return uri.clone();
    };
    let keep = |pair: &&str| {
        form_urlencoded::parse(pair.as_bytes()).next().is_none_or(|(k, _)| k != param)
    };
    let query = query.split('&').filter(keep).collect::<Vec<_>>().join("&");
    let mark = if query.is_empty() { "" } else { "?" };
    format!("{}{mark}{query}", uri.path()).parse().unwrap_or_else(|_| uri.clone())
}

/// The answer of a status fault.
pub(crate) fn status_response(status: u16, body: Option<&str>) -> Response<Body> {
    let status = StatusCode::from_u16(status).ok().filter(|s| (200..=599).contains(&s.as_u16()));
    let status = status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return status.into_response();
    }
    if let Some(body) = body {
        return error::bytes_response(status, body.as_bytes().to_vec());
    }
    let reason = format!("{}.", status.canonical_reason().unwrap_or("Error"));
    let (detail, code) = match status.as_u16() {
        429 => ("Request was throttled.", "throttled"),
        500 => ("A server error occurred.", "error"),
        503 => ("Service temporarily unavailable, try again later.", "service_unavailable"),
        _ => (reason.as_str(), "error"),
    };
    error::json_response(status, &error::DetailBody { detail, code })
}

/// The real answer as the fault leaves it; `None` means "drop the connection".
pub(crate) async fn corrupt(
    response: Response<Body>,
    kind: Option<&FaultKind>,
) -> Option<Response<Body>> {
    let kind = match kind {
        Some(FaultKind::DropAfterRead) => return None,
        None
        | Some(FaultKind::Latency(_) | FaultKind::Status { .. } | FaultKind::IgnoreFilter(_)) => {
            return Some(response);
        }
        Some(kind) => kind,
    };
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if bytes.is_empty() {
        // Nothing to corrupt (a 204): a truncation closes the connection instead.
        return match kind {
            FaultKind::TruncatedBody => None,
            _ => Some(Response::from_parts(parts, Body::empty())),
        };
    }
    parts.headers.remove(CONTENT_LENGTH);
    let body = match kind {
        FaultKind::TruncatedBody => {
            parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            // The first half, a yield so that hyper writes it, then an error: hyper closes the
            // connection short of the `Content-Length` it announced.
            let half = Ok(bytes.slice(..bytes.len() / 2));
            let cut = async {
                tokio::task::yield_now().await;
                Err::<Bytes, _>(io::Error::other("body truncated by a fault"))
            };
            Body::from_stream(stream::once(async { half }).chain(stream::once(cut)))
        }
        FaultKind::MalformedJson => Body::from(bytes.slice(..bytes.len() / 2)),
        FaultKind::WrongContentType => {
            let html = HeaderValue::from_static("text/html; charset=utf-8");
            parts.headers.insert(CONTENT_TYPE, html);
            Body::from(HTML_PAGE)
        }
        _ => match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut object)) => {
                rewrite(&mut object, kind);
                Body::from(serde_json::to_vec(&object).unwrap_or_default())
            }
            _ => Body::from(bytes),
        },
    };
    Some(Response::from_parts(parts, body))
}

/// An HTML page, as a proxy in front of an API might send.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";

/// Applies a JSON-rewriting fault to the top-level object and the objects of `results`.
fn rewrite(top: &mut Map<String, Value>, kind: &FaultKind) {
    match kind {
        FaultKind::NoPageLinks => {
            top.remove("next");
            top.remove("previous");
            return;
        }
        FaultKind::LargeBody(target) => return pad(top, *target),
        _ => {}
    }
    let extra_fields = |object: &mut Map<String, Value>| {
        object.insert("x_mock_extra".into(), json!("a field the spec does not list"));
        let nested = json!({"nested": true, "list": [1, 2, 3]});
        object.insert("x_mock_extra_object".into(), nested);
    };
    let apply = |object: &mut Map<String, Value>| match kind {
        FaultKind::UnknownEnum { field, value } => {
            if let Some(slot) = object.get_mut(field) {
                *slot = Value::String(value.clone());
            }
        }
        FaultKind::MissingField(field) => drop(object.remove(field)),
        FaultKind::ExtraFields => {
            extra_fields(object);
            if let Some(Value::Object(server)) = object.get_mut("server") {
                extra_fields(server);
            }
        }
        _ => {}
    };
    if let Some(Value::Array(results)) = top.get_mut("results") {
        results.iter_mut().filter_map(Value::as_object_mut).for_each(apply);
    }
    apply(top);
}

/// Adds an `x_mock_padding` string that brings the serialized object to `target` bytes.
fn pad(object: &mut Map<String, Value>, target: usize) {
    object.insert("x_mock_padding".into(), Value::String(String::new()));
    let base = serde_json::to_vec(&object).map_or(target, |text| text.len());
    object.insert("x_mock_padding".into(), "x".repeat(target.saturating_sub(base)).into());
}

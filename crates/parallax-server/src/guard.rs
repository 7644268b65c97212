//! What every request passes through before and after its handler: errors as JSON
//! whatever produced them, limits (requests in flight, request target length), the
//! write token, and a time limit.

use crate::error::ApiError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Whether a request only reads.
fn is_read(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Every error answer as `{"error": …}`: the router's own (405 without a body, 413 in
/// plain text from the body limit, a rejected path or query) are rewritten here, with
/// the status kept.
pub async fn json_errors(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the body is larger than the limit of {} bytes",
            state.config.body_limit
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if allow.is_empty() {
                format!("{method} is not served at {path}")
            } else {
                format!("{method} is not served at {path} (allowed: {allow})")
            }
        }
        _ if !text.is_empty() => text,
        _ => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({ "error": message }).to_string();
    Response::from_parts(parts, Body::from(body))
}

/// Requests in flight beyond `max_in_flight` are 429; a request target over
/// [`crate::MAX_URI_BYTES`] is 414.
pub async fn limits(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let uri_len = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if uri_len > crate::MAX_URI_BYTES {
        return ApiError::status(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is {uri_len} bytes, over the limit of {}",
                crate::MAX_URI_BYTES
            ),
        )
        .into_response();
    }
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        return ApiError::too_many(format!(
            "{} requests are being served; retry shortly",
            state.config.max_in_flight
        ))
        .into_response();
    };
    next.run(req).await
}

/// With a write token, every request that is not a read needs
/// `Authorization: Bearer TOKEN` (401 otherwise), checked before its body is read.
pub async fn write_token(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(token) = state.config.token.as_deref().filter(|t| !t.is_empty()) else {
        return next.run(req).await;
    };
    if is_read(req.method()) {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, value) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        });
    match given {
        Some(g) if same(g.as_bytes(), token.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::status(
            StatusCode::UNAUTHORIZED,
            "the write token is not the one this server takes",
        )
        .into_response(),
        None => ApiError::status(
            StatusCode::UNAUTHORIZED,
            "writes need the server's write token: send `Authorization: Bearer TOKEN`",
        )
        .into_response(),
    }
}

/// Compares in time that depends on the length only, not on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A read that takes longer than `read_timeout`, or a write longer than
/// `write_timeout`, is answered 503; a write still runs to its commit.
pub async fn timeout(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let limit = if is_read(req.method()) {
        state.config.read_timeout
    } else {
        state.config.write_timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::status(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took longer than {} s; a write that had started is still committed",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

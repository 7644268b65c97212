//! Errors: [`ServerError`] for starting and running the server, and the API's error
//! answers (`{"error": message}` with a status), where bad input is a 4xx and only a
//! failure of the store or the machine is a 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::net::SocketAddr;

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Engine(#[from] parallax_engine::EngineError),
    #[error(transparent)]
    Store(#[from] parallax_engine::StoreError),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing to serve on {addr} without a write token: beyond loopback anyone who can reach it could write; give one with --token or PARALLAX_TOKEN")]
    Unprotected { addr: SocketAddr },
    #[error("server: {0}")]
    Io(#[source] std::io::Error),
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::CONFLICT,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub fn status(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn too_many(message: impl Into<String>) -> Self {
        ApiError::status(StatusCode::TOO_MANY_REQUESTS, message)
    }

    /// A failure that is not the client's: the store, the model, a worker thread.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: e.to_string(),
        }
    }
}

impl From<parallax_engine::StoreError> for ApiError {
    fn from(e: parallax_engine::StoreError) -> Self {
        match e {
            // An id prefix that matches several articles: a well-formed request that the
            // store's contents make ambiguous (a longer prefix resolves it).
            parallax_engine::StoreError::Ambiguous { .. } => ApiError::conflict(e.to_string()),
            e => ApiError::internal(e),
        }
    }
}

impl From<parallax_engine::EngineError> for ApiError {
    fn from(e: parallax_engine::EngineError) -> Self {
        match e {
            parallax_engine::EngineError::Store(s) => s.into(),
            e => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}

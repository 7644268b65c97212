//! The web UI: one HTML page, one script and one style sheet, compiled into the binary
//! with `include_str!` (nothing is loaded from the internet). The script routes on the
//! URL fragment: the list (stories when the API serves `/api/stories`, else articles),
//! search results across languages, an article with its facts highlighted, and a story
//! compared side by side (rendered from `/api/stories/{id}/compare` when served).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/style.css");

/// The embedded files: name, content type, content.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", APP_JS),
    ("style.css", "text/css; charset=utf-8", STYLE),
];

pub async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind)], *body).into_response(),
        None => crate::error::ApiError::not_found(format!("no asset `{file}`")).into_response(),
    }
}

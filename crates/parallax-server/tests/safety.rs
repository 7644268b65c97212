//! Serving safely: every error is `{"error": …}` with its status (400, 401, 404, 405,
//! 413, 414, 415, 429), writes need the token when one is set, an address beyond
//! loopback is refused without one, answers carry no server file paths, and the server
//! follows what another writer stores.

#[allow(dead_code)] // the seeded store of the other tests is not needed here
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::vectors;
use parallax_engine::{IngestConfig, Store};
use parallax_server::{AppState, ServerConfig};
use serde_json::Value;
use tower::ServiceExt;

fn config(dir: &tempfile::TempDir) -> ServerConfig {
    let db = dir.path().join("safety.db");
    Store::open(&db).unwrap();
    ServerConfig::new(db, Some(vectors()))
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let (status, h) = (res.status(), res.headers().clone());
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "{method} {uri}: {status} answered with a body that is not JSON: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, h, v)
}

const ARTICLE: &str = r#"{"title": "Ferry service resumes", "body": "Ferries sailed again on Wednesday morning after the storm."}"#;

#[tokio::test(flavor = "multi_thread")]
async fn every_error_is_json_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&dir);
    c.body_limit = 1024;
    let app = parallax_server::router(AppState::open(c).unwrap());
    let big = format!(r#"{{"title": "Big", "body": "{}"}}"#, "word ".repeat(400));
    let long_q = format!("/api/search?q={}", "a".repeat(9000));
    for (method, uri, headers, body, want) in [
        ("GET", "/api/nothing", vec![], "", StatusCode::NOT_FOUND),
        (
            "GET",
            "/api/articles/abcdef",
            vec![],
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            "DELETE",
            "/api/articles",
            vec![],
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "PUT",
            "/api/health",
            vec![],
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "POST",
            "/api/articles",
            vec![],
            big.as_str(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "POST",
            "/api/articles",
            vec![(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
            ARTICLE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("GET", long_q.as_str(), vec![], "", StatusCode::URI_TOO_LONG),
        (
            "GET",
            "/api/articles?limit=100000",
            vec![],
            "",
            StatusCode::BAD_REQUEST,
        ),
        ("GET", "/api/search", vec![], "", StatusCode::BAD_REQUEST),
        (
            "POST",
            "/api/articles",
            vec![],
            "{\"title\": 3}",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, h, v) = call(&app, method, uri, &headers, body).await;
        assert_eq!(status, want, "{method} {uri}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()) || v["errors"].is_array(),
            "{method} {uri}: {v}"
        );
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{method} {uri}"
        );
    }
    let (_, _, v) = call(&app, "DELETE", "/api/articles", &[], "").await;
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("DELETE is not served at /api/articles"),
        "{v}"
    );
    let (_, _, v) = call(&app, "POST", "/api/articles", &[], &big).await;
    assert!(v["error"].as_str().unwrap().contains("1024 bytes"), "{v}");

    // A queue of writes beyond the limit is 429 with Retry-After.
    let mut c = config(&dir);
    c.max_writes_waiting = 0;
    let app = parallax_server::router(AppState::open(c).unwrap());
    let (status, h, v) = call(&app, "POST", "/api/articles", &[], ARTICLE).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(h[header::RETRY_AFTER], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_need_the_token_and_reads_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&dir);
    c.token = Some("s3cret-token".into());
    let app = parallax_server::router(AppState::open(c).unwrap());
    let (status, h, v) = call(&app, "POST", "/api/articles", &[], ARTICLE).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer");
    assert!(v["error"].as_str().unwrap().contains("Bearer"), "{v}");
    let (status, _, _) = call(
        &app,
        "POST",
        "/api/articles",
        &[(header::AUTHORIZATION, "Bearer wrong")],
        ARTICLE,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, v) = call(
        &app,
        "POST",
        "/api/articles",
        &[(header::AUTHORIZATION, "Bearer s3cret-token")],
        ARTICLE,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _, h) = call(&app, "GET", "/api/health", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["articles"], 1);
}

#[test]
fn beyond_loopback_needs_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let err = parallax_server::run(config(&dir), "0.0.0.0:0".parse().unwrap(), |_| {
        panic!("must not start")
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("without a write token") && err.contains("--token"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_carry_no_server_paths_and_follow_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&dir);
    c.refresh_every = std::time::Duration::ZERO;
    let db = c.db.clone();
    let app = parallax_server::router(AppState::open(c).unwrap());
    let (_, _, h) = call(&app, "GET", "/api/health", &[], "").await;
    assert_eq!(
        (h["articles"].as_u64(), h["vectors"].as_u64()),
        (Some(0), Some(0))
    );

    // Another writer (as `parallax ingest` in another process) stores an article.
    let file = dir.path().join("private-folder").join("ferry.jsonl");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, format!("{ARTICLE}\n")).unwrap();
    let ids = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db).unwrap();
        let config = IngestConfig {
            vectors: Some(vectors()),
            ..IngestConfig::default()
        };
        let stop = std::sync::atomic::AtomicBool::new(false);
        let input = parallax_engine::Input::Path(file);
        parallax_engine::ingest(&mut store, &[input], &config, &stop, &mut |_| {})
            .unwrap()
            .ids
    })
    .await
    .unwrap();
    let (_, _, h) = call(&app, "GET", "/api/health", &[], "").await;
    assert_eq!(
        (h["articles"].as_u64(), h["vectors"].as_u64()),
        (Some(1), Some(1))
    );
    // Found by meaning (the vector index has it), not only by its words.
    let (_, _, s) = call(
        &app,
        "GET",
        "/api/search?q=boats%20crossing%20again",
        &[],
        "",
    )
    .await;
    let hit = &s["hits"][0];
    assert_eq!(hit["id"], ids[0].as_str(), "{s}");
    assert!(hit["vector_rank"].is_number(), "{s}");
    let (_, _, a) = call(&app, "GET", &format!("/api/articles/{}", ids[0]), &[], "").await;
    assert!(a.get("source_path").is_none(), "{a}");
    assert!(!a.to_string().contains("private-folder"), "{a}");
}

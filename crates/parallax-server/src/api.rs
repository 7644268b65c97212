//! The API handlers. Query parameters are read by hand from a map into one checked
//! [`ListQuery`] (lang, since, q, offset, limit) so that a bad value is a 400 with a
//! message naming the parameter; ids are hex content ids or unambiguous
//! prefixes of them, and an unknown one is a 404.
//!
//! `POST /api/articles` takes one JSON object, a JSON array of objects, or JSON Lines,
//! turns the body into JSON Lines and ingests it through the engine with the same reader
//! and validation as `parallax ingest --format jsonl`: every rejected record is answered
//! with its number and message, the others are stored. The answer is 200 when at least
//! one record was stored (or the body held none to reject), 400 when every record was
//! rejected.

use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use parallax_core::{ArticleId, Diagnostic};
use parallax_engine::{reports, search, views, Event, Format, IngestConfig};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

/// The largest page of `/api/articles` and of search results.
const MAX_LIMIT: usize = 500;

fn number(params: &HashMap<String, String>, name: &str, default: usize) -> Result<usize, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter `{name}` must be a whole number, not `{v}`"
            ))
        }),
    }
}

fn limit(params: &HashMap<String, String>, default: usize) -> Result<usize, ApiError> {
    let n = number(params, "limit", default)?;
    if n == 0 || n > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "query parameter `limit` must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(n)
}

/// The query parameters of the list and search routes, each checked once: a bad value
/// is a 400 naming the parameter. Every handler reads the ones it serves.
struct ListQuery {
    /// `lang`: an ISO 639-1 code, lower-cased.
    lang: Option<String>,
    /// `since`: a date or time, as Unix seconds.
    since: Option<i64>,
    /// `until`: a date (its last second) or time, as Unix seconds.
    until: Option<i64>,
    /// `source`: an outlet as the inputs name it, trimmed; at most 1000 bytes.
    source: Option<String>,
    /// `q`: the search text, trimmed; at most 1000 bytes.
    q: Option<String>,
    /// `offset`: whole number, 0 by default.
    offset: usize,
    /// `limit`: 1 to [`MAX_LIMIT`]; the handler's default when absent.
    limit: usize,
}

impl ListQuery {
    fn parse(params: &HashMap<String, String>, default_limit: usize) -> Result<Self, ApiError> {
        let given = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let lang = match given("lang") {
            None => None,
            Some(l) if l.len() <= 3 && l.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(l.to_ascii_lowercase())
            }
            Some(l) => {
                return Err(ApiError::bad_request(format!(
                    "query parameter `lang` must be an ISO 639-1 code like `da`, not `{l}`"
                )))
            }
        };
        let time = |name: &str, at: fn(&parallax_core::Published) -> i64| {
            given(name)
                .map(|s| {
                    parallax_core::Published::parse(s)
                        .map(|p| at(&p))
                        .map_err(|e| {
                            ApiError::bad_request(format!("query parameter `{name}`: {e}"))
                        })
                })
                .transpose()
        };
        let since = time("since", parallax_core::Published::unix)?;
        let until = time("until", parallax_core::Published::last_unix)?;
        let text = |name: &str| -> Result<Option<String>, ApiError> {
            match given(name) {
                Some(v) if v.len() > 1000 => Err(ApiError::bad_request(format!(
                    "query parameter `{name}` is longer than 1000 bytes"
                ))),
                v => Ok(v.map(str::to_string)),
            }
        };
        let q = text("q")?;
        let source = text("source")?;
        Ok(ListQuery {
            lang,
            since,
            until,
            source,
            q,
            offset: number(params, "offset", 0)?,
            limit: limit(params, default_limit)?,
        })
    }
}

pub async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    state
        .read(|state, store| {
            let index = state.index.read().unwrap_or_else(|e| e.into_inner());
            Ok(Json(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "articles": store.count_articles()?,
                "schema_version": store.schema_version()?,
                "model": state.config.vectors.as_ref().map(|v| v.model.clone()),
                "vectors": index.len(),
            })))
        })
        .await
}

/// The outlets of the stored articles with their article counts, the most articles
/// first: the values the `source` filters take.
pub async fn sources(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    state
        .read(|_, store| {
            let sources: Vec<Value> = store
                .sources()?
                .into_iter()
                .map(|(name, n)| json!({"source": name, "articles": n}))
                .collect();
            Ok(Json(json!({ "sources": sources })))
        })
        .await
}

pub async fn articles(
    State(state): State<Arc<AppState>>,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    let ListQuery {
        lang,
        since,
        until,
        source,
        offset,
        limit,
        ..
    } = ListQuery::parse(&params, 50)?;
    state
        .read(move |_, store| {
            let filter = parallax_engine::ArticleFilter {
                lang,
                source,
                since,
                until,
                limit: None,
            };
            let (summaries, total) = store.article_summaries(&filter, offset, limit)?;
            // Each with the story it is in now (after merges), to link to.
            let mut articles = Vec::with_capacity(summaries.len());
            for s in &summaries {
                let story = store
                    .assignment(&ArticleId(s.id.clone()))?
                    .map(|(story, _)| story);
                let mut v = serde_json::to_value(s).expect("summaries serialise");
                v["story"] = json!(story);
                articles.push(v);
            }
            Ok(Json(json!({
                "total": total,
                "offset": offset,
                "limit": limit,
                "articles": articles,
            })))
        })
        .await
}

fn unknown(id: &str) -> ApiError {
    ApiError::not_found(format!("no article with id `{id}`"))
}

pub async fn article(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .read(move |_, store| {
            let a = store.article(&id)?.ok_or_else(|| unknown(&id))?;
            let mut v = views::article(&a);
            let story = store.assignment(&a.id)?.map(|(story, _)| story);
            // Where the server read a file is its own business.
            if let Some(o) = v.as_object_mut() {
                o.remove("source_path");
                // The story the article is in now (after merges), to link to.
                o.insert("story".into(), json!(story));
            }
            Ok(Json(v))
        })
        .await
}

pub async fn facts(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .read(move |_, store| {
            let a = store.article(&id)?.ok_or_else(|| unknown(&id))?;
            let f = store.facts(&a.id)?.unwrap_or_default();
            Ok(Json(views::facts(&a, &f)))
        })
        .await
}

/// Why an article is in its story: the evidence the engine stored when it assigned the
/// article (as `parallax why --json` prints it), the story the article is in now (after
/// merges), and the explanation in words and figures (as `parallax why` prints it).
pub async fn why(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .read(move |_, store| {
            let a = store.article(&id)?.ok_or_else(|| unknown(&id))?;
            let (story, evidence) = parallax_engine::stories::why(store, &a.id)?.ok_or_else(|| {
                ApiError::not_found(format!(
                    "article `{}` has no story yet (stories are assigned at ingest when the model is available)",
                    a.id
                ))
            })?;
            let explanation = parallax_engine::stories::explain(story, &evidence);
            Ok(Json(json!({
                "article": a.id,
                "story": story,
                "evidence": evidence,
                "explanation": explanation,
            })))
        })
        .await
}

pub async fn search(
    State(state): State<Arc<AppState>>,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    let ListQuery {
        q,
        limit,
        lang,
        since,
        ..
    } = ListQuery::parse(&params, 20)?;
    let q = q.ok_or_else(|| ApiError::bad_request("query parameter `q` is required"))?;
    state
        .read(move |state, store| {
            let index = state.index.read().unwrap_or_else(|e| e.into_inner());
            let vectors = state.config.vectors.as_ref().map(|v| (v, &*index));
            let query = search::Query {
                text: q.clone(),
                lang,
                since,
                limit,
            };
            let hits = search::search(store, vectors, &query, &state.search_params)?;
            drop(index);
            Ok(Json(json!({
                "query": q,
                "vectors": state.config.vectors.is_some(),
                "hits": views::search_hits(store, &hits)?,
            })))
        })
        .await
}

/// A story id from the path.
fn story_id(id: &str) -> Result<i64, ApiError> {
    id.trim()
        .parse()
        .map_err(|_| ApiError::bad_request(format!("a story id is a number, not `{id}`")))
}

/// Articles a story search looks at: the stories of the best this many search hits.
const STORY_SEARCH_HITS: usize = 50;

pub async fn stories(
    State(state): State<Arc<AppState>>,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    let ListQuery {
        lang,
        since,
        until,
        source,
        q,
        offset,
        limit,
    } = ListQuery::parse(&params, 50)?;
    state
        .read(move |state, store| {
            let filter = parallax_engine::StoryFilter {
                lang,
                since,
                until,
                source,
            };
            let (page, total) = match q {
                // The most recent first, filtered and paged in the store.
                None => parallax_engine::stories::page(store, &filter, offset, limit)?,
                // The stories of the articles a search across languages finds, in the
                // order of the best hit of each.
                Some(q) => {
                    let index = state.index.read().unwrap_or_else(|e| e.into_inner());
                    let vectors = state.config.vectors.as_ref().map(|v| (v, &*index));
                    let query = search::Query::new(&q, STORY_SEARCH_HITS);
                    let hits = search::search(store, vectors, &query, &state.search_params)?;
                    drop(index);
                    let ids: Vec<&ArticleId> = hits.iter().map(|h| &h.id).collect();
                    let all = parallax_engine::stories::of_articles(store, &ids, &filter)?;
                    let total = all.len();
                    (all.into_iter().skip(offset).take(limit).collect(), total)
                }
            };
            Ok(Json(json!({
                "total": total,
                "offset": offset,
                "limit": limit,
                "stories": page,
            })))
        })
        .await
}

pub async fn story(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let n = story_id(&id)?;
    state
        .read(move |_, store| {
            parallax_engine::stories::get(store, n)?
                .map(Json)
                .ok_or_else(|| ApiError::not_found(format!("no story with id `{id}`")))
        })
        .await
}

/// A comma-separated list parameter: its items trimmed, the empty ones dropped.
fn list(params: &HashMap<String, String>, name: &str) -> Vec<String> {
    params
        .get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The `versions` and `lang` parameters of the comparison, checked: each version an
/// article id or prefix (hex digits), each language an ISO 639-1 code.
fn selection(
    params: &HashMap<String, String>,
) -> Result<parallax_engine::compare::Selection, ApiError> {
    let versions = list(params, "versions");
    if let Some(v) = versions
        .iter()
        .find(|v| v.len() > 64 || !v.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(ApiError::bad_request(format!(
            "query parameter `versions` lists article ids or prefixes (hex digits), comma-separated, not `{v}`"
        )));
    }
    let mut langs = list(params, "lang");
    for l in &mut langs {
        if l.len() > 3 || !l.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(ApiError::bad_request(format!(
                "query parameter `lang` lists ISO 639-1 codes like `da,ro`, not `{l}`"
            )));
        }
        *l = l.to_ascii_lowercase();
    }
    Ok(parallax_engine::compare::Selection {
        versions: versions
            .into_iter()
            .map(|v| v.to_ascii_lowercase())
            .collect(),
        langs,
    })
}

pub async fn compare(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let n = story_id(&id)?;
    let selection = selection(&params)?;
    let format = ReportFormat::parse(&params)?;
    // Sentence vectors are stored on first use: the comparison writes.
    state
        .write(move |state, store| {
            let story = store
                .story(n)?
                .ok_or_else(|| ApiError::not_found(format!("no story with id `{id}`")))?;
            let Some(vectors) = &state.config.vectors else {
                return Err(ApiError::conflict(
                    "comparing needs the embedding model, and this server runs without it",
                ));
            };
            if story.articles.len() < 2 {
                return Err(ApiError::conflict(format!(
                    "story {n} has a single article: nothing to compare"
                )));
            }
            let known: Vec<(String, Option<String>)> = story
                .articles
                .iter()
                .map(|a| (a.id.clone(), a.lang.clone()))
                .collect();
            if let Some(v) = selection
                .versions
                .iter()
                .find(|v| known.iter().all(|(a, _)| !a.starts_with(v.as_str())))
            {
                return Err(ApiError::not_found(format!(
                    "query parameter `versions`: `{v}` is not an article of story {n}"
                )));
            }
            let ids: Vec<String> = selection
                .keep(&known)
                .into_iter()
                .map(String::from)
                .collect();
            // The versions to choose from: every text of the story once (a copy of
            // another article of the story is that article's version).
            let choices: Vec<Value> = story
                .articles
                .iter()
                .filter(|a| {
                    a.copy_of
                        .as_ref()
                        .is_none_or(|o| story.articles.iter().all(|x| &x.id != o))
                })
                .map(|a| json!({"article": a.id, "lang": a.lang, "title": a.title}))
                .collect();
            let c = (ids.len() >= 2)
                .then(|| {
                    parallax_engine::compare::compare(store, vectors, &story.id.to_string(), &ids)
                })
                .transpose()?
                .filter(|c| c.comparison.versions.len() >= 2)
                .ok_or_else(|| {
                    let langs: std::collections::BTreeSet<&str> =
                        known.iter().filter_map(|(_, l)| l.as_deref()).collect();
                    ApiError::conflict(format!(
                        "the choice of `versions` and `lang` keeps {} text(s) of story {n}; a comparison needs two (languages here: {})",
                        ids.len().min(1),
                        langs.into_iter().collect::<Vec<_>>().join(", ")
                    ))
                })?;
            Ok(match format {
                ReportFormat::Json => {
                    let mut v = parallax_engine::compare::view(&c.comparison);
                    v["story_versions"] = json!(choices);
                    Json(v).into_response()
                }
                ReportFormat::Markdown => download(
                    "text/markdown; charset=utf-8",
                    &format!("story-{n}.md"),
                    reports::markdown(&c.comparison),
                ),
                ReportFormat::CsvRows => {
                    let (header, rows) = reports::rows_table(&c.comparison);
                    download(
                        "text/csv; charset=utf-8",
                        &format!("story-{n}-rows.csv"),
                        reports::csv_text(&header, &rows),
                    )
                }
                ReportFormat::CsvFigures => download(
                    "text/csv; charset=utf-8",
                    &format!("story-{n}-figures.csv"),
                    reports::csv_text(
                        reports::FIGURE_COLUMNS,
                        &reports::figures_table(&c.comparison),
                    ),
                ),
            })
        })
        .await
}

/// What `/api/stories/{id}/compare` answers: the JSON view, or one of the reports of
/// `parallax compare` (`--markdown`, `--csv rows`, `--csv figures`).
#[derive(Debug, Clone, Copy)]
enum ReportFormat {
    Json,
    Markdown,
    CsvRows,
    CsvFigures,
}

impl ReportFormat {
    fn parse(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        match params.get("format").map(|f| f.trim()) {
            None | Some("") | Some("json") => Ok(ReportFormat::Json),
            Some("markdown") => Ok(ReportFormat::Markdown),
            Some("csv-rows") => Ok(ReportFormat::CsvRows),
            Some("csv-figures") => Ok(ReportFormat::CsvFigures),
            Some(other) => Err(ApiError::bad_request(format!(
                "query parameter `format` is one of json, markdown, csv-rows, csv-figures, not `{other}`"
            ))),
        }
    }
}

/// A report to save: its type and the file name a browser offers.
fn download(content_type: &'static str, file: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{file}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// The body as JSON Lines: an array becomes one line per element, a single object one
/// line; anything else is taken as JSON Lines already. An array that is not valid JSON
/// is one error for the whole body.
pub fn to_json_lines(body: &str) -> Result<String, Diagnostic> {
    let trimmed = body.trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(trimmed).map_err(|e| {
            Diagnostic::error(
                "request",
                format!("the body is not a valid JSON array: {e}"),
            )
            .at_line(e.line() as u64)
        })?;
        let lines: Vec<String> = items.iter().map(Value::to_string).collect();
        return Ok(lines.join("\n"));
    }
    if trimmed.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
            return Ok(v.to_string());
        }
    }
    Ok(trimmed.to_string())
}

fn diagnostic(d: &Diagnostic) -> Value {
    json!({
        "record": d.record.or(d.line),
        "line": d.line,
        "field": d.field,
        "message": d.message,
    })
}

/// Whether a `Content-Type` names JSON or JSON Lines (or plain text, or nothing).
fn json_like(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "" | "application/json"
            | "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/json-lines"
            | "application/x-jsonlines"
            | "application/jsonlines"
            | "text/plain"
            | "text/x-ndjson"
    ) || essence.ends_with("+json")
}

pub async fn post_articles(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    if !json_like(ct) {
        return ApiError::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body is sent as `{}`: send JSON (application/json) or JSON Lines (application/x-ndjson)",
                ct.unwrap_or("")
            ),
        )
        .into_response();
    }
    match post(state, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn post(state: Arc<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = std::str::from_utf8(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
    let lines = match to_json_lines(body) {
        Ok(l) => l,
        Err(d) => {
            let answer = json!({
                "ids": [], "new": 0, "unchanged": 0, "rejected": 1,
                "errors": [diagnostic(&d)], "warnings": [],
            });
            return Ok((StatusCode::BAD_REQUEST, Json(answer)).into_response());
        }
    };
    if lines.trim().is_empty() {
        return Err(ApiError::bad_request(
            "the body is empty: send a JSON object, an array of objects or JSON Lines",
        ));
    }
    state
        .write(move |state, store| {
            let config = IngestConfig {
                format: Some(Format::Jsonl),
                vectors: state.config.vectors.clone(),
                ..IngestConfig::default()
            };
            let mut errors = Vec::new();
            let mut warnings = Vec::new();
            let mut on = |e: Event| {
                if let Event::Diagnostic(d) = e {
                    if d.is_error() {
                        errors.push(diagnostic(d));
                    } else {
                        warnings.push(diagnostic(d));
                    }
                }
            };
            let report = parallax_engine::ingest_str(store, "request", &lines, &config, &mut on)?;
            if state.config.vectors.is_some() {
                let ids: Vec<ArticleId> = report.ids.iter().map(|i| ArticleId(i.clone())).collect();
                let mut index = state.index.write().unwrap_or_else(|e| e.into_inner());
                index.add(store, &ids)?;
            }
            let status = if report.ids.is_empty() && report.rejected > 0 {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            let answer = json!({
                "ids": report.ids,
                "new": report.new,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
                "errors": errors,
                "warnings": warnings,
            });
            Ok((status, Json(answer)).into_response())
        })
        .await
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route: see /api/openapi.json")
}

//! The OpenAPI 3.1 document of the API, written by hand (a generator such as utoipa
//! would add a macro layer for a dozen routes). A test checks that its paths and methods
//! are exactly [`crate::API_ROUTES`], which the router serves.

use axum::Json;
use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema}}
    })
}

fn id_param() -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": "an article id (16 hex digits) or an unambiguous prefix of it",
        "schema": {"type": "string"}
    })
}

fn story_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": "a story id", "schema": {"type": "integer"}})
}

/// `lang`: a language code (ISO 639-1, or the three letters of ISO 639-3), any case.
fn lang_schema() -> Value {
    json!({"type": "string", "pattern": "^[A-Za-z]{0,3}$"})
}

/// A comma-separated list of codes or article ids: the items of `item` (a pattern).
fn list_schema(item: &str) -> Value {
    json!({"type": "string", "pattern": format!("^({item})?(,({item})?)*$")})
}

/// `since`: a date (YYYY-MM-DD) or an RFC 3339 time.
fn since_schema() -> Value {
    json!({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]})
}

/// `q`: text with at least one character that is not a space; at most 1000 bytes (250
/// characters of at most 4 bytes each).
fn q_schema() -> Value {
    json!({"type": "string", "pattern": "\\S", "maxLength": 250})
}

/// A free text value (an outlet's name): at most 1000 bytes.
fn text_schema() -> Value {
    json!({"type": "string", "maxLength": 250})
}

/// `offset`: a whole number the server can count to.
fn offset_schema() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": u64::MAX, "default": 0})
}

fn query(name: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

/// The answers any operation can give besides its own: the guards of `guard.rs` and
/// the router's. Every one carries the JSON error body.
fn add_common_responses(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            let responses = &mut op["responses"];
            let mut put = |code: &str, description: &str| {
                if responses.get(code).is_none() {
                    responses[code] = error_response(description);
                }
            };
            put(
                "414",
                "the request target is longer than the server's limit",
            );
            put(
                "429",
                "too many requests at once; retry after the `Retry-After` seconds",
            );
            put(
                "503",
                "the request took longer than the server's time limit",
            );
            if method == "post" {
                put("401", "the server has a write token and the request does not carry it (`Authorization: Bearer TOKEN`)");
                put("413", "the body is larger than the server's limit");
                put("415", "the body's content type is not JSON or JSON Lines");
            }
        }
    }
}

/// The document.
pub fn document() -> Value {
    let mut doc = paths_and_schemas();
    add_common_responses(&mut doc);
    doc
}

fn paths_and_schemas() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "parallax",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "News articles in any language: stored articles, their facts, and search across languages."
        },
        "paths": {
            "/api/health": {"get": {
                "operationId": "health",
                "summary": "The server is up: article count, schema version, model",
                "responses": {"200": ok("status", json!({"type": "object", "properties": {
                    "status": {"type": "string"}, "version": {"type": "string"},
                    "articles": {"type": "integer"}, "schema_version": {"type": "integer"},
                    "model": {"type": ["string", "null"]}, "vectors": {"type": "integer"}}}))}
            }},
            "/api/articles": {
                "get": {
                    "operationId": "listArticles",
                "summary": "Stored articles, newest first",
                    "parameters": [
                        query("lang", "only this language (ISO 639-1)", lang_schema(), false),
                        query("source", "only this outlet, as the inputs name it (see /api/sources)", text_schema(), false),
                        query("since", "only articles published at or after this time (YYYY-MM-DD or RFC 3339)", since_schema(), false),
                        query("until", "only articles published at or before this time (a date: that whole day)", since_schema(), false),
                        query("offset", "skip this many", offset_schema(), false),
                        query("limit", "at most this many", json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 50}), false)
                    ],
                    "responses": {
                        "200": ok("a page of articles", json!({"type": "object", "properties": {
                            "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                            "articles": {"type": "array", "items": {"allOf": [
                                {"$ref": "#/components/schemas/ArticleSummary"},
                                {"type": "object", "properties": {"story": {"type": ["integer", "null"], "description": "the story the article is in now (after merges)"}}}]}}}})),
                        "400": error_response("a bad parameter")
                    }
                },
                "post": {
                    "operationId": "postArticles",
                "summary": "Store articles: a JSON object, an array of objects, or JSON Lines (the fields of the JSON Lines input format)",
                    "requestBody": {"required": true, "content": {
                        "application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/ArticleInput"},
                            {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/ArticleInput"}}]}},
                        "application/x-ndjson": {"schema": {"type": "string"}}
                    }},
                    "responses": {
                        "200": {
                            "description": "at least one article stored; rejected records are listed in `errors`",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestAnswer"}}},
                            "links": {
                                "GetArticle": {"operationId": "getArticle", "parameters": {"id": "$response.body#/ids/0"}},
                                "GetArticleFacts": {"operationId": "getArticleFacts", "parameters": {"id": "$response.body#/ids/0"}}
                            }
                        },
                        "400": ok("nothing stored: every record rejected, or the body is not JSON", json!({"$ref": "#/components/schemas/IngestAnswer"}))
                    }
                }
            },
            "/api/articles/{id}": {"get": {
                "operationId": "getArticle",
                "summary": "One article with every field and its sentences",
                "parameters": [id_param()],
                "responses": {
                    "200": ok("the article; `story`: the story it is in now (after merges), or null", json!({"type": "object", "properties": {"story": {"type": ["integer", "null"]}}})),
                    "409": error_response("the prefix matches several articles; give more characters"),
                    "404": error_response("no such article")
                }
            }},
            "/api/articles/{id}/facts": {"get": {
                "operationId": "getArticleFacts",
                "summary": "The entities, figures, quotes and dates of an article, each with its sentence and byte spans",
                "parameters": [id_param()],
                "responses": {
                    "200": ok("the facts", json!({"type": "object", "properties": {
                        "article": {"type": "string"}, "lang": {"type": ["string", "null"]},
                        "entities": {"type": "array"}, "figures": {"type": "array"},
                        "quotes": {"type": "array"}, "dates": {"type": "array"}}})),
                    "409": error_response("the prefix matches several articles; give more characters"),
                    "404": error_response("no such article")
                }
            }},
            "/api/articles/{id}/why": {"get": {
                "operationId": "getArticleWhy",
                "summary": "Why an article is in its story (as `parallax why`): the evidence stored when it was assigned (the closest story and the runner-up with their same-story scores, the features and each one's part of the score, the join probability and its cut, later merges), the story it is in now, and the explanation in words",
                "parameters": [id_param()],
                "responses": {
                    "200": ok("the evidence", json!({"type": "object", "required": ["article", "story", "evidence", "explanation"], "properties": {
                        "article": {"type": "string"},
                        "story": {"type": "integer", "description": "the story the article is in now (after merges)"},
                        "evidence": {"type": "object", "required": ["story", "new_story"], "properties": {
                            "story": {"type": "integer", "description": "the story the article was assigned to"},
                            "new_story": {"type": "boolean"},
                            "active_stories": {"type": "integer"},
                            "best": {"type": ["object", "null"]},
                            "runner_up": {"type": ["object", "null"]},
                            "join_probability": {"type": ["number", "null"]},
                            "join_threshold": {"type": "number"},
                            "same_story_threshold": {"type": "number"},
                            "merged": {"type": "array"}}},
                        "explanation": {"type": "string"}}})),
                    "409": error_response("the prefix matches several articles; give more characters"),
                    "404": error_response("no such article, or the article has no story yet")
                }
            }},
            "/api/search": {"get": {
                "operationId": "search",
                "summary": "Search across languages (the search of `parallax search`): words folded and stemmed per language, and lead vectors; each hit scored by the fitted relevance model, those above its floor, best first (none when nothing is relevant)",
                "parameters": [
                    query("q", "the query, in any language", q_schema(), true),
                    query("lang", "only articles in this language (ISO 639-1)", lang_schema(), false),
                    query("since", "only articles published at or after this date or time", since_schema(), false),
                    query("limit", "at most this many hits", json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 20}), false)
                ],
                "responses": {
                    "200": ok("hits, best first", json!({"type": "object", "properties": {
                        "query": {"type": "string"}, "vectors": {"type": "boolean"},
                        "hits": {"type": "array", "items": {"allOf": [
                            {"$ref": "#/components/schemas/ArticleSummary"},
                            {"type": "object", "properties": {
                                "story": {"type": ["integer", "null"]},
                                "score": {"type": "number"},
                                "coverage": {"type": "number"},
                                "matched": {"type": "array", "items": {"type": "string"}},
                                "text_rank": {"type": ["integer", "null"]},
                                "vector_rank": {"type": ["integer", "null"]},
                                "cosine": {"type": ["number", "null"]}}}]}}}})),
                    "400": error_response("no query, or a bad parameter")
                }
            }},
            "/api/stories": {"get": {
                "operationId": "listStories",
                "summary": "A page of stories, the most recent first (by their last article; with `q`, in the order of the search's best hits): id, languages, article count, first and last seen, a title per language, article ids",
                "parameters": [
                    query("lang", "only stories with an article in this language (ISO 639-1)", lang_schema(), false),
                    query("since", "only stories seen at or after this date (YYYY-MM-DD or RFC 3339)", since_schema(), false),
                    query("until", "only stories seen at or before this time (a date: that whole day); with `since`, the stories running at some time of the range", since_schema(), false),
                    query("source", "only stories with an article of this outlet, as the inputs name it (see /api/sources)", text_schema(), false),
                    query("q", "only stories with one of the 50 articles a search across languages finds first", json!({"type": "string", "maxLength": 250}), false),
                    query("offset", "skip this many", offset_schema(), false),
                    query("limit", "at most this many", json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 50}), false)
                ],
                "responses": {
                    "200": ok("a page of stories", json!({"type": "object", "properties": {
                        "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                        "stories": {"type": "array", "items": {"type": "object"}}}})),
                    "400": error_response("a bad parameter")
                }
            }},
            "/api/stories/{id}": {"get": {
                "operationId": "getStory",
                "summary": "One story; a merged story's id answers with the story it went into and `merged_from`: the id asked for",
                "parameters": [story_param()],
                "responses": {
                    "200": ok("the story", json!({"type": "object"})),
                    "400": error_response("the id is not a number"),
                    "404": error_response("no such story")
                }
            }},
            "/api/stories/{id}/compare": {"get": {
                "operationId": "compareStory",
                "summary": "The versions of a story compared: shared sentences, what only one version says, figure relations, quotes across languages; `story_versions` lists every version of the story (article, lang, title) to choose from",
                "parameters": [
                    story_param(),
                    query("versions", "only these versions: article ids or unambiguous prefixes, comma-separated (as `parallax compare --versions`)", list_schema("[0-9A-Fa-f]{1,64}"), false),
                    query("lang", "only the versions in these languages (ISO 639-1), comma-separated (as `parallax compare --lang`)", list_schema("[A-Za-z]{1,3}"), false),
                    query("format", "the answer: `json` (the default), or a report to save as `parallax compare` writes it: `markdown`, `csv-rows` (the side-by-side rows), `csv-figures` (the figure table)", json!({"type": "string", "enum": ["json", "markdown", "csv-rows", "csv-figures"]}), false)
                ],
                "responses": {
                    "200": {"description": "the comparison (JSON), or the report `format` asks for",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/markdown": {"schema": {"type": "string"}},
                            "text/csv": {"schema": {"type": "string"}}}},
                    "400": error_response("the id is not a number, or a malformed `versions`, `lang` or `format`"),
                    "404": error_response("no such story, or a version in `versions` that is not an article of the story"),
                    "409": error_response("nothing to compare: the story has a single article, the choice of `versions` and `lang` keeps fewer than two versions, or the server runs without the embedding model")
                }
            }},
            "/api/sources": {"get": {
                "operationId": "listSources",
                "summary": "The outlets of the stored articles (as the inputs name them) with their article counts, the most articles first",
                "responses": {"200": ok("the outlets", json!({"type": "object", "required": ["sources"], "properties": {
                    "sources": {"type": "array", "items": {"type": "object", "required": ["source", "articles"], "properties": {
                        "source": {"type": "string"}, "articles": {"type": "integer", "minimum": 1}}}}}}))}
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": ok("OpenAPI 3.1", json!({"type": "object"}))}
            }}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "ArticleSummary": {"type": "object", "properties": {
                "id": {"type": "string"}, "lang": {"type": ["string", "null"]},
                "published": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
                "standfirst": {"type": ["string", "null"]}, "source": {"type": ["string", "null"]}}},
            "ArticleInput": {"type": "object", "description": "`title` or `body` (or `text`) with something that is not a space is required; other fields are kept as metadata",
                "anyOf": [
                    {"required": ["title"], "properties": {"title": {"pattern": "\\S"}}},
                    {"required": ["body"], "properties": {"body": {"pattern": "\\S"}}},
                    {"required": ["text"], "properties": {"text": {"pattern": "\\S"}}}],
                "properties": {
                "title": {"type": "string"}, "body": {"type": "string"}, "text": {"type": "string"},
                "id": {"type": ["string", "number"]}, "url": {"type": "string"}, "source": {"type": "string"},
                "lang": {"type": "string"}, "published": {"type": "string"},
                "category": {"type": "string"}, "standfirst": {"type": "string"},
                "caption": {"type": "string"}, "credit": {"type": "string"}}},
            "IngestAnswer": {"type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "string"}},
                "new": {"type": "integer"}, "unchanged": {"type": "integer"}, "rejected": {"type": "integer"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RecordError"}},
                "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/RecordError"}}}},
            "RecordError": {"type": "object", "properties": {
                "record": {"type": ["integer", "null"]}, "line": {"type": ["integer", "null"]},
                "field": {"type": ["string", "null"]}, "message": {"type": "string"}}}
        }}
    })
}

pub async fn handler() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_document_describes_exactly_the_routes() {
        let doc = document();
        let mut described = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                described.insert((method.to_uppercase(), path.clone()));
            }
        }
        let served: BTreeSet<(String, String)> = crate::API_ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(described, served);
    }
}

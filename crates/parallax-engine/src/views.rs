//! The JSON objects parallax prints and serves, built in one place so that the CLI and
//! the server agree: an article is every stored field, its sentences with their text,
//! and where it was read from.

use parallax_core::Article;
use serde_json::{json, Value};

/// An article as JSON: every field of [`Article`], with `sentences` as
/// `{start, end, text}` and `paragraphs` as `{kind, text}`.
pub fn article(a: &Article) -> Value {
    let text = a.text();
    let mut v = serde_json::to_value(a).expect("articles serialise");
    let sentences: Vec<Value> = a
        .sentences
        .iter()
        .map(|s| json!({"start": s.start, "end": s.end, "text": &text[s.start..s.end]}))
        .collect();
    v["sentences"] = Value::Array(sentences);
    v
}

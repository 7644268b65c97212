//! The JSON objects parallax prints and serves, built in one place so that the CLI and
//! the server agree: an article is every stored field, its sentences with their text,
//! and where it was read from.

use parallax_core::facts::Facts;
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

/// The facts of an article as JSON: `{entities, figures, quotes, dates}`, where every
/// fact's `sentence` is the text of its sentence and `sentence_span` its byte span, so
/// that each one traces back to where it was said.
pub fn facts(a: &Article, facts: &Facts) -> Value {
    let text = a.text();
    let mut v = serde_json::to_value(facts).expect("facts serialise");
    for list in ["entities", "figures", "quotes", "dates"] {
        let Some(items) = v[list].as_array_mut() else {
            continue;
        };
        for item in items {
            let Some(i) = item["sentence"].as_u64() else {
                continue;
            };
            if let Some(s) = a.sentences.get(i as usize) {
                item["sentence_index"] = json!(i);
                item["sentence_span"] = json!({"start": s.start, "end": s.end});
                item["sentence"] = json!(&text[s.start..s.end]);
            }
        }
    }
    json!({
        "article": a.id,
        "lang": a.lang,
        "entities": v["entities"],
        "figures": v["figures"],
        "quotes": v["quotes"],
        "dates": v["dates"],
    })
}

/// A Unix time as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A story as JSON: `{id, languages, n_articles, n_versions, first_seen, last_seen,
/// titles: {lang: title}, articles: [ids]}` (`n_versions`: distinct texts, copies counted
/// once); `titles` has the first title in each language, `articles`
/// the ids in assignment order.
pub fn story(s: &parallax_store::StoryInfo) -> Value {
    let mut languages: Vec<&str> = s
        .articles
        .iter()
        .filter_map(|a| a.lang.as_deref())
        .collect();
    languages.sort();
    languages.dedup();
    let mut titles = serde_json::Map::new();
    for a in &s.articles {
        if let (Some(lang), Some(title)) = (&a.lang, &a.title) {
            if !titles.contains_key(lang) {
                titles.insert(lang.clone(), json!(title));
            }
        }
    }
    let ids: Vec<&str> = s.articles.iter().map(|a| a.id.as_str()).collect();
    // Copies of one text count once.
    let texts: std::collections::BTreeSet<&str> = s
        .articles
        .iter()
        .map(|a| a.copy_of.as_deref().unwrap_or(a.id.as_str()))
        .collect();
    json!({
        "id": s.id,
        "languages": languages,
        "n_articles": s.articles.len(),
        "n_versions": texts.len(),
        "first_seen": s.first_seen.and_then(rfc3339),
        "last_seen": s.last_seen.and_then(rfc3339),
        "titles": titles,
        "articles": ids,
    })
}

/// Search hits as JSON, best first: what a list shows of each article (id, lang,
/// published, title, standfirst, source), its story (after merges), and the hit's
/// score, cosine, coverage, matched words and ranks on each side.
pub fn search_hits(
    store: &parallax_store::Store,
    hits: &[crate::search::Hit],
) -> Result<Vec<Value>, crate::EngineError> {
    let ids: Vec<&parallax_core::ArticleId> = hits.iter().map(|h| &h.id).collect();
    let summaries = store.summaries(&ids)?;
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let Some(s) = summaries.iter().find(|s| s.id == h.id.as_str()) else {
            continue;
        };
        let story = store.assignment(&h.id)?.map(|(story, _)| story);
        let mut v = serde_json::to_value(s).expect("summaries serialise");
        v["story"] = json!(story);
        v["score"] = json!(h.score);
        v["cosine"] = json!(h.cosine);
        v["coverage"] = json!(h.coverage);
        v["matched"] = json!(h.matched);
        v["text_rank"] = json!(h.text_rank);
        v["vector_rank"] = json!(h.vector_rank);
        out.push(v);
    }
    Ok(out)
}

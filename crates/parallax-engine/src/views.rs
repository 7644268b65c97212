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
/// that each one traces back to where it was said. Every entity has its readable
/// `name` (the name as written where facts stored before names existed have none).
pub fn facts(a: &Article, facts: &Facts) -> Value {
    let text = a.text();
    let mut v = serde_json::to_value(facts).expect("facts serialise");
    if let Some(items) = v["entities"].as_array_mut() {
        for item in items {
            if item["name"].as_str().is_none_or(str::is_empty) {
                item["name"] = item["text"].clone();
            }
        }
    }
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
    let mut sources: Vec<&str> = s
        .articles
        .iter()
        .filter_map(|a| a.source.as_deref())
        .collect();
    sources.sort();
    sources.dedup();
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
        "sources": sources,
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

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::facts::{Entity, EntityKind, Span};

    #[test]
    fn entities_have_a_name() {
        let a = crate::analyse(Article {
            lang: Some("de".into()),
            paragraphs: vec![parallax_core::Paragraph::paragraph(
                "Kims Soldaten kamen. Kim Jong-un sprach.",
            )],
            ..Article::default()
        })
        .0
         .0;
        let mut f = Facts::default();
        for (text, name) in [("Kims", "Kim"), ("Kim Jong-un", "")] {
            f.entities.push(Entity {
                key: "kim-jong-un".into(),
                text: text.into(),
                name: name.into(),
                kind: EntityKind::Person,
                span: Span::new(0, 4),
                sentence: 0,
            });
        }
        let v = facts(&a, &f);
        assert_eq!(v["entities"][0]["name"], "Kim");
        // stored before names existed: the name as written
        assert_eq!(v["entities"][1]["name"], "Kim Jong-un");
        // facts stored without the field still load
        let old = r#"{"key":"RU","text":"Ruslands","kind":"country","span":{"start":0,"end":8},"sentence":0}"#;
        let e: Entity = serde_json::from_str(old).expect("old entity loads");
        assert_eq!(e.name, "");
    }
}

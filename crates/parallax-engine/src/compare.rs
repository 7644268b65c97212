//! Comparing the versions of a story: loads the articles (ids or unambiguous prefixes)
//! with their facts and sentence vectors from the store (sentence vectors are computed
//! and stored on first use), embeds the quotes, and runs `parallax-compare` with its
//! fitted parameters. [`view`] is the JSON the CLI (and later the server) prints.

use crate::vectors::Vectors;
use crate::EngineError;
use parallax_compare::{Params, SentenceIn, Version};
use parallax_core::facts::Span;
use parallax_core::Article;
use parallax_store::Store;

pub use parallax_compare::{Comparison, FigureItem, Relation, Row};

/// The loaded articles and the comparison of them.
pub struct Compared {
    pub articles: Vec<Article>,
    pub comparison: Comparison,
}

/// Loads the articles named by `ids` (ids or prefixes) and compares them. `story` names
/// the comparison in the output; empty, it is the full article ids joined by `+`.
pub fn compare(
    store: &mut Store,
    vectors: &Vectors,
    story: &str,
    ids: &[String],
) -> Result<Compared, EngineError> {
    let mut articles: Vec<Article> = Vec::new();
    for id in ids {
        let a = store.article(id)?.ok_or_else(|| EngineError::Input {
            path: id.clone(),
            message: "no article with this id".into(),
        })?;
        if articles.iter().all(|x| x.id != a.id) {
            articles.push(a);
        }
    }
    let mut versions = Vec::with_capacity(articles.len());
    for a in &articles {
        let facts = store.facts(&a.id)?.unwrap_or_default();
        let sentence_vectors = vectors.sentence_vectors(store, a)?;
        let quotes: Vec<&str> = facts.quotes.iter().map(|q| q.text.as_str()).collect();
        let quote_vectors = if quotes.is_empty() {
            Vec::new()
        } else {
            vectors.embed(&quotes)?
        };
        let text = a.text();
        versions.push(Version {
            article: a.id.to_string(),
            lang: a.lang.clone().unwrap_or_default(),
            title: a.title.clone(),
            sentences: a
                .sentences
                .iter()
                .map(|s| SentenceIn {
                    span: Span::new(s.start, s.end),
                    text: text[s.start..s.end].to_string(),
                })
                .collect(),
            facts,
            vectors: sentence_vectors,
            quote_vectors,
        });
    }
    let name = if story.is_empty() {
        versions
            .iter()
            .map(|v| v.article.as_str())
            .collect::<Vec<_>>()
            .join("+")
    } else {
        story.to_string()
    };
    let comparison = parallax_compare::compare(&name, &versions, &Params::fitted())?;
    Ok(Compared {
        articles,
        comparison,
    })
}

/// The comparison as JSON: `{story, versions, shared, only_in, figures, quotes}`.
pub fn view(c: &Comparison) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

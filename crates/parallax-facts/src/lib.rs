//! Facts found in article text, for every article at ingest: entities, figures, quotes
//! and dates, each with the byte span where it was found and the index of its sentence.

pub mod dates;
mod doc;
pub mod entities;
pub mod figures;
pub mod gazetteer;
pub mod lexicon;
pub mod numbers;
pub mod quotes;
pub mod tokens;

pub use parallax_core::facts::{
    Bound, DateMention, Entity, EntityKind, Facts, Figure, Granularity, Quote, Span,
};
use parallax_core::Sentence;

/// Extracts the facts of one article. `text` is [`parallax_core::Article::text`],
/// `sentences` its sentences, `lang` its ISO 639-1 language and `article_date` the date
/// relative dates resolve against. Pure and infallible.
pub fn extract(
    text: &str,
    sentences: &[Sentence],
    lang: &str,
    article_date: Option<time::Date>,
) -> Facts {
    let doc = doc::Doc::new(text, sentences, lang);
    let found = entities::find(&doc);
    let figures = figures::find(&doc, &found);
    let quotes = quotes::find(&doc, &found);
    let dates = dates::find(&doc, article_date);
    Facts {
        figures,
        quotes,
        dates,
        entities: found.into_iter().map(|f| f.entity).collect(),
    }
}

//! Prepares the labelled pairs for evaluation and fitting: facts with `parallax-facts`,
//! sentence and quote vectors with the real model (`parallax model fetch`).

#![allow(dead_code)]

use parallax_compare::eval::{Case, Labelled, Side};
use parallax_compare::{SentenceIn, Version};
use parallax_core::Sentence;
use parallax_embed::{model, EmbedOptions, Embedder, Prefix};

/// The labelled pairs the shipped parameters are fitted on: comparable reports with
/// much that only one of them says, as real comparable news is.
pub fn pairs() -> Vec<Labelled> {
    Labelled::parse_lines(include_str!("../data/pairs.jsonl")).expect("pairs.jsonl parses")
}

/// The labelled stories of 2 to 6 versions, written after the pairs and held out from
/// the shipped parameters.
pub fn stories() -> Vec<Labelled> {
    Labelled::parse_lines(include_str!("../data/stories.jsonl")).expect("stories.jsonl parses")
}

/// The whole labelled set: the pairs, then the stories.
pub fn labelled() -> Vec<Labelled> {
    let mut all = pairs();
    all.extend(stories());
    all
}

/// The real model.
pub fn embedder() -> Embedder {
    let path = model::default_model_path();
    Embedder::load(&path, &EmbedOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e} (run `parallax model fetch`)", path.display()))
}

fn version(e: &Embedder, article: String, side: &Side) -> Version {
    let mut text = String::new();
    let mut sentences = Vec::new();
    for (i, s) in side.sentences.iter().enumerate() {
        if i > 0 {
            text.push_str("\n\n");
        }
        let start = text.len();
        text.push_str(s);
        sentences.push(Sentence {
            start,
            end: text.len(),
            block: i,
        });
    }
    let date = side.date.as_deref().and_then(|d| {
        let f = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(d, &f).ok()
    });
    let facts = parallax_facts::extract(&text, &sentences, &side.lang, date);
    let refs: Vec<&str> = side.sentences.iter().map(String::as_str).collect();
    let vectors = e.embed(&refs, Prefix::Query).expect("embed sentences");
    let quotes: Vec<&str> = facts.quotes.iter().map(|q| q.text.as_str()).collect();
    let quote_vectors = e.embed(&quotes, Prefix::Query).expect("embed quotes");
    Version {
        article,
        lang: side.lang.clone(),
        title: side.sentences.first().cloned(),
        sentences: sentences
            .iter()
            .map(|s| SentenceIn {
                span: parallax_core::facts::Span::new(s.start, s.end),
                text: text[s.start..s.end].to_string(),
            })
            .collect(),
        facts,
        vectors,
        quote_vectors,
        sources: Vec::new(),
    }
}

/// Every labelled story with its versions: the pairs, then the stories.
pub fn cases() -> Vec<Case> {
    let e = embedder();
    labelled()
        .into_iter()
        .map(|gold| {
            let versions = gold
                .versions
                .iter()
                .enumerate()
                .map(|(k, side)| version(&e, format!("{}/{k}", gold.id), side))
                .collect();
            Case { gold, versions }
        })
        .collect()
}

//! Compares the versions of one story: what each version says that the others do and do
//! not say.
//!
//! Input, per version: the article id, language, title, its sentences (text and byte
//! span), the [`Facts`] found in it and one vector per sentence (multilingual E5,
//! L2-normalised). Output: a [`Comparison`] (serde) with the sentences several versions
//! share, the sentences only one version has, the figures of the versions side by side
//! with their relation, and the quotes that are the same across languages.
//!
//! How:
//! - [`align`]: every sentence pair from two different versions gets features (cosine of
//!   the sentence vectors centred on the story's mean sentence vector, the raw cosine,
//!   how far each is from the other's best counterpart, shared entity keys, a shared
//!   figure) and a logistic score; a pair whose score reaches the threshold is a link.
//!   Rows are built from the links against a pivot version (the one with the most
//!   sentences): every other version is matched one to one against it, best links
//!   first; a sentence may share a row with its neighbour when one pivot sentence says
//!   both; what is left over is matched the same way against the next pivot. A row
//!   holds at most one sentence of a version (two neighbours at most), links never
//!   chain, and N versions cost about N - 1 version pairs.
//! - [`figures`]: figures grouped by what is counted, what happened to it and who says so;
//!   values compared as intervals that respect hedges and bounds.
//! - [`quotes`]: quotes whose speakers agree and whose vectors are close.
//! - [`fit`]: the weights, the threshold and the tolerances are fitted on labelled story
//!   pairs (`tests/data/pairs.jsonl`) and stored in `params.json`, embedded here.
//!
//! No IO, no threads: the caller loads and embeds.

// Index loops over feature vectors and matrices read more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod align;
pub mod eval;
pub mod figures;
pub mod fit;
pub mod quotes;

use parallax_core::facts::{Facts, Span};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What can be wrong with the input.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("version {article}: {sentences} sentences but {vectors} sentence vectors")]
    VectorCount {
        article: String,
        sentences: usize,
        vectors: usize,
    },
    #[error("version {article}: vectors of dimension {found}, expected {expected}")]
    Dimension {
        article: String,
        found: usize,
        expected: usize,
    },
    #[error("the same article {0} is given twice")]
    Duplicate(String),
    #[error("bad parameters: {0}")]
    Params(String),
}

/// One sentence of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceIn {
    pub span: Span,
    pub text: String,
}

/// One version of the story, as the caller loaded it.
#[derive(Debug, Clone)]
pub struct Version {
    pub article: String,
    pub lang: String,
    pub title: Option<String>,
    pub sentences: Vec<SentenceIn>,
    pub facts: Facts,
    /// One L2-normalised vector per sentence.
    pub vectors: Vec<Vec<f32>>,
    /// One vector per quote of `facts.quotes` (the quote text embedded); when empty, a
    /// quote stands by its sentence's vector.
    pub quote_vectors: Vec<Vec<f32>>,
    /// Every stored article with this version's text (the version's own article first,
    /// then its copies: the same text from another file or outlet); may be empty.
    pub sources: Vec<VersionSource>,
}

/// One article that carries a version's text: where it was published and by whom.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionSource {
    pub article: String,
    /// The outlet, as the input named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The publication date and time (RFC 3339), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The credit line of the article's picture or text ("AA", "Reuters"), as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

/// A version in the output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionOut {
    pub article: String,
    pub lang: String,
    pub title: Option<String>,
    /// Every article with this text: the version and its copies (one version, several
    /// sources).
    #[serde(default)]
    pub sources: Vec<VersionSource>,
}

/// A sentence of a shared row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedSentence {
    pub article: String,
    /// Index of the sentence in its article.
    pub index: usize,
    pub span: Span,
    pub text: String,
}

/// Sentences of several versions that say the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    pub sentences: Vec<SharedSentence>,
    /// What the versions of the row say differently (a figure, a source, a speaker);
    /// empty when they say the same.
    #[serde(default)]
    pub differs: Vec<Difference>,
}

/// What differs between the sentences of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Figures that conflict or measure different things.
    Figure,
    /// The same figure attributed to different sources.
    Source,
    /// A quote given to different speakers.
    Speaker,
}

/// One difference in a row, named in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// In plain English: "DA: about 2,000 soldiers lost, according to …; RO: …: different
    /// measures (lost against killed) of the same event, not a contradiction".
    pub explanation: String,
}

/// A sentence no other version has a counterpart for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Only {
    pub index: usize,
    pub span: Span,
    pub text: String,
}

/// How the figures of a group relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The same thing counted, by the same source, values within tolerance.
    Agree,
    /// The same thing counted, values that disagree.
    Conflict,
    /// The same source, a different thing counted (killed against lost).
    DifferentMeasure,
    /// The same thing counted, attributed to different sources.
    DifferentSource,
}

impl Relation {
    /// The relation as a short label in words ("different measure").
    pub fn label(self) -> &'static str {
        match self {
            Relation::Agree => "agree",
            Relation::Conflict => "conflict",
            Relation::DifferentMeasure => "different measure",
            Relation::DifferentSource => "different source",
        }
    }

    /// The serialised name ("different_measure"), for machine output only.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Agree => "agree",
            Relation::Conflict => "conflict",
            Relation::DifferentMeasure => "different_measure",
            Relation::DifferentSource => "different_source",
        }
    }
}

/// One figure of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureItem {
    pub article: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_max: Option<f64>,
    /// The figure as written ("omkring 2.000").
    pub text: String,
    /// The figure in the one English notation, bound and hedge as written ("about
    /// 2,000", "more than 10,000", "thousands"): [`figures::written`].
    pub written: String,
    pub approx: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<parallax_core::facts::Bound>,
    /// What was counted and what happened to it ("soldiers killed").
    pub counted: String,
    /// What happened to it alone ("killed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The unit of a measure ("h", "USD", "%"), which `written` already carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The source's entity key (for matching across versions).
    pub source: Option<String>,
    /// The source as this version names it ("Sydkorea", "Seul").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The sentence the figure is in.
    pub sentence: String,
    /// Index of that sentence in its article.
    pub index: usize,
}

/// Figures of several versions shown side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureGroup {
    pub relation: Relation,
    /// The group in one plain English sentence: each version's figures as written, what
    /// they count, who says so, and what the relation means ([`figures::explain`]).
    pub explanation: String,
    pub items: Vec<FigureItem>,
}

/// One quote of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteItem {
    pub article: String,
    /// The speaker's entity key (for matching across versions).
    pub speaker: Option<String>,
    /// The speaker's readable name in this version ("Putin").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_name: Option<String>,
    pub text: String,
    pub span: Span,
    /// Index of the quote's sentence in its article.
    pub index: usize,
}

/// The same quote in several versions (and languages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteGroup {
    pub items: Vec<QuoteItem>,
}

/// What the versions of a story say, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub story: String,
    pub versions: Vec<VersionOut>,
    pub shared: Vec<Shared>,
    /// Per article id, its sentences no other version has.
    pub only_in: BTreeMap<String, Vec<Only>>,
    pub figures: Vec<FigureGroup>,
    pub quotes: Vec<QuoteGroup>,
    /// How many version pairs the alignment scored (the cost; not part of the output).
    #[serde(default, skip_serializing)]
    pub pairs_scored: usize,
}

/// Fitted parameters: the alignment model, the figure tolerances and the quote
/// threshold. [`Params::fitted`] is the set in `params.json`, produced by [`fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub align: align::Model,
    pub figures: figures::Tolerance,
    /// Cosine of two quote vectors at and above which two quotes with compatible
    /// speakers are the same quote.
    pub quote_cosine: f64,
}

impl Params {
    /// The parameters fitted on the labelled pairs (`params.json`).
    pub fn fitted() -> Params {
        serde_json::from_str(include_str!("params.json")).expect("params.json is valid")
    }
}

/// A row of the side-by-side view: per version (in input order) the indices of its
/// sentences on this row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Vec<usize>>,
    /// Whether more than one version has sentences on the row.
    pub shared: bool,
}

/// Compares the versions of a story.
pub fn compare(
    story: &str,
    versions: &[Version],
    params: &Params,
) -> Result<Comparison, CompareError> {
    check(versions)?;
    let alignment = align::align(versions, &params.align, &params.figures);
    let figures = figures::relate(versions, &params.figures, &alignment);
    let quotes = quotes::group(versions, params.quote_cosine);
    let mut shared = Vec::new();
    let mut only_in: BTreeMap<String, Vec<Only>> = BTreeMap::new();
    for v in versions {
        only_in.entry(v.article.clone()).or_default();
    }
    for group in &alignment.groups {
        let versions_in: std::collections::BTreeSet<usize> =
            group.iter().map(|&(v, _)| v).collect();
        if versions_in.len() > 1 {
            shared.push(Shared {
                differs: differences(versions, group, &alignment, &figures),
                sentences: group
                    .iter()
                    .map(|&(v, i)| {
                        let s = &versions[v].sentences[i];
                        SharedSentence {
                            article: versions[v].article.clone(),
                            index: i,
                            span: s.span,
                            text: s.text.clone(),
                        }
                    })
                    .collect(),
            });
        } else {
            for &(v, i) in group {
                let s = &versions[v].sentences[i];
                only_in
                    .entry(versions[v].article.clone())
                    .or_default()
                    .push(Only {
                        index: i,
                        span: s.span,
                        text: s.text.clone(),
                    });
            }
        }
    }
    for list in only_in.values_mut() {
        list.sort_by_key(|o| o.index);
    }
    Ok(Comparison {
        story: story.to_string(),
        versions: versions
            .iter()
            .map(|v| VersionOut {
                article: v.article.clone(),
                lang: v.lang.clone(),
                title: v.title.clone(),
                sources: v.sources.clone(),
            })
            .collect(),
        shared,
        only_in,
        figures,
        quotes,
        pairs_scored: alignment.pairs_scored,
    })
}

/// What the sentences of one row say differently: a figure group other than agree with
/// figures in two versions' sentences of the row, and quotes of the row given to two
/// different named speakers.
fn differences(
    versions: &[Version],
    row: &[align::Node],
    alignment: &align::Alignment,
    figures: &[FigureGroup],
) -> Vec<Difference> {
    let Some(&first) = row.first() else {
        return Vec::new();
    };
    let Some(this) = alignment.row(first) else {
        return Vec::new();
    };
    let node_of = |article: &str, index: usize| {
        versions
            .iter()
            .position(|v| v.article == article)
            .map(|v| (v, index))
    };
    let mut out = Vec::new();
    for g in figures {
        if g.relation == Relation::Agree {
            continue;
        }
        let in_row: std::collections::BTreeSet<usize> = g
            .items
            .iter()
            .filter_map(|i| node_of(&i.article, i.index))
            .filter(|&n| alignment.row(n) == Some(this))
            .map(|n| n.0)
            .collect();
        if in_row.len() > 1 {
            out.push(Difference {
                kind: if g.relation == Relation::DifferentSource {
                    DifferenceKind::Source
                } else {
                    DifferenceKind::Figure
                },
                explanation: g.explanation.clone(),
            });
        }
    }
    let mut speakers: Vec<(usize, &parallax_core::facts::Quote)> = Vec::new();
    for &(v, i) in row {
        for q in versions[v].facts.quotes.iter().filter(|q| q.sentence == i) {
            if q.speaker.is_some() {
                speakers.push((v, q));
            }
        }
    }
    let named = |q: &parallax_core::facts::Quote| {
        q.speaker_text
            .clone()
            .or_else(|| q.speaker.clone())
            .unwrap_or_default()
    };
    let differ: Vec<String> = speakers
        .iter()
        .map(|(v, q)| format!("{}: said by {}", versions[*v].lang.to_uppercase(), named(q)))
        .collect();
    let keys: std::collections::BTreeSet<&str> = speakers
        .iter()
        .filter_map(|(_, q)| q.speaker.as_deref())
        .collect();
    let versions_quoting: std::collections::BTreeSet<usize> =
        speakers.iter().map(|(v, _)| *v).collect();
    if keys.len() > 1 && versions_quoting.len() > 1 {
        out.push(Difference {
            kind: DifferenceKind::Speaker,
            explanation: format!(
                "{}: the quote is given to different speakers",
                differ.join("; ")
            ),
        });
    }
    out
}

fn check(versions: &[Version]) -> Result<(), CompareError> {
    let mut seen = std::collections::HashSet::new();
    let dim = versions
        .iter()
        .flat_map(|v| v.vectors.first())
        .map(Vec::len)
        .next();
    for v in versions {
        if !seen.insert(v.article.as_str()) {
            return Err(CompareError::Duplicate(v.article.clone()));
        }
        if v.vectors.len() != v.sentences.len() {
            return Err(CompareError::VectorCount {
                article: v.article.clone(),
                sentences: v.sentences.len(),
                vectors: v.vectors.len(),
            });
        }
        for x in v.vectors.iter().chain(&v.quote_vectors) {
            if Some(x.len()) != dim {
                return Err(CompareError::Dimension {
                    article: v.article.clone(),
                    found: x.len(),
                    expected: dim.unwrap_or(0),
                });
            }
        }
    }
    Ok(())
}

impl Comparison {
    /// The rows of the side-by-side view: shared groups and unaligned sentences, ordered
    /// by their mean relative position in the versions that have them (independent
    /// reports need not keep the same order; this only lays them out).
    pub fn rows(&self) -> Vec<Row> {
        let pos: BTreeMap<&str, usize> = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| (v.article.as_str(), i))
            .collect();
        let n = self.versions.len();
        let mut len = vec![1usize; n];
        for s in self.shared.iter().flat_map(|s| &s.sentences) {
            let v = pos[s.article.as_str()];
            len[v] = len[v].max(s.index + 1);
        }
        for (a, list) in &self.only_in {
            let v = pos[a.as_str()];
            for o in list {
                len[v] = len[v].max(o.index + 1);
            }
        }
        let mut rows: Vec<(f64, Row)> = Vec::new();
        for s in &self.shared {
            let mut cells = vec![Vec::new(); n];
            for x in &s.sentences {
                cells[pos[x.article.as_str()]].push(x.index);
            }
            rows.push((
                place(&cells, &len),
                Row {
                    cells,
                    shared: true,
                },
            ));
        }
        for (a, list) in &self.only_in {
            let v = pos[a.as_str()];
            for o in list {
                let mut cells = vec![Vec::new(); n];
                cells[v].push(o.index);
                rows.push((
                    place(&cells, &len),
                    Row {
                        cells,
                        shared: false,
                    },
                ));
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

fn place(cells: &[Vec<usize>], len: &[usize]) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for (v, c) in cells.iter().enumerate() {
        if let Some(&first) = c.iter().min() {
            sum += first as f64 / len[v] as f64;
            n += 1.0;
        }
    }
    if n == 0.0 {
        0.0
    } else {
        sum / n
    }
}

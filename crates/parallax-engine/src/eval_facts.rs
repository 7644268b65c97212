//! `parallax eval invariance`: an article and its professional translation carry the
//! same facts, so the extractor must find the same figures, entity keys and quotes in
//! both. Input: JSON Lines documents with a `cluster` (the documents of one article and
//! its translations) and a `role` (`original` or `human_translation`). Every
//! original–translation pair of a cluster is compared:
//!
//! * figure value F1: the figures of both sides matched one to one on their value
//!   (2 × matched / (figures of one side + figures of the other));
//! * figure value + counted F1: matched on value and on what was counted;
//! * entity key Jaccard: |keys in both| / |keys in either|;
//! * quotes found on each side;
//! * with the model ([`with_model`]): whether ingest put the two in one story, and the
//!   comparison of the two: the share of their sentences aligned (in a row with the
//!   other version) and the figure groups it marks as conflicts (a translation never
//!   conflicts with its original).
//!
//! Totals are pooled over the pairs (micro averages); the entity Jaccard is also given
//! as the mean over pairs. Results are overall and per language pair (original language
//! first). The report is a struct of named measures so that the same-story and the
//! comparison-alignment measures of the same pairs can be added beside them.

use crate::EngineError;
use parallax_core::facts::{Facts, Figure};
use parallax_ingest::Item;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use parallax_facts::{EvalReport as LabelledReport, FactsError};

/// `parallax eval facts`: precision and recall on labelled sentences (see
/// [`parallax_facts::evaluate`]).
pub fn labelled(path: &Path) -> Result<LabelledReport, FactsError> {
    parallax_facts::evaluate(path)
}

/// Pooled counts over a set of original–translation pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Invariance {
    pub pairs: usize,
    /// Figures found in the originals and in the translations.
    pub figures_original: usize,
    pub figures_translation: usize,
    /// Figures matched one to one on their value.
    pub figures_value_matched: usize,
    /// Matched on value and on what was counted.
    pub figures_counted_matched: usize,
    /// Figures with something counted, on each side.
    pub counted_original: usize,
    pub counted_translation: usize,
    pub entity_keys_shared: usize,
    pub entity_keys_union: usize,
    /// Sum of the per-pair Jaccard indices (pairs with no key on either side count 1).
    jaccard_sum: f64,
    pub quotes_original: usize,
    pub quotes_translation: usize,
    pub quotes_with_speaker_original: usize,
    pub quotes_with_speaker_translation: usize,
    /// With the model: pairs measured, pairs that ingest put in one story, sentences of
    /// both sides, those aligned, and conflicting figure groups.
    pub pairs_with_model: usize,
    pub same_story: usize,
    pub sentences: usize,
    pub sentences_aligned: usize,
    pub conflicts: usize,
}

impl Invariance {
    /// 2 × matched / (figures on both sides); 1 when neither side has a figure.
    pub fn figure_value_f1(&self) -> f64 {
        f1(
            self.figures_value_matched,
            self.figures_original + self.figures_translation,
        )
    }

    /// As [`Self::figure_value_f1`], the value and what was counted both matching.
    pub fn figure_counted_f1(&self) -> f64 {
        f1(
            self.figures_counted_matched,
            self.figures_original + self.figures_translation,
        )
    }

    /// Pooled Jaccard: keys shared over keys in either side, summed over the pairs.
    pub fn entity_jaccard(&self) -> f64 {
        if self.entity_keys_union == 0 {
            1.0
        } else {
            self.entity_keys_shared as f64 / self.entity_keys_union as f64
        }
    }

    /// The mean of the per-pair Jaccard indices.
    pub fn entity_jaccard_mean(&self) -> f64 {
        if self.pairs == 0 {
            1.0
        } else {
            self.jaccard_sum / self.pairs as f64
        }
    }

    fn add(&mut self, o: &Invariance) {
        self.pairs += o.pairs;
        self.figures_original += o.figures_original;
        self.figures_translation += o.figures_translation;
        self.figures_value_matched += o.figures_value_matched;
        self.figures_counted_matched += o.figures_counted_matched;
        self.counted_original += o.counted_original;
        self.counted_translation += o.counted_translation;
        self.entity_keys_shared += o.entity_keys_shared;
        self.entity_keys_union += o.entity_keys_union;
        self.jaccard_sum += o.jaccard_sum;
        self.quotes_original += o.quotes_original;
        self.quotes_translation += o.quotes_translation;
        self.quotes_with_speaker_original += o.quotes_with_speaker_original;
        self.quotes_with_speaker_translation += o.quotes_with_speaker_translation;
        self.pairs_with_model += o.pairs_with_model;
        self.same_story += o.same_story;
        self.sentences += o.sentences;
        self.sentences_aligned += o.sentences_aligned;
        self.conflicts += o.conflicts;
    }

    /// The share of pairs put in one story (with the model).
    pub fn same_story_share(&self) -> Option<f64> {
        (self.pairs_with_model > 0).then(|| self.same_story as f64 / self.pairs_with_model as f64)
    }

    /// The share of sentences aligned by the comparison (with the model).
    pub fn aligned_share(&self) -> Option<f64> {
        (self.sentences > 0).then(|| self.sentences_aligned as f64 / self.sentences as f64)
    }
}

fn f1(matched: usize, total: usize) -> f64 {
    if total == 0 {
        1.0
    } else {
        2.0 * matched as f64 / total as f64
    }
}

/// The measures of one group of pairs, with the derived figures for printing.
#[derive(Debug, Clone, Serialize)]
pub struct Measures {
    #[serde(flatten)]
    pub counts: Invariance,
    pub figure_value_f1: f64,
    pub figure_counted_f1: f64,
    pub entity_jaccard: f64,
    pub entity_jaccard_mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_story_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aligned_share: Option<f64>,
}

impl From<Invariance> for Measures {
    fn from(counts: Invariance) -> Measures {
        Measures {
            same_story_share: counts.same_story_share(),
            aligned_share: counts.aligned_share(),
            figure_value_f1: counts.figure_value_f1(),
            figure_counted_f1: counts.figure_counted_f1(),
            entity_jaccard: counts.entity_jaccard(),
            entity_jaccard_mean: counts.entity_jaccard_mean(),
            counts,
        }
    }
}

/// One original–translation pair.
#[derive(Debug, Clone, Serialize)]
pub struct PairResult {
    pub cluster: String,
    pub original: String,
    pub translation: String,
    /// `ORIG-TRANS`, e.g. `ru-en`.
    pub langs: String,
    #[serde(flatten)]
    pub measures: Measures,
    /// The entity keys found on one side only: where keys fail to meet.
    pub keys_only_original: Vec<String>,
    pub keys_only_translation: Vec<String>,
    /// The mentions of those keys as the text writes them, keyed by the key
    /// (`"UA": ["Kyiv"]`): what each side read where the other read nothing alike.
    pub mentions_only_original: BTreeMap<String, Vec<String>>,
    pub mentions_only_translation: BTreeMap<String, Vec<String>>,
    /// The figures found on one side that no figure of the other side matches on its
    /// value: `VALUE counted "text"`, where the readings part.
    pub figures_only_original: Vec<String>,
    pub figures_only_translation: Vec<String>,
    /// With the model: one story or not, the share of sentences aligned, the
    /// comparison's conflicting figure groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_story: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aligned_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<usize>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct InvarianceReport {
    pub documents: usize,
    pub clusters: usize,
    /// Records that could not be read, or that lack a cluster or role.
    pub skipped: usize,
    pub overall: Measures,
    /// Keyed `ORIG-TRANS`.
    pub by_pair: BTreeMap<String, Measures>,
    pub pairs: Vec<PairResult>,
}

struct Doc {
    id: String,
    cluster: String,
    original: bool,
    lang: String,
    facts: Facts,
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Greedy one-to-one matching: which of `a` and which of `b` found a partner.
fn pairing(
    a: &[Figure],
    b: &[Figure],
    same: impl Fn(&Figure, &Figure) -> bool,
) -> (Vec<bool>, Vec<bool>) {
    let mut used = vec![false; b.len()];
    let mut hit = vec![false; a.len()];
    for (i, x) in a.iter().enumerate() {
        if let Some(j) = (0..b.len()).find(|&j| !used[j] && same(x, &b[j])) {
            used[j] = true;
            hit[i] = true;
        }
    }
    (hit, used)
}

/// Greedy one-to-one matching: how many of `a` find a partner in `b`.
fn matched(a: &[Figure], b: &[Figure], same: impl Fn(&Figure, &Figure) -> bool) -> usize {
    pairing(a, b, same).0.iter().filter(|&&h| h).count()
}

/// The figures of each side with no partner of the same value on the other side.
fn unmatched(a: &[Figure], b: &[Figure]) -> (Vec<String>, Vec<String>) {
    let (ha, hb) = pairing(a, b, |x, y| same_value(x.value, y.value));
    let show = |fs: &[Figure], hit: &[bool]| -> Vec<String> {
        fs.iter()
            .zip(hit)
            .filter(|(_, &h)| !h)
            .map(|(f, _)| {
                format!(
                    "{} {} {:?}",
                    f.value,
                    f.counted.as_deref().unwrap_or("-"),
                    f.text
                )
            })
            .collect()
    };
    (show(a, &ha), show(b, &hb))
}

/// Compares the facts of an original with those of its translation.
pub fn compare_facts(orig: &Facts, trans: &Facts) -> Invariance {
    let (a, b) = (&orig.figures, &trans.figures);
    let keys =
        |f: &Facts| -> BTreeSet<String> { f.entities.iter().map(|e| e.key.clone()).collect() };
    let (ka, kb) = (keys(orig), keys(trans));
    let shared = ka.intersection(&kb).count();
    let union = ka.union(&kb).count();
    let speakers = |f: &Facts| f.quotes.iter().filter(|q| q.speaker.is_some()).count();
    Invariance {
        pairs: 1,
        figures_original: a.len(),
        figures_translation: b.len(),
        figures_value_matched: matched(a, b, |x, y| same_value(x.value, y.value)),
        figures_counted_matched: matched(a, b, |x, y| {
            same_value(x.value, y.value) && x.counted.is_some() && x.counted == y.counted
        }),
        counted_original: a.iter().filter(|f| f.counted.is_some()).count(),
        counted_translation: b.iter().filter(|f| f.counted.is_some()).count(),
        entity_keys_shared: shared,
        entity_keys_union: union,
        jaccard_sum: if union == 0 {
            1.0
        } else {
            shared as f64 / union as f64
        },
        quotes_original: orig.quotes.len(),
        quotes_translation: trans.quotes.len(),
        quotes_with_speaker_original: speakers(orig),
        quotes_with_speaker_translation: speakers(trans),
        ..Invariance::default()
    }
}

/// Reads the documents at `path`, extracts the facts of each and compares every
/// original with each of its translations.
pub fn evaluate(path: &Path) -> Result<InvarianceReport, EngineError> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(EngineError::Input {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        });
    }
    let mut articles = Vec::new();
    let mut skipped = 0;
    parallax_ingest::read_path(path, Some(crate::Format::Jsonl), &mut |item| match item {
        Item::Article(a) => articles.push(*a),
        Item::Diagnostic(d) if d.is_error() => skipped += 1,
        Item::Diagnostic(_) => {}
    });
    let docs: Vec<Option<Doc>> = articles
        .into_par_iter()
        .map(|a| {
            let text_field = |k: &str| {
                a.metadata.get(k).and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| Some(v.to_string()))
                })
            };
            let cluster = text_field("cluster")?;
            let role = text_field("role")?;
            let original = match role.as_str() {
                "original" => true,
                "human_translation" | "translation" => false,
                _ => return None,
            };
            let id = a
                .external_id
                .clone()
                .unwrap_or_else(|| a.id.as_str().to_string());
            let ((a, facts), _) = crate::analyse(a);
            Some(Doc {
                id,
                cluster,
                original,
                lang: a.lang.unwrap_or_else(|| "und".into()),
                facts,
            })
        })
        .collect();
    let documents = docs.len();
    skipped += docs.iter().filter(|d| d.is_none()).count();
    let mut clusters: BTreeMap<&str, Vec<&Doc>> = BTreeMap::new();
    for d in docs.iter().flatten() {
        clusters.entry(d.cluster.as_str()).or_default().push(d);
    }
    let mut overall = Invariance::default();
    let mut by_pair: BTreeMap<String, Invariance> = BTreeMap::new();
    let mut pairs = Vec::new();
    for (cluster, members) in &clusters {
        for o in members.iter().filter(|d| d.original) {
            for t in members.iter().filter(|d| !d.original) {
                let m = compare_facts(&o.facts, &t.facts);
                let keys = |f: &Facts| -> BTreeSet<String> {
                    f.entities.iter().map(|e| e.key.clone()).collect()
                };
                let (ko, kt) = (keys(&o.facts), keys(&t.facts));
                let langs = format!("{}-{}", o.lang, t.lang);
                let (fo, ft) = unmatched(&o.facts.figures, &t.facts.figures);
                let mentions = |f: &Facts, only: &BTreeSet<String>| {
                    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for e in f.entities.iter().filter(|e| only.contains(&e.key)) {
                        let texts = m.entry(e.key.clone()).or_default();
                        if !texts.contains(&e.text) {
                            texts.push(e.text.clone());
                        }
                    }
                    m
                };
                let only_o: BTreeSet<String> = ko.difference(&kt).cloned().collect();
                let only_t: BTreeSet<String> = kt.difference(&ko).cloned().collect();
                overall.add(&m);
                by_pair.entry(langs.clone()).or_default().add(&m);
                pairs.push(PairResult {
                    cluster: cluster.to_string(),
                    original: o.id.clone(),
                    translation: t.id.clone(),
                    langs,
                    measures: m.into(),
                    mentions_only_original: mentions(&o.facts, &only_o),
                    mentions_only_translation: mentions(&t.facts, &only_t),
                    keys_only_original: only_o.into_iter().collect(),
                    keys_only_translation: only_t.into_iter().collect(),
                    figures_only_original: fo,
                    figures_only_translation: ft,
                    same_story: None,
                    aligned_share: None,
                    conflicts: None,
                });
            }
        }
    }
    Ok(InvarianceReport {
        documents,
        clusters: clusters.len(),
        skipped,
        overall: overall.into(),
        by_pair: by_pair.into_iter().map(|(k, v)| (k, v.into())).collect(),
        pairs,
    })
}

/// [`evaluate`], and the measures that need the model: the file is ingested as
/// `parallax ingest` would (lead vectors, story assignment; into `cache` when given,
/// which keeps the vectors for the next run), then every original–translation pair is
/// checked for one story and compared (sentence vectors are stored on first use).
pub fn with_model(
    path: &Path,
    vectors: &crate::vectors::Vectors,
    cache: Option<&Path>,
) -> Result<InvarianceReport, EngineError> {
    let mut report = evaluate(path)?;
    let mut store = match cache {
        Some(p) => parallax_store::Store::open(p)?,
        None => parallax_store::Store::open_in_memory()?,
    };
    let config = crate::IngestConfig {
        format: Some(crate::Format::Jsonl),
        vectors: Some(vectors.clone()),
        ..crate::IngestConfig::default()
    };
    crate::ingest(
        &mut store,
        &[crate::Input::Path(path.to_path_buf())],
        &config,
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_| {},
    )?;
    let mut by_name: BTreeMap<String, parallax_core::ArticleId> = BTreeMap::new();
    for a in store.articles(&parallax_store::ArticleFilter::default())? {
        by_name
            .entry(
                a.external_id
                    .clone()
                    .unwrap_or_else(|| a.id.as_str().to_string()),
            )
            .or_insert(a.id);
    }
    let mut overall = report.overall.counts.clone();
    let mut by_pair: BTreeMap<String, Invariance> = report
        .by_pair
        .iter()
        .map(|(k, m)| (k.clone(), m.counts.clone()))
        .collect();
    for p in report.pairs.iter_mut() {
        let (Some(o), Some(t)) = (by_name.get(&p.original), by_name.get(&p.translation)) else {
            continue;
        };
        let mut m = Invariance {
            pairs_with_model: 1,
            ..Invariance::default()
        };
        let story = |id: &parallax_core::ArticleId| store.assignment(id).map(|a| a.map(|x| x.0));
        if let (Some(a), Some(b)) = (story(o)?, story(t)?) {
            m.same_story = usize::from(a == b);
        }
        let ids = [o.as_str().to_string(), t.as_str().to_string()];
        if o != t {
            let c = crate::compare::compare(&mut store, vectors, "", &ids)?.comparison;
            let only: usize = c.only_in.values().map(Vec::len).sum();
            let shared: usize = c.shared.iter().map(|r| r.sentences.len()).sum();
            m.sentences = only + shared;
            m.sentences_aligned = shared;
            m.conflicts = c
                .figures
                .iter()
                .filter(|g| g.relation == crate::compare::Relation::Conflict)
                .count();
        }
        p.same_story = Some(m.same_story == 1);
        p.aligned_share = m.aligned_share();
        p.conflicts = Some(m.conflicts);
        overall.add(&m);
        by_pair.entry(p.langs.clone()).or_default().add(&m);
        let mut counts = p.measures.counts.clone();
        counts.add(&m);
        p.measures = counts.into();
    }
    report.overall = overall.into();
    report.by_pair = by_pair.into_iter().map(|(k, v)| (k, v.into())).collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> InvarianceReport {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docs.jsonl");
        std::fs::write(&path, lines.join("\n")).expect("write");
        evaluate(&path).expect("evaluate")
    }

    #[test]
    fn translations_are_compared_with_their_original() {
        let r = run(&[
            r#"{"id": "a-da", "cluster": "a", "role": "original", "lang": "da", "title": "Krigen", "text": "Ifølge Sydkorea har hæren mistet omkring 2.000 soldater. Putin besøgte Pyongyang."}"#,
            r#"{"id": "a-ro", "cluster": "a", "role": "human_translation", "lang": "ro", "title": "Războiul", "text": "Potrivit Coreei de Sud, armata a pierdut aproximativ 2.000 de soldați. Putin a vizitat Phenianul."}"#,
            r#"{"id": "a-en", "cluster": "a", "role": "human_translation", "lang": "en", "title": "The war", "text": "According to South Korea, the army lost about 2,000 soldiers. Putin visited Pyongyang."}"#,
            r#"{"id": "b-en", "cluster": "b", "role": "original", "lang": "en", "title": "Floods", "text": "Three people died."}"#,
            r#"{"id": "x", "lang": "en", "title": "No cluster", "text": "Nothing."}"#,
        ]);
        assert_eq!(r.documents, 5);
        assert_eq!(r.clusters, 2);
        assert_eq!(r.skipped, 1);
        assert_eq!(r.overall.counts.pairs, 2);
        assert_eq!(
            r.by_pair.keys().cloned().collect::<Vec<_>>(),
            ["da-en", "da-ro"]
        );
        assert_eq!(r.overall.counts.figures_value_matched, 2, "{r:#?}");
        assert!((r.overall.figure_value_f1 - 1.0).abs() < 1e-9, "{r:#?}");
        assert!((r.overall.figure_counted_f1 - 1.0).abs() < 1e-9, "{r:#?}");
        assert!(r.overall.entity_jaccard > 0.5, "{r:#?}");
    }

    #[test]
    fn measures_of_a_pair() {
        let fig = |v: f64, c: Option<&str>| Figure {
            value: v,
            value_max: None,
            approx: false,
            bound: None,
            counted: c.map(str::to_string),
            event: None,
            unit: None,
            source: None,
            text: String::new(),
            sentence: 0,
            span: parallax_core::facts::Span::new(0, 0),
        };
        let a = Facts {
            figures: vec![fig(2000.0, Some("soldiers")), fig(3.0, Some("hours"))],
            ..Facts::default()
        };
        let b = Facts {
            figures: vec![fig(2000.0, Some("people")), fig(7.0, None), fig(8.0, None)],
            ..Facts::default()
        };
        let m = compare_facts(&a, &b);
        assert_eq!(m.figures_value_matched, 1);
        assert_eq!(m.figures_counted_matched, 0);
        assert!((m.figure_value_f1() - 0.4).abs() < 1e-9);
        assert_eq!(m.entity_jaccard(), 1.0);
        let (only_a, only_b) = unmatched(&a.figures, &b.figures);
        assert_eq!(only_a, ["3 hours \"\""]);
        assert_eq!(only_b, ["7 - \"\"", "8 - \"\""]);
    }

    #[test]
    fn a_missing_file_is_an_error() {
        assert!(evaluate(Path::new("no/such/file.jsonl")).is_err());
    }
}

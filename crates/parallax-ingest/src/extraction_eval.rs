//! Measures the HTML extractor on an article-body benchmark laid out as the Zyte /
//! Scrapinghub extraction benchmark: `html/<id>.html.gz` pages and a
//! `ground-truth.json` mapping each id to `{"articleBody", "url"}`.
//!
//! The metric is the benchmark's: texts become word tokens (runs of Unicode letters,
//! digits and `_`; case kept), then a multiset of 4-token shingles (a text of fewer than
//! 4 tokens is one shorter shingle, an empty text none). Per page, shared shingles
//! (with repeats) are true positives, extra predicted ones false positives, missing ones
//! false negatives; the counts are normalised by their sum so every page weighs the
//! same. Precision and recall are per page (empty against empty is perfect) and
//! averaged over pages; F1 is the harmonic mean of the two averages. Accuracy is the
//! share of pages whose token sequence equals the ground truth's.
//!
//! The prediction is the article body only: [`Article::body`], paragraphs and
//! subheadings, without title or standfirst.

use crate::html;
use flate2::read::GzDecoder;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What can stop an evaluation (a page that extracts badly is a score, not an error).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid ground truth {path}: {message}")]
    GroundTruth { path: PathBuf, message: String },
}

/// The scores of one page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageScore {
    pub id: String,
    pub url: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The scores over a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractionReport {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Share of pages whose token sequence matches the ground truth exactly.
    pub accuracy: f64,
    pub n_pages: usize,
    /// The pages with the lowest F1, worst first (at most [`WORST_PAGES`]).
    pub worst: Vec<PageScore>,
}

/// How many pages [`ExtractionReport::worst`] lists.
pub const WORST_PAGES: usize = 10;

/// Runs the extractor on every page of the benchmark in `dir` and scores it.
pub fn evaluate(dir: &Path) -> Result<ExtractionReport, EvalError> {
    let gt_path = dir.join("ground-truth.json");
    let raw = std::fs::read(&gt_path).map_err(|source| EvalError::Io {
        path: gt_path.clone(),
        source,
    })?;
    let truth: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&raw).map_err(|e| EvalError::GroundTruth {
            path: gt_path.clone(),
            message: e.to_string(),
        })?;
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let mut pages = Vec::with_capacity(ids.len());
    for id in ids {
        let entry = &truth[id];
        let body = entry["articleBody"].as_str().unwrap_or("");
        let url = entry["url"].as_str().unwrap_or("");
        let path = dir.join("html").join(format!("{id}.html.gz"));
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| GzDecoder::new(f).read_to_end(&mut bytes))
            .map_err(|source| EvalError::Io {
                path: path.clone(),
                source,
            })?;
        let (page, _) = crate::decode::decode_html(&bytes, None);
        let predicted = html::extract(&page, (!url.is_empty()).then_some(url)).body();
        pages.push((id.clone(), url.to_string(), score(body, &predicted)));
    }
    Ok(report(pages))
}

/// The counts of one page: normalised true positives, false positives, false
/// negatives, and whether the token sequences match exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
    pub exact: bool,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.fp == 0.0 && self.fn_ == 0.0 {
            1.0
        } else if self.tp == 0.0 && self.fp == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fp)
        }
    }

    pub fn recall(&self) -> f64 {
        if self.fp == 0.0 && self.fn_ == 0.0 {
            1.0
        } else if self.tp == 0.0 && self.fn_ == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fn_)
        }
    }
}

/// Scores one prediction against its ground truth.
pub fn score(truth: &str, predicted: &str) -> Counts {
    let (t_tokens, p_tokens) = (tokens(truth), tokens(predicted));
    let t = shingles(&t_tokens);
    let p = shingles(&p_tokens);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += tc.min(pc);
        fn_ += tc.saturating_sub(pc);
    }
    for (k, &pc) in &p {
        fp += pc.saturating_sub(t.get(k).copied().unwrap_or(0));
    }
    let sum = (tp + fp + fn_) as f64;
    let norm = |x: usize| if sum > 0.0 { x as f64 / sum } else { 0.0 };
    Counts {
        tp: norm(tp),
        fp: norm(fp),
        fn_: norm(fn_),
        exact: t_tokens == p_tokens,
    }
}

fn report(pages: Vec<(String, String, Counts)>) -> ExtractionReport {
    let n = pages.len();
    let mean = |f: &dyn Fn(&Counts) -> f64| -> f64 {
        if n == 0 {
            0.0
        } else {
            pages.iter().map(|(_, _, c)| f(c)).sum::<f64>() / n as f64
        }
    };
    let precision = mean(&|c| c.precision());
    let recall = mean(&|c| c.recall());
    let accuracy = mean(&|c| if c.exact { 1.0 } else { 0.0 });
    let mut scores: Vec<PageScore> = pages
        .into_iter()
        .map(|(id, url, c)| {
            let (p, r) = (c.precision(), c.recall());
            PageScore {
                id,
                url,
                precision: p,
                recall: r,
                f1: harmonic(p, r),
            }
        })
        .collect();
    scores.sort_by(|a, b| a.f1.total_cmp(&b.f1).then_with(|| a.id.cmp(&b.id)));
    scores.truncate(WORST_PAGES);
    ExtractionReport {
        precision,
        recall,
        f1: harmonic(precision, recall),
        accuracy,
        n_pages: n,
        worst: scores,
    }
}

fn harmonic(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Word tokens: runs of letters, digits and `_` (a regular expression's Unicode `\w`).
pub fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The multiset of 4-token shingles.
fn shingles(tokens: &[&str]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    if tokens.is_empty() {
        return out;
    }
    if tokens.len() < 4 {
        out.insert(tokens.join(" "), 1);
        return out;
    }
    for w in tokens.windows(4) {
        *out.entry(w.join(" ")).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_matches_the_definition() {
        let c = score("a b c d e", "a b c d e");
        assert_eq!((c.precision(), c.recall(), c.exact), (1.0, 1.0, true));
        // Punctuation and spacing do not count; case does.
        assert!(score("Hello, world!", "Hello world").exact);
        assert!(!score("Hello world", "hello world").exact);
        // Truth has 2 shingles, prediction 3 (one shared).
        let c = score("a b c d e", "a b c d x y");
        assert_eq!(c.tp, 1.0 / 4.0);
        assert_eq!(c.fp, 2.0 / 4.0);
        assert_eq!(c.fn_, 1.0 / 4.0);
        assert!((c.precision() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.recall(), 0.5);
        // Empty against empty is perfect; empty prediction scores zero.
        assert_eq!(score("", "").precision(), 1.0);
        let c = score("a b c d", "");
        assert_eq!((c.precision(), c.recall()), (0.0, 0.0));
        // Repeats count.
        let c = score("a b c d a b c d", "a b c d");
        assert_eq!(c.precision(), 1.0);
        assert!(c.recall() < 1.0);
        assert_eq!(
            tokens("l'État, 3,5 % — ő_x"),
            ["l", "État", "3", "5", "ő_x"]
        );
    }

    #[test]
    fn report_averages_pages_then_takes_the_harmonic_mean() {
        let pages = vec![
            (
                "a".to_string(),
                String::new(),
                score("a b c d e", "a b c d e"),
            ),
            ("b".to_string(), String::new(), score("a b c d e", "")),
        ];
        let r = report(pages);
        assert_eq!((r.precision, r.recall, r.accuracy), (0.5, 0.5, 0.5));
        assert_eq!(r.f1, 0.5);
        assert_eq!(r.worst[0].id, "b");
    }
}

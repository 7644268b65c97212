//! Precision and recall of figures and quotes on a labelled set: JSON Lines, one
//! sentence a line, `{lang, text, figures: [{value, counted, source}], quotes: [{text,
//! speaker}]}`. A figure matches on its value, then also on what was counted, then also
//! on its source; a quote on its text (trimmed), then also on its speaker.

use crate::error::FactsError;
use parallax_core::Sentence;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Deserialize)]
struct GoldFigure {
    value: f64,
    counted: Option<String>,
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GoldQuote {
    text: String,
    speaker: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Labelled {
    lang: String,
    text: String,
    #[serde(default)]
    figures: Vec<GoldFigure>,
    #[serde(default)]
    quotes: Vec<GoldQuote>,
}

/// Counts for one measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Score {
    pub true_pos: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.true_pos as f64 / self.predicted as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            1.0
        } else {
            self.true_pos as f64 / self.gold as f64
        }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Precision and recall on a labelled set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    pub sentences: usize,
    pub languages: Vec<String>,
    pub figure_value: Score,
    pub figure_counted: Score,
    pub figure_source: Score,
    pub quote_text: Score,
    pub quote_speaker: Score,
}

impl std::fmt::Display for EvalReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} sentences, {} languages ({})",
            self.sentences,
            self.languages.len(),
            self.languages.join(" ")
        )?;
        writeln!(
            f,
            "| measure | gold | predicted | correct | precision | recall | F1 |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|")?;
        for (name, s) in [
            ("figure value", self.figure_value),
            ("figure value + counted", self.figure_counted),
            ("figure value + counted + source", self.figure_source),
            ("quote text", self.quote_text),
            ("quote text + speaker", self.quote_speaker),
        ] {
            writeln!(
                f,
                "| {name} | {} | {} | {} | {:.3} | {:.3} | {:.3} |",
                s.gold,
                s.predicted,
                s.true_pos,
                s.precision(),
                s.recall(),
                s.f1()
            )?;
        }
        Ok(())
    }
}

/// Greedy one-to-one matching of predicted to gold items.
fn score<P, G>(pred: &[P], gold: &[G], same: impl Fn(&P, &G) -> bool) -> Score {
    let mut used = vec![false; pred.len()];
    let mut tp = 0;
    for g in gold {
        if let Some(i) = (0..pred.len()).find(|&i| !used[i] && same(&pred[i], g)) {
            used[i] = true;
            tp += 1;
        }
    }
    Score {
        true_pos: tp,
        predicted: pred.len(),
        gold: gold.len(),
    }
}

fn add(a: &mut Score, b: Score) {
    a.true_pos += b.true_pos;
    a.predicted += b.predicted;
    a.gold += b.gold;
}

/// Evaluates extraction on the labelled set at `path`.
pub fn evaluate(path: impl AsRef<Path>) -> Result<EvalReport, FactsError> {
    let path = path.as_ref();
    let src = std::fs::read_to_string(path).map_err(|source| FactsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut report = EvalReport::default();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled = serde_json::from_str(line).map_err(|source| FactsError::Parse {
            path: path.to_path_buf(),
            line: n + 1,
            source,
        })?;
        let sents = [Sentence {
            start: 0,
            end: l.text.len(),
            block: 0,
        }];
        let facts = crate::extract(&l.text, &sents, &l.lang, None);
        let same_value = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        let figs = &facts.figures;
        add(
            &mut report.figure_value,
            score(figs, &l.figures, |p, g| same_value(p.value, g.value)),
        );
        add(
            &mut report.figure_counted,
            score(figs, &l.figures, |p, g| {
                same_value(p.value, g.value) && p.counted == g.counted
            }),
        );
        add(
            &mut report.figure_source,
            score(figs, &l.figures, |p, g| {
                same_value(p.value, g.value) && p.counted == g.counted && p.source == g.source
            }),
        );
        let quotes = &facts.quotes;
        add(
            &mut report.quote_text,
            score(quotes, &l.quotes, |p, g| p.text.trim() == g.text.trim()),
        );
        add(
            &mut report.quote_speaker,
            score(quotes, &l.quotes, |p, g| {
                p.text.trim() == g.text.trim() && p.speaker == g.speaker
            }),
        );
        report.sentences += 1;
        if !report.languages.contains(&l.lang) {
            report.languages.push(l.lang);
        }
    }
    Ok(report)
}

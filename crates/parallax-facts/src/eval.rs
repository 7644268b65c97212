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
    /// The same measures per language (ISO 639-1 code), in code order.
    pub per_language: std::collections::BTreeMap<String, LanguageScores>,
    /// The sentences where a figure or a quote was missed or wrong, as found.
    pub misses: Vec<Miss>,
}

/// A sentence whose figures or quotes differ from the gold: what was found.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub line: usize,
    pub lang: String,
    /// `value counted source` per figure, `“text” speaker` per quote.
    pub found: Vec<String>,
    pub gold: Vec<String>,
}

/// The measures of one language.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LanguageScores {
    pub sentences: usize,
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
        writeln!(f)?;
        writeln!(
            f,
            "| language | sentences | value P / R | value + counted P / R | + source P / R | quote + speaker P / R |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|")?;
        let pr = |s: &Score| {
            if s.gold == 0 && s.predicted == 0 {
                "-".to_string()
            } else {
                format!("{:.2} / {:.2}", s.precision(), s.recall())
            }
        };
        for (lang, l) in &self.per_language {
            writeln!(
                f,
                "| {lang} | {} | {} | {} | {} | {} |",
                l.sentences,
                pr(&l.figure_value),
                pr(&l.figure_counted),
                pr(&l.figure_source),
                pr(&l.quote_speaker)
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
        // A gold key of a name the lists do not know is written readably ("petr-fiala");
        // the extractor's key for it is its skeleton (see `entities::name_key`).
        let same_key = |p: &Option<String>, g: &Option<String>| {
            p == g
                || match (p, g) {
                    (Some(p), Some(g)) => {
                        let parts: Vec<String> = g.split('-').map(str::to_string).collect();
                        *p == crate::entities::name_key(&parts, &[])
                    }
                    _ => false,
                }
        };
        let figs = &facts.figures;
        let quotes = &facts.quotes;
        let scores = [
            score(figs, &l.figures, |p, g| same_value(p.value, g.value)),
            score(figs, &l.figures, |p, g| {
                same_value(p.value, g.value) && p.counted == g.counted
            }),
            score(figs, &l.figures, |p, g| {
                same_value(p.value, g.value)
                    && p.counted == g.counted
                    && same_key(&p.source, &g.source)
            }),
            score(quotes, &l.quotes, |p, g| p.text.trim() == g.text.trim()),
            score(quotes, &l.quotes, |p, g| {
                p.text.trim() == g.text.trim() && same_key(&p.speaker, &g.speaker)
            }),
        ];
        let full = |s: &Score| s.true_pos == s.gold && s.true_pos == s.predicted;
        if !full(&scores[2]) || !full(&scores[4]) {
            let or_dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
            report.misses.push(Miss {
                line: n + 1,
                lang: l.lang.clone(),
                found: figs
                    .iter()
                    .map(|f| format!("{} {} {}", f.value, or_dash(&f.counted), or_dash(&f.source)))
                    .chain(
                        quotes
                            .iter()
                            .map(|q| format!("“{}” {}", q.text, or_dash(&q.speaker))),
                    )
                    .collect(),
                gold: l
                    .figures
                    .iter()
                    .map(|f| format!("{} {} {}", f.value, or_dash(&f.counted), or_dash(&f.source)))
                    .chain(
                        l.quotes
                            .iter()
                            .map(|q| format!("“{}” {}", q.text, or_dash(&q.speaker))),
                    )
                    .collect(),
            });
        }
        let lang = report.per_language.entry(l.lang.clone()).or_default();
        lang.sentences += 1;
        for (total, one) in [
            &mut lang.figure_value,
            &mut lang.figure_counted,
            &mut lang.figure_source,
            &mut lang.quote_text,
            &mut lang.quote_speaker,
        ]
        .into_iter()
        .zip(scores)
        {
            add(total, one);
        }
        for (total, one) in [
            &mut report.figure_value,
            &mut report.figure_counted,
            &mut report.figure_source,
            &mut report.quote_text,
            &mut report.quote_speaker,
        ]
        .into_iter()
        .zip(scores)
        {
            add(total, one);
        }
        report.sentences += 1;
        if !report.languages.contains(&l.lang) {
            report.languages.push(l.lang);
        }
    }
    Ok(report)
}

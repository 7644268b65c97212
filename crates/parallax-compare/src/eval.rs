//! Evaluation on labelled story pairs: two short articles in two languages, one of which
//! adds, drops and changes facts, with the gold sentence alignment (by sentence index),
//! the gold relation of figure pairs and the gold quote pairs. The labelled set of this
//! repository is `tests/data/pairs.jsonl`.

use crate::{align, quotes, Params, Relation, Version};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One article of a labelled pair: its sentences, one a line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub lang: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    pub sentences: Vec<String>,
}

/// A figure pair and how the two relate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldFigure {
    /// Sentence index in `a`.
    pub a: usize,
    /// Sentence index in `b`.
    pub b: usize,
    pub relation: Relation,
}

/// A labelled story pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Labelled {
    pub id: String,
    pub a: Side,
    pub b: Side,
    /// Sentence pairs (index in `a`, index in `b`) that say the same thing.
    pub align: Vec<(usize, usize)>,
    #[serde(default)]
    pub figures: Vec<GoldFigure>,
    /// Sentence pairs (index in `a`, index in `b`) holding the same quote.
    #[serde(default)]
    pub quotes: Vec<(usize, usize)>,
}

impl Labelled {
    /// Reads JSON Lines.
    pub fn parse_lines(s: &str) -> Result<Vec<Labelled>, serde_json::Error> {
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect()
    }

    /// `a-b` language pair, sorted (`da-en`).
    pub fn langs(&self) -> String {
        let mut l = [self.a.lang.as_str(), self.b.lang.as_str()];
        l.sort();
        l.join("-")
    }
}

/// A labelled pair with its two versions prepared by the caller (facts and vectors).
#[derive(Debug, Clone)]
pub struct Case {
    pub gold: Labelled,
    pub versions: [Version; 2],
}

/// True positives, false positives, false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The figures of an evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Sentence links against the gold alignment.
    pub align: Counts,
    /// The same, per language pair.
    pub by_langs: BTreeMap<String, Counts>,
    /// Gold figure pairs whose predicted relation is right.
    pub figures_right: usize,
    pub figures_total: usize,
    /// Gold figure pairs whose two sentences both have a figure found by the extractor.
    pub figures_extracted: usize,
    /// Quote pairs grouped against the gold quote pairs.
    pub quotes: Counts,
    /// Pairs evaluated.
    pub cases: usize,
}

impl Report {
    pub fn figure_accuracy(&self) -> f64 {
        ratio(self.figures_right, self.figures_total)
    }
    fn add(&mut self, o: &Report) {
        self.align.add(o.align);
        for (k, c) in &o.by_langs {
            self.by_langs.entry(k.clone()).or_default().add(*c);
        }
        self.figures_right += o.figures_right;
        self.figures_total += o.figures_total;
        self.figures_extracted += o.figures_extracted;
        self.quotes.add(o.quotes);
        self.cases += o.cases;
    }
}

/// Alignment counts of one case.
pub fn align_counts(case: &Case, params: &Params) -> Counts {
    let a = align::align(&case.versions, &params.align, &params.figures);
    let predicted: BTreeSet<(usize, usize)> = a.links.iter().map(|(x, y, _)| (x.1, y.1)).collect();
    let gold: BTreeSet<(usize, usize)> = case.gold.align.iter().copied().collect();
    Counts {
        tp: predicted.intersection(&gold).count(),
        fp: predicted.difference(&gold).count(),
        fn_: gold.difference(&predicted).count(),
    }
}

/// Right and total gold figure relations of one case.
pub fn figure_counts(case: &Case, params: &Params) -> (usize, usize) {
    let alignment = align::align(&case.versions, &params.align, &params.figures);
    let groups = crate::figures::relate(&case.versions, &params.figures, &alignment);
    let [va, vb] = &case.versions;
    let mut right = 0;
    for g in &case.gold.figures {
        let found = groups.iter().find(|grp| {
            grp.items
                .iter()
                .any(|i| i.article == va.article && i.index == g.a)
                && grp
                    .items
                    .iter()
                    .any(|i| i.article == vb.article && i.index == g.b)
        });
        if found.map(|f| f.relation) == Some(g.relation) {
            right += 1;
        }
    }
    (right, case.gold.figures.len())
}

/// Gold figure pairs of one case whose two sentences both have an extracted figure.
pub fn figures_extracted(case: &Case) -> usize {
    let [va, vb] = &case.versions;
    let has = |v: &Version, s: usize| v.facts.figures.iter().any(|f| f.sentence == s);
    case.gold
        .figures
        .iter()
        .filter(|g| has(va, g.a) && has(vb, g.b))
        .count()
}

/// Quote pair counts of one case at a threshold.
pub fn quote_counts(case: &Case, threshold: f64) -> Counts {
    let [va, vb] = &case.versions;
    let gold: BTreeSet<(usize, usize)> = case.gold.quotes.iter().copied().collect();
    let mut c = Counts::default();
    for (x, y, cos) in quotes::pairs(&case.versions) {
        let key = (va.facts.quotes[x.1].sentence, vb.facts.quotes[y.1].sentence);
        match (cos >= threshold, gold.contains(&key)) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, true) => c.fn_ += 1,
            (false, false) => {}
        }
    }
    c
}

/// Evaluates the parameters on the cases.
pub fn evaluate(cases: &[Case], params: &Params) -> Report {
    let mut r = Report::default();
    for case in cases {
        let one = evaluate_one(case, params);
        r.add(&one);
    }
    r
}

fn evaluate_one(case: &Case, params: &Params) -> Report {
    let align = align_counts(case, params);
    let (figures_right, figures_total) = figure_counts(case, params);
    Report {
        align,
        by_langs: BTreeMap::from([(case.gold.langs(), align)]),
        figures_right,
        figures_total,
        figures_extracted: figures_extracted(case),
        quotes: quote_counts(case, params.quote_cosine),
        cases: 1,
    }
}

/// Leave-one-out: each case evaluated with parameters fitted on the others.
pub fn cross_validate(cases: &[Case]) -> Report {
    let mut r = Report::default();
    for k in 0..cases.len() {
        let train: Vec<Case> = cases
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, c)| c.clone())
            .collect();
        let params = crate::fit::fit(&train);
        r.add(&evaluate_one(&cases[k], &params));
    }
    r
}

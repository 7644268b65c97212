//! Evaluation on labelled stories: two to six short articles in as many languages, some
//! of which add, drop and change facts, with the gold sentence alignment, the gold
//! relation of figure pairs and the gold quote pairs. The labelled set of this
//! repository is `tests/data/pairs.jsonl`. A line is either a pair (`a`, `b`, `align` as
//! sentence index pairs) or a story of several versions (`versions`, `rows`: lists of
//! `[version, sentence]` that say the same thing; figure and quote pairs as
//! `[version, sentence]`).

use crate::align::Node;
use crate::{align, quotes, Params, Relation, Version};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One article of a labelled story: its sentences, one a line.
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
    pub a: Node,
    pub b: Node,
    pub relation: Relation,
}

/// A labelled story. Every pair is ordered by version (`a.0 < b.0`).
#[derive(Debug, Clone)]
pub struct Labelled {
    pub id: String,
    pub versions: Vec<Side>,
    /// Sentence pairs of two versions that say the same thing.
    pub align: Vec<(Node, Node)>,
    pub figures: Vec<GoldFigure>,
    /// Sentence pairs holding the same quote.
    pub quotes: Vec<(Node, Node)>,
}

/// A line of the labelled set as written.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Line {
    Pair {
        id: String,
        a: Side,
        b: Side,
        align: Vec<(usize, usize)>,
        #[serde(default)]
        figures: Vec<PairFigure>,
        #[serde(default)]
        quotes: Vec<(usize, usize)>,
    },
    Story {
        id: String,
        versions: Vec<Side>,
        rows: Vec<Vec<Node>>,
        #[serde(default)]
        figures: Vec<GoldFigure>,
        #[serde(default)]
        quotes: Vec<(Node, Node)>,
    },
}

#[derive(Debug, Deserialize)]
struct PairFigure {
    a: usize,
    b: usize,
    relation: Relation,
}

fn ordered(x: Node, y: Node) -> (Node, Node) {
    if x <= y {
        (x, y)
    } else {
        (y, x)
    }
}

impl Labelled {
    /// Reads JSON Lines.
    pub fn parse_lines(s: &str) -> Result<Vec<Labelled>, serde_json::Error> {
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<Line>(l).map(Labelled::from))
            .collect()
    }

    /// The languages of the story, sorted and joined (`da-en`, `de-en-ja-ru`).
    pub fn langs(&self) -> String {
        let l: BTreeSet<&str> = self.versions.iter().map(|v| v.lang.as_str()).collect();
        l.into_iter().collect::<Vec<_>>().join("-")
    }

    /// The language pair of two versions, sorted (`da-en`).
    pub fn pair_langs(&self, a: usize, b: usize) -> String {
        let mut l = [
            self.versions[a].lang.as_str(),
            self.versions[b].lang.as_str(),
        ];
        l.sort();
        l.join("-")
    }
}

impl From<Line> for Labelled {
    fn from(line: Line) -> Labelled {
        match line {
            Line::Pair {
                id,
                a,
                b,
                align,
                figures,
                quotes,
            } => Labelled {
                id,
                versions: vec![a, b],
                align: align.into_iter().map(|(i, j)| ((0, i), (1, j))).collect(),
                figures: figures
                    .into_iter()
                    .map(|f| GoldFigure {
                        a: (0, f.a),
                        b: (1, f.b),
                        relation: f.relation,
                    })
                    .collect(),
                quotes: quotes.into_iter().map(|(i, j)| ((0, i), (1, j))).collect(),
            },
            Line::Story {
                id,
                versions,
                rows,
                figures,
                quotes,
            } => {
                let mut align = BTreeSet::new();
                for row in &rows {
                    for (k, &x) in row.iter().enumerate() {
                        for &y in &row[k + 1..] {
                            if x.0 != y.0 {
                                align.insert(ordered(x, y));
                            }
                        }
                    }
                }
                Labelled {
                    id,
                    versions,
                    align: align.into_iter().collect(),
                    figures: figures
                        .into_iter()
                        .map(|f| {
                            let (a, b) = ordered(f.a, f.b);
                            GoldFigure {
                                a,
                                b,
                                relation: f.relation,
                            }
                        })
                        .collect(),
                    quotes: quotes.into_iter().map(|(x, y)| ordered(x, y)).collect(),
                }
            }
        }
    }
}

/// A labelled story with its versions prepared by the caller (facts and vectors), in
/// the order of `gold.versions`.
#[derive(Debug, Clone)]
pub struct Case {
    pub gold: Labelled,
    pub versions: Vec<Version>,
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
    /// The same, per language pair of the two sentences.
    pub by_langs: BTreeMap<String, Counts>,
    /// Gold figure pairs whose predicted relation is right.
    pub figures_right: usize,
    pub figures_total: usize,
    /// Gold figure pairs whose two sentences both have a figure found by the extractor.
    pub figures_extracted: usize,
    /// Quote pairs grouped against the gold quote pairs.
    pub quotes: Counts,
    /// Stories evaluated.
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

/// The sentence pairs of two versions that the alignment puts in one row.
pub fn predicted_links(case: &Case, params: &Params) -> BTreeSet<(Node, Node)> {
    let a = align::align(&case.versions, &params.align, &params.figures);
    let mut out = BTreeSet::new();
    for row in &a.groups {
        for (k, &x) in row.iter().enumerate() {
            for &y in &row[k + 1..] {
                if x.0 != y.0 {
                    out.insert(ordered(x, y));
                }
            }
        }
    }
    out
}

/// Alignment counts of one case, in all and per language pair.
pub fn align_counts(case: &Case, params: &Params) -> (Counts, BTreeMap<String, Counts>) {
    let predicted = predicted_links(case, params);
    let gold: BTreeSet<(Node, Node)> = case.gold.align.iter().copied().collect();
    let mut all = Counts::default();
    let mut by: BTreeMap<String, Counts> = BTreeMap::new();
    let key = |x: &(Node, Node)| case.gold.pair_langs(x.0 .0, x.1 .0);
    for x in predicted.intersection(&gold) {
        all.tp += 1;
        by.entry(key(x)).or_default().tp += 1;
    }
    for x in predicted.difference(&gold) {
        all.fp += 1;
        by.entry(key(x)).or_default().fp += 1;
    }
    for x in gold.difference(&predicted) {
        all.fn_ += 1;
        by.entry(key(x)).or_default().fn_ += 1;
    }
    (all, by)
}

/// The relation found between the figures of two sentences: none unless a figure group
/// holds both; in a group of two versions the group's relation, in a larger group the
/// relation of the two sentences' own figures (a group of seven "7 killed" and one "9
/// killed" is a conflict, but two of its "7 killed" agree). Where the sentences hold
/// several figures of the group, an agreement between any two of them counts, as the
/// one-to-one pairing of [`crate::figures::relate`] pairs equal numbers first.
pub fn found_relation(
    case: &Case,
    params: &Params,
    alignment: &align::Alignment,
    groups: &[crate::FigureGroup],
    a: Node,
    b: Node,
) -> Option<Relation> {
    let holds = |grp: &crate::FigureGroup, (v, s): Node| {
        grp.items
            .iter()
            .any(|i| i.article == case.versions[v].article && i.index == s)
    };
    let group = groups.iter().find(|grp| holds(grp, a) && holds(grp, b))?;
    let articles: BTreeSet<&str> = group.items.iter().map(|i| i.article.as_str()).collect();
    if articles.len() <= 2 {
        return Some(group.relation);
    }
    let in_group = |(v, s): Node| -> Vec<&parallax_core::facts::Figure> {
        case.versions[v]
            .facts
            .figures
            .iter()
            .filter(|f| f.sentence == s)
            .filter(|f| {
                group.items.iter().any(|i| {
                    i.article == case.versions[v].article && i.index == s && i.value == f.value
                })
            })
            .collect()
    };
    let linked = alignment.same_row(a, b);
    let relations: Vec<Relation> = in_group(a)
        .iter()
        .flat_map(|fa| {
            in_group(b).into_iter().filter_map(move |fb| {
                crate::figures::pair_relation(fa, fb, linked, &params.figures)
            })
        })
        .collect();
    let rank = |r: &Relation| match r {
        Relation::Agree => 0,
        Relation::DifferentMeasure => 1,
        Relation::DifferentSource => 2,
        Relation::Conflict => 3,
    };
    if relations.contains(&Relation::Agree) {
        Some(Relation::Agree)
    } else {
        relations
            .into_iter()
            .max_by_key(rank)
            .or(Some(group.relation))
    }
}

/// Right and total gold figure relations of one case.
pub fn figure_counts(case: &Case, params: &Params) -> (usize, usize) {
    let alignment = align::align(&case.versions, &params.align, &params.figures);
    let groups = crate::figures::relate(&case.versions, &params.figures, &alignment);
    let right = case
        .gold
        .figures
        .iter()
        .filter(|g| found_relation(case, params, &alignment, &groups, g.a, g.b) == Some(g.relation))
        .count();
    (right, case.gold.figures.len())
}

/// Gold figure pairs of one case whose two sentences both have an extracted figure.
pub fn figures_extracted(case: &Case) -> usize {
    let has = |(v, s): Node| {
        case.versions[v]
            .facts
            .figures
            .iter()
            .any(|f| f.sentence == s)
    };
    case.gold
        .figures
        .iter()
        .filter(|g| has(g.a) && has(g.b))
        .count()
}

/// Quote pairs of one case (by sentence) with their cosine and whether they are gold.
pub fn quote_examples(case: &Case) -> Vec<(f64, bool)> {
    let gold: BTreeSet<(Node, Node)> = case.gold.quotes.iter().copied().collect();
    let sentence = |(v, q): quotes::QuoteRef| (v, case.versions[v].facts.quotes[q].sentence);
    quotes::pairs(&case.versions)
        .into_iter()
        .map(|(x, y, cos)| (cos, gold.contains(&ordered(sentence(x), sentence(y)))))
        .collect()
}

/// Quote pair counts of one case at a threshold.
pub fn quote_counts(case: &Case, threshold: f64) -> Counts {
    let mut c = Counts::default();
    for (cos, gold) in quote_examples(case) {
        match (cos >= threshold, gold) {
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
    let (align, by_langs) = align_counts(case, params);
    let (figures_right, figures_total) = figure_counts(case, params);
    Report {
        align,
        by_langs,
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

//! Fitting the parameters on labelled stories ([`crate::eval::Case`]).
//!
//! 1. Alignment: logistic regression (batch gradient descent on standardised features,
//!    a small L2 penalty) on every cross-version sentence pair labelled link or not,
//!    each story weighing as one pair of versions;
//!    then the score threshold that maximises the F1 of the links on the same pairs.
//!    Fitted first with exact figure matching, then again with the fitted tolerances.
//! 2. Figure tolerances: a grid over the rounding and hedge tolerances; the pair with
//!    the most gold figure relations right (with the alignment of step 1) wins, the
//!    narrower on ties.
//! 3. Quotes: the cosine threshold that maximises the F1 of the gold quote pairs.
//!
//! `cargo run -p parallax-compare --example fit` runs this with the real model and
//! writes `src/params.json`.

use crate::align::{self, Model, Node, NF};
use crate::eval::{figure_counts, Case};
use crate::figures::Tolerance;
use crate::Params;
use std::collections::BTreeSet;

/// Fits every parameter on the cases.
pub fn fit(cases: &[Case]) -> Params {
    let exact = Tolerance {
        exact: 0.0,
        hedge: 0.0,
    };
    let first = fit_alignment(cases, &exact);
    let figures = fit_tolerance(cases, &first);
    let align = fit_alignment(cases, &figures);
    let quote_examples: Vec<(f64, bool)> =
        cases.iter().flat_map(crate::eval::quote_examples).collect();
    Params {
        align,
        figures,
        quote_cosine: best_threshold(&quote_examples),
    }
}

/// The alignment model fitted with the figure feature at a tolerance.
pub fn fit_alignment(cases: &[Case], tol: &Tolerance) -> Model {
    let mut examples = Vec::new();
    for case in cases {
        let gold: BTreeSet<(Node, Node)> = case.gold.align.iter().copied().collect();
        // Each story weighs as one pair of versions: a story of 6 versions has 15 version
        // pairs and would otherwise count 15 times.
        let n = case.versions.len();
        let w = 2.0 / (n * n.saturating_sub(1)).max(2) as f64;
        for p in align::pairs(&case.versions, tol) {
            examples.push((p.x, gold.contains(&(p.a, p.b)), w));
        }
    }
    fit_model(&examples)
}

/// Tolerance candidates, as fractions of the value.
const EXACT: [f64; 5] = [0.0, 0.005, 0.01, 0.02, 0.05];
const HEDGE: [f64; 9] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];

/// The tolerances that get the most gold figure relations right.
pub fn fit_tolerance(cases: &[Case], model: &Model) -> Tolerance {
    let mut best = (
        0usize,
        Tolerance {
            exact: 0.0,
            hedge: 0.0,
        },
    );
    for &exact in &EXACT {
        for &hedge in &HEDGE {
            let tol = Tolerance { exact, hedge };
            let params = Params {
                align: model.clone(),
                figures: tol,
                quote_cosine: 1.0,
            };
            let right: usize = cases.iter().map(|c| figure_counts(c, &params).0).sum();
            if right > best.0 {
                best = (right, tol);
            }
        }
    }
    best.1
}

/// Weighted logistic regression and the weighted-F1-best threshold. An example is its
/// features, whether it is a link, and its weight.
pub fn fit_model(examples: &[([f64; NF], bool, f64)]) -> Model {
    let n = examples.iter().map(|e| e.2).sum::<f64>().max(1e-9);
    let mut mean = vec![0.0; NF];
    for (x, _, w) in examples {
        for k in 0..NF {
            mean[k] += w * x[k] / n;
        }
    }
    let mut scale = [0.0; NF];
    for (x, _, w) in examples {
        for k in 0..NF {
            scale[k] += w * (x[k] - mean[k]).powi(2) / n;
        }
    }
    let scale: Vec<f64> = scale
        .iter()
        .map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 })
        .collect();
    let z: Vec<([f64; NF], f64, f64)> = examples
        .iter()
        .map(|(x, y, w)| {
            let mut s = [0.0; NF];
            for k in 0..NF {
                s[k] = (x[k] - mean[k]) / scale[k];
            }
            (s, if *y { 1.0 } else { 0.0 }, *w)
        })
        .collect();
    let (mut w, mut b) = ([0.0f64; NF], 0.0f64);
    let (rate, l2) = (0.5, 1e-3);
    for _ in 0..3000 {
        let mut gw = [0.0; NF];
        let mut gb = 0.0;
        for (x, y, weight) in &z {
            let p = 1.0 / (1.0 + (-(b + (0..NF).map(|k| w[k] * x[k]).sum::<f64>())).exp());
            let e = (p - y) * weight;
            for k in 0..NF {
                gw[k] += e * x[k] / n;
            }
            gb += e / n;
        }
        for k in 0..NF {
            w[k] -= rate * (gw[k] + l2 * w[k]);
        }
        b -= rate * gb;
    }
    let mut model = Model {
        mean,
        scale,
        weights: w.to_vec(),
        bias: b,
        threshold: 0.5,
    };
    let scored: Vec<(f64, bool, f64)> = examples
        .iter()
        .map(|(x, y, w)| (model.score(x), *y, *w))
        .collect();
    model.threshold = best_weighted_threshold(&scored);
    model
}

/// [`best_threshold`] with a weight per example (weighted true positives, predictions
/// and positives in the F1).
pub fn best_weighted_threshold(scored: &[(f64, bool, f64)]) -> f64 {
    let mut s: Vec<(f64, bool, f64)> = scored.to_vec();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives: f64 = s.iter().filter(|x| x.1).map(|x| x.2).sum();
    if positives == 0.0 || s.is_empty() {
        return 1.0;
    }
    let (mut tp, mut taken, mut best_f1, mut best) = (0.0, 0.0, -1.0, 1.0);
    for i in 0..s.len() {
        taken += s[i].2;
        if s[i].1 {
            tp += s[i].2;
        }
        if i + 1 < s.len() && s[i + 1].0 == s[i].0 {
            continue;
        }
        let f1 = 2.0 * tp / (taken + positives);
        if f1 > best_f1 {
            best_f1 = f1;
            best = match s.get(i + 1) {
                Some(next) => (s[i].0 + next.0) / 2.0,
                None => s[i].0,
            };
        }
    }
    best
}

/// The threshold on a score that maximises F1: halfway between the last score taken
/// and the next one down.
pub fn best_threshold(scored: &[(f64, bool)]) -> f64 {
    let mut s: Vec<(f64, bool)> = scored.to_vec();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = s.iter().filter(|x| x.1).count();
    if positives == 0 || s.is_empty() {
        return 1.0;
    }
    let (mut tp, mut best_f1, mut best) = (0usize, -1.0, 1.0);
    for i in 0..s.len() {
        if s[i].1 {
            tp += 1;
        }
        if i + 1 < s.len() && s[i + 1].0 == s[i].0 {
            continue;
        }
        let f1 = 2.0 * tp as f64 / ((i + 1) as f64 + positives as f64);
        if f1 > best_f1 {
            best_f1 = f1;
            best = match s.get(i + 1) {
                Some(next) => (s[i].0 + next.0) / 2.0,
                None => s[i].0,
            };
        }
    }
    best
}

//! Quality measures: pairwise and BCubed precision, recall and F1 of a clustering
//! against gold stories (overall, for cross-lingual pairs only, and per language pair),
//! and Pearson and Spearman correlation.

use serde::Serialize;
use std::collections::BTreeMap;

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    pub fn new(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

/// Pairwise and BCubed scores over one set of pairs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Scores {
    pub pairwise: Prf,
    pub bcubed: Prf,
    /// Gold same-story pairs counted.
    pub gold_pairs: usize,
}

/// Scores overall, for cross-lingual pairs, and per language pair (`da-ro`, sorted).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ClusterReport {
    pub n_articles: usize,
    pub n_gold_stories: usize,
    pub n_stories: usize,
    pub overall: Scores,
    pub cross_lingual: Scores,
    pub by_pair: BTreeMap<String, Scores>,
}

/// One clustered item: language, gold story, predicted story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub lang: String,
    pub gold: String,
    pub pred: u64,
}

fn lang_pair(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}-{b}")
    } else {
        format!("{b}-{a}")
    }
}

fn scores(items: &[Item], keep: &dyn Fn(usize, usize) -> bool, with_self: bool) -> Scores {
    let n = items.len();
    let (mut tp, mut pred_same, mut gold_same) = (0usize, 0usize, 0usize);
    let (mut bp, mut bp_n, mut br, mut br_n) = (0f64, 0usize, 0f64, 0usize);
    for i in 0..n {
        let (mut both, mut p, mut g) = (0usize, 0usize, 0usize);
        if with_self {
            both += 1;
            p += 1;
            g += 1;
        }
        for j in 0..n {
            if i == j || !keep(i, j) {
                continue;
            }
            let ps = items[i].pred == items[j].pred;
            let gs = items[i].gold == items[j].gold;
            p += ps as usize;
            g += gs as usize;
            both += (ps && gs) as usize;
            if j > i {
                pred_same += ps as usize;
                gold_same += gs as usize;
                tp += (ps && gs) as usize;
            }
        }
        if p > 0 {
            bp += both as f64 / p as f64;
            bp_n += 1;
        }
        if g > 0 {
            br += both as f64 / g as f64;
            br_n += 1;
        }
    }
    let ratio = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
    Scores {
        pairwise: Prf::new(ratio(tp as f64, pred_same), ratio(tp as f64, gold_same)),
        bcubed: Prf::new(ratio(bp, bp_n), ratio(br, br_n)),
        gold_pairs: gold_same,
    }
}

/// Scores a clustering against gold stories.
pub fn cluster_report(items: &[Item]) -> ClusterReport {
    let mut langs: Vec<&str> = items.iter().map(|i| i.lang.as_str()).collect();
    langs.sort();
    langs.dedup();
    let mut by_pair = BTreeMap::new();
    for (x, a) in langs.iter().enumerate() {
        for b in &langs[x..] {
            let keep = |i: usize, j: usize| {
                let (li, lj) = (items[i].lang.as_str(), items[j].lang.as_str());
                (li == *a && lj == *b) || (li == *b && lj == *a)
            };
            let s = scores(items, &keep, false);
            if s.gold_pairs > 0 {
                by_pair.insert(lang_pair(a, b), s);
            }
        }
    }
    let gold: std::collections::BTreeSet<&str> = items.iter().map(|i| i.gold.as_str()).collect();
    let pred: std::collections::BTreeSet<u64> = items.iter().map(|i| i.pred).collect();
    ClusterReport {
        n_articles: items.len(),
        n_gold_stories: gold.len(),
        n_stories: pred.len(),
        overall: scores(items, &|_, _| true, true),
        cross_lingual: scores(items, &|i, j| items[i].lang != items[j].lang, false),
        by_pair,
    }
}

/// Pearson correlation (0 when either side is constant).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx.sqrt() * syy.sqrt())
    }
}

/// Ranks with ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman rank correlation.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(lang: &str, gold: &str, pred: u64) -> Item {
        Item {
            lang: lang.into(),
            gold: gold.into(),
            pred,
        }
    }

    #[test]
    fn perfect_and_split_clusterings() {
        let perfect = [item("da", "a", 1), item("ro", "a", 1), item("en", "b", 2)];
        let r = cluster_report(&perfect);
        assert_eq!(r.overall.pairwise.f1, 1.0);
        assert_eq!(r.overall.bcubed.f1, 1.0);
        assert_eq!(r.cross_lingual.pairwise.recall, 1.0);
        assert_eq!(r.by_pair["da-ro"].pairwise.f1, 1.0);
        let split = [item("da", "a", 1), item("ro", "a", 2), item("en", "b", 3)];
        let r = cluster_report(&split);
        assert_eq!(r.overall.pairwise.recall, 0.0);
        assert!((r.overall.bcubed.recall - (0.5 + 0.5 + 1.0) / 3.0).abs() < 1e-12);
        assert_eq!(r.overall.bcubed.precision, 1.0);
        let lumped = [item("da", "a", 1), item("ro", "a", 1), item("en", "b", 1)];
        let r = cluster_report(&lumped);
        assert!((r.overall.pairwise.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((r.cross_lingual.pairwise.precision - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn correlations() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pearson(&x, &[2.0, 4.0, 6.0, 8.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &[1.0, 10.0, 100.0, 1000.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&x, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }
}

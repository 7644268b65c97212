//! Fitting the parameters on labelled data: pure functions over feature rows.
//!
//! - The pair model: least squares (with a small ridge term for stability) from the pair
//!   features to the graded similarity mapped to 0..1 (`(4 - overall) / 3`), which is
//!   what a correlation with the gold grades rewards.
//! - The same-story cut: the pair score that maximises F1 for `overall <= 1.5`.
//! - The new-story classifier: logistic regression (Newton's method) over the
//!   [`crate::params::JOIN_FEATURE_NAMES`] of the best candidate story, on rows collected
//!   by streaming labelled articles through the clusterer while it follows the gold
//!   stories; its cut maximises F1 of the join decision.

use crate::clusterer::{join_features, Candidate, Clusterer};
use crate::features::ArticleFeatures;
use crate::params::{sigmoid, Linear, Params};
use crate::ClusterError;
use std::collections::HashMap;

/// Ridge term of the logistic regression (relative to the row count): a small term
/// that keeps separable data finite.
const RIDGE: f64 = 1e-4;

/// The ridge terms the pair model's least squares chooses from (relative to the row
/// count), by two-fold cross-validation on the rows it is fitted on
/// ([`choose_ridge`]). Features that are constant in the data (the time features of
/// undated pairs) need some ridge to be solvable; more than that shrinks the weights of
/// the features that carry the grade.
pub const RIDGE_GRID: [f64; 5] = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3];

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)] // index loops read best for elimination
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Result<Vec<f64>, ClusterError> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty range");
        if a[piv][col].abs() < 1e-12 {
            return Err(ClusterError::Fit("singular system".into()));
        }
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            for c in col..n {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Ok(x)
}

fn with_bias(row: &[f64]) -> Vec<f64> {
    let mut v = row.to_vec();
    v.push(1.0);
    v
}

/// Least squares with a small ridge term (not on the bias).
pub fn least_squares(rows: &[Vec<f64>], y: &[f64]) -> Result<Linear, ClusterError> {
    least_squares_ridge(rows, y, RIDGE)
}

/// Least squares with the ridge term `ridge` times the row count (not on the bias).
#[allow(clippy::needless_range_loop)]
pub fn least_squares_ridge(
    rows: &[Vec<f64>],
    y: &[f64],
    ridge: f64,
) -> Result<Linear, ClusterError> {
    let d = rows
        .first()
        .ok_or_else(|| ClusterError::Fit("no rows".into()))?
        .len()
        + 1;
    let mut a = vec![vec![0.0; d]; d];
    let mut b = vec![0.0; d];
    for (row, &t) in rows.iter().zip(y) {
        let x = with_bias(row);
        for i in 0..d {
            b[i] += x[i] * t;
            for j in 0..d {
                a[i][j] += x[i] * x[j];
            }
        }
    }
    for (i, r) in a.iter_mut().enumerate().take(d - 1) {
        r[i] += ridge * rows.len() as f64;
    }
    let w = solve(a, b)?;
    Ok(Linear {
        weights: w[..d - 1].to_vec(),
        bias: w[d - 1],
    })
}

/// Logistic regression by Newton's method (a small ridge term keeps separable data
/// finite).
#[allow(clippy::needless_range_loop)]
pub fn logistic(rows: &[Vec<f64>], labels: &[bool]) -> Result<Linear, ClusterError> {
    let d = rows
        .first()
        .ok_or_else(|| ClusterError::Fit("no rows".into()))?
        .len()
        + 1;
    let mut w = vec![0.0; d];
    for _ in 0..50 {
        let mut h = vec![vec![0.0; d]; d];
        let mut g = vec![0.0; d];
        for (row, &l) in rows.iter().zip(labels) {
            let x = with_bias(row);
            let p = sigmoid(x.iter().zip(&w).map(|(a, b)| a * b).sum());
            let err = p - l as u8 as f64;
            let s = (p * (1.0 - p)).max(1e-9);
            for i in 0..d {
                g[i] += err * x[i];
                for j in 0..d {
                    h[i][j] += s * x[i] * x[j];
                }
            }
        }
        for i in 0..d - 1 {
            g[i] += RIDGE * rows.len() as f64 * w[i];
            h[i][i] += RIDGE * rows.len() as f64;
        }
        let step = solve(h, g)?;
        let mut change = 0.0f64;
        for i in 0..d {
            w[i] -= step[i];
            change = change.max(step[i].abs());
        }
        if change < 1e-8 {
            break;
        }
    }
    Ok(Linear {
        weights: w[..d - 1].to_vec(),
        bias: w[d - 1],
    })
}

/// The cut on `scores` (a value of the data, or just above the top) that maximises F1
/// for `labels`, with that F1.
pub fn best_f1_cut(scores: &[f64], labels: &[bool]) -> (f64, f64) {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|&&l| l).count();
    let (mut best_cut, mut best_f1) = (f64::INFINITY, 0.0);
    let mut tp = 0usize;
    for (k, &i) in idx.iter().enumerate() {
        tp += labels[i] as usize;
        // The cut can sit only between distinct scores.
        if k + 1 < idx.len() && scores[idx[k + 1]] == scores[i] {
            continue;
        }
        let predicted = k + 1;
        let f1 = 2.0 * tp as f64 / (predicted + positives) as f64;
        if f1 > best_f1 {
            best_f1 = f1;
            best_cut = scores[i];
        }
    }
    (best_cut, best_f1)
}

/// A labelled pair: its feature row and the gold `overall` grade (1 = same story, 4 =
/// unrelated).
#[derive(Debug, Clone)]
pub struct PairRow {
    pub x: Vec<f64>,
    pub overall: f64,
}

/// The same-story cut on the gold grade.
pub const SAME_STORY_OVERALL: f64 = 1.5;

/// Maps a gold grade to the 0..1 target of the pair model.
pub fn target(overall: f64) -> f64 {
    (4.0 - overall) / 3.0
}

/// The ridge of [`RIDGE_GRID`] whose pair model predicts the grades best, by two-fold
/// cross-validation over `rows` (halves by position, as the fit's own report): the
/// Pearson correlation of the held-out predictions with the gold grades; a tie goes to
/// the larger ridge. A grid point whose system cannot be solved is skipped; with none
/// solvable the largest is returned (and the fit reports the error).
pub fn choose_ridge(rows: &[PairRow]) -> f64 {
    let mut best = (f64::NEG_INFINITY, RIDGE_GRID[RIDGE_GRID.len() - 1]);
    if rows.len() < 4 {
        return best.1;
    }
    let gold: Vec<f64> = rows.iter().map(|r| r.overall).collect();
    'grid: for &ridge in &RIDGE_GRID {
        let mut predicted = vec![0.0; rows.len()];
        for fold in 0..2 {
            let (xs, y): (Vec<Vec<f64>>, Vec<f64>) = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 != fold)
                .map(|(_, r)| (r.x.clone(), target(r.overall)))
                .unzip();
            let Ok(m) = least_squares_ridge(&xs, &y, ridge) else {
                continue 'grid;
            };
            for (i, r) in rows.iter().enumerate().filter(|(i, _)| i % 2 == fold) {
                predicted[i] = 4.0 - 3.0 * apply_capped(&m, &r.x);
            }
        }
        let r = crate::metrics::pearson(&predicted, &gold);
        if r.is_finite() && r >= best.0 {
            best = (r, ridge);
        }
    }
    best.1
}

/// The pair model's score of a row with its cosine capped at the model's peak
/// ([`crate::features::cosine_peak`]), as [`Params::pair_score`] scores it.
pub fn apply_capped(m: &Linear, x: &[f64]) -> f64 {
    let mut x = x.to_vec();
    crate::features::cap_cosine(&mut x, crate::features::cosine_peak(&m.weights));
    m.apply(&x)
}

/// Fits the pair model (its ridge chosen by [`choose_ridge`] on these rows) and the
/// same-story cut; returns them and the F1 at the cut.
pub fn fit_pairs(rows: &[PairRow]) -> Result<(Linear, f64, f64), ClusterError> {
    fit_pairs_ridge(rows, choose_ridge(rows))
}

/// [`fit_pairs`] with a given ridge.
pub fn fit_pairs_ridge(rows: &[PairRow], ridge: f64) -> Result<(Linear, f64, f64), ClusterError> {
    let xs: Vec<Vec<f64>> = rows.iter().map(|r| r.x.clone()).collect();
    let y: Vec<f64> = rows.iter().map(|r| target(r.overall)).collect();
    let model = least_squares_ridge(&xs, &y, ridge)?;
    let scores: Vec<f64> = xs.iter().map(|x| apply_capped(&model, x)).collect();
    let labels: Vec<bool> = rows
        .iter()
        .map(|r| r.overall <= SAME_STORY_OVERALL)
        .collect();
    let (cut, f1) = best_f1_cut(&scores, &labels);
    Ok((model, cut, f1))
}

/// Rows for the new-story classifier: the articles are streamed in order through a
/// clusterer with `params`, which follows the gold stories (`gold[i]` is the story of
/// `articles[i]`); each article with a candidate gives the features of its best
/// candidate and whether that candidate is its gold story.
pub fn join_rows(
    articles: &[ArticleFeatures],
    gold: &[String],
    params: &Params,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut c = Clusterer::new(params.clone());
    let mut story_of_gold: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (a, g) in articles.iter().zip(gold) {
        let want = story_of_gold.get(g).copied();
        let mut decide = |cands: &[Candidate]| -> Option<u64> {
            if let Some(best) = cands.first() {
                rows.push(join_features(best, cands.get(1).map(|c| c.score)).to_vec());
                labels.push(Some(best.story) == want);
            }
            want.filter(|w| cands.iter().any(|c| c.story == *w))
        };
        let out = c.assign_with(a, Some(&mut decide));
        story_of_gold.insert(g.clone(), out.story);
        // A gold story outside the candidates starts afresh; later articles follow it.
    }
    (rows, labels)
}

/// Fits the new-story classifier and its cut on join rows; returns the F1 too.
pub fn fit_join(rows: &[Vec<f64>], labels: &[bool]) -> Result<(Linear, f64, f64), ClusterError> {
    if !labels.iter().any(|&l| l) || labels.iter().all(|&l| l) {
        return Err(ClusterError::Fit(
            "the join rows need both joins and new stories".into(),
        ));
    }
    let model = logistic(rows, labels)?;
    let probs: Vec<f64> = rows.iter().map(|x| sigmoid(model.apply(x))).collect();
    let (cut, f1) = best_f1_cut(&probs, labels);
    Ok((model, cut, f1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_line() {
        let rows: Vec<Vec<f64>> = (0..20)
            .map(|i| vec![i as f64, (i * i % 7) as f64])
            .collect();
        let y: Vec<f64> = rows.iter().map(|r| 2.0 * r[0] - r[1] + 3.0).collect();
        let m = least_squares(&rows, &y).unwrap();
        assert!((m.weights[0] - 2.0).abs() < 1e-2, "{m:?}");
        assert!((m.weights[1] + 1.0).abs() < 1e-2, "{m:?}");
        assert!((m.bias - 3.0).abs() < 5e-2, "{m:?}");
    }

    #[test]
    fn logistic_separates() {
        let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 40.0]).collect();
        let labels: Vec<bool> = (0..40).map(|i| i >= 20).collect();
        let m = logistic(&rows, &labels).unwrap();
        assert!(sigmoid(m.apply(&[0.9])) > 0.9);
        assert!(sigmoid(m.apply(&[0.1])) < 0.1);
        let probs: Vec<f64> = rows.iter().map(|x| sigmoid(m.apply(x))).collect();
        let (cut, f1) = best_f1_cut(&probs, &labels);
        assert_eq!(f1, 1.0);
        assert!(cut > 0.0 && cut < 1.0);
    }

    #[test]
    fn f1_cut_picks_the_gap() {
        let (cut, f1) = best_f1_cut(&[0.9, 0.8, 0.3, 0.1], &[true, true, false, false]);
        assert_eq!(cut, 0.8);
        assert_eq!(f1, 1.0);
    }
}

//! The parameters of story assignment: the pair model (weights of the evidence), the
//! new-story classifier, the merge threshold, and capacity settings of the window.
//! Quality parameters are fitted on labelled data by [`crate::fit`] (`parallax eval
//! fit` writes them to a file the engine loads); the fitted defaults are built in from
//! `params.json` in this crate, which that same command wrote.

use crate::features::FEATURE_NAMES;
use crate::ClusterError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A linear model over a feature row: `bias + weights · x`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    pub weights: Vec<f64>,
    pub bias: f64,
}

impl Linear {
    pub fn apply(&self, x: &[f64]) -> f64 {
        self.bias + self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>()
    }
}

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The names of the new-story classifier's features, in order.
pub const JOIN_FEATURE_NAMES: [&str; 4] = [
    "best story score",
    "margin over the runner-up",
    "log story size",
    "names shared with the best story (fraction)",
];

/// Everything story assignment needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// What the quality parameters were fitted on.
    pub fitted_on: String,
    /// The same-story score of a pair: a linear model over [`FEATURE_NAMES`], fitted by
    /// least squares to the graded similarity (1 = same story, 0 = unrelated).
    pub pair: Linear,
    /// The same-story cut of the pair score, fitted to maximise F1.
    pub same_story_threshold: f64,
    /// The new-story classifier: logistic over [`JOIN_FEATURE_NAMES`]; the probability
    /// that the article belongs to its best candidate story.
    pub join: Linear,
    /// The cut of the join probability, fitted to maximise F1.
    pub join_threshold: f64,
    /// Two stories whose pair score reaches this are merged.
    pub merge_threshold: f64,
    /// Time decay half-life in hours (used by the time-decay feature).
    pub half_life_hours: f64,
    /// Capacity: stories whose last article is older than this (days) leave the window.
    pub window_days: f64,
    /// Capacity: at most this many stories in the window (the least recent leave).
    pub max_active: usize,
    /// Capacity: stories compared in full per article (by centred cosine first).
    pub candidates: usize,
    /// The corpus mean of the lead vectors of `mean_model` (subtracted before the
    /// cosine); another model's vectors are centred on a running mean instead.
    pub mean_model: String,
    pub mean: Vec<f32>,
    /// Language centring, applied to an article's lead vector of `mean_model` before
    /// anything else ([`Params::prepare`]): the mean lead vector of each language with
    /// enough articles in the fitting data. The model places texts of one language
    /// near each other whatever they report; taking that out leaves what they say.
    #[serde(default)]
    pub language_means: BTreeMap<String, Vec<f32>>,
    /// The mean lead vector of all the fitting data, for languages without their own.
    #[serde(default)]
    pub raw_mean: Vec<f32>,
    /// At assignment each language is centred on the running mean of its own articles
    /// in the store, shrunk towards its prior as if the prior were this many articles:
    /// the weight of a language's fitted mean ([`Clusterer::language_mean`]).
    ///
    /// [`Clusterer::language_mean`]: crate::Clusterer::language_mean
    /// The mean raw title vector of each language with enough titles in the fitting
    /// data, and of all titles: the priors of the title centring, as `language_means`
    /// and `raw_mean` are of the lead's.
    #[serde(default)]
    pub title_language_means: BTreeMap<String, Vec<f32>>,
    #[serde(default)]
    pub title_raw_mean: Vec<f32>,
    #[serde(default = "default_prior_weight")]
    pub language_prior_weight: f64,
    /// The same for a language without a fitted mean, whose prior is `raw_mean`.
    #[serde(default = "default_new_language_prior_weight")]
    pub new_language_prior_weight: f64,
}

/// For parameter files written before these weights existed: the built-in values
/// (chosen on `../shared/data/wmt23-24-news-docs` by two-fold cross-validation by
/// story, docs/evaluation.md).
fn default_prior_weight() -> f64 {
    20.0
}

fn default_new_language_prior_weight() -> f64 {
    2.0
}

/// The fitted defaults.
const DEFAULT_JSON: &str = include_str!("../params.json");

impl Default for Params {
    fn default() -> Self {
        Params::from_json(DEFAULT_JSON).expect("the built-in parameters are valid")
    }
}

impl Params {
    /// Reads parameters from JSON, checking their shape.
    pub fn from_json(json: &str) -> Result<Params, ClusterError> {
        let p: Params =
            serde_json::from_str(json).map_err(|e| ClusterError::Params(e.to_string()))?;
        if p.pair.weights.len() != FEATURE_NAMES.len() {
            return Err(ClusterError::Params(format!(
                "pair model has {} weights, expected {} ({}){}",
                p.pair.weights.len(),
                FEATURE_NAMES.len(),
                FEATURE_NAMES.join(", "),
                if p.pair.weights.len() == 11 {
                    "; the file was fitted by an earlier parallax (with the raw cosine and \
                     without the title features): fit it again with `parallax eval fit`"
                } else {
                    ""
                }
            )));
        }
        if p.join.weights.len() != JOIN_FEATURE_NAMES.len() {
            return Err(ClusterError::Params(format!(
                "join model has {} weights, expected {}",
                p.join.weights.len(),
                JOIN_FEATURE_NAMES.len()
            )));
        }
        if p.candidates == 0 || p.max_active == 0 {
            return Err(ClusterError::Params(
                "candidates and max_active must be positive".into(),
            ));
        }
        Ok(p)
    }

    /// The parameters as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("parameters serialise")
    }

    /// The same-story score of a pair feature row.
    pub fn pair_score(&self, x: &[f64]) -> f64 {
        self.pair.apply(&self.capped(x))
    }

    /// A feature row with its centred cosine capped at the pair model's peak
    /// ([`crate::features::cosine_peak`]): what the model scores.
    pub fn capped(&self, x: &[f64]) -> Vec<f64> {
        let mut x = x.to_vec();
        crate::features::cap_cosine(&mut x, crate::features::cosine_peak(&self.pair.weights));
        x
    }

    /// The vector the clusterer works with for a lead vector of `model` in `lang`: minus
    /// its language's mean (or the corpus mean when the language has none), unit
    /// length. Vectors of another model than the one fitted are returned as they are.
    pub fn prepare(&self, model: &str, lang: &str, vector: Vec<f32>) -> Vec<f32> {
        if model != self.mean_model {
            return vector;
        }
        let mean = match self.language_means.get(lang) {
            Some(m) => m,
            None => &self.raw_mean,
        };
        if mean.len() != vector.len() {
            return vector;
        }
        crate::features::centre_unit(&vector, mean)
    }

    /// The probability of joining the best story.
    /// [`Params::prepare`] for a raw title vector, on the title means.
    pub fn prepare_title(&self, model: &str, lang: &str, vector: Vec<f32>) -> Option<Vec<f32>> {
        if model != self.mean_model {
            return None;
        }
        let mean = match self.title_language_means.get(lang) {
            Some(m) => m,
            None => &self.title_raw_mean,
        };
        (mean.len() == vector.len()).then(|| crate::features::centre_unit(&vector, mean))
    }

    pub fn join_probability(&self, x: &[f64]) -> f64 {
        sigmoid(self.join.apply(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_centres_by_language_and_falls_back_to_the_corpus_mean() {
        let p = Params {
            mean_model: "m".into(),
            raw_mean: vec![0.5, 0.0],
            language_means: [("de".to_string(), vec![0.0, 0.5])].into_iter().collect(),
            ..Params::default()
        };
        // German: minus the German mean, unit length.
        assert_eq!(p.prepare("m", "de", vec![1.0, 0.5]), vec![1.0, 0.0]);
        // A language without its own mean: minus the corpus mean.
        assert_eq!(p.prepare("m", "da", vec![0.5, 2.0]), vec![0.0, 1.0]);
        // Another model's vectors are left alone.
        assert_eq!(p.prepare("other", "de", vec![1.0, 0.5]), vec![1.0, 0.5]);
    }
}

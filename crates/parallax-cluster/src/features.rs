//! What the clusterer knows of an article, and the evidence that two things (two
//! articles, an article and a story, two stories) report the same story.
//!
//! Names are the entity keys of `parallax-facts` (already language independent: ISO
//! codes for countries, transliterated slugs otherwise), normalised once more here
//! (case, diacritics, any script to ASCII with `deunicode`, a small well-kept crate made
//! for exactly this) so that keys written in two scripts meet. Figures are compared by
//! value, dates by day.

use parallax_core::facts::{Facts, Granularity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The features of one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleFeatures {
    /// The article id.
    pub id: String,
    /// ISO 639-1, `und` when unknown.
    pub lang: String,
    /// Publication time, Unix seconds.
    pub time: Option<i64>,
    /// The lead vector (L2-normalised).
    pub vector: Vec<f32>,
    /// Normalised entity keys, sorted, without repeats.
    pub names: Vec<String>,
    /// Figure values written canonically, sorted, without repeats.
    pub numbers: Vec<String>,
    /// Dates mentioned to the day (`YYYY-MM-DD`), sorted, without repeats.
    pub dates: Vec<String>,
    /// The title's own vector, centred on its language's title mean and of unit length
    /// ([`crate::Clusterer::centre_title`]); `None` for an article without a title.
    #[serde(default)]
    pub title: Option<Vec<f32>>,
}

impl ArticleFeatures {
    /// Builds the features from an article's facts.
    pub fn new(
        id: &str,
        lang: Option<&str>,
        time: Option<i64>,
        vector: Vec<f32>,
        facts: &Facts,
    ) -> Self {
        let mut names: Vec<String> = facts
            .entities
            .iter()
            .map(|e| normalize_name(&e.key))
            .filter(|k| !k.is_empty())
            .collect();
        names.sort();
        names.dedup();
        let mut numbers: Vec<String> = facts
            .figures
            .iter()
            .filter(|f| f.value.is_finite() && f.value != 0.0)
            .map(|f| number_key(f.value))
            .collect();
        numbers.sort();
        numbers.dedup();
        let mut dates: Vec<String> = facts
            .dates
            .iter()
            .filter(|d| d.granularity == Granularity::Day)
            .map(|d| d.date.clone())
            .collect();
        dates.sort();
        dates.dedup();
        ArticleFeatures {
            id: id.to_string(),
            lang: lang.unwrap_or("und").to_string(),
            time,
            vector,
            names,
            numbers,
            dates,
            title: None,
        }
    }

    /// The same features with the centred title vector `title`.
    pub fn with_title(mut self, title: Option<Vec<f32>>) -> Self {
        self.title = title.filter(|t| !t.is_empty());
        self
    }
}

/// A name as compared: ASCII (any script transliterated), lower case, runs of anything
/// that is not a letter or digit turned into one `-`.
pub fn normalize_name(s: &str) -> String {
    let ascii = deunicode::deunicode(s);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// A figure's value as a key: integers without a fraction, others to 3 significant
/// decimals.
pub fn number_key(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}")
    }
}

/// A multiset of keys (names, numbers or dates) of a story: key to the number of its
/// articles that have it.
pub type Bag = BTreeMap<String, u32>;

/// The side of a comparison: an article or a story, seen the same way.
pub struct Side<'a> {
    /// The centred direction (not necessarily unit length).
    pub centred: &'a [f32],
    /// The raw mean vector.
    pub raw: &'a [f32],
    pub names: &'a Bag,
    pub numbers: &'a Bag,
    pub dates: &'a Bag,
    pub langs: &'a [String],
    /// Time of the side: an article's publication, a story's last article.
    pub time: Option<i64>,
    /// The centred title direction: an article's title vector, a story's sum of its
    /// articles' (`None` when no title is known).
    pub title: Option<&'a [f32]>,
}

/// The names of the pair features, in order; [`PairFeatures::values`] follows it.
pub const FEATURE_NAMES: [&str; 12] = [
    "cosine (centred)",
    "cosine (centred) squared",
    "cosine (centred) cubed",
    "cross-lingual x cosine (centred)",
    "names shared (fraction)",
    "names shared (log count)",
    "numbers shared (log count)",
    "dates shared (log count)",
    "time decay",
    "time known",
    "title cosine (centred)",
    "titles known",
];

/// The evidence between two sides, as numbers, with what was shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairFeatures {
    pub cosine_centred: f32,
    pub cosine_raw: f32,
    pub cross_lingual: bool,
    pub shared_names: Vec<String>,
    /// Names on the smaller side (the denominator of the fraction).
    pub names_smaller: usize,
    pub shared_numbers: Vec<String>,
    pub shared_dates: Vec<String>,
    /// Hours between the two sides, when both times are known.
    pub gap_hours: Option<f64>,
    /// exp(-gap / half-life * ln 2), 0 when the gap is unknown.
    pub time_decay: f32,
    /// Cosine of the two centred title directions, when both sides have a title.
    #[serde(default)]
    pub cosine_title: Option<f32>,
}

impl PairFeatures {
    /// The feature vector in the order of [`FEATURE_NAMES`].
    pub fn values(&self) -> [f64; 12] {
        let c = self.cosine_centred as f64;
        let frac = if self.names_smaller == 0 {
            0.0
        } else {
            self.shared_names.len() as f64 / self.names_smaller as f64
        };
        [
            c,
            c * c.abs(),
            c * c * c,
            if self.cross_lingual { c } else { 0.0 },
            frac,
            (self.shared_names.len() as f64).ln_1p(),
            (self.shared_numbers.len() as f64).ln_1p(),
            (self.shared_dates.len() as f64).ln_1p(),
            self.time_decay as f64,
            if self.gap_hours.is_some() { 1.0 } else { 0.0 },
            self.cosine_title.unwrap_or(0.0) as f64,
            if self.cosine_title.is_some() {
                1.0
            } else {
                0.0
            },
        ]
    }
}

/// The centred cosine at which a pair model's response to it peaks on [0, 1]: the
/// argmax of `w0 c + w1 c|c| + w2 c³` (and of the same plus `w3 c`, the cross-lingual
/// term; the smaller of the two), on a grid of a thousandth. A least-squares cubic
/// fitted on graded pairs bends down where the data has few pairs (near-duplicates
/// above about 0.8 on SemEval); above its peak a cosine counts as the peak
/// ([`cap_cosine`]), so that a closer pair never scores lower.
pub fn cosine_peak(weights: &[f64]) -> f64 {
    let w = |i: usize| weights.get(i).copied().unwrap_or(0.0);
    let argmax = |xl: f64| {
        (0..=1000)
            .map(|i| i as f64 / 1000.0)
            .map(|c| {
                (
                    c,
                    w(0) * c + w(1) * c * c + w(2) * c * c * c + xl * w(3) * c,
                )
            })
            .fold((0.0, f64::NEG_INFINITY), |best, (c, v)| {
                if v > best.1 {
                    (c, v)
                } else {
                    best
                }
            })
            .0
    };
    argmax(0.0).min(argmax(1.0))
}

/// Caps the centred-cosine features of a row of [`FEATURE_NAMES`] at `cap`
/// ([`cosine_peak`]).
pub fn cap_cosine(x: &mut [f64], cap: f64) {
    if x.len() < 4 || x[0] <= cap {
        return;
    }
    x[0] = cap;
    x[1] = cap * cap.abs();
    x[2] = cap * cap * cap;
    if x[3] != 0.0 {
        x[3] = cap;
    }
}

/// Cosine of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

fn shared(a: &Bag, b: &Bag) -> Vec<String> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .keys()
        .filter(|k| large.contains_key(*k))
        .cloned()
        .collect()
}

/// The evidence between two sides. `half_life_hours` sets the time decay.
pub fn compare(a: &Side, b: &Side, half_life_hours: f64) -> PairFeatures {
    let gap_hours = match (a.time, b.time) {
        (Some(x), Some(y)) => Some((x - y).abs() as f64 / 3600.0),
        _ => None,
    };
    let time_decay = gap_hours
        .map(|g| (-g / half_life_hours.max(1e-6) * std::f64::consts::LN_2).exp() as f32)
        .unwrap_or(0.0);
    let cross_lingual = !a.langs.iter().any(|l| b.langs.contains(l));
    PairFeatures {
        cosine_centred: cosine(a.centred, b.centred),
        cosine_raw: cosine(a.raw, b.raw),
        cross_lingual,
        shared_names: shared(a.names, b.names),
        names_smaller: a.names.len().min(b.names.len()),
        shared_numbers: shared(a.numbers, b.numbers),
        shared_dates: shared(a.dates, b.dates),
        gap_hours,
        time_decay,
        cosine_title: match (a.title, b.title) {
            (Some(x), Some(y)) => Some(cosine(x, y)),
            _ => None,
        },
    }
}

/// A set of keys as a bag with counts of one.
pub fn bag(keys: &[String]) -> Bag {
    keys.iter().map(|k| (k.clone(), 1)).collect()
}

/// `v - mean` scaled to unit length (`v` itself when the lengths differ).
pub fn centre_unit(v: &[f32], mean: &[f32]) -> Vec<f32> {
    let mut c = centre(v, mean);
    let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut c {
            *x /= norm;
        }
    }
    c
}

/// `v - mean`.
pub fn centre(v: &[f32], mean: &[f32]) -> Vec<f32> {
    if mean.len() != v.len() {
        return v.to_vec();
    }
    v.iter().zip(mean).map(|(x, m)| x - m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_meet_across_scripts_and_diacritics() {
        assert_eq!(normalize_name("Владимир Путин"), "vladimir-putin");
        assert_eq!(normalize_name("vladimir-putin"), "vladimir-putin");
        assert_eq!(normalize_name("Zelenskîi"), "zelenskii");
        assert_eq!(normalize_name("Kursk "), "kursk");
        assert_eq!(normalize_name("  "), "");
    }

    #[test]
    fn a_cosine_above_the_models_peak_counts_as_the_peak() {
        // -0.3 c + 4.4 c² - 3.5 c³ peaks near 0.80 on [0, 1] (a SemEval fit's shape).
        let w = [-0.3, 4.4, -3.5, 0.1];
        let peak = cosine_peak(&w);
        assert!((peak - 0.80).abs() < 0.02, "{peak}");
        let mut x = [0.95, 0.95 * 0.95, 0.95f64.powi(3), 0.95, 1.0];
        cap_cosine(&mut x, peak);
        assert_eq!(x[0], peak);
        assert_eq!(x[3], peak);
        assert_eq!(x[4], 1.0);
        let mut y = [0.5, 0.25, 0.125, 0.0];
        cap_cosine(&mut y, peak);
        assert_eq!(y, [0.5, 0.25, 0.125, 0.0]);
        // A rising response has its peak at 1: nothing is capped.
        assert_eq!(cosine_peak(&[1.0, 0.5, 0.0, 0.0]), 1.0);
    }

    #[test]
    fn numbers_are_keyed_by_value() {
        assert_eq!(number_key(600.0), "600");
        assert_eq!(number_key(2.5), "2.500");
    }

    #[test]
    fn compare_counts_shared_keys_and_gap() {
        let names_a = bag(&["ua".into(), "kursk".into()]);
        let names_b = bag(&["kursk".into()]);
        let empty = Bag::new();
        let la = vec!["da".to_string()];
        let lb = vec!["ro".to_string()];
        let a = Side {
            centred: &[1.0, 0.0],
            raw: &[1.0, 0.0],
            names: &names_a,
            numbers: &empty,
            dates: &empty,
            langs: &la,
            time: Some(0),
            title: Some(&[1.0, 0.0]),
        };
        let b = Side {
            centred: &[1.0, 1.0],
            raw: &[1.0, 0.0],
            names: &names_b,
            numbers: &empty,
            dates: &empty,
            langs: &lb,
            time: Some(7200),
            title: None,
        };
        let f = compare(&a, &b, 2.0);
        assert_eq!(f.shared_names, vec!["kursk".to_string()]);
        assert_eq!(f.names_smaller, 1);
        assert!(f.cross_lingual);
        assert_eq!(f.gap_hours, Some(2.0));
        assert!((f.time_decay - 0.5).abs() < 1e-6);
        assert!((f.cosine_centred - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(f.values()[4], 1.0);
        // One side has no title: the title features are absent, not a cosine of 0 known.
        assert_eq!(f.cosine_title, None);
        assert_eq!(&f.values()[10..], &[0.0, 0.0]);
    }
}

//! The online clusterer. Each article, in publication order, is compared with the
//! stories of the active window: first by the centred cosine with each story centroid
//! (one dot product per active story), then in full (names, numbers, dates, time) with
//! the best [`Params::candidates`] of them. The new-story decision is its own fitted
//! classifier over the best score, its margin over the runner-up, the story size and the
//! names shared. The chosen story's centroid and keys are updated, and when it now
//! scores above the merge threshold with another candidate the two are merged.
//!
//! The window holds the stories whose last article is at most [`Params::window_days`]
//! old, and at most [`Params::max_active`] of them: the cost per article depends on the
//! window, never on the number of articles stored.

use crate::features::FEATURE_NAMES;
use crate::features::{bag, centre, compare, ArticleFeatures, Bag, PairFeatures, Side};
use crate::params::{Params, JOIN_FEATURE_NAMES};
use serde::{Deserialize, Serialize};

/// The state of one story: enough to resume assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryState {
    pub id: u64,
    /// Sum of the raw lead vectors of its articles.
    pub sum: Vec<f32>,
    pub n: u32,
    pub names: Bag,
    pub numbers: Bag,
    pub dates: Bag,
    /// Languages, sorted.
    pub langs: Vec<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Sequence number of its last article (orders stories without times).
    pub last_seq: u64,
    /// The centroid and its squared norm, kept while the story is unchanged.
    #[serde(skip)]
    cache: Option<(Vec<f32>, f32)>,
}

impl StoryState {
    fn centroid(&self) -> Vec<f32> {
        let n = self.n.max(1) as f32;
        self.sum.iter().map(|x| x / n).collect()
    }

    /// The cosine of the centred centroid with a centred vector `x` (`x_norm` its norm,
    /// `mean_dot_x` = mean · x, `mean_sq` = |mean|²), from the cached centroid: three
    /// dot products, no allocation.
    fn quick_cosine(
        &mut self,
        x: &[f32],
        x_norm: f32,
        mean: &[f32],
        mean_dot_x: f32,
        mean_sq: f32,
    ) -> f32 {
        if self.cache.is_none() {
            let c = self.centroid();
            let sq = dot(&c, &c);
            self.cache = Some((c, sq));
        }
        let (c, c_sq) = self.cache.as_ref().expect("cache filled");
        let cm = if mean.len() == c.len() {
            dot(c, mean)
        } else {
            0.0
        };
        let num = dot(c, x) - mean_dot_x;
        let den_sq = c_sq - 2.0 * cm + mean_sq;
        if den_sq <= 0.0 || x_norm == 0.0 {
            0.0
        } else {
            num / (den_sq.sqrt() * x_norm)
        }
    }

    fn add(&mut self, a: &ArticleFeatures, seq: u64) {
        self.cache = None;
        if self.sum.len() != a.vector.len() {
            self.sum = vec![0.0; a.vector.len()];
        }
        for (s, x) in self.sum.iter_mut().zip(&a.vector) {
            *s += x;
        }
        self.n += 1;
        for k in &a.names {
            *self.names.entry(k.clone()).or_default() += 1;
        }
        for k in &a.numbers {
            *self.numbers.entry(k.clone()).or_default() += 1;
        }
        for k in &a.dates {
            *self.dates.entry(k.clone()).or_default() += 1;
        }
        if !self.langs.contains(&a.lang) {
            self.langs.push(a.lang.clone());
            self.langs.sort();
        }
        if let Some(t) = a.time {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
        self.last_seq = self.last_seq.max(seq);
    }

    fn absorb(&mut self, other: StoryState) {
        self.cache = None;
        if self.sum.len() == other.sum.len() {
            for (s, x) in self.sum.iter_mut().zip(&other.sum) {
                *s += x;
            }
        }
        self.n += other.n;
        for (bag, from) in [
            (&mut self.names, other.names),
            (&mut self.numbers, other.numbers),
            (&mut self.dates, other.dates),
        ] {
            for (k, c) in from {
                *bag.entry(k).or_default() += c;
            }
        }
        for l in other.langs {
            if !self.langs.contains(&l) {
                self.langs.push(l);
            }
        }
        self.langs.sort();
        self.first_seen = min_opt(self.first_seen, other.first_seen);
        self.last_seen = max_opt(self.last_seen, other.last_seen);
        self.last_seq = self.last_seq.max(other.last_seq);
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// The clusterer's counters and running mean, saved with the stories to resume.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterMeta {
    pub next_id: u64,
    pub seq: u64,
    /// The latest publication time seen.
    pub now: Option<i64>,
    pub mean_sum: Vec<f64>,
    pub mean_n: u64,
}

/// A story compared with an article in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub story: u64,
    /// Articles in the story before this one.
    pub story_size: u32,
    pub score: f64,
    pub features: PairFeatures,
    /// Each feature's part of the score: (name, value, weight x value).
    pub contributions: Vec<(String, f64, f64)>,
}

/// Why an article went where it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub article: String,
    pub lang: String,
    pub story: u64,
    pub new_story: bool,
    /// Stories in the window when the article arrived.
    pub active_stories: usize,
    pub best: Option<Candidate>,
    pub runner_up: Option<Candidate>,
    /// The new-story classifier's probability of joining the best story, and its cut.
    pub join_probability: Option<f64>,
    pub join_threshold: f64,
    pub same_story_threshold: f64,
    /// Stories merged into this one after the assignment: (story, pair score).
    pub merged: Vec<(u64, f64)>,
}

impl Evidence {
    /// The evidence in words and figures.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let verdict = if self.new_story {
            format!("started story {}", self.story)
        } else {
            format!("joined story {}", self.story)
        };
        out.push_str(&format!(
            "Article {} ({}) {verdict}; {} stories were in the active window.\n",
            self.article, self.lang, self.active_stories
        ));
        match (&self.best, self.join_probability) {
            (Some(b), Some(p)) => {
                out.push_str(&format!(
                    "The closest story was {} ({} article{}), same-story score {:.3} (same-story cut {:.3}).\n",
                    b.story,
                    b.story_size,
                    if b.story_size == 1 { "" } else { "s" },
                    b.score,
                    self.same_story_threshold
                ));
                describe(&mut out, &b.features);
                out.push_str("Parts of the score:\n");
                for (name, value, part) in &b.contributions {
                    out.push_str(&format!("  {name:<36} {value:>8.3} -> {part:>+8.3}\n"));
                }
                if let Some(r) = &self.runner_up {
                    out.push_str(&format!(
                        "The runner-up was story {} with score {:.3}.\n",
                        r.story, r.score
                    ));
                }
                out.push_str(&format!(
                    "The new-story classifier gave a join probability of {:.3} against a cut of {:.3}: {}.\n",
                    p,
                    self.join_threshold,
                    if self.new_story {
                        "too low, so a new story was started"
                    } else {
                        "high enough to join"
                    }
                ));
            }
            _ => out.push_str("No story was in the window, so a new story was started.\n"),
        }
        for (s, score) in &self.merged {
            out.push_str(&format!(
                "Story {s} then converged with it (score {score:.3}) and was merged into story {}.\n",
                self.story
            ));
        }
        out
    }
}

fn describe(out: &mut String, f: &PairFeatures) {
    out.push_str(&format!(
        "  cosine of the centred vectors {:.3} (raw {:.3}){}\n",
        f.cosine_centred,
        f.cosine_raw,
        if f.cross_lingual {
            ", across languages"
        } else {
            ""
        }
    ));
    if f.shared_names.is_empty() {
        out.push_str("  no names shared\n");
    } else {
        out.push_str(&format!(
            "  {} of {} names shared: {}\n",
            f.shared_names.len(),
            f.names_smaller,
            f.shared_names.join(", ")
        ));
    }
    if !f.shared_numbers.is_empty() {
        out.push_str(&format!(
            "  numbers shared: {}\n",
            f.shared_numbers.join(", ")
        ));
    }
    if !f.shared_dates.is_empty() {
        out.push_str(&format!("  dates shared: {}\n", f.shared_dates.join(", ")));
    }
    match f.gap_hours {
        Some(g) => out.push_str(&format!(
            "  {g:.1} hours apart (time decay {:.3})\n",
            f.time_decay
        )),
        None => out.push_str("  time gap unknown\n"),
    }
}

/// A decision that replaces the new-story classifier: the candidates (best first) in,
/// the story to join (or `None` for a new one) out.
pub type Decide<'a> = &'a mut dyn FnMut(&[Candidate]) -> Option<u64>;

/// One article's assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub article: String,
    pub story: u64,
    /// Stories merged into `story` (their articles now belong to it).
    pub merged: Vec<u64>,
    pub evidence: Evidence,
}

/// The online clusterer.
#[derive(Debug, Clone)]
pub struct Clusterer {
    params: Params,
    stories: Vec<StoryState>,
    meta: ClusterMeta,
}

impl Clusterer {
    /// A clusterer with no stories.
    pub fn new(params: Params) -> Self {
        Clusterer::resume(params, ClusterMeta::default(), Vec::new())
    }

    /// Resumes from saved counters and the stories of the active window.
    pub fn resume(params: Params, mut meta: ClusterMeta, stories: Vec<StoryState>) -> Self {
        meta.next_id = meta
            .next_id
            .max(stories.iter().map(|s| s.id + 1).max().unwrap_or(1))
            .max(1);
        Clusterer {
            params,
            stories,
            meta,
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn meta(&self) -> &ClusterMeta {
        &self.meta
    }

    /// The stories of the active window.
    pub fn stories(&self) -> &[StoryState] {
        &self.stories
    }

    /// The story with this id, if active.
    pub fn story(&self, id: u64) -> Option<&StoryState> {
        self.stories.iter().find(|s| s.id == id)
    }

    /// The earliest `last_seen` a story may have to stay in the window.
    pub fn window_start(&self) -> Option<i64> {
        self.meta
            .now
            .map(|n| n - (self.params.window_days * 86400.0) as i64)
    }

    fn mean(&self, dim: usize) -> Vec<f32> {
        if self.params.mean.len() == dim {
            return self.params.mean.clone();
        }
        if self.meta.mean_n < 2 || self.meta.mean_sum.len() != dim {
            return vec![0.0; dim];
        }
        let n = self.meta.mean_n as f64;
        self.meta.mean_sum.iter().map(|s| (s / n) as f32).collect()
    }

    fn evict(&mut self) {
        if let Some(start) = self.window_start() {
            self.stories
                .retain(|s| s.last_seen.is_none_or(|l| l >= start));
        }
        if self.stories.len() > self.params.max_active {
            self.stories
                .sort_by_key(|s| std::cmp::Reverse((s.last_seen, s.last_seq)));
            self.stories.truncate(self.params.max_active);
        }
    }

    fn candidate(&self, story: &StoryState, f: PairFeatures) -> Candidate {
        let x = f.values();
        let contributions = FEATURE_NAMES
            .iter()
            .zip(x)
            .zip(&self.params.pair.weights)
            .map(|((name, v), w)| (name.to_string(), v, w * v))
            .collect();
        Candidate {
            story: story.id,
            story_size: story.n,
            score: self.params.pair_score(&x),
            features: f,
            contributions,
        }
    }

    /// Assigns one article (articles must come in publication order).
    pub fn assign(&mut self, a: &ArticleFeatures) -> Assignment {
        self.assign_with(a, None)
    }

    /// Assigns one article; `decide`, when given, replaces the new-story classifier: it
    /// sees the candidates (best first) and names the story to join, or `None` for a
    /// new one (fitting uses it to follow the gold stories).
    pub fn assign_with(&mut self, a: &ArticleFeatures, decide: Option<Decide<'_>>) -> Assignment {
        self.meta.seq += 1;
        let seq = self.meta.seq;
        if let Some(t) = a.time {
            self.meta.now = Some(self.meta.now.map_or(t, |n| n.max(t)));
        }
        self.evict();
        let dim = a.vector.len();
        let mean = self.mean(dim);
        let centred = centre(&a.vector, &mean);
        let names = bag(&a.names);
        let numbers = bag(&a.numbers);
        let dates = bag(&a.dates);
        let langs = vec![a.lang.clone()];
        let side = Side {
            centred: &centred,
            raw: &a.vector,
            names: &names,
            numbers: &numbers,
            dates: &dates,
            langs: &langs,
            time: a.time,
        };
        // First pass: centred cosine with every centroid of the window.
        let x_norm = dot(&centred, &centred).sqrt();
        let mean_dot_x = if mean.len() == dim {
            dot(&mean, &centred)
        } else {
            0.0
        };
        let mean_sq = dot(&mean, &mean);
        let mut quick: Vec<(f32, usize)> = self
            .stories
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.quick_cosine(&centred, x_norm, &mean, mean_dot_x, mean_sq),
                    i,
                )
            })
            .collect();
        let k = self.params.candidates.min(quick.len());
        if k > 0 && k < quick.len() {
            quick.select_nth_unstable_by(k - 1, |x, y| y.0.total_cmp(&x.0));
            quick.truncate(k);
        }
        let mut cands: Vec<(Candidate, usize)> = quick
            .iter()
            .map(|&(_, i)| {
                let s = &self.stories[i];
                let c = s.centroid();
                let cc = centre(&c, &mean);
                let other = Side {
                    centred: &cc,
                    raw: &c,
                    names: &s.names,
                    numbers: &s.numbers,
                    dates: &s.dates,
                    langs: &s.langs,
                    time: s.last_seen,
                };
                let f = compare(&side, &other, self.params.half_life_hours);
                (self.candidate(s, f), i)
            })
            .collect();
        cands.sort_by(|x, y| y.0.score.total_cmp(&x.0.score));
        let active = self.stories.len();
        let (join_probability, mut join) = match cands.first() {
            Some((best, _)) => {
                let second = cands.get(1).map(|c| c.0.score);
                let x = join_features(best, second);
                let p = self.params.join_probability(&x);
                (Some(p), p >= self.params.join_threshold)
            }
            None => (None, false),
        };
        let mut chosen = cands.first().map(|c| c.1);
        if let Some(decide) = decide {
            let list: Vec<Candidate> = cands.iter().map(|c| c.0.clone()).collect();
            let pick = decide(&list);
            chosen = pick.and_then(|id| self.stories.iter().position(|s| s.id == id));
            join = chosen.is_some();
        }
        // The running mean (used for models without a fitted mean).
        if self.meta.mean_sum.len() != dim {
            self.meta.mean_sum = vec![0.0; dim];
            self.meta.mean_n = 0;
        }
        for (s, x) in self.meta.mean_sum.iter_mut().zip(&a.vector) {
            *s += *x as f64;
        }
        self.meta.mean_n += 1;

        let target = if let (true, Some(i)) = (join, chosen) {
            self.stories[i].add(a, seq);
            i
        } else {
            let mut s = StoryState {
                id: self.meta.next_id,
                sum: vec![0.0; dim],
                n: 0,
                names: Bag::new(),
                numbers: Bag::new(),
                dates: Bag::new(),
                langs: Vec::new(),
                first_seen: None,
                last_seen: None,
                last_seq: seq,
                cache: None,
            };
            self.meta.next_id += 1;
            s.add(a, seq);
            self.stories.push(s);
            self.stories.len() - 1
        };
        let story = self.stories[target].id;
        // Merge: the updated story against the other candidates.
        let others: Vec<u64> = cands
            .iter()
            .map(|(c, _)| c.story)
            .filter(|&id| id != story)
            .collect();
        let merged = self.merge_converging(story, &others, &mean);
        let mut cands = cands.into_iter().map(|(c, _)| c);
        let best = cands.next();
        let runner_up = cands.next();
        let evidence = Evidence {
            article: a.id.clone(),
            lang: a.lang.clone(),
            story,
            new_story: !join,
            active_stories: active,
            best,
            runner_up,
            join_probability,
            join_threshold: self.params.join_threshold,
            same_story_threshold: self.params.same_story_threshold,
            merged: merged.clone(),
        };
        Assignment {
            article: a.id.clone(),
            story,
            merged: merged.into_iter().map(|(s, _)| s).collect(),
            evidence,
        }
    }

    /// The pair score of two stories.
    fn story_score(&self, a: &StoryState, b: &StoryState, mean: &[f32]) -> f64 {
        let (ca, cb) = (a.centroid(), b.centroid());
        let (xa, xb) = (centre(&ca, mean), centre(&cb, mean));
        let sa = Side {
            centred: &xa,
            raw: &ca,
            names: &a.names,
            numbers: &a.numbers,
            dates: &a.dates,
            langs: &a.langs,
            time: a.last_seen,
        };
        let sb = Side {
            centred: &xb,
            raw: &cb,
            names: &b.names,
            numbers: &b.numbers,
            dates: &b.dates,
            langs: &b.langs,
            time: b.last_seen,
        };
        self.params
            .pair_score(&compare(&sa, &sb, self.params.half_life_hours).values())
    }

    fn merge_converging(&mut self, story: u64, others: &[u64], mean: &[f32]) -> Vec<(u64, f64)> {
        let mut merged = Vec::new();
        for &o in others {
            let (Some(ti), Some(oi)) = (
                self.stories.iter().position(|s| s.id == story),
                self.stories.iter().position(|s| s.id == o),
            ) else {
                continue;
            };
            let score = self.story_score(&self.stories[ti], &self.stories[oi], mean);
            if score >= self.params.merge_threshold {
                let other = self.stories.remove(oi);
                let ti = self
                    .stories
                    .iter()
                    .position(|s| s.id == story)
                    .expect("target story is active");
                self.stories[ti].absorb(other);
                merged.push((o, score));
            }
        }
        merged
    }
}

/// The new-story classifier's features for a best candidate and the runner-up score.
pub fn join_features(best: &Candidate, second: Option<f64>) -> [f64; 4] {
    let frac = if best.features.names_smaller == 0 {
        0.0
    } else {
        best.features.shared_names.len() as f64 / best.features.names_smaller as f64
    };
    [
        best.score,
        best.score - second.unwrap_or(0.0),
        (best.story_size as f64).ln_1p(),
        frac,
    ]
}

const _: () = assert!(JOIN_FEATURE_NAMES.len() == 4);

#[cfg(test)]
mod tests {
    use super::*;

    fn art(id: &str, lang: &str, t: i64, v: Vec<f32>, names: &[&str]) -> ArticleFeatures {
        let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        ArticleFeatures {
            id: id.into(),
            lang: lang.into(),
            time: Some(t),
            vector: v.iter().map(|x| x / n).collect(),
            names: names.iter().map(|s| s.to_string()).collect(),
            numbers: vec![],
            dates: vec![],
        }
    }

    fn params() -> Params {
        Params {
            mean: vec![],
            ..Params::default()
        }
    }

    #[test]
    fn similar_articles_join_and_different_ones_start_stories() {
        let mut c = Clusterer::new(params());
        let a = c.assign(&art(
            "a",
            "da",
            0,
            vec![1.0, 0.1, 0.0, 0.0],
            &["kursk", "ua"],
        ));
        let b = c.assign(&art("b", "ro", 3600, vec![0.0, 0.0, 1.0, 0.1], &["paris"]));
        let d = c.assign(&art(
            "d",
            "en",
            7200,
            vec![1.0, 0.12, 0.0, 0.01],
            &["kursk", "ua"],
        ));
        assert!(a.evidence.new_story);
        assert!(b.evidence.new_story);
        assert_ne!(a.story, b.story);
        assert_eq!(d.story, a.story, "{}", d.evidence.explain());
        assert!(!d.evidence.new_story);
        assert_eq!(c.story(a.story).unwrap().langs, vec!["da", "en"]);
        let text = d.evidence.explain();
        assert!(text.contains("joined story"), "{text}");
        assert!(text.contains("names shared: kursk, ua") || text.contains("2 of 2 names shared"));
    }

    #[test]
    fn window_evicts_old_stories() {
        let mut p = params();
        p.window_days = 1.0;
        let mut c = Clusterer::new(p);
        c.assign(&art("a", "da", 0, vec![1.0, 0.0, 0.0], &["x"]));
        let later = c.assign(&art("b", "da", 3 * 86400, vec![1.0, 0.0, 0.0], &["x"]));
        assert!(later.evidence.new_story);
        assert_eq!(later.evidence.active_stories, 0);
        assert_eq!(c.stories().len(), 1);
    }

    #[test]
    fn resume_continues_ids() {
        let mut c = Clusterer::new(params());
        let a = c.assign(&art("a", "da", 0, vec![1.0, 0.0, 0.0], &["x"]));
        let mut r = Clusterer::resume(params(), c.meta().clone(), c.stories().to_vec());
        let b = r.assign(&art("b", "de", 10, vec![0.0, 0.0, 1.0], &["y"]));
        assert!(b.story > a.story);
        let s = serde_json::to_string(&b.evidence).unwrap();
        let back: Evidence = serde_json::from_str(&s).unwrap();
        assert_eq!(back, b.evidence);
    }

    #[test]
    fn converging_stories_merge() {
        let mut p = params();
        // Any pair merges: checks the mechanics, not the fitted cut.
        p.merge_threshold = f64::NEG_INFINITY;
        p.join_threshold = 2.0;
        let mut c = Clusterer::new(p);
        c.assign(&art("a", "da", 0, vec![1.0, 0.0], &["x"]));
        let b = c.assign(&art("b", "da", 10, vec![1.0, 0.1], &["x"]));
        assert_eq!(b.merged.len(), 1);
        assert_eq!(c.stories().len(), 1);
        assert_eq!(c.stories()[0].n, 2);
    }
}

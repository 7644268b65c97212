//! Search across languages, one function for the CLI and the API: the store's
//! full-text index (terms folded and stemmed per language, `parallax_store::terms`)
//! finds the articles that share the query's words, the lead vectors find those that
//! say the same thing in another language, and every candidate is scored by a fitted
//! model of relevance over these features:
//!
//! - the cosine of the query's vector with the article's lead vector, both centred on
//!   the mean of the stored lead vectors ([`VectorIndex::centred`]: raw cosines of the
//!   encoder are about 0.8 for any query and any news article, nonsense included), and
//!   its distance below the best such cosine of the query;
//! - the coverage: the share of the query's words, weighted by their inverse document
//!   frequency (BM25's idf), that the article holds (each word analysed as the article's
//!   language is). A lone common word shared with a long query counts little; a rare
//!   name counts much.
//!
//! The score is a logistic function of the three, its weights fitted on the labelled
//! query set (`examples/queries.jsonl`, `parallax eval queries --fit`) and embedded from
//! `search_params.json`; a hit is shown only when its score reaches the floor fitted
//! with it (the floor that maximises, weighed alike, the mean F1 of the first ten hits
//! shown over the training queries with relevant articles and the share of the
//! queries that should find nothing shown nothing), so a query that matches nothing
//! says so. Without the model the score is the text-only model fitted
//! the same way over the coverage alone.
//!
//! The vector side is exact brute force over a [`VectorIndex`] held in memory (all lead
//! vectors of one model, contiguous): 10,000 vectors of 384 dimensions are 15 MB and a
//! query scans them in a few milliseconds, which is enough up to about 100,000 articles;
//! an approximate index would go behind the same `nearest` when scale needs it.

use crate::vectors::Vectors;
use crate::EngineError;
use parallax_core::{Article, ArticleId};
use parallax_store::terms::{words, Analyzer};
use parallax_store::{query_terms, Store};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The constant of reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009),
/// the paper's value; used only as the baseline of `parallax eval queries`.
pub const RRF_K: f64 = 60.0;

/// How many candidates each side (words, vectors) contributes, at least.
pub const CANDIDATES: usize = 100;

/// The fitted relevance model, embedded.
const PARAMS_JSON: &str = include_str!("search_params.json");

/// A logistic model of relevance and its floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relevance {
    /// One weight per feature.
    pub weights: Vec<f64>,
    pub bias: f64,
    /// The least score shown.
    pub floor: f64,
}

impl Relevance {
    pub fn score(&self, x: &[f64]) -> f64 {
        let z: f64 = self.bias + self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// The parameters of search: the model over (cosine, coverage), and the one over the
/// coverage alone for a store searched without the embedding model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchParams {
    pub with_vectors: Relevance,
    pub text_only: Relevance,
    /// What they were fitted on, in words.
    pub fitted_on: String,
    /// The centring mean of the vector side is the store's mean shrunk towards the
    /// fitted news mean of the story parameters (`parallax_cluster::Params::raw_mean`)
    /// as if that mean were this many articles ([`VectorIndex::mean`]); chosen with the
    /// relevance model by `parallax eval queries --fit`. 0: the store's mean alone.
    #[serde(default)]
    pub prior_weight: f64,
}

impl Default for SearchParams {
    fn default() -> Self {
        serde_json::from_str(PARAMS_JSON).expect("the embedded search parameters parse")
    }
}

/// The lead vectors of one model, in memory, for exact nearest-neighbour search.
#[derive(Debug, Clone, Default)]
pub struct VectorIndex {
    model: String,
    dim: usize,
    ids: Vec<ArticleId>,
    known: HashSet<ArticleId>,
    data: Vec<f32>,
    /// The sum of the vectors, for their mean.
    sum: Vec<f64>,
    /// The fitted mean lead vector of news (`parallax_cluster::Params::raw_mean`) when it
    /// is of this model; empty otherwise.
    prior: Vec<f32>,
    /// How many articles the prior counts as ([`SearchParams::prior_weight`]).
    prior_weight: f64,
}

/// See [`VectorIndex::mean`].
const MEAN_MIN: usize = 3;

impl VectorIndex {
    /// Every lead vector of `model` in the store.
    pub fn load(store: &Store, model: &str) -> Result<VectorIndex, EngineError> {
        let mut index = VectorIndex {
            model: model.to_string(),
            prior_weight: SearchParams::default().prior_weight,
            ..VectorIndex::default()
        };
        let story = parallax_cluster::Params::default();
        if story.mean_model == model {
            index.prior = story.raw_mean;
        }
        for (id, v) in store.lead_vectors(model)? {
            index.push(id, &v);
        }
        Ok(index)
    }

    /// Sets how many articles the prior mean counts as (for fitting it).
    pub fn set_prior_weight(&mut self, weight: f64) {
        self.prior_weight = weight.max(0.0);
    }

    fn push(&mut self, id: ArticleId, v: &[f32]) {
        if self.dim == 0 {
            self.dim = v.len();
        }
        if v.len() != self.dim || self.known.contains(&id) {
            return;
        }
        self.known.insert(id.clone());
        self.ids.push(id);
        self.data.extend_from_slice(v);
        self.sum.resize(self.dim, 0.0);
        for (s, x) in self.sum.iter_mut().zip(v) {
            *s += *x as f64;
        }
    }

    /// The centring mean: the mean of the stored vectors shrunk towards the fitted mean
    /// of news as if it were [`SearchParams::prior_weight`] more articles. A small store's
    /// own mean is mostly its few articles (the mean of two is their midpoint, and any
    /// query, nonsense included, then has a positive centred cosine with one of them);
    /// the prior keeps what all news shares as the thing taken out. Without a prior (a
    /// model the story parameters were not fitted for) a store of fewer than
    /// [`MEAN_MIN`] vectors divides the sum by that many (shrunk towards zero).
    fn mean(&self) -> Vec<f32> {
        let n = self.ids.len() as f64;
        let w = self.prior_weight;
        if w > 0.0 && self.prior.len() == self.dim && self.dim > 0 {
            let sum = self.sum.iter().copied().chain(std::iter::repeat(0.0));
            return sum
                .zip(&self.prior)
                .map(|(s, &p)| ((s + w * p as f64) / (n + w)) as f32)
                .collect();
        }
        let n = self.ids.len().max(MEAN_MIN) as f64;
        self.sum.iter().map(|s| (s / n) as f32).collect()
    }

    /// Every article with the cosine of its vector and `query`, both centred on the
    /// mean of the stored vectors, highest first. The raw cosines of a multilingual
    /// encoder share a large common part (any query, nonsense included, scores about
    /// 0.8 with every news article); taking the mean out leaves what the query and
    /// the article have in common beyond being text.
    pub fn centred(&self, query: &[f32]) -> Vec<(ArticleId, f32)> {
        if query.len() != self.dim || self.ids.is_empty() {
            return Vec::new();
        }
        let mu = self.mean();
        let q: Vec<f32> = query.iter().zip(&mu).map(|(a, m)| a - m).collect();
        let qn = q.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        let mut scored: Vec<(usize, f32)> = self
            .data
            .chunks_exact(self.dim)
            .map(|v| {
                let (mut dot, mut norm) = (0.0f32, 0.0f32);
                for ((x, m), y) in v.iter().zip(&mu).zip(&q) {
                    let c = x - m;
                    dot += c * y;
                    norm += c * c;
                }
                dot / (qn * norm.sqrt().max(1e-12))
            })
            .enumerate()
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .map(|(i, s)| (self.ids[i].clone(), s))
            .collect()
    }

    /// Adds the stored vectors of these articles (those not in the index yet).
    pub fn add(&mut self, store: &Store, ids: &[ArticleId]) -> Result<(), EngineError> {
        for id in ids {
            if self.known.contains(id) {
                continue;
            }
            if let Some(v) = store.vector(&self.model, id)? {
                self.push(id.clone(), &v);
            }
        }
        Ok(())
    }

    /// The model whose vectors these are.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// How many vectors the index holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` articles whose vectors are closest to `query` (cosine; the stored
    /// vectors and the query are L2-normalised, so a dot product), closest first.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<(ArticleId, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(usize, f32)> = self
            .data
            .chunks_exact(self.dim)
            .map(|v| v.iter().zip(query).map(|(a, b)| a * b).sum::<f32>())
            .enumerate()
            .collect();
        let k = k.min(scored.len());
        if k < scored.len() {
            scored.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1));
            scored.truncate(k);
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .map(|(i, s)| (self.ids[i].clone(), s))
            .collect()
    }
}

/// What is searched for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    /// Only articles in this language (ISO 639-1).
    pub lang: Option<String>,
    /// Only articles published at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// At most this many hits.
    pub limit: usize,
}

impl Query {
    pub fn new(text: &str, limit: usize) -> Query {
        Query {
            text: text.to_string(),
            limit,
            ..Query::default()
        }
    }

    fn admits(&self, a: &Article) -> bool {
        self.lang
            .as_deref()
            .is_none_or(|l| a.lang.as_deref() == Some(l))
            && self
                .since
                .is_none_or(|s| a.published.is_some_and(|p| p.unix() >= s))
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: ArticleId,
    /// The fitted probability that the article is relevant (0..1, higher is better).
    pub score: f64,
    /// Cosine of the article's lead vector with the query's, both centred on the mean
    /// of the stored lead vectors (when the model is on).
    pub cosine: Option<f32>,
    /// The idf-weighted share of the query's words the article holds (0..1).
    pub coverage: f64,
    /// The article's words that match words of the query, as the article writes them.
    pub matched: Vec<String>,
    /// 1-based rank among the full-text results, if it was among them.
    pub text_rank: Option<usize>,
    /// 1-based rank among the vector results, if it was among them.
    pub vector_rank: Option<usize>,
    /// The best cosine of any stored article with the query.
    #[serde(skip)]
    pub best_cosine: Option<f32>,
}

impl Hit {
    /// The features the relevance model reads: with vectors the cosine, its distance
    /// below the query's best cosine (how much the query's words are about this
    /// article rather than about anything stored) and the coverage; without, the
    /// coverage alone.
    pub fn features(&self) -> Vec<f64> {
        match (self.cosine, self.best_cosine) {
            (Some(c), Some(b)) => vec![c as f64, (c - b) as f64, self.coverage],
            _ => vec![self.coverage],
        }
    }
}

/// The idf of terms in a store of `n` articles, read once per term.
struct Idf<'a> {
    store: &'a Store,
    n: f64,
    known: HashMap<String, f64>,
}

impl Idf<'_> {
    fn of(&mut self, terms: &[String]) -> Result<Vec<f64>, EngineError> {
        let missing: Vec<String> = terms
            .iter()
            .filter(|t| !self.known.contains_key(*t))
            .cloned()
            .collect();
        if !missing.is_empty() {
            for (t, df) in missing
                .iter()
                .zip(self.store.document_frequencies(&missing)?)
            {
                let df = df as f64;
                // BM25's idf, always positive.
                let idf = (1.0 + (self.n - df + 0.5) / (df + 0.5)).ln();
                self.known.insert(t.clone(), idf);
            }
        }
        Ok(terms.iter().map(|t| self.known[t]).collect())
    }
}

/// The coverage of the query by an article and the article's matching words.
fn coverage(
    a: &Article,
    query: &str,
    idf: &mut Idf,
    terms_of: &mut HashMap<Option<String>, Vec<String>>,
) -> Result<(f64, Vec<String>), EngineError> {
    let lang = a.lang.clone();
    let terms = terms_of
        .entry(lang.clone())
        .or_insert_with(|| query_terms(query, lang.as_deref()))
        .clone();
    if terms.is_empty() {
        return Ok((0.0, Vec::new()));
    }
    let weights = idf.of(&terms)?;
    let an = Analyzer::new(lang.as_deref());
    let text = a.text();
    let mut found = vec![false; terms.len()];
    let mut matched: Vec<String> = Vec::new();
    for (_, w) in words(&text) {
        let t = an.term(w);
        if let Some(i) = terms.iter().position(|q| *q == t) {
            found[i] = true;
            if matched.len() < 12 && !matched.iter().any(|m| m.to_lowercase() == w.to_lowercase()) {
                matched.push(w.to_string());
            }
        }
    }
    let total: f64 = weights.iter().sum();
    let have: f64 = weights
        .iter()
        .zip(&found)
        .filter(|(_, f)| **f)
        .map(|(w, _)| w)
        .sum();
    Ok((if total > 0.0 { have / total } else { 0.0 }, matched))
}

/// Every candidate of a query with its features, unranked: the articles sharing terms
/// with it (at most `depth`) and the `depth` nearest by vector, within the query's
/// language and date.
pub fn candidates(
    store: &Store,
    vectors: Option<(&Vectors, &VectorIndex)>,
    query: &Query,
    depth: usize,
) -> Result<Vec<Hit>, EngineError> {
    let text = store.search_text_in(&query.text, query.lang.as_deref(), query.since, depth)?;
    let near = match vectors {
        Some((v, index)) if !query.text.trim().is_empty() && !index.is_empty() => {
            let q = v.embed(&[query.text.as_str()])?;
            // Every cosine: the filtered ones are passed over below, and a text hit
            // outside the nearest still gets its cosine.
            index.centred(&q[0])
        }
        _ => Vec::new(),
    };
    let mut b = Candidates {
        store,
        query,
        idf: Idf {
            store,
            n: store.count_articles()? as f64,
            known: HashMap::new(),
        },
        terms_of: HashMap::new(),
        cosine_of: near.iter().map(|(id, c)| (id.clone(), *c)).collect(),
        best: near.first().map(|n| n.1),
        hits: Vec::new(),
        seen: HashMap::new(),
    };
    for (i, h) in text.iter().enumerate() {
        if let Some(at) = b.add(&h.id)? {
            b.hits[at].text_rank = Some(i + 1);
        }
    }
    // The vector side in rank order among the admitted articles.
    let mut rank = 0;
    for (id, _) in &near {
        if rank == depth {
            break;
        }
        if let Some(at) = b.add(id)? {
            rank += 1;
            b.hits[at].vector_rank = Some(rank);
        }
    }
    Ok(b.hits)
}

/// The candidates of a query as they are collected.
struct Candidates<'a> {
    store: &'a Store,
    query: &'a Query,
    idf: Idf<'a>,
    terms_of: HashMap<Option<String>, Vec<String>>,
    cosine_of: HashMap<ArticleId, f32>,
    best: Option<f32>,
    hits: Vec<Hit>,
    seen: HashMap<ArticleId, usize>,
}

impl Candidates<'_> {
    /// Adds an article (once) if the query admits it; its place among the hits.
    fn add(&mut self, id: &ArticleId) -> Result<Option<usize>, EngineError> {
        if let Some(&at) = self.seen.get(id) {
            return Ok(Some(at));
        }
        let Some(a) = self.store.article(id.as_str())? else {
            return Ok(None);
        };
        if !self.query.admits(&a) {
            return Ok(None);
        }
        let (cov, matched) = coverage(&a, &self.query.text, &mut self.idf, &mut self.terms_of)?;
        let at = self.hits.len();
        self.seen.insert(id.clone(), at);
        self.hits.push(Hit {
            id: id.clone(),
            score: 0.0,
            cosine: self.cosine_of.get(id).copied(),
            coverage: cov,
            matched,
            text_rank: None,
            vector_rank: None,
            best_cosine: self.best,
        });
        Ok(Some(at))
    }
}

/// Searches the store: the candidates of both sides scored by the relevance model
/// (with vectors when a model and its index are given), those at or above its floor,
/// best first, at most `query.limit`.
pub fn search(
    store: &Store,
    vectors: Option<(&Vectors, &VectorIndex)>,
    query: &Query,
    params: &SearchParams,
) -> Result<Vec<Hit>, EngineError> {
    let with_vectors = vectors.is_some_and(|(_, i)| !i.is_empty());
    let mut hits = candidates(store, vectors, query, query.limit.max(CANDIDATES))?;
    let model = if with_vectors {
        &params.with_vectors
    } else {
        &params.text_only
    };
    for h in &mut hits {
        // An article without a vector of the model is scored on its words alone.
        h.score = match h.cosine {
            Some(_) if with_vectors => model.score(&h.features()),
            _ => params.text_only.score(&[h.coverage]),
        };
    }
    let floor_of = |h: &Hit| match h.cosine {
        Some(_) if with_vectors => params.with_vectors.floor,
        _ => params.text_only.floor,
    };
    hits.retain(|h| h.score >= floor_of(h));
    rank(&mut hits);
    hits.truncate(query.limit);
    Ok(hits)
}

/// Best first: score, then coverage, then id.
pub fn rank(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.coverage.total_cmp(&a.coverage))
            .then(a.id.cmp(&b.id))
    });
}

/// Merges rankings by reciprocal rank fusion (the baseline of `eval queries`): the
/// ids best first, ties by id.
pub fn fuse(text: &[ArticleId], vector: &[ArticleId]) -> Vec<(ArticleId, f64)> {
    let mut scores: HashMap<&ArticleId, f64> = HashMap::new();
    for list in [text, vector] {
        for (i, id) in list.iter().enumerate() {
            *scores.entry(id).or_default() += 1.0 / (RRF_K + (i + 1) as f64);
        }
    }
    let mut out: Vec<(ArticleId, f64)> = scores.into_iter().map(|(k, v)| (k.clone(), v)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::facts::Facts;
    use parallax_core::Paragraph;

    fn id(s: &str) -> ArticleId {
        ArticleId(s.into())
    }

    #[test]
    fn fusion_rewards_agreement_between_the_rankings() {
        let hits = fuse(&[id("a"), id("b")], &[id("c"), id("b")]);
        let order: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
        // b is in both lists; a and c each first in one (tie, broken by id).
        assert_eq!(order, ["b", "a", "c"]);
        assert!((hits[0].1 - 2.0 / 62.0).abs() < 1e-12);
        assert!(fuse(&[], &[]).is_empty());
    }

    #[test]
    fn nearest_is_exact_and_skips_foreign_dimensions() {
        let mut index = VectorIndex {
            model: "m".into(),
            ..VectorIndex::default()
        };
        index.push(id("x"), &[1.0, 0.0]);
        index.push(id("y"), &[0.6, 0.8]);
        index.push(id("z"), &[0.0, 1.0]);
        index.push(id("w"), &[1.0, 0.0, 0.0]);
        index.push(id("x"), &[0.0, 1.0]);
        assert_eq!(index.len(), 3);
        let near = index.nearest(&[0.0, 1.0], 2);
        assert_eq!(near, vec![(id("z"), 1.0), (id("y"), 0.8)]);
        assert_eq!(index.nearest(&[0.0, 1.0], 10).len(), 3);
        assert!(index.nearest(&[1.0], 2).is_empty());
        // Centred on the mean of x, y, z: the query's own direction away from the
        // mean comes first, with cosine 1.
        let centred = index.centred(&[0.0, 1.0]);
        assert_eq!(centred.len(), 3);
        assert_eq!(centred[0].0, id("z"));
        assert!((centred[0].1 - 1.0).abs() < 1e-5);
        assert_eq!(centred[2].0, id("x"));
        assert!(index.centred(&[1.0]).is_empty());
    }

    fn article(title: &str, lang: &str, body: &str, date: &str) -> Article {
        let mut a = Article {
            title: Some(title.into()),
            lang: Some(lang.into()),
            paragraphs: vec![Paragraph::paragraph(body)],
            published: Some(parallax_core::Published::parse(date).unwrap()),
            ..Article::default()
        };
        a.id = a.content_id();
        a
    }

    #[test]
    fn words_are_weighted_by_rarity_and_filtered_by_language_and_date() {
        let mut s = Store::open_in_memory().unwrap();
        let da = article(
            "Oversvømmelsen i Valmora",
            "da",
            "Soldater hjalp efter oversvømmelsen.",
            "2026-03-10",
        );
        let en = article(
            "Floods in Valmora",
            "en",
            "Soldiers helped after the floods in Valmora.",
            "2026-03-11",
        );
        let en2 = article(
            "Steel talks",
            "en",
            "Soldiers were not there.",
            "2026-01-01",
        );
        s.write_batch(&[
            (da.clone(), Facts::default()),
            (en.clone(), Facts::default()),
            (en2.clone(), Facts::default()),
        ])
        .unwrap();
        let q = Query::new("oversvommelsen valmora", 10);
        let hits = candidates(&s, None, &q, 10).unwrap();
        let da_hit = hits.iter().find(|h| h.id == da.id).unwrap();
        assert!((da_hit.coverage - 1.0).abs() < 1e-9);
        assert_eq!(da_hit.matched, ["Oversvømmelsen", "Valmora"]);
        let en_hit = hits.iter().find(|h| h.id == en.id).unwrap();
        assert!(en_hit.coverage > 0.0 && en_hit.coverage < 1.0);
        assert_eq!(en_hit.matched, ["Valmora"]);
        // "soldiers" is in two of three articles, "floods" in one: the rare word
        // weighs more.
        let q = Query::new("floods soldiers", 10);
        let hits = candidates(&s, None, &q, 10).unwrap();
        let cov = |a: &Article| hits.iter().find(|h| h.id == a.id).unwrap().coverage;
        assert!(cov(&en) > 0.99);
        assert!(cov(&en2) > 0.0 && cov(&en2) < 0.5);
        let mut q = Query::new("valmora", 10);
        q.lang = Some("da".into());
        let got: Vec<ArticleId> = candidates(&s, None, &q, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(got, std::slice::from_ref(&da.id));
        q.lang = None;
        q.since = Some(
            parallax_core::Published::parse("2026-03-11")
                .unwrap()
                .unix(),
        );
        let got: Vec<ArticleId> = candidates(&s, None, &q, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(got, std::slice::from_ref(&en.id));
        // Nothing shares a word with nonsense: nothing passes the floor.
        let params = SearchParams::default();
        assert!(search(&s, None, &Query::new("zzzzqqq", 10), &params)
            .unwrap()
            .is_empty());
        let found = search(&s, None, &Query::new("oversvommelsen", 10), &params).unwrap();
        assert_eq!(found[0].id, da.id);
    }
}

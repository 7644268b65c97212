//! `parallax eval queries`: search measured on a labelled query set, and the relevance
//! model of [`crate::search`] fitted on it.
//!
//! The query file is JSON Lines: `{"id", "lang", "query", "relevant": [...]}`, each
//! relevant article named by its JSON Lines `id` (kept as `external_id`) or by the file
//! name it was read from; a query with no relevant article is a negative (it should
//! find nothing). The corpus (files or folders) is ingested into a fresh in-memory
//! store with the real model, every article becomes a candidate of every query (the
//! same [`search::candidates`] the CLI and the API run, with unbounded depth), and:
//!
//! - the relevance model: logistic regression (`parallax_cluster::fit`) over the
//!   candidates' features ([`Hit::features`]) with the relevance as label, and the
//!   floor: the score that maximises the mean of two shares, weighed alike however
//!   many queries each has: the mean F1 of the first ten hits shown over the queries
//!   with relevant articles (nDCG alone would not see the irrelevant hits shown below
//!   the relevant ones), and the share of negative queries shown nothing; the same over the
//!   coverage alone for the text-only model;
//! - the figures: nDCG@10 and recall@10 over the queries that have relevant articles
//!   (binary gains; the hits are those at or above the floor, best first), the share of
//!   negative queries answered with nothing, and the precision of the hits shown; each
//!   in sample, and cross-validated over two folds by query (fitted on one half of the
//!   queries, measured on the other, both ways); and, as baseline, reciprocal rank
//!   fusion of the word and vector rankings without a floor (the previous search).

use crate::search::{self, Hit, Query, Relevance, SearchParams, VectorIndex};
use crate::vectors::Vectors;
use crate::{EngineError, IngestConfig, Input};
use parallax_cluster::fit;
use parallax_core::ArticleId;
use parallax_store::{ArticleFilter, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn bad(path: &Path, message: String) -> EngineError {
    EngineError::Input {
        path: path.display().to_string(),
        message,
    }
}

/// One labelled query.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledQuery {
    pub id: String,
    pub lang: String,
    pub query: String,
    #[serde(default)]
    pub relevant: Vec<String>,
    /// The line of the file it was read from.
    #[serde(skip)]
    pub line: usize,
}

/// Reads a query file; a bad line is an error naming it.
pub fn read_queries(path: &Path) -> Result<Vec<LabelledQuery>, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, e.to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut q: LabelledQuery =
            serde_json::from_str(line).map_err(|e| bad(path, format!("line {}: {e}", i + 1)))?;
        q.line = i + 1;
        out.push(q);
    }
    Ok(out)
}

/// The figures of one way of ranking over a set of queries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Mean nDCG@10 over the queries with relevant articles.
    pub ndcg10: f64,
    /// Mean recall@10 over the queries with relevant articles.
    pub recall10: f64,
    /// The share of negative queries answered with no hit.
    pub negatives_empty: f64,
    /// The share of the hits shown (at most 10 a query) that are relevant.
    pub precision: f64,
}

/// One query's result, for the worst-query list.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub id: String,
    pub lang: String,
    pub query: String,
    pub ndcg10: f64,
    pub recall10: f64,
    pub hits: usize,
}

/// What `parallax eval queries` reports.
#[derive(Debug, Clone, Serialize)]
pub struct QueriesReport {
    pub queries: usize,
    pub languages: Vec<String>,
    pub negatives: usize,
    pub articles: usize,
    /// Fitted and measured on all queries.
    pub in_sample: Figures,
    /// Two folds by query.
    pub cross_validated: Figures,
    /// The text-only model (no vectors), cross-validated.
    pub text_only: Figures,
    /// Reciprocal rank fusion of the word and vector rankings, no floor.
    pub rrf_baseline: Figures,
    /// The cross-validated model's ranking without its floor (every article shown).
    pub ranking_no_floor: Figures,
    /// The embedded parameters, measured as they are (in sample when they were
    /// fitted on this set).
    pub embedded: Figures,
    /// Per query language, cross-validated.
    pub per_language: BTreeMap<String, Figures>,
    /// The queries of lowest nDCG@10 (cross-validated).
    pub worst: Vec<QueryResult>,
    /// Each prior weight of the centring mean tried, with its cross-validated utility;
    /// `params.prior_weight` is the best.
    pub prior_weights: Vec<PriorWeight>,
    /// The parameters fitted on all queries.
    pub params: SearchParams,
}

/// The prior weights of the centring mean tried (articles the fitted news mean counts
/// as; [`SearchParams::prior_weight`]).
pub const PRIOR_WEIGHTS: &[f64] = &[0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0];

/// One prior weight tried, with the cross-validated mean utility it gave.
#[derive(Debug, Clone, Serialize)]
pub struct PriorWeight {
    pub weight: f64,
    pub utility_cross_validated: f64,
}

/// The mean utility of the hits shown over the queries, the queries with relevant
/// articles and the negative ones weighing half each ([`best_floor`]'s objective).
fn mean_utility_of(scored: &[Scored], shown: impl Fn(usize, &Scored) -> Vec<ArticleId>) -> f64 {
    let (mut pos, mut neg, mut np, mut nn) = (0.0, 0.0, 0usize, 0usize);
    for (i, s) in scored.iter().enumerate() {
        let u = utility(s, &shown(i, s));
        if s.relevant.is_empty() {
            neg += u;
            nn += 1;
        } else {
            pos += u;
            np += 1;
        }
    }
    match (np, nn) {
        (0, 0) => 0.0,
        (0, n) => neg / n as f64,
        (p, 0) => pos / p as f64,
        (p, n) => 0.5 * pos / p as f64 + 0.5 * neg / n as f64,
    }
}

/// The models of two folds by query, each fitted on the other fold's queries in every
/// store (with vectors, and words only).
fn fold_fits(
    per_store: &[Vec<Scored>],
    fold_of: impl Fn(usize) -> usize,
) -> Result<Vec<(Relevance, Relevance)>, EngineError> {
    let mut out = Vec::new();
    for f in 0..2 {
        let train: Vec<&Scored> = per_store
            .iter()
            .flat_map(|scored| scored.iter().enumerate())
            .filter(|(i, _)| fold_of(*i) != f)
            .map(|(_, s)| s)
            .collect();
        out.push((relevance(&train, false)?, relevance(&train, true)?));
    }
    Ok(out)
}

/// A query with every article as a candidate.
struct Scored {
    query: LabelledQuery,
    relevant: HashSet<ArticleId>,
    candidates: Vec<Hit>,
}

/// Ingests the corpus with the model into a fresh store.
fn corpus_store(corpus: &[PathBuf], vectors: &Vectors) -> Result<Store, EngineError> {
    let mut store = Store::open_in_memory()?;
    let config = IngestConfig {
        vectors: Some(vectors.clone()),
        ..IngestConfig::default()
    };
    let inputs: Vec<Input> = corpus.iter().map(|p| Input::Path(p.clone())).collect();
    let report = crate::ingest(
        &mut store,
        &inputs,
        &config,
        &AtomicBool::new(false),
        &mut |_| {},
    )?;
    if report.rejected > 0 {
        return Err(EngineError::Input {
            path: "the corpus".into(),
            message: format!(
                "{} records rejected (`parallax ingest` names them)",
                report.rejected
            ),
        });
    }
    Ok(store)
}

/// The articles each name in the query file stands for: a JSON Lines id or a file name.
fn names(store: &Store) -> Result<HashMap<String, ArticleId>, EngineError> {
    let mut out = HashMap::new();
    for a in store.articles(&ArticleFilter::default())? {
        if let Some(x) = &a.external_id {
            out.insert(x.clone(), a.id.clone());
        }
        if let Some(p) = &a.source_path {
            if let Some(f) = Path::new(p).file_name() {
                out.entry(f.to_string_lossy().into_owned())
                    .or_insert_with(|| a.id.clone());
            }
        }
    }
    Ok(out)
}

/// The relevance model fitted on some queries: logistic regression over their
/// candidates, then the floor that maximises the mean utility of those queries
/// ([`best_floor`]).
fn relevance(scored: &[&Scored], text_only: bool) -> Result<Relevance, EngineError> {
    let rows = rows(scored.iter().copied(), text_only);
    let x: Vec<Vec<f64>> = rows.iter().map(|r| r.0.clone()).collect();
    let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
    let lin = fit::logistic(&x, &y).map_err(|e| EngineError::Stories(e.to_string()))?;
    let mut model = Relevance {
        weights: lin.weights,
        bias: lin.bias,
        floor: 0.0,
    };
    model.floor = best_floor(scored, &model, text_only);
    Ok(model)
}

/// The utility of one query's shown hits: for a query with relevant articles the F1
/// of the first ten shown (so that both a missed article and an irrelevant one shown
/// cost), for a negative one 1 or 0 as it shows nothing or something.
fn utility(s: &Scored, shown: &[ArticleId]) -> f64 {
    if s.relevant.is_empty() {
        return shown.is_empty() as u8 as f64;
    }
    let top = &shown[..shown.len().min(10)];
    let right = top.iter().filter(|id| s.relevant.contains(*id)).count() as f64;
    2.0 * right / (top.len() + s.relevant.len().min(10)) as f64
}

/// The floor on the model's score that maximises the mean utility over the queries:
/// every distinct score is tried, and the floor is put halfway between the lowest
/// score kept and the next one below it.
fn best_floor(scored: &[&Scored], model: &Relevance, text_only: bool) -> f64 {
    let per_query: Vec<Vec<(f64, &ArticleId)>> = scored
        .iter()
        .map(|s| {
            let mut hits: Vec<(f64, &ArticleId)> = s
                .candidates
                .iter()
                .map(|h| {
                    let x = if text_only {
                        vec![h.coverage]
                    } else {
                        h.features()
                    };
                    (model.score(&x), &h.id)
                })
                .collect();
            hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            hits
        })
        .collect();
    let mut cuts: Vec<f64> = per_query.iter().flatten().map(|h| h.0).collect();
    cuts.sort_by(|a, b| b.total_cmp(a));
    cuts.dedup();
    // The queries with relevant articles and the negative ones weigh half each, however
    // many there are of each.
    let negatives = scored.iter().filter(|s| s.relevant.is_empty()).count();
    let positives = scored.len() - negatives;
    let mean_utility = |cut: f64| -> f64 {
        let (mut pos, mut neg) = (0.0, 0.0);
        for (s, hits) in scored.iter().zip(&per_query) {
            let shown: Vec<ArticleId> = hits
                .iter()
                .take_while(|h| h.0 >= cut)
                .map(|h| h.1.clone())
                .collect();
            if s.relevant.is_empty() {
                neg += utility(s, &shown);
            } else {
                pos += utility(s, &shown);
            }
        }
        match (positives, negatives) {
            (0, n) => neg / n as f64,
            (p, 0) => pos / p as f64,
            (p, n) => 0.5 * pos / p as f64 + 0.5 * neg / n as f64,
        }
    };
    // Above every score: nothing is shown.
    let (mut best, mut best_u) = (f64::INFINITY, mean_utility(f64::INFINITY));
    for (i, &c) in cuts.iter().enumerate() {
        let u = mean_utility(c);
        if u > best_u {
            let below = cuts.get(i + 1).copied().unwrap_or(0.0);
            best = (c + below) / 2.0;
            best_u = u;
        }
    }
    best
}

/// The candidates' rows of some queries: with vectors or the coverage alone.
fn rows<'a>(scored: impl Iterator<Item = &'a Scored>, text_only: bool) -> Vec<(Vec<f64>, bool)> {
    let mut out = Vec::new();
    for s in scored {
        for h in &s.candidates {
            let x = if text_only {
                vec![h.coverage]
            } else {
                h.features()
            };
            out.push((x, s.relevant.contains(&h.id)));
        }
    }
    out
}

/// nDCG@10 and recall@10 of a ranking (binary gains).
fn ndcg_recall(ranked: &[ArticleId], relevant: &HashSet<ArticleId>) -> (f64, f64) {
    let top = &ranked[..ranked.len().min(10)];
    let dcg: f64 = top
        .iter()
        .enumerate()
        .filter(|(_, id)| relevant.contains(*id))
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(10))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let found = top.iter().filter(|id| relevant.contains(*id)).count();
    (
        if ideal > 0.0 { dcg / ideal } else { 0.0 },
        found as f64 / relevant.len().max(1) as f64,
    )
}

/// The hits a model shows for a query, best first.
fn shown(s: &Scored, model: &Relevance, text_only: bool) -> Vec<ArticleId> {
    let mut hits: Vec<Hit> = s
        .candidates
        .iter()
        .cloned()
        .map(|mut h| {
            h.score = if text_only {
                model.score(&[h.coverage])
            } else {
                model.score(&h.features())
            };
            h
        })
        .filter(|h| h.score >= model.floor)
        .collect();
    search::rank(&mut hits);
    hits.into_iter().map(|h| h.id).collect()
}

/// Accumulates figures over queries.
#[derive(Default)]
struct Tally {
    ndcg: f64,
    recall: f64,
    positives: usize,
    empty: usize,
    negatives: usize,
    shown: usize,
    right: usize,
}

impl Tally {
    fn add(&mut self, s: &Scored, ranked: &[ArticleId]) -> (f64, f64) {
        let top = &ranked[..ranked.len().min(10)];
        self.shown += top.len();
        self.right += top.iter().filter(|id| s.relevant.contains(*id)).count();
        if s.relevant.is_empty() {
            self.negatives += 1;
            self.empty += ranked.is_empty() as usize;
            return (f64::NAN, f64::NAN);
        }
        let (n, r) = ndcg_recall(ranked, &s.relevant);
        self.ndcg += n;
        self.recall += r;
        self.positives += 1;
        (n, r)
    }

    fn figures(&self) -> Figures {
        let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Figures {
            ndcg10: self.ndcg / self.positives.max(1) as f64,
            recall10: self.recall / self.positives.max(1) as f64,
            negatives_empty: share(self.empty, self.negatives),
            precision: share(self.right, self.shown),
        }
    }
}

/// Runs the evaluation; the parameters fitted on all queries are in the report.
pub fn eval_queries(
    queries: &Path,
    corpus: &[PathBuf],
    vectors: &Vectors,
) -> Result<QueriesReport, EngineError> {
    let labelled = read_queries(queries)?;
    // The stores the centring mean's prior weight and the relevance model are fitted
    // over: the whole corpus, and each corpus input alone when there are several (a
    // store of two articles is a real case: its own mean is those two articles). In a
    // store that lacks a query's articles the query should find nothing there.
    let mut stores = vec![corpus.to_vec()];
    if corpus.len() > 1 {
        stores.extend(corpus.iter().map(|p| vec![p.clone()]));
    }
    let mut configs = Vec::new();
    for (k, paths) in stores.iter().enumerate() {
        let store = corpus_store(paths, vectors)?;
        let index = VectorIndex::load(&store, &vectors.model)?;
        let names = names(&store)?;
        let mut judged = Vec::new();
        for q in &labelled {
            let mut relevant = HashSet::new();
            for r in &q.relevant {
                match names.get(r) {
                    Some(id) => {
                        relevant.insert(id.clone());
                    }
                    None if k > 0 => {}
                    None => {
                        return Err(bad(
                            queries,
                            format!(
                                "line {}: query {}: no article of the corpus is named `{r}`",
                                q.line, q.id
                            ),
                        ))
                    }
                }
            }
            judged.push((q.clone(), relevant));
        }
        configs.push((store, index, judged));
    }
    let fold_of = |i: usize| i % 2;
    // The prior weight of the centring mean: each weight of the grid is tried, and the
    // one whose two-fold cross-validated utility (the floor's objective), averaged over
    // the stores, is highest is kept, the smallest on ties.
    let mut prior_weights = Vec::new();
    let mut best: Option<(f64, f64, Vec<Vec<Scored>>)> = None;
    for &w in PRIOR_WEIGHTS {
        let mut per_store: Vec<Vec<Scored>> = Vec::new();
        for (store, index, judged) in configs.iter_mut() {
            index.set_prior_weight(w);
            let mut scored = Vec::new();
            for (q, relevant) in judged.iter() {
                let query = Query::new(&q.query, usize::MAX);
                let candidates =
                    search::candidates(store, Some((vectors, &*index)), &query, usize::MAX)?;
                scored.push(Scored {
                    query: q.clone(),
                    relevant: relevant.clone(),
                    candidates,
                });
            }
            per_store.push(scored);
        }
        let folds = fold_fits(&per_store, fold_of)?;
        let u = per_store
            .iter()
            .map(|scored| mean_utility_of(scored, |i, s| shown(s, &folds[fold_of(i)].0, false)))
            .sum::<f64>()
            / per_store.len() as f64;
        prior_weights.push(PriorWeight {
            weight: w,
            utility_cross_validated: u,
        });
        if best.as_ref().is_none_or(|b| u > b.1 + 1e-12) {
            best = Some((w, u, per_store));
        }
    }
    let Some((prior_weight, _, per_store)) = best else {
        return Err(bad(queries, "no prior weight to try".into()));
    };
    let all: Vec<&Scored> = per_store.iter().flatten().collect();
    let store = &configs[0].0;
    let fitted = SearchParams {
        with_vectors: relevance(&all, false)?,
        text_only: relevance(&all, true)?,
        fitted_on: format!(
            "{} labelled queries ({}) over {} articles{}",
            labelled.len(),
            queries
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            store.count_articles()?,
            if configs.len() > 1 {
                let sizes: Vec<String> = configs[1..]
                    .iter()
                    .map(|c| c.0.count_articles().map(|n| n.to_string()))
                    .collect::<Result<_, _>>()?;
                format!(" and each input alone ({} articles)", sizes.join(", "))
            } else {
                String::new()
            }
        ),
        prior_weight,
    };
    let fold_models = fold_fits(&per_store, fold_of)?;
    let scored = &per_store[0];
    let mut in_sample = Tally::default();
    let mut embedded = Tally::default();
    let embedded_params = SearchParams::default();
    let mut cv = Tally::default();
    let mut text_cv = Tally::default();
    let mut rrf = Tally::default();
    let mut unfloored = Tally::default();
    let mut per_language: BTreeMap<String, Tally> = BTreeMap::new();
    let mut results = Vec::new();
    for (i, s) in scored.iter().enumerate() {
        in_sample.add(s, &shown(s, &fitted.with_vectors, false));
        embedded.add(s, &shown(s, &embedded_params.with_vectors, false));
        let (model, text_model) = &fold_models[fold_of(i)];
        let ranked = shown(s, model, false);
        let open = Relevance {
            floor: f64::NEG_INFINITY,
            ..model.clone()
        };
        unfloored.add(s, &shown(s, &open, false));
        let (n, r) = cv.add(s, &ranked);
        per_language
            .entry(s.query.lang.clone())
            .or_default()
            .add(s, &ranked);
        text_cv.add(s, &shown(s, text_model, true));
        let text: Vec<ArticleId> = {
            let mut t: Vec<&Hit> = s
                .candidates
                .iter()
                .filter(|h| h.text_rank.is_some())
                .collect();
            t.sort_by_key(|h| h.text_rank);
            t.into_iter()
                .take(search::CANDIDATES)
                .map(|h| h.id.clone())
                .collect()
        };
        let near: Vec<ArticleId> = {
            let mut v: Vec<&Hit> = s
                .candidates
                .iter()
                .filter(|h| h.vector_rank.is_some())
                .collect();
            v.sort_by_key(|h| h.vector_rank);
            v.into_iter()
                .take(search::CANDIDATES)
                .map(|h| h.id.clone())
                .collect()
        };
        let fused: Vec<ArticleId> = search::fuse(&text, &near)
            .into_iter()
            .map(|h| h.0)
            .collect();
        rrf.add(s, &fused);
        if !s.relevant.is_empty() {
            results.push(QueryResult {
                id: s.query.id.clone(),
                lang: s.query.lang.clone(),
                query: s.query.query.clone(),
                ndcg10: n,
                recall10: r,
                hits: ranked.len(),
            });
        }
    }
    results.sort_by(|a, b| a.ndcg10.total_cmp(&b.ndcg10).then(a.id.cmp(&b.id)));
    results.truncate(5);
    let languages: Vec<String> = per_language.keys().cloned().collect();
    Ok(QueriesReport {
        queries: scored.len(),
        negatives: scored.iter().filter(|s| s.relevant.is_empty()).count(),
        articles: store.count_articles()? as usize,
        languages,
        in_sample: in_sample.figures(),
        cross_validated: cv.figures(),
        text_only: text_cv.figures(),
        rrf_baseline: rrf.figures(),
        ranking_no_floor: unfloored.figures(),
        embedded: embedded.figures(),
        per_language: per_language
            .into_iter()
            .map(|(l, t)| (l, t.figures()))
            .collect(),
        worst: results,
        prior_weights,
        params: fitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<ArticleId> {
        v.iter().map(|s| ArticleId((*s).into())).collect()
    }

    #[test]
    fn ndcg_and_recall_at_ten() {
        let relevant: HashSet<ArticleId> = ids(&["a", "b"]).into_iter().collect();
        let (n, r) = ndcg_recall(&ids(&["a", "b", "c"]), &relevant);
        assert!((n - 1.0).abs() < 1e-12 && (r - 1.0).abs() < 1e-12);
        let (n, r) = ndcg_recall(&ids(&["c", "a"]), &relevant);
        let want = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((n - want).abs() < 1e-12, "{n}");
        assert!((r - 0.5).abs() < 1e-12);
        assert_eq!(ndcg_recall(&[], &relevant), (0.0, 0.0));
        // Beyond the tenth hit nothing counts.
        let mut late = ids(&["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"]);
        late.push(ArticleId("a".into()));
        assert_eq!(ndcg_recall(&late, &relevant), (0.0, 0.0));
    }
}

//! Stories in the pipeline: the features of a stored article (its lead vector, facts,
//! publication time and language), the assignment step the writer runs after each
//! committed batch (in publication order within the batch, resuming from the active
//! window saved in the store), and the evaluation harness (`eval clusters`, `eval
//! pairs`, `fit`), which streams labelled data through a fresh in-memory store with the
//! real model.
//!
//! Embedding thousands of articles in a dev build takes minutes, so the harness can keep
//! vectors in a cache: an ordinary store file (articles and their lead vectors per
//! model) from which vectors are copied instead of recomputed.

use crate::vectors::Vectors;
use crate::{EngineError, IngestConfig, Input};
use parallax_cluster::fit::{self, PairRow};
use parallax_cluster::metrics::{self, ClusterReport, Item, Prf};
use parallax_cluster::{
    ArticleFeatures, Assignment, ClusterMeta, Clusterer, Evidence, Params, SearchAudit, StoryState,
};
use parallax_core::facts::Facts;
use parallax_core::{Article, ArticleId};
use parallax_store::{ArticleFilter, Store, StoryRecord, StoryStep};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::AtomicBool;

pub use parallax_cluster::metrics::ClusterReport as ClustersReport;

fn state_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Stories(e.to_string())
}

/// Publication time in Unix seconds.
pub fn time_of(a: &Article) -> Option<i64> {
    a.published.as_ref().map(|p| p.unix())
}

/// The features of an article from its lead vector (of the model `model`, language
/// centred by the parameters' [`Params::prepare`]) and facts.
pub fn features(
    a: &Article,
    facts: &Facts,
    vector: Vec<f32>,
    model: &str,
    params: &Params,
) -> ArticleFeatures {
    let lang = a.lang.as_deref().unwrap_or("und");
    let vector = params.prepare(model, lang, vector);
    ArticleFeatures::new(a.id.as_str(), a.lang.as_deref(), time_of(a), vector, facts)
}

/// Loads the clusterer: its counters and the stories of the active window.
///
/// `earliest` is the time of the oldest article about to be assigned: when it is older
/// than the newest already seen (a backfill, or files ingested out of date order), the
/// window reaches back to the stories of its time.
pub fn load(
    store: &Store,
    params: &Params,
    earliest: Option<i64>,
) -> Result<Clusterer, EngineError> {
    let meta: ClusterMeta = match store.story_meta()? {
        Some(json) => serde_json::from_str(&json).map_err(state_err)?,
        None => ClusterMeta::default(),
    };
    let from = match (meta.now, earliest) {
        (Some(n), Some(e)) => Some(n.min(e)),
        (n, e) => n.or(e),
    };
    let since = from.map(|n| n - (params.window_days * 86400.0) as i64);
    let states = store.active_story_states(since, params.max_active)?;
    let stories = states
        .iter()
        .map(|s| serde_json::from_str::<StoryState>(s).map_err(state_err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Clusterer::resume(params.clone(), meta, stories))
}

fn record(s: &StoryState) -> StoryRecord {
    StoryRecord {
        id: s.id as i64,
        first_seen: s.first_seen,
        last_seen: s.last_seen,
        state: serde_json::to_string(s).expect("story state serialises"),
    }
}

/// The parameters for vectors of `vectors`' model: the built-in corpus mean belongs to
/// `params.mean_model`, so for another model (the hash embedder has the same dimension as
/// the e5 model) it is dropped and the clusterer centres on its running mean instead.
fn for_model(params: &Params, vectors: &Vectors) -> Params {
    let mut p = params.clone();
    if p.mean_model != vectors.model {
        p.mean.clear();
    }
    p
}

/// Assigns the articles of a committed batch that have no story yet, in publication
/// order (input order among equals), and stores the assignments, the changed stories
/// and the counters in one transaction.
pub fn assign_batch(
    store: &mut Store,
    vectors: &Vectors,
    params: &Params,
    batch: &[(Article, Facts)],
) -> Result<Vec<Assignment>, EngineError> {
    let ids: Vec<&ArticleId> = batch.iter().map(|(a, _)| &a.id).collect();
    let todo = store.unassigned(&ids)?;
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let mut items: Vec<(usize, &Article, &Facts)> = batch
        .iter()
        .enumerate()
        .filter(|(_, (a, _))| todo.contains(&a.id))
        .map(|(i, (a, f))| (i, a, f))
        .collect();
    items.sort_by_key(|(i, a, _)| (time_of(a), *i));
    let mut seen = std::collections::HashSet::new();
    items.retain(|(_, a, _)| seen.insert(a.id.clone()));
    let earliest = items.iter().filter_map(|(_, a, _)| time_of(a)).min();
    let mut clusterer = load(store, &for_model(params, vectors), earliest)?;
    let mut step = StoryStep::default();
    let mut changed: BTreeMap<u64, StoryRecord> = BTreeMap::new();
    let mut out = Vec::new();
    for (_, a, facts) in items {
        let Some(v) = store.vector(&vectors.model, &a.id)? else {
            continue;
        };
        let f = features(a, facts, v, &vectors.model, params);
        let asg = clusterer.assign(&f);
        for m in &asg.merged {
            step.merges.push((*m as i64, asg.story as i64));
            changed.remove(m);
        }
        if let Some(s) = clusterer.story(asg.story) {
            changed.insert(s.id, record(s));
        }
        step.assignments.push((
            asg.article.clone(),
            asg.story as i64,
            serde_json::to_string(&asg.evidence).expect("evidence serialises"),
        ));
        out.push(asg);
    }
    step.stories = changed.into_values().collect();
    step.meta = serde_json::to_string(clusterer.meta()).expect("meta serialises");
    store.save_story_step(&step)?;
    Ok(out)
}

/// The evidence stored for an article's assignment, and the story it is in now
/// (after merges).
pub fn why(store: &Store, id: &ArticleId) -> Result<Option<(i64, Evidence)>, EngineError> {
    let Some((story, json)) = store.assignment(id)? else {
        return Ok(None);
    };
    let e: Evidence = serde_json::from_str(&json).map_err(state_err)?;
    Ok(Some((story, e)))
}

/// The stories as JSON views ([`crate::views::story`]), oldest first.
pub fn list(
    store: &Store,
    filter: &parallax_store::StoryFilter,
) -> Result<Vec<serde_json::Value>, EngineError> {
    Ok(store
        .stories(filter)?
        .iter()
        .map(crate::views::story)
        .collect())
}

/// A page of the stories that pass `filter`, the most recent first, as JSON views, and
/// how many pass it in all.
pub fn page(
    store: &Store,
    filter: &parallax_store::StoryFilter,
    offset: usize,
    limit: usize,
) -> Result<(Vec<serde_json::Value>, usize), EngineError> {
    let (list, total) = store.story_page(filter, offset, limit)?;
    Ok((list.iter().map(crate::views::story).collect(), total))
}

/// The stories of `articles` (each once, in the order of the articles) that pass
/// `filter`, as JSON views.
pub fn of_articles(
    store: &Store,
    articles: &[&ArticleId],
    filter: &parallax_store::StoryFilter,
) -> Result<Vec<serde_json::Value>, EngineError> {
    let mut out = Vec::new();
    for id in store.stories_of(articles)? {
        let Some(s) = store.story(id)? else { continue };
        if filter.matches(&s) {
            out.push(crate::views::story(&s));
        }
    }
    Ok(out)
}

/// One story as a JSON view; a merged story id resolves to the story it went into.
pub fn get(store: &Store, id: i64) -> Result<Option<serde_json::Value>, EngineError> {
    Ok(store.story(id)?.as_ref().map(crate::views::story))
}

/// Reads a parameter file written by `parallax eval fit`.
pub fn load_params(path: &Path) -> Result<Params, EngineError> {
    let json = std::fs::read_to_string(path).map_err(|e| EngineError::Input {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    Params::from_json(&json).map_err(|e| EngineError::Input {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

// ---------------------------------------------------------------- evaluation harness

/// An article of an evaluation file with its features.
struct Loaded {
    external_id: Option<String>,
    article: Article,
    features: ArticleFeatures,
}

fn ingest_file(store: &mut Store, path: &Path) -> Result<(), EngineError> {
    let stop = AtomicBool::new(false);
    let config = IngestConfig {
        format: Some(crate::Format::Jsonl),
        ..IngestConfig::default()
    };
    crate::ingest(
        store,
        &[Input::Path(path.to_path_buf())],
        &config,
        &stop,
        &mut |_| {},
    )?;
    Ok(())
}

/// Ingests a JSON Lines file into a fresh in-memory store (without stories) and builds
/// the features of every article; vectors come from `cache` where it has them and are
/// computed (and added to the cache) otherwise.
fn load_articles(
    path: &Path,
    vectors: &Vectors,
    cache: Option<&Path>,
) -> Result<Vec<Loaded>, EngineError> {
    let mut store = Store::open_in_memory()?;
    ingest_file(&mut store, path)?;
    let articles = store.articles(&ArticleFilter::default())?;
    let mut cache = cache.map(Store::open).transpose()?;
    let mut vecs: HashMap<ArticleId, Vec<f32>> = HashMap::new();
    let mut missing = Vec::new();
    for a in &articles {
        match cache
            .as_ref()
            .map(|c| c.vector(&vectors.model, &a.id))
            .transpose()?
            .flatten()
        {
            Some(v) => {
                vecs.insert(a.id.clone(), v);
            }
            None => missing.push(a),
        }
    }
    for chunk in missing.chunks(32) {
        let texts: Vec<String> = chunk.iter().map(|a| vectors.lead_text(a)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let out = vectors.embed(&refs)?;
        if let Some(c) = cache.as_mut() {
            let rows: Vec<(Article, Facts)> = chunk
                .iter()
                .map(|a| ((*a).clone(), Facts::default()))
                .collect();
            c.write_batch(&rows)?;
            let pairs: Vec<(&ArticleId, &[f32])> = chunk
                .iter()
                .map(|a| &a.id)
                .zip(out.iter().map(Vec::as_slice))
                .collect();
            c.put_vectors(&vectors.model, &pairs)?;
        }
        for (a, v) in chunk.iter().zip(out) {
            vecs.insert(a.id.clone(), v);
        }
    }
    let mut loaded = Vec::new();
    for a in articles {
        let facts = store.facts(&a.id)?.unwrap_or_default();
        let v = vecs.remove(&a.id).unwrap_or_default();
        // Raw vectors here: the caller centres them with the parameters it fits or
        // evaluates.
        let features =
            ArticleFeatures::new(a.id.as_str(), a.lang.as_deref(), time_of(&a), v, &facts);
        loaded.push(Loaded {
            external_id: a.external_id.clone(),
            article: a,
            features,
        });
    }
    Ok(loaded)
}

/// The mean of the vectors (the corpus mean).
fn mean_of(loaded: &[Loaded]) -> Vec<f32> {
    mean_vector(loaded.iter().map(|l| l.features.vector.as_slice()))
}

fn mean_vector<'a>(vectors: impl Iterator<Item = &'a [f32]>) -> Vec<f32> {
    let mut sum: Vec<f64> = Vec::new();
    let mut n = 0usize;
    for v in vectors {
        if sum.is_empty() {
            sum = vec![0.0; v.len()];
        }
        if v.len() != sum.len() {
            continue;
        }
        for (s, x) in sum.iter_mut().zip(v) {
            *s += *x as f64;
        }
        n += 1;
    }
    sum.iter().map(|s| (s / n.max(1) as f64) as f32).collect()
}

/// A language gets its own mean when the fitting data has at least this many of its
/// articles; fewer would centre on the few stories they report rather than on the
/// language.
pub const MIN_LANGUAGE_ARTICLES: usize = 20;

/// The language centring fitted on loaded articles (raw vectors): the mean of each
/// language with enough articles, and the mean of all.
fn language_means_of(loaded: &[Loaded]) -> (BTreeMap<String, Vec<f32>>, Vec<f32>) {
    let mut by: BTreeMap<&str, Vec<&[f32]>> = BTreeMap::new();
    for l in loaded {
        by.entry(l.features.lang.as_str())
            .or_default()
            .push(&l.features.vector);
    }
    let means = by
        .into_iter()
        .filter(|(lang, v)| *lang != "und" && v.len() >= MIN_LANGUAGE_ARTICLES)
        .map(|(lang, v)| (lang.to_string(), mean_vector(v.into_iter())))
        .collect();
    (means, mean_of(loaded))
}

/// One graded pair of the SemEval format.
#[derive(Debug, Clone, serde::Deserialize)]
struct GoldPair {
    id1: serde_json::Value,
    id2: serde_json::Value,
    overall: f64,
}

fn id_string(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_pairs(path: &Path) -> Result<Vec<GoldPair>, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::Input {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let p: GoldPair = serde_json::from_str(line).map_err(|e| EngineError::Input {
            path: path.display().to_string(),
            message: format!("line {}: {e}", i + 1),
        })?;
        out.push(p);
    }
    Ok(out)
}

/// A pair's feature row: the two articles compared as stories of one article each.
fn pair_row(a: &ArticleFeatures, b: &ArticleFeatures, mean: &[f32], params: &Params) -> Vec<f64> {
    let mut ca = Clusterer::new(params.clone());
    ca.assign(a);
    let sa = &ca.stories()[0];
    let mut cb = Clusterer::new(params.clone());
    cb.assign(b);
    let sb = &cb.stories()[0];
    let (xa, xb) = (
        parallax_cluster::features::centre(&a.vector, mean),
        parallax_cluster::features::centre(&b.vector, mean),
    );
    let left = parallax_cluster::features::Side {
        centred: &xa,
        raw: &a.vector,
        names: &sa.names,
        numbers: &sa.numbers,
        dates: &sa.dates,
        langs: &sa.langs,
        time: a.time,
    };
    let right = parallax_cluster::features::Side {
        centred: &xb,
        raw: &b.vector,
        names: &sb.names,
        numbers: &sb.numbers,
        dates: &sb.dates,
        langs: &sb.langs,
        time: b.time,
    };
    parallax_cluster::features::compare(&left, &right, params.half_life_hours)
        .values()
        .to_vec()
}

/// Scores of one group of pairs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PairGroup {
    pub pearson: f64,
    pub spearman: f64,
    pub n_pairs: usize,
    /// At the same-story cut (gold `overall <= 1.5`).
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The result of `eval pairs`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PairsReport {
    pub pearson: f64,
    pub spearman: f64,
    pub n_pairs: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs whose articles were not found in the articles file.
    pub missing_pairs: usize,
    pub by_pair: BTreeMap<String, PairGroup>,
}

struct Scored {
    langs: String,
    predicted: f64,
    overall: f64,
    score: f64,
}

fn group(rows: &[&Scored], cut: f64) -> PairGroup {
    let p: Vec<f64> = rows.iter().map(|r| r.predicted).collect();
    let g: Vec<f64> = rows.iter().map(|r| r.overall).collect();
    let (mut tp, mut pred, mut gold) = (0usize, 0usize, 0usize);
    for r in rows {
        let ps = r.score >= cut;
        let gs = r.overall <= fit::SAME_STORY_OVERALL;
        pred += ps as usize;
        gold += gs as usize;
        tp += (ps && gs) as usize;
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let prf = Prf::new(ratio(tp, pred), ratio(tp, gold));
    PairGroup {
        pearson: metrics::pearson(&p, &g),
        spearman: metrics::spearman(&p, &g),
        n_pairs: rows.len(),
        precision: prf.precision,
        recall: prf.recall,
        f1: prf.f1,
    }
}

struct PairData {
    rows: Vec<(String, PairRow)>,
    missing: usize,
    mean: Vec<f32>,
    language_means: BTreeMap<String, Vec<f32>>,
    raw_mean: Vec<f32>,
    loaded: Vec<Loaded>,
    pairs: Vec<GoldPair>,
}

fn pair_data(
    pairs: &Path,
    articles: &Path,
    vectors: &Vectors,
    params: &Params,
    cache: Option<&Path>,
    own_mean: bool,
) -> Result<PairData, EngineError> {
    let gold = read_pairs(pairs)?;
    let mut loaded = load_articles(articles, vectors, cache)?;
    // Language centring: fitted here, or the parameters' own.
    let mut centring = params.clone();
    if own_mean {
        let (means, raw) = language_means_of(&loaded);
        centring.language_means = means;
        centring.raw_mean = raw;
        centring.mean_model = vectors.model.clone();
    }
    for l in &mut loaded {
        let v = std::mem::take(&mut l.features.vector);
        l.features.vector = centring.prepare(&vectors.model, &l.features.lang, v);
    }
    let mean = if !own_mean && params.mean_model == vectors.model && !params.mean.is_empty() {
        params.mean.clone()
    } else {
        mean_of(&loaded)
    };
    let by_ext: HashMap<&str, usize> = loaded
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.external_id.as_deref().map(|e| (e, i)))
        .collect();
    let mut rows = Vec::new();
    let mut missing = 0;
    for p in &gold {
        let (Some(&i), Some(&j)) = (
            by_ext.get(id_string(&p.id1).as_str()),
            by_ext.get(id_string(&p.id2).as_str()),
        ) else {
            missing += 1;
            continue;
        };
        let (a, b) = (&loaded[i].features, &loaded[j].features);
        let mut langs = [a.lang.clone(), b.lang.clone()];
        langs.sort();
        rows.push((
            langs.join("-"),
            PairRow {
                x: pair_row(a, b, &mean, params),
                overall: p.overall,
            },
        ));
    }
    Ok(PairData {
        rows,
        missing,
        mean,
        language_means: centring.language_means,
        raw_mean: centring.raw_mean,
        loaded,
        pairs: gold,
    })
}

fn pairs_report(rows: &[(String, PairRow)], missing: usize, params: &Params) -> PairsReport {
    let scored: Vec<Scored> = rows
        .iter()
        .map(|(langs, r)| {
            let score = params.pair_score(&r.x);
            Scored {
                langs: langs.clone(),
                predicted: 4.0 - 3.0 * score,
                overall: r.overall,
                score,
            }
        })
        .collect();
    let all: Vec<&Scored> = scored.iter().collect();
    let overall = group(&all, params.same_story_threshold);
    let mut by: BTreeMap<String, Vec<&Scored>> = BTreeMap::new();
    for s in &scored {
        by.entry(s.langs.clone()).or_default().push(s);
    }
    PairsReport {
        pearson: overall.pearson,
        spearman: overall.spearman,
        n_pairs: overall.n_pairs,
        precision: overall.precision,
        recall: overall.recall,
        f1: overall.f1,
        missing_pairs: missing,
        by_pair: by
            .into_iter()
            .map(|(k, v)| (k, group(&v, params.same_story_threshold)))
            .collect(),
    }
}

/// `parallax eval pairs`: Pearson and Spearman between the predicted grade (`4 - 3 x`
/// the same-story score, so that 1 = same story as in the gold) and the gold
/// `overall`, per language pair too, and precision and recall at the same-story cut.
pub fn eval_pairs(
    pairs: &Path,
    articles: &Path,
    vectors: &Vectors,
    params: &Params,
    cache: Option<&Path>,
) -> Result<PairsReport, EngineError> {
    let data = pair_data(pairs, articles, vectors, params, cache, false)?;
    Ok(pairs_report(&data.rows, data.missing, params))
}

/// `parallax eval search`: streams articles (JSON Lines; in time order, file order among
/// equals) through a fresh clusterer with the search audit on
/// ([`Clusterer::set_audit`]): how often the indexed candidate search would assign
/// differently from the exhaustive scan of the window. No gold needed.
pub fn eval_search(
    articles: &Path,
    vectors: &Vectors,
    params: &Params,
    cache: Option<&Path>,
) -> Result<SearchAudit, EngineError> {
    let mut loaded = load_articles(articles, vectors, cache)?;
    loaded.sort_by_key(|l| time_of(&l.article));
    let mut c = Clusterer::new(params.clone());
    c.set_audit(true);
    for l in &loaded {
        c.assign(&l.features);
    }
    Ok(*c.audit().expect("the audit is on"))
}

/// What `fit` found, with a two-fold cross-validated Pearson (fitted on one half of the
/// pairs, measured on the other, both ways) next to the in-sample one.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub n_pairs: usize,
    pub n_articles: usize,
    pub pearson_in_sample: f64,
    pub pearson_cross_validated: f64,
    pub same_story_f1: f64,
    pub join_rows: usize,
    pub join_f1: f64,
    #[serde(skip)]
    pub params: Params,
}

/// Fits the parameters on graded pairs and their articles (`parallax eval fit`): the
/// pair model and same-story cut on the pairs; the corpus mean of the articles' lead
/// vectors; the new-story classifier on the articles streamed in file order with gold
/// stories formed by the same-story pairs (`overall <= 1.5`).
pub fn fit(
    pairs: &Path,
    articles: &Path,
    vectors: &Vectors,
    base: &Params,
    cache: Option<&Path>,
) -> Result<FitReport, EngineError> {
    let mut params = base.clone();
    // The rows are centred on the corpus mean of these articles.
    let data = pair_data(pairs, articles, vectors, base, cache, true)?;
    let mean = data.mean.clone();
    let rows: Vec<PairRow> = data.rows.iter().map(|(_, r)| r.clone()).collect();
    if rows.len() < 10 {
        return Err(EngineError::Stories(format!(
            "only {} pairs have both articles; too few to fit",
            rows.len()
        )));
    }
    let (pair, cut, same_f1) = fit::fit_pairs(&rows).map_err(state_err)?;
    params.pair = pair;
    params.same_story_threshold = cut;
    params.merge_threshold = cut;
    params.mean = mean;
    params.mean_model = vectors.model.clone();
    params.language_means = data.language_means.clone();
    params.raw_mean = data.raw_mean.clone();
    // Two-fold cross-validation of the pair model.
    let mut predicted = vec![0.0; rows.len()];
    for fold in 0..2 {
        let train: Vec<PairRow> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 != fold)
            .map(|(_, r)| r.clone())
            .collect();
        let (m, _, _) = fit::fit_pairs(&train).map_err(state_err)?;
        for (i, r) in rows.iter().enumerate() {
            if i % 2 == fold {
                predicted[i] = 4.0 - 3.0 * m.apply(&r.x);
            }
        }
    }
    let gold: Vec<f64> = rows.iter().map(|r| r.overall).collect();
    let cv = metrics::pearson(&predicted, &gold);
    // Gold stories: connected components of the same-story pairs.
    let index: HashMap<&str, usize> = data
        .loaded
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.external_id.as_deref().map(|e| (e, i)))
        .collect();
    let mut parent: Vec<usize> = (0..data.loaded.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for p in &data.pairs {
        if p.overall > fit::SAME_STORY_OVERALL {
            continue;
        }
        if let (Some(&i), Some(&j)) = (
            index.get(id_string(&p.id1).as_str()),
            index.get(id_string(&p.id2).as_str()),
        ) {
            let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
            parent[ri] = rj;
        }
    }
    let mut stream: Vec<ArticleFeatures> = Vec::new();
    let mut gold_story = Vec::new();
    let mut order: Vec<usize> = (0..data.loaded.len()).collect();
    order.sort_by_key(|&i| data.loaded[i].article.source_record);
    for i in order {
        stream.push(data.loaded[i].features.clone());
        gold_story.push(root(&mut parent, i).to_string());
    }
    let (jrows, jlabels) = fit::join_rows(&stream, &gold_story, &params);
    let (join, join_cut, join_f1) = fit::fit_join(&jrows, &jlabels).map_err(state_err)?;
    params.join = join;
    params.join_threshold = join_cut;
    params.fitted_on = format!(
        "{} graded pairs and {} articles of {} ({} join rows); model {}",
        rows.len(),
        data.loaded.len(),
        pairs
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| pairs.display().to_string()),
        jrows.len(),
        vectors.model
    );
    let in_sample = pairs_report(&data.rows, 0, &params).pearson;
    Ok(FitReport {
        n_pairs: rows.len(),
        n_articles: data.loaded.len(),
        pearson_in_sample: in_sample,
        pearson_cross_validated: cv,
        same_story_f1: same_f1,
        join_rows: jrows.len(),
        join_f1,
        params,
    })
}

/// `parallax eval clusters`: streams labelled articles (a gold `story` field) in time
/// order through a fresh in-memory store with story assignment on, and scores the
/// stories found against the gold ones.
pub fn eval_clusters(
    path: &Path,
    vectors: &Vectors,
    params: &Params,
) -> Result<ClusterReport, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::Input {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    // Time order: by `published`, file order among equals.
    let mut lines: Vec<(String, &str)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let published = serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| {
                    v.get("published")
                        .and_then(|p| p.as_str())
                        .map(String::from)
                })
                .unwrap_or_default();
            (published, l)
        })
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let body: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    let mut store = Store::open_in_memory()?;
    let config = IngestConfig {
        format: Some(crate::Format::Jsonl),
        vectors: Some(vectors.clone()),
        story_params: Some(std::sync::Arc::new(params.clone())),
        ..IngestConfig::default()
    };
    crate::ingest_str(
        &mut store,
        &path.display().to_string(),
        &body,
        &config,
        &mut |_| {},
    )?;
    let mut items = Vec::new();
    for a in store.articles(&ArticleFilter::default())? {
        let Some(gold) = a.metadata.get("story") else {
            continue;
        };
        let Some((story, _)) = store.assignment(&a.id)? else {
            continue;
        };
        items.push(Item {
            lang: a.lang.clone().unwrap_or_else(|| "und".into()),
            gold: id_string(gold),
            pred: story as u64,
        });
    }
    Ok(metrics::cluster_report(&items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_mean_centres_only_its_own_models_vectors() {
        let params = Params::default();
        assert!(!params.mean.is_empty());
        let hash = Vectors::new(parallax_embed::Embedder::hash(params.mean.len()), "hash");
        assert!(for_model(&params, &hash).mean.is_empty());
        let same = Vectors {
            model: params.mean_model.clone(),
            ..hash
        };
        assert_eq!(for_model(&params, &same).mean, params.mean);
    }
}

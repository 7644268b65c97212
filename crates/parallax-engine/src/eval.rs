//! The evaluation harness of story assignment, one family: `eval clusters` (labelled
//! stories streamed through the assignment exactly as ingest runs it), `eval pairs`
//! (graded pairs), `eval search` (the candidate index against the exhaustive scan) and
//! `fit` (the parameters, on graded pairs and on labelled stories, with folds by story).
//!
//! Embedding thousands of articles in a dev build takes minutes, so the harness can keep
//! vectors in a cache: an ordinary store file (articles and their lead vectors per
//! model) from which vectors are copied instead of recomputed.

use crate::stories::{state_err, time_of};
use crate::vectors::Vectors;
use crate::{EngineError, IngestConfig, Input};
use parallax_cluster::fit::{self, PairRow};
use parallax_cluster::metrics::{self, ClusterReport, Item, Prf};
use parallax_cluster::{ArticleFeatures, Clusterer, Params, SearchAudit};
use parallax_core::facts::Facts;
use parallax_core::Article;
use parallax_store::{ArticleFilter, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::AtomicBool;

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
    let refs: Vec<&Article> = articles.iter().collect();
    store_vectors(&mut store, &refs, vectors, cache)?;
    let mut loaded = Vec::new();
    for a in articles {
        let facts = store.facts(&a.id)?.unwrap_or_default();
        let v = store.vector(&vectors.model, &a.id)?.unwrap_or_default();
        let t = store.title_vector(&vectors.model, &a.id)?;
        // Raw vectors here: the caller centres them with the parameters it fits or
        // evaluates.
        let features =
            ArticleFeatures::new(a.id.as_str(), a.lang.as_deref(), time_of(&a), v, &facts)
                .with_title(t);
        loaded.push(Loaded {
            external_id: a.external_id.clone(),
            article: a,
            features,
        });
    }
    Ok(loaded)
}

/// The mean of the vectors (the corpus mean).
fn mean_of<'a>(loaded: impl Iterator<Item = &'a Loaded>) -> Vec<f32> {
    mean_vector(loaded.map(|l| l.features.vector.as_slice()))
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
fn language_means_of(loaded: &[&Loaded]) -> (BTreeMap<String, Vec<f32>>, Vec<f32>) {
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
    (means, mean_of(loaded.iter().copied()))
}

/// The title centring fitted on loaded articles (raw title vectors): the mean title of
/// each language with enough titled articles, and the mean of all titles.
fn title_means_of(loaded: &[&Loaded]) -> (BTreeMap<String, Vec<f32>>, Vec<f32>) {
    let mut by: BTreeMap<&str, Vec<&[f32]>> = BTreeMap::new();
    for l in loaded {
        if let Some(t) = &l.features.title {
            by.entry(l.features.lang.as_str()).or_default().push(t);
        }
    }
    let all = mean_vector(by.values().flatten().copied());
    let means = by
        .into_iter()
        .filter(|(lang, v)| *lang != "und" && v.len() >= MIN_LANGUAGE_ARTICLES)
        .map(|(lang, v)| (lang.to_string(), mean_vector(v.into_iter())))
        .collect();
    (means, all)
}

/// Centres an article's lead and title vectors with `centring`'s means.
fn prepare(centring: &Params, model: &str, l: &mut Loaded) {
    let v = std::mem::take(&mut l.features.vector);
    l.features.vector = centring.prepare(model, &l.features.lang, v);
    l.features.title = l
        .features
        .title
        .take()
        .and_then(|t| centring.prepare_title(model, &l.features.lang, t));
}

/// The gold field: `field` when given, else `story`, or `cluster` when no record has a
/// `story` (`has` says whether some record has a field).
fn gold_field_or(field: Option<&str>, has: impl Fn(&str) -> bool) -> String {
    match field {
        Some(f) => f.to_string(),
        None if !has("story") && has("cluster") => "cluster".into(),
        None => "story".into(),
    }
}

/// How many articles of other stories, the nearest first, give "different story" rows
/// for each article of a labelled story.
const NEGATIVES_PER_ARTICLE: usize = 2;

/// Pair rows from labelled stories (centred vectors): every pair inside a story as the
/// same story (grade 1), and for each article its nearest articles of other stories by
/// centred cosine as unrelated (grade 4), the pairs a clusterer must tell apart.
fn story_rows(loaded: &[Loaded], gold: &[String], mean: &[f32], params: &Params) -> Vec<PairRow> {
    let centred: Vec<Vec<f32>> = loaded
        .iter()
        .map(|l| parallax_cluster::features::centre(&l.features.vector, mean))
        .collect();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    let norms: Vec<f32> = centred.iter().map(|v| norm(v)).collect();
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..loaded.len() {
        let mut others: Vec<(f32, usize)> = Vec::new();
        for j in 0..loaded.len() {
            if i == j {
                continue;
            }
            if gold[i] == gold[j] {
                if i < j {
                    let (a, b) = (&loaded[i].features, &loaded[j].features);
                    rows.push(PairRow {
                        x: pair_row(a, b, mean, params),
                        overall: 1.0,
                    });
                }
                continue;
            }
            let dot: f32 = centred[i].iter().zip(&centred[j]).map(|(x, y)| x * y).sum();
            others.push((dot / (norms[i] * norms[j]), j));
        }
        others.sort_by(|a, b| b.0.total_cmp(&a.0));
        for &(_, j) in others.iter().take(NEGATIVES_PER_ARTICLE) {
            if seen.insert((i.min(j), i.max(j))) {
                let (a, b) = (&loaded[i].features, &loaded[j].features);
                rows.push(PairRow {
                    x: pair_row(a, b, mean, params),
                    overall: 4.0,
                });
            }
        }
    }
    rows
}

/// What `fit` is given besides the graded pairs.
#[derive(Debug, Clone, Default)]
pub struct FitOptions<'a> {
    /// A store file used as a cache of lead vectors.
    pub cache: Option<&'a Path>,
    /// Files of labelled stories (JSON Lines with a gold `story` or `cluster`).
    pub clusters: &'a [std::path::PathBuf],
    /// Their gold field (default as in `eval clusters`).
    pub gold_field: Option<&'a str>,
    /// Only these labelled stories (by story, never by article).
    pub fold: Option<Fold>,
    /// Fit the pair model on the graded pairs alone; the labelled stories' rows then
    /// serve the same-story cut and the new-story classifier only.
    pub pair_model_on_graded: bool,
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
        title: a.title.as_deref(),
    };
    let right = parallax_cluster::features::Side {
        centred: &xb,
        raw: &b.vector,
        names: &sb.names,
        numbers: &sb.numbers,
        dates: &sb.dates,
        langs: &sb.langs,
        time: b.time,
        title: b.title.as_deref(),
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
    title_language_means: BTreeMap<String, Vec<f32>>,
    title_raw_mean: Vec<f32>,
    loaded: Vec<Loaded>,
    pairs: Vec<GoldPair>,
}

fn pair_data(
    pairs: &Path,
    articles: &Path,
    vectors: &Vectors,
    params: &Params,
    cache: Option<&Path>,
    own_mean: Option<&[&Loaded]>,
) -> Result<PairData, EngineError> {
    let gold = read_pairs(pairs)?;
    let mut loaded = load_articles(articles, vectors, cache)?;
    // Language centring: fitted here (on these articles and `own_mean`'s), or the
    // parameters' own.
    let mut centring = params.clone();
    if let Some(extra) = own_mean {
        let all: Vec<&Loaded> = loaded.iter().chain(extra.iter().copied()).collect();
        let (means, raw) = language_means_of(&all);
        centring.language_means = means;
        centring.raw_mean = raw;
        let (means, raw) = title_means_of(&all);
        centring.title_language_means = means;
        centring.title_raw_mean = raw;
        centring.mean_model = vectors.model.clone();
    }
    for l in &mut loaded {
        prepare(&centring, &vectors.model, l);
    }
    let mean = match own_mean {
        None if params.mean_model == vectors.model && !params.mean.is_empty() => {
            params.mean.clone()
        }
        None => mean_of(loaded.iter()),
        // The extra articles are centred by the caller with the same means; the corpus
        // mean of centred vectors is taken over these articles.
        Some(_) => mean_of(loaded.iter()),
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
        title_language_means: centring.title_language_means,
        title_raw_mean: centring.title_raw_mean,
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
    let data = pair_data(pairs, articles, vectors, params, cache, None)?;
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
    /// Pair rows from labelled stories (same story, and the nearest articles of other
    /// stories as different).
    pub n_story_rows: usize,
    pub n_articles: usize,
    pub pearson_in_sample: f64,
    /// Each half's pair model chose its own ridge on that half alone (nested), so the
    /// choice of ridge is cross-validated too.
    pub pearson_cross_validated: f64,
    /// The ridge of the shipped pair model, chosen on all the rows ([`fit::choose_ridge`]).
    pub ridge: f64,
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
    options: &FitOptions,
) -> Result<FitReport, EngineError> {
    let cache = options.cache;
    let mut params = base.clone();
    // Labelled stories (translations and reports of one event), the fold's only.
    let mut labelled: Vec<(Vec<Loaded>, Vec<String>)> = Vec::new();
    for file in options.clusters {
        let loaded = load_articles(file, vectors, cache)?;
        let field = gold_field_or(options.gold_field, |f| {
            loaded.iter().any(|l| l.article.metadata.contains_key(f))
        });
        let (kept, gold): (Vec<Loaded>, Vec<String>) = loaded
            .into_iter()
            .filter_map(|l| {
                let g = l.article.metadata.get(&field).map(id_string)?;
                options.fold.is_none_or(|f| f.keeps(&g)).then_some((l, g))
            })
            .unzip();
        labelled.push((kept, gold));
    }
    // The rows are centred on the means of all these articles.
    let extra: Vec<&Loaded> = labelled.iter().flat_map(|(l, _)| l).collect();
    let n_labelled = extra.len();
    let data = pair_data(pairs, articles, vectors, base, cache, Some(&extra))?;
    drop(extra);
    let centring = Params {
        language_means: data.language_means.clone(),
        raw_mean: data.raw_mean.clone(),
        title_language_means: data.title_language_means.clone(),
        title_raw_mean: data.title_raw_mean.clone(),
        mean_model: vectors.model.clone(),
        ..base.clone()
    };
    for (loaded, _) in &mut labelled {
        for l in loaded.iter_mut() {
            prepare(&centring, &vectors.model, l);
        }
    }
    let mean = data.mean.clone();
    let mut rows: Vec<PairRow> = data.rows.iter().map(|(_, r)| r.clone()).collect();
    let n_graded = rows.len();
    let mut n_story_rows = 0;
    for (loaded, gold) in &labelled {
        let r = story_rows(loaded, gold, &mean, base);
        n_story_rows += r.len();
        rows.extend(r);
    }
    if rows.len() < 10 {
        return Err(EngineError::Stories(format!(
            "only {} pairs have both articles; too few to fit",
            rows.len()
        )));
    }
    let ridge = fit::choose_ridge(if options.pair_model_on_graded {
        &rows[..n_graded]
    } else {
        &rows
    });
    let (pair, cut, same_f1) = if options.pair_model_on_graded {
        let (m, _, _) = fit::fit_pairs_ridge(&rows[..n_graded], ridge).map_err(state_err)?;
        let scores: Vec<f64> = rows.iter().map(|r| fit::apply_capped(&m, &r.x)).collect();
        let labels: Vec<bool> = rows
            .iter()
            .map(|r| r.overall <= fit::SAME_STORY_OVERALL)
            .collect();
        let (cut, f1) = fit::best_f1_cut(&scores, &labels);
        (m, cut, f1)
    } else {
        fit::fit_pairs_ridge(&rows, ridge).map_err(state_err)?
    };
    params.pair = pair;
    params.same_story_threshold = cut;
    params.merge_threshold = cut;
    params.mean = mean;
    params.mean_model = vectors.model.clone();
    params.language_means = data.language_means.clone();
    params.raw_mean = data.raw_mean.clone();
    params.title_language_means = data.title_language_means.clone();
    params.title_raw_mean = data.title_raw_mean.clone();
    // Two-fold cross-validation of the pair model.
    // (The graded pairs are split in two by position; the labelled stories' rows
    // always train.)
    let mut predicted = vec![0.0; n_graded];
    for fold in 0..2 {
        let train: Vec<PairRow> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                if *i >= n_graded {
                    !options.pair_model_on_graded
                } else {
                    i % 2 != fold
                }
            })
            .map(|(_, r)| r.clone())
            .collect();
        let (m, _, _) = fit::fit_pairs(&train).map_err(state_err)?;
        for (i, r) in rows[..n_graded].iter().enumerate() {
            if i % 2 == fold {
                predicted[i] = 4.0 - 3.0 * fit::apply_capped(&m, &r.x);
            }
        }
    }
    let gold: Vec<f64> = rows[..n_graded].iter().map(|r| r.overall).collect();
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
    let (mut jrows, mut jlabels) = fit::join_rows(&stream, &gold_story, &params);
    for (loaded, gold) in &labelled {
        let stream: Vec<ArticleFeatures> = loaded.iter().map(|l| l.features.clone()).collect();
        let (r, l) = fit::join_rows(&stream, gold, &params);
        jrows.extend(r);
        jlabels.extend(l);
    }
    let (join, join_cut, join_f1) = fit::fit_join(&jrows, &jlabels).map_err(state_err)?;
    params.join = join;
    params.join_threshold = join_cut;
    let folder = |p: &Path| {
        p.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| p.display().to_string())
    };
    let stories_part = if labelled.is_empty() {
        String::new()
    } else {
        format!(
            ", {} pair rows from {} articles in labelled stories of {}{}",
            n_story_rows,
            n_labelled,
            options
                .clusters
                .iter()
                .map(|p| folder(p))
                .collect::<Vec<_>>()
                .join(", "),
            options
                .fold
                .map(|f| format!(
                    " ({} fold {} of {})",
                    if f.exclude { "all but" } else { "only" },
                    f.index,
                    f.count
                ))
                .unwrap_or_default()
        )
    };
    params.fitted_on = format!(
        "{} graded pairs and {} articles of {}{} ({} join rows); model {}",
        n_graded,
        data.loaded.len(),
        folder(pairs),
        stories_part,
        jrows.len(),
        vectors.model
    );
    let in_sample = pairs_report(&data.rows, 0, &params).pearson;
    Ok(FitReport {
        n_pairs: n_graded,
        n_story_rows,
        n_articles: data.loaded.len(),
        pearson_in_sample: in_sample,
        pearson_cross_validated: cv,
        ridge,
        same_story_f1: same_f1,
        join_rows: jrows.len(),
        join_f1,
        params,
    })
}

/// Which gold stories an evaluation keeps: those whose gold id falls in fold `index`
/// of `count` (by a stable hash of the id), or, with `exclude`, all the others. Folds
/// are drawn by story, never by article, so an article and its translation are always
/// on the same side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub index: usize,
    pub count: usize,
    pub exclude: bool,
}

impl Fold {
    /// Whether the gold story `gold` is kept.
    pub fn keeps(&self, gold: &str) -> bool {
        if self.count <= 1 {
            return !self.exclude;
        }
        // FNV-1a: stable across runs and platforms.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in gold.as_bytes() {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        ((h % self.count as u64) as usize == self.index) != self.exclude
    }
}

impl std::str::FromStr for Fold {
    type Err = String;
    /// `I/N` (the fold I of N, from 0) or `!I/N` (every fold but I).
    fn from_str(s: &str) -> Result<Fold, String> {
        let (exclude, rest) = match s.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let err = || format!("`{s}`: a fold is I/N (fold I of N, from 0) or !I/N (all but fold I)");
        let (i, n) = rest.split_once('/').ok_or_else(err)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Fold {
            index,
            count,
            exclude,
        })
    }
}

/// How `eval clusters` reads its file.
#[derive(Debug, Clone, Default)]
pub struct ClustersOptions<'a> {
    /// The field holding the gold story; `None`: `story`, or `cluster` when no record
    /// has a `story`.
    pub gold_field: Option<&'a str>,
    /// A store file used as a cache of lead vectors.
    pub cache: Option<&'a Path>,
    /// Only the gold stories of this fold.
    pub fold: Option<Fold>,
    /// How many of the worst stories to list.
    pub worst: usize,
}

/// A found story that mixes gold stories, with what a reader would see of it.
#[derive(Debug, Clone, Serialize)]
pub struct WorstStory {
    pub story: i64,
    pub n_articles: usize,
    /// How many gold stories it holds.
    pub gold_stories: usize,
    pub languages: Vec<String>,
    pub titles: Vec<String>,
}

/// A gold story whose articles were put in more than one story.
#[derive(Debug, Clone, Serialize)]
pub struct SplitStory {
    pub gold: String,
    /// Per found story: its id and `[lang] title` of each article of this gold story.
    pub parts: Vec<(i64, Vec<String>)>,
}

/// What `eval clusters` found: the scores, and where they come from.
#[derive(Debug, Clone, Serialize)]
pub struct ClustersEval {
    pub gold_field: String,
    #[serde(flatten)]
    pub report: ClusterReport,
    /// Found stories that hold articles of 3 or more gold stories in one language: a
    /// story made of what one language shares rather than of what its articles report.
    pub language_stories: usize,
    /// The found stories that mix the most gold stories.
    pub worst: Vec<WorstStory>,
    /// The gold stories split over several found stories, the most split first: for
    /// each, the found stories with the languages and titles of its articles in them.
    pub split: Vec<SplitStory>,
    /// Records rejected (file, line and reason); a run with any exits non-zero.
    pub rejected: Vec<String>,
    /// Articles without a gold story (not scored).
    pub without_gold: usize,
}

/// `parallax eval clusters`: streams labelled articles in time order (file order among
/// equals, as `parallax ingest` reads them) through a fresh in-memory store with the
/// assignment step ingest runs after each batch ([`crate::stories::Assigner`], its
/// clusterer kept across batches of 64 as in an ingest run, language means learnt as they arrive), and scores the stories found
/// against the gold ones.
pub fn eval_clusters(
    path: &Path,
    vectors: &Vectors,
    params: &Params,
    options: &ClustersOptions,
) -> Result<ClustersEval, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::Input {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    let values: Vec<Option<serde_json::Value>> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    let gold_field = gold_field_or(options.gold_field, |f| {
        values.iter().flatten().any(|v| v.get(f).is_some())
    });
    // Time order: by `published`, file order among equals; a fold keeps its stories.
    // Blank lines stay as they are so that line numbers in diagnostics are the file's.
    let mut lines: Vec<(String, usize, &str)> = Vec::new();
    for (i, (l, v)) in text.lines().zip(&values).enumerate() {
        if let (Some(fold), Some(v)) = (options.fold, v) {
            let gold = v.get(&gold_field).map(id_string).unwrap_or_default();
            if !fold.keeps(&gold) {
                continue;
            }
        }
        let published = v
            .as_ref()
            .and_then(|v| {
                v.get("published")
                    .and_then(|p| p.as_str())
                    .map(String::from)
            })
            .unwrap_or_default();
        lines.push((published, i, l));
    }
    lines.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut store = Store::open_in_memory()?;
    let mut rejected = Vec::new();
    let config = IngestConfig {
        format: Some(crate::Format::Jsonl),
        ..IngestConfig::default()
    };
    // One record per stream, so that a diagnostic names the file's own line.
    let name = path.display().to_string();
    let mut order: Vec<String> = Vec::new();
    for (_, i, l) in &lines {
        if l.trim().is_empty() {
            continue;
        }
        let report = crate::ingest_str(&mut store, &name, &format!("{l}\n"), &config, &mut |e| {
            if let crate::Event::Diagnostic(d) = e {
                if d.is_error() {
                    let field = d
                        .field
                        .as_deref()
                        .map(|f| format!("field `{f}`: "))
                        .unwrap_or_default();
                    rejected.push(format!("{name}:{}: {field}{}", i + 1, d.message));
                }
            }
        })?;
        order.extend(report.ids);
    }
    let articles = store.articles(&ArticleFilter::default())?;
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .rev()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut stream: Vec<&Article> = articles.iter().collect();
    stream.sort_by_key(|a| (time_of(a), position.get(a.id.as_str()).copied()));
    store_vectors(&mut store, &stream, vectors, options.cache)?;
    let mut assigner = crate::stories::Assigner::default();
    for chunk in stream.chunks(IngestConfig::default().batch_size) {
        let batch: Vec<(Article, Facts)> = chunk
            .iter()
            .map(|a| {
                let facts = store.facts(&a.id)?.unwrap_or_default();
                Ok(((*a).clone(), facts))
            })
            .collect::<Result<_, EngineError>>()?;
        assigner.assign_batch(&mut store, vectors, params, &batch)?;
        assigner.committed();
    }
    let mut items = Vec::new();
    let mut without_gold = 0;
    let mut by_story: BTreeMap<i64, Vec<(String, String, String)>> = BTreeMap::new();
    for a in &stream {
        let Some(gold) = a.metadata.get(&gold_field) else {
            without_gold += 1;
            continue;
        };
        let Some((story, _)) = store.assignment(&a.id)? else {
            continue;
        };
        let story = store.story(story)?.map(|s| s.id).unwrap_or(story);
        let lang = a.lang.clone().unwrap_or_else(|| "und".into());
        by_story.entry(story).or_default().push((
            id_string(gold),
            lang.clone(),
            a.title.clone().unwrap_or_default(),
        ));
        items.push(Item {
            lang,
            gold: id_string(gold),
            pred: story as u64,
        });
    }
    let report = metrics::cluster_report(&items);
    let mut language_stories = 0;
    let mut mixed: Vec<WorstStory> = Vec::new();
    for (story, members) in &by_story {
        let mut per_lang: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for (g, l, _) in members {
            per_lang.entry(l.as_str()).or_default().insert(g.as_str());
        }
        if per_lang.values().any(|g| g.len() >= 3) {
            language_stories += 1;
        }
        let golds: std::collections::BTreeSet<&str> =
            members.iter().map(|(g, _, _)| g.as_str()).collect();
        if golds.len() > 1 {
            mixed.push(WorstStory {
                story: *story,
                n_articles: members.len(),
                gold_stories: golds.len(),
                languages: per_lang.keys().map(|l| l.to_string()).collect(),
                titles: members
                    .iter()
                    .take(5)
                    .map(|(_, l, t)| format!("[{l}] {}", t.chars().take(80).collect::<String>()))
                    .collect(),
            });
        }
    }
    mixed.sort_by(|a, b| {
        (b.gold_stories, b.n_articles, a.story).cmp(&(a.gold_stories, a.n_articles, b.story))
    });
    mixed.truncate(options.worst);
    let mut parts_of: BTreeMap<&str, BTreeMap<i64, Vec<String>>> = BTreeMap::new();
    for (story, members) in &by_story {
        for (g, l, t) in members {
            parts_of
                .entry(g.as_str())
                .or_default()
                .entry(*story)
                .or_default()
                .push(format!("[{l}] {}", t.chars().take(80).collect::<String>()));
        }
    }
    let mut split: Vec<SplitStory> = parts_of
        .into_iter()
        .filter(|(_, parts)| parts.len() > 1)
        .map(|(g, parts)| SplitStory {
            gold: g.to_string(),
            parts: parts.into_iter().collect(),
        })
        .collect();
    split.sort_by(|a, b| (b.parts.len(), &a.gold).cmp(&(a.parts.len(), &b.gold)));
    split.truncate(options.worst);
    Ok(ClustersEval {
        gold_field,
        report,
        language_stories,
        worst: mixed,
        split,
        rejected,
        without_gold,
    })
}

/// Puts a lead vector for each of `articles` into `store`: copied from `cache` where it
/// has one, computed otherwise (and added to the cache).
fn store_vectors(
    store: &mut Store,
    articles: &[&Article],
    vectors: &Vectors,
    cache: Option<&Path>,
) -> Result<(), EngineError> {
    let mut cache = cache.map(Store::open).transpose()?;
    let mut missing = Vec::new();
    let mut untitled = Vec::new();
    for a in articles {
        let (lead, title) = match cache.as_ref() {
            Some(c) => (
                c.vector(&vectors.model, &a.id)?,
                c.title_vector(&vectors.model, &a.id)?,
            ),
            None => (None, None),
        };
        let Some(v) = lead else {
            missing.push(*a);
            continue;
        };
        store.put_vectors(&vectors.model, &[(&a.id, v.as_slice())])?;
        match title {
            Some(t) => store.put_title_vectors(&vectors.model, &[(&a.id, t.as_slice())])?,
            None if vectors.title_text(a).is_some() => untitled.push(*a),
            None => {}
        }
    }
    // Leads cached before titles had vectors: their titles alone.
    for chunk in untitled.chunks(64) {
        let texts: Vec<&str> = chunk.iter().filter_map(|a| vectors.title_text(a)).collect();
        let made = vectors.embed(&texts)?;
        for (a, t) in chunk.iter().zip(&made) {
            store.put_title_vectors(&vectors.model, &[(&a.id, t.as_slice())])?;
            if let Some(c) = cache.as_mut() {
                c.put_title_vectors(&vectors.model, &[(&a.id, t.as_slice())])?;
            }
        }
    }
    for chunk in missing.chunks(32) {
        vectors.embed_missing(store, chunk)?;
        if let Some(c) = cache.as_mut() {
            let rows: Vec<(Article, Facts)> = chunk
                .iter()
                .map(|a| ((*a).clone(), Facts::default()))
                .collect();
            c.write_batch(&rows)?;
            for a in chunk {
                if let Some(v) = store.vector(&vectors.model, &a.id)? {
                    c.put_vectors(&vectors.model, &[(&a.id, v.as_slice())])?;
                }
                if let Some(t) = store.title_vector(&vectors.model, &a.id)? {
                    c.put_title_vectors(&vectors.model, &[(&a.id, t.as_slice())])?;
                }
            }
        }
    }
    Ok(())
}

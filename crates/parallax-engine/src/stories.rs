//! Stories in the pipeline: the features of a stored article (its lead vector centred
//! on its language's mean as the clusterer knows it, facts, publication time and
//! language), the assignment step the writer runs after each committed batch (in
//! publication order within the batch, resuming from the active window and the language
//! means saved in the store), and the story views (`list`, `page`, `get`, `why`).
//! The evaluations and the fitting of the parameters are in [`crate::eval`].

use crate::vectors::Vectors;
use crate::EngineError;
use parallax_cluster::{
    ArticleFeatures, Assignment, ClusterMeta, Clusterer, Evidence, Params, StoryState,
};
use parallax_core::facts::Facts;
use parallax_core::{Article, ArticleId};
use parallax_store::{Store, StoryRecord, StoryStep};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

pub use parallax_cluster::metrics::ClusterReport as ClustersReport;

pub(crate) fn state_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Stories(e.to_string())
}

/// Publication time in Unix seconds.
pub fn time_of(a: &Article) -> Option<i64> {
    a.published.as_ref().map(|p| p.unix())
}

/// The features of an article from its raw lead vector and raw title vector (of the
/// model `model`) and facts: each vector is centred on its language's mean as the
/// clusterer knows it now ([`Clusterer::centre_language`], [`Clusterer::centre_title`],
/// which also learn from it).
pub fn features(
    clusterer: &mut Clusterer,
    a: &Article,
    facts: &Facts,
    (vector, title): (Vec<f32>, Option<Vec<f32>>),
    model: &str,
) -> ArticleFeatures {
    let lang = a.lang.as_deref().unwrap_or("und");
    let vector = clusterer.centre_language(model, lang, vector);
    let title = title.and_then(|t| clusterer.centre_title(model, lang, t));
    ArticleFeatures::new(a.id.as_str(), a.lang.as_deref(), time_of(a), vector, facts)
        .with_title(title)
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
    let meta = stored_meta(store)?;
    let since = window_since(params, meta.now, earliest);
    let states = store.active_story_states(since, params.max_active)?;
    let stories = states
        .iter()
        .map(|s| serde_json::from_str::<StoryState>(s).map_err(state_err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Clusterer::resume(params.clone(), meta, stories))
}

fn stored_meta(store: &Store) -> Result<ClusterMeta, EngineError> {
    Ok(match store.story_meta()? {
        Some(json) => serde_json::from_str(&json).map_err(state_err)?,
        None => ClusterMeta::default(),
    })
}

/// The oldest `last_seen` of the stories [`load`] reads: a window back from the newest
/// time seen, or from `earliest` when that is older.
fn window_since(params: &Params, now: Option<i64>, earliest: Option<i64>) -> Option<i64> {
    let from = match (now, earliest) {
        (Some(n), Some(e)) => Some(n.min(e)),
        (n, e) => n.or(e),
    };
    from.map(|n| n - (params.window_days * 86400.0) as i64)
}

/// Where a story stands in the order the store gives the window in (`last_seen`
/// descending, stories without a time after those with one, then id descending): the
/// larger, the nearer the front.
fn rank(last_seen: Option<i64>, id: u64) -> (bool, i64, u64) {
    (last_seen.is_some(), last_seen.unwrap_or(i64::MIN), id)
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
/// and the counters in one transaction. The clusterer is loaded from the store; an
/// ingest run keeps it across its batches with an [`Assigner`].
pub fn assign_batch(
    store: &mut Store,
    vectors: &Vectors,
    params: &Params,
    batch: &[(Article, Facts)],
) -> Result<Vec<Assignment>, EngineError> {
    Assigner::default().assign_batch(store, vectors, params, batch)
}

/// Story assignment across the batches of one run (one model, one set of parameters).
///
/// Loading the clusterer for every batch ([`load`]) parses the state of every story of
/// the window and sketches it again: about 100 ms for a full window of 5,000 stories,
/// 1.6 ms per article of a batch of 64. The assigner keeps the clusterer in memory
/// between batches instead, and the store stays the truth: before each batch the kept
/// clusterer is put in exactly the state `load` would give ([`Clusterer::settle`]): the
/// stories the store's window query would return, in its order, with the counters and
/// the stories of the last batch as they were written, read back. Where that cannot be
/// known from memory it is loaded from the store as before: when a story that left the
/// kept window could be in the store's (an article older than the window reaches back,
/// a full window has room again after a merge, ties at the cap), or when the counters
/// in the store are not the ones last written (another writer). The state of a batch is
/// kept only once its transaction has committed ([`Assigner::committed`]).
#[derive(Default)]
pub struct Assigner {
    kept: Option<Kept>,
    /// The state after the last batch, until its transaction commits.
    pending: Option<Kept>,
}

struct Kept {
    model: String,
    clusterer: Clusterer,
    /// The counters as written by the last batch.
    meta: String,
    /// The states of the stories the last batch wrote, as written.
    saved: Vec<String>,
    /// The stories of the store outside the kept window that could be in the store's
    /// (merged stories never are): the best rank among those with a time, and the
    /// largest id among those without (`u64::MAX`: unknown, perhaps some).
    gone_timed: Option<(i64, u64)>,
    gone_untimed: Option<u64>,
}

impl Kept {
    /// From the store, as [`load`] reads it, with what is known of the stories beyond.
    fn load(
        store: &Store,
        params: &Params,
        earliest: Option<i64>,
        model: &str,
    ) -> Result<Kept, EngineError> {
        let meta = stored_meta(store)?;
        let since = window_since(params, meta.now, earliest);
        let states = store.active_story_states(since, params.max_active.saturating_add(1))?;
        let mut stories = states
            .iter()
            .map(|s| serde_json::from_str::<StoryState>(s).map_err(state_err))
            .collect::<Result<Vec<_>, _>>()?;
        let mut k = Kept {
            model: model.to_string(),
            clusterer: Clusterer::new(params.clone()),
            meta: String::new(),
            saved: Vec::new(),
            gone_timed: None,
            gone_untimed: None,
        };
        if stories.len() > params.max_active {
            if let Some(next) = stories.pop() {
                match next.last_seen {
                    // Those without a time come after every story with one.
                    Some(t) => k.gone(Some(t), next.id).gone(None, u64::MAX),
                    None => k.gone(None, next.id),
                };
            }
        }
        // Stories older than the window are not read; a later backfill could reach them.
        if let Some(s) = since {
            k.gone(Some(s.saturating_sub(1)), u64::MAX);
        }
        k.clusterer = Clusterer::resume(params.clone(), meta, stories);
        Ok(k)
    }

    /// Counts a story as outside the kept window.
    fn gone(&mut self, last_seen: Option<i64>, id: u64) -> &mut Self {
        match last_seen {
            Some(t) => self.gone_timed = self.gone_timed.max(Some((t, id))),
            None => self.gone_untimed = self.gone_untimed.max(Some(id)),
        }
        self
    }

    /// The state [`load`] would give for a batch whose oldest article is at
    /// `earliest`, or `None` when it cannot be told from memory.
    fn settle(mut self, params: &Params, earliest: Option<i64>) -> Option<Kept> {
        let meta: ClusterMeta = serde_json::from_str(&self.meta).ok()?;
        let saved = self
            .saved
            .iter()
            .map(|s| serde_json::from_str::<StoryState>(s))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let since = window_since(params, meta.now, earliest);
        let in_window = |t: Option<i64>| match (t, since) {
            (Some(t), Some(s)) => t >= s,
            _ => true,
        };
        let mut window: Vec<(Option<i64>, u64)> = self
            .clusterer
            .stories()
            .iter()
            .map(|s| (s.last_seen, s.id))
            .collect();
        window.sort_unstable_by_key(|&(t, id)| std::cmp::Reverse(rank(t, id)));
        let mut ids = Vec::with_capacity(window.len().min(params.max_active));
        let mut left = Vec::new();
        for (t, id) in window {
            if in_window(t) && ids.len() < params.max_active {
                ids.push((t, id));
            } else {
                left.push((t, id));
            }
        }
        // The store's window is the first `max_active` of the kept window's stories and
        // of those gone from it that are in the window's time: the same as the kept
        // ones when none of those gone would come before the last kept one.
        let best_gone = [
            self.gone_timed
                .filter(|&(t, _)| in_window(Some(t)))
                .map(|(t, id)| rank(Some(t), id)),
            self.gone_untimed.map(|id| rank(None, id)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(gone) = best_gone {
            let full = ids.len() >= params.max_active;
            if !full || ids.last().is_some_and(|&(t, id)| rank(t, id) < gone) {
                return None;
            }
        }
        for (t, id) in left {
            self.gone(t, id);
        }
        let ids: Vec<u64> = ids.into_iter().map(|(_, id)| id).collect();
        self.clusterer.settle(meta, &ids, saved);
        self.saved.clear();
        Some(self)
    }
}

impl Assigner {
    /// Assigns the articles of a batch that have no story yet, as [`assign_batch`]
    /// does, with the clusterer kept from the last committed batch where it is the one
    /// the store holds. Within a transaction, call [`Assigner::committed`] once it has
    /// committed.
    pub fn assign_batch(
        &mut self,
        store: &mut Store,
        vectors: &Vectors,
        params: &Params,
        batch: &[(Article, Facts)],
    ) -> Result<Vec<Assignment>, EngineError> {
        self.pending = None;
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
        let params = for_model(params, vectors);
        let kept = match self.kept.take() {
            Some(k) if k.model == vectors.model => {
                let current = store.story_meta()?;
                if current.as_deref() == Some(k.meta.as_str()) {
                    k.settle(&params, earliest)
                } else {
                    None
                }
            }
            _ => None,
        };
        let mut kept = match kept {
            Some(k) => k,
            None => Kept::load(store, &params, earliest, &vectors.model)?,
        };
        let clusterer = &mut kept.clusterer;
        let before: HashMap<u64, Option<i64>> = clusterer
            .stories()
            .iter()
            .map(|s| (s.id, s.last_seen))
            .collect();
        let mut step = StoryStep::default();
        let mut changed: BTreeMap<u64, StoryRecord> = BTreeMap::new();
        let mut merged = HashSet::new();
        let mut out = Vec::new();
        for (_, a, facts) in items {
            let Some(v) = store.vector(&vectors.model, &a.id)? else {
                continue;
            };
            let t = store.title_vector(&vectors.model, &a.id)?;
            let f = features(clusterer, a, facts, (v, t), &vectors.model);
            let asg = clusterer.assign(&f);
            for m in &asg.merged {
                step.merges.push((*m as i64, asg.story as i64));
                changed.remove(m);
                merged.insert(*m);
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
        // Stories that left the window during the batch (by time or by the cap), as
        // they were when they left.
        let now: HashSet<u64> = clusterer.stories().iter().map(|s| s.id).collect();
        let mut left: Vec<(Option<i64>, u64)> = before
            .iter()
            .filter(|(id, _)| !now.contains(id) && !merged.contains(id))
            .map(|(&id, &t)| (changed.get(&id).map_or(t, |r| r.last_seen), id))
            .collect();
        left.extend(
            changed
                .values()
                .filter(|r| !before.contains_key(&(r.id as u64)) && !now.contains(&(r.id as u64)))
                .map(|r| (r.last_seen, r.id as u64)),
        );
        for (t, id) in left {
            kept.gone(t, id);
        }
        step.stories = changed.into_values().collect();
        step.meta = serde_json::to_string(kept.clusterer.meta()).expect("meta serialises");
        store.save_story_step(&step)?;
        kept.meta = std::mem::take(&mut step.meta);
        kept.saved = step.stories.into_iter().map(|r| r.state).collect();
        self.pending = Some(kept);
        Ok(out)
    }

    /// The transaction of the last batch committed: its clusterer is the store's now.
    pub fn committed(&mut self) {
        if let Some(k) = self.pending.take() {
            self.kept = Some(k);
        }
    }
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

/// The explanation in words of an article's assignment ([`why`]'s answer), with the
/// merge that moved it when the story it joined is no longer its story
/// (`parallax why`, `/api/articles/{id}/why`).
pub fn explain(story: i64, evidence: &Evidence) -> String {
    let mut text = evidence.explain();
    if story as u64 != evidence.story {
        text.push_str(&format!(
            "Story {} was later merged; the article is now in story {story}.\n",
            evidence.story
        ));
    }
    text
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

/// One story as a JSON view; a merged story id resolves to the story it went into,
/// whose view then says `merged_from: ID`.
pub fn get(store: &Store, id: i64) -> Result<Option<serde_json::Value>, EngineError> {
    let Some(s) = store.story(id)? else {
        return Ok(None);
    };
    let mut v = crate::views::story(&s);
    if s.id != id {
        v["merged_from"] = serde_json::json!(id);
    }
    Ok(Some(v))
}

/// The versions of a story, in assignment order: what a list shows of each article
/// (id, lang, published, title, standfirst, source).
pub fn versions(
    store: &Store,
    story: &serde_json::Value,
) -> Result<Vec<serde_json::Value>, EngineError> {
    let ids: Vec<ArticleId> = story["articles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str())
        .map(|a| ArticleId(a.to_string()))
        .collect();
    let refs: Vec<&ArticleId> = ids.iter().collect();
    Ok(store
        .summaries(&refs)?
        .into_iter()
        .map(|s| serde_json::to_value(s).expect("summaries serialise"))
        .collect())
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

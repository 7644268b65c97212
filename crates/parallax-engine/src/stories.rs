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
use std::collections::BTreeMap;
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
        let t = store.title_vector(&vectors.model, &a.id)?;
        let f = features(&mut clusterer, a, facts, (v, t), &vectors.model);
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

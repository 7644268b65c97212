//! Search across languages: the store's full-text search (FTS5, diacritics folded)
//! finds the articles that share the query's words, the lead vectors find those that
//! say the same thing in another language, and the two rankings are merged by
//! reciprocal rank fusion.
//!
//! Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) scores a document
//! `sum 1 / (k + rank)` over the lists it appears in, with `k = 60` as in the paper. It
//! needs no calibration between BM25 scores and cosines, which live on unrelated scales;
//! `k` is the paper's constant, not a value fitted here.
//!
//! The vector side is exact brute force over a [`VectorIndex`] held in memory (all lead
//! vectors of one model, contiguous): 10,000 vectors of 384 dimensions are 15 MB and a
//! query scans them in a few milliseconds, which is enough up to about 100,000 articles;
//! an approximate index would go behind the same `nearest` when scale needs it.

use crate::vectors::Vectors;
use crate::EngineError;
use parallax_core::ArticleId;
use parallax_store::Store;
use std::collections::{HashMap, HashSet};

/// The constant of reciprocal rank fusion (the paper's value).
pub const RRF_K: f64 = 60.0;

/// How many candidates each ranking contributes to the fusion, at least.
const CANDIDATES: usize = 50;

/// The lead vectors of one model, in memory, for exact nearest-neighbour search.
#[derive(Debug, Clone, Default)]
pub struct VectorIndex {
    model: String,
    dim: usize,
    ids: Vec<ArticleId>,
    known: HashSet<ArticleId>,
    data: Vec<f32>,
}

impl VectorIndex {
    /// Every lead vector of `model` in the store.
    pub fn load(store: &Store, model: &str) -> Result<VectorIndex, EngineError> {
        let mut index = VectorIndex {
            model: model.to_string(),
            ..VectorIndex::default()
        };
        for (id, v) in store.lead_vectors(model)? {
            index.push(id, &v);
        }
        Ok(index)
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

/// One search result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub id: ArticleId,
    /// The fused score: higher is better.
    pub score: f64,
    /// 1-based rank in the full-text results, if it was among them.
    pub text_rank: Option<usize>,
    /// 1-based rank in the vector results, if it was among them.
    pub vector_rank: Option<usize>,
    /// Cosine of the article's lead vector with the query's, if computed.
    pub cosine: Option<f32>,
}

/// Merges rankings by reciprocal rank fusion: best first, ties by id.
pub fn fuse(text: &[ArticleId], vector: &[(ArticleId, f32)], limit: usize) -> Vec<Hit> {
    let mut hits: HashMap<&ArticleId, Hit> = HashMap::new();
    for (i, id) in text.iter().enumerate() {
        let h = hits.entry(id).or_insert_with(|| blank(id));
        h.text_rank = Some(i + 1);
        h.score += 1.0 / (RRF_K + (i + 1) as f64);
    }
    for (i, (id, cos)) in vector.iter().enumerate() {
        let h = hits.entry(id).or_insert_with(|| blank(id));
        h.vector_rank = Some(i + 1);
        h.cosine = Some(*cos);
        h.score += 1.0 / (RRF_K + (i + 1) as f64);
    }
    let mut out: Vec<Hit> = hits.into_values().collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    out.truncate(limit);
    out
}

fn blank(id: &ArticleId) -> Hit {
    Hit {
        id: id.clone(),
        score: 0.0,
        text_rank: None,
        vector_rank: None,
        cosine: None,
    }
}

/// Searches the store: full text, and the vectors when a model and its index are given
/// (the query embedded like the leads), fused; at most `limit` hits.
pub fn search(
    store: &Store,
    vectors: Option<(&Vectors, &VectorIndex)>,
    query: &str,
    limit: usize,
) -> Result<Vec<Hit>, EngineError> {
    let depth = limit.max(CANDIDATES);
    let text: Vec<ArticleId> = store
        .search_text(query, depth)?
        .into_iter()
        .map(|h| h.id)
        .collect();
    let near = match vectors {
        Some((v, index)) if !query.trim().is_empty() && !index.is_empty() => {
            let q = v.embed(&[query])?;
            index.nearest(&q[0], depth)
        }
        _ => Vec::new(),
    };
    Ok(fuse(&text, &near, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ArticleId {
        ArticleId(s.into())
    }

    #[test]
    fn fusion_rewards_agreement_between_the_rankings() {
        let text = [id("a"), id("b")];
        let vector = [(id("c"), 0.9), (id("b"), 0.8)];
        let hits = fuse(&text, &vector, 10);
        let order: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        // b is in both lists; a and c each first in one (tie, broken by id).
        assert_eq!(order, ["b", "a", "c"]);
        assert_eq!(hits[0].text_rank, Some(2));
        assert_eq!(hits[0].vector_rank, Some(2));
        assert_eq!(hits[0].cosine, Some(0.8));
        assert!((hits[0].score - 2.0 / 62.0).abs() < 1e-12);
        assert_eq!(hits[2].text_rank, None);
        assert_eq!(fuse(&text, &vector, 1).len(), 1);
        assert!(fuse(&[], &[], 5).is_empty());
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
    }
}

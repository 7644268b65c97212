//! Story assignment, the heart of parallax: articles arrive in publication order, in any
//! language, and each joins the story it reports or starts a new one.
//!
//! - [`features`]: what is known of an article (lead vector, names, figures, dates,
//!   time, language) and the evidence between two sides (centred cosine, shared names,
//!   numbers and dates, the time gap with decay).
//! - [`params`]: the pair model, the new-story classifier and the thresholds, fitted
//!   by [`fit`] on labelled data; the fitted defaults are built in.
//! - [`clusterer`]: the online [`Clusterer`]: a window of active stories by time, bounded
//!   in size, so the cost per article does not grow with the number of articles stored;
//!   within it a shortlist by sign sketch ([`index`]) before the exact cosine; centroid
//!   update, merge of converging stories, and an [`Evidence`] for every assignment with
//!   [`Evidence::explain`].
//! - [`index`]: the sign sketches (random hyperplanes) and the Hamming shortlist.
//! - [`metrics`]: pairwise and BCubed precision, recall and F1 (overall, cross-lingual,
//!   per language pair), Pearson and Spearman.
//!
//! Pure: no IO, no threads.

pub mod clusterer;
pub mod features;
pub mod fit;
pub mod index;
pub mod metrics;
pub mod params;

pub use clusterer::{
    Assignment, Candidate, ClusterMeta, Clusterer, Evidence, SearchAudit, StoryState,
};
pub use features::{ArticleFeatures, PairFeatures};
pub use params::Params;

/// What went wrong in story assignment.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("story parameters: {0}")]
    Params(String),
    #[error("story state: {0}")]
    State(String),
    #[error("fitting: {0}")]
    Fit(String),
}

//! Article vectors: which text of an article is embedded, with which model, and the
//! step of the pipeline that embeds the articles of a batch that have no vector yet
//! (new ones, and those an interrupted run stored without one).

use crate::EngineError;
use parallax_core::{Article, ArticleId};
use parallax_embed::{Embedder, Prefix};
use parallax_store::Store;
use std::sync::Arc;

/// The lead of an article is embedded up to this many tokens: title, standfirst and the
/// paragraphs that follow, the model's whole input (512 positions, two of them the
/// special tokens), which holds the whole of a typical news article. Measured on the
/// SemEval-2022 developer pairs, the whole text predicts the graded similarity better
/// than the first 128 tokens (docs/evaluation.md).
pub const LEAD_TOKENS: usize = 510;

/// A title is embedded up to this many tokens (headlines are a tenth of it; the cap
/// only bounds the cost of a text whose "title" is a paragraph).
pub const TITLE_TOKENS: usize = 64;

/// The vectors made for one article: its lead and, when it has a title, its title.
#[derive(Debug, Clone)]
pub struct Made {
    pub id: ArticleId,
    pub lead: Vec<f32>,
    pub title: Option<Vec<f32>>,
}

/// An embedding model and the key its vectors are stored under.
#[derive(Clone)]
pub struct Vectors {
    pub embedder: Arc<Embedder>,
    /// Names the model in the store, so vectors of two models never meet.
    pub model: String,
}

/// At most this many bytes of text are tokenised to find the lead, so that a huge
/// first paragraph is not tokenised whole; 32 bytes a token is far more than news text
/// needs (about 4 to 6).
const LEAD_BYTES: usize = LEAD_TOKENS * 32;

impl Vectors {
    /// Wraps a loaded model; `name` (the model file or folder name) goes into the key
    /// its vectors are stored under.
    pub fn new(embedder: Embedder, name: &str) -> Self {
        let kind = match &embedder {
            Embedder::E5Quantized(_) => "e5-quantized",
            Embedder::Bert(_) => "bert",
            Embedder::Hash(_) => "hash",
        };
        // The lead's length is part of the key: vectors of different text lengths are
        // different spaces for the fitted parameters.
        let model = format!("{kind}:{name}:{}:lead{LEAD_TOKENS}", embedder.dim());
        Vectors {
            embedder: Arc::new(embedder),
            model,
        }
    }

    /// The text whose vector stands for the article: title, standfirst and the first
    /// paragraphs, cut at [`LEAD_TOKENS`] tokens.
    pub fn lead_text(&self, a: &Article) -> String {
        let mut text = String::new();
        for b in a.blocks() {
            if b.kind == parallax_core::BlockKind::Caption {
                continue;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(b.text);
            if text.len() >= LEAD_BYTES {
                let mut end = LEAD_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                break;
            }
        }
        self.embedder
            .truncate_to_tokens(&text, LEAD_TOKENS)
            .to_string()
    }

    /// Embeds texts as queries (the symmetric setting that separates stories best).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EngineError> {
        Ok(self.embedder.embed(texts, Prefix::Query)?)
    }

    /// The text of an article's title vector: its title, cut at [`TITLE_TOKENS`]
    /// tokens; `None` when it has no title.
    pub fn title_text<'a>(&self, a: &'a Article) -> Option<&'a str> {
        let t = a.title.as_deref()?.trim();
        (!t.is_empty()).then(|| self.embedder.truncate_to_tokens(t, TITLE_TOKENS))
    }

    /// Embeds and stores the lead vectors of those articles that have none yet.
    pub fn embed_missing(&self, store: &mut Store, batch: &[&Article]) -> Result<(), EngineError> {
        let made = self.embed_new(store, batch)?;
        self.put(store, &made)
    }

    /// The lead vectors of those articles that have none stored yet, made but not
    /// stored (ingest stores them in the batch's transaction, with [`Vectors::put`]).
    /// With each lead comes the article's title vector, embedded in the same call.
    pub fn embed_new(&self, store: &Store, batch: &[&Article]) -> Result<Vec<Made>, EngineError> {
        let ids: Vec<&ArticleId> = batch.iter().map(|a| &a.id).collect();
        let missing = store.missing_vectors(&self.model, &ids)?;
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        // An article read twice in one batch is embedded once.
        let mut seen = std::collections::HashSet::new();
        let todo: Vec<&Article> = batch
            .iter()
            .copied()
            .filter(|a| missing.contains(&a.id) && seen.insert(&a.id))
            .collect();
        let texts: Vec<String> = todo.iter().map(|a| self.lead_text(a)).collect();
        let titles: Vec<Option<&str>> = todo.iter().map(|a| self.title_text(a)).collect();
        let mut refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        refs.extend(titles.iter().flatten());
        let mut vecs = self.embed(&refs)?.into_iter();
        let leads: Vec<Vec<f32>> = vecs.by_ref().take(todo.len()).collect();
        Ok(todo
            .iter()
            .zip(leads)
            .zip(&titles)
            .map(|((a, lead), t)| Made {
                id: a.id.clone(),
                lead,
                title: t.and_then(|_| vecs.next()),
            })
            .collect())
    }

    /// Stores lead vectors made by [`Vectors::embed_new`].
    pub fn put(&self, store: &mut Store, made: &[Made]) -> Result<(), EngineError> {
        if made.is_empty() {
            return Ok(());
        }
        let pairs: Vec<(&ArticleId, &[f32])> =
            made.iter().map(|m| (&m.id, m.lead.as_slice())).collect();
        store.put_vectors(&self.model, &pairs)?;
        let titles: Vec<(&ArticleId, &[f32])> = made
            .iter()
            .filter_map(|m| Some((&m.id, m.title.as_deref()?)))
            .collect();
        if !titles.is_empty() {
            store.put_title_vectors(&self.model, &titles)?;
        }
        Ok(())
    }

    /// The sentence vectors of an article: read from the store, or computed and
    /// stored on first use.
    pub fn sentence_vectors(
        &self,
        store: &mut Store,
        a: &Article,
    ) -> Result<Vec<Vec<f32>>, EngineError> {
        if let Some(v) = store.sentence_vectors(&self.model, &a.id)? {
            if v.len() == a.sentences.len() {
                return Ok(v);
            }
        }
        let text = a.text();
        let sentences: Vec<&str> = a.sentences.iter().map(|s| &text[s.start..s.end]).collect();
        let vecs = self.embedder.embed(&sentences, Prefix::Query)?;
        store.put_sentence_vectors(&self.model, &a.id, &vecs)?;
        Ok(vecs)
    }
}

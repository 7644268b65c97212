//! Comparing the versions of a story: loads the articles (ids or unambiguous prefixes)
//! with their facts and sentence vectors from the store (sentence vectors are computed
//! and stored on first use), embeds the quotes, and runs `parallax-compare` with its
//! fitted parameters. [`view`] is the JSON the CLI (and later the server) prints.

use crate::vectors::Vectors;
use crate::EngineError;
use parallax_compare::{Params, SentenceIn, Version};
use parallax_core::facts::Span;
use parallax_core::Article;
use parallax_store::Store;

pub use parallax_compare::figures::{source_words, written};
pub use parallax_compare::{Comparison, Difference, DifferenceKind, FigureItem, Relation, Row};

/// The loaded articles and the comparison of them.
pub struct Compared {
    pub articles: Vec<Article>,
    pub comparison: Comparison,
}

/// Loads the articles named by `ids` (ids or prefixes) and compares them; copies of
/// one text are one version with all their sources. `story` names
/// the comparison in the output; empty, it is the full article ids joined by `+`.
pub fn compare(
    store: &mut Store,
    vectors: &Vectors,
    story: &str,
    ids: &[String],
) -> Result<Compared, EngineError> {
    // Copies (the same text from another file or outlet) are one version: the first
    // stored of them stands for all, and lists every one as a source.
    let mut articles: Vec<Article> = Vec::new();
    for id in ids {
        let a = store.article(id)?.ok_or_else(|| EngineError::Input {
            path: id.clone(),
            message: "no article with this id".into(),
        })?;
        let original = store
            .originals(&[a.id.as_str()])?
            .pop()
            .unwrap_or_else(|| a.id.to_string());
        let a = if original == a.id.as_str() {
            a
        } else {
            store.article(&original)?.unwrap_or(a)
        };
        if articles.iter().all(|x| x.id != a.id) {
            articles.push(a);
        }
    }
    let mut versions = Vec::with_capacity(articles.len());
    for a in &articles {
        let mut sources = vec![source_of(a)];
        for copy in store.copies(a.id.as_str())? {
            if let Some(c) = store.article(&copy)? {
                sources.push(source_of(&c));
            }
        }
        let facts = store.facts(&a.id)?.unwrap_or_default();
        let sentence_vectors = vectors.sentence_vectors(store, a)?;
        let quotes: Vec<&str> = facts.quotes.iter().map(|q| q.text.as_str()).collect();
        let quote_vectors = if quotes.is_empty() {
            Vec::new()
        } else {
            vectors.embed(&quotes)?
        };
        let text = a.text();
        versions.push(Version {
            article: a.id.to_string(),
            lang: a.lang.clone().unwrap_or_default(),
            title: a.title.clone(),
            sentences: a
                .sentences
                .iter()
                .map(|s| SentenceIn {
                    span: Span::new(s.start, s.end),
                    text: text[s.start..s.end].to_string(),
                })
                .collect(),
            facts,
            vectors: sentence_vectors,
            quote_vectors,
            sources,
        });
    }
    let name = if story.is_empty() {
        versions
            .iter()
            .map(|v| v.article.as_str())
            .collect::<Vec<_>>()
            .join("+")
    } else {
        story.to_string()
    };
    let comparison = parallax_compare::compare(&name, &versions, &Params::fitted())?;
    Ok(Compared {
        articles,
        comparison,
    })
}

/// Where one article of a version was published.
fn source_of(a: &Article) -> parallax_compare::VersionSource {
    parallax_compare::VersionSource {
        article: a.id.to_string(),
        source: a.source.clone(),
        url: a.url.clone(),
        published: a.published.map(|p| p.to_string()),
        credit: a.credit.clone(),
    }
}

/// The comparison as JSON: `{story, versions, shared, only_in, figures, quotes}`.
pub fn view(c: &Comparison) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

/// Which versions of a story to compare: article ids (or prefixes) and languages; both
/// empty, every version.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub versions: Vec<String>,
    pub langs: Vec<String>,
}

impl Selection {
    /// The articles of `ids` (full ids, with their languages) the selection keeps.
    pub fn keep<'a>(&self, ids: &'a [(String, Option<String>)]) -> Vec<&'a str> {
        ids.iter()
            .filter(|(id, lang)| {
                (self.versions.is_empty()
                    || self.versions.iter().any(|p| id.starts_with(p.as_str())))
                    && (self.langs.is_empty()
                        || lang
                            .as_deref()
                            .is_some_and(|l| self.langs.iter().any(|x| x.eq_ignore_ascii_case(l))))
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

/// The figures of [`eval_parallel`]: clusters of an article and its translations,
/// compared whole, where the right answer is known (every sentence has a counterpart in
/// the segment of the same number in every other version).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ParallelReport {
    pub clusters: usize,
    pub versions: usize,
    pub sentences: usize,
    /// Sentences in rows where their version has at most two sentences.
    pub in_tight_rows: usize,
    /// Sentences in rows with more than one version.
    pub aligned: usize,
    /// Sentence pairs (two versions, one row) whose segments are the same: right.
    pub pairs_right: usize,
    pub pairs: usize,
    /// The largest number of sentences of one version in one row.
    pub max_per_version: usize,
    /// Figure groups per relation.
    pub figure_groups: std::collections::BTreeMap<String, usize>,
    /// Version pairs scored by the alignment against all version pairs there are.
    pub version_pairs_scored: usize,
    pub version_pairs: usize,
    pub per_cluster: Vec<ParallelCluster>,
}

/// One cluster of [`ParallelReport`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParallelCluster {
    pub cluster: String,
    pub langs: Vec<String>,
    pub sentences: usize,
    pub in_tight_rows: usize,
    pub aligned: usize,
    pub pairs_right: usize,
    pub pairs: usize,
    pub conflicts: usize,
    /// The figure groups marked conflict, with their figures and sentences.
    pub conflict_groups: Vec<parallax_compare::FigureGroup>,
}

impl ParallelReport {
    pub fn tight_share(&self) -> f64 {
        share(self.in_tight_rows, self.sentences)
    }
    pub fn aligned_share(&self) -> f64 {
        share(self.aligned, self.sentences)
    }
    pub fn pair_precision(&self) -> f64 {
        share(self.pairs_right, self.pairs)
    }
    pub fn conflicts(&self) -> usize {
        self.figure_groups.get("conflict").copied().unwrap_or(0)
    }
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// `parallax eval compare`: reads JSON Lines of parallel articles (an original and its
/// translations share a `cluster` field; each line of `text` is one segment, and the
/// segments of a cluster correspond line for line), keeps the clusters with at least
/// `min_versions` versions (the first `max_clusters` in file order), ingests them into a
/// fresh in-memory store (or the `cache` store file) with each segment as its own paragraph (so a sentence's block
/// names its segment: the title is block 0), and compares each cluster whole with the
/// fitted parameters.
pub fn eval_parallel(
    path: &std::path::Path,
    vectors: &Vectors,
    min_versions: usize,
    max_clusters: usize,
    cache: Option<&std::path::Path>,
) -> Result<ParallelReport, EngineError> {
    let input = |message: String| EngineError::Input {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| input(format!("cannot read: {e}")))?;
    let mut order: Vec<String> = Vec::new();
    let mut lines: std::collections::HashMap<String, Vec<serde_json::Value>> =
        std::collections::HashMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let mut v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| input(format!("line {}: {e}", n + 1)))?;
        let Some(cluster) = v.get("cluster").and_then(|c| c.as_str()).map(String::from) else {
            return Err(input(format!("line {}: no cluster field", n + 1)));
        };
        if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
            let segments = t.replace("\r\n", "\n").replace('\n', "\n\n");
            v["text"] = serde_json::Value::String(segments);
        }
        if !lines.contains_key(&cluster) {
            order.push(cluster.clone());
        }
        lines.entry(cluster).or_default().push(v);
    }
    let chosen: Vec<String> = order
        .into_iter()
        .filter(|c| lines[c].len() >= min_versions)
        .take(max_clusters)
        .collect();
    let body: String = chosen
        .iter()
        .flat_map(|c| &lines[c])
        .map(|v| format!("{v}\n"))
        .collect();
    // A cache file keeps the articles and their sentence vectors between runs; the facts
    // are rewritten by every ingest, so a change to their extraction is measured.
    let mut store = match cache {
        Some(p) => Store::open(p)?,
        None => Store::open_in_memory()?,
    };
    let config = crate::IngestConfig {
        format: Some(crate::Format::Jsonl),
        ..crate::IngestConfig::default()
    };
    crate::ingest_str(
        &mut store,
        &path.display().to_string(),
        &body,
        &config,
        &mut |_| {},
    )?;
    let mut by_cluster: std::collections::BTreeMap<String, Vec<Article>> = Default::default();
    for a in store.articles(&parallax_store::ArticleFilter::default())? {
        if let Some(c) = a.metadata.get("cluster").and_then(|c| c.as_str()) {
            by_cluster.entry(c.to_string()).or_default().push(a);
        }
    }
    let mut report = ParallelReport::default();
    for cluster in &chosen {
        let Some(articles) = by_cluster.get(cluster) else {
            continue;
        };
        let ids: Vec<String> = articles.iter().map(|a| a.id.to_string()).collect();
        let compared = compare(&mut store, vectors, cluster, &ids)?;
        let c = &compared.comparison;
        let block = |article: &str, index: usize| {
            compared
                .articles
                .iter()
                .find(|a| a.id.as_str() == article)
                .and_then(|a| a.sentences.get(index))
                .map(|s| s.block)
        };
        let mut one = ParallelCluster {
            cluster: cluster.clone(),
            langs: c.versions.iter().map(|v| v.lang.clone()).collect(),
            sentences: compared.articles.iter().map(|a| a.sentences.len()).sum(),
            in_tight_rows: 0,
            aligned: 0,
            pairs_right: 0,
            pairs: 0,
            conflicts: c
                .figures
                .iter()
                .filter(|g| g.relation == Relation::Conflict)
                .count(),
            conflict_groups: c
                .figures
                .iter()
                .filter(|g| g.relation == Relation::Conflict)
                .cloned()
                .collect(),
        };
        for row in c.rows() {
            let versions_in = row.cells.iter().filter(|x| !x.is_empty()).count();
            for (v, cell) in row.cells.iter().enumerate() {
                report.max_per_version = report.max_per_version.max(cell.len());
                if cell.len() <= 2 {
                    one.in_tight_rows += cell.len();
                }
                if versions_in > 1 {
                    one.aligned += cell.len();
                }
                for w in v + 1..row.cells.len() {
                    for &i in cell {
                        for &j in &row.cells[w] {
                            one.pairs += 1;
                            let (a, b) = (&c.versions[v].article, &c.versions[w].article);
                            if block(a, i).is_some() && block(a, i) == block(b, j) {
                                one.pairs_right += 1;
                            }
                        }
                    }
                }
            }
        }
        for g in &c.figures {
            *report
                .figure_groups
                .entry(g.relation.as_str().to_string())
                .or_default() += 1;
        }
        let n = c.versions.len();
        report.version_pairs += n * (n - 1) / 2;
        report.version_pairs_scored += c.pairs_scored;
        report.clusters += 1;
        report.versions += n;
        report.sentences += one.sentences;
        report.in_tight_rows += one.in_tight_rows;
        report.aligned += one.aligned;
        report.pairs_right += one.pairs_right;
        report.pairs += one.pairs;
        report.per_cluster.push(one);
    }
    Ok(report)
}

//! The work log (issue 18): the pipeline of [`crate::ingest`] cut in three, for a log
//! between them (NATS JetStream; the transport is in `parallax-cli`):
//!
//! - [`publish`] (`parallax ingest --to`) reads the inputs as `ingest` reads them and
//!   hands on each record (one article as read, before analysis: its JSON, with the
//!   file and record it came from), in batches cut exactly where `ingest` cuts its
//!   transactions ([`IngestConfig::batch_size`] articles or
//!   [`IngestConfig::batch_bytes`] of text). Every record carries its batch (a run id,
//!   the batch's number in the run, and how many records it holds).
//! - [`store_records`] (`parallax worker`, any number) analyses, embeds and stores the
//!   records it is given, one transaction for them all; the worker acknowledges them
//!   only after it returns.
//! - [`assign_stored`] (`parallax assign`, one) assigns the stories of one batch of the
//!   log, read back from the store, with [`stories::Assigner`] as `ingest` does after
//!   each of its transactions, and writes its position in the log in the same
//!   transaction. Taking the batches in the log's order gives the stories `ingest`
//!   gives for the same inputs into one store.

use crate::stories::Assigner;
use crate::vectors::Vectors;
use crate::{analyse, EngineError, Event, IngestConfig, Input, StageTimes};
use parallax_core::facts::Facts;
use parallax_core::{Article, ArticleId, Diagnostic};
use parallax_ingest::Item;
use parallax_store::{Outcome, Store};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The header with the file a record was read from (`-`: standard input).
pub const FILE_HEADER: &str = "Parallax-File";
/// The header with the record's 1-based number in its file.
pub const RECORD_HEADER: &str = "Parallax-Record";
/// The header with the record's batch: `RUN.N`, the run of `ingest --to` and the
/// batch's number in it.
pub const BATCH_HEADER: &str = "Parallax-Batch";
/// The header with the number of records of the batch.
pub const BATCH_SIZE_HEADER: &str = "Parallax-Batch-Size";

/// Bytes of a message left for its headers and subject, below the server's limit.
pub const HEADER_ROOM: usize = 1024;

/// One record for the log: an article as read (not analysed), as JSON.
#[derive(Debug, Clone)]
pub struct Record {
    pub file: String,
    pub record: Option<u64>,
    pub id: ArticleId,
    pub body: Vec<u8>,
}

/// A batch of records, cut as `ingest` cuts its transactions.
#[derive(Debug)]
pub struct Batch {
    /// `RUN.N`.
    pub key: String,
    pub records: Vec<Record>,
}

/// What [`publish`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PublishReport {
    /// Records read: published + rejected.
    pub read: u64,
    pub published: u64,
    /// Records or files rejected (bad input, or a record above the log's limit).
    pub rejected: u64,
    pub warnings: u64,
    pub skipped_files: u64,
    pub batches: u64,
    pub interrupted: bool,
}

impl PublishReport {
    /// `3 read, 3 published, 0 rejected`
    pub fn summary(&self) -> String {
        format!(
            "{} read, {} published, {} rejected",
            self.read, self.published, self.rejected
        )
    }
}

/// A run id for the batch keys: unique per run of `ingest --to` (the time in
/// nanoseconds and the process id), so that batches of two runs never meet.
pub fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

/// The bytes of article text a batch counts (as `ingest`'s batcher counts them).
fn text_bytes(a: &Article) -> usize {
    a.blocks().iter().map(|b| b.text.len()).sum()
}

/// Reads the inputs as [`crate::ingest`] does (the same walk of folders, the same
/// readers and diagnostics) and hands each batch to `send`, in order. A record whose
/// JSON is longer than `max_record` bytes is rejected with a diagnostic naming its file
/// and record, and left out of its batch; the others go on. An error of `send` stops
/// the run and is returned.
pub fn publish(
    inputs: &[Input],
    config: &IngestConfig,
    max_record: usize,
    stop: &AtomicBool,
    on: &mut dyn FnMut(Event),
    send: &mut dyn FnMut(Batch) -> Result<(), EngineError>,
) -> Result<PublishReport, EngineError> {
    let mut report = PublishReport::default();
    let mut problems = Vec::new();
    let files = crate::plan(inputs, on, &mut report.skipped_files, &mut problems);
    on(Event::Planned {
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b).sum(),
    });
    let diagnostic = |report: &mut PublishReport, on: &mut dyn FnMut(Event), d: Diagnostic| {
        if d.is_error() {
            report.rejected += 1;
            report.read += 1;
        } else {
            report.warnings += 1;
        }
        on(Event::Diagnostic(&d));
    };
    for d in problems {
        diagnostic(&mut report, on, d);
    }
    let run = run_id();
    let mut batch: Vec<Record> = Vec::new();
    let mut text = 0usize;
    // Articles counted in the batch as `ingest` counts them (a record too large for the
    // log is counted where it was read, so that the cuts stay where `ingest` makes them).
    let mut counted = 0usize;
    let mut failure: Option<EngineError> = None;
    let mut flush =
        |batch: &mut Vec<Record>, report: &mut PublishReport, failure: &mut Option<EngineError>| {
            if batch.is_empty() || failure.is_some() {
                batch.clear();
                return;
            }
            let records = std::mem::take(batch);
            let n = records.len() as u64;
            let key = format!("{run}.{}", report.batches + 1);
            match send(Batch { key, records }) {
                Ok(()) => {
                    report.batches += 1;
                    report.published += n;
                    report.read += n;
                }
                Err(e) => *failure = Some(e),
            }
        };
    for (input, bytes) in files {
        if stop.load(Ordering::Relaxed) || failure.is_some() {
            break;
        }
        let mut sink = |item: Item| {
            if stop.load(Ordering::Relaxed) || failure.is_some() {
                return;
            }
            match item {
                Item::Article(a) => {
                    text += text_bytes(&a);
                    counted += 1;
                    let body = serde_json::to_vec(&*a).expect("articles serialise");
                    let file = a.source_path.clone().unwrap_or_else(|| "-".into());
                    if body.len() > max_record {
                        let mut d = Diagnostic::error(
                            &file,
                            format!(
                                "the record is {} bytes, more than the {max_record} a message of the work log may hold (the NATS server's max_payload, {}, less {HEADER_ROOM} for the headers); it was not published (raise max_payload in the server's configuration to publish it)",
                                body.len(),
                                max_record + HEADER_ROOM
                            ),
                        );
                        d.record = a.source_record;
                        diagnostic(&mut report, on, d);
                    } else {
                        batch.push(Record {
                            file,
                            record: a.source_record,
                            id: a.id.clone(),
                            body,
                        });
                    }
                    if counted >= config.batch_size || text >= config.batch_bytes {
                        flush(&mut batch, &mut report, &mut failure);
                        counted = 0;
                        text = 0;
                    }
                }
                Item::Diagnostic(d) => diagnostic(&mut report, on, d),
            }
        };
        let name = crate::read_input(&input, config.format, &mut sink);
        on(Event::FileDone { path: &name, bytes });
    }
    if !stop.load(Ordering::Relaxed) {
        flush(&mut batch, &mut report, &mut failure);
    }
    if let Some(e) = failure {
        return Err(e);
    }
    report.interrupted = stop.load(Ordering::Relaxed);
    Ok(report)
}

/// A record of the log read back: the article, or a diagnostic naming the file and
/// record its headers give (the body is not an article).
pub fn decode(file: &str, record: Option<u64>, body: &[u8]) -> Result<Article, Diagnostic> {
    let bad = |why: String| {
        let mut d = Diagnostic::error(file, why);
        d.record = record;
        d
    };
    let a: Article = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the log's message is not an article record: {e}")))?;
    if a.id != a.content_id() {
        return Err(bad(format!(
            "the log's message says its article is {} but its content is {}",
            a.id,
            a.content_id()
        )));
    }
    Ok(a)
}

/// Analyses, embeds and stores articles read from the log, in one transaction
/// (articles, facts and vectors together; no stories: those are [`assign_stored`]'s).
/// The findings of the analysis go to `on`, as in `ingest`.
pub fn store_records(
    store: &mut Store,
    vectors: &Vectors,
    articles: Vec<Article>,
    timings: Option<&StageTimes>,
    on: &mut dyn FnMut(Event),
) -> Result<Vec<Outcome>, EngineError> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    let t = std::time::Instant::now();
    let (analysed, diagnostics): (Vec<(Article, Facts)>, Vec<Vec<Diagnostic>>) =
        articles.into_par_iter().map(analyse).unzip();
    if let Some(times) = timings {
        StageTimes::add(&times.analyse, t);
    }
    for d in diagnostics.iter().flatten() {
        on(Event::Diagnostic(d));
    }
    let batch: Vec<&Article> = analysed.iter().map(|(a, _)| a).collect();
    let t = std::time::Instant::now();
    let made = vectors.embed_new(store, &batch)?;
    if let Some(times) = timings {
        StageTimes::add(&times.embed, t);
    }
    let t = std::time::Instant::now();
    let outcomes = store.in_batch(|store| -> Result<_, EngineError> {
        let outcomes = store.write_batch(&analysed)?;
        vectors.put(store, &made)?;
        Ok(outcomes)
    })?;
    if let Some(times) = timings {
        StageTimes::add(&times.store, t);
    }
    Ok(outcomes)
}

/// Which of `ids` are not stored yet.
pub fn not_stored(store: &Store, ids: &[&ArticleId]) -> Result<Vec<ArticleId>, EngineError> {
    let mut out = Vec::new();
    for id in ids {
        if !store.contains(id)? {
            out.push((*id).clone());
        }
    }
    Ok(out)
}

/// Assigns the stories of one batch of the log (`ids`, in the log's order, every one
/// stored), read back from the store with their facts, as `ingest` assigns a batch
/// after its transaction; writes `position` as the assigner's place in the log `log`
/// in the same transaction. Returns how many articles were assigned.
pub fn assign_stored(
    store: &mut Store,
    assigner: &mut Assigner,
    vectors: &Vectors,
    params: &parallax_cluster::Params,
    ids: &[ArticleId],
    (log, position): (&str, &str),
) -> Result<usize, EngineError> {
    let mut batch = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(a) = store.article(id.as_str())? else {
            return Err(EngineError::Stories(format!(
                "article {id} of the log is not in the store"
            )));
        };
        let facts = store.facts(id)?.unwrap_or_default();
        batch.push((a, facts));
    }
    let assigned = store.in_batch(|store| -> Result<_, EngineError> {
        let out = assigner.assign_batch(store, vectors, params, &batch)?;
        store.set_worklog_position(log, position)?;
        Ok(out.len())
    })?;
    assigner.committed();
    Ok(assigned)
}

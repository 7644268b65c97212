//! The parallax pipeline. [`ingest`] walks the inputs, reads each file with
//! `parallax-ingest` and analyses each batch of articles in parallel with
//! `parallax-text` (rayon) on a reading thread, one batch ahead of the single writer,
//! which embeds each batch and writes it to the store, one transaction per batch, and
//! assigns its stories with a clusterer kept across the batches
//! ([`stories::Assigner`]). A stop flag (Ctrl-C) ends the run after the batches read
//! are committed; ids are content-derived, so a re-run completes what an interrupted or
//! crashed run left.
//!
//! [`views`] builds the JSON objects that the CLI and the server print.

pub mod compare;
pub mod eval;
pub mod eval_facts;
pub mod eval_queries;
pub mod reports;
pub mod search;
pub mod stories;
pub mod vectors;
pub mod views;
pub mod worklog;

use parallax_core::facts::Facts;
use parallax_core::{Article, Diagnostic};
use parallax_ingest::Item;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub use parallax_cluster::Params as StoryParams;
pub use parallax_embed::{self as embed, EmbedOptions, Embedder, Prefix};
pub use parallax_ingest::{extraction_eval, Format};
pub use parallax_store::{
    display_location, is_postgres_url, ArticleFilter, ArticleSummary, Outcome, Store, StoreError,
    StoryFilter,
};

/// The ISO 639-1 codes of the languages the detector knows.
pub fn known_languages() -> Vec<String> {
    parallax_text::lang::supported()
}

/// File name endings read when walking a folder. A file named on the command line is
/// read whatever its name.
pub const INPUT_EXTENSIONS: &[&str] = &[
    "txt", "text", "jsonl", "ndjson", "html", "htm", "xhtml", "rss", "atom", "xml", "warc",
    "warc.gz", "html.gz", "htm.gz",
];

/// What went wrong in the pipeline as a whole (bad input is never an error here: it is
/// a [`Diagnostic`]).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error(transparent)]
    Embed(#[from] parallax_embed::EmbedError),
    #[error(transparent)]
    Compare(#[from] parallax_compare::CompareError),
    #[error("stories: {0}")]
    Stories(String),
    /// The work log (`ingest --to`, `worker`, `assign`): its server or its messages.
    #[error("work log {0}")]
    Log(String),
}

/// One input: a file or folder, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    /// `-` is standard input; anything else a path.
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// How to ingest.
#[derive(Clone)]
pub struct IngestConfig {
    /// Force a format instead of sniffing each file.
    pub format: Option<Format>,
    /// Articles per transaction.
    pub batch_size: usize,
    /// Bytes of article text per transaction: a batch is written when it holds
    /// `batch_size` articles or this much text, whichever comes first, so memory stays
    /// bounded when records are long (64 records of the 8 MiB record limit would
    /// otherwise be half a gigabyte held at once).
    pub batch_bytes: usize,
    /// The embedding model; without one, articles are stored without vectors.
    pub vectors: Option<vectors::Vectors>,
    /// Story assignment parameters (a file `parallax eval fit` wrote); `None` for the
    /// built-in fitted defaults. Stories are assigned only when `vectors` is set.
    pub story_params: Option<std::sync::Arc<parallax_cluster::Params>>,
    /// Where to add the time each stage of a batch takes (`parallax bench ingest`).
    pub timings: Option<std::sync::Arc<StageTimes>>,
}

/// Time spent in each stage of the batches of an ingest, added up (nanoseconds, shared
/// between threads). Reading and parsing the inputs is what the ingest's wall time
/// leaves after these.
#[derive(Debug, Default)]
pub struct StageTimes {
    /// Language, sentences, date line and facts (parallel over the batch).
    pub analyse: std::sync::atomic::AtomicU64,
    /// Writing articles and facts.
    pub store: std::sync::atomic::AtomicU64,
    /// Computing and writing lead vectors.
    pub embed: std::sync::atomic::AtomicU64,
    /// Story assignment and its writes.
    pub assign: std::sync::atomic::AtomicU64,
}

impl StageTimes {
    fn add(counter: &std::sync::atomic::AtomicU64, since: std::time::Instant) {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        counter.fetch_add(ns, Ordering::Relaxed);
    }

    /// Seconds per stage: analyse, store, embed, assign.
    pub fn seconds(&self) -> [(&'static str, f64); 4] {
        let s = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e9;
        [
            ("analyse", s(&self.analyse)),
            ("store", s(&self.store)),
            ("embed", s(&self.embed)),
            ("assign", s(&self.assign)),
        ]
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            format: None,
            batch_size: 64,
            batch_bytes: 8 << 20,
            vectors: None,
            story_params: None,
            timings: None,
        }
    }
}

/// What happens during an ingest, for progress bars and messages.
#[derive(Debug)]
pub enum Event<'a> {
    /// The inputs were listed: how many files and bytes (standard input unknown).
    Planned { files: usize, bytes: u64 },
    /// A file was read completely.
    FileDone { path: &'a str, bytes: u64 },
    /// A finding about the input.
    Diagnostic(&'a Diagnostic),
    /// A file in a folder was passed over (not an input format).
    Skipped { path: &'a str },
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Records read: new + unchanged + rejected.
    pub read: u64,
    pub new: u64,
    pub unchanged: u64,
    /// Records or files rejected.
    pub rejected: u64,
    pub warnings: u64,
    pub skipped_files: u64,
    /// Ids of the articles written (new or unchanged), in input order.
    #[serde(skip)]
    pub ids: Vec<String>,
    /// Whether the stop flag ended the run early.
    pub interrupted: bool,
    /// Peak resident memory of this process so far, in KiB, where the system tells it.
    pub peak_rss_kib: Option<u64>,
}

impl IngestReport {
    /// `2 read, 0 new, 2 unchanged, 0 rejected`
    pub fn summary(&self) -> String {
        format!(
            "{} read, {} new, {} unchanged, {} rejected",
            self.read, self.new, self.unchanged, self.rejected
        )
    }
}

/// What the reading side hands the writing side: the findings and files done since
/// the last message, in the order they came, then perhaps a batch of analysed articles.
struct Message {
    notes: Vec<Note>,
    batch: Option<Analysed>,
}

enum Note {
    Diagnostic(Diagnostic),
    FileDone { path: String, bytes: u64 },
}

/// A batch of articles with their facts, and the findings of their analysis.
struct Analysed {
    articles: Vec<(Article, Facts)>,
    diagnostics: Vec<Diagnostic>,
}

/// Findings held at most before they are handed on without a batch (a file of
/// rejected records must not pile them up).
const MAX_NOTES: usize = 256;

/// The reading side: gathers articles into batches, analyses each full batch (language,
/// sentences, facts, in parallel) and hands it on with the findings read before it.
struct Batcher<'a> {
    batch: Vec<Article>,
    /// Text bytes held in `batch`.
    batch_text: usize,
    notes: Vec<Note>,
    batch_size: usize,
    batch_bytes: usize,
    timings: Option<std::sync::Arc<StageTimes>>,
    /// Hands a message on; `false` when the writing side has stopped.
    send: &'a mut dyn FnMut(Message) -> bool,
    /// Whether the writing side still takes messages.
    open: bool,
}

impl<'a> Batcher<'a> {
    fn new(config: &IngestConfig, send: &'a mut dyn FnMut(Message) -> bool) -> Self {
        Batcher {
            batch: Vec::new(),
            batch_text: 0,
            notes: Vec::new(),
            batch_size: config.batch_size,
            batch_bytes: config.batch_bytes,
            timings: config.timings.clone(),
            send,
            open: true,
        }
    }

    fn item(&mut self, item: Item) {
        if !self.open {
            return;
        }
        match item {
            Item::Article(a) => {
                self.batch_text += a.blocks().iter().map(|b| b.text.len()).sum::<usize>();
                self.batch.push(*a);
                if self.batch.len() >= self.batch_size || self.batch_text >= self.batch_bytes {
                    self.flush();
                }
            }
            Item::Diagnostic(d) => self.note(Note::Diagnostic(d)),
        }
    }

    fn note(&mut self, note: Note) {
        self.notes.push(note);
        if self.notes.len() >= MAX_NOTES && self.batch.is_empty() {
            self.flush();
        }
    }

    /// Analyses the batch gathered so far and hands it on with the notes.
    fn flush(&mut self) {
        if !self.open || (self.batch.is_empty() && self.notes.is_empty()) {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_text = 0;
        let batch = (!batch.is_empty()).then(|| {
            let t = std::time::Instant::now();
            let (articles, diagnostics): (Vec<(Article, Facts)>, Vec<Vec<Diagnostic>>) =
                batch.into_par_iter().map(analyse).unzip();
            if let Some(times) = &self.timings {
                StageTimes::add(&times.analyse, t);
            }
            Analysed {
                articles,
                diagnostics: diagnostics.into_iter().flatten().collect(),
            }
        });
        let notes = std::mem::take(&mut self.notes);
        self.open = (self.send)(Message { notes, batch });
    }
}

/// The writing side: embeds, stores and assigns each batch, one transaction a batch,
/// and reports what happens.
struct Writer<'s, 'e> {
    store: &'s mut Store,
    report: IngestReport,
    config: IngestConfig,
    /// Story assignment, its clusterer kept across the batches of the run.
    assigner: stories::Assigner,
    on: &'e mut dyn FnMut(Event),
}

impl Writer<'_, '_> {
    fn diagnostic(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.report.rejected += 1;
            self.report.read += 1;
        } else {
            self.report.warnings += 1;
        }
        (self.on)(Event::Diagnostic(&d));
    }

    fn take(&mut self, message: Message) -> Result<(), EngineError> {
        for note in message.notes {
            match note {
                Note::Diagnostic(d) => self.diagnostic(d),
                Note::FileDone { path, bytes } => (self.on)(Event::FileDone { path: &path, bytes }),
            }
        }
        match message.batch {
            Some(batch) => self.write(batch),
            None => Ok(()),
        }
    }

    fn write(&mut self, batch: Analysed) -> Result<(), EngineError> {
        let Analysed {
            articles: analysed,
            diagnostics,
        } = batch;
        let timings = self.config.timings.clone();
        let time = |stage: fn(&StageTimes) -> &std::sync::atomic::AtomicU64, since| {
            if let Some(t) = &timings {
                StageTimes::add(stage(t), since);
            }
        };
        let batch: Vec<&Article> = analysed.iter().map(|(a, _)| a).collect();
        for d in diagnostics {
            self.report.warnings += 1;
            (self.on)(Event::Diagnostic(&d));
        }
        // The vectors are made before the batch's transaction opens, so that the write
        // lock is not held while the encoder runs; articles, facts, vectors and stories
        // are then committed together: a crash leaves all of a batch or none of it.
        let made = match &self.config.vectors {
            Some(v) => {
                let t = std::time::Instant::now();
                let made = v.embed_new(self.store, &batch)?;
                time(|t| &t.embed, t);
                made
            }
            None => Vec::new(),
        };
        let vectors = self.config.vectors.as_ref();
        let params = self.config.story_params.clone().unwrap_or_default();
        let assigner = &mut self.assigner;
        let outcomes = self.store.in_batch(|store| -> Result<_, EngineError> {
            let t = std::time::Instant::now();
            let outcomes = store.write_batch(&analysed)?;
            if let Some(v) = vectors {
                v.put(store, &made)?;
            }
            time(|t| &t.store, t);
            if let Some(v) = vectors {
                let t = std::time::Instant::now();
                assigner.assign_batch(store, v, &params, &analysed)?;
                time(|t| &t.assign, t);
            }
            Ok(outcomes)
        })?;
        self.assigner.committed();
        for (a, o) in batch.iter().zip(outcomes) {
            self.report.read += 1;
            match o {
                Outcome::New => self.report.new += 1,
                Outcome::Unchanged => self.report.unchanged += 1,
            }
            self.report.ids.push(a.id.to_string());
        }
        Ok(())
    }
}

/// Analyses one article: language, sentences, date line (`parallax-text`), then its
/// facts (`parallax-facts`) against its publication date.
pub fn analyse(mut a: Article) -> ((Article, Facts), Vec<Diagnostic>) {
    let file = a.source_path.clone().unwrap_or_else(|| "-".into());
    let diags = parallax_text::analyze(&mut a, &file);
    let text = a.text();
    let date = a.published.map(|p| p.date()).or(a.dateline);
    let facts =
        parallax_facts::extract(&text, &a.sentences, a.lang.as_deref().unwrap_or("en"), date);
    ((a, facts), diags)
}

/// Lists the files of the inputs: folders are walked (sorted, hidden entries passed
/// over, only [`INPUT_EXTENSIONS`]); files are taken as given. An input that is missing
/// or cannot be read (a folder entry included) is an error diagnostic in `problems`,
/// and the others are read.
fn plan(
    inputs: &[Input],
    on: &mut dyn FnMut(Event),
    skipped: &mut u64,
    problems: &mut Vec<Diagnostic>,
) -> Vec<(Input, u64)> {
    let mut out = Vec::new();
    for input in inputs {
        let Input::Path(path) = input else {
            out.push((Input::Stdin, 0));
            continue;
        };
        let name = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.push(Diagnostic::error(&name, "no such file or folder"));
                continue;
            }
            Err(e) => {
                problems.push(Diagnostic::error(
                    &name,
                    format!("cannot read: {}", io_message(&e)),
                ));
                continue;
            }
        };
        if meta.is_file() {
            out.push((input.clone(), meta.len()));
            continue;
        }
        if !meta.is_dir() {
            // A FIFO or a device named on the command line is read as a stream.
            out.push((input.clone(), 0));
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let at = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| name.clone());
                    let why = match e.io_error() {
                        Some(io) => io_message(io),
                        None => e.to_string(),
                    };
                    problems.push(Diagnostic::error(&at, format!("cannot read: {why}")));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            if is_input(entry.path()) {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out.push((Input::Path(entry.path().to_path_buf()), len));
            } else {
                *skipped += 1;
                on(Event::Skipped {
                    path: &entry.path().display().to_string(),
                });
            }
        }
    }
    out
}

/// An IO error in words, without the `(os error N)` that `Display` adds.
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn is_input(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    INPUT_EXTENSIONS
        .iter()
        .any(|ext| name.ends_with(&format!(".{ext}")))
}

/// Ingests the inputs into the store.
pub fn ingest(
    store: &mut Store,
    inputs: &[Input],
    config: &IngestConfig,
    stop: &AtomicBool,
    on: &mut dyn FnMut(Event),
) -> Result<IngestReport, EngineError> {
    let mut skipped = 0;
    let mut problems = Vec::new();
    let files = plan(inputs, on, &mut skipped, &mut problems);
    on(Event::Planned {
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b).sum(),
    });
    let mut w = Writer {
        store,
        report: IngestReport {
            skipped_files: skipped,
            ..IngestReport::default()
        },
        config: config.clone(),
        assigner: stories::Assigner::default(),
        on,
    };
    for d in problems {
        w.diagnostic(d);
    }
    // The inputs are read and each batch analysed on a thread of its own while the
    // writer embeds and stores the one before: one batch ahead (the channel holds
    // none, so the reader waits with its analysed batch until the writer takes it),
    // the batches in the order read.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Message>(0);
    let result = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut send = |m: Message| tx.send(m).is_ok();
            let mut b = Batcher::new(config, &mut send);
            for (input, bytes) in files {
                if stop.load(Ordering::Relaxed) || !b.open {
                    break;
                }
                let mut sink = |item: Item| {
                    if !stop.load(Ordering::Relaxed) {
                        b.item(item);
                    }
                };
                let name = read_input(&input, config.format, &mut sink);
                b.note(Note::FileDone { path: name, bytes });
            }
            b.flush();
        });
        let mut result = Ok(());
        while let Ok(message) = rx.recv() {
            if let Err(e) = w.take(message) {
                result = Err(e);
                break;
            }
        }
        // A writer that failed stops the reader at its next batch.
        drop(rx);
        if let Err(panic) = reader.join() {
            std::panic::resume_unwind(panic);
        }
        result
    });
    result?;
    w.report.interrupted = stop.load(Ordering::Relaxed);
    w.report.peak_rss_kib = peak_rss_kib();
    Ok(w.report)
}

/// Reads one input (a file or standard input) into `sink`; returns its name as the
/// reports give it (the path, or `-`).
pub(crate) fn read_input(
    input: &Input,
    format: Option<Format>,
    sink: &mut dyn FnMut(Item),
) -> String {
    match input {
        Input::Path(p) => {
            parallax_ingest::read_path(p, format, sink);
            p.display().to_string()
        }
        Input::Stdin => {
            let stdin = std::io::stdin().lock();
            parallax_ingest::read_stream("-", stdin, format, sink);
            "-".to_string()
        }
    }
}

/// Peak resident memory of this process in KiB (Linux: `VmHWM` of `/proc/self/status`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Ingests articles given as a string (the server's POST body, tests).
pub fn ingest_str(
    store: &mut Store,
    name: &str,
    body: &str,
    config: &IngestConfig,
    on: &mut dyn FnMut(Event),
) -> Result<IngestReport, EngineError> {
    ingest_reader(store, name, body.as_bytes(), config, on)
}

/// Ingests one stream.
pub fn ingest_reader(
    store: &mut Store,
    name: &str,
    reader: impl Read,
    config: &IngestConfig,
    on: &mut dyn FnMut(Event),
) -> Result<IngestReport, EngineError> {
    let format = config.format;
    let mut w = Writer {
        store,
        report: IngestReport::default(),
        config: config.clone(),
        assigner: stories::Assigner::default(),
        on,
    };
    let mut failure = None;
    let mut send = |m: Message| match w.take(m) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    };
    let mut b = Batcher::new(config, &mut send);
    parallax_ingest::read_stream(name, reader, format, &mut |item| b.item(item));
    b.flush();
    drop(b);
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(w.report)
}

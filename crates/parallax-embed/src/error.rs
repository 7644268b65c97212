//! The one error type of this crate.

use std::path::PathBuf;

/// The command that downloads the default model; every error about a model
/// file names it.
pub const FETCH_COMMAND: &str = "parallax model fetch";

/// Everything that can go wrong while loading a model or embedding text.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model file (or folder) does not exist.
    #[error("model file {} not found: run `{FETCH_COMMAND}`", path.display())]
    ModelNotFound { path: PathBuf },
    /// The model file exists but its content is not a valid E5S1 file.
    #[error("model file {} is corrupt: {what}; run `{FETCH_COMMAND}` to replace it", path.display())]
    CorruptModel { path: PathBuf, what: String },
    /// The model file ends before the data its header announces.
    #[error("model file {} is truncated: {what}; run `{FETCH_COMMAND}` to replace it", path.display())]
    TruncatedModel { path: PathBuf, what: String },
    /// A file of a model folder (`config.json`, `model.safetensors`,
    /// `tokenizer.json`) is missing or unusable.
    #[error("model folder {}: {what}", path.display())]
    ModelFolder { path: PathBuf, what: String },
    /// Reading or writing a file failed.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The tensor library failed while running the encoder.
    #[error("encoder failed: {0}")]
    Tensor(#[from] candle_core::Error),
    /// The tokenizer of a model folder failed on a text.
    #[error("tokenizer failed: {0}")]
    Tokenize(String),
    /// `parallax model fetch` could not download or extract the model.
    #[error("model fetch failed: {0}")]
    Fetch(String),
    /// A downloaded or stored file does not have the expected checksum.
    #[error("checksum mismatch for {}: expected sha256 {expected}, found {actual}; run `{FETCH_COMMAND}`", path.display())]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    /// The options are inconsistent (for example `max_tokens` below 3).
    #[error("invalid embedding options: {0}")]
    Options(String),
}

impl EmbedError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmbedError::Io {
            path: path.into(),
            source,
        }
    }
}

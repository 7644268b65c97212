//! The error type of parallax-facts: only evaluation reads files, so only it fails.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("cannot read labelled set {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: invalid labelled sentence: {source}")]
    Parse {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
}

//! Readers that turn input bytes into [`Article`]s and [`Diagnostic`]s. Every reader
//! streams: it holds one article (at most [`MAX_ARTICLE_BYTES`]) in memory at a time,
//! whatever the size of the file. Bad input never stops a batch: it becomes a
//! diagnostic naming the file, the line or record and what was wrong, and reading goes on.
//!
//! Formats: the plain-text article format ([`text`]) and JSON Lines ([`jsonl`]);
//! [`sniff`] picks one per file. Text encodings are handled by [`decode`].

pub mod decode;
pub mod jsonl;
mod lines;
pub mod text;

use parallax_core::{Article, Diagnostic};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// The largest article (or JSON Lines record) read; larger ones are rejected without
/// being loaded.
pub const MAX_ARTICLE_BYTES: usize = 8 * 1024 * 1024;

/// What a reader yields, in input order.
#[derive(Debug)]
pub enum Item {
    Article(Box<Article>),
    Diagnostic(Diagnostic),
}

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The plain-text article format: header line, title, standfirst, caption, date
    /// line, body (see README.md).
    Text,
    /// One JSON object per line.
    Jsonl,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" | "txt" => Ok(Format::Text),
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            other => Err(format!("unknown format `{other}` (known: text, jsonl)")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Jsonl => "jsonl",
        })
    }
}

/// Picks the format of a file from its name and its first bytes (already decoded).
pub fn sniff(name: &str, head: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::Jsonl;
    }
    let first = head.trim_start_matches('\u{feff}').trim_start();
    if first.starts_with('{') {
        return Format::Jsonl;
    }
    Format::Text
}

/// Reads one file: decodes it, sniffs (or takes) its format and hands every article
/// and diagnostic to `sink` in order.
pub fn read_path(path: &Path, format: Option<Format>, sink: &mut dyn FnMut(Item)) {
    let name = path.display().to_string();
    match File::open(path) {
        Ok(f) => read_stream(&name, f, format, sink),
        Err(e) => sink(Item::Diagnostic(Diagnostic::error(
            &name,
            format!("cannot open: {e}"),
        ))),
    }
}

/// Reads a stream (a file or standard input, named `name` in diagnostics).
pub fn read_stream(
    name: &str,
    reader: impl Read,
    format: Option<Format>,
    sink: &mut dyn FnMut(Item),
) {
    let mut decoded = match decode::open(name, reader) {
        Ok(d) => d,
        Err(diag) => return sink(Item::Diagnostic(diag)),
    };
    if let Some(w) = decoded.warning.take() {
        sink(Item::Diagnostic(w));
    }
    let format = format.unwrap_or_else(|| sniff(name, &decoded.head));
    match format {
        Format::Text => text::read(name, decoded.reader, sink),
        Format::Jsonl => jsonl::read(name, decoded.reader, sink),
    }
}

/// Reads everything from a string, for tests and for the server.
pub fn read_str(
    name: &str,
    input: &str,
    format: Option<Format>,
) -> (Vec<Article>, Vec<Diagnostic>) {
    let mut articles = Vec::new();
    let mut diags = Vec::new();
    read_stream(name, input.as_bytes(), format, &mut |item| match item {
        Item::Article(a) => articles.push(*a),
        Item::Diagnostic(d) => diags.push(d),
    });
    (articles, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_name_then_content() {
        assert_eq!(sniff("a.jsonl", ""), Format::Jsonl);
        assert_eq!(sniff("a.txt", "\u{feff}  {\"title\": 1}"), Format::Jsonl);
        assert_eq!(sniff("a.txt", " date 2026-01-12 SPORT\n"), Format::Text);
        assert_eq!("jsonl".parse::<Format>(), Ok(Format::Jsonl));
        assert!("xml".parse::<Format>().is_err());
    }
}

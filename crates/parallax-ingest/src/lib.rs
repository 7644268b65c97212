//! Readers that turn input bytes into [`Article`]s and [`Diagnostic`]s. Every reader
//! streams: it holds one article (at most [`MAX_ARTICLE_BYTES`]) in memory at a time,
//! whatever the size of the file. Bad input never stops a batch: it becomes a
//! diagnostic naming the file, the line or record and what was wrong, and reading goes on.
//!
//! Formats: the plain-text article format ([`text`]), JSON Lines ([`jsonl`]), HTML
//! pages ([`html`]), RSS/Atom feeds ([`feed`]) and WARC crawls, plain or gzipped
//! ([`warc`]); [`sniff`] picks one per file. Text encodings are handled by
//! [`decode`]. [`extraction_eval`] measures the HTML extractor on a labelled benchmark.

pub mod dates;
pub mod decode;
pub mod extraction_eval;
pub mod feed;
pub mod html;
pub mod jsonl;
mod lines;
pub mod prose;
pub mod text;
pub mod warc;

use parallax_core::{Article, Diagnostic};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// The largest article (or JSON Lines record) read; larger ones are rejected without
/// being loaded.
pub const MAX_ARTICLE_BYTES: usize = 8 * 1024 * 1024;

/// How much of the start of an input is looked at to pick its format.
const SNIFF_BYTES: usize = 4096;

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
    /// An HTML page: one article.
    Html,
    /// An RSS, Atom or JSON feed: one article per entry.
    Feed,
    /// A WARC crawl, plain or gzipped: one article per HTML response.
    Warc,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" | "txt" => Ok(Format::Text),
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "html" | "htm" | "xhtml" => Ok(Format::Html),
            "feed" | "rss" | "atom" => Ok(Format::Feed),
            "warc" => Ok(Format::Warc),
            other => Err(format!(
                "unknown format `{other}` (known: text, jsonl, html, feed, warc)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Jsonl => "jsonl",
            Format::Html => "html",
            Format::Feed => "feed",
            Format::Warc => "warc",
        })
    }
}

/// Picks the format of a file from its name and its first bytes (already decoded).
pub fn sniff(name: &str, head: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::Jsonl;
    }
    if [".html", ".htm", ".xhtml"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Format::Html;
    }
    if [".warc", ".warc.gz"].iter().any(|e| lower.ends_with(e)) {
        return Format::Warc;
    }
    if [".rss", ".atom"].iter().any(|e| lower.ends_with(e)) {
        return Format::Feed;
    }
    let first = head.trim_start_matches('\u{feff}').trim_start();
    if first.starts_with("WARC/1.") {
        return Format::Warc;
    }
    if first.starts_with('{') {
        return Format::Jsonl;
    }
    let start: String = first
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    // Past an XML declaration and comments to the root element.
    let root = start
        .match_indices('<')
        .map(|(i, _)| &start[i..])
        .find(|s| !s.starts_with("<?") && !s.starts_with("<!--"))
        .unwrap_or("");
    if root.starts_with("<rss") || root.starts_with("<feed") || root.starts_with("<rdf:rdf") {
        return Format::Feed;
    }
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return Format::Html;
    }
    if start.starts_with('<') && (start.contains("<html") || start.contains("<!doctype html")) {
        return Format::Html;
    }
    if lower.ends_with(".xml") {
        return Format::Feed;
    }
    Format::Text
}

/// A quick look at the first bytes, as text, for sniffing: decoded by a BOM if there is
/// one, else as UTF-8 with replacement characters.
fn head_text(head: &[u8]) -> String {
    match encoding_rs::Encoding::for_bom(head) {
        Some((enc, _)) => enc.decode(head).0.into_owned(),
        None => String::from_utf8_lossy(head).into_owned(),
    }
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
    // Whatever the reader, a text that is not language is refused, and a date that
    // cannot be a publication date is not used.
    let mut checked = |item: Item| match item {
        Item::Article(mut a) => {
            let fields = strip_nul(&mut a);
            if !fields.is_empty() {
                let what = format!(
                    "NUL characters (U+0000) in {} are not text and were removed",
                    fields.join(", ")
                );
                if a.blocks().is_empty() {
                    let mut d = Diagnostic::error(name, format!("{what}; no text is left"));
                    d.record = a.source_record;
                    return sink(Item::Diagnostic(d));
                }
                let mut d = Diagnostic::warning(name, what).with_field(fields[0]);
                d.record = a.source_record;
                sink(Item::Diagnostic(d));
                a.id = a.content_id();
            }
            if let Some(why) = prose::refusal(&a) {
                let mut d = Diagnostic::error(name, why);
                d.record = a.source_record;
                return sink(Item::Diagnostic(d));
            }
            if let Some(why) = a.published.as_ref().and_then(dates::implausible) {
                let mut d = Diagnostic::warning(name, why).with_field("published");
                d.record = a.source_record;
                sink(Item::Diagnostic(d));
                a.published = None;
                a.id = a.content_id();
            }
            sink(Item::Article(a))
        }
        other => sink(other),
    };
    read_format(name, reader, format, &mut checked)
}

/// Removes U+0000 from every text field of the article, in every format: it is never
/// text, and a store must be able to hold what it is given (PostgreSQL's text cannot
/// hold it at all; SQLite's can, so both would differ). Returns the fields it was in.
fn strip_nul(a: &mut Article) -> Vec<&'static str> {
    fn clean(s: &mut String) -> bool {
        if s.contains('\0') {
            s.retain(|c| c != '\0');
            true
        } else {
            false
        }
    }
    fn clean_opt(s: &mut Option<String>) -> bool {
        s.as_mut().is_some_and(clean)
    }
    fn clean_json(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => clean(s),
            serde_json::Value::Array(items) => {
                items.iter_mut().fold(false, |f, x| clean_json(x) | f)
            }
            serde_json::Value::Object(map) => {
                let mut found = false;
                if map.keys().any(|k| k.contains('\0')) {
                    let entries = std::mem::take(map);
                    for (mut k, x) in entries {
                        clean(&mut k);
                        map.insert(k, x);
                    }
                    found = true;
                }
                map.values_mut().fold(found, |f, x| clean_json(x) | f)
            }
            _ => false,
        }
    }
    let mut fields = Vec::new();
    for (field, found) in [
        ("id", clean_opt(&mut a.external_id)),
        ("url", clean_opt(&mut a.url)),
        ("source", clean_opt(&mut a.source)),
        ("lang", clean_opt(&mut a.declared_lang)),
        ("category", clean_opt(&mut a.category)),
        ("title", clean_opt(&mut a.title)),
        ("standfirst", clean_opt(&mut a.standfirst)),
        ("caption", clean_opt(&mut a.caption)),
        ("credit", clean_opt(&mut a.credit)),
        ("dateline", clean_opt(&mut a.dateline_text)),
        (
            "body",
            a.paragraphs
                .iter_mut()
                .fold(false, |f, p| clean(&mut p.text) | f),
        ),
    ] {
        if found {
            fields.push(field);
        }
    }
    let mut in_metadata = false;
    if a.metadata.keys().any(|k| k.contains('\0')) {
        let entries = std::mem::take(&mut a.metadata);
        for (mut k, v) in entries {
            clean(&mut k);
            a.metadata.insert(k, v);
        }
        in_metadata = true;
    }
    for v in a.metadata.values_mut() {
        in_metadata |= clean_json(v);
    }
    if in_metadata {
        fields.push("metadata");
    }
    if !fields.is_empty() {
        // A paragraph (or title) of nothing but NULs is none.
        a.paragraphs.retain(|p| !p.text.trim().is_empty());
        for s in [&mut a.title, &mut a.standfirst, &mut a.caption] {
            if s.as_deref().is_some_and(|t| t.trim().is_empty()) {
                *s = None;
            }
        }
    }
    fields
}

fn read_format(name: &str, reader: impl Read, format: Option<Format>, sink: &mut dyn FnMut(Item)) {
    read_layer(name, name, reader, format, false, sink)
}

/// The name a gzipped file's content is sniffed by: `page.html.gz` → `page.html`.
fn without_gz(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for ext in [".gz", ".gzip"] {
        if lower.ends_with(ext) {
            return &name[..name.len() - ext.len()];
        }
    }
    name
}

/// Reads one stream; `sniff_name` is the name its format is sniffed by (the file's, or
/// the file's without `.gz` inside a gzip stream). A gzip stream is decompressed once:
/// a WARC inside is read record by record, anything else (`.html.gz`, `.jsonl.gz`) as
/// its content.
fn read_layer<R: Read>(
    name: &str,
    sniff_name: &str,
    reader: R,
    format: Option<Format>,
    gunzipped: bool,
    sink: &mut dyn FnMut(Item),
) {
    let mut reader = reader;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    if let Err(e) = (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
    {
        return sink(Item::Diagnostic(Diagnostic::error(
            name,
            format!("cannot read: {e}"),
        )));
    }
    // A gzip stream: a WARC inside is read as one (record by record); anything else
    // is decompressed and read as what it holds.
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut inner = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(&head[..])
            .take(16)
            .read_to_end(&mut inner);
        if format.is_none_or(|f| f == Format::Warc)
            && (warc::is_warc(&inner) || format == Some(Format::Warc))
        {
            return warc::read_gz(name, std::io::Cursor::new(head).chain(reader), sink);
        }
        if !gunzipped {
            let stream = std::io::Cursor::new(head).chain(reader);
            let decoder: Box<dyn Read + '_> = Box::new(flate2::read::MultiGzDecoder::new(stream));
            return read_layer(name, without_gz(sniff_name), decoder, format, true, sink);
        }
    }
    let format = format.unwrap_or_else(|| sniff(sniff_name, &head_text(&head)));
    let reader = std::io::Cursor::new(head).chain(reader);
    match format {
        Format::Html => return html::read(name, reader, sink),
        Format::Feed => {
            let path = Path::new(name);
            let dir = (name != "-" && path.is_file())
                .then(|| path.parent())
                .flatten();
            return feed::read(name, reader, dir, sink);
        }
        Format::Warc => {
            return warc::read(
                name,
                std::io::BufReader::with_capacity(64 * 1024, reader),
                sink,
            )
        }
        Format::Text | Format::Jsonl => {}
    }
    let mut decoded = match decode::open(name, reader) {
        Ok(d) => d,
        Err(diag) => return sink(Item::Diagnostic(diag)),
    };
    if let Some(w) = decoded.warning.take() {
        sink(Item::Diagnostic(w));
    }
    match format {
        Format::Jsonl => jsonl::read(name, decoded.reader, sink),
        _ => text::read(name, decoded.reader, sink),
    }
}

/// Reads everything from a string, for tests and for the server.
pub fn read_str(
    name: &str,
    input: &str,
    format: Option<Format>,
) -> (Vec<Article>, Vec<Diagnostic>) {
    read_bytes(name, input.as_bytes(), format)
}

/// Reads everything from bytes (any format, gzipped WARC included).
pub fn read_bytes(
    name: &str,
    input: &[u8],
    format: Option<Format>,
) -> (Vec<Article>, Vec<Diagnostic>) {
    let mut articles = Vec::new();
    let mut diags = Vec::new();
    read_stream(name, input, format, &mut |item| match item {
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
        assert_eq!(sniff("a.htm", ""), Format::Html);
        assert_eq!(sniff("a", "\n<!DOCTYPE html><html>"), Format::Html);
        assert_eq!(
            sniff(
                "a.xml",
                "<?xml version=\"1.0\"?>\n<!-- x --><rss version=\"2.0\">"
            ),
            Format::Feed
        );
        assert_eq!(
            sniff(
                "a.xml",
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
            ),
            Format::Feed
        );
        assert_eq!(sniff("a.atom", ""), Format::Feed);
        assert_eq!(sniff("crawl.warc.gz", ""), Format::Warc);
        assert_eq!(sniff("crawl", "WARC/1.1\r\n"), Format::Warc);
        for (s, f) in [
            ("rss", Format::Feed),
            ("atom", Format::Feed),
            ("feed", Format::Feed),
            ("warc", Format::Warc),
            ("html", Format::Html),
        ] {
            assert_eq!(s.parse::<Format>(), Ok(f));
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
    }
}

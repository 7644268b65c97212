//! WARC crawls, plain or gzipped, read record by record: only the record at hand is in
//! memory (its HTML payload at most [`MAX_ARTICLE_BYTES`]; larger payloads and every
//! other record are skipped by streaming past them), whatever the size of the file.
//!
//! A small reader of our own rather than the `warc` crate: that crate reads each
//! record's whole body into memory, and we need bounded reads, skipping without
//! buffering and a diagnostic (not an error that ends the file) for a broken record.
//! `.warc.gz` files are one gzip member per record (or one for all); they are read
//! through `flate2`'s `MultiGzDecoder`, which streams across members.
//!
//! Each `response` record whose HTTP payload is HTML (`text/html`,
//! `application/xhtml+xml`) becomes an article: the page through the HTML extractor,
//! `url` = `WARC-Target-URI` (a differing canonical URL goes to metadata
//! `canonical_url`), `published` from the page or else the `WARC-Date`, which is also
//! kept as metadata `crawl_date`. HTTP `chunked` transfer encoding and `gzip`/`deflate`
//! content encodings are undone; other encodings are reported. The charset of the
//! HTTP `Content-Type` is used to decode the page. Non-2xx responses and non-HTML
//! payloads are passed over silently (they are not articles).

use crate::{html, Item, MAX_ARTICLE_BYTES};
use flate2::read::{DeflateDecoder, GzDecoder, MultiGzDecoder};
use parallax_core::Diagnostic;
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read};

/// The longest WARC or HTTP header line, and the most header bytes, accepted.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Whether a (decompressed) stream starts like a WARC file.
pub fn is_warc(head: &[u8]) -> bool {
    head.starts_with(b"WARC/")
}

/// Reads a gzipped WARC file.
pub fn read_gz(name: &str, reader: impl Read, sink: &mut dyn FnMut(Item)) {
    read(
        name,
        BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(reader)),
        sink,
    );
}

/// Reads a plain WARC stream.
pub fn read(name: &str, mut reader: impl BufRead, sink: &mut dyn FnMut(Item)) {
    let mut record = 0u64;
    let mut lost = false;
    loop {
        // The version line, after any blank lines between records.
        let line = match read_line(&mut reader) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                sink(Item::Diagnostic(
                    Diagnostic::error(name, format!("read error: {e}")).at_record(record + 1),
                ));
                break;
            }
        };
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.starts_with("WARC/") {
            if !lost {
                lost = true;
                sink(Item::Diagnostic(
                    Diagnostic::error(
                        name,
                        format!(
                            "expected a WARC record header after record {record}; skipping to the next one"
                        ),
                    )
                    .at_record(record + 1),
                ));
            }
            continue;
        }
        lost = false;
        record += 1;
        let at = |d: Diagnostic| d.at_record(record);
        let headers = match read_headers(&mut reader) {
            Ok(h) => h,
            Err(e) => {
                sink(Item::Diagnostic(at(Diagnostic::error(
                    name,
                    format!("broken record header: {e}"),
                ))));
                lost = true;
                continue;
            }
        };
        let Some(len) =
            header(&headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok())
        else {
            sink(Item::Diagnostic(at(Diagnostic::error(
                name,
                "record without a valid Content-Length; skipping to the next one",
            ))));
            lost = true;
            continue;
        };
        let kind = header(&headers, "warc-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let http = header(&headers, "content-type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/http"));
        if kind != "response" || !http {
            if let Err(e) = skip(&mut reader, len) {
                sink(Item::Diagnostic(at(Diagnostic::error(
                    name,
                    format!("read error: {e}"),
                ))));
                break;
            }
            continue;
        }
        let limit = (MAX_ARTICLE_BYTES + MAX_HEADER_BYTES) as u64;
        let mut block = Vec::with_capacity(len.min(limit) as usize);
        let read_res = (&mut reader).take(len.min(limit)).read_to_end(&mut block);
        let truncated = len > limit;
        let skipped = if truncated {
            skip(&mut reader, len - limit)
        } else {
            Ok(())
        };
        if let Err(e) = read_res.and(skipped) {
            sink(Item::Diagnostic(at(Diagnostic::error(
                name,
                format!("read error: {e}"),
            ))));
            break;
        }
        if (block.len() as u64) < len.min(limit) {
            sink(Item::Diagnostic(at(Diagnostic::error(
                name,
                format!(
                    "record cut short: {} of {len} bytes (truncated file?)",
                    block.len()
                ),
            ))));
            break;
        }
        let target = header(&headers, "warc-target-uri").map(|u| {
            u.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        });
        let date = header(&headers, "warc-date").map(|d| d.trim().to_string());
        match payload(&block, truncated) {
            Ok(None) => {}
            Ok(Some((bytes, charset))) => {
                let (page, warning) = crate::decode::decode_html(&bytes, charset.as_deref());
                if let Some(w) = warning {
                    sink(Item::Diagnostic(at(Diagnostic::warning(name, w))));
                }
                emit(name, record, &page, target, date, sink);
            }
            Err(msg) => sink(Item::Diagnostic(at(Diagnostic::error(name, msg)))),
        }
    }
}

fn emit(
    name: &str,
    record: u64,
    page: &str,
    target: Option<String>,
    date: Option<String>,
    sink: &mut dyn FnMut(Item),
) {
    let (mut a, warnings) = html::extract_checked(page, target.as_deref());
    for w in warnings {
        sink(Item::Diagnostic(
            Diagnostic::warning(name, w).at_record(record),
        ));
    }
    if let Some(why) = html::no_body(&mut a) {
        return sink(Item::Diagnostic(
            Diagnostic::error(name, why).at_record(record),
        ));
    }
    if let Some(t) = target {
        if let Some(c) = a.url.take().filter(|c| *c != t) {
            a.metadata.insert("canonical_url".into(), Value::from(c));
        }
        a.url = Some(t);
    }
    if let Some(d) = date {
        match html::parse_date(&d) {
            Some(p) => {
                if a.published.is_none() {
                    a.published = Some(p);
                    a.metadata
                        .insert("published_from".into(), Value::from("crawl_date"));
                }
            }
            None => sink(Item::Diagnostic(
                Diagnostic::warning(name, format!("unreadable WARC-Date {d:?}"))
                    .at_record(record)
                    .with_field("WARC-Date"),
            )),
        }
        a.metadata.insert("crawl_date".into(), Value::from(d));
    }
    a.source_path = Some(name.to_string());
    a.source_record = Some(record);
    a.id = a.content_id();
    sink(Item::Article(Box::new(a)));
}

/// The HTML body of an HTTP response block and the charset its `Content-Type`
/// names; `None` when the response is not a 2xx HTML page.
#[allow(clippy::type_complexity)]
fn payload(block: &[u8], truncated: bool) -> Result<Option<(Vec<u8>, Option<String>)>, String> {
    let Some(end) = find(block, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| find(block, b"\n\n").map(|i| (i, i + 2)))
    else {
        return Err("HTTP response without the end of its headers".into());
    };
    let head = String::from_utf8_lossy(&block[..end.0]);
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("");
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    let Some(code) = code.filter(|_| status.starts_with("HTTP/")) else {
        return Err(format!(
            "not an HTTP status line: {:?}",
            truncate(status, 60)
        ));
    };
    if !(200..300).contains(&code) {
        return Ok(None);
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let get = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let content_type = get("content-type").unwrap_or("").to_ascii_lowercase();
    // No Content-Type: sniff the body.
    let html = if content_type.is_empty() {
        let start = String::from_utf8_lossy(&block[end.1..block.len().min(end.1 + 512)])
            .trim_start()
            .to_ascii_lowercase();
        start.starts_with("<!doctype html") || start.starts_with("<html")
    } else {
        content_type.starts_with("text/html") || content_type.starts_with("application/xhtml")
    };
    if !html {
        return Ok(None);
    }
    if truncated {
        return Err(format!(
            "HTML payload larger than the {} MiB limit; skipped",
            MAX_ARTICLE_BYTES / (1024 * 1024)
        ));
    }
    let charset = crate::decode::content_type_charset(&content_type).map(str::to_string);
    let mut body = block[end.1..].to_vec();
    if get("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        body = dechunk(&body)?;
    }
    match get("content-encoding").map(|e| e.trim().to_ascii_lowercase()) {
        None => {}
        Some(e) if e.is_empty() || e == "identity" => {}
        Some(e) if e == "gzip" || e == "x-gzip" => body = inflate(GzDecoder::new(&body[..]))?,
        Some(e) if e == "deflate" => body = inflate(DeflateDecoder::new(&body[..]))?,
        Some(e) => return Err(format!("unsupported content encoding `{e}`; page skipped")),
    }
    Ok(Some((body, charset)))
}

fn inflate(r: impl Read) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    r.take(MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot decompress the page: {e}"))?;
    if out.len() > MAX_ARTICLE_BYTES {
        return Err("decompressed page larger than the article limit; skipped".into());
    }
    Ok(out)
}

/// Undoes HTTP chunked transfer encoding.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let Some(eol) = find(body, b"\r\n") else {
            // Some crawlers store the body already de-chunked despite the header.
            return if out.is_empty() {
                Ok(body.to_vec())
            } else {
                Ok(out)
            };
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return if out.is_empty() {
                Ok(body.to_vec())
            } else {
                Err(format!("bad chunk size {:?}", truncate(size_text, 20)))
            };
        };
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if size > body.len() {
            return Err("chunk runs past the end of the record".into());
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size..];
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One line, bounded; `None` at the end of the stream.
fn read_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r
        .take(MAX_HEADER_BYTES as u64)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Named fields up to the blank line, names lowercased.
fn read_headers(r: &mut impl BufRead) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut total = 0;
    loop {
        let line = read_line(r)
            .map_err(|e| format!("read error: {e}"))?
            .ok_or("end of file inside the header")?;
        total += line.len();
        if total > MAX_HEADER_BYTES {
            return Err("header longer than 64 KiB".into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok(out);
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!(
                "not a `name: value` line: {:?}",
                truncate(line, 60)
            ));
        };
        out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
}

fn skip(r: &mut impl BufRead, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("record cut short: {copied} of {n} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use parallax_core::Article;
    use std::io::Write;

    pub(crate) const PAGE: &str = "<html><head><title>Mill fire | Town Post</title></head><body><article><h1>Mill fire</h1>\
        <p>A fire broke out at the old mill on the river late on Sunday night, and crews from three towns fought it until the early morning, the fire service said.</p>\
        <p>No one was hurt, but the roof of the main building fell in, and the owners said it was too soon to say whether the mill could be saved or rebuilt.</p>\
        <p>The cause of the fire is not yet known, and investigators will visit the site on Tuesday once the ruins have cooled enough to be entered safely.</p>\
        </article></body></html>";

    pub(crate) fn record(kind: &str, uri: &str, http: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-03-04T22:10:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
            http.len()
        )
        .into_bytes();
        r.extend_from_slice(http);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    pub(crate) fn response(headers: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
        r.extend_from_slice(body);
        r
    }

    pub(crate) fn sample_warc() -> Vec<Vec<u8>> {
        let html = response(
            "Content-Type: text/html; charset=utf-8\r\n",
            PAGE.as_bytes(),
        );
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(PAGE.as_bytes()).unwrap();
        let gzipped = response(
            "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
            &gz.finish().unwrap(),
        );
        let chunked_body = {
            let (a, b) = PAGE.as_bytes().split_at(100);
            let mut v = format!("{:x}\r\n", a.len()).into_bytes();
            v.extend_from_slice(a);
            v.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
            v.extend_from_slice(b);
            v.extend_from_slice(b"\r\n0\r\n\r\n");
            v
        };
        let chunked = response(
            "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n",
            &chunked_body,
        );
        vec![
            b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n".to_vec(),
            record(
                "request",
                "https://town.example/mill",
                b"GET /mill HTTP/1.1\r\n\r\n",
            ),
            record("response", "https://town.example/mill", &html),
            record(
                "response",
                "https://town.example/logo.png",
                &response("Content-Type: image/png\r\n", b"\x89PNG...."),
            ),
            record("response", "https://town.example/gz", &gzipped),
            record("response", "https://town.example/chunked", &chunked),
            record(
                "response",
                "https://town.example/br",
                &response("Content-Type: text/html\r\nContent-Encoding: br\r\n", b"xx"),
            ),
        ]
    }

    fn collect(f: impl FnOnce(&mut dyn FnMut(Item))) -> (Vec<Article>, Vec<Diagnostic>) {
        let (mut arts, mut diags) = (Vec::new(), Vec::new());
        f(&mut |i| match i {
            Item::Article(a) => arts.push(*a),
            Item::Diagnostic(d) => diags.push(d),
        });
        (arts, diags)
    }

    fn check(arts: &[Article], diags: &[Diagnostic]) {
        assert_eq!(arts.len(), 3, "{diags:?}");
        let a = &arts[0];
        assert_eq!(a.url.as_deref(), Some("https://town.example/mill"));
        assert_eq!(a.title.as_deref(), Some("Mill fire"));
        assert_eq!(a.published.unwrap().to_string(), "2024-03-04T22:10:00Z");
        assert_eq!(a.metadata["crawl_date"], "2024-03-04T22:10:00Z");
        assert_eq!(a.source_record, Some(3));
        assert!(a.body().contains("old mill"), "{}", a.body());
        assert_eq!(arts[1].body(), a.body());
        assert_eq!(arts[2].body(), a.body());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("`br`"));
        assert_eq!(diags[0].record, Some(7));
    }

    #[test]
    fn plain_warc() {
        let bytes = sample_warc().concat();
        let (arts, diags) = collect(|s| read("c.warc", &bytes[..], s));
        check(&arts, &diags);
    }

    #[test]
    fn gzipped_warc_member_per_record() {
        let mut out = Vec::new();
        for r in sample_warc() {
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(&r).unwrap();
            out.extend(gz.finish().unwrap());
        }
        let (arts, diags) = collect(|s| read_gz("c.warc.gz", &out[..], s));
        check(&arts, &diags);
        // Through the sniffer too.
        let (arts, diags) = crate::read_bytes("crawl.bin", &out, None);
        check(&arts, &diags);
    }

    #[test]
    fn broken_records_are_named_and_the_rest_read() {
        let mut recs = sample_warc();
        recs.insert(
            1,
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: x\r\n\r\ngarbage\r\n\r\n".to_vec(),
        );
        let bytes = recs.concat();
        let (arts, diags) = collect(|s| read("c.warc", &bytes[..], s));
        assert_eq!(arts.len(), 3, "{diags:?}");
        assert!(
            diags
                .iter()
                .any(|d| d.record == Some(2) && d.message.contains("Content-Length")),
            "{diags:?}"
        );
        // Truncated file.
        let bytes = sample_warc().concat();
        let (_, diags) = collect(|s| read("c.warc", &bytes[..bytes.len() - 300], s));
        assert!(
            diags.iter().any(|d| d.message.contains("cut short")),
            "{diags:?}"
        );
        for junk in [&b""[..], b"WARC/1.0\r\n", b"WARC/1.0\r\nContent-Length: 99999999999\r\n\r\n", b"WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http\r\nContent-Length: 4\r\n\r\nHTTP"] {
            let _ = collect(|s| read("j.warc", junk, s));
        }
    }

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert_eq!(dechunk(b"<html>").unwrap(), b"<html>");
        assert!(dechunk(b"ff\r\nabc").is_err());
    }
}

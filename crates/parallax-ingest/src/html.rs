//! HTML article pages: the main text and the article's metadata.
//!
//! Main text: `rs-trafilatura`, a Rust port of trafilatura. It was chosen by measuring
//! on the extraction benchmark (see docs/evaluation.md, "Extraction"): it scores
//! highest of the Rust extractors there, well above the readability ports
//! (`dom_smoothie`, `readability`), and it is kept up. Its text is split into
//! paragraphs, lines that are `h2`/`h3` headings of the page become subheadings, and
//! lines that are only share buttons, bylines or "advertisement" labels are dropped.
//!
//! Metadata is read here, with `dom_query` (the HTML5 parser the extractor already
//! uses), from what pages declare, most explicit first:
//! - title: `og:title`, JSON-LD `headline`, the first `h1`, then `<title>`, each cleaned
//!   of a trailing site name (`Story | Site`);
//! - standfirst: `og:description`, `meta description` or JSON-LD `description`, unless
//!   it only repeats the start of the body;
//! - published: `article:published_time` and its kin, JSON-LD `datePublished`, a
//!   `<time datetime>` (the one marked `datePublished`/`pubdate` first), a date in the
//!   URL path (`/2024/03/05/`, `2024-03-05`), then the extractor's own guess;
//! - dateline: the visible text of the publication `<time>` element, parsed;
//! - author, site name, section, keywords, modified date and language into the fields
//!   that exist or `metadata`; canonical URL (`link rel=canonical`, `og:url`) as `url`;
//! - caption and credit from the first `<figcaption>`: a child marked `credit`,
//!   `copyright` or `byline`, or a trailing `Photo: …`/`©…`, is the credit.
//!
//! The extractor runs behind `catch_unwind`: a page that makes it fail is a diagnostic,
//! never a crash of the batch.

use crate::{Item, MAX_ARTICLE_BYTES};
use dom_query::Document;
use parallax_core::{Article, Diagnostic, Paragraph, Published};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Read;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{Date, Month, OffsetDateTime};

/// Reads one HTML page (a file or a stream) as one article.
pub fn read(name: &str, reader: impl Read, sink: &mut dyn FnMut(Item)) {
    let mut bytes = Vec::new();
    if let Err(e) = reader
        .take(MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
    {
        return sink(Item::Diagnostic(Diagnostic::error(
            name,
            format!("read error: {e}"),
        )));
    }
    if bytes.len() > MAX_ARTICLE_BYTES {
        return sink(Item::Diagnostic(Diagnostic::error(
            name,
            format!(
                "page is larger than the {} MiB limit; skipped",
                MAX_ARTICLE_BYTES / (1024 * 1024)
            ),
        )));
    }
    let (html, warning) = decode_page(&bytes);
    if let Some(w) = warning {
        sink(Item::Diagnostic(Diagnostic::warning(name, w)));
    }
    emit(name, 1, &html, None, sink);
}

/// Extracts one page and hands the article (or the reason there is none) to `sink`.
pub(crate) fn emit(
    name: &str,
    record: u64,
    html: &str,
    url: Option<&str>,
    sink: &mut dyn FnMut(Item),
) {
    let (mut article, warnings) = extract_checked(html, url);
    for w in warnings {
        sink(Item::Diagnostic(
            Diagnostic::warning(name, w).at_record(record),
        ));
    }
    if article.title.is_none() && article.paragraphs.is_empty() {
        return sink(Item::Diagnostic(
            Diagnostic::error(name, "no title and no text found in the page").at_record(record),
        ));
    }
    article.source_path = Some(name.to_string());
    article.source_record = Some(record);
    sink(Item::Article(Box::new(article)));
}

/// Extracts the article of a page; `url` is where the page was fetched from, if known.
pub fn extract(html: &str, url: Option<&str>) -> Article {
    extract_checked(html, url).0
}

/// Like [`extract`], with warnings about what could not be read.
pub fn extract_checked(html: &str, url: Option<&str>) -> (Article, Vec<String>) {
    let mut warnings = Vec::new();
    let doc = Document::from(html);
    let meta = Meta::read(&doc);
    let headings = headings(&doc);

    let opts = rs_trafilatura::Options {
        url: url.map(str::to_string),
        ..rs_trafilatura::Options::default()
    };
    let result = std::panic::catch_unwind(|| rs_trafilatura::extract_with_options(html, &opts));
    let (text, fallback) = match result {
        Ok(Ok(r)) => (r.content_text, Some(r.metadata)),
        Ok(Err(e)) => {
            warnings.push(format!("main text not found: {e}"));
            (String::new(), None)
        }
        Err(_) => {
            warnings.push("the main-text extractor failed on this page".to_string());
            (String::new(), None)
        }
    };

    let mut a = Article {
        paragraphs: paragraphs(&text, &headings),
        ..Article::default()
    };
    let site = meta.first(&["og:site_name", "application-name"]);
    a.title = meta
        .first(&["og:title", "twitter:title"])
        .or_else(|| meta.ld_str("headline"))
        .or_else(|| first_text(&doc, "h1"))
        .or_else(|| first_text(&doc, "title"))
        .or_else(|| fallback.as_ref().and_then(|m| m.title.clone()))
        .map(|t| clean_title(&t, site.as_deref()))
        .filter(|t| !t.is_empty());
    a.source = site.clone();
    let standfirst = meta
        .first(&["og:description", "description", "twitter:description"])
        .or_else(|| meta.ld_str("description"));
    if let Some(s) = standfirst.map(|s| collapse(&s)).filter(|s| !s.is_empty()) {
        let first = a.paragraphs.first().map(|p| p.text.as_str()).unwrap_or("");
        if !repeats(&s, first) {
            a.standfirst = Some(s);
        }
    }
    a.declared_lang = doc
        .select("html")
        .attr("lang")
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .or_else(|| {
            meta.first(&["og:locale", "content-language", "language"])
                .map(|l| l.to_ascii_lowercase().replace('_', "-"))
        });
    let canonical = doc
        .select("link[rel='canonical']")
        .attr("href")
        .map(|h| h.trim().to_string())
        .filter(|h| h.starts_with("http"))
        .or_else(|| meta.first(&["og:url"]).filter(|h| h.starts_with("http")));
    a.url = canonical.clone().or_else(|| url.map(str::to_string));
    if let (Some(c), Some(u)) = (&canonical, url) {
        if c != u {
            a.metadata.insert("fetched_url".into(), Value::from(u));
        }
    }
    a.category = meta
        .first(&["article:section", "section"])
        .or_else(|| meta.ld_str("articleSection"));

    // Publication date, most explicit first.
    let time_el = publication_time(&doc);
    let url_for_date = a.url.clone().or_else(|| url.map(str::to_string));
    let candidates: Vec<(&str, Option<String>)> = vec![
        (
            "meta",
            meta.first(&[
                "article:published_time",
                "og:published_time",
                "datepublished",
                "date",
                "pubdate",
                "publishdate",
                "publish-date",
                "dc.date",
                "dc.date.issued",
                "dcterms.created",
                "sailthru.date",
                "parsely-pub-date",
                "cxenseparse:recs:publishtime",
            ]),
        ),
        ("json-ld", meta.ld_str("datePublished")),
        ("time", time_el.as_ref().and_then(|t| t.0.clone())),
    ];
    for (from, value) in candidates {
        let Some(v) = value else { continue };
        match parse_date(&v) {
            Some(p) => {
                a.published = Some(p);
                a.metadata
                    .insert("published_from".into(), Value::from(from));
                break;
            }
            None => warnings.push(format!("unreadable publication date {v:?} ({from})")),
        }
    }
    if a.published.is_none() {
        if let Some(d) = url_for_date.as_deref().and_then(date_in_url) {
            a.published = Some(Published::Date(d));
            a.metadata
                .insert("published_from".into(), Value::from("url"));
        } else if let Some(d) = fallback.as_ref().and_then(|m| m.date) {
            if let Ok(t) = OffsetDateTime::from_unix_timestamp(d.timestamp()) {
                a.published = Some(Published::DateTime(t));
                a.metadata
                    .insert("published_from".into(), Value::from("text"));
            }
        }
    }
    if let Some((datetime, text)) = time_el {
        let text = collapse(&text);
        if !text.is_empty() && text.len() < 100 {
            a.dateline = datetime
                .as_deref()
                .and_then(parse_date)
                .map(|p| p.date())
                .or_else(|| parse_date(&text).map(|p| p.date()));
            a.dateline_text = Some(text);
        }
    }

    if let Some(m) = meta
        .first(&["article:modified_time", "og:updated_time", "dateModified"])
        .or_else(|| meta.ld_str("dateModified"))
    {
        a.metadata.insert("modified".into(), Value::from(m));
    }
    let author = meta
        .first(&["author", "article:author", "byl", "parsely-author", "dc.creator"])
        .filter(|x| !x.starts_with("http"))
        .or_else(|| meta.ld_author())
        .or_else(|| first_text(&doc, "[rel='author'], [itemprop='author'] [itemprop='name'], .byline__name, .author-name"))
        .or_else(|| fallback.as_ref().and_then(|m| m.author.clone()));
    if let Some(au) = author
        .map(|x| collapse(&x))
        .filter(|x| !x.is_empty() && x.len() < 200)
    {
        a.metadata.insert("author".into(), Value::from(au));
    }
    if let Some(k) = meta.first(&["keywords", "news_keywords"]) {
        a.metadata.insert("keywords".into(), Value::from(k));
    }
    if let Some(l) = a.declared_lang.clone() {
        if let Some((primary, _)) = l.split_once('-') {
            a.metadata
                .insert("html_lang".into(), Value::from(l.clone()));
            a.declared_lang = Some(primary.to_string());
        }
    }
    if let Some((caption, credit)) = figure_caption(&doc) {
        a.caption = Some(caption).filter(|c| !c.is_empty());
        a.credit = credit;
    }
    a.id = a.content_id();
    (a, warnings)
}

/// Decodes a page's bytes (BOM, `<meta charset>`, UTF-8, detection): the text and a
/// warning when the encoding was guessed.
pub fn decode_page(bytes: &[u8]) -> (String, Option<String>) {
    crate::decode::decode_html(bytes, None)
}

/// Paragraphs of an HTML fragment (a feed summary or content): block elements become
/// paragraphs, `h1`–`h4` subheadings, and loose inline text between blocks a paragraph
/// of its own; scripts and styles are dropped.
pub fn fragment_paragraphs(fragment: &str) -> Vec<Paragraph> {
    let doc = Document::from(fragment);
    let mut out = Vec::new();
    let mut inline = String::new();
    if let Some(body) = doc.body() {
        walk(&body, &mut out, &mut inline, 0);
    }
    flush(&mut inline, &mut out, false);
    out
}

fn flush(buf: &mut String, out: &mut Vec<Paragraph>, heading: bool) {
    let t = collapse(buf);
    buf.clear();
    if !t.is_empty() {
        out.push(if heading {
            Paragraph::subheading(t)
        } else {
            Paragraph::paragraph(t)
        });
    }
}

fn walk(
    node: &dom_query::NodeRef<'_>,
    out: &mut Vec<Paragraph>,
    inline: &mut String,
    depth: usize,
) {
    const BLOCKS: &[&str] = &[
        "p",
        "div",
        "li",
        "blockquote",
        "pre",
        "figcaption",
        "dd",
        "dt",
        "td",
        "th",
        "section",
        "article",
        "ul",
        "ol",
        "table",
        "tr",
        "figure",
        "header",
        "footer",
    ];
    for child in node.children() {
        if child.is_text() {
            inline.push_str(&child.text());
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let tag = child
            .node_name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        match tag.as_str() {
            "script" | "style" | "noscript" | "template" => {}
            "br" => inline.push('\n'),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                flush(inline, out, false);
                let mut h = child.text().to_string();
                flush(&mut h, out, true);
            }
            t if BLOCKS.contains(&t) => {
                flush(inline, out, false);
                if depth < 64 {
                    walk(&child, out, inline, depth + 1);
                } else {
                    inline.push_str(&child.text());
                }
                flush(inline, out, false);
            }
            _ => {
                if depth < 64 {
                    walk(&child, out, inline, depth + 1);
                } else {
                    inline.push_str(&child.text());
                }
            }
        }
    }
}

/// Splits the extractor's text into paragraphs; page headings become subheadings.
fn paragraphs(text: &str, headings: &HashSet<String>) -> Vec<Paragraph> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = collapse(line);
        if line.is_empty() || is_chrome(&line) {
            continue;
        }
        if line.len() < 200 && headings.contains(&line) {
            out.push(Paragraph::subheading(line));
        } else {
            out.push(Paragraph::paragraph(line));
        }
    }
    out
}

/// Lines that are page furniture rather than article text.
fn is_chrome(line: &str) -> bool {
    const CHROME: &[&str] = &[
        "advertisement",
        "advertisements",
        "share",
        "share this",
        "share this article",
        "tweet",
        "email",
        "print",
        "comments",
        "read more",
        "related",
        "related articles",
        "sponsored",
    ];
    let l = line
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    CHROME.contains(&l.as_str())
}

/// The texts of `h2`/`h3` elements, to tell subheadings in the extracted text.
fn headings(doc: &Document) -> HashSet<String> {
    doc.select("h2, h3")
        .nodes()
        .iter()
        .map(|n| collapse(&n.text()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Whether `standfirst` only repeats the start of the first paragraph.
fn repeats(standfirst: &str, first: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (s, f) = (norm(standfirst), norm(first));
    if s.is_empty() || f.is_empty() {
        return false;
    }
    // Descriptions are often the first paragraph cut short with an ellipsis.
    let probe: String = s.chars().take(80).collect();
    f.starts_with(&probe) || s.starts_with(&f)
}

fn first_text(doc: &Document, sel: &str) -> Option<String> {
    doc.select(sel)
        .nodes()
        .iter()
        .map(|n| collapse(&n.text()))
        .find(|t| !t.is_empty())
}

/// Removes a site name after (or before) a separator: `Story | Site` → `Story`.
fn clean_title(title: &str, site: Option<&str>) -> String {
    let title = collapse(title);
    for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " • "] {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            let tail_is_site = site.is_some_and(|s| tail.eq_ignore_ascii_case(s.trim()))
                || (tail.split_whitespace().count() <= 4 && head.split_whitespace().count() >= 3);
            if tail_is_site && !head.trim().is_empty() {
                return head.trim().to_string();
            }
            if let Some((site_first, rest)) = title.split_once(sep) {
                if site.is_some_and(|s| site_first.eq_ignore_ascii_case(s.trim())) {
                    return rest.trim().to_string();
                }
            }
        }
    }
    title
}

/// The element most likely to carry the publication time: `(datetime, visible text)`.
fn publication_time(doc: &Document) -> Option<(Option<String>, String)> {
    for sel in [
        "time[itemprop='datePublished']",
        "[itemprop='datePublished']",
        "time[pubdate]",
        "article time[datetime]",
        "time[datetime]",
        ".dateline, .date, .published, .timestamp",
    ] {
        for n in doc.select(sel).nodes() {
            let dt = n
                .attr("datetime")
                .or_else(|| n.attr("content"))
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty());
            let text = n.text().to_string();
            if dt.is_some() || !collapse(&text).is_empty() {
                return Some((dt, text));
            }
        }
    }
    None
}

/// The first figure caption, split into caption and credit.
fn figure_caption(doc: &Document) -> Option<(String, Option<String>)> {
    let fig = doc.select("article figcaption, figcaption").first();
    let node = fig.nodes().first()?;
    let full = collapse(&node.text());
    if full.is_empty() {
        return None;
    }
    let credit_sel = fig.select(
        "[class*='credit'], [class*='copyright'], [class*='byline'], [class*='source'], small",
    );
    if let Some(c) = credit_sel.nodes().first() {
        let credit = collapse(&c.text());
        if !credit.is_empty() && credit.len() < full.len() {
            let caption = collapse(&full.replacen(&credit, "", 1));
            return Some((caption, Some(credit)));
        }
    }
    Some(split_credit(&full))
}

/// Splits `Text. Photo: Agency` / `Text © Agency` / `Text (Agency)` style captions.
pub(crate) fn split_credit(caption: &str) -> (String, Option<String>) {
    let lower = caption.to_lowercase();
    for marker in [
        "photo:",
        "photograph:",
        "photo by",
        "image:",
        "picture:",
        "credit:",
        "foto:",
        "©",
        "(c)",
    ] {
        if let Some(i) = lower.rfind(marker) {
            // `lower` may differ in byte length from `caption`; only split when safe.
            if lower.len() == caption.len() && caption.is_char_boundary(i) {
                let credit = caption[i..].trim();
                let credit = credit
                    .trim_start_matches(|c: char| c != ':' && !c.is_whitespace() && c != '©')
                    .trim_start_matches([':', '©'])
                    .trim();
                let credit = if credit.is_empty() {
                    caption[i..].trim()
                } else {
                    credit
                };
                let text = caption[..i].trim().trim_end_matches(['/', '|', '-']).trim();
                if !credit.is_empty() {
                    return (text.to_string(), Some(credit.to_string()));
                }
            }
        }
    }
    (caption.to_string(), None)
}

/// `<meta>` values and JSON-LD objects of a page.
struct Meta {
    pairs: Vec<(String, String)>,
    ld: Vec<serde_json::Map<String, Value>>,
}

impl Meta {
    fn read(doc: &Document) -> Meta {
        let mut pairs = Vec::new();
        for n in doc.select("meta").nodes() {
            let key = n
                .attr("property")
                .or_else(|| n.attr("name"))
                .or_else(|| n.attr("itemprop"))
                .or_else(|| n.attr("http-equiv"));
            let val = n.attr("content");
            if let (Some(k), Some(v)) = (key, val) {
                let v = v.trim().to_string();
                if !v.is_empty() {
                    pairs.push((k.trim().to_ascii_lowercase(), v));
                }
            }
        }
        let mut ld = Vec::new();
        for n in doc.select("script[type='application/ld+json']").nodes() {
            if let Ok(v) = serde_json::from_str::<Value>(n.text().trim()) {
                collect_ld(v, &mut ld, 0);
            }
        }
        // Article-like objects first.
        ld.sort_by_key(|o| !is_article(o));
        Meta { pairs, ld }
    }

    /// The first non-empty `<meta>` value among `keys` (in the order of `keys`).
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| {
            let k = k.to_ascii_lowercase();
            self.pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        })
    }

    fn ld_str(&self, key: &str) -> Option<String> {
        self.ld.iter().find_map(|o| match o.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Array(a) => a.iter().find_map(|v| v.as_str().map(str::to_string)),
            _ => None,
        })
    }

    fn ld_author(&self) -> Option<String> {
        fn name(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(|n| n.as_str()).map(str::to_string),
                Value::Array(a) => {
                    let names: Vec<String> = a.iter().filter_map(name).collect();
                    (!names.is_empty()).then(|| names.join(", "))
                }
                _ => None,
            }
        }
        self.ld.iter().find_map(|o| o.get("author").and_then(name))
    }
}

fn is_article(o: &serde_json::Map<String, Value>) -> bool {
    let t = match o.get("@type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => return false,
    };
    t.contains("Article") || t.contains("BlogPosting") || t.contains("Report")
}

fn collect_ld(v: Value, out: &mut Vec<serde_json::Map<String, Value>>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(a) => a.into_iter().for_each(|v| collect_ld(v, out, depth + 1)),
        Value::Object(mut o) => {
            if let Some(g) = o.remove("@graph") {
                collect_ld(g, out, depth + 1);
            }
            if let Some(m) = o.get("mainEntity").cloned() {
                collect_ld(m, out, depth + 1);
            }
            out.push(o);
        }
        _ => {}
    }
}

/// Parses the date formats pages use: RFC 3339 (with or without offset, `+0000`
/// offsets), a plain `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYYMMDD`), RFC 2822, and
/// `5 March 2024` / `March 5, 2024` style dates in English.
pub fn parse_date(s: &str) -> Option<Published> {
    let s = s.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Ok(p) = Published::parse(s) {
        return Some(p);
    }
    // `+0000` → `+00:00`; a space for the `T`.
    let mut fixed = s.replacen(' ', "T", 1);
    let bytes = fixed.as_bytes();
    if bytes.len() > 5 {
        let tail = &fixed[fixed.len() - 5..];
        if (tail.starts_with('+') || tail.starts_with('-'))
            && tail[1..].bytes().all(|b| b.is_ascii_digit())
        {
            fixed.insert(fixed.len() - 2, ':');
        }
    }
    if let Ok(t) = OffsetDateTime::parse(&fixed, &Rfc3339) {
        return Some(Published::DateTime(t));
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc2822) {
        return Some(Published::DateTime(t));
    }
    // A leading date without a zone: keep the day only.
    if let Some(d) = ymd(s) {
        return Some(Published::Date(d));
    }
    written_date(s).map(Published::Date)
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` or `YYYYMMDD` at the start of `s`.
fn ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = if b.len() >= 10 && matches!(b[4], b'-' | b'/' | b'.') && b[7] == b[4] {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if b.len() >= 8 && (b.len() == 8 || !b[8].is_ascii_digit()) {
        (num(0..4)?, num(4..6)?, num(6..8)?)
    } else {
        return None;
    };
    make_date(y, m, d)
}

fn make_date(y: u32, m: u32, d: u32) -> Option<Date> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y as i32, month, u8::try_from(d).ok()?).ok()
}

/// `5 March 2024`, `March 5, 2024`, `Mar. 5 2024` (English month names).
fn written_date(s: &str) -> Option<Date> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let words: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let Some(m) = MONTHS.iter().position(|p| w.len() >= 3 && w.starts_with(p)) else {
            continue;
        };
        let num = |j: usize| -> Option<u32> {
            let t = words.get(j)?;
            let t = t.trim_end_matches(|c: char| c.is_alphabetic());
            t.parse().ok()
        };
        let day_year = match (i.checked_sub(1).and_then(num), num(i + 1), num(i + 2)) {
            (Some(d), Some(y), _) if d <= 31 && y > 1900 => Some((d, y)),
            (_, Some(d), Some(y)) if d <= 31 && y > 1900 => Some((d, y)),
            _ => None,
        };
        if let Some((d, y)) = day_year {
            return make_date(y, m as u32 + 1, d);
        }
    }
    None
}

/// A date written in a URL path: `/2024/03/05/`, `/2024-03-05-`, `/20240305/`.
pub fn date_in_url(url: &str) -> Option<Date> {
    let path = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        if seg.len() == 4 && seg.bytes().all(|b| b.is_ascii_digit()) {
            let y: u32 = seg.parse().ok()?;
            let m = segs.get(i + 1).and_then(|s| s.parse::<u32>().ok());
            let d = segs.get(i + 2).and_then(|s| {
                let n = s.get(..2.min(s.len()))?;
                if s.len() == 2 || s.len() == 1 || n.bytes().all(|b| b.is_ascii_digit()) {
                    s.trim_end_matches(|c: char| !c.is_ascii_digit())
                        .parse::<u32>()
                        .ok()
                } else {
                    None
                }
            });
            if let (Some(m), Some(d)) = (m, d) {
                if let Some(date) = make_date(y, m, d) {
                    return Some(date);
                }
            }
        }
        for (start, _) in seg.match_indices(|c: char| c.is_ascii_digit()) {
            if start > 0 && seg.as_bytes()[start - 1].is_ascii_digit() {
                continue;
            }
            if let Some(date) = seg.get(start..).and_then(ymd) {
                let tail = &seg[start..];
                let len = if tail.as_bytes().get(4).is_some_and(|b| !b.is_ascii_digit()) {
                    10
                } else {
                    8
                };
                if tail.as_bytes().get(len).is_none_or(|b| !b.is_ascii_digit()) {
                    return Some(date);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Harbour reopens after storm | The Coast Gazette</title>
<meta property="og:site_name" content="The Coast Gazette">
<meta property="og:title" content="Harbour reopens after storm">
<meta name="description" content="Fishing boats returned on Tuesday after a week in which the harbour was closed.">
<meta name="author" content="Ana Lopes">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
<link rel="canonical" href="https://coast.example/news/2024/03/05/harbour-reopens">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<time datetime="2024-03-05">5 March 2024</time>
<figure><img src="a.jpg"><figcaption>Boats in the harbour on Tuesday. <span class="credit">Photo: J. Silva</span></figcaption></figure>
<p>The harbour of the town reopened on Tuesday morning, a week after the storm broke the outer wall and sank two trawlers at their moorings, the port authority said.</p>
<p>Engineers worked through the weekend to clear the channel of debris, and the first boats went out before dawn, their crews glad to be back at sea after the long wait.</p>
<h2>Repairs to take months</h2>
<p>The outer wall will take until the summer to rebuild, the authority said, and until then larger ships will be sent to the neighbouring port further along the coast.</p>
<p>Local businesses, which lost a week of trade, have asked the council for help with their losses, and the council said it would meet on Friday to discuss it.</p>
</article>
<footer>Copyright The Coast Gazette. All rights reserved. Contact us. Privacy policy.</footer>
</body></html>"#;

    #[test]
    fn extracts_text_and_metadata() {
        let a = extract(PAGE, Some("https://coast.example/x?utm=1"));
        assert_eq!(a.title.as_deref(), Some("Harbour reopens after storm"));
        assert_eq!(a.source.as_deref(), Some("The Coast Gazette"));
        assert_eq!(
            a.url.as_deref(),
            Some("https://coast.example/news/2024/03/05/harbour-reopens")
        );
        assert_eq!(a.declared_lang.as_deref(), Some("en"));
        assert_eq!(
            a.published.unwrap().to_string(),
            "2024-03-05T09:30:00+01:00"
        );
        assert_eq!(a.dateline_text.as_deref(), Some("5 March 2024"));
        assert_eq!(a.dateline.unwrap().to_string(), "2024-03-05");
        assert_eq!(a.metadata["author"], "Ana Lopes");
        assert_eq!(
            a.caption.as_deref(),
            Some("Boats in the harbour on Tuesday.")
        );
        assert_eq!(a.credit.as_deref(), Some("Photo: J. Silva"));
        assert!(a
            .standfirst
            .as_deref()
            .unwrap()
            .starts_with("Fishing boats"));
        let body = a.body();
        assert!(body.contains("reopened on Tuesday morning"), "{body}");
        assert!(body.contains("meet on Friday"), "{body}");
        assert!(!body.contains("Privacy policy"), "{body}");
        assert!(
            a.paragraphs
                .iter()
                .any(|p| p == &Paragraph::subheading("Repairs to take months")),
            "{:?}",
            a.paragraphs
        );
    }

    #[test]
    fn dates_from_many_places() {
        for (s, want) in [
            ("2024-03-05T09:30:00Z", "2024-03-05T09:30:00Z"),
            ("2024-03-05T09:30:00+0100", "2024-03-05T09:30:00+01:00"),
            ("2024-03-05 09:30:00", "2024-03-05"),
            ("2024-03-05T09:30:00", "2024-03-05"),
            ("Tue, 05 Mar 2024 09:30:00 +0000", "2024-03-05T09:30:00Z"),
            ("March 5, 2024", "2024-03-05"),
            ("5 March 2024, 10:00", "2024-03-05"),
            ("20240305", "2024-03-05"),
        ] {
            assert_eq!(
                parse_date(s).map(|p| p.to_string()).as_deref(),
                Some(want),
                "{s}"
            );
        }
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-13-45"), None);
        for (u, want) in [
            ("https://x.example/2024/03/05/story", Some("2024-03-05")),
            (
                "https://x.example/news/2024-03-05-story.html",
                Some("2024-03-05"),
            ),
            ("https://x.example/a/20240305/story", Some("2024-03-05")),
            ("https://x.example/2024/story-1234567", None),
            ("https://x.example/", None),
        ] {
            assert_eq!(
                date_in_url(u).map(|d| d.to_string()).as_deref(),
                want,
                "{u}"
            );
        }
    }

    #[test]
    fn title_cleaning_and_credits() {
        assert_eq!(clean_title("Story here now | Site", None), "Story here now");
        assert_eq!(clean_title("Site - Story", Some("Site")), "Story");
        assert_eq!(clean_title("A - B", None), "A - B");
        assert_eq!(
            split_credit("Protesters in the square. Photo: Reuters"),
            ("Protesters in the square.".into(), Some("Reuters".into()))
        );
        assert_eq!(split_credit("No credit"), ("No credit".into(), None));
    }

    #[test]
    fn junk_never_panics() {
        for junk in [
            "",
            "<",
            "<html><body></body></html>",
            "\u{0}\u{feff}<p>",
            "<script>",
            "<<<>>>&&&;",
        ] {
            let _ = extract_checked(junk, None);
        }
        let (a, d) = crate::read_str("x.html", "<html><body></body></html>", None);
        assert!(a.is_empty());
        assert!(d.iter().any(|d| d.message.contains("no title")), "{d:?}");
    }
}

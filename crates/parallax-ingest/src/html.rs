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
use time::OffsetDateTime;

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
    if let Some(why) = no_body(&mut article) {
        return sink(Item::Diagnostic(
            Diagnostic::error(name, why).at_record(record),
        ));
    }
    article.source_path = Some(name.to_string());
    article.source_record = Some(record);
    sink(Item::Article(Box::new(article)));
}

/// Why a page is not an article, if it has no body: no text at all, or only its title
/// (a headline page, an error page, a page whose text the extractor did not find).
/// Body lines that only repeat the title are dropped first.
pub(crate) fn no_body(a: &mut Article) -> Option<String> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    if let Some(t) = a.title.as_deref().map(norm) {
        let before = a.paragraphs.len();
        a.paragraphs.retain(|p| norm(&p.text) != t);
        if a.paragraphs.len() != before {
            a.id = a.content_id();
        }
    }
    if !a.paragraphs.is_empty() {
        return None;
    }
    Some(match &a.title {
        Some(t) => format!(
            "no article text found in the page, only its title {:?}: not stored",
            crate::prose::short(t)
        ),
        None => "no title and no text found in the page".to_string(),
    })
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
    let spaced = space_blocks(html);
    let result = std::panic::catch_unwind(|| rs_trafilatura::extract_with_options(&spaced, &opts));
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
            Some(p) => match crate::dates::implausible(&p) {
                None => {
                    a.published = Some(p);
                    a.metadata
                        .insert("published_from".into(), Value::from(from));
                    break;
                }
                Some(why) => warnings.push(format!("{why} ({from})")),
            },
            None => warnings.push(format!("unreadable publication date {v:?} ({from})")),
        }
    }
    if a.published.is_none() {
        let from_url = url_for_date
            .as_deref()
            .and_then(crate::dates::date_in_url)
            .map(Published::Date)
            .filter(Published::is_plausible);
        let from_text = || {
            let d = fallback.as_ref().and_then(|m| m.date)?;
            let t = OffsetDateTime::from_unix_timestamp(d.timestamp()).ok()?;
            Some(Published::DateTime(t)).filter(Published::is_plausible)
        };
        if let Some(p) = from_url {
            a.published = Some(p);
            a.metadata
                .insert("published_from".into(), Value::from("url"));
        } else if let Some(p) = from_text() {
            a.published = Some(p);
            a.metadata
                .insert("published_from".into(), Value::from("text"));
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

/// Elements whose edges are paragraph breaks in the text, however the page is written.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
];

/// The page with a line break at every block edge that has no whitespace: a minified
/// page (`<p>One</p><p>Two</p>`) then gives the extractor the same paragraph breaks as
/// one written with new lines, instead of `OneTwo`. Scripts, styles and comments are
/// left as they are.
pub fn space_blocks(html: &str) -> std::borrow::Cow<'_, str> {
    let b = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = rest
                .find("-->")
                .map(|e| start + e + 3)
                .unwrap_or(html.len());
            continue;
        }
        let closing = rest.as_bytes().get(1) == Some(&b'/');
        let name_start = start + 1 + closing as usize;
        let name_len = b[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let Some(end) = html[start..].find('>').map(|e| start + e + 1) else {
            break;
        };
        if !closing && (name == "script" || name == "style") {
            i = find_closing(html, end, &name).unwrap_or(html.len());
            continue;
        }
        if BLOCK_TAGS.contains(&name.as_str()) {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len() + html.len() / 16));
            if !closing && start > 0 && !b[start - 1].is_ascii_whitespace() {
                o.push_str(&html[copied..start]);
                o.push('\n');
                copied = start;
            }
            if (closing || name == "br" || name == "hr")
                && b.get(end).is_some_and(|c| !c.is_ascii_whitespace())
            {
                o.push_str(&html[copied..end]);
                o.push('\n');
                copied = end;
            }
        }
        i = end;
    }
    match out {
        Some(mut o) => {
            o.push_str(&html[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(html),
    }
}

/// Where `</name` (any case) starts at or after `from`.
fn find_closing(html: &str, from: usize, name: &str) -> Option<usize> {
    let mut i = from;
    while let Some(off) = html[i..].find("</") {
        let at = i + off;
        let tag = html.as_bytes().get(at + 2..at + 2 + name.len())?;
        if tag.eq_ignore_ascii_case(name.as_bytes()) {
            return Some(at);
        }
        i = at + 2;
    }
    None
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

/// Parses the date forms pages use (see [`crate::dates`]).
pub fn parse_date(s: &str) -> Option<Published> {
    crate::dates::parse(s)
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

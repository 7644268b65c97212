//! RSS and Atom feeds (and JSON Feed), parsed with `feed-rs`, the maintained Rust
//! parser for all three (default features off). Each entry becomes an article: title,
//! url (the entry's first link), published (else updated), standfirst (the summary)
//! and paragraphs from the full content, or from the summary when there is no content;
//! HTML in either is turned into text paragraphs.
//!
//! A saved feed often sits beside the pages it links to. When the feed is read from a
//! file and an entry's link ends in a file name `*.html`/`*.htm` that exists in the same
//! folder, that page is read with the HTML extractor and joined with the entry: the
//! page's text and metadata, with the entry's title, date and summary where the page
//! lacks them.
//!
//! A feed is parsed whole (feeds are small), up to [`MAX_FEED_BYTES`].

use crate::html;
use crate::{Item, MAX_ARTICLE_BYTES};
use dom_query::Document;
use parallax_core::{Article, Diagnostic, Paragraph, Published};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// The largest feed read.
pub const MAX_FEED_BYTES: usize = 64 * 1024 * 1024;

/// Reads a feed; `dir` is the folder it was read from, where linked pages are looked
/// for (none for standard input).
pub fn read(name: &str, reader: impl Read, dir: Option<&Path>, sink: &mut dyn FnMut(Item)) {
    let mut bytes = Vec::new();
    if let Err(e) = reader
        .take(MAX_FEED_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
    {
        return sink(Item::Diagnostic(Diagnostic::error(
            name,
            format!("read error: {e}"),
        )));
    }
    if bytes.len() > MAX_FEED_BYTES {
        return sink(Item::Diagnostic(Diagnostic::error(
            name,
            format!(
                "feed is larger than the {} MiB limit; skipped",
                MAX_FEED_BYTES / (1024 * 1024)
            ),
        )));
    }
    let feed = match std::panic::catch_unwind(|| feed_rs::parser::parse(bytes.as_slice())) {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            return sink(Item::Diagnostic(Diagnostic::error(
                name,
                format!("not a readable RSS or Atom feed: {e}"),
            )))
        }
        Err(_) => {
            return sink(Item::Diagnostic(Diagnostic::error(
                name,
                "the feed parser failed on this file",
            )))
        }
    };
    let source = feed.title.as_ref().map(|t| html::collapse(&t.content));
    let lang = feed.language.clone();
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let record = i as u64 + 1;
        let mut a = from_entry(&entry);
        if a.source.is_none() {
            a.source = source.clone().filter(|s| !s.is_empty());
        }
        if a.declared_lang.is_none() {
            a.declared_lang = lang.as_ref().map(|l| l.to_ascii_lowercase());
        }
        if let (Some(dir), Some(url)) = (dir, a.url.clone()) {
            if let Some(file) = local_page(dir, &url) {
                match read_page(&dir.join(&file)) {
                    Ok(page) => {
                        let (joined, warnings) = join(a, &page, &url, &file);
                        for w in warnings {
                            sink(Item::Diagnostic(
                                Diagnostic::warning(name, format!("{file}: {w}")).at_record(record),
                            ));
                        }
                        a = joined;
                    }
                    Err(e) => sink(Item::Diagnostic(
                        Diagnostic::warning(name, format!("linked page {file}: {e}"))
                            .at_record(record),
                    )),
                }
            }
        }
        if a.title.is_none() && a.paragraphs.is_empty() && a.standfirst.is_none() {
            sink(Item::Diagnostic(
                Diagnostic::error(name, "entry has no title and no text").at_record(record),
            ));
            continue;
        }
        a.source_path = Some(name.to_string());
        a.source_record = Some(record);
        a.id = a.content_id();
        sink(Item::Article(Box::new(a)));
    }
}

/// An article from one feed entry alone.
fn from_entry(e: &feed_rs::model::Entry) -> Article {
    let mut a = Article {
        title: e
            .title
            .as_ref()
            .map(|t| text_of(&t.content, t.content_type.as_ref()))
            .filter(|t| !t.is_empty()),
        url: e
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(e.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|h| !h.is_empty()),
        ..Article::default()
    };
    let date = e.published.or(e.updated);
    if let Some(d) = date {
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(d.timestamp()) {
            a.published = Some(Published::DateTime(t));
        }
    }
    let summary = e
        .summary
        .as_ref()
        .map(|s| paragraphs(&s.content, s.content_type.as_ref()))
        .unwrap_or_default();
    let content = e
        .content
        .as_ref()
        .and_then(|c| {
            c.body
                .as_ref()
                .map(|b| paragraphs(b, c.content_type.as_ref()))
        })
        .unwrap_or_default();
    if content.is_empty() {
        a.paragraphs = summary;
    } else {
        a.paragraphs = content;
        let s: Vec<&str> = summary.iter().map(|p| p.text.as_str()).collect();
        let s = s.join(" ");
        if !s.is_empty() {
            a.standfirst = Some(s);
        }
    }
    if let Some(c) = e.categories.first() {
        a.category = Some(c.label.clone().unwrap_or_else(|| c.term.clone()));
    }
    let authors: Vec<&str> = e.authors.iter().map(|p| p.name.as_str()).collect();
    if !authors.is_empty() {
        a.metadata
            .insert("author".into(), Value::from(authors.join(", ")));
    }
    if !e.id.is_empty() {
        a.external_id = Some(e.id.clone());
    }
    a
}

/// Text of a title-like field (HTML is stripped when the type says HTML).
fn text_of(s: &str, media: &str) -> String {
    if media.contains("html") || s.contains('<') {
        html::collapse(&Document::from(s).text())
    } else {
        html::collapse(s)
    }
}

/// Paragraphs of a summary or content: HTML block elements, or blank-line-separated
/// plain text.
pub fn paragraphs(s: &str, media: &str) -> Vec<Paragraph> {
    if media.contains("html") || s.trim_start().starts_with('<') {
        return html::fragment_paragraphs(s);
    }
    s.split("\n\n")
        .map(html::collapse)
        .filter(|p| !p.is_empty())
        .map(Paragraph::paragraph)
        .collect()
}

/// The name of the page in `dir` that `url` points to, if there is one.
fn local_page(dir: &Path, url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let lower = last.to_ascii_lowercase();
    if !(lower.ends_with(".html") || lower.ends_with(".htm")) {
        return None;
    }
    // The last segment only: no `..`, no separators.
    if last.contains('\\') || last.starts_with('.') {
        return None;
    }
    dir.join(last).is_file().then(|| last.to_string())
}

fn read_page(path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_ARTICLE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err("larger than the article limit; not joined".into());
    }
    Ok(html::decode_page(&bytes).0)
}

/// Joins an entry with the page it links to: the page's body and metadata; the entry's
/// title, date, standfirst and url where the page has none.
fn join(entry: Article, page: &str, url: &str, file: &str) -> (Article, Vec<String>) {
    let (mut a, warnings) = html::extract_checked(page, Some(url));
    if a.paragraphs.is_empty() {
        a.paragraphs = entry.paragraphs;
    }
    a.title = a.title.or(entry.title);
    a.published = a.published.or(entry.published);
    a.standfirst = a.standfirst.or(entry.standfirst);
    a.url = a.url.or(entry.url);
    a.source = a.source.or(entry.source);
    a.category = a.category.or(entry.category);
    a.declared_lang = a.declared_lang.or(entry.declared_lang);
    a.external_id = entry.external_id;
    for (k, v) in entry.metadata {
        a.metadata.entry(k).or_insert(v);
    }
    a.metadata.insert("joined_page".into(), Value::from(file));
    (a, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(name: &str, input: &str, dir: Option<&Path>) -> (Vec<Article>, Vec<Diagnostic>) {
        let (mut arts, mut diags) = (Vec::new(), Vec::new());
        read(name, input.as_bytes(), dir, &mut |i| match i {
            Item::Article(a) => arts.push(*a),
            Item::Diagnostic(d) => diags.push(d),
        });
        (arts, diags)
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Valley News</title><language>de-DE</language>
<item><title>Bridge closed for repairs</title><link>https://valley.example/bridge.html</link>
<pubDate>Tue, 05 Mar 2024 09:30:00 +0000</pubDate>
<description>&lt;p&gt;The old bridge closes on Monday.&lt;/p&gt;&lt;p&gt;Traffic goes round by the ford.&lt;/p&gt;</description>
<category>Local</category></item>
<item><title>Second item</title><link>https://valley.example/missing.html</link>
<description>Plain summary text.</description></item>
<item><description></description></item>
</channel></rss>"#;

    #[test]
    fn rss_entries_become_articles() {
        let (arts, diags) = read_all("feed.rss", RSS, None);
        assert_eq!(arts.len(), 2, "{diags:?}");
        let a = &arts[0];
        assert_eq!(a.title.as_deref(), Some("Bridge closed for repairs"));
        assert_eq!(a.url.as_deref(), Some("https://valley.example/bridge.html"));
        assert_eq!(a.published.unwrap().to_string(), "2024-03-05T09:30:00Z");
        assert_eq!(a.source.as_deref(), Some("Valley News"));
        assert_eq!(a.declared_lang.as_deref(), Some("de-de"));
        assert_eq!(a.category.as_deref(), Some("Local"));
        assert_eq!(
            a.paragraphs,
            vec![
                Paragraph::paragraph("The old bridge closes on Monday."),
                Paragraph::paragraph("Traffic goes round by the ford.")
            ]
        );
        assert_eq!(arts[1].source_record, Some(2));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].record, Some(3));
    }

    #[test]
    fn atom_with_full_content() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Site</title><id>urn:x</id><updated>2024-03-06T00:00:00Z</updated>
<entry><title type="html">Rates &lt;em&gt;held&lt;/em&gt;</title><id>urn:e1</id>
<link rel="alternate" href="https://atom.example/rates"/>
<updated>2024-03-06T08:00:00Z</updated><published>2024-03-05T07:00:00+02:00</published>
<author><name>R. Banker</name></author>
<summary>Rates are unchanged.</summary>
<content type="html">&lt;p&gt;The central bank held rates.&lt;/p&gt;&lt;h2&gt;Outlook&lt;/h2&gt;&lt;p&gt;Cuts may come in June.&lt;/p&gt;</content>
</entry></feed>"#;
        let (arts, diags) = read_all("a.atom", atom, None);
        assert!(diags.is_empty(), "{diags:?}");
        let a = &arts[0];
        assert_eq!(a.title.as_deref(), Some("Rates held"));
        assert_eq!(a.standfirst.as_deref(), Some("Rates are unchanged."));
        assert_eq!(a.published.unwrap().unix(), 1709614800);
        assert_eq!(a.paragraphs[1], Paragraph::subheading("Outlook"));
        assert_eq!(a.metadata["author"], "R. Banker");
        assert_eq!(a.external_id.as_deref(), Some("urn:e1"));
    }

    #[test]
    fn entries_are_joined_with_saved_pages() {
        let dir = tempfile::tempdir().unwrap();
        let page = "<html><head><title>Bridge closed | Valley News</title></head><body><article>\
            <h1>Bridge closed</h1>\
            <p>The old bridge over the river closes on Monday for six weeks of repairs to its piers, the council said on Tuesday evening.</p>\
            <p>Drivers will be sent round by the ford, which adds about ten minutes to the journey into town, and buses will run to a new timetable.</p>\
            <p>The work was planned for last year but was put off after the floods, when the piers were found to be worse than the engineers had thought.</p>\
            </article></body></html>";
        std::fs::write(dir.path().join("bridge.html"), page).unwrap();
        let (arts, diags) = read_all("feed.rss", RSS, Some(dir.path()));
        assert!(
            diags.iter().all(|d| !d.is_error() || d.record == Some(3)),
            "{diags:?}"
        );
        let a = &arts[0];
        assert_eq!(a.metadata["joined_page"], "bridge.html");
        assert!(a.body().contains("six weeks of repairs"), "{}", a.body());
        // The page has no date: the entry's is kept.
        assert_eq!(a.published.unwrap().to_string(), "2024-03-05T09:30:00Z");
        assert_eq!(a.title.as_deref(), Some("Bridge closed"));
        // The second entry's page is missing: the entry alone.
        assert!(!arts[1].metadata.contains_key("joined_page"));
    }

    #[test]
    fn broken_feeds_are_diagnostics() {
        for junk in ["", "<rss", "<feed><entry>", "not xml at all", "<?xml version=\"1.0\"?><rss><channel><item><title>&bogus;</title></item></channel></rss>"] {
            let (_, diags) = read_all("bad.xml", junk, None);
            let _ = diags;
        }
        let (arts, diags) = read_all("bad.xml", "<rss", None);
        assert!(arts.is_empty());
        assert!(diags[0].message.contains("feed"), "{diags:?}");
    }
}

//! JSON Lines: one article per line, as a JSON object. Known fields: `id`, `url`,
//! `source`, `lang`, `published` (a date in any form [`crate::dates`] reads, or Unix
//! seconds; `date`, `published_at`, `publishedAt`, `datePublished` and `pubDate` are
//! read when it is absent), `category`, `title`,
//! `standfirst`, `caption`, `credit`, `body` (paragraphs separated by blank lines; `text`
//! is read as an alias). Only `title` or `body` is required. Every other field is kept,
//! unchanged, as metadata. A broken line is reported with its line number and the rest
//! of the file is read.

use crate::lines::{next_line, Line};
use crate::{Item, MAX_ARTICLE_BYTES};
use parallax_core::{Article, Diagnostic, Paragraph, Published};
use serde_json::{Map, Value};
use std::io::BufRead;

/// Reads every record of a JSON Lines stream.
pub fn read(name: &str, mut reader: Box<dyn BufRead + '_>, sink: &mut dyn FnMut(Item)) {
    let mut line_no = 0u64;
    let mut record = 0u64;
    loop {
        let line = match next_line(&mut *reader, MAX_ARTICLE_BYTES) {
            Ok(Line::Eof) => break,
            Ok(Line::Text(t)) => t,
            Ok(Line::TooLong(n)) => {
                line_no += 1;
                record += 1;
                sink(Item::Diagnostic(
                    Diagnostic::error(
                        name,
                        format!(
                            "record is {n} bytes, larger than the {} MiB limit; skipped",
                            MAX_ARTICLE_BYTES / (1024 * 1024)
                        ),
                    )
                    .at_line(line_no)
                    .at_record(record),
                ));
                continue;
            }
            Err(e) => {
                sink(Item::Diagnostic(
                    Diagnostic::error(name, format!("read error: {e}")).at_line(line_no + 1),
                ));
                break;
            }
        };
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        record += 1;
        let at = |d: Diagnostic| d.at_line(line_no).at_record(record);
        let value: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                sink(Item::Diagnostic(at(Diagnostic::error(
                    name,
                    format!("invalid JSON: {e}"),
                ))));
                continue;
            }
        };
        match from_value(value) {
            Ok((mut article, warnings)) => {
                for (field, msg) in warnings {
                    sink(Item::Diagnostic(at(
                        Diagnostic::warning(name, msg).with_field(field)
                    )));
                }
                article.source_path = Some(name.to_string());
                article.source_record = Some(record);
                sink(Item::Article(Box::new(article)));
            }
            Err((field, msg)) => {
                let mut d = at(Diagnostic::error(name, msg));
                if let Some(f) = field {
                    d = d.with_field(f);
                }
                sink(Item::Diagnostic(d));
            }
        }
    }
}

/// Why a record was rejected: the field, if one is to blame, and the message.
type Rejection = (Option<&'static str>, String);
/// Warnings about a kept record: `(field, message)`.
type Warnings = Vec<(&'static str, String)>;

/// Builds an article from one JSON value, with warnings as `(field, message)`.
pub fn from_value(value: Value) -> Result<(Article, Warnings), Rejection> {
    let Value::Object(mut obj) = value else {
        return Err((
            None,
            format!("expected a JSON object, found {}", kind(&value)),
        ));
    };
    let mut warnings = Vec::new();
    let mut a = Article {
        external_id: take_id(&mut obj)?,
        url: take_str(&mut obj, "url")?,
        source: take_str(&mut obj, "source")?,
        declared_lang: take_str(&mut obj, "lang")?.map(|l| l.to_ascii_lowercase()),
        category: take_str(&mut obj, "category")?,
        title: take_str(&mut obj, "title")?.map(|t| t.trim().to_string()),
        standfirst: take_str(&mut obj, "standfirst")?.map(|t| t.trim().to_string()),
        caption: take_str(&mut obj, "caption")?,
        credit: take_str(&mut obj, "credit")?,
        ..Article::default()
    };
    published(&mut obj, &mut a, &mut warnings);
    let body = match take_str(&mut obj, "body")? {
        Some(b) => Some(b),
        None => take_str_as(&mut obj, "text", "text")?,
    };
    if let Some(body) = body {
        a.paragraphs = paragraphs(&body);
    }
    for field in [
        "title",
        "standfirst",
        "caption",
        "credit",
        "category",
        "source",
        "url",
    ] {
        let slot = match field {
            "title" => &mut a.title,
            "standfirst" => &mut a.standfirst,
            "caption" => &mut a.caption,
            "credit" => &mut a.credit,
            "category" => &mut a.category,
            "source" => &mut a.source,
            _ => &mut a.url,
        };
        if slot.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *slot = None;
        }
    }
    if a.title.is_none() && a.paragraphs.is_empty() {
        return Err((None, "record has neither a `title` nor a `body`".into()));
    }
    if let Some(l) = &a.declared_lang {
        if l.len() != 2 || !l.chars().all(|c| c.is_ascii_lowercase()) {
            warnings.push((
                "lang",
                format!("`{l}` is not an ISO 639-1 code; the language is detected instead"),
            ));
            a.declared_lang = None;
        }
    }
    a.metadata = obj.into_iter().filter(|(_, v)| !v.is_null()).collect();
    a.id = a.content_id();
    Ok((a, warnings))
}

/// Other names exports give the publication date, read when `published` is absent.
const DATE_ALIASES: [&str; 5] = [
    "date",
    "published_at",
    "publishedAt",
    "datePublished",
    "pubDate",
];

/// Reads the publication date (`published`, else one of [`DATE_ALIASES`]): a string in
/// any form [`crate::dates`] reads, or Unix seconds as a number. A date that cannot be
/// read, or cannot be a publication date, never costs the article: it is a warning, the
/// date is taken from the URL when it has one (the date line, later, when the body has
/// one), and the value is kept as it was in `metadata`.
fn published(obj: &mut Map<String, Value>, a: &mut Article, warnings: &mut Warnings) {
    let field = std::iter::once("published")
        .chain(DATE_ALIASES)
        .find(|k| obj.get(*k).is_some_and(|v| !v.is_null()));
    let Some(field) = field else { return };
    let raw = obj.remove(field).unwrap_or_default();
    let parsed = match &raw {
        Value::String(s) => crate::dates::parse(s).ok_or_else(|| {
            format!(
                "unreadable date {s:?} (read are RFC 3339, ISO 8601, RFC 2822, Unix seconds and dates like 2024-08-28 or 28 August 2024)"
            )
        }),
        Value::Number(n) => n
            .as_f64()
            .and_then(crate::dates::from_unix_number)
            .ok_or_else(|| format!("unreadable Unix time {n}")),
        other => Err(format!(
            "expected a date (a string or Unix seconds), found {}",
            kind(other)
        )),
    }
    .and_then(|p| match crate::dates::implausible(&p) {
        None => Ok(p),
        Some(why) => Err(why),
    });
    match parsed {
        Ok(p) => a.published = Some(p),
        Err(why) => {
            let from_url = a
                .url
                .as_deref()
                .and_then(crate::dates::date_in_url)
                .map(Published::Date)
                .filter(Published::is_plausible);
            let then = match from_url {
                Some(p) => {
                    a.published = Some(p);
                    format!("the article is kept with the date in its URL, {p}")
                }
                None => "the article is kept without a date".to_string(),
            };
            warnings.push((field, format!("{why}; {then}")));
            obj.insert(field.to_string(), raw);
        }
    }
}

/// Splits a body into paragraphs at blank lines; lines within a paragraph are joined.
pub fn paragraphs(body: &str) -> Vec<Paragraph> {
    let body = body.replace("\r\n", "\n");
    body.split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .map(Paragraph::paragraph)
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn take_str(
    obj: &mut Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, Rejection> {
    take_str_as(obj, field, field)
}

fn take_str_as(
    obj: &mut Map<String, Value>,
    key: &str,
    field: &'static str,
) -> Result<Option<String>, Rejection> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err((
            Some(field),
            format!("expected a string, found {}", kind(&other)),
        )),
    }
}

/// `id` may be a string or a number.
fn take_id(obj: &mut Map<String, Value>) -> Result<Option<String>, Rejection> {
    match obj.remove("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err((
            Some("id"),
            format!("expected a string or a number, found {}", kind(&other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::read_str;

    #[test]
    fn reads_records_and_keeps_unknown_fields() {
        let input = r#"{"id": 7, "title": "Bridge reopens", "body": "The bridge reopened on Monday.\n\nTraffic was light.", "published": "2026-01-05T08:00:00Z", "lang": "EN", "desk": "metro"}
{"title": "Only a title"}
"#;
        let (arts, diags) = read_str("a.jsonl", input, None);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(arts.len(), 2);
        let a = &arts[0];
        assert_eq!(a.external_id.as_deref(), Some("7"));
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.declared_lang.as_deref(), Some("en"));
        assert_eq!(a.published.unwrap().to_string(), "2026-01-05T08:00:00Z");
        assert_eq!(a.metadata["desk"], "metro");
        assert_eq!(arts[1].source_record, Some(2));
    }

    #[test]
    fn dates_as_exports_write_them() {
        let input = r#"{"title": "A", "published": "2024-08-28 07:35:03+02"}
{"title": "B", "published": 1724823303}
{"title": "C", "published": "Wed, 28 Aug 2024 07:35:03 GMT"}
{"title": "D", "date": "2024-08-28"}
{"title": "E", "published": "next tuesday", "url": "https://x.example/2024/08/27/e"}
{"title": "F", "published": "1899-12-31T23:00:00Z"}
{"title": "G", "published": true}
{"title": "H", "published": "2999-01-01"}
"#;
        let (arts, diags) = read_str("d.jsonl", input, None);
        let dates: Vec<String> = arts
            .iter()
            .map(|a| a.published.map(|p| p.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(
            dates,
            [
                "2024-08-28T07:35:03+02:00",
                "2024-08-28T05:35:03Z",
                "2024-08-28T07:35:03Z",
                "2024-08-28",
                "2024-08-27",
                "",
                "",
                ""
            ]
        );
        let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(diags.iter().all(|d| !d.is_error()), "{msgs:?}");
        assert!(
            msgs[0].contains("the date in its URL, 2024-08-27"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("outside 1900-01-01 to tomorrow"),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("found a boolean"), "{msgs:?}");
        assert!(msgs[3].contains("2999-01-01 is outside"), "{msgs:?}");
    }

    #[test]
    fn broken_lines_are_named_and_the_rest_kept() {
        let input = "{\"title\": \"One\"}\n{\"title\": \"Two\",\n\n{\"title\": 3}\n[1, 2]\n{\"body\": \"\"}\n{\"title\": \"Five\", \"published\": \"2025-02-30\"}\n{\"title\": \"Six\"}\n";
        let (arts, diags) = read_str("b.jsonl", input, None);
        let titles: Vec<_> = arts.iter().map(|a| a.title.clone().unwrap()).collect();
        // An impossible date costs the article nothing but its date.
        assert_eq!(titles, ["One", "Five", "Six"]);
        assert_eq!(arts[1].published, None);
        assert_eq!(arts[1].metadata["published"], "2025-02-30");
        let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert!(
            msgs[0].starts_with("b.jsonl:2: record 2: error: invalid JSON"),
            "{msgs:?}"
        );
        assert_eq!(
            msgs[1],
            "b.jsonl:4: record 3: field `title`: error: expected a string, found a number"
        );
        assert_eq!(
            msgs[2],
            "b.jsonl:5: record 4: error: expected a JSON object, found an array"
        );
        assert_eq!(
            msgs[3],
            "b.jsonl:6: record 5: error: record has neither a `title` nor a `body`"
        );
        assert!(
            msgs[4].starts_with(
                "b.jsonl:7: record 6: field `published`: warning: unreadable date \"2025-02-30\""
            ) && msgs[4].ends_with("the article is kept without a date"),
            "{msgs:?}"
        );
    }
}

//! The plain-text article format:
//!
//! ```text
//!  date 2025-09-03 CATEGORY          <- header: a leading space, `date`, ISO date, category
//! Title without a final full stop    <- title and standfirst, in either order
//! The standfirst, one sentence.
//! A photo caption. / CREDIT          <- caption ending in ` / CREDIT`
//! 3. september 2025                  <- the date line, in the article's language
//!
//! Body paragraph.                    <- paragraphs and short subheadings, blank-line separated
//! ```
//!
//! The head lines are told apart by their shape, not only their position: the caption
//! is the line ending in ` / CREDIT`, the date line is a short line with a number in it,
//! the title is the line without a final full stop. A file may hold several articles,
//! each starting with its header line. A file without a header is read as plain text:
//! first line the title, the rest the body, with a warning.

use crate::lines::{next_line, Line};
use crate::{Item, MAX_ARTICLE_BYTES};
use parallax_core::{calendar, Article, Diagnostic, Paragraph, Published};
use std::io::BufRead;

/// The longest line a subheading may be, in words.
const SUBHEADING_MAX_WORDS: usize = 12;

struct Draft {
    record: u64,
    first_line: u64,
    header: Option<(String, Option<String>)>,
    /// Lines of the current block, and the line number it started on.
    blocks: Vec<(u64, Vec<String>)>,
    bytes: usize,
}

impl Draft {
    fn new(record: u64, first_line: u64) -> Self {
        Draft {
            record,
            first_line,
            header: None,
            blocks: Vec::new(),
            bytes: 0,
        }
    }

    fn push_line(&mut self, line_no: u64, line: String, new_block: bool) {
        self.bytes += line.len() + 1;
        match self.blocks.last_mut() {
            Some((_, lines)) if !new_block => lines.push(line),
            _ => self.blocks.push((line_no, vec![line])),
        }
    }
}

/// Parses the header line ` date YYYY-MM-DD CATEGORY`; `None` if the line is not one.
fn header(line: &str) -> Option<(String, Option<String>)> {
    let rest = line.trim_start().strip_prefix("date ")?;
    let mut words = rest.split_whitespace();
    let date = words.next()?;
    if date.len() != 10 || !date.as_bytes()[0].is_ascii_digit() || date.as_bytes()[4] != b'-' {
        return None;
    }
    let category = words.next().map(str::to_string);
    Some((date.to_string(), category))
}

/// Reads every article of a text-format stream.
pub fn read(name: &str, mut reader: Box<dyn BufRead + '_>, sink: &mut dyn FnMut(Item)) {
    let mut line_no = 0u64;
    let mut record = 1u64;
    let mut draft = Draft::new(record, 1);
    let mut blank_before = true;
    let mut skipping = false;
    loop {
        let line = match next_line(&mut *reader, MAX_ARTICLE_BYTES) {
            Ok(Line::Eof) => break,
            Ok(Line::Text(t)) => t,
            Ok(Line::TooLong(n)) => {
                line_no += 1;
                if !skipping {
                    sink(Item::Diagnostic(too_large(name, &draft, line_no, n)));
                    skipping = true;
                }
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
        if let Some(h) = header(&line).filter(|_| blank_before || line_no == 1) {
            if line_no > 1 && !draft.blocks.is_empty() || draft.header.is_some() {
                if !skipping {
                    finish(name, draft, sink);
                }
                record += 1;
            }
            draft = Draft::new(record, line_no);
            draft.header = Some(h);
            skipping = false;
            blank_before = false;
            continue;
        }
        if skipping {
            continue;
        }
        let is_blank = line.trim().is_empty();
        if !is_blank {
            draft.push_line(line_no, line, blank_before);
            if draft.bytes > MAX_ARTICLE_BYTES {
                sink(Item::Diagnostic(too_large(
                    name,
                    &draft,
                    line_no,
                    draft.bytes,
                )));
                skipping = true;
            }
        }
        blank_before = is_blank;
    }
    if !skipping {
        finish(name, draft, sink);
    }
}

fn too_large(name: &str, draft: &Draft, line: u64, bytes: usize) -> Diagnostic {
    Diagnostic::error(
        name,
        format!(
            "article starting on line {} is larger than {} MiB ({bytes} bytes read so far); it was skipped, not loaded",
            draft.first_line,
            MAX_ARTICLE_BYTES / (1024 * 1024)
        ),
    )
    .at_line(line)
    .at_record(draft.record)
}

fn ends_sentence(s: &str) -> bool {
    s.trim_end().ends_with([
        '.', '!', '?', '…', ':', ';', '"', '”', '“', '»', '«', '’', ')',
    ])
}

/// Splits `caption / CREDIT` when the credit is short, as credits are.
fn caption_credit(line: &str) -> Option<(String, String)> {
    let (caption, credit) = line.rsplit_once(" / ")?;
    let credit = credit.trim();
    let words = credit.split_whitespace().count();
    (!credit.is_empty() && words <= 6 && credit.len() <= 60 && !credit.ends_with('.'))
        .then(|| (caption.trim().to_string(), credit.to_string()))
}

/// Whether a head line is a date line: short, with a month name and a number, or a
/// numeric date such as `03.09.2025`.
fn looks_like_dateline(line: &str) -> bool {
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 || line.len() > 60 {
        return false;
    }
    let numeric_date = |w: &str| {
        let parts: Vec<&str> = w.trim_end_matches('.').split(['.', '-', '/']).collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    let has_number = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    let has_month = words.iter().any(|w| calendar::is_month_name(w));
    (has_number && has_month) || words.iter().any(|w| numeric_date(w))
}

fn finish(name: &str, draft: Draft, sink: &mut dyn FnMut(Item)) {
    let Draft {
        record,
        first_line,
        header,
        mut blocks,
        ..
    } = draft;
    let diag = |line: u64, msg: String| {
        Diagnostic::warning(name, msg)
            .at_line(line)
            .at_record(record)
    };
    if blocks.is_empty() {
        if header.is_some() {
            sink(Item::Diagnostic(
                Diagnostic::error(name, "article has a header line but no text")
                    .at_line(first_line)
                    .at_record(record),
            ));
        }
        return;
    }
    if header.is_none() {
        // Plain text that is only short lines without a sentence: a menu or a list.
        let lines: Vec<&str> = blocks
            .iter()
            .flat_map(|(_, ls)| ls.iter().map(String::as_str))
            .filter(|l| !l.trim().is_empty())
            .collect();
        if crate::prose::is_menu(&lines) {
            return sink(Item::Diagnostic(
                Diagnostic::error(
                    name,
                    format!(
                        "not an article: {} short lines without a sentence among them (a menu or a list?)",
                        lines.len()
                    ),
                )
                .at_line(first_line)
                .at_record(record),
            ));
        }
    }
    let mut a = Article {
        source_path: Some(name.to_string()),
        source_record: Some(record),
        ..Article::default()
    };
    let mut head: Vec<(u64, String)> = Vec::new();
    match &header {
        Some((date, category)) => {
            a.category = category.clone();
            match Published::parse(date) {
                Ok(p) if p.is_plausible() => a.published = Some(p),
                Ok(p) => sink(Item::Diagnostic(
                    diag(
                        first_line,
                        format!("{}; the publication date is taken from the date line if it has one", crate::dates::implausible(&p).unwrap_or_default()),
                    )
                    .with_field("date"),
                )),
                Err(_) => sink(Item::Diagnostic(
                    diag(
                        first_line,
                        format!("impossible date `{date}` in the header line; the publication date is taken from the date line if it has one"),
                    )
                    .with_field("date"),
                )),
            }
            // The head is the first block: the lines before the first blank line.
            let (start, lines) = blocks.remove(0);
            head = lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| (start + i as u64, l))
                .collect();
        }
        None => sink(Item::Diagnostic(diag(
            blocks[0].0,
            "no header line ` date YYYY-MM-DD CATEGORY`: read as plain text, the first line as the title".into(),
        ))),
    }
    if header.is_none() {
        // Plain text: the first line is the title, the rest of its block the first paragraph.
        let (start, lines) = &mut blocks[0];
        a.title = Some(lines.remove(0).trim().to_string());
        *start += 1;
        if lines.is_empty() {
            blocks.remove(0);
        }
    }
    let mut texts: Vec<(u64, String)> = Vec::new();
    for (line, text) in head {
        let text = text.trim().to_string();
        if a.caption.is_none() {
            if let Some((caption, credit)) = caption_credit(&text) {
                a.caption = Some(caption);
                a.credit = Some(credit);
                continue;
            }
        }
        if a.dateline_text.is_none() && looks_like_dateline(&text) {
            a.dateline_text = Some(text);
            continue;
        }
        texts.push((line, text));
    }
    // Title: the line without a final full stop; standfirst: the one with it.
    let title_at = texts
        .iter()
        .position(|(_, t)| !ends_sentence(t))
        .unwrap_or(0);
    if !texts.is_empty() {
        a.title = Some(texts.remove(title_at).1);
    }
    if !texts.is_empty() {
        a.standfirst = Some(texts.remove(0).1);
    }
    for (line, extra) in texts {
        sink(Item::Diagnostic(diag(
            line,
            format!(
                "unexpected line in the head (kept as a body paragraph): {:?}",
                short(&extra)
            ),
        )));
        a.paragraphs.push(Paragraph::paragraph(extra));
    }
    for (_, lines) in blocks {
        let text = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        let is_subheading = lines.len() == 1
            && !ends_sentence(&text)
            && text.split_whitespace().count() <= SUBHEADING_MAX_WORDS;
        a.paragraphs.push(if is_subheading {
            Paragraph::subheading(text)
        } else {
            Paragraph::paragraph(text)
        });
    }
    a.id = a.content_id();
    sink(Item::Article(Box::new(a)));
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{read_str, Format};
    use parallax_core::ParagraphKind;

    const SAMPLE: &str = " date 2026-03-14 POLITIK
Ministeren går af efter to års strid
Regeringen mister sin tredje minister på et år.
Ministeren forlader Christiansborg fredag. / Ritzau
14. marts 2026

Ministeren meddelte fredag, at hun går af med øjeblikkelig virkning.

En ny begyndelse

Statsministeren takkede hende for indsatsen.
";

    #[test]
    fn reads_the_head_by_shape() {
        let (arts, diags) = read_str("s.txt", SAMPLE, None);
        assert!(diags.is_empty(), "{diags:?}");
        let a = &arts[0];
        assert_eq!(a.published.unwrap().to_string(), "2026-03-14");
        assert_eq!(a.category.as_deref(), Some("POLITIK"));
        assert_eq!(
            a.title.as_deref(),
            Some("Ministeren går af efter to års strid")
        );
        assert_eq!(
            a.standfirst.as_deref(),
            Some("Regeringen mister sin tredje minister på et år.")
        );
        assert_eq!(
            a.caption.as_deref(),
            Some("Ministeren forlader Christiansborg fredag.")
        );
        assert_eq!(a.credit.as_deref(), Some("Ritzau"));
        assert_eq!(a.dateline_text.as_deref(), Some("14. marts 2026"));
        let kinds: Vec<_> = a.paragraphs.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                ParagraphKind::Paragraph,
                ParagraphKind::Subheading,
                ParagraphKind::Paragraph
            ]
        );
        assert_eq!(a.source_record, Some(1));
    }

    #[test]
    fn several_articles_in_one_stream_and_crlf() {
        let two =
            format!("{SAMPLE}\n{}", SAMPLE.replace("to års", "tre års")).replace('\n', "\r\n");
        let (arts, diags) = read_str("-", &two, Some(Format::Text));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(arts.len(), 2);
        assert_ne!(arts[0].id, arts[1].id);
        assert_eq!(arts[1].source_record, Some(2));
        assert_eq!(
            arts[1].title.as_deref(),
            Some("Ministeren går af efter tre års strid")
        );
    }

    #[test]
    fn impossible_header_date_is_named() {
        let bad = SAMPLE.replace("2026-03-14", "2025-02-30");
        let (arts, diags) = read_str("bad.txt", &bad, None);
        assert_eq!(arts.len(), 1);
        assert_eq!(arts[0].published, None);
        let d = diags[0].to_string();
        assert!(d.starts_with("bad.txt:1: record 1: field `date`"), "{d}");
        assert!(d.contains("2025-02-30"), "{d}");
    }

    #[test]
    fn plain_text_without_header() {
        let (arts, diags) = read_str(
            "p.txt",
            "A headline\nFirst paragraph here.\n\nSecond one.\n",
            None,
        );
        assert_eq!(arts[0].title.as_deref(), Some("A headline"));
        assert_eq!(arts[0].paragraphs.len(), 2);
        assert!(diags[0].message.contains("no header line"), "{diags:?}");
    }
}

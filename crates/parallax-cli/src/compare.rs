//! `parallax compare ARTICLE_OR_STORY...`: the versions of a story side by side. Each
//! argument is an article id or an unambiguous prefix (story ids come with story
//! assignment). Three outputs: the terminal view (versions as columns, aligned rows, a
//! figure table, quotes; the width is the terminal's, or 160 when not a terminal, read
//! with `console`, which indicatif already brings), `--json` and `--markdown` (a report
//! to paste).

use crate::commands::Ctx;
use crate::output;
use anyhow::{bail, Result};
use parallax_engine::compare::{Comparison, FigureItem};
use std::io::Write;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, ids: &[String], json: bool, markdown: bool) -> Result<ExitCode> {
    // A write (sentence vectors are stored on first use), but never a new file.
    let mut store = parallax_engine::Store::open_existing(&ctx.db)?;
    let vectors = ctx.vectors()?;
    // One argument that names a story: its articles are the versions.
    let (story, ids) = match ids {
        [one] => match one
            .parse::<i64>()
            .ok()
            .map(|n| store.story(n))
            .transpose()?
        {
            Some(Some(s)) => (
                s.id.to_string(),
                s.articles.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
            ),
            _ => bail!(
                "no story {one:?} in {}; give a story id or two or more article ids",
                ctx.db.display()
            ),
        },
        _ => (String::new(), ids.to_vec()),
    };
    let compared = parallax_engine::compare::compare(&mut store, &vectors, &story, &ids)?;
    let c = &compared.comparison;
    if c.versions.len() < 2 {
        bail!("compare needs at least two different articles");
    }
    if json {
        output::json(&parallax_engine::compare::view(c))?;
    } else if markdown {
        let mut out = std::io::stdout().lock();
        out.write_all(markdown_report(c).as_bytes())?;
    } else {
        let width = console::Term::stdout()
            .size_checked()
            .map(|(_, w)| w as usize)
            .unwrap_or(160);
        let mut out = std::io::stdout().lock();
        out.write_all(terminal(c, width.max(40)).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// Word-wraps to `width` characters a line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            let tail: String = word.chars().skip(width).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
            word = tail;
        }
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

fn sentence_text(c: &Comparison, v: usize, index: usize) -> String {
    let article = &c.versions[v].article;
    c.shared
        .iter()
        .flat_map(|s| &s.sentences)
        .find(|s| &s.article == article && s.index == index)
        .map(|s| s.text.clone())
        .or_else(|| {
            c.only_in
                .get(article)?
                .iter()
                .find(|o| o.index == index)
                .map(|o| o.text.clone())
        })
        .unwrap_or_default()
}

fn figure(f: &FigureItem) -> String {
    let mut v = output::number(&serde_json::json!(f.value));
    if let Some(max) = f.value_max {
        v = format!("{v}-{}", output::number(&serde_json::json!(max)));
    }
    match f.bound {
        Some(parallax_core::facts::Bound::Lower) => v = format!(">{v}"),
        Some(parallax_core::facts::Bound::Upper) => v = format!("<{v}"),
        _ => {}
    }
    if f.approx {
        v = format!("~{v}");
    }
    v
}

fn lang_of<'a>(c: &'a Comparison, article: &str) -> &'a str {
    c.versions
        .iter()
        .find(|v| v.article == article)
        .map(|v| v.lang.as_str())
        .unwrap_or("")
}

/// The terminal view.
pub fn terminal(c: &Comparison, width: usize) -> String {
    let n = c.versions.len();
    let gutter = 2;
    let col = ((width.saturating_sub(gutter + 3 * (n - 1))) / n).max(12);
    let mut s = String::new();
    let sep = format!(
        "{}\n",
        "─".repeat((col * n + 3 * (n - 1) + gutter).min(width))
    );
    let header: Vec<String> = c
        .versions
        .iter()
        .map(|v| {
            format!(
                "{} [{}] {}",
                short(&v.article),
                v.lang,
                v.title.as_deref().unwrap_or("")
            )
        })
        .collect();
    push_row(
        &mut s,
        "  ",
        &header.iter().map(|h| wrap(h, col)).collect::<Vec<_>>(),
        col,
    );
    s.push_str(&sep);
    for row in c.rows() {
        let cells: Vec<Vec<String>> = row
            .cells
            .iter()
            .enumerate()
            .map(|(v, idx)| {
                if idx.is_empty() {
                    return vec![if row.shared {
                        "·".to_string()
                    } else {
                        String::new()
                    }];
                }
                idx.iter()
                    .flat_map(|&i| wrap(&format!("{i:>2} {}", sentence_text(c, v, i)), col))
                    .collect()
            })
            .collect();
        push_row(&mut s, if row.shared { "= " } else { "+ " }, &cells, col);
        s.push('\n');
    }
    s.push_str("= said by several versions   + only in this version   · not in this version\n");
    s.push_str(&sep);
    s.push_str("Figures\n");
    if c.figures.is_empty() {
        s.push_str("  (no figures to compare)\n");
    }
    for g in &c.figures {
        s.push_str(&format!("  {}\n", g.relation.as_str()));
        for f in &g.items {
            let src = f
                .source
                .as_deref()
                .map(|x| format!(" according to {x}"))
                .unwrap_or_default();
            let line = format!(
                "    {} [{}] {:>10}  {}{}  \"{}\"",
                short(&f.article),
                lang_of(c, &f.article),
                figure(f),
                f.counted,
                src,
                f.text
            );
            s.push_str(&output::ellipsis(&line, width));
            s.push('\n');
        }
    }
    s.push_str(&sep);
    s.push_str("Quotes said in several versions\n");
    if c.quotes.is_empty() {
        s.push_str("  (none)\n");
    }
    for g in &c.quotes {
        let who = g
            .items
            .iter()
            .find_map(|q| q.speaker.as_deref())
            .unwrap_or("(speaker not named)");
        s.push_str(&format!("  {who}\n"));
        for q in &g.items {
            let line = format!(
                "    {} [{}] \"{}\"",
                short(&q.article),
                lang_of(c, &q.article),
                q.text
            );
            s.push_str(&output::ellipsis(&line, width));
            s.push('\n');
        }
    }
    s
}

fn push_row(s: &mut String, mark: &str, cells: &[Vec<String>], col: usize) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(0);
    for line in 0..height {
        s.push_str(if line == 0 { mark } else { "  " });
        let parts: Vec<String> = cells
            .iter()
            .map(|c| pad(c.get(line).map(String::as_str).unwrap_or(""), col))
            .collect();
        s.push_str(parts.join(" │ ").trim_end());
        s.push('\n');
    }
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report.
pub fn markdown_report(c: &Comparison) -> String {
    let mut s = String::from(
        "# Comparison of the versions\n\n| Version | Language | Title |\n|---|---|---|\n",
    );
    for v in &c.versions {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            short(&v.article),
            v.lang,
            md(v.title.as_deref().unwrap_or(""))
        ));
    }
    s.push_str("\n## Said by several versions\n\n");
    if c.shared.is_empty() {
        s.push_str("Nothing.\n");
    }
    for (k, g) in c.shared.iter().enumerate() {
        s.push_str(&format!("{}. ", k + 1));
        for (i, x) in g.sentences.iter().enumerate() {
            if i > 0 {
                s.push_str("   ");
            }
            s.push_str(&format!(
                "**{}** (`{}`): {}\n",
                lang_of(c, &x.article),
                short(&x.article),
                x.text.trim()
            ));
        }
    }
    for v in &c.versions {
        s.push_str(&format!(
            "\n## Only in `{}` ({})\n\n",
            short(&v.article),
            v.lang
        ));
        let list = c.only_in.get(&v.article).map(Vec::as_slice).unwrap_or(&[]);
        if list.is_empty() {
            s.push_str("Nothing.\n");
        }
        for o in list {
            s.push_str(&format!("- {}\n", o.text.trim()));
        }
    }
    s.push_str("\n## Figures\n\n");
    if c.figures.is_empty() {
        s.push_str("No figures to compare.\n");
    } else {
        s.push_str("| Relation | Version | Figure | Counted | Source | Sentence |\n|---|---|---|---|---|---|\n");
        for g in &c.figures {
            for f in &g.items {
                s.push_str(&format!(
                    "| {} | {} `{}` | {} ({}) | {} | {} | {} |\n",
                    g.relation.as_str().replace('_', " "),
                    lang_of(c, &f.article),
                    short(&f.article),
                    figure(f),
                    md(&f.text),
                    md(&f.counted),
                    f.source.as_deref().unwrap_or(""),
                    md(f.sentence.trim())
                ));
            }
        }
    }
    s.push_str("\n## Quotes in several versions\n\n");
    if c.quotes.is_empty() {
        s.push_str("None.\n");
    }
    for g in &c.quotes {
        let who = g
            .items
            .iter()
            .find_map(|q| q.speaker.as_deref())
            .unwrap_or("speaker not named");
        s.push_str(&format!("- {who}:\n"));
        for q in &g.items {
            s.push_str(&format!(
                "  - **{}**: “{}”\n",
                lang_of(c, &q.article),
                md(&q.text)
            ));
        }
    }
    s
}

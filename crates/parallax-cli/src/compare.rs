//! `parallax compare ARTICLE_OR_STORY...`: the versions of a story side by side. Each
//! argument is an article id or an unambiguous prefix (story ids come with story
//! assignment). `--versions ID,ID` and `--lang da,ro` choose versions. Three outputs: the
//! terminal view (versions as columns while they fit at a readable width, otherwise one
//! version as the spine and, per row, the others that say the same; rows whose
//! versions differ marked with the difference in words; the figure groups each with
//! their sentence of explanation; quotes), `--json` and `--markdown` (a report to
//! paste). The width is `COLUMNS` when set, else the terminal's (read with `console`,
//! which indicatif already brings), else 100.

use crate::commands::Ctx;
use crate::output;
use anyhow::{bail, Result};
use parallax_engine::compare::{Comparison, Selection};
use parallax_engine::reports::{copies_lines, kind_words, lang_of, markdown, short};
use std::io::Write;
use std::process::ExitCode;

/// The outputs of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Terminal,
    Json,
    Markdown,
    Csv(crate::export::CompareTable),
}

pub fn run(ctx: &Ctx, ids: &[String], selection: &Selection, format: Output) -> Result<ExitCode> {
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
                crate::commands::shown(&ctx.db)
            ),
        },
        _ => (String::new(), ids.to_vec()),
    };
    let ids = if selection.versions.is_empty() && selection.langs.is_empty() {
        ids
    } else {
        let mut known = Vec::new();
        for id in &ids {
            if let Some(a) = store.article(id)? {
                known.push((a.id.to_string(), a.lang.clone()));
            }
        }
        let kept: Vec<String> = selection
            .keep(&known)
            .into_iter()
            .map(String::from)
            .collect();
        if kept.len() < 2 {
            bail!(
                "the selection keeps {} version(s) of {}; compare needs two (languages here: {})",
                kept.len(),
                known.len(),
                known
                    .iter()
                    .filter_map(|(_, l)| l.as_deref())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        kept
    };
    let compared = parallax_engine::compare::compare(&mut store, &vectors, &story, &ids)?;
    let c = &compared.comparison;
    if c.versions.len() < 2 {
        bail!("compare needs at least two different articles");
    }
    match format {
        Output::Json => output::json(&parallax_engine::compare::view(c))?,
        Output::Markdown => {
            let mut out = std::io::stdout().lock();
            out.write_all(markdown(c).as_bytes())?;
        }
        Output::Csv(table) => crate::export::compare(c, table)?,
        Output::Terminal => {
            let mut out = std::io::stdout().lock();
            out.write_all(terminal(c, terminal_width()).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `COLUMNS` when set to a number, else the terminal's width, else 100; at least 40.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .or_else(|| {
            console::Term::stdout()
                .size_checked()
                .map(|(_, w)| w as usize)
        })
        .unwrap_or(100)
        .max(40)
}

/// `parallax eval compare`.
pub fn eval(
    ctx: &Ctx,
    file: &std::path::Path,
    min_versions: usize,
    clusters: usize,
    cache: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode> {
    let vectors = ctx.vectors()?;
    let r = parallax_engine::compare::eval_parallel(file, &vectors, min_versions, clusters, cache)?;
    if json {
        output::json(&serde_json::to_value(&r)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} clusters, {} versions, {} sentences",
        r.clusters, r.versions, r.sentences
    )?;
    writeln!(
        out,
        "in rows where their version has at most 2 sentences  {:.1}%  (most of one version in one row: {})",
        100.0 * r.tight_share(),
        r.max_per_version
    )?;
    writeln!(
        out,
        "aligned (in a row with another version)            {:.1}%",
        100.0 * r.aligned_share()
    )?;
    writeln!(
        out,
        "sentence pairs in one row from the same segment      {:.1}%  ({} of {})",
        100.0 * r.pair_precision(),
        r.pairs_right,
        r.pairs
    )?;
    let groups: Vec<String> = r
        .figure_groups
        .iter()
        .map(|(k, n)| format!("{} {n}", k.replace('_', " ")))
        .collect();
    writeln!(
        out,
        "figure groups: {}  (conflicts: {})",
        if groups.is_empty() {
            "none".to_string()
        } else {
            groups.join(", ")
        },
        r.conflicts()
    )?;
    writeln!(
        out,
        "version pairs scored: {} of {}",
        r.version_pairs_scored, r.version_pairs
    )?;
    for c in &r.per_cluster {
        writeln!(
            out,
            "  {:<48} {:>2} versions {:>4} sentences  tight {:>5.1}%  aligned {:>5.1}%  right pairs {:>5.1}%  conflicts {}",
            c.cluster,
            c.langs.len(),
            c.sentences,
            100.0 * c.in_tight_rows as f64 / c.sentences.max(1) as f64,
            100.0 * c.aligned as f64 / c.sentences.max(1) as f64,
            100.0 * c.pairs_right as f64 / c.pairs.max(1) as f64,
            c.conflicts
        )?;
        for g in &c.conflict_groups {
            writeln!(out, "    conflict: {}", g.explanation)?;
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// The narrowest readable column; with more versions than fit at this width the view
/// switches to the spine layout.
const MIN_COLUMN: usize = 28;

/// The terminal view, `width` characters wide.
pub fn terminal(c: &Comparison, width: usize) -> String {
    let n = c.versions.len();
    let mut s = String::new();
    let sep = format!("{}\n", "─".repeat(width));
    let rows = c.rows();
    let fits = n * MIN_COLUMN + 3 * n.saturating_sub(1) + 2 <= width;
    let differs_of =
        |row: &parallax_engine::compare::Row| -> Vec<String> { row_differences(c, row) };
    if fits {
        let col = (width.saturating_sub(2 + 3 * (n - 1))) / n;
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
        for row in &rows {
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
            let differs = differs_of(row);
            push_row(&mut s, mark(row, &differs), &cells, col);
            for d in &differs {
                for line in wrap(d, width.saturating_sub(4)) {
                    s.push_str(&format!("    {line}\n"));
                }
            }
            s.push('\n');
        }
    } else {
        // The spine: the version with the most sentences; per row its sentence in full,
        // then one line for each other version that has the row.
        let spine = (0..n)
            .max_by_key(|&v| {
                (
                    rows.iter().filter(|r| !r.cells[v].is_empty()).count(),
                    std::cmp::Reverse(v),
                )
            })
            .unwrap_or(0);
        s.push_str(&format!(
            "{n} versions; the spine is {} [{}]; each row lists the other versions that say the same\n",
            short(&c.versions[spine].article),
            c.versions[spine].lang
        ));
        for v in &c.versions {
            s.push_str(&output::ellipsis(
                &format!(
                    "  {} [{}] {}",
                    short(&v.article),
                    v.lang,
                    v.title.as_deref().unwrap_or("")
                ),
                width,
            ));
            s.push('\n');
        }
        s.push_str(&sep);
        for row in &rows {
            let differs = differs_of(row);
            let lead = if row.cells[spine].is_empty() {
                (0..n).find(|&v| !row.cells[v].is_empty()).unwrap_or(spine)
            } else {
                spine
            };
            let text = row.cells[lead]
                .iter()
                .map(|&i| sentence_text(c, lead, i))
                .collect::<Vec<_>>()
                .join(" ");
            let head = format!(
                "[{}{}] {text}",
                c.versions[lead].lang,
                if lead == spine {
                    ""
                } else {
                    ", not in the spine"
                }
            );
            for (k, line) in wrap(&head, width.saturating_sub(2)).iter().enumerate() {
                s.push_str(if k == 0 { mark(row, &differs) } else { "  " });
                s.push_str(line);
                s.push('\n');
            }
            for v in (0..n).filter(|&v| v != lead && !row.cells[v].is_empty()) {
                let text = row.cells[v]
                    .iter()
                    .map(|&i| sentence_text(c, v, i))
                    .collect::<Vec<_>>()
                    .join(" ");
                s.push_str(&output::ellipsis(
                    &format!(
                        "    {} [{}] {text}",
                        short(&c.versions[v].article),
                        c.versions[v].lang
                    ),
                    width,
                ));
                s.push('\n');
            }
            for d in &differs {
                for line in wrap(d, width.saturating_sub(4)) {
                    s.push_str(&format!("    {line}\n"));
                }
            }
            s.push('\n');
        }
    }
    s.push_str(
        "= said by several versions   ≠ said by several versions, differently (named below the row)   + only in this version   · not in this version\n",
    );
    for line in copies_lines(c) {
        s.push_str(&output::ellipsis(&line, width));
        s.push('\n');
    }
    s.push_str(&sep);
    s.push_str("Figures\n");
    if c.figures.is_empty() {
        s.push_str("  (no figures to compare)\n");
    }
    for g in &c.figures {
        let first = format!("{}: {}", g.relation.label(), g.explanation);
        for (k, line) in wrap(&first, width.saturating_sub(4)).iter().enumerate() {
            s.push_str(if k == 0 { "  " } else { "    " });
            s.push_str(line);
            s.push('\n');
        }
        for f in &g.items {
            let line = format!(
                "    {} [{}] {}  \"{}\"",
                short(&f.article),
                lang_of(c, &f.article),
                f.written,
                f.sentence.trim()
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
            .find_map(|q| q.speaker_name.as_deref().or(q.speaker.as_deref()))
            .unwrap_or(crate::output::UNNAMED_SPEAKER);
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

fn mark(row: &parallax_engine::compare::Row, differs: &[String]) -> &'static str {
    match (row.shared, differs.is_empty()) {
        (true, true) => "= ",
        (true, false) => "≠ ",
        (false, _) => "+ ",
    }
}

/// The differences named for the shared group a row shows ("figure: …").
fn row_differences(c: &Comparison, row: &parallax_engine::compare::Row) -> Vec<String> {
    if !row.shared {
        return Vec::new();
    }
    let Some((v, &i)) = row
        .cells
        .iter()
        .enumerate()
        .find_map(|(v, cell)| cell.first().map(|i| (v, i)))
    else {
        return Vec::new();
    };
    let article = &c.versions[v].article;
    c.shared
        .iter()
        .find(|g| {
            g.sentences
                .iter()
                .any(|x| &x.article == article && x.index == i)
        })
        .map(|g| {
            g.differs
                .iter()
                .map(|d| format!("{}: {}", kind_words(d.kind), d.explanation))
                .collect()
        })
        .unwrap_or_default()
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

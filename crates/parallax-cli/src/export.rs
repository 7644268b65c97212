//! CSV exports (`--csv`) of the listings: articles, stories, facts, and the two tables
//! of a comparison (its rows and its figures); written with the `csv` crate (RFC 4180
//! quoting), a header row first. Every table here is a list of its column names and
//! rows of strings, so that each format is one function and the tests can parse it
//! back.

use anyhow::Result;
use parallax_engine::compare::Comparison;
use parallax_engine::reports::{figures_table, rows_table, FIGURE_COLUMNS};
use serde_json::Value;
use std::io::Write;

/// Writes a header and rows as CSV to standard output.
pub fn write(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.flush()?;
    Ok(())
}

/// A JSON value as a cell: strings as they are, null as empty, numbers as written,
/// arrays joined with "; ".
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(_) => crate::output::number(v),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("; "),
        v => v.to_string(),
    }
}

pub const ARTICLE_COLUMNS: &[&str] = &[
    "id",
    "lang",
    "published",
    "source",
    "url",
    "title",
    "standfirst",
];

/// `articles --csv`: one row per article.
pub fn articles(list: &[parallax_core::Article]) -> Result<()> {
    write(
        ARTICLE_COLUMNS,
        list.iter().map(|a| {
            vec![
                a.id.to_string(),
                a.lang.clone().unwrap_or_default(),
                a.published.map(|p| p.to_string()).unwrap_or_default(),
                a.source.clone().unwrap_or_default(),
                a.url.clone().unwrap_or_default(),
                a.title.clone().unwrap_or_default(),
                a.standfirst.clone().unwrap_or_default(),
            ]
        }),
    )
}

pub const STORY_COLUMNS: &[&str] = &[
    "id",
    "n_articles",
    "languages",
    "first_seen",
    "last_seen",
    "title",
    "articles",
];

/// `stories --csv`: one row per story (the views' JSON), its title the first one.
pub fn stories(list: &[Value]) -> Result<()> {
    write(
        STORY_COLUMNS,
        list.iter().map(|s| {
            let title = s["titles"]
                .as_object()
                .and_then(|t| t.values().next())
                .map(cell)
                .unwrap_or_default();
            vec![
                cell(&s["id"]),
                cell(&s["n_articles"]),
                cell(&s["languages"]),
                cell(&s["first_seen"]),
                cell(&s["last_seen"]),
                title,
                cell(&s["articles"]),
            ]
        }),
    )
}

pub const FACT_COLUMNS: &[&str] = &[
    "kind",
    "text",
    "key",
    "value",
    "value_max",
    "counted",
    "event",
    "unit",
    "source",
    "speaker",
    "date",
    "sentence_index",
    "sentence",
];

/// `facts --csv`: one row per fact (entity, figure, quote, date) of the facts view.
pub fn facts(v: &Value) -> Result<()> {
    let mut rows = Vec::new();
    for (list, kind) in [
        ("entities", "entity"),
        ("figures", "figure"),
        ("quotes", "quote"),
        ("dates", "date"),
    ] {
        for f in v[list].as_array().into_iter().flatten() {
            let kind = match list {
                "entities" => f["kind"].as_str().unwrap_or(kind).to_string(),
                _ => kind.to_string(),
            };
            rows.push(vec![
                kind,
                cell(&f["text"]),
                cell(&f["key"]),
                cell(&f["value"]),
                cell(&f["value_max"]),
                cell(&f["counted"]),
                cell(&f["event"]),
                cell(&f["unit"]),
                cell(&f["source"]),
                cell(&f["speaker"]),
                cell(&f["date"]),
                cell(&f["sentence_index"]),
                cell(&f["sentence"]),
            ]);
        }
    }
    write(FACT_COLUMNS, rows)
}

/// The tables of `compare --csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareTable {
    /// The side-by-side rows: one column per version
    Rows,
    /// The figure groups: one row per figure
    Figures,
}

/// `compare --csv TABLE`.
pub fn compare(c: &Comparison, table: CompareTable) -> Result<()> {
    match table {
        CompareTable::Rows => {
            let (header, rows) = rows_table(c);
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            write(&header, rows)
        }
        CompareTable::Figures => write(FIGURE_COLUMNS, figures_table(c)),
    }
}

/// `story --markdown`: the story, its versions as a table (language, source, time,
/// title, id).
pub fn story_markdown(out: &mut impl Write, s: &Value, versions: &[Value]) -> Result<()> {
    let md = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    writeln!(out, "# Story {}\n", s["id"])?;
    if let Some(from) = s["merged_from"].as_i64() {
        writeln!(out, "Story {from} was merged into this story.\n")?;
    }
    let n = s["n_articles"].as_u64().unwrap_or(0);
    writeln!(
        out,
        "{n} {} in {}, {} to {}.\n",
        if n == 1 { "article" } else { "articles" },
        cell(&s["languages"]).replace("; ", ", "),
        s["first_seen"].as_str().unwrap_or("an unknown time"),
        s["last_seen"].as_str().unwrap_or("an unknown time"),
    )?;
    writeln!(out, "| Language | Source | Published | Title | Article |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for v in versions {
        writeln!(
            out,
            "| {} | {} | {} | {} | `{}` |",
            cell(&v["lang"]),
            md(&cell(&v["source"])),
            cell(&v["published"]),
            md(&cell(&v["title"])),
            cell(&v["id"]),
        )?;
    }
    Ok(())
}

//! CSV exports (`--csv`) of the listings: articles, stories, facts, and the two tables
//! of a comparison (its rows and its figures); written with the `csv` crate (RFC 4180
//! quoting), a header row first. Every table here is a list of its column names and
//! rows of strings, so that each format is one function and the tests can parse it
//! back.

use anyhow::Result;
use parallax_engine::compare::Comparison;
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

/// A version's column name in the rows table: its language and id.
fn version_column(lang: &str, article: &str) -> String {
    format!("{lang} {}", &article[..article.len().min(12)])
}

/// The text of a version's sentence by index.
fn sentence(c: &Comparison, article: &str, index: usize) -> String {
    c.shared
        .iter()
        .flat_map(|s| &s.sentences)
        .find(|s| s.article == article && s.index == index)
        .map(|s| s.text.trim().to_string())
        .or_else(|| {
            c.only_in
                .get(article)?
                .iter()
                .find(|o| o.index == index)
                .map(|o| o.text.trim().to_string())
        })
        .unwrap_or_default()
}

/// The rows table: `row`, `shared` (yes/no), `differs` (the differences of a shared
/// row, "; "-joined), then per version the sentences it has on the row.
pub fn compare_rows(c: &Comparison) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["row".to_string(), "shared".into(), "differs".into()];
    header.extend(
        c.versions
            .iter()
            .map(|v| version_column(&v.lang, &v.article)),
    );
    let mut rows = Vec::new();
    for (k, row) in c.rows().iter().enumerate() {
        let first = row
            .cells
            .iter()
            .enumerate()
            .find_map(|(v, cell)| cell.first().map(|i| (v, *i)));
        let differs = match first {
            Some((v, i)) if row.shared => c
                .shared
                .iter()
                .find(|g| {
                    g.sentences
                        .iter()
                        .any(|x| x.article == c.versions[v].article && x.index == i)
                })
                .map(|g| {
                    g.differs
                        .iter()
                        .map(|d| d.explanation.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut out = vec![
            (k + 1).to_string(),
            if row.shared { "yes" } else { "no" }.to_string(),
            differs,
        ];
        for (v, cell) in row.cells.iter().enumerate() {
            let article = &c.versions[v].article;
            out.push(
                cell.iter()
                    .map(|&i| sentence(c, article, i))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        rows.push(out);
    }
    (header, rows)
}

pub const FIGURE_COLUMNS: &[&str] = &[
    "group",
    "relation",
    "explanation",
    "lang",
    "article",
    "figure",
    "as_written",
    "value",
    "value_max",
    "counted",
    "event",
    "source",
    "sentence",
];

/// The figures table: one row per figure of each group.
pub fn compare_figures(c: &Comparison) -> Vec<Vec<String>> {
    let lang = |article: &str| {
        c.versions
            .iter()
            .find(|v| v.article == article)
            .map(|v| v.lang.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for (k, g) in c.figures.iter().enumerate() {
        for f in &g.items {
            rows.push(vec![
                (k + 1).to_string(),
                g.relation.label().to_string(),
                g.explanation.clone(),
                lang(&f.article),
                f.article.clone(),
                f.written.clone(),
                f.text.clone(),
                crate::output::number(&serde_json::json!(f.value)),
                f.value_max
                    .map(|m| crate::output::number(&serde_json::json!(m)))
                    .unwrap_or_default(),
                f.counted.clone(),
                f.event.clone().unwrap_or_default(),
                f.source.clone().unwrap_or_default(),
                f.sentence.trim().to_string(),
            ]);
        }
    }
    rows
}

/// `compare --csv TABLE`.
pub fn compare(c: &Comparison, table: CompareTable) -> Result<()> {
    match table {
        CompareTable::Rows => {
            let (header, rows) = compare_rows(c);
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            write(&header, rows)
        }
        CompareTable::Figures => write(FIGURE_COLUMNS, compare_figures(c)),
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

//! `parallax search`: the engine's search (the one the API's `/api/search` runs) on the
//! command line, as text, JSON or CSV; and the checks of `--lang` and `--since` that
//! every listing shares.

use crate::commands::{open_read, Ctx};
use crate::output;
use anyhow::{anyhow, Result};
use parallax_engine::search::{self, Query, SearchParams, VectorIndex};
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// A `--lang` value checked against the languages parallax knows: an unknown code (or
/// a language's name) is a usage error that lists the codes.
pub fn lang_arg(lang: Option<String>) -> Result<Option<String>> {
    let Some(l) = lang else { return Ok(None) };
    let code = l.trim().to_ascii_lowercase();
    let known = parallax_engine::known_languages();
    if known.contains(&code) {
        return Ok(Some(code));
    }
    Err(anyhow!(
        "--lang {l:?}: not a language code parallax knows; use one of {}",
        known.join(", ")
    ))
}

/// A `--since` value: a date or time as Unix seconds.
pub fn since_arg(since: Option<String>) -> Result<Option<i64>> {
    time_arg("--since", since, parallax_core::Published::unix)
}

/// An `--until` value: the last second of a date (its whole day) or a time, as Unix
/// seconds.
pub fn until_arg(until: Option<String>) -> Result<Option<i64>> {
    time_arg("--until", until, parallax_core::Published::last_unix)
}

fn time_arg(
    flag: &str,
    value: Option<String>,
    at: fn(&parallax_core::Published) -> i64,
) -> Result<Option<i64>> {
    value
        .map(|s| {
            parallax_core::Published::parse(&s)
                .map(|p| at(&p))
                .map_err(|e| anyhow!("{flag} {s:?}: {e}"))
        })
        .transpose()
}

/// The output formats of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

impl Format {
    pub fn of(json: bool, csv: bool) -> Format {
        match (json, csv) {
            (true, _) => Format::Json,
            (_, true) => Format::Csv,
            _ => Format::Text,
        }
    }
}

/// The columns of `search --csv`, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "rank",
    "id",
    "story",
    "lang",
    "published",
    "source",
    "title",
    "score",
    "cosine",
    "coverage",
    "matched",
];

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// `parallax search QUERY`
pub fn run(
    ctx: &Ctx,
    words: &[String],
    lang: Option<String>,
    since: Option<String>,
    limit: usize,
    format: Format,
) -> Result<ExitCode> {
    let text = words.join(" ");
    if text.trim().is_empty() {
        return Err(anyhow!("the query is empty: give the words to look for"));
    }
    let query = Query {
        text: text.clone(),
        lang: lang_arg(lang)?,
        since: since_arg(since)?,
        limit: limit.max(1),
    };
    let store = open_read(&ctx.db)?;
    // Without the model the search is by words alone, and says so.
    let vectors = if ctx.model.exists() {
        Some(ctx.vectors()?)
    } else {
        eprintln!(
            "parallax: searching by words only: no model at {} (`parallax model fetch` gets it)",
            ctx.model.display()
        );
        None
    };
    let index = match &vectors {
        Some(v) => VectorIndex::load(&store, &v.model)?,
        None => VectorIndex::default(),
    };
    let hits = search::search(
        &store,
        vectors.as_ref().map(|v| (v, &index)),
        &query,
        &SearchParams::default(),
    )?;
    let rows = parallax_engine::views::search_hits(&store, &hits)?;
    match format {
        Format::Json => output::json(&Value::Array(rows))?,
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            w.write_record(CSV_COLUMNS)?;
            for (i, r) in rows.iter().enumerate() {
                let matched: Vec<&str> = r["matched"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                w.write_record([
                    (i + 1).to_string(),
                    text_of(&r["id"]),
                    text_of(&r["story"]),
                    text_of(&r["lang"]),
                    text_of(&r["published"]),
                    text_of(&r["source"]),
                    text_of(&r["title"]),
                    format!("{:.4}", r["score"].as_f64().unwrap_or(0.0)),
                    r["cosine"]
                        .as_f64()
                        .map(|c| format!("{c:.4}"))
                        .unwrap_or_default(),
                    format!("{:.4}", r["coverage"].as_f64().unwrap_or(0.0)),
                    matched.join("; "),
                ])?;
            }
            w.flush()?;
        }
        Format::Text => {
            let mut out = std::io::stdout().lock();
            if rows.is_empty() {
                writeln!(out, "Nothing matches {text:?}.")?;
                return Ok(ExitCode::SUCCESS);
            }
            let n = rows.len();
            writeln!(
                out,
                "{n} {} for {text:?}, best first (score: the fitted chance of being relevant):",
                if n == 1 { "article" } else { "articles" }
            )?;
            for (i, r) in rows.iter().enumerate() {
                let story = r["story"]
                    .as_i64()
                    .map(|s| format!("story {s}"))
                    .unwrap_or_else(|| "no story".into());
                let day: String = text_of(&r["published"]).chars().take(10).collect();
                writeln!(
                    out,
                    "{:>3}. {:.2}  {}  {:<10}  {}  {}  {}",
                    i + 1,
                    r["score"].as_f64().unwrap_or(0.0),
                    text_of(&r["lang"]),
                    if day.is_empty() {
                        "undated".into()
                    } else {
                        day
                    },
                    story,
                    &text_of(&r["id"])[..12.min(text_of(&r["id"]).len())],
                    output::ellipsis(&text_of(&r["title"]), 80),
                )?;
                let matched: Vec<&str> = r["matched"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut detail = Vec::new();
                if !matched.is_empty() {
                    detail.push(format!("matched: {}", matched.join(", ")));
                }
                if let Some(c) = r["cosine"].as_f64() {
                    detail.push(format!("similarity {c:.3}"));
                }
                if let Some(s) = r["source"].as_str() {
                    detail.push(s.to_string());
                }
                if !detail.is_empty() {
                    writeln!(out, "       {}", detail.join(" · "))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `parallax stories`, `story`, `why` and the `eval` group (`eval clusters`, `eval
//! pairs`, `eval fit`). New evaluations are new variants of [`crate::args::Eval`] and
//! one arm in [`eval`].

use crate::args::Eval;
use crate::commands::Ctx;
use crate::output;
use anyhow::{Context, Result};
use parallax_engine::eval;
use parallax_engine::stories as engine;
use parallax_engine::{Store, StoryFilter, StoryParams};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn open(db: &Path) -> Result<Store> {
    crate::commands::open_read(db)
}

/// The story parameters: the file given with `--params`, or the built-in fitted ones.
pub fn params(ctx: &Ctx) -> Result<StoryParams> {
    match &ctx.params {
        Some(p) => Ok(engine::load_params(p)?),
        None => Ok(StoryParams::default()),
    }
}

fn print_story(out: &mut impl Write, s: &Value) -> Result<()> {
    let langs: Vec<&str> = s["languages"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    writeln!(
        out,
        "story {}  {} article{}  {}  {} .. {}",
        s["id"],
        s["n_articles"],
        if s["n_articles"] == 1 { "" } else { "s" },
        langs.join(","),
        s["first_seen"].as_str().unwrap_or("?"),
        s["last_seen"].as_str().unwrap_or("?"),
    )?;
    if let Some(titles) = s["titles"].as_object() {
        for (lang, t) in titles {
            writeln!(
                out,
                "  {lang}  {}",
                output::ellipsis(t.as_str().unwrap_or(""), 100)
            )?;
        }
    }
    Ok(())
}

/// `parallax stories`: the most recent first (by their last article), as the API.
pub fn stories(db: &Path, filter: &StoryFilter, format: crate::search::Format) -> Result<ExitCode> {
    let store = open(db)?;
    let (list, _) = engine::page(&store, filter, 0, usize::MAX)?;
    match format {
        crate::search::Format::Json => output::json(&Value::Array(list))?,
        crate::search::Format::Csv => crate::export::stories(&list)?,
        crate::search::Format::Text => {
            let mut out = std::io::stdout().lock();
            for s in &list {
                print_story(&mut out, s)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `parallax story ID`: a merged story's id answers with the story it went into, and
/// says so; the versions with their language, source, time and title.
pub fn story(db: &Path, id: i64, json: bool, markdown: bool) -> Result<ExitCode> {
    let store = open(db)?;
    let mut s = engine::get(&store, id)?
        .ok_or_else(|| anyhow::anyhow!("no story {id} in {}", crate::commands::shown(db)))?;
    let versions = engine::versions(&store, &s)?;
    if json {
        s["versions"] = Value::Array(versions);
        output::json(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if markdown {
        crate::export::story_markdown(&mut out, &s, &versions)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(from) = s["merged_from"].as_i64() {
        writeln!(out, "Story {from} was merged into story {}.", s["id"])?;
    }
    print_story(&mut out, &s)?;
    writeln!(out, "  versions:")?;
    for v in &versions {
        let day: String = v["published"]
            .as_str()
            .unwrap_or("undated")
            .chars()
            .take(16)
            .collect();
        writeln!(
            out,
            "  {}  {:<16}  {:<14}  {}  {}",
            v["lang"].as_str().unwrap_or("??"),
            day.replace('T', " "),
            output::ellipsis(v["source"].as_str().unwrap_or("source unknown"), 14),
            &v["id"].as_str().unwrap_or("")[..12.min(v["id"].as_str().unwrap_or("").len())],
            output::ellipsis(v["title"].as_str().unwrap_or("(untitled)"), 80),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `parallax why ARTICLE`
pub fn why(db: &Path, id: &str, json: bool) -> Result<ExitCode> {
    let store = open(db)?;
    let a = store.article(id)?.ok_or_else(|| {
        anyhow::anyhow!(
            "no article with id {id:?} in {}",
            crate::commands::shown(db)
        )
    })?;
    let (story, evidence) = engine::why(&store, &a.id)?.ok_or_else(|| {
        anyhow::anyhow!(
            "article {} has no story yet (stories are assigned at ingest when the model is available)",
            a.id
        )
    })?;
    if json {
        output::json(&json!({"article": a.id, "story": story, "evidence": evidence}))?;
    } else {
        write!(
            std::io::stdout().lock(),
            "{}",
            engine::explain(story, &evidence)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn prf(v: &Value) -> String {
    format!(
        "P {:.3}  R {:.3}  F1 {:.3}",
        v["precision"].as_f64().unwrap_or(0.0),
        v["recall"].as_f64().unwrap_or(0.0),
        v["f1"].as_f64().unwrap_or(0.0)
    )
}

/// `parallax eval ...`
pub fn eval(ctx: &Ctx, command: Eval) -> Result<ExitCode> {
    let params = params(ctx)?;
    let mut out = std::io::stdout().lock();
    match command {
        Eval::Extraction { dir, json, worst } => {
            drop(out);
            return crate::eval::extraction(&dir, json, worst);
        }
        Eval::Compare {
            file,
            min_versions,
            clusters,
            cache,
            json,
        } => {
            drop(out);
            return crate::compare::eval(
                ctx,
                &file,
                min_versions,
                clusters,
                cache.as_deref(),
                json,
            );
        }
        Eval::Queries {
            queries,
            corpus,
            fit,
            json,
        } => {
            drop(out);
            return crate::eval::queries(ctx, &queries, &corpus, fit.as_deref(), json);
        }
        Eval::Invariance {
            file,
            json,
            worst,
            with_model,
            cache,
        } => {
            drop(out);
            let model = with_model.then_some(ctx).map(|c| (c, cache.as_deref()));
            return crate::eval::invariance(&file, json, worst, model);
        }
        Eval::Facts { file, json } => {
            drop(out);
            return crate::eval::facts(&file, json);
        }
        Eval::Clusters {
            file,
            gold,
            cache,
            fold,
            worst,
            json,
        } => {
            let vectors = ctx.vectors()?;
            let options = eval::ClustersOptions {
                gold_field: gold.as_deref(),
                cache: cache.as_deref(),
                fold,
                worst,
            };
            let r = eval::eval_clusters(&file, &vectors, &params, &options)?;
            let code = if r.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
            for line in &r.rejected {
                eprintln!("{line}: error: rejected");
            }
            let v = serde_json::to_value(&r)?;
            if json {
                drop(out);
                output::json(&v)?;
                return Ok(code);
            }
            writeln!(
                out,
                "{} articles, {} gold stories (field `{}`), {} stories found; {} rejected, {} without a gold story",
                r.report.n_articles,
                r.report.n_gold_stories,
                r.gold_field,
                r.report.n_stories,
                r.rejected.len(),
                r.without_gold
            )?;
            for (name, s) in [
                ("overall", &v["overall"]),
                ("cross-lingual", &v["cross_lingual"]),
            ] {
                writeln!(
                    out,
                    "{name:<14} pairwise {}   BCubed {}",
                    prf(&s["pairwise"]),
                    prf(&s["bcubed"])
                )?;
            }
            for (pair, s) in v["by_pair"].as_object().into_iter().flatten() {
                writeln!(
                    out,
                    "{pair:<14} pairwise {}   BCubed {}   gold pairs {}",
                    prf(&s["pairwise"]),
                    prf(&s["bcubed"]),
                    s["gold_pairs"]
                )?;
            }
            writeln!(
                out,
                "stories holding 3 or more gold stories in one language: {}",
                r.language_stories
            )?;
            for w in &r.split {
                writeln!(
                    out,
                    "gold story {} split over {} stories:",
                    w.gold,
                    w.parts.len()
                )?;
                for (story, titles) in &w.parts {
                    writeln!(out, "    story {story}: {}", titles.join(" | "))?;
                }
            }
            for w in &r.worst {
                writeln!(
                    out,
                    "story {}: {} articles of {} gold stories in {}",
                    w.story,
                    w.n_articles,
                    w.gold_stories,
                    w.languages.join(", ")
                )?;
                for t in &w.titles {
                    writeln!(out, "    {t}")?;
                }
            }
            return Ok(code);
        }
        Eval::Pairs {
            pairs,
            articles,
            cache,
            json,
        } => {
            let vectors = ctx.vectors()?;
            let r = eval::eval_pairs(&pairs, &articles, &vectors, &params, cache.as_deref())?;
            if json {
                drop(out);
                output::json(&serde_json::to_value(&r)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(
                out,
                "{} pairs ({} without both articles)\nPearson {:.3}  Spearman {:.3}  same-story (overall <= 1.5) P {:.3}  R {:.3}  F1 {:.3}",
                r.n_pairs, r.missing_pairs, r.pearson, r.spearman, r.precision, r.recall, r.f1
            )?;
            for (pair, g) in &r.by_pair {
                writeln!(
                    out,
                    "  {pair:<6} {:>4} pairs  Pearson {:.3}  Spearman {:.3}  P {:.3}  R {:.3}",
                    g.n_pairs, g.pearson, g.spearman, g.precision, g.recall
                )?;
            }
        }
        Eval::Search {
            articles,
            cache,
            json,
        } => {
            let vectors = ctx.vectors()?;
            let a = eval::eval_search(&articles, &vectors, &params, cache.as_deref())?;
            if json {
                drop(out);
                output::json(&serde_json::to_value(a)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(
                out,
                "{} articles, {} with a window larger than the shortlist (the index chose; {:.1}% of those windows scored exactly)\n\
                 exhaustive scan joins {}, its story not offered by the index {}: recall {:.4}\n\
                 differ from the exhaustive scan: candidate sets {}, best two {}, a candidate at or above the same-story cut missed {}, assignments {}",
                a.articles,
                a.indexed,
                100.0 * a.shortlisted as f64 / a.window.max(1) as f64,
                a.exhaustive_joins,
                a.missed,
                a.recall(),
                a.candidates_differ,
                a.top_two_differ,
                a.strong_missed,
                a.decisions_differ
            )?;
        }
        Eval::Fit {
            pairs,
            articles,
            cache,
            clusters,
            gold,
            fold,
            pair_model_on_graded,
            out: path,
            json,
        } => {
            let vectors = ctx.vectors()?;
            let options = eval::FitOptions {
                cache: cache.as_deref(),
                clusters: &clusters,
                gold_field: gold.as_deref(),
                fold,
                pair_model_on_graded,
            };
            let r = eval::fit(&pairs, &articles, &vectors, &params, &options)?;
            std::fs::write(&path, r.params.to_json() + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            if json {
                drop(out);
                output::json(&serde_json::to_value(&r)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(
                out,
                "fitted on {} pairs, {} articles, {} rows of labelled stories, {} join rows\nPearson in sample {:.3}, two-fold cross-validated {:.3} (ridge {:e}); same-story F1 {:.3}; join F1 {:.3}\nwrote {}",
                r.n_pairs,
                r.n_articles,
                r.n_story_rows,
                r.join_rows,
                r.pearson_in_sample,
                r.pearson_cross_validated,
                r.ridge,
                r.same_story_f1,
                r.join_f1,
                path.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

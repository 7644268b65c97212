//! `parallax eval extraction`: main-text extraction quality, as a table or JSON (the
//! story evaluations are in `stories.rs`, which dispatches every `eval`).

use crate::output;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn extraction(dir: &std::path::Path, json: bool, worst: usize) -> Result<ExitCode> {
    let mut report = parallax_engine::extraction_eval::evaluate(dir)
        .with_context(|| format!("cannot evaluate extraction on {}", dir.display()))?;
    report.worst.truncate(worst);
    if json {
        output::json(&serde_json::to_value(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "pages      {}", report.n_pages)?;
    writeln!(out, "precision  {:.3}", report.precision)?;
    writeln!(out, "recall     {:.3}", report.recall)?;
    writeln!(out, "f1         {:.3}", report.f1)?;
    writeln!(out, "exact      {:.3}", report.accuracy)?;
    writeln!(out, "\nworst pages (precision / recall / f1):")?;
    for p in &report.worst {
        writeln!(
            out,
            "  {:.3} / {:.3} / {:.3}  {}  {}",
            p.precision, p.recall, p.f1, p.id, p.url
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `parallax eval invariance`: facts found alike in originals and their translations.
pub fn invariance(
    file: &std::path::Path,
    json: bool,
    worst: usize,
    model: Option<(&crate::commands::Ctx, Option<&std::path::Path>)>,
) -> Result<ExitCode> {
    let mut report = match model {
        Some((ctx, cache)) => parallax_engine::eval_facts::with_model(file, &ctx.vectors()?, cache),
        None => parallax_engine::eval_facts::evaluate(file),
    }
    .with_context(|| format!("cannot evaluate invariance on {}", file.display()))?;
    if json {
        output::json(&serde_json::to_value(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} documents, {} clusters, {} original-translation pairs ({} records skipped)",
        report.documents, report.clusters, report.overall.counts.pairs, report.skipped
    )?;
    writeln!(
        out,
        "| pair | pairs | figures orig / trans | value F1 | value+counted F1 | entity Jaccard (pooled / mean) | quotes orig / trans | with speaker orig / trans |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    let rows = std::iter::once(("overall", &report.overall))
        .chain(report.by_pair.iter().map(|(k, v)| (k.as_str(), v)));
    let rows: Vec<(&str, &parallax_engine::eval_facts::Measures)> = rows.collect();
    for &(name, m) in &rows {
        let c = &m.counts;
        writeln!(
            out,
            "| {name} | {} | {} / {} | {:.3} | {:.3} | {:.3} / {:.3} | {} / {} | {} / {} |",
            c.pairs,
            c.figures_original,
            c.figures_translation,
            m.figure_value_f1,
            m.figure_counted_f1,
            m.entity_jaccard,
            m.entity_jaccard_mean,
            c.quotes_original,
            c.quotes_translation,
            c.quotes_with_speaker_original,
            c.quotes_with_speaker_translation
        )?;
    }
    if model.is_some() {
        writeln!(
            out,
            "\n| pair | pairs | in one story | sentences aligned | conflicting figure groups |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for &(name, m) in &rows {
            let c = &m.counts;
            writeln!(
                out,
                "| {name} | {} | {} ({:.3}) | {:.3} | {} |",
                c.pairs_with_model,
                c.same_story,
                m.same_story_share.unwrap_or(0.0),
                m.aligned_share.unwrap_or(0.0),
                c.conflicts
            )?;
        }
    }
    if worst > 0 {
        report.pairs.sort_by(|a, b| {
            a.measures
                .figure_value_f1
                .total_cmp(&b.measures.figure_value_f1)
        });
        writeln!(out, "\nlowest figure value F1:")?;
        for p in report.pairs.iter().take(worst) {
            writeln!(
                out,
                "  {:.3}  {} / {} figures  {}  {} -> {}",
                p.measures.figure_value_f1,
                p.measures.counts.figures_original,
                p.measures.counts.figures_translation,
                p.langs,
                p.original,
                p.translation
            )?;
            for (side, figs) in [
                ("original", &p.figures_only_original),
                ("translation", &p.figures_only_translation),
            ] {
                for f in figs {
                    writeln!(out, "        only in the {side}: {f}")?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `parallax eval facts`: precision and recall of fact extraction on labelled sentences.
pub fn facts(file: &std::path::Path, json: bool) -> Result<ExitCode> {
    let report = parallax_engine::eval_facts::labelled(file)
        .with_context(|| format!("cannot evaluate facts on {}", file.display()))?;
    if json {
        output::json(&serde_json::to_value(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    write!(std::io::stdout().lock(), "{report}")?;
    Ok(ExitCode::SUCCESS)
}

/// `parallax eval queries QUERIES CORPUS...`
pub fn queries(
    ctx: &crate::commands::Ctx,
    queries: &Path,
    corpus: &[std::path::PathBuf],
    fit: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let vectors = ctx.vectors()?;
    let r = parallax_engine::eval_queries::eval_queries(queries, corpus, &vectors)?;
    if let Some(path) = fit {
        let mut text = serde_json::to_string_pretty(&r.params)?;
        text.push('\n');
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        output::json(&serde_json::to_value(&r)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} queries in {} languages ({}), {} of them negatives, over {} articles",
        r.queries,
        r.languages.len(),
        r.languages.join(", "),
        r.negatives,
        r.articles
    )?;
    let line = |name: &str, f: &parallax_engine::eval_queries::Figures| {
        format!(
            "{name:<26} nDCG@10 {:.3}  recall@10 {:.3}  negatives empty {:.2}  precision {:.3}",
            f.ndcg10, f.recall10, f.negatives_empty, f.precision
        )
    };
    writeln!(
        out,
        "{}",
        line("cross-validated (2 folds)", &r.cross_validated)
    )?;
    writeln!(out, "{}", line("in sample", &r.in_sample))?;
    writeln!(out, "{}", line("embedded parameters", &r.embedded))?;
    writeln!(out, "{}", line("words only (2 folds)", &r.text_only))?;
    writeln!(
        out,
        "{}",
        line("model ranking, no floor", &r.ranking_no_floor)
    )?;
    writeln!(out, "{}", line("rank fusion, no floor", &r.rrf_baseline))?;
    writeln!(out, "per query language (cross-validated):")?;
    for (lang, f) in &r.per_language {
        writeln!(out, "  {}", line(lang, f))?;
    }
    writeln!(out, "worst queries (cross-validated):")?;
    for q in &r.worst {
        writeln!(
            out,
            "  {} [{}] nDCG@10 {:.3} recall@10 {:.3}, {} hits: {}",
            q.id, q.lang, q.ndcg10, q.recall10, q.hits, q.query
        )?;
    }
    let tried: Vec<String> = r
        .prior_weights
        .iter()
        .map(|t| format!("{} {:.3}", t.weight, t.utility_cross_validated))
        .collect();
    writeln!(
        out,
        "prior weight of the centring mean (articles the fitted news mean counts as), cross-validated utility: {}; kept {}",
        tried.join(", "),
        r.params.prior_weight
    )?;
    let p = &r.params;
    let w = |m: &parallax_engine::search::Relevance| {
        m.weights
            .iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "fitted: weights of (cosine, cosine - best cosine, coverage) {}, bias {:.3}, floor {:.4}; words only: weight of coverage {}, bias {:.3}, floor {:.4}",
        w(&p.with_vectors),
        p.with_vectors.bias,
        p.with_vectors.floor,
        w(&p.text_only),
        p.text_only.bias,
        p.text_only.floor
    )?;
    Ok(ExitCode::SUCCESS)
}

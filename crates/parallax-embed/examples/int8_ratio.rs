//! Paired throughput of the E5S1 encoder's linear layers: candle's `f32`
//! matmul against the integer kernel (`PARALLAX_EMBED_INT8=1`), alternating
//! rounds in one process so that machine load hits both alike. Prints the
//! texts/s ratio (int8 / f32) per set. Argument: seconds per measurement.

use std::time::Duration;

use parallax_embed::bench::{throughput, BenchTexts};
use parallax_embed::{model, EmbedOptions, Embedder};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let secs: f64 = std::env::args().nth(1).map_or(Ok(3.0), |s| s.parse())?;
    let path = model::default_model_path();
    let opts = EmbedOptions::default();
    std::env::set_var("PARALLAX_EMBED_INT8", "0");
    let f32_path = Embedder::load(&path, &opts)?;
    std::env::set_var("PARALLAX_EMBED_INT8", "1");
    let int8_path = Embedder::load(&path, &opts)?;
    let texts = BenchTexts::generate(&f32_path, 64, 16);
    let t = Duration::from_secs_f64(secs);
    println!("| set | f32 texts/s | int8 texts/s | ratio |");
    println!("|---|---|---|---|");
    for (name, set) in texts.sets() {
        let a = throughput(&f32_path, set, t)?;
        let b = throughput(&int8_path, set, t)?;
        println!("| {name} | {a:.1} | {b:.1} | {:.2} |", b / a);
    }
    Ok(())
}

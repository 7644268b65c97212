//! Paired throughput of the encoder's kernels, alternating in one process so
//! that machine load hits each alike: the baseline (attention as candle's
//! batched matmuls around the masked softmax, linear layers in candle's
//! matmul), the fused attention alone, and the fused attention with the packed
//! AVX-512 linear layers (the default; the same as the second where the
//! processor has no AVX-512F). Prints texts/s and the ratio to the baseline per
//! set. Arguments: seconds per measurement (default 3) and threads (default 1).

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
    let mut args = std::env::args().skip(1);
    let secs: f64 = args.next().map_or(Ok(3.0), |s| s.parse())?;
    let threads: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let path = model::default_model_path();
    let load = |fused_attention: bool, packed_matmul: bool| {
        Embedder::load(
            &path,
            &EmbedOptions {
                threads: Some(threads),
                fused_attention,
                packed_matmul,
                ..EmbedOptions::default()
            },
        )
    };
    let base = load(false, false)?;
    let fused = load(true, false)?;
    let both = load(true, true)?;
    let texts = BenchTexts::generate(&both, 64, 16);
    let t = Duration::from_secs_f64(secs);
    println!("threads: {threads}");
    println!(
        "| set | baseline texts/s | fused attention | ratio | fused + packed matmul | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, set) in texts.sets() {
        let a = throughput(&base, set, t)?;
        let b = throughput(&fused, set, t)?;
        let c = throughput(&both, set, t)?;
        println!(
            "| {name} | {a:.1} | {b:.1} | {:.2} | {c:.1} | {:.2} |",
            b / a,
            c / a
        );
    }
    Ok(())
}

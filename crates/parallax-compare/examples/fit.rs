//! Fits the comparison parameters on the labelled pairs (`tests/data/pairs.jsonl`) with
//! the real model and writes them to `src/params.json`; prints their figures on the pairs
//! (in sample) and on the held-out stories (`tests/data/stories.jsonl`), and leave one
//! story out over both.
//!
//! `cargo run -p parallax-compare --example fit`

#[path = "../tests/common/mod.rs"]
mod common;

use parallax_compare::eval::{cross_validate, evaluate};
use parallax_compare::fit::fit;

fn main() {
    let cases = common::cases();
    let n_pairs = common::pairs().len();
    let params = fit(&cases[..n_pairs]);
    let json = serde_json::to_string_pretty(&params).expect("params serialise");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/params.json");
    std::fs::write(path, json + "\n").expect("write params.json");
    println!(
        "{}",
        serde_json::to_string_pretty(&params).unwrap_or_default()
    );
    let r = evaluate(&cases[..n_pairs], &params);
    println!("pairs, in sample: {}", summary(&r));
    let h = evaluate(&cases[n_pairs..], &params);
    println!("stories, held out: {}", summary(&h));
    for (langs, c) in &h.by_langs {
        println!("  {langs}: P {:.3} R {:.3}", c.precision(), c.recall());
    }
    let cv = cross_validate(&cases);
    println!("leave-one-out: {}", summary(&cv));
    for (langs, c) in &cv.by_langs {
        println!("  {langs}: P {:.3} R {:.3}", c.precision(), c.recall());
    }
}

fn summary(r: &parallax_compare::eval::Report) -> String {
    format!(
        "{} stories, alignment P {:.3} R {:.3} F1 {:.3} ({} gold links), figure relations {}/{} ({:.3}; {} with both figures extracted), quotes P {:.3} R {:.3}",
        r.cases,
        r.align.precision(),
        r.align.recall(),
        r.align.f1(),
        r.align.tp + r.align.fn_,
        r.figures_right,
        r.figures_total,
        r.figure_accuracy(),
        r.figures_extracted,
        r.quotes.precision(),
        r.quotes.recall()
    )
}

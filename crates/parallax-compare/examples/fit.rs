//! Fits the comparison parameters on the labelled pairs with the real model and writes
//! them to `src/params.json`; prints the in-sample and leave-one-out figures.
//!
//! `cargo run -p parallax-compare --example fit`

#[path = "../tests/common/mod.rs"]
mod common;

use parallax_compare::eval::{cross_validate, evaluate};
use parallax_compare::fit::fit;

fn main() {
    let cases = common::cases();
    let params = fit(&cases);
    let json = serde_json::to_string_pretty(&params).expect("params serialise");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/params.json");
    std::fs::write(path, json + "\n").expect("write params.json");
    println!(
        "{}",
        serde_json::to_string_pretty(&params).unwrap_or_default()
    );
    let r = evaluate(&cases, &params);
    println!("in-sample: {}", summary(&r));
    for (langs, c) in &r.by_langs {
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
        "{} pairs, alignment P {:.3} R {:.3} F1 {:.3} ({} gold links), figure relations {}/{} ({:.3}; {} with both figures extracted), quotes P {:.3} R {:.3}",
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

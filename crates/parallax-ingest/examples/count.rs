//! Reads one file with the ingest readers and prints how many articles and diagnostics
//! it yields, without keeping them: `cargo run -p parallax-ingest --example count FILE`.
//! Used to measure peak memory on large inputs (docs/performance.md).

use parallax_ingest::{read_path, Item};
use std::path::Path;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: count FILE");
        std::process::exit(2);
    };
    let (mut articles, mut diags) = (0u64, 0u64);
    read_path(Path::new(&path), None, &mut |item| match item {
        Item::Article(_) => articles += 1,
        Item::Diagnostic(d) => {
            diags += 1;
            if diags <= 5 {
                eprintln!("{d}");
            }
        }
    });
    println!("{articles} articles, {diags} diagnostics");
}

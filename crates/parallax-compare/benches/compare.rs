//! Comparison time of a story of N synthetic articles of 800 words (40 sentences of 20
//! words, 384-d unit vectors, entities, figures and quotes), vectors precomputed: divan
//! times for 2, 5, 10, 20 and 50 articles, then the ratios of 10 and 20 to the 2-article
//! baseline measured in the same run (rows are matched against a pivot, so the cost
//! grows about linearly with the number of versions, not with its square).
//!
//! `cargo bench -p parallax-compare`

use divan::Bencher;
use parallax_compare::{compare, Params, SentenceIn, Version};
use parallax_core::facts::{Entity, EntityKind, Facts, Figure, Quote, Span};
use std::time::{Duration, Instant};

const SENTENCES: usize = 40;
const WORDS: usize = 20;
const DIM: usize = 384;

fn main() {
    divan::main();
    let params = Params::fitted();
    let base = story(2);
    let ten = story(10);
    let big = story(20);
    let time = |s: &[Version]| {
        let mut runs = Vec::new();
        let start = Instant::now();
        while runs.len() < 5 || start.elapsed() < Duration::from_secs(2) {
            let t = Instant::now();
            let c = compare("bench", s, &params).expect("compare");
            assert_eq!(c.versions.len(), s.len());
            runs.push(t.elapsed().as_secs_f64());
        }
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let (b, t, g) = (time(&base), time(&ten), time(&big));
    println!(
        "\ncompare, median: 2 articles {:.2} ms, 10 articles {:.1} ms ({:.1}x), 20 articles {:.1} ms ({:.1}x)",
        b * 1e3,
        t * 1e3,
        t / b,
        g * 1e3,
        g / b
    );
}

#[divan::bench(args = [2, 5, 10, 20, 50])]
fn compare_story(bencher: Bencher, n: usize) {
    let versions = story(n);
    let params = Params::fitted();
    bencher.bench(|| {
        let c = compare("bench", divan::black_box(&versions), &params).expect("compare");
        assert_eq!(c.versions.len(), n);
        c
    });
}

/// A deterministic generator (xorshift), so every run compares the same story.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() % 20_000) as f32 / 10_000.0 - 1.0
    }
}

/// N versions: each sentence's vector is one of 60 story "facts" plus noise, so that
/// versions share some sentences and not others, as real versions do.
fn story(n: usize) -> Vec<Version> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let facts: Vec<Vec<f32>> = (0..60)
        .map(|_| (0..DIM).map(|_| rng.unit()).collect())
        .collect();
    let keys = [
        "vladimir-putin",
        "kim-jong-un",
        "KR",
        "RU",
        "UA",
        "kursk",
        "CN",
    ];
    (0..n)
        .map(|v| {
            let mut text = String::new();
            let mut sentences = Vec::new();
            let mut vectors = Vec::new();
            let mut f = Facts::default();
            for i in 0..SENTENCES {
                let start = text.len();
                for w in 0..WORDS {
                    text.push_str(["word", "ord", "cuvânt", "mot"][(i + w + v) % 4]);
                    text.push(' ');
                }
                let end = text.len();
                text.push_str("\n\n");
                let fact = (rng.next() % 60) as usize;
                let mut x: Vec<f32> = facts[fact].iter().map(|&e| e + 0.6 * rng.unit()).collect();
                let norm = x.iter().map(|e| e * e).sum::<f32>().sqrt();
                x.iter_mut().for_each(|e| *e /= norm);
                vectors.push(x);
                let span = Span::new(start, end);
                for k in 0..2 {
                    let key = keys[(fact + k) % keys.len()];
                    f.entities.push(Entity {
                        key: key.to_string(),
                        text: key.to_string(),
                        name: key.to_string(),
                        kind: EntityKind::Other,
                        span,
                        sentence: i,
                    });
                }
                if matches!(fact % 5, 0) {
                    f.figures.push(Figure {
                        value: (fact * 100 + v) as f64,
                        value_max: None,
                        approx: v % 2 == 0,
                        bound: None,
                        counted: Some(["soldiers", "people"][fact % 2].to_string()),
                        event: Some(["killed", "lost", "sent"][fact % 3].to_string()),
                        unit: None,
                        source: Some(keys[fact % 3].to_string()),
                        text: format!("{}", fact * 100),
                        sentence: i,
                        span,
                    });
                }
                if matches!(fact % 7, 0) {
                    f.quotes.push(Quote {
                        text: format!("quote {fact}"),
                        speaker: Some(keys[fact % 2].to_string()),
                        speaker_text: None,
                        lang: "en".into(),
                        sentence: i,
                        span,
                    });
                }
                sentences.push(SentenceIn {
                    span,
                    text: text[start..end].to_string(),
                });
            }
            Version {
                article: format!("a{v:02}"),
                lang: ["da", "ro", "en", "de"][v % 4].to_string(),
                title: Some(format!("version {v}")),
                sentences,
                facts: f,
                vectors,
                quote_vectors: Vec::new(),
                sources: Vec::new(),
            }
        })
        .collect()
}

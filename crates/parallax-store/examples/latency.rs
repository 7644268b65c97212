//! Write and read latencies of the store, SQLite beside PostgreSQL, on synthetic
//! articles (made-up words in five languages, about 300 words each).
//!
//! Writes: batches of 64 articles as `parallax ingest` commits them, in one transaction
//! each: the articles and their facts, their lead vectors (384 floats) and one
//! assignment step (each article to a story of five, the story's state 2 KB of JSON).
//! Reads, after every batch is in: an article by its id, the first page of stories
//! (20), and a text search of two words (20 hits). Before the reads of PostgreSQL, a
//! `VACUUM ANALYZE` does at once what autovacuum does on a running server.
//!
//! ```text
//! cargo run --release -p parallax-store --example latency -- [ARTICLES] [POSTGRES_URL]
//! ```
//!
//! ARTICLES defaults to 2048. Without a URL, `PARALLAX_TEST_PG` gives the database and a
//! fresh schema `px_latency` in it is used; with neither, SQLite alone is measured.

use parallax_core::facts::Facts;
use parallax_core::{Article, Paragraph, Published};
use parallax_store::{Store, StoryFilter, StoryRecord, StoryStep};
use std::time::Instant;

const BATCH: usize = 64;
const LANGS: [&str; 5] = ["en", "da", "de", "ro", "fr"];

/// xorshift64*, for the same articles and queries on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A vocabulary of made-up words, skewed as words are (a few common, many rare).
fn vocabulary() -> Vec<String> {
    let syllables = [
        "ka", "lo", "mi", "ren", "sta", "vo", "dur", "ne", "pas", "til", "gro", "ami", "ser", "ol",
        "bra", "ke",
    ];
    let mut rng = Rng(7);
    (0..5000)
        .map(|_| {
            let n = 2 + rng.below(3);
            (0..n)
                .map(|_| syllables[rng.below(syllables.len())])
                .collect()
        })
        .collect()
}

fn word<'a>(vocab: &'a [String], rng: &mut Rng) -> &'a str {
    // The square of a uniform number: low ranks far more often.
    let u = rng.below(1 << 16) as f64 / (1 << 16) as f64;
    &vocab[((u * u) * vocab.len() as f64) as usize % vocab.len()]
}

fn sentence(vocab: &[String], rng: &mut Rng, words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| word(vocab, rng)).collect();
    s.dedup();
    let mut out = s.join(" ");
    if let Some(first) = out.get(..1) {
        out = first.to_uppercase() + &out[1..];
    }
    out + "."
}

fn article(i: usize, vocab: &[String], rng: &mut Rng) -> Article {
    let paragraphs = (0..5)
        .map(|_| {
            let p: Vec<String> = (0..4).map(|_| sentence(vocab, rng, 15)).collect();
            Paragraph::paragraph(p.join(" "))
        })
        .collect();
    let mut a = Article {
        title: Some(sentence(vocab, rng, 8)),
        standfirst: Some(sentence(vocab, rng, 20)),
        lang: Some(LANGS[i % LANGS.len()].into()),
        source: Some(format!("Outlet {}", i % 7)),
        published: Published::parse(&format!("2026-01-{:02}", 1 + i % 28)).ok(),
        paragraphs,
        source_path: Some("synthetic.jsonl".into()),
        source_record: Some(i as u64 + 1),
        ..Article::default()
    };
    a.id = a.content_id();
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Median and 95th percentile, in milliseconds, of `f` timed `n` times.
fn timed(n: usize, mut f: impl FnMut(usize)) -> (f64, f64) {
    let mut t: Vec<f64> = (0..n)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (percentile(&t, 0.5), percentile(&t, 0.95))
}

/// Writes every batch, runs `settle` (what the database's own maintenance would do by
/// the time of the reads), then times the reads.
fn measure(
    name: &str,
    store: &mut Store,
    articles: &[Article],
    vocab: &[String],
    settle: impl FnOnce(),
) {
    let state = format!("{{\"centroid\":[{}]}}", vec!["0.0123"; 384].join(","));
    let vector: Vec<f32> = (0..384).map(|i| (i as f32).sin()).collect();
    let batches: Vec<&[Article]> = articles.chunks(BATCH).collect();
    let start = Instant::now();
    let (write_p50, write_p95) = timed(batches.len(), |b| {
        let batch = batches[b];
        let rows: Vec<(Article, Facts)> = batch
            .iter()
            .map(|a| (a.clone(), Facts::default()))
            .collect();
        let step = StoryStep {
            assignments: batch
                .iter()
                .enumerate()
                .map(|(k, a)| {
                    let story = ((b * BATCH + k) / 5) as i64 + 1;
                    (a.id.to_string(), story, format!("{{\"story\":{story}}}"))
                })
                .collect(),
            stories: (0..BATCH / 5 + 1)
                .map(|k| {
                    let id = ((b * BATCH) / 5 + k) as i64 + 1;
                    StoryRecord {
                        id,
                        first_seen: Some(id * 60),
                        last_seen: Some(id * 60),
                        state: state.clone(),
                    }
                })
                .collect(),
            merges: vec![],
            meta: "{}".into(),
        };
        let vectors: Vec<(&parallax_core::ArticleId, &[f32])> =
            batch.iter().map(|a| (&a.id, &vector[..])).collect();
        store
            .in_batch(|s| {
                s.write_batch(&rows)?;
                s.put_vectors("synthetic", &vectors)?;
                s.save_story_step(&step)
            })
            .expect("the batch is written");
    });
    let per_second = articles.len() as f64 / start.elapsed().as_secs_f64();
    settle();
    let mut rng = Rng(11);
    let (id_p50, id_p95) = timed(1000, |_| {
        let a = &articles[rng.below(articles.len())];
        assert!(store.article(a.id.as_str()).expect("read").is_some());
    });
    let (page_p50, page_p95) = timed(100, |_| {
        let (page, _) = store
            .story_page(&StoryFilter::default(), 0, 20)
            .expect("read");
        assert_eq!(page.len(), 20);
    });
    let mut rng = Rng(13);
    let (search_p50, search_p95) = timed(200, |_| {
        let mut r = Rng(rng.next() | 1);
        let q = format!("{} {}", word(vocab, &mut r), word(vocab, &mut r));
        store.search_text(&q, 20).expect("search");
    });
    println!(
        "| {name} | {write_p50:.1} / {write_p95:.1} | {per_second:.0} | {id_p50:.2} / {id_p95:.2} | {page_p50:.2} / {page_p95:.2} | {search_p50:.2} / {search_p95:.2} |"
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse().expect("ARTICLES is a number"))
        .unwrap_or(2048);
    let url = args.next().or_else(|| {
        parallax_store::testing::pg_location("latency").expect("the database of the tests")
    });
    let vocab = vocabulary();
    let mut rng = Rng(5);
    let articles: Vec<Article> = (0..n).map(|i| article(i, &vocab, &mut rng)).collect();
    println!("{n} articles in batches of {BATCH}; milliseconds, median / 95th percentile\n");
    println!("| store | write a batch of 64 | articles/s | article by id | story page (20) | text search (20) |");
    println!("|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut sqlite = Store::open(&dir.path().join("latency.db")).expect("the SQLite store");
    measure("SQLite", &mut sqlite, &articles, &vocab, || {});
    if let Some(url) = url {
        let mut pg = Store::open_location(&url).expect("the PostgreSQL store");
        // Autovacuum's work on a running server, done at once: the statistics, and the
        // visibility map that lets the term index be read without the table.
        let settle = || {
            let mut admin =
                postgres::Client::connect(&url, postgres::NoTls).expect("a second connection");
            admin
                .batch_execute("VACUUM ANALYZE")
                .expect("VACUUM ANALYZE");
        };
        measure("PostgreSQL", &mut pg, &articles, &vocab, settle);
    }
}

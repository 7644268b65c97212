//! Scaling of story assignment: the time to assign an article after 10k, 100k and 1M
//! articles have been assigned, as a ratio to the 10k figure measured in the same
//! process, and the memory the clusterer holds per article.
//!
//! Synthetic stream: 384-dimensional unit vectors (the model's size), 2,000 articles a
//! day, stories of 2 to 12 articles spread over up to two days, each story a random
//! direction plus per-article noise, with 8 names of which 4 are the story's. The
//! window is the built-in one (30 days, at most 5,000 stories), so it fills long
//! before 10k... no: 30 days are 60k articles; the window is full (the cap) from about
//! 25k articles on, and the 10k figure is measured with the window still filling, which
//! makes the ratio at 100k and 1M an upper bound.
//!
//! A plain `main` (harness = false) rather than divan: the figure wanted is a ratio
//! between stream lengths within one process, which a per-function timer does not give.
//! Run with `cargo bench -p parallax-cluster --bench assign` (`-- quick` stops at 100k).

use parallax_cluster::{ArticleFeatures, Clusterer, Params};
use std::time::Instant;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        // Sum of uniforms: close enough to normal for directions.
        (0..4).map(|_| self.unit()).sum::<f32>() - 2.0
    }
}

const DIM: usize = 384;
const PER_DAY: u64 = 2000;

struct Stream {
    rng: Rng,
    /// (direction, names, articles left, time of the next article)
    open: Vec<(Vec<f32>, Vec<String>, u32, i64)>,
    n: u64,
    next_story: u64,
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    for x in v {
        *x /= n;
    }
}

impl Stream {
    fn new() -> Self {
        Stream {
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            open: Vec::new(),
            n: 0,
            next_story: 0,
        }
    }

    fn next(&mut self) -> ArticleFeatures {
        let t = (self.n * 86400 / PER_DAY) as i64;
        self.n += 1;
        // A new story when few are open, or one in five articles.
        if self.open.len() < 50 || self.rng.next().is_multiple_of(5) {
            let mut d: Vec<f32> = (0..DIM).map(|_| self.rng.normal()).collect();
            normalise(&mut d);
            let s = self.next_story;
            self.next_story += 1;
            let names = (0..4).map(|k| format!("story-{s}-name-{k}")).collect();
            let size = 2 + (self.rng.next() % 11) as u32;
            self.open.push((d, names, size, t));
        }
        let i = (self.rng.next() % self.open.len() as u64) as usize;
        let (dir, names, left, _) = &mut self.open[i];
        let mut v: Vec<f32> = dir.iter().map(|x| x + 0.04 * self.rng.normal()).collect();
        normalise(&mut v);
        let mut ns: Vec<String> = names.clone();
        for _ in 0..4 {
            ns.push(format!("noise-{}", self.rng.next() % 100_000));
        }
        ns.sort();
        ns.dedup();
        *left -= 1;
        if *left == 0 {
            self.open.swap_remove(i);
        }
        ArticleFeatures {
            id: format!("a{}", self.n),
            lang: ["en", "de", "fr", "da", "ro"][(self.n % 5) as usize].into(),
            time: Some(t),
            vector: v,
            names: ns,
            numbers: vec![],
            dates: vec![],
        }
    }
}

/// Bytes the clusterer's window holds (vectors, keys, bookkeeping).
fn state_bytes(c: &Clusterer) -> usize {
    c.stories()
        .iter()
        .map(|s| {
            let keys: usize = [&s.names, &s.numbers, &s.dates]
                .iter()
                .flat_map(|b| b.keys())
                .map(|k| k.len() + 24 + 4 + 48)
                .sum();
            // sum + cached centroid, keys, the struct itself.
            s.sum.len() * 4 * 2 + keys + 200
        })
        .sum()
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let marks: &[u64] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    let measure = 2_000u64;
    let params = Params {
        mean: vec![0.0; DIM],
        max_active: 1000,
        ..Params::default()
    };
    let mut c = Clusterer::new(params);
    let mut stream = Stream::new();
    let mut base = None;
    let mut evidence_bytes = 0usize;
    println!("| articles stored | time per article | ratio to 10k | stories in window | window memory | per stored article | evidence JSON per article |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &mark in marks {
        while stream.n < mark {
            let a = stream.next();
            c.assign(&a);
        }
        let articles: Vec<ArticleFeatures> = (0..measure).map(|_| stream.next()).collect();
        let start = Instant::now();
        for a in &articles {
            let out = c.assign(a);
            evidence_bytes = serde_json::to_string(&out.evidence)
                .map(|s| s.len())
                .unwrap_or(0);
        }
        let per = start.elapsed().as_secs_f64() / measure as f64;
        let b = *base.get_or_insert(per);
        let mem = state_bytes(&c);
        println!(
            "| {mark} | {:.1} µs | {:.2} | {} | {:.1} MiB | {:.0} B | {} B |",
            per * 1e6,
            per / b,
            c.stories().len(),
            mem as f64 / (1 << 20) as f64,
            mem as f64 / mark as f64,
            evidence_bytes
        );
    }
}

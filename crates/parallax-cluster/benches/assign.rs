//! Scaling of story assignment: the time to assign an article after 10k, 100k and 1M
//! articles have been assigned, as a ratio to the 10k figure measured in the same
//! process, the memory the clusterer holds, and how often the indexed candidate search
//! misses the story the exhaustive scan of the window would pick.
//!
//! Synthetic stream: 384-dimensional unit vectors (the model's size), 2,000 articles a
//! day, stories of 2 to 12 articles (7 on average), 100 stories open at a time (so a
//! story's articles arrive over some 700 articles, about 8 hours), each story a random
//! direction plus per-article noise, with 8 names of which 4 are the story's. The
//! built-in capacity: a window of 30 days (60k articles) and at most 5,000 stories, so the
//! window is still filling at 10k and at the cap from about 35k articles on.
//!
//! Timing: after each mark, five blocks of 1,000 assignments (the evidence serialised to
//! JSON each time, as the engine stores it), each right after a block on a fresh copy of
//! the clusterer and stream as they were at 10k: the ratio is the median of these paired
//! ratios, so that load from other processes on a shared machine falls on both sides
//! (at the 10k mark itself it shows the noise). Times are the thread's CPU time (Linux;
//! wall time elsewhere), medians of the five blocks; wall time is shown too. The column
//! "with the exhaustive scan beside" times one more pair of blocks with the audit on,
//! which runs the exhaustive scan of the window beside the index: about what assignment
//! cost without the index.
//!
//! Memory: `Clusterer::memory_bytes` (the window's stories and indexes) and, on Linux,
//! the process's resident set (which includes the copy kept from 10k). Recall: a second clusterer with the audit on
//! (`Clusterer::set_audit`: the exhaustive scan runs beside the index) over articles 10k
//! to 60k of the same stream (`quick`: to 35k).
//!
//! A plain `main` (harness = false) rather than divan: the figure wanted is a ratio
//! between stream lengths within one process, which a per-function timer does not give.
//! Run with `cargo bench -p parallax-cluster --bench assign` (`-- quick` stops at 100k).

use parallax_cluster::{ArticleFeatures, Clusterer, Params};
use std::time::Instant;

/// A small deterministic generator (xorshift64*), so runs are comparable.
#[derive(Clone)]
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
/// Stories open at a time in the stream.
const OPEN: usize = 100;

#[derive(Clone)]
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
        // A new story whenever one has closed: 100 stories open at a time, each article
        // from one of them at random. (Starting one in five articles, as this stream
        // once did, asks for 1.4 articles per article: open stories then pile up without
        // bound, about 57,000 by 1M articles, each waiting weeks for its next article.)
        if self.open.len() < OPEN {
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
            title: None,
        }
    }
}

/// CPU time of this thread in seconds (Linux: the scheduler's own count, in
/// nanoseconds), if known. Unlike the wall clock it does not count the time other
/// processes had the core, so ratios hold on a shared machine.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// The process's resident set in bytes (Linux), if known.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn params() -> Params {
    Params {
        // The synthetic directions are centred already: a fixed zero mean (the path of a
        // fitted mean, so sketches are never remade).
        mean: vec![0.0; DIM],
        ..Params::default()
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Assigns the next `n` articles of `stream` (made before the clock starts), each
/// evidence serialised to JSON as the engine stores it. Returns the time per article
/// (the thread's CPU time where the system gives it, wall time otherwise) and the wall
/// time per article.
fn time_block(
    c: &mut Clusterer,
    stream: &mut Stream,
    n: u64,
    evidence_bytes: &mut usize,
) -> (f64, f64) {
    let articles: Vec<ArticleFeatures> = (0..n).map(|_| stream.next()).collect();
    let (start, cpu_start) = (Instant::now(), thread_cpu());
    for a in &articles {
        let out = c.assign(a);
        *evidence_bytes = serde_json::to_string(&out.evidence)
            .map(|s| s.len())
            .unwrap_or(0);
    }
    let wall = start.elapsed().as_secs_f64() / n as f64;
    let cpu = match (cpu_start, thread_cpu()) {
        (Some(a), Some(b)) => (b - a) / n as f64,
        _ => wall,
    };
    (cpu, wall)
}

fn mib(b: f64) -> String {
    format!("{:.1} MiB", b / (1 << 20) as f64)
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let marks: &[u64] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    let (blocks, block) = (5usize, 1_000u64);
    let p = params();
    println!(
        "window: {} days, at most {} stories; {} candidates; shortlist {}",
        p.window_days,
        p.max_active,
        p.candidates,
        parallax_cluster::clusterer::SHORTLIST.max(4 * p.candidates)
    );
    let rss_start = resident_bytes();
    let mut c = Clusterer::new(p.clone());
    let mut stream = Stream::new();
    // The clusterer and stream as they were at the first mark: each timed block at a
    // later mark runs right after a block on a fresh copy of them, so that both see the
    // same machine (other processes, caches, clock) and the ratio is of the pair.
    let mut snapshot: Option<(Clusterer, Stream)> = None;
    let mut evidence_bytes = 0usize;
    println!("| articles stored | time per article | ratio to 10k | wall time per article | stories in window | clusterer memory | per stored article | resident set | evidence JSON per article | with the exhaustive scan beside | its ratio to 10k |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &mark in marks {
        while stream.n < mark {
            let a = stream.next();
            c.assign(&a);
        }
        let (base_c, base_stream) = snapshot
            .get_or_insert_with(|| (c.clone(), stream.clone()))
            .clone();
        let (mut here, mut wall, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..blocks {
            let (mut c0, mut s0) = (base_c.clone(), base_stream.clone());
            let (t0, _) = time_block(&mut c0, &mut s0, block, &mut 0);
            let (t, w) = time_block(&mut c, &mut stream, block, &mut evidence_bytes);
            here.push(t);
            wall.push(w);
            ratio.push(t / t0);
        }
        // For comparison: a pair of blocks with the audit on, which runs the exhaustive
        // scan of the window (the cost before the index) beside the index.
        let (mut c0, mut s0) = (base_c.clone(), base_stream.clone());
        c0.set_audit(true);
        let (e0, _) = time_block(&mut c0, &mut s0, block, &mut 0);
        c.set_audit(true);
        let (e, _) = time_block(&mut c, &mut stream, block, &mut 0);
        c.set_audit(false);
        let mem = c.memory_bytes();
        let rss = resident_bytes().map_or("n/a".to_string(), |r| mib(r as f64));
        println!(
            "| {mark} | {:.1} µs | {:.2} | {:.1} µs | {} | {} | {:.0} B | {rss} | {} B | {:.1} µs | {:.2} |",
            median(&mut here) * 1e6,
            median(&mut ratio),
            median(&mut wall) * 1e6,
            c.stories().len(),
            mib(mem as f64),
            mem as f64 / mark as f64,
            evidence_bytes,
            e * 1e6,
            e / e0
        );
    }
    if let (Some(a), Some(b)) = (rss_start, resident_bytes()) {
        println!(
            "resident set: {} at start, {} at the end",
            mib(a as f64),
            mib(b as f64)
        );
    }
    // What the engine pays per batch: it resumes a clusterer from the stored window,
    // which builds the indexes (one sketch per story).
    let (meta, stories) = (c.meta().clone(), c.stories().to_vec());
    let (start, cpu_start) = (Instant::now(), thread_cpu());
    let r = Clusterer::resume(p.clone(), meta, stories);
    let cpu = match (cpu_start, thread_cpu()) {
        (Some(a), Some(b)) => format!("{:.1} ms CPU, ", (b - a) * 1e3),
        _ => String::new(),
    };
    println!(
        "resume with {} stories (indexes built): {cpu}{:.1} ms wall",
        r.stories().len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(r);
    // Recall against the exhaustive scan, on the same stream.
    let until = if quick { 35_000 } else { 60_000 };
    let mut c = Clusterer::new(p);
    let mut stream = Stream::new();
    while stream.n < 10_000 {
        c.assign(&stream.next());
    }
    c.set_audit(true);
    while stream.n < until {
        c.assign(&stream.next());
    }
    let a = c.audit().expect("audit on");
    println!(
        "audit over articles 10000..{until}: {} articles, {} decided by the index (window larger than the shortlist), \
         exhaustive joins {}, missed by the index {}, recall {:.4}; candidate sets that differ {}, best two that differ {}, \
         articles with a strong candidate missed {}; assignments that differ {}; \
         stories scored exactly {:.1}% of the window",
        a.articles,
        a.indexed,
        a.exhaustive_joins,
        a.missed,
        a.recall(),
        a.candidates_differ,
        a.top_two_differ,
        a.strong_missed,
        a.decisions_differ,
        100.0 * a.shortlisted as f64 / a.window.max(1) as f64
    );
}

//! A bounded load test on loopback: generates a store of synthetic articles (10,000 by
//! default; text made up from word lists in five languages, lead vectors from the
//! deterministic hash embedder so that generating them takes seconds, not hours), serves
//! it, and drives `/api/articles` and `/api/search` with keep-alive HTTP/1.1 clients for
//! a fixed time each (30 s by default). Prints requests per second, p50 and p99 latency
//! and the error count of each route; exits non-zero on any error.
//!
//! `cargo run -p parallax-server --example load -- [ARTICLES] [SECONDS] [CLIENTS]`
//!
//! The search side embeds each query with the hash embedder, so the figures measure the
//! server, the full-text search and the brute-force vector scan, not the model (whose
//! cost per query is in docs/performance.md, Embeddings).

use parallax_engine::vectors::Vectors;
use parallax_engine::{Embedder, IngestConfig, Store};
use parallax_server::{AppState, ServerConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const WORDS: &[&[&str]] = &[
    &[
        "flood", "river", "minister", "election", "tariff", "steel", "storm", "harbour", "strike",
        "budget", "court", "border", "vaccine", "railway", "drought",
    ],
    &[
        "oversvømmelse",
        "flod",
        "minister",
        "valg",
        "told",
        "stål",
        "storm",
        "havn",
        "strejke",
        "budget",
        "domstol",
        "grænse",
        "vaccine",
        "jernbane",
        "tørke",
    ],
    &[
        "inundație",
        "râu",
        "ministru",
        "alegeri",
        "tarif",
        "oțel",
        "furtună",
        "port",
        "grevă",
        "buget",
        "tribunal",
        "frontieră",
        "vaccin",
        "cale",
        "secetă",
    ],
    &[
        "Hochwasser",
        "Fluss",
        "Minister",
        "Wahl",
        "Zoll",
        "Stahl",
        "Sturm",
        "Hafen",
        "Streik",
        "Haushalt",
        "Gericht",
        "Grenze",
        "Impfstoff",
        "Bahn",
        "Dürre",
    ],
    &[
        "inondation",
        "fleuve",
        "ministre",
        "élection",
        "tarif",
        "acier",
        "tempête",
        "port",
        "grève",
        "budget",
        "tribunal",
        "frontière",
        "vaccin",
        "chemin",
        "sécheresse",
    ],
];
const LANGS: &[&str] = &["en", "da", "ro", "de", "fr"];

/// A small deterministic generator (xorshift), so every run builds the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

fn sentence(rng: &mut Rng, words: &[&str]) -> String {
    let n = 6 + rng.next() % 10;
    let mut s: Vec<String> = (0..n).map(|_| rng.pick(words).to_string()).collect();
    s.push(format!("{}", rng.next() % 5000));
    let mut out = s.join(" ");
    out.push('.');
    let first = out.remove(0).to_uppercase().to_string();
    first + &out
}

fn generate(db: &std::path::Path, n: usize, vectors: &Vectors) {
    let mut store = Store::open(db).expect("store");
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let config = IngestConfig {
        vectors: Some(vectors.clone()),
        batch_size: 256,
        ..IngestConfig::default()
    };
    let mut done = 0;
    while done < n {
        let mut body = String::new();
        for i in done..(done + 1000).min(n) {
            let l = i % LANGS.len();
            let paragraphs: Vec<String> = (0..4)
                .map(|_| {
                    (0..3)
                        .map(|_| sentence(&mut rng, WORDS[l]))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let rec = serde_json::json!({
                "title": format!("{} {i}", sentence(&mut rng, WORDS[l]).trim_end_matches('.')),
                "body": paragraphs.join("\n\n"),
                "lang": LANGS[l],
                "published": format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
            });
            body.push_str(&rec.to_string());
            body.push('\n');
        }
        let r = parallax_engine::ingest_str(&mut store, "load", &body, &config, &mut |_| {})
            .expect("ingest");
        assert_eq!(r.rejected, 0);
        done = (done + 1000).min(n);
        eprintln!("  {done} articles");
    }
}

/// One keep-alive connection: sends GET requests, reads each answer whole.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).unwrap();
        Conn {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
        }
    }

    /// The status of the answer to `GET path`.
    fn get(&mut self, path: &str) -> u16 {
        write!(self.writer, "GET {path} HTTP/1.1\r\nhost: load\r\n\r\n").unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        status
    }
}

struct Figures {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn drive(addr: SocketAddr, seconds: u64, clients: usize, paths: fn(&mut Rng) -> String) -> Figures {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            std::thread::spawn(move || {
                let mut rng = Rng(0x2545f4914f6cdd1d ^ (c as u64 + 1));
                let mut conn = Conn::open(addr);
                let mut lat = Vec::new();
                let mut errors = 0;
                while Instant::now() < end {
                    let path = paths(&mut rng);
                    let t = Instant::now();
                    if conn.get(&path) != 200 {
                        errors += 1;
                    }
                    lat.push(t.elapsed());
                }
                (lat, errors)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.join().unwrap();
        lat.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let q =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    Figures {
        requests: lat.len(),
        errors,
        per_second: lat.len() as f64 / elapsed,
        p50_ms: q(0.50),
        p99_ms: q(0.99),
    }
}

fn articles_path(rng: &mut Rng) -> String {
    let lang = LANGS[(rng.next() % 6) as usize % LANGS.len()];
    let offset = rng.next() % 2000;
    if rng.next().is_multiple_of(2) {
        format!("/api/articles?limit=50&offset={offset}")
    } else {
        format!("/api/articles?lang={lang}&limit=50&offset={offset}")
    }
}

fn search_path(rng: &mut Rng) -> String {
    let l = (rng.next() % WORDS.len() as u64) as usize;
    let q = format!("{} {}", rng.pick(WORDS[l]), rng.pick(WORDS[l]));
    let enc: String = q
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("/api/search?q={enc}&limit=20")
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let n = args.first().copied().unwrap_or(10_000);
    let seconds = args.get(1).copied().unwrap_or(30) as u64;
    let clients = args.get(2).copied().unwrap_or(4);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.db");
    let vectors = Vectors::new(Embedder::hash(384), "hash");
    eprintln!("generating {n} articles");
    let t = Instant::now();
    generate(&db, n, &vectors);
    eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());

    let state = AppState::open(ServerConfig::new(db, Some(vectors))).expect("state");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(parallax_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    println!("{n} articles, {clients} clients, {seconds} s per route, loopback");
    println!("| route | requests | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    let mut failed = false;
    for (name, paths) in [
        ("/api/articles", articles_path as fn(&mut Rng) -> String),
        ("/api/search", search_path),
    ] {
        let f = drive(addr, seconds, clients, paths);
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} | {} |",
            f.requests, f.per_second, f.p50_ms, f.p99_ms, f.errors
        );
        failed |= f.errors > 0;
    }
    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
    if failed {
        std::process::exit(1);
    }
}

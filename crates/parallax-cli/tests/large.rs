//! Large inputs are streamed: a 100 MB JSON Lines file of 1 MB records is stored whole
//! in bounded memory, and a 50 MB text file (one oversized article) is refused without being
//! loaded. Memory is compared with a small run of the same binary, not with a timer.

mod common;

use common::{parallax, stderr, stdout};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `n` JSON Lines records of about `size` bytes of generated English text.
fn write_jsonl(path: &Path, n: usize, size: usize) {
    let words = [
        "council", "harbour", "budget", "river", "school", "voters", "bridge", "report",
        "minister", "weather", "market", "village",
    ];
    let mut f = BufWriter::new(File::create(path).unwrap());
    for i in 0..n {
        let mut body = String::with_capacity(size + 100);
        let mut k = i;
        while body.len() < size {
            body.push_str("The ");
            for _ in 0..8 {
                k = k
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                body.push_str(words[(k >> 33) % words.len()]);
                body.push(' ');
            }
            body.push_str("said on Monday.");
            body.push_str(if body.len().is_multiple_of(7) {
                "\\n\\n"
            } else {
                " "
            });
        }
        writeln!(f, "{{\"id\": \"r{i}\", \"title\": \"Generated report {i}\", \"published\": \"2026-01-01\", \"body\": \"{body}\"}}").unwrap();
    }
}

fn peak_kib(report: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(report).unwrap();
    v["peak_rss_kib"]
        .as_u64()
        .expect("peak memory reported on this system")
}

#[test]
fn a_100_mb_jsonl_file_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.jsonl");
    let big = dir.path().join("big.jsonl");
    // Records of 1 MB: a batch is bounded by its text (it closes at 8 MiB, after 9 such
    // records) as well as by its count, and reading runs one batch ahead of the writer,
    // so a full batch is read and analysed while the one before is embedded and stored.
    // Whether the batch read ahead meets the writer's peak is a matter of timing: a
    // small file's peak moves with it (dev build, session 11: 30 records 565 to 585 MB
    // from run to run), a file of 50 records no longer does (591 to 594 MB in three runs,
    // one under load). The small file is 50 records, the big one 100: 50 MB more input,
    // whose text alone would take 48 MiB if it were kept; measured 21 MiB more (615 MB).
    write_jsonl(&small, 50, 1_000_000);
    write_jsonl(&big, 100, 1_000_000);
    assert!(std::fs::metadata(&big).unwrap().len() >= 100_000_000);

    let o = parallax(
        &dir.path().join("s.db"),
        &["ingest", "--json", small.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let base = peak_kib(&stdout(&o));

    let o = parallax(
        &dir.path().join("b.db"),
        &["ingest", "--json", big.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["new"], 100);
    let peak = peak_kib(&stdout(&o));
    // 50 MB more input, and well under its text in extra memory.
    eprintln!("peak {peak} KiB for 100 MB, {base} KiB for 50 MB");
    assert!(
        peak < base + 32 * 1024,
        "peak {peak} KiB against {base} KiB for the 50 MB file"
    );
}

#[test]
fn a_50_mb_text_article_is_refused_without_loading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.txt");
    let mut f = BufWriter::new(File::create(&big).unwrap());
    writeln!(f, " date 2026-01-01 NEWS\nA very long article\n").unwrap();
    let para = "Words upon words fill this paragraph of a runaway export. ".repeat(20);
    while f.get_ref().metadata().unwrap().len() < 50_000_000 {
        writeln!(f, "{para}\n").unwrap();
    }
    drop(f);
    let small = dir.path().join("small.txt");
    fs::write(
        &small,
        " date 2026-01-01 NEWS\nA short article\n\nOne paragraph of text.\n",
    )
    .unwrap();
    let o = parallax(
        &dir.path().join("s.db"),
        &["ingest", "--json", small.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let base = peak_kib(&stdout(&o));
    let o = parallax(
        &dir.path().join("p.db"),
        &["ingest", "--json", big.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("huge.txt") && err.contains("larger than 8 MiB"),
        "{err}"
    );
    // Refused after 8 MiB were read, never held whole.
    let peak = peak_kib(&stdout(&o));
    assert!(
        peak < base + 32 * 1024,
        "peak {peak} KiB against {base} KiB for a small file"
    );
}

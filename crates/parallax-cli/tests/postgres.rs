//! The PostgreSQL store through the real binary: the example corpus and the seeds
//! ingested into PostgreSQL give the same articles, facts, vectors, copies, stories and
//! term index as into SQLite (every row `Store::contents` compares), the same lists and
//! search hits as JSON, re-ingesting writes nothing, and a server over PostgreSQL
//! answers as over SQLite. The PostgreSQL database is `PARALLAX_TEST_PG` (see
//! `parallax_store::testing`); without it these tests say they skip, unless
//! `PARALLAX_REQUIRE_SERVICES=1`.
//!
//! A location that is a bad URL, or a server that does not answer, is an error that
//! names the URL without its password, whatever the command.

mod common;

use common::{parallax, shared, stderr, stdout};
use parallax_engine::Store;
use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn repo(rel: &str) -> String {
    format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn json(db: &Path, args: &[&str]) -> Value {
    let o = parallax(db, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)))
}

/// One GET, its body.
fn get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{path}: {out}");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The answers of `parallax serve` over `db` to some reads of the API.
fn served(db: &Path) -> Vec<Value> {
    let mut server = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("PARALLAX_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("parallax serves http://")
        .trim_end_matches('/')
        .to_string();
    let answers = if addr.starts_with("127.0.0.1:") {
        Some(
            [
                "/api/stories",
                "/api/articles?limit=500",
                "/api/search?q=flood%20Valmora",
                "/api/sources",
            ]
            .iter()
            .map(|p| serde_json::from_str::<Value>(&get(&addr, p)).unwrap())
            .collect(),
        )
    } else {
        None
    };
    let _ = server.kill();
    let o = server.wait_with_output().unwrap();
    answers.unwrap_or_else(|| panic!("no server: {line} {}", stderr(&o)))
}

#[test]
fn the_corpus_in_postgresql_equals_the_corpus_in_sqlite() {
    let Some(url) = parallax_store::testing::pg_location("cli_corpus_equals_sqlite").unwrap()
    else {
        return;
    };
    let pg = Path::new(&url);
    let dir = tempfile::tempdir().unwrap();
    let lite = dir.path().join("p.db");
    let seeds = shared("corpus/seeds");
    let inputs = [repo("examples/corpus"), seeds.to_str().unwrap().to_string()];
    let ingest: Vec<&str> = ["ingest", "--json"]
        .into_iter()
        .chain(inputs.iter().map(String::as_str))
        .collect();
    let first_lite = json(&lite, &ingest);
    let first_pg = json(pg, &ingest);
    assert_eq!(first_pg["new"], first_lite["new"], "{first_pg}");
    assert!(first_pg["new"].as_u64().unwrap() >= 10, "{first_pg}");

    let want = Store::open_existing(&lite).unwrap().contents().unwrap();
    let got = Store::open_existing(pg).unwrap().contents().unwrap();
    assert_eq!(got.len(), want.len());
    for ((name, g), (_, w)) in got.iter().zip(&want) {
        assert!(
            !w.is_empty() || *name == "sentence_vectors",
            "{name} is empty"
        );
        assert_eq!(g, w, "table {name}");
    }

    for args in [
        &["articles", "--json"][..],
        &["stories", "--json"],
        &["search", "flood in Valmora", "--json"],
        &["search", "Nordkoreas Soldaten in Kursk", "--json"],
    ] {
        assert_eq!(json(pg, args), json(&lite, args), "{args:?}");
    }

    // Again: nothing new, nothing changed.
    let again = json(pg, &ingest);
    assert_eq!(again["new"], 0, "{again}");
    let after = Store::open_existing(pg).unwrap().contents().unwrap();
    assert_eq!(after, got);

    // A server over each store answers the same.
    assert_eq!(served(pg), served(&lite));
}

#[test]
fn a_bad_or_unreachable_postgresql_url_is_an_error_naming_it_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.jsonl");
    std::fs::write(
        &file,
        "{\"title\": \"Harbour\", \"body\": \"The harbour opened.\"}\n",
    )
    .unwrap();
    for url in [
        // Nothing listens on port 1 of the loopback address.
        "postgres://reader:secret@127.0.0.1:1/news?connect_timeout=5",
        "postgresql://reader:secret@127.0.0.1:port/news",
    ] {
        for args in [
            &["stories"][..],
            &["articles", "--json"],
            &["ingest", file.to_str().unwrap()],
        ] {
            let o = parallax(Path::new(url), args);
            let err = stderr(&o);
            assert!(!o.status.success(), "{url} {args:?}");
            assert!(err.contains("reader@127.0.0.1"), "{url} {args:?}: {err}");
            assert!(!err.contains("secret"), "{url} {args:?}: {err}");
            assert!(!err.contains("panicked"), "{url} {args:?}: {err}");
        }
    }
}

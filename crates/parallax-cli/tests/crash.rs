//! Crash safety: a `parallax ingest` killed with SIGKILL in the middle of a stream
//! leaves a store that opens and answers and keeps every batch it committed whole (each
//! article with its facts). A batch is written in steps, each one transaction: articles
//! and facts, then their vectors, then their stories; the same ingest run again stores
//! every record exactly once and completes the vectors and stories a kill cut short.

mod common;

use common::{json, parallax, stderr};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Record `i` of the stream: short local news, each about an event of its own.
fn record(i: usize) -> String {
    let towns = [
        "Aldby", "Brenholm", "Corvik", "Dunmere", "Elsted", "Farrow", "Glenby",
    ];
    let town = towns[i % towns.len()];
    format!(
        "{{\"id\": \"crash-{i}\", \"title\": \"{town} council decision number {i}\", \"published\": \"2025-03-{:02}T08:00:00Z\", \"body\": \"The council of {town} voted {} to {} on proposal {i} about the harbour, the school roof and the bus timetable. The mayor said the work on item {i} would start within {} weeks.\"}}\n",
        1 + i % 28,
        5 + i % 7,
        i % 5,
        2 + i % 9
    )
}

fn articles(db: &Path) -> Vec<Value> {
    json(db, &["articles", "--json", "--limit", "100000"])
        .as_array()
        .unwrap()
        .clone()
}

/// The number of articles the stories hold, summed over the stories.
fn in_stories(db: &Path) -> u64 {
    json(db, &["stories", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["n_articles"].as_u64().unwrap())
        .sum()
}

#[test]
fn an_ingest_killed_mid_stream_loses_nothing_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let file = dir.path().join("stream.jsonl");
    let n = 300;
    std::fs::write(&file, (0..n).map(record).collect::<String>()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", file.to_str().unwrap()])
        .env_remove("PARALLAX_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as a first batch is committed, while the rest is in flight.
    let start = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest ended before it could be killed"
        );
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "no batch committed"
        );
        if db.exists() {
            let o = parallax(&db, &["articles", "--json", "--limit", "1"]);
            if o.status.success()
                && serde_json::from_slice::<Value>(&o.stdout)
                    .is_ok_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
            {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The store opens and answers; what it holds is whole.
    let stored = articles(&db);
    let kept = stored.len();
    assert!(kept > 0 && kept < n, "{kept} of {n} stored before the kill");
    assert!(in_stories(&db) <= kept as u64);
    let first = stored[0]["id"].as_str().unwrap().to_string();
    let facts = parallax(&db, &["facts", &first, "--json"]);
    assert!(facts.status.success(), "{}", stderr(&facts));

    // The same ingest again: every record once, none twice.
    let o = parallax(&db, &["ingest", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = articles(&db);
    assert_eq!(all.len(), n);
    let ids: HashSet<&str> = all.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), n, "an article stored twice");
    let titles: HashSet<&str> = all.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), n);
    assert_eq!(in_stories(&db), n as u64);
    // A third run changes nothing.
    let o = parallax(&db, &["ingest", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(articles(&db).len(), n);
}

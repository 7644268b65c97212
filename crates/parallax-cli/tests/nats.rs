//! NATS JetStream as the work log, through the real binary: `parallax ingest --to`
//! publishes the records, two `parallax worker`s store them in PostgreSQL and one
//! `parallax assign` assigns their stories; the result equals `parallax ingest` of the
//! same inputs into SQLite (articles, sources, facts, vectors, stories, assignments and
//! the clusterer's counters), also when a worker and the assigner are killed with
//! SIGKILL in the middle of the stream and started again.
//!
//! The NATS server (JetStream enabled) is `PARALLAX_TEST_NATS` (`nats://HOST:PORT`), the
//! PostgreSQL database `PARALLAX_TEST_PG` (see `parallax_store::testing`). Without them
//! these tests say they skip, unless `PARALLAX_REQUIRE_SERVICES=1`. Each test has a
//! stream and a schema of its own.

mod common;

use common::{parallax, shared, stderr, stdout};
use parallax_engine::Store;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NATS_VAR: &str = "PARALLAX_TEST_NATS";

fn repo(rel: &str) -> String {
    format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The NATS URL and a fresh PostgreSQL schema for `test`, or `None` (said on standard
/// error) when the services are not configured and not required.
fn services(test: &str) -> Option<(String, String)> {
    let nats = std::env::var(NATS_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty());
    let Some(nats) = nats else {
        assert!(
            !parallax_store::testing::services_required(),
            "PARALLAX_REQUIRE_SERVICES=1 but {NATS_VAR} is not set: the NATS tests cannot run"
        );
        eprintln!("SKIPPED: {test} ({NATS_VAR} is not set)");
        return None;
    };
    let pg = parallax_store::testing::pg_location(test).unwrap()?;
    Some((nats.trim().to_string(), pg))
}

/// A stream name of this test and run (streams are left on the server).
fn stream_name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}_{}_{nanos}", std::process::id())
}

fn command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parallax"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("PARALLAX_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits for a child and says what it printed; it must have succeeded.
fn finish(child: Child, what: &str) -> String {
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{what}: {}\n{}\n{}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// As [`finish`], but a child still running after `limit` is killed and the test fails
/// (an assigner waits for articles no worker will store).
fn finish_within(mut child: Child, limit: Duration, what: &str, db: &Path) -> String {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            kill(child);
            panic!(
                "{what} still running after {} s; the store has {:?} (articles, assigned)",
                limit.as_secs(),
                counts(db)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    finish(child, what)
}

fn json(db: &Path, args: &[&str]) -> Value {
    let o = parallax(db, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)))
}

/// The store's rows as `Store::contents` gives them, but for the assigner's position
/// in its log (a row of the clusterer's state only the log's store has).
fn contents(db: &Path) -> Vec<(&'static str, Vec<String>)> {
    let mut tables = Store::open_existing(db).unwrap().contents().unwrap();
    for (name, rows) in &mut tables {
        if *name == "cluster_state" {
            rows.retain(|r| !r.starts_with("\"worklog:"));
        }
    }
    tables
}

/// Every table of `got` equals `want`'s.
fn assert_same(got: &Path, want: &Path) {
    let (g, w) = (contents(got), contents(want));
    assert_eq!(g.len(), w.len());
    for ((name, g), (_, w)) in g.iter().zip(&w) {
        assert_eq!(g.len(), w.len(), "table {name}: row counts differ");
        for (x, y) in g.iter().zip(w) {
            assert_eq!(x, y, "table {name}: a row differs");
        }
    }
    for args in [&["articles", "--json"][..], &["stories", "--json"]] {
        assert_eq!(json(got, args), json(want, args), "{args:?}");
    }
}

const PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><title>Mill fire | Town Post</title>\
<meta property=\"article:published_time\" content=\"2026-03-02T07:00:00Z\"></head><body><article><h1>Mill fire</h1>\
<p>A fire broke out at the old mill on the river late on Sunday night, and crews from three towns fought it until the early morning, the fire service said.</p>\
<p>No one was hurt, but the roof of the main building fell in, and the owners said it was too soon to say whether the mill could be saved or rebuilt.</p>\
<p>The cause of the fire is not yet known, and investigators will visit the site on Tuesday once the ruins have cooled enough to be entered safely.</p>\
</article></body></html>";

/// An HTML page, an RSS feed of two entries and a WARC crawl of one page: the formats
/// whose records are a file, a feed entry and a WARC response.
fn write_formats(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("mill.html"), PAGE).unwrap();
    let item = |title: &str, day: u32, text: &str| {
        format!("<item><title>{title}</title><link>https://town.example/{day}</link><pubDate>Tue, 0{day} Mar 2026 08:00:00 GMT</pubDate><description>{text}</description></item>")
    };
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Town Post</title>{}{}</channel></rss>",
        item("Ferry to Corvik sails again", 3, "The ferry to Corvik sailed again on Tuesday after a week in the yard, and the harbour master said the timetable would be back to normal by the weekend."),
        item("Library reopens in Aldby", 4, "The library of Aldby reopened on Wednesday after the repairs to its roof, with a reading room twice the size of the old one and longer opening hours in the evening."),
    );
    std::fs::write(dir.join("town.rss"), feed).unwrap();
    let http = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{}",
        PAGE.replace("Mill fire", "Second mill fire")
            .replace("Sunday", "Monday")
    );
    let warc = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://town.example/mill2\r\nWARC-Date: 2026-03-03T22:10:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{http}\r\n\r\n",
        http.len()
    );
    std::fs::write(dir.join("crawl.warc"), warc).unwrap();
}

#[test]
fn the_corpus_through_nats_and_two_workers_equals_ingest_into_sqlite() {
    let Some((nats, pg)) = services("cli_nats_corpus") else {
        return;
    };
    let pg = Path::new(&pg);
    let stream = stream_name("corpus");
    let dir = tempfile::tempdir().unwrap();
    let lite = dir.path().join("p.db");
    let seeds = shared("corpus/seeds");
    let formats = dir.path().join("formats");
    write_formats(&formats);
    let inputs = [
        repo("examples/corpus"),
        repo("examples/stories.jsonl"),
        seeds.to_str().unwrap().to_string(),
        formats.to_str().unwrap().to_string(),
    ];
    let mut ingest: Vec<&str> = vec!["ingest", "--json"];
    ingest.extend(inputs.iter().map(String::as_str));
    let want = json(&lite, &ingest);
    assert!(want["new"].as_u64().unwrap() >= 29, "{want}");
    assert_eq!(want["rejected"], 0, "{want}");
    // The page, the two entries of the feed and the page of the crawl are among them.
    let stored = json(&lite, &["articles", "--json"]);
    for (name, n) in [("mill.html", 1), ("town.rss", 2), ("crawl.warc", 1)] {
        let of = stored
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["source_path"].as_str().is_some_and(|p| p.ends_with(name)))
            .count();
        assert_eq!(of, n, "articles of {name}");
    }

    let mut publish = ingest.clone();
    publish.extend(["--to", &nats, "--stream", &stream]);
    let published = json(&lite, &publish);
    assert_eq!(published["published"], want["read"], "{published}");
    assert_eq!(published["rejected"], 0, "{published}");

    let log = [
        "--from",
        nats.as_str(),
        "--stream",
        stream.as_str(),
        "--drain",
    ];
    let worker = |n: &str| {
        let mut args = vec!["worker", "--json"];
        args.extend(log);
        (command(pg, &args).spawn().unwrap(), n.to_string())
    };
    let workers = [worker("worker 1"), worker("worker 2")];
    let mut args = vec!["assign"];
    args.extend(log);
    let assigner = command(pg, &args).spawn().unwrap();
    let mut read = 0;
    for (w, name) in workers {
        let out: Value = serde_json::from_str(&finish(w, &name)).unwrap();
        read += out["read"].as_u64().unwrap();
    }
    assert_eq!(read, want["read"].as_u64().unwrap());
    let said = finish(assigner, "the assigner");
    assert!(said.contains("articles assigned"), "{said}");

    assert_same(pg, &lite);

    // A second run of the same inputs: nothing new, the same stories.
    let again = json(&lite, &publish);
    assert_eq!(again["published"], want["read"], "{again}");
    let mut args = vec!["worker", "--json"];
    args.extend(log);
    let out: Value =
        serde_json::from_str(&finish(command(pg, &args).spawn().unwrap(), "worker")).unwrap();
    assert_eq!(out["new"], 0, "{out}");
    let mut args = vec!["assign"];
    args.extend(log);
    finish(command(pg, &args).spawn().unwrap(), "the assigner");
    assert_same(pg, &lite);
}

/// Record `i` of a generated stream: short local news, many about the same events.
fn record(i: usize) -> String {
    let towns = [
        "Aldby", "Brenholm", "Corvik", "Dunmere", "Elsted", "Farrow", "Glenby",
    ];
    let town = towns[i % towns.len()];
    let event = i % 40;
    format!(
        "{{\"id\": \"nats-{i}\", \"title\": \"{town} council votes on harbour plan {event}\", \"published\": \"2025-03-{:02}T{:02}:{:02}:00Z\", \"body\": \"The council of {town} voted {} to {} on proposal {event} about the harbour, report {i}. The mayor said the work would start within {} weeks.\"}}\n",
        1 + (i / 20) % 28,
        i % 24,
        i % 60,
        5 + i % 7,
        i % 5,
        2 + event % 9
    )
}

/// Kills `child` with SIGKILL.
fn kill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// How many articles the store holds and how many are in stories (0, 0 before the
/// first worker created it).
fn counts(db: &Path) -> (u64, usize) {
    let Ok(store) = Store::open_read_only(db) else {
        return (0, 0);
    };
    let tables = store.contents().unwrap();
    let assigned = tables
        .iter()
        .find(|(n, _)| *n == "story_assignments")
        .map_or(0, |(_, r)| r.len());
    (store.count_articles().unwrap(), assigned)
}

/// Waits until `ok` holds of the store's counts, at most `limit`.
fn wait_for(db: &Path, limit: Duration, what: &str, ok: impl Fn((u64, usize)) -> bool) {
    let start = Instant::now();
    loop {
        let c = counts(db);
        if ok(c) {
            println!("{what}: {c:?} after {:.1} s", start.elapsed().as_secs_f64());
            return;
        }
        assert!(start.elapsed() < limit, "{what}: still {c:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_worker_and_the_assigner_killed_mid_stream_lose_and_duplicate_nothing() {
    let Some((nats, pg)) = services("cli_nats_killed") else {
        return;
    };
    let pg = Path::new(&pg);
    let stream = stream_name("killed");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stream.jsonl");
    let n = 500;
    std::fs::write(&file, (0..n).map(record).collect::<String>()).unwrap();
    let file = file.to_str().unwrap();
    let batch = ["--batch-size", "16"];

    // The uninterrupted run into SQLite.
    let lite = dir.path().join("reference.db");
    let mut args = vec!["ingest", "--json", file];
    args.extend(batch);
    let want = json(&lite, &args);
    assert_eq!(want["new"], n, "{want}");

    args.extend(["--to", &nats, "--stream", &stream]);
    let published = json(&lite, &args);
    assert_eq!(published["published"], n, "{published}");

    let log = [
        "--from",
        nats.as_str(),
        "--stream",
        stream.as_str(),
        "--drain",
    ];
    let worker = || {
        let mut args = vec!["worker", "--batch-size", "8", "--ack-wait", "3"];
        args.extend(log);
        command(pg, &args).spawn().unwrap()
    };
    let assigner = || {
        let mut args = vec!["assign"];
        args.extend(log);
        command(pg, &args).spawn().unwrap()
    };
    let limit = Duration::from_secs(600);
    let first = worker();
    wait_for(pg, limit, "the first worker started", |(a, _)| a > 0);
    let second = worker();
    let a = assigner();
    // The assigner killed once it has assigned some batches, the first worker a little
    // later (with messages taken and not acknowledged, most likely), both in the middle.
    wait_for(pg, limit, "some stories assigned", |(_, s)| s >= 60);
    kill(a);
    let (stored, assigned) = counts(pg);
    assert!(stored < n as u64, "the workers were done before the kills");
    println!("assigner killed at {stored} stored, {assigned} assigned");
    wait_for(pg, limit, "more stored", |(a, _)| a >= stored + 24);
    kill(first);
    let (stored, _) = counts(pg);
    assert!(stored < n as u64, "the workers were done before the kills");
    println!("worker killed at {stored} stored");
    let a = assigner();
    let first = worker();
    finish(first, "the restarted worker");
    finish(second, "the second worker");
    // With every record stored, the assigner has a few batches left at most.
    finish_within(a, Duration::from_secs(120), "the restarted assigner", pg);

    // Every record once, in the stories of the uninterrupted run.
    assert_eq!(counts(pg), (n as u64, n));
    assert_same(pg, &lite);
}

#[test]
fn bad_records_and_a_record_above_the_servers_limit_are_named_and_the_rest_go_on() {
    let Some((nats, pg)) = services("cli_nats_bad_records") else {
        return;
    };
    let pg = Path::new(&pg);
    let stream = stream_name("bad");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.jsonl");
    // Above the 1 MB a NATS server takes by default (its max_payload), below the 8 MiB
    // of a record parallax reads.
    let long = "The harbour of Aldby was dredged again this week. ".repeat(40_000);
    let lines = [
        "{\"title\": \"Aldby harbour reopens\", \"published\": \"2025-03-01T08:00:00Z\", \"body\": \"The harbour of Aldby reopened on Monday after the storm.\"}".to_string(),
        format!("{{\"title\": \"Aldby dredging\", \"body\": \"{long}\"}}"),
        "{\"title\": \"Broken\", \"body\": ".to_string(),
        "{\"title\": \"Corvik ferry resumes\", \"published\": \"2025-03-02T08:00:00Z\", \"body\": \"The ferry to Corvik sailed again on Tuesday.\"}".to_string(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let name = file.to_str().unwrap();

    // `ingest` names the broken line; `ingest --to` names it alike, and the long record.
    let lite = dir.path().join("p.db");
    let o = parallax(&lite, &["ingest", name]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let broken = stderr(&o);
    assert!(broken.contains(&format!("{name}:3")), "{broken}");
    let o = parallax(
        &lite,
        &["ingest", "--json", name, "--to", &nats, "--stream", &stream],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for line in broken.lines() {
        assert!(err.contains(line), "{line:?} is not in {err}");
    }
    let long_line = err
        .lines()
        .find(|l| l.contains("max_payload"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(long_line.starts_with(name), "{long_line}");
    assert!(long_line.contains("record 2"), "{long_line}");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (&report["published"], &report["rejected"]),
        (&2.into(), &2.into()),
        "{report}"
    );

    // The two good records are stored and assigned.
    let log = [
        "--from",
        nats.as_str(),
        "--stream",
        stream.as_str(),
        "--drain",
    ];
    let mut args = vec!["worker", "--json"];
    args.extend(log);
    let out: Value =
        serde_json::from_str(&finish(command(pg, &args).spawn().unwrap(), "worker")).unwrap();
    assert_eq!(
        (&out["new"], &out["rejected"]),
        (&2.into(), &0.into()),
        "{out}"
    );
    let mut args = vec!["assign"];
    args.extend(log);
    finish(command(pg, &args).spawn().unwrap(), "the assigner");
    assert_eq!(counts(pg), (2, 2));
}

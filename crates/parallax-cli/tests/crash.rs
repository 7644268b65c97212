//! Crash safety through the binary: one store is fed the same stream by `parallax
//! ingest` again and again, each run killed with SIGKILL after a random delay (drawn
//! so that kills fall before the first commit, between commits and while a batch is
//! being written), until 10 runs were killed; after every kill the file passes
//! `PRAGMA integrity_check`, and a last run completes. Its tables (articles with their
//! sources, facts, fingerprints, vectors, stories and their assignments, the
//! clusterer's state, the full-text vocabulary) must then equal those of the same
//! ingest run once, uninterrupted, into a fresh store; `Store::contents` says what is
//! left out of the comparison (the wall clock of each write and SQLite's row ids).
//!
//! A batch is one transaction (articles and facts, their vectors and their stories,
//! committed together), so after every kill each stored article has its vector and its
//! story: a kill leaves all of a batch or none of it. The seed of the delays is printed;
//! set `PARALLAX_CRASH_SEED` to replay one.

mod common;

use common::{parallax, stderr};
use parallax_engine::Store;
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
        "{{\"id\": \"crash-{i}\", \"title\": \"{town} council decision number {i}\", \"published\": \"2025-03-{:02}T08:00:00Z\", \"body\": \"The council of {town} voted {} to {} on proposal {i} about the harbour. The mayor said the work would start within {} weeks.\"}}\n",
        1 + i % 28,
        5 + i % 7,
        i % 5,
        2 + i % 9
    )
}

/// xorshift64*: the delays of the kills, replayable from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

const BATCH: &str = "8";

fn ingest(db: &Path, file: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parallax"));
    c.arg("--db")
        .arg(db)
        .args(["ingest", "--batch-size", BATCH, file.to_str().unwrap()])
        .env_remove("PARALLAX_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Opens the store (as the next run would, recovering its journal), checks the file
/// and says how many articles, vectors and assigned articles it holds.
fn check(db: &Path) -> (u64, usize, usize) {
    let store = Store::open_existing(db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    let tables = store.contents().unwrap();
    let rows = |name: &str| tables.iter().find(|(n, _)| *n == name).unwrap().1.len();
    (
        store.count_articles().unwrap(),
        rows("vectors"),
        rows("story_assignments"),
    )
}

#[test]
fn ingests_killed_at_random_points_leave_a_sound_store_equal_to_an_uninterrupted_one() {
    killed_and_compared(None);
}

/// The same kills into a PostgreSQL store (`PARALLAX_TEST_PG`), compared with the
/// uninterrupted run into SQLite: every record stored once, the same stories.
#[test]
fn ingests_into_postgresql_killed_at_random_points_equal_an_uninterrupted_one() {
    if let Some(url) = parallax_store::testing::pg_location("cli_crash").unwrap() {
        killed_and_compared(Some(url));
    }
}

/// Whether the location holds a store yet.
fn exists(db: &Path) -> bool {
    if db.to_str().is_some_and(parallax_store::is_postgres_url) {
        Store::open_read_only(db).is_ok()
    } else {
        db.exists()
    }
}

/// Kills ingests into `killed` (a PostgreSQL URL; a new SQLite file without one) until
/// ten were killed, then compares with one uninterrupted run into SQLite.
fn killed_and_compared(killed: Option<String>) {
    let seed = std::env::var("PARALLAX_CRASH_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("PARALLAX_CRASH_SEED is a number"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
        | 1;
    println!("crash seed {seed} (PARALLAX_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stream.jsonl");
    let n = 150;
    std::fs::write(&file, (0..n).map(record).collect::<String>()).unwrap();

    // The uninterrupted run, timed: the kills are drawn within its length.
    let reference = dir.path().join("reference.db");
    let start = Instant::now();
    let status = ingest(&reference, &file).status().unwrap();
    assert!(status.success());
    let whole = start.elapsed();
    assert_eq!(check(&reference), (n as u64, n, n));
    println!("uninterrupted run: {:.1} s", whole.as_secs_f64());

    let db = killed
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("killed.db"));
    let (mut kills, mut runs) = (0, 0);
    let limit = whole.as_millis() as u64 / 4;
    while kills < 10 {
        assert!(runs < 40, "{runs} runs and only {kills} kills");
        runs += 1;
        let delay = Duration::from_millis(rng.range(50, limit.max(100)));
        let mut child = ingest(&db, &file).spawn().unwrap();
        let start = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "run {runs}: {status}");
                break true;
            }
            if start.elapsed() >= delay {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                break false;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if !finished {
            kills += 1;
        }
        if exists(&db) {
            let (articles, vectors, assigned) = check(&db);
            assert_eq!(
                (vectors, assigned),
                (articles as usize, articles as usize),
                "run {runs}: a kill left articles without their vectors or stories"
            );
            // Every run reads the stream from its start in batches of 8 records, so
            // whole batches are a multiple of 8 articles, or all of them.
            assert!(
                articles % 8 == 0 || articles == n as u64,
                "run {runs}: {articles} articles: a batch was stored in part"
            );
            println!(
                "run {runs}: {} after {} ms; {articles} articles, {vectors} vectors, {assigned} in stories",
                if finished { "finished" } else { "killed" },
                delay.as_millis()
            );
        } else {
            println!(
                "run {runs}: killed after {} ms, before the store was created",
                delay.as_millis()
            );
        }
    }

    let o = parallax(
        &db,
        &["ingest", "--batch-size", BATCH, file.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    runs += 1;
    assert_eq!(check(&db), (n as u64, n, n));
    println!("{kills} kills in {runs} runs; the last one completed");

    let want = Store::open_existing(&reference)
        .unwrap()
        .contents()
        .unwrap();
    let got = Store::open_existing(&db).unwrap().contents().unwrap();
    for ((table, a), (_, b)) in want.iter().zip(&got) {
        assert_eq!(a.len(), b.len(), "{table}: row counts differ");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{table}: a row differs");
        }
        println!("{table}: {} rows, equal", a.len());
    }
}

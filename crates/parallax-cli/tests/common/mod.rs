//! Helpers for the tests that drive the real `parallax` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared corpus beside the repository (CI puts it there).
pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    assert!(
        p.exists(),
        "{} is missing: the shared corpus must be beside the repository",
        p.display()
    );
    p
}

/// Runs `parallax --db DB ARGS...`.
pub fn parallax(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parallax"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("PARALLAX_DB")
        .output()
        .expect("parallax runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and parses standard output as JSON.
pub fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let o = parallax(db, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)))
}

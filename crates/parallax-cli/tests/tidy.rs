//! Checks of the whole tree that keep ARCHITECTURE.md true: the dependency edges
//! between our crates, which crate may know SQL, HTTP and clap, and tidiness (every
//! source file starts with a `//!` doc, no todo or unimplemented macros, no ignored test without a reason).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Each crate's `[dependencies]` names (not dev-dependencies).
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut deps = Vec::new();
        let mut in_deps = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_deps = line == "[dependencies]";
                continue;
            }
            if in_deps {
                if let Some((dep, _)) = line.split_once('=') {
                    let dep = dep.trim().trim_end_matches(".workspace").to_string();
                    if !dep.is_empty() && !dep.starts_with('#') {
                        deps.push(dep);
                    }
                }
            }
        }
        out.insert(name, deps);
    }
    out
}

#[test]
fn crate_dependency_edges_follow_the_architecture() {
    // Which of our crates each crate may depend on.
    let allowed: &[(&str, &[&str])] = &[
        ("parallax-core", &[]),
        ("parallax-ingest", &["parallax-core"]),
        ("parallax-text", &["parallax-core"]),
        ("parallax-facts", &["parallax-core"]),
        ("parallax-embed", &["parallax-core"]),
        ("parallax-cluster", &["parallax-core"]),
        ("parallax-compare", &["parallax-core"]),
        ("parallax-store", &["parallax-core"]),
        (
            "parallax-engine",
            &[
                "parallax-core",
                "parallax-ingest",
                "parallax-text",
                "parallax-facts",
                "parallax-embed",
                "parallax-cluster",
                "parallax-compare",
                "parallax-store",
            ],
        ),
        ("parallax-server", &["parallax-core", "parallax-engine"]),
        (
            "parallax-cli",
            &["parallax-core", "parallax-engine", "parallax-server"],
        ),
    ];
    let deps = dependencies();
    assert!(deps.len() >= 6, "{deps:?}");
    for (krate, list) in &deps {
        let rule = allowed.iter().find(|(k, _)| k == krate).unwrap_or_else(|| {
            panic!("{krate} is not in the architecture: add it to ARCHITECTURE.md and to this test")
        });
        for dep in list.iter().filter(|d| d.starts_with("parallax-")) {
            assert!(
                rule.1.contains(&dep.as_str()),
                "{krate} must not depend on {dep}"
            );
        }
    }
    // Only the store knows SQL, only the server HTTP, only the CLI clap and NATS.
    for (krate, list) in &deps {
        for (dep, owner) in [
            ("rusqlite", "parallax-store"),
            ("postgres", "parallax-store"),
            ("axum", "parallax-server"),
            ("hyper", "parallax-server"),
            ("clap", "parallax-cli"),
            ("async-nats", "parallax-cli"),
        ] {
            if list.iter().any(|d| d == dep) {
                assert_eq!(
                    krate, owner,
                    "{krate} depends on {dep}, which only {owner} may use"
                );
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name()
                .is_some_and(|n| n != "target" && !n.to_string_lossy().starts_with('.'))
            {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_source_file_is_documented_and_tidy() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    assert!(files.len() > 10);
    let todo = ["todo", "!("].concat();
    let unimpl = ["unimplemented", "!("].concat();
    let ignore = ["#[", "ignore]"].concat();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(
            first.starts_with("//!"),
            "{} does not start with a `//!` doc comment",
            f.display()
        );
        assert!(
            !text.contains(&todo) && !text.contains(&unimpl),
            "{} has a {todo} or {unimpl}",
            f.display()
        );
        assert!(
            !text.contains(&ignore),
            "{} has an {ignore} without a reason (write #[ignore = \"why\"])",
            f.display()
        );
    }
}

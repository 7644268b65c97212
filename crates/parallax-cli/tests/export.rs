//! Every `--csv` through the real binary, parsed back with a CSV reader and checked
//! against the same listing as JSON (columns and values); `story --markdown`, the
//! story's versions and the order of `stories`; plain words in the outputs (a unit
//! written once, plurals); `--lang` checked.

mod common;

use common::{parallax, shared, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn repo(rel: &str) -> String {
    format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The example corpus and the seeds, ingested once for every test here.
fn store() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("export.db");
        let seeds = shared("corpus/seeds");
        let o = parallax(
            &db,
            &["ingest", &repo("examples/corpus"), seeds.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        (dir, db)
    })
    .1
}

fn json(args: &[&str]) -> Value {
    let o = parallax(store(), args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// The CSV output of a command: its header and rows, read back with a CSV reader.
fn csv(args: &[&str]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let o = parallax(store(), args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn text(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_default()
}

#[test]
fn articles_csv_is_the_json_listing() {
    let list = json(&["articles", "--json"]);
    let list = list.as_array().unwrap();
    let (header, rows) = csv(&["articles", "--csv"]);
    assert_eq!(
        header,
        [
            "id",
            "lang",
            "published",
            "source",
            "url",
            "title",
            "standfirst"
        ]
    );
    assert_eq!(rows.len(), list.len());
    for (row, a) in rows.iter().zip(list) {
        assert_eq!(row[0], text(&a["id"]));
        assert_eq!(row[1], text(&a["lang"]));
        assert_eq!(row[5], text(&a["title"]));
        assert_eq!(row[6], text(&a["standfirst"]));
    }
    // Titles with commas and quotes survive the quoting.
    assert!(rows
        .iter()
        .any(|r| r[5].contains(',') || r[5].contains('"') || r[5].contains(':')));
    let (_, da) = csv(&["articles", "--csv", "--lang", "da"]);
    assert!(!da.is_empty() && da.iter().all(|r| &r[1] == "da"));
}

#[test]
fn stories_csv_and_the_order_of_stories() {
    let list = json(&["stories", "--json"]);
    let list = list.as_array().unwrap();
    assert!(list.len() >= 3);
    // The most recent first, as the API.
    let last: Vec<String> = list.iter().map(|s| text(&s["last_seen"])).collect();
    assert!(last.windows(2).all(|w| w[0] >= w[1]), "{last:?}");
    let (header, rows) = csv(&["stories", "--csv"]);
    assert_eq!(
        header,
        [
            "id",
            "n_articles",
            "languages",
            "first_seen",
            "last_seen",
            "title",
            "articles"
        ]
    );
    assert_eq!(rows.len(), list.len());
    for (row, s) in rows.iter().zip(list) {
        assert_eq!(row[0], s["id"].to_string());
        assert_eq!(row[1], s["n_articles"].to_string());
        let langs: Vec<String> = s["languages"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        assert_eq!(row[2], langs.join("; "));
        assert_eq!(
            row[6].split("; ").count() as u64,
            s["n_articles"].as_u64().unwrap()
        );
    }
}

/// The id of the seed story (the Danish and the Romanian Putin/Kim articles).
fn seed_story() -> i64 {
    let list = json(&["stories", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["languages"] == serde_json::json!(["da", "ro"]))
        .and_then(|s| s["id"].as_i64())
        .expect("the seeds form a story")
}

#[test]
fn story_lists_its_versions_and_exports_markdown() {
    let id = seed_story().to_string();
    let s = json(&["story", &id, "--json"]);
    let versions = s["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let o = parallax(store(), &["story", &id]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("2 articles"), "{out}");
    for v in versions {
        let title: String = text(&v["title"]).chars().take(40).collect();
        assert!(out.contains(&title), "{out}");
        assert!(out.contains(&text(&v["published"])[..10]), "{out}");
    }
    let o = parallax(store(), &["story", &id, "--markdown"]);
    assert!(o.status.success());
    let md = stdout(&o);
    assert!(md.starts_with(&format!("# Story {id}\n")), "{md}");
    assert!(md.contains("| Language | Source | Published | Title | Article |"));
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("| da ") || l.starts_with("| ro "))
            .count(),
        2
    );
    let o = parallax(store(), &["story", "9999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no story 9999"));
}

#[test]
fn facts_csv_has_a_row_per_fact() {
    let list = json(&["articles", "--json", "--lang", "da"]);
    let seed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| text(&a["title"]).contains("Putin"))
        .expect("the Danish seed");
    let id = text(&seed["id"]);
    let facts = json(&["facts", &id, "--json"]);
    let (header, rows) = csv(&["facts", &id, "--csv"]);
    assert_eq!(header[0], "kind");
    let n = ["entities", "figures", "quotes", "dates"]
        .iter()
        .map(|k| facts[*k].as_array().unwrap().len())
        .sum::<usize>();
    assert_eq!(rows.len(), n);
    let figures: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == "figure").collect();
    assert_eq!(figures.len(), facts["figures"].as_array().unwrap().len());
    let value = col(&header, "value");
    let sentence = col(&header, "sentence");
    for (row, f) in figures.iter().zip(facts["figures"].as_array().unwrap()) {
        let v: f64 = row[value].parse().unwrap();
        assert!((v - f["value"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(row[sentence], text(&f["sentence"]));
    }
    // About 2,000 soldiers according to South Korea: the figure is in the export.
    assert!(figures.iter().any(|r| &r[value] == "2000"), "{figures:?}");
    // The text view writes a unit once: "2.5 h", never "2.5 h hours".
    let o = parallax(store(), &["facts", &id]);
    let out = stdout(&o);
    for doubled in [
        "h hours",
        "hours h",
        "d days",
        "days d",
        "% percent",
        "percent %",
    ] {
        assert!(!out.contains(doubled), "{doubled}: {out}");
    }
}

#[test]
fn compare_csv_rows_and_figures() {
    let id = seed_story().to_string();
    let c = json(&["compare", &id, "--json"]);
    let (header, rows) = csv(&["compare", &id, "--csv", "rows"]);
    assert_eq!(&header[..3], ["row", "shared", "differs"]);
    assert_eq!(header.len(), 3 + 2);
    assert!(header[3..]
        .iter()
        .all(|h| h.starts_with("da ") || h.starts_with("ro ")));
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| &r[1] == "yes" || &r[1] == "no"));
    // Every sentence of both versions is in some row.
    let cells: String = rows
        .iter()
        .flat_map(|r| r.iter().skip(3).map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
        .join(" ");
    let shared = c["shared"].as_array().unwrap();
    assert!(!shared.is_empty());
    for g in shared {
        for s in g["sentences"].as_array().unwrap() {
            assert!(cells.contains(text(&s["text"]).trim()), "{s}");
        }
    }
    assert_eq!(rows.iter().filter(|r| &r[1] == "yes").count(), shared.len());
    let (header, rows) = csv(&["compare", &id, "--csv", "figures"]);
    assert_eq!(header[..3], ["group", "relation", "explanation"]);
    let items: usize = c["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(rows.len(), items);
    assert!(rows.iter().all(|r| &r[3] == "da" || &r[3] == "ro"));
    let o = parallax(store(), &["compare", &id, "--csv", "table"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_unknown_language_is_answered_with_the_known_codes() {
    for args in [
        &["articles", "--lang", "Danish"][..],
        &["stories", "--lang", "xx"][..],
    ] {
        let o = parallax(store(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("not a language code"), "{err}");
        assert!(err.contains("da, de, el, en"), "{err}");
    }
    // Upper case is a code all the same.
    let o = parallax(store(), &["articles", "--lang", "DA"]);
    assert!(o.status.success());
}

#[test]
fn why_says_plurals_right() {
    let list = json(&["articles", "--json"]);
    for a in list.as_array().unwrap() {
        let o = parallax(store(), &["why", &text(&a["id"])]);
        let out = stdout(&o);
        assert!(!out.contains(" 1 stories were"), "{out}");
        assert!(!out.contains("(1 articles)"), "{out}");
    }
}

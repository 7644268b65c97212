//! `parallax search` through the real binary with the real model, on the example corpus
//! and the two seed articles: meaning above a lone shared word, a query in one
//! language finding the others, folding and stemming, nothing for nonsense, the
//! filters, and every output format (the CSV parsed back with a CSV reader).

mod common;

use common::{parallax, shared, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn repo(rel: &str) -> String {
    format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// One store for every test here: the example corpus and the seeds, ingested once.
fn store() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("search.db");
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

fn hits(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = parallax(store(), &all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)))
        .as_array()
        .expect("an array of hits")
        .clone()
}

fn is_seed(h: &Value) -> bool {
    h["title"]
        .as_str()
        .is_some_and(|t| t.contains("Putin") || t.contains("Kim"))
}

fn is_flood(h: &Value) -> bool {
    let t = h["title"].as_str().unwrap_or("");
    ["Valmora", "Larnholm", "flood", "Flood"]
        .iter()
        .any(|w| t.contains(w))
}

#[test]
fn meaning_ranks_above_a_lone_shared_word() {
    let found = hits(&["North Korean soldiers killed"]);
    assert!(found.len() >= 2, "{found:?}");
    // The Danish and Romanian Putin/Kim articles first, every flood article after.
    let langs: Vec<&str> = found[..2]
        .iter()
        .map(|h| h["lang"].as_str().unwrap())
        .collect();
    assert!(found[..2].iter().all(is_seed), "{found:#?}");
    assert!(langs.contains(&"da") && langs.contains(&"ro"), "{langs:?}");
    assert!(found[2..].iter().all(|h| !is_seed(h)));
    assert!(found.iter().any(is_flood) || found.len() == 2);
    // Best first.
    let scores: Vec<f64> = found.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn a_danish_query_finds_the_romanian_seed() {
    let found = hits(&["nordkoreanske", "soldater", "i", "Kursk"]);
    let ro = found
        .iter()
        .find(|h| h["lang"] == "ro")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(is_seed(ro));
    assert!(ro["story"].as_i64().is_some());
    assert!(ro["cosine"].as_f64().is_some());
    // The Danish seed shares the words; the match is named as the article writes it.
    let da = found
        .iter()
        .find(|h| h["lang"] == "da" && is_seed(h))
        .unwrap();
    let matched: Vec<&str> = da["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(matched.contains(&"nordkoreanske"), "{matched:?}");
}

#[test]
fn letters_are_folded_and_words_stemmed_on_both_sides() {
    for (query, lang, word) in [
        ("oversvommelsen", "da", "oversvømmelsen"),
        ("inundatii", "ro", "inundațiile"),
    ] {
        let found = hits(&[query]);
        let hit = found
            .iter()
            .find(|h| h["lang"] == lang)
            .unwrap_or_else(|| panic!("{query}: {found:#?}"));
        let matched: Vec<String> = hit["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_lowercase())
            .collect();
        assert!(matched.iter().any(|m| m == word), "{query}: {matched:?}");
    }
}

#[test]
fn nonsense_finds_nothing_and_says_so() {
    assert!(hits(&["zzzzqqq"]).is_empty());
    let o = parallax(store(), &["search", "zzzzqqq"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "Nothing matches \"zzzzqqq\".");
    let o = parallax(store(), &["search", "zzzzqqq", "--csv"]);
    assert!(o.status.success());
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(r.headers().unwrap().len(), 11);
    assert_eq!(r.records().count(), 0);
}

/// A store of the two seeds alone: its own mean is the midpoint of two articles, so
/// without the fitted prior every query, nonsense included, had a positive centred
/// cosine with one of them and was shown it.
#[test]
fn a_two_article_store_finds_the_story_and_not_nonsense() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeds.db");
    let seeds = shared("corpus/seeds");
    let o = parallax(&db, &["ingest", seeds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let found = |q: &str| -> Vec<Value> {
        let o = parallax(&db, &["search", q, "--json"]);
        assert!(o.status.success(), "{q}: {}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    for q in [
        "zzzzqqq",
        "lorem ipsum dolor",
        "qwerty asdf",
        "Überschwemmung im Tal",
        "天气预报",
    ] {
        assert!(found(q).is_empty(), "{q}: {:#?}", found(q));
    }
    for q in [
        "North Korean soldiers killed",
        "Nordkoreas Soldaten in Kursk",
        "北朝鮮兵士 クルスク",
    ] {
        let hits = found(q);
        assert!(
            !hits.is_empty() && hits.iter().all(is_seed),
            "{q}: {hits:#?}"
        );
    }
}

#[test]
fn filters_and_the_text_and_csv_outputs() {
    let ro = hits(&["floods in Valmora", "--lang", "ro"]);
    assert!(!ro.is_empty());
    assert!(ro.iter().all(|h| h["lang"] == "ro"), "{ro:#?}");
    // The seeds are of 2025, the example corpus of 2026.
    let recent = hits(&["North Korean soldiers", "--since", "2026-01-01"]);
    assert!(recent.iter().all(|h| !is_seed(h)), "{recent:#?}");
    let limited = hits(&["Valmora", "--limit", "2"]);
    assert_eq!(limited.len(), 2);

    let all = hits(&["floods in Valmora"]);
    let o = parallax(store(), &["search", "floods in Valmora", "--csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "rank",
            "id",
            "story",
            "lang",
            "published",
            "source",
            "title",
            "score",
            "cosine",
            "coverage",
            "matched"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), all.len());
    for (i, (row, hit)) in rows.iter().zip(&all).enumerate() {
        assert_eq!(row[0], (i + 1).to_string());
        assert_eq!(&row[1], hit["id"].as_str().unwrap());
        assert_eq!(row[2], hit["story"].to_string());
        assert_eq!(&row[3], hit["lang"].as_str().unwrap());
        assert_eq!(&row[6], hit["title"].as_str().unwrap());
        let score: f64 = row[7].parse().unwrap();
        assert!((score - hit["score"].as_f64().unwrap()).abs() < 1e-4);
        let cosine: f64 = row[8].parse().unwrap();
        assert!((cosine - hit["cosine"].as_f64().unwrap()).abs() < 1e-4);
    }

    let o = parallax(store(), &["search", "floods", "in", "Valmora"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("{} articles for \"floods in Valmora\"", all.len())),
        "{text}"
    );
    assert!(text.contains("matched: "), "{text}");
    assert!(text.contains("similarity 0."), "{text}");
}

#[test]
fn an_unknown_language_is_answered_with_the_known_codes() {
    for lang in ["Danish", "xx"] {
        let o = parallax(store(), &["search", "Valmora", "--lang", lang]);
        assert_eq!(o.status.code(), Some(2), "{lang}");
        let err = stderr(&o);
        assert!(err.contains(&format!("--lang \"{lang}\"")), "{err}");
        assert!(err.contains("da, de, el, en"), "{err}");
    }
}

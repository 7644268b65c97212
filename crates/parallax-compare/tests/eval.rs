//! Alignment, figure and quote figures on the labelled stories with the real model, with
//! the fitted parameters and leave one story out; they must stay at what was reached
//! (see docs/evaluation.md) minus a small margin.

mod common;

use parallax_compare::eval::{cross_validate, evaluate};
use parallax_compare::Params;
use std::collections::BTreeSet;

#[test]
fn labelled_stories_keep_their_figures() {
    let cases = common::cases();
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
    let r = evaluate(&cases, &Params::fitted());
    eprintln!("fitted: {r:?}");
    assert!(
        r.align.precision() >= 0.90,
        "precision {}",
        r.align.precision()
    );
    assert!(r.align.recall() >= 0.90, "recall {}", r.align.recall());
    assert!(
        r.figure_accuracy() >= 0.90,
        "figures {}",
        r.figure_accuracy()
    );
    assert!(r.quotes.f1() >= 0.90, "quotes {:?}", r.quotes);
    let cv = cross_validate(&cases);
    eprintln!("leave one story out: {cv:?}");
    assert!(
        cv.align.precision() >= 0.90,
        "precision {}",
        cv.align.precision()
    );
    assert!(cv.align.recall() >= 0.90, "recall {}", cv.align.recall());
    assert!(
        cv.figure_accuracy() >= 0.90,
        "figures {}",
        cv.figure_accuracy()
    );
}

//! Alignment, figure and quote figures on the labelled pairs with the real model, with
//! the fitted parameters and leave-one-out; they must stay at what was reached (see
//! docs/evaluation.md) minus a small margin.

mod common;

use parallax_compare::eval::{cross_validate, evaluate};
use parallax_compare::Params;

#[test]
fn labelled_pairs_keep_their_figures() {
    let cases = common::cases();
    let labelled = common::labelled();
    let langs: std::collections::BTreeSet<String> = labelled.iter().map(|l| l.langs()).collect();
    assert!(
        cases.len() >= 10 && langs.len() >= 4,
        "{} pairs, {langs:?}",
        cases.len()
    );
    let r = evaluate(&cases, &Params::fitted());
    eprintln!("fitted: {r:?}");
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
    // 9 gold quote pairs: session 1's machine found all 9; this session's (another
    // processor, same model file) finds 8 (F1 0.941) with the same code, so one pair
    // sits at the cut. The floor allows that one pair, no more.
    assert!(r.quotes.f1() >= 0.94, "quotes {:?}", r.quotes);
    let cv = cross_validate(&cases);
    eprintln!("leave-one-out: {cv:?}");
    assert!(
        cv.align.precision() >= 0.85,
        "precision {}",
        cv.align.precision()
    );
    assert!(cv.align.recall() >= 0.90, "recall {}", cv.align.recall());
}

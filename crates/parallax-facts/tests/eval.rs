//! Precision and recall on the labelled set (`tests/data/labelled.jsonl`); prints the
//! table recorded in docs/evaluation.md and guards against regressions.

#[test]
fn labelled_set() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/labelled.jsonl");
    let report = parallax_facts::evaluate(path).expect("labelled set");
    println!("{report}");
    assert!(report.sentences >= 60);
    assert!(report.languages.len() >= 6);
    assert!(report.figure_counted.precision() >= 0.8, "{report}");
    assert!(report.figure_counted.recall() >= 0.8, "{report}");
    assert!(report.quote_speaker.recall() >= 0.8, "{report}");
}

#[test]
fn missing_file_is_an_error() {
    let err = parallax_facts::evaluate("no/such/labelled.jsonl").unwrap_err();
    assert!(err.to_string().starts_with("cannot read labelled set"));
}

//! The comparison on hand-built versions: no forced match, many-to-one, order not
//! assumed, figure relations with hedges and bounds, the same quote across versions.

use parallax_compare::figures::{pair_relation, Tolerance};
use parallax_compare::{compare, Params, Relation, SentenceIn, Version};
use parallax_core::facts::{Bound, Facts, Figure, Quote, Span};

/// A sentence vector: its direction, a little noise, and a component every sentence
/// shares, so that unrelated sentences have raw cosines near 0.8 as E5's do (the
/// fitted model reads the raw cosine against that band) and related ones near 1.
fn unit(dir: usize, noise: usize) -> Vec<f32> {
    let mut v = [0.0f32; 17];
    v[dir] = 1.0;
    v[noise] += 0.1;
    v[16] = 2.0;
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn version(id: &str, dirs: &[usize]) -> Version {
    Version {
        article: id.into(),
        lang: "en".into(),
        title: None,
        sentences: dirs
            .iter()
            .enumerate()
            .map(|(i, d)| SentenceIn {
                span: Span::new(i * 10, i * 10 + 9),
                text: format!("sentence {d}"),
            })
            .collect(),
        facts: Facts::default(),
        vectors: dirs
            .iter()
            .enumerate()
            .map(|(i, &d)| unit(d, 15 - i % 3))
            .collect(),
        quote_vectors: Vec::new(),
        sources: Vec::new(),
    }
}

fn figure(
    value: f64,
    approx: bool,
    bound: Option<Bound>,
    event: &str,
    source: Option<&str>,
) -> Figure {
    Figure {
        value,
        value_max: None,
        approx,
        bound,
        counted: Some("soldiers".into()),
        event: Some(event.into()),
        unit: None,
        source: source.map(str::to_string),
        text: value.to_string(),
        sentence: 0,
        span: Span::new(0, 1),
    }
}

#[test]
fn nothing_is_forced_and_order_is_free() {
    // a: facts 1 2 3 4 5; b: facts 5 3 1 and 9 (new), in another order.
    let a = version("a", &[1, 2, 3, 4, 5]);
    let b = version("b", &[5, 3, 1, 9]);
    let c = compare("s", &[a, b], &Params::fitted()).expect("compare");
    let pairs: Vec<Vec<(String, usize)>> = c
        .shared
        .iter()
        .map(|s| {
            s.sentences
                .iter()
                .map(|x| (x.article.clone(), x.index))
                .collect()
        })
        .collect();
    for want in [
        [("a", 0), ("b", 2)],
        [("a", 2), ("b", 1)],
        [("a", 4), ("b", 0)],
    ] {
        let want: Vec<(String, usize)> = want.iter().map(|(a, i)| (a.to_string(), *i)).collect();
        assert!(pairs.contains(&want), "{want:?} in {pairs:?}");
    }
    let only_a: Vec<usize> = c.only_in["a"].iter().map(|o| o.index).collect();
    let only_b: Vec<usize> = c.only_in["b"].iter().map(|o| o.index).collect();
    assert_eq!(only_a, vec![1, 3]);
    assert_eq!(only_b, vec![3]);
    assert_eq!(c.rows().len(), 3 + 2 + 1);
}

#[test]
fn many_to_one() {
    let a = version("a", &[1, 2, 3, 4]);
    let mut b = version("b", &[1, 3, 6]);
    // b's second sentence says both a's 2 and 3.
    b.vectors[1] = {
        let v: Vec<f32> = unit(2, 15)
            .iter()
            .zip(unit(3, 14))
            .map(|(x, y)| x + y)
            .collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    };
    let c = compare("s", &[a, b], &Params::fitted()).expect("compare");
    let group = c
        .shared
        .iter()
        .find(|s| s.sentences.iter().any(|x| x.article == "b" && x.index == 1))
        .expect("b's second sentence is shared");
    let from_a: Vec<usize> = group
        .sentences
        .iter()
        .filter(|x| x.article == "a")
        .map(|x| x.index)
        .collect();
    assert_eq!(from_a, vec![1, 2]);
}

#[test]
fn figure_relations_respect_hedges_and_bounds() {
    let tol = Tolerance {
        exact: 0.0,
        hedge: 0.1,
    };
    let r = |a: &Figure, b: &Figure, linked| pair_relation(a, b, linked, &tol);
    let more_than = figure(10_000.0, false, Some(Bound::Lower), "sent", Some("KR"));
    let exact = figure(12_000.0, false, None, "sent", Some("KR"));
    assert_eq!(r(&more_than, &exact, false), Some(Relation::Agree));
    let fewer = figure(8_000.0, false, None, "sent", Some("KR"));
    assert_eq!(r(&more_than, &fewer, false), Some(Relation::Conflict));
    let about = figure(2_000.0, true, None, "lost", Some("KR"));
    let near = figure(2_150.0, false, None, "lost", None);
    assert_eq!(r(&about, &near, false), Some(Relation::Agree));
    let killed = figure(600.0, true, None, "killed", Some("KR"));
    assert_eq!(r(&about, &killed, false), Some(Relation::DifferentMeasure));
    let other = figure(2_000.0, true, None, "lost", Some("UA"));
    assert_eq!(r(&about, &other, false), Some(Relation::DifferentSource));
    let unsourced_killed = figure(600.0, true, None, "killed", None);
    assert_eq!(r(&about, &unsourced_killed, false), None);
    assert_eq!(
        r(&about, &unsourced_killed, true),
        Some(Relation::DifferentMeasure)
    );
}

#[test]
fn the_same_quote_in_two_versions() {
    let mut a = version("a", &[1, 2]);
    let mut b = version("b", &[2, 1]);
    let q = |speaker: &str, sentence| Quote {
        text: "q".into(),
        speaker: Some(speaker.into()),
        speaker_text: None,
        lang: "en".into(),
        sentence,
        span: Span::new(0, 1),
    };
    a.facts.quotes = vec![q("kim", 0), q("putin", 1)];
    b.facts.quotes = vec![q("putin", 0), q("putin", 1)];
    a.quote_vectors = vec![unit(7, 1), unit(8, 1)];
    b.quote_vectors = vec![unit(9, 1), unit(8, 2)];
    let c = compare("s", &[a, b], &Params::fitted()).expect("compare");
    assert_eq!(c.quotes.len(), 1, "{:?}", c.quotes);
    let g: Vec<(String, usize)> = c.quotes[0]
        .items
        .iter()
        .map(|i| (i.article.clone(), i.index))
        .collect();
    assert_eq!(g, vec![("a".to_string(), 1), ("b".to_string(), 1)]);
}

#[test]
fn bad_input_is_an_error() {
    let mut a = version("a", &[1, 2]);
    a.vectors.pop();
    assert!(compare("s", &[a, version("b", &[1])], &Params::fitted()).is_err());
    let dup = compare(
        "s",
        &[version("a", &[1]), version("a", &[1])],
        &Params::fitted(),
    );
    assert!(dup.is_err());
}

#[test]
fn ten_versions_make_one_row_a_sentence_and_never_chain() {
    // Ten versions of the same six facts (each with its own noise), and in version 3 a
    // sentence between two facts, close to both: it must not glue their rows together.
    let mut versions: Vec<Version> = (0..10)
        .map(|k| {
            let mut v = version(&format!("v{k}"), &[1, 2, 3, 4, 5, 6]);
            v.vectors = (0..6).map(|i| unit(i + 1, 9 + (i + k) % 5)).collect();
            v
        })
        .collect();
    let between: Vec<f32> = {
        let v: Vec<f32> = unit(2, 15)
            .iter()
            .zip(unit(3, 15))
            .map(|(x, y)| x + y)
            .collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    };
    versions[3].vectors.push(between);
    versions[3].sentences.push(SentenceIn {
        span: Span::new(60, 69),
        text: "between".into(),
    });
    let c = compare("s", &versions, &Params::fitted()).expect("compare");
    for row in c.rows() {
        for cell in &row.cells {
            assert!(cell.len() <= 2, "{row:?}");
        }
    }
    // Facts 1..6: six shared rows with all ten versions.
    let full = c.shared.iter().filter(|s| s.sentences.len() >= 10).count();
    assert_eq!(full, 6, "{:?}", c.shared);
    // Fewer version pairs scored than all 45.
    assert!(c.pairs_scored < 45, "{}", c.pairs_scored);
}

#[test]
fn figures_as_written_in_one_notation() {
    use parallax_compare::figures::{number, written};
    let f = |value, approx, bound, text: &str| Figure {
        text: text.into(),
        ..figure(value, approx, bound, "sent", None)
    };
    assert_eq!(number(2000.0), "2,000");
    assert_eq!(number(1234567.0), "1,234,567");
    assert_eq!(number(2.5), "2.5");
    assert_eq!(number(0.999), "1");
    assert_eq!(
        written(&f(10_000.0, false, Some(Bound::Lower), "peste 10 000")),
        "more than 10,000"
    );
    assert_eq!(
        written(&f(1_500.0, false, Some(Bound::Lower), "Mere end 1.500")),
        "more than 1,500"
    );
    assert_eq!(written(&f(1_000.0, true, None, "tusindvis")), "thousands");
    assert_eq!(written(&f(1_000.0, true, None, "mii")), "thousands");
    assert_eq!(
        written(&f(1_000.0, true, None, "omkring 1.000")),
        "about 1,000"
    );
    assert_eq!(
        written(&f(2_000.0, true, None, "omkring 2.000")),
        "about 2,000"
    );
    assert_eq!(
        written(&f(50.0, false, Some(Bound::Upper), "up to 50")),
        "up to 50"
    );
    let mut range = f(10.0, false, Some(Bound::Range), "10 to 15");
    range.value_max = Some(15.0);
    assert_eq!(written(&range), "10 to 15");
    let mut pct = f(67.0, false, None, "67 %");
    pct.unit = Some("%".into());
    assert_eq!(written(&pct), "67%");
}

#[test]
fn a_row_with_different_figures_says_how_they_differ() {
    let mut a = version("a", &[1, 2]);
    let mut b = version("b", &[1, 2]);
    a.lang = "da".into();
    b.lang = "ro".into();
    let mut lost = figure(2_000.0, true, None, "lost", Some("KR"));
    lost.text = "omkring 2.000".into();
    lost.sentence = 1;
    let mut killed = figure(600.0, true, None, "killed", Some("KR"));
    killed.text = "aproximativ 600".into();
    killed.sentence = 1;
    a.facts.figures = vec![lost];
    b.facts.figures = vec![killed];
    let c = compare("s", &[a, b], &Params::fitted()).expect("compare");
    let row = c
        .shared
        .iter()
        .find(|s| s.sentences.iter().any(|x| x.index == 1))
        .expect("the figure sentences share a row");
    assert_eq!(row.differs.len(), 1, "{row:?}");
    let e = &row.differs[0].explanation;
    assert!(
        e.starts_with(
            "DA: about 2,000 soldiers lost, according to KR; RO: about 600 soldiers killed"
        ) && e.contains("different measures (lost against killed)")
            && e.ends_with("not a contradiction"),
        "{e}"
    );
    assert_eq!(c.figures.len(), 1);
    assert_eq!(&c.figures[0].explanation, e);
    assert!(!e.contains('_'), "{e}");
    let first = c
        .shared
        .iter()
        .find(|s| s.sentences.iter().any(|x| x.index == 0));
    assert!(first.is_some_and(|s| s.differs.is_empty()));
}

#[test]
fn quotes_given_to_two_speakers_never_share_a_row() {
    let mut a = version("a", &[1, 2]);
    let mut b = version("b", &[1, 2]);
    let q = |speaker: &str| Quote {
        text: "q".into(),
        speaker: Some(speaker.into()),
        speaker_text: Some(speaker.into()),
        lang: "en".into(),
        sentence: 0,
        span: Span::new(0, 1),
    };
    a.facts.quotes = vec![q("kim")];
    b.facts.quotes = vec![q("putin")];
    let c = compare("s", &[a, b], &Params::fitted()).expect("compare");
    assert!(
        c.shared
            .iter()
            .all(|s| !s.sentences.iter().any(|x| x.index == 0)),
        "{:?}",
        c.shared
    );
    assert_eq!(c.only_in["a"].len(), 1);
    assert_eq!(c.only_in["b"].len(), 1);
}

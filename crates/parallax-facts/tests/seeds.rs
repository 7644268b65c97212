//! The Must-show items of the facts issue on the two seed articles (Danish and
//! Romanian reports of one event), read from the shared corpus at run time.

use parallax_core::facts::{Bound, Facts, Figure};
use parallax_core::{Article, Paragraph, Sentence};
use std::collections::HashSet;

fn seed(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/corpus/seeds/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Splits a block into sentences at . ! ? … followed by a space and an upper-case
/// letter, a digit or a quotation mark.
fn split(block: &str, base: usize, index: usize, out: &mut Vec<Sentence>) {
    let mut start = 0;
    let chars: Vec<(usize, char)> = block.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let end = i + c.len_utf8();
        let next = chars.get(k + 1).map(|x| x.1);
        let after = chars.get(k + 2).map(|x| x.1);
        if next == Some(' ')
            && after.is_some_and(|a| a.is_uppercase() || a.is_ascii_digit() || "“„«\"".contains(a))
        {
            out.push(Sentence {
                start: base + start,
                end: base + end,
                block: index,
            });
            start = end + 1;
        }
    }
    if start < block.len() {
        out.push(Sentence {
            start: base + start,
            end: base + block.len(),
            block: index,
        });
    }
}

/// Parses a seed file: header, then the two head lines (title and standfirst in either
/// order: the title has no final full stop), caption, date line, body paragraphs.
fn article(name: &str) -> (Article, String) {
    let raw = seed(name);
    let lines: Vec<&str> = raw.lines().collect();
    let (a, b) = (lines[1], lines[2]);
    let (title, standfirst) = if a.ends_with('.') { (b, a) } else { (a, b) };
    let caption = lines[3]
        .rsplit_once(" / ")
        .map(|(c, _)| c)
        .unwrap_or(lines[3]);
    let paragraphs: Vec<Paragraph> = raw
        .split("\n\n")
        .skip(1)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.ends_with(['.', '”', '"']) {
                Paragraph::paragraph(p)
            } else {
                Paragraph::subheading(p)
            }
        })
        .collect();
    let mut art = Article {
        title: Some(title.into()),
        standfirst: Some(standfirst.into()),
        caption: Some(caption.into()),
        paragraphs,
        ..Article::default()
    };
    let mut sentences = Vec::new();
    for (i, block) in art.blocks().iter().enumerate() {
        split(block.text, block.start, i, &mut sentences);
    }
    art.sentences = sentences;
    let text = art.text();
    (art, text)
}

fn facts(name: &str, lang: &str) -> (Facts, String) {
    let (art, text) = article(name);
    let date = time::macros::date!(2025 - 09 - 03);
    let facts = parallax_facts::extract(&text, &art.sentences, lang, Some(date));
    for f in &facts.figures {
        assert_eq!(&text[f.span.start..f.span.end], f.text);
        let s = art.sentences[f.sentence];
        assert!(
            s.start <= f.span.start && f.span.end <= s.end,
            "{f:?} not in its sentence"
        );
    }
    (facts, text)
}

fn figure(facts: &Facts, value: f64) -> &Figure {
    facts
        .figures
        .iter()
        .find(|f| f.value == value)
        .unwrap_or_else(|| panic!("no figure {value} in {:#?}", facts.figures))
}

#[test]
fn danish_figures() {
    let (f, _) = facts("da-kursk-2025-09-03.txt", "da");
    let lost = figure(&f, 2000.0);
    assert!(lost.approx);
    assert_eq!(lost.counted.as_deref(), Some("soldiers"));
    assert_eq!(lost.event.as_deref(), Some("lost"));
    assert_eq!(lost.source.as_deref(), Some("KR"));
    let hours = figure(&f, 2.5);
    assert_eq!(hours.counted.as_deref(), Some("hours"));
    assert_eq!(hours.unit.as_deref(), Some("h"));
    let troops = figure(&f, 1000.0);
    assert!(troops.approx);
    assert_eq!(troops.text, "tusindvis");
    assert_eq!(troops.counted.as_deref(), Some("soldiers"));
    assert!(f
        .figures
        .iter()
        .all(|x| x.value != 2019.0 && x.value != 2023.0));
}

#[test]
fn romanian_figures() {
    let (f, _) = facts("ro-kursk-2025-09-03.txt", "ro");
    let sent = figure(&f, 10000.0);
    assert_eq!(sent.bound, Some(Bound::Lower));
    assert_eq!(sent.counted.as_deref(), Some("soldiers"));
    assert_eq!(sent.event.as_deref(), Some("sent"));
    let killed = figure(&f, 600.0);
    assert!(killed.approx);
    assert_eq!(killed.event.as_deref(), Some("killed"));
    assert_eq!(killed.source.as_deref(), Some("KR"));
    let wounded = f
        .figures
        .iter()
        .find(|x| x.event.as_deref() == Some("wounded"))
        .expect("wounded figure");
    assert_eq!(wounded.value, 1000.0);
    assert!(wounded.approx);
    assert_eq!(wounded.text, "mii");
    assert_eq!(wounded.source.as_deref(), Some("KR"));
    assert!(f.figures.iter().all(|x| x.value != 2024.0));
}

#[test]
fn both_seeds_share_entity_keys() {
    let (da, _) = facts("da-kursk-2025-09-03.txt", "da");
    let (ro, _) = facts("ro-kursk-2025-09-03.txt", "ro");
    let keys =
        |f: &Facts| -> HashSet<String> { f.entities.iter().map(|e| e.key.clone()).collect() };
    let (dk, rk) = (keys(&da), keys(&ro));
    for key in ["vladimir-putin", "kim-jong-un", "kursk", "KP", "RU", "UA"] {
        assert!(dk.contains(key), "danish lacks {key}: {dk:?}");
        assert!(rk.contains(key), "romanian lacks {key}: {rk:?}");
    }
    // "Kim" alone resolves to the full name
    for f in [&da, &ro] {
        assert!(f
            .entities
            .iter()
            .any(|e| e.text == "Kim" && e.key == "kim-jong-un"));
        assert!(!f.entities.iter().any(|e| e.key == "kim"));
    }
}

#[test]
fn quotes_have_speakers() {
    for (name, lang, min) in [
        ("da-kursk-2025-09-03.txt", "da", 8),
        ("ro-kursk-2025-09-03.txt", "ro", 5),
    ] {
        let (f, text) = facts(name, lang);
        assert!(f.quotes.len() >= min, "{name}: {:#?}", f.quotes);
        for q in &f.quotes {
            assert!(text[q.span.start..q.span.end].contains(q.text.as_str()));
            assert!(
                matches!(q.speaker.as_deref(), Some("vladimir-putin" | "kim-jong-un")),
                "{name}: {q:?}"
            );
        }
    }
    let (da, _) = facts("da-kursk-2025-09-03.txt", "da");
    let kim = da
        .quotes
        .iter()
        .find(|q| q.text.starts_with("Jeg er meget tilfreds"))
        .expect("kim's quote");
    assert_eq!(kim.speaker.as_deref(), Some("kim-jong-un"));
    let (ro, _) = facts("ro-kursk-2025-09-03.txt", "ro");
    assert!(ro
        .quotes
        .iter()
        .all(|q| q.speaker.as_deref() == Some("vladimir-putin")));
}

#[test]
fn dates_resolve_against_the_article_date() {
    let (da, _) = facts("da-kursk-2025-09-03.txt", "da");
    let dates: Vec<(&str, &str)> = da
        .dates
        .iter()
        .map(|d| (d.text.as_str(), d.date.as_str()))
        .collect();
    for want in [
        ("onsdag", "2025-09-03"),
        ("2019", "2019"),
        ("september 2023", "2023-09"),
        ("juni sidste år", "2024-06"),
    ] {
        assert!(dates.contains(&want), "{want:?} not in {dates:?}");
    }
    let (ro, _) = facts("ro-kursk-2025-09-03.txt", "ro");
    let dates: Vec<(&str, &str)> = ro
        .dates
        .iter()
        .map(|d| (d.text.as_str(), d.date.as_str()))
        .collect();
    for want in [
        ("miercuri", "2025-09-03"),
        ("la începutul acestui an", "2025"),
        ("anul trecut", "2024"),
        ("2024", "2024"),
    ] {
        assert!(dates.contains(&want), "{want:?} not in {dates:?}");
    }
}

//! Figures of the versions side by side.
//!
//! A figure is read as the interval of true numbers it allows: an exact "2.5 hours" is
//! its value give or take the rounding tolerance, a hedged "about 2,000" give or take the
//! hedge tolerance, "more than 10,000" from 10,000 up, "up to 50" from 0 to 50, "10 to 15"
//! the range. Two figures agree when their intervals overlap, so "more than 10,000" and
//! "12,000" agree. Both tolerances are fitted on the labelled pairs ([`crate::fit`]).
//!
//! Pairs: two figures of two versions are comparable when they count the same thing
//! (`counted` and unit equal, or named by one only) and either name the same event
//! ("killed", "sent") or stand in aligned sentences. Comparable figures whose sources
//! are both named and differ are different_source; otherwise they agree when their
//! intervals overlap and conflict when not. Figures with different events are a
//! different_measure pair when their sentences are aligned or they count the same thing
//! according to the same source: "about 2,000 lost" against "about 600 killed and
//! thousands wounded", shown side by side but not a conflict. Groups are the connected
//! figures.

use crate::align::Alignment;
use crate::{FigureGroup, FigureItem, Relation, Version};
use parallax_core::facts::{Bound, Figure};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How far a value may be off and still be the same number, as a fraction of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// For a figure given exactly (rounding, "2.5" against "2.45").
    pub exact: f64,
    /// For a hedged figure ("about", "nearly", "thousands").
    pub hedge: f64,
}

/// The interval of true numbers a figure allows.
pub fn interval(f: &Figure, tol: &Tolerance) -> (f64, f64) {
    let w = if f.approx { tol.hedge } else { tol.exact };
    let v = f.value.abs();
    match f.bound {
        Some(Bound::Lower) => (v * (1.0 - w), f64::INFINITY),
        Some(Bound::Upper) => (0.0, v * (1.0 + w)),
        Some(Bound::Range) => (
            v * (1.0 - w),
            f.value_max.unwrap_or(f.value).abs() * (1.0 + w),
        ),
        None => (v * (1.0 - w), v * (1.0 + w)),
    }
}

/// Whether the two figures' intervals overlap.
pub fn overlap(a: &Figure, b: &Figure, tol: &Tolerance) -> bool {
    let (al, ah) = interval(a, tol);
    let (bl, bh) = interval(b, tol);
    al <= bh && bl <= ah
}

/// The same number of the same thing (a thing counted or a unit that only one names
/// does not keep them apart).
pub fn same_number(a: &Figure, b: &Figure, tol: &Tolerance) -> bool {
    let compatible = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    compatible(&a.counted, &b.counted) && compatible(&a.unit, &b.unit) && overlap(a, b, tol)
}

type Ref<'a> = (usize, &'a Figure);

fn compatible(x: &Option<String>, y: &Option<String>) -> bool {
    match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn known_equal(x: &Option<String>, y: &Option<String>) -> bool {
    matches!((x, y), (Some(x), Some(y)) if x == y)
}

/// How two figures of two versions relate, if they are comparable at all. `linked`:
/// their sentences are aligned.
pub fn pair_relation(a: &Figure, b: &Figure, linked: bool, tol: &Tolerance) -> Option<Relation> {
    if !compatible(&a.unit, &b.unit) || !compatible(&a.counted, &b.counted) {
        return None;
    }
    let nothing_known = |f: &Figure| f.counted.is_none() && f.event.is_none();
    if !linked && (nothing_known(a) || nothing_known(b)) {
        return None;
    }
    let same_event = known_equal(&a.event, &b.event);
    let events_differ = a.event.is_some() && b.event.is_some() && !same_event;
    if events_differ {
        let same_source_and_count =
            known_equal(&a.source, &b.source) && known_equal(&a.counted, &b.counted);
        return (linked || same_source_and_count).then_some(Relation::DifferentMeasure);
    }
    if !(same_event || linked) {
        return None;
    }
    Some(
        if a.source.is_some() && b.source.is_some() && a.source != b.source {
            Relation::DifferentSource
        } else if overlap(a, b, tol) {
            Relation::Agree
        } else {
            Relation::Conflict
        },
    )
}

/// The figure groups of a story: connected groups of comparable figure pairs; a group's
/// relation is the strongest of its pairs (conflict, then different source, then
/// agree). Different measures join only figures that have no same-measure counterpart.
pub fn relate(versions: &[Version], tol: &Tolerance, alignment: &Alignment) -> Vec<FigureGroup> {
    let all: Vec<Ref> = versions
        .iter()
        .enumerate()
        .flat_map(|(v, x)| x.facts.figures.iter().map(move |f| (v, f)))
        .collect();
    let mut parent: Vec<usize> = (0..all.len()).collect();
    let mut relation: Vec<Option<Relation>> = vec![None; all.len()];
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let rank = |r: Relation| match r {
        Relation::Agree => 0,
        Relation::DifferentMeasure => 1,
        Relation::DifferentSource => 2,
        Relation::Conflict => 3,
    };
    let mut join = |parent: &mut Vec<usize>, i: usize, j: usize, r: Relation| {
        let (ri, rj) = (root(parent, i), root(parent, j));
        let (keep, gone) = (ri.min(rj), ri.max(rj));
        parent[gone] = keep;
        relation[keep] = [relation[keep], relation[gone], Some(r)]
            .into_iter()
            .flatten()
            .max_by_key(|&x| rank(x));
    };
    // Pass 1: the same thing counted (agree, different source, conflict), one to one
    // per pair of versions: a figure has at most one counterpart in each other version,
    // taken in order of evidence — figures of aligned sentences before figures that
    // only share their event, and the same number before a different one. So a
    // translation's figures pair with their own counterparts, and a figure is only in
    // conflict with one that has no counterpart of the same number: "3 of the 5" against
    // "3 of the 5" is two agreements, never "3" against "5", and "10 killed" in one
    // sentence is not held against "3 killed" in another when each has its match.
    let n_versions = versions.len();
    for va in 0..n_versions {
        for vb in va + 1..n_versions {
            let mut cand: Vec<(u8, usize, usize, Relation)> = Vec::new();
            for i in (0..all.len()).filter(|&i| all[i].0 == va) {
                for j in (0..all.len()).filter(|&j| all[j].0 == vb) {
                    let ((_, a), (_, b)) = (all[i], all[j]);
                    let l = alignment.same_row((va, a.sentence), (vb, b.sentence));
                    let Some(r) = pair_relation(a, b, l, tol) else {
                        continue;
                    };
                    if r == Relation::DifferentMeasure {
                        continue;
                    }
                    let order = match (l, r == Relation::Conflict) {
                        (true, false) => 0,
                        (false, false) => 1,
                        (true, true) => 2,
                        (false, true) => 3,
                    };
                    cand.push((order, i, j, r));
                }
            }
            cand.sort_by_key(|&(o, i, j, _)| (o, i, j));
            let mut used_a: BTreeSet<usize> = BTreeSet::new();
            let mut used_b: BTreeSet<usize> = BTreeSet::new();
            for (_, i, j, r) in cand {
                if used_a.contains(&i) || used_b.contains(&j) {
                    continue;
                }
                used_a.insert(i);
                used_b.insert(j);
                join(&mut parent, i, j, r);
            }
        }
    }
    // Pass 2: different measures, between figures that pass 1 left without a
    // counterpart, so that an agreeing pair is not swallowed by a different measure next
    // to it.
    let mut versions_of: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (k, r) in all.iter().enumerate() {
        let root = root(&mut parent, k);
        versions_of.entry(root).or_default().insert(r.0);
    }
    let paired: Vec<bool> = (0..all.len())
        .map(|k| {
            let root = root(&mut parent, k);
            versions_of[&root].len() > 1
        })
        .collect();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let ((va, a), (vb, b)) = (all[i], all[j]);
            if va == vb || paired[i] || paired[j] {
                continue;
            }
            let l = alignment.same_row((va, a.sentence), (vb, b.sentence));
            if pair_relation(a, b, l, tol) == Some(Relation::DifferentMeasure) {
                join(&mut parent, i, j, Relation::DifferentMeasure);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<Ref>> = BTreeMap::new();
    for (k, r) in all.iter().enumerate() {
        let root = root(&mut parent, k);
        groups.entry(root).or_default().push(*r);
    }
    groups
        .into_iter()
        .filter_map(|(root, items)| {
            let r = relation[root]?;
            let mut g = make(versions, r, &items);
            g.explanation = explain(&g, &|a| lang(versions, a), &|a, k| name(versions, a, k));
            Some(g)
        })
        .collect()
}

fn lang(versions: &[Version], article: &str) -> String {
    versions
        .iter()
        .find(|v| v.article == article)
        .map(|v| v.lang.clone())
        .unwrap_or_default()
}

/// A source as the article wrote it (its first mention with that key), or the key in
/// words.
fn name(versions: &[Version], article: &str, key: &str) -> String {
    versions
        .iter()
        .find(|v| v.article == article)
        .and_then(|v| v.facts.entities.iter().find(|e| e.key == key))
        .map(|e| e.text.clone())
        .unwrap_or_else(|| source_words(key))
}

fn make(versions: &[Version], relation: Relation, items: &[Ref]) -> FigureGroup {
    let mut items: Vec<Ref> = items.to_vec();
    items.sort_by_key(|(v, f)| (*v, f.sentence, f.span.start));
    FigureGroup {
        relation,
        explanation: String::new(),
        items: items
            .iter()
            .map(|(v, f)| FigureItem {
                article: versions[*v].article.clone(),
                value: f.value,
                value_max: f.value_max,
                text: f.text.clone(),
                written: written(f),
                approx: f.approx,
                bound: f.bound,
                counted: [f.counted.as_deref(), f.event.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                event: f.event.clone(),
                unit: f.unit.clone().filter(|u| !u.is_empty()),
                source: f.source.clone(),
                source_name: f
                    .source
                    .as_deref()
                    .map(|k| name(versions, &versions[*v].article, k)),
                sentence: versions[*v]
                    .sentences
                    .get(f.sentence)
                    .map(|s| s.text.clone())
                    .unwrap_or_default(),
                index: f.sentence,
            })
            .collect(),
    }
}

/// A number in English notation: thousands grouped with commas, at most two decimals
/// ("2,000", "10,000", "2.5").
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let neg = v < 0.0;
    let v = v.abs();
    let whole = v.trunc();
    let mut frac = format!("{:.2}", v - whole);
    let mut whole = whole as u128;
    if frac.starts_with('1') {
        // 0.999 rounds up to the next whole number.
        whole += 1;
        frac = "0.00".into();
    }
    let digits = whole.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    let frac = frac.trim_start_matches('0').trim_end_matches('0');
    if frac.len() > 1 {
        out.push_str(frac);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// An indefinite figure ("thousands", "tusindvis", "mii", "数千"): hedged and written
/// without a digit.
fn indefinite(f: &Figure) -> Option<&'static str> {
    // "tusindvis" is read as at least about 1,000: the word says it all.
    let plain = matches!(f.bound, None | Some(Bound::Lower));
    if !f.approx || !plain || f.text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    const WORDS: [(f64, &str); 8] = [
        (10.0, "dozens"),
        (12.0, "dozens"),
        (100.0, "hundreds"),
        (1_000.0, "thousands"),
        (10_000.0, "tens of thousands"),
        (100_000.0, "hundreds of thousands"),
        (1_000_000.0, "millions"),
        (1_000_000_000.0, "billions"),
    ];
    let v = f.value.abs();
    WORDS.iter().find(|(x, _)| *x == v).map(|(_, w)| *w)
}

/// The figure with its bound and hedge as the article wrote them, in one notation used
/// everywhere (CLI, Markdown, JSON, the web UI, `parallax facts`): "about 2,000",
/// "more than 10,000", "up to 50", "10 to 15", "thousands", "2.5 h", "67%".
pub fn written(f: &Figure) -> String {
    let unit = |s: String| match f.unit.as_deref() {
        Some("%") => format!("{s}%"),
        Some(u) if !u.is_empty() => format!("{s} {u}"),
        _ => s,
    };
    if let Some(word) = indefinite(f) {
        return unit(word.to_string());
    }
    let v = number(f.value);
    let s = match f.bound {
        Some(Bound::Lower) => format!("more than {v}"),
        Some(Bound::Upper) => format!("up to {v}"),
        Some(Bound::Range) => format!("{v} to {}", number(f.value_max.unwrap_or(f.value))),
        None => v,
    };
    let s = unit(s);
    if f.approx {
        format!("about {s}")
    } else {
        s
    }
}

/// A source key in words: a two-letter country code as the code, a slug with its words
/// capitalised ("south-korea" → "South Korea").
pub fn source_words(key: &str) -> String {
    if key.len() == 2 && key.chars().all(|c| c.is_ascii_alphabetic()) {
        return key.to_ascii_uppercase();
    }
    key.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The relation in plain words.
pub fn relation_words(r: Relation) -> &'static str {
    match r {
        Relation::Agree => "the same figure, the versions agree",
        Relation::Conflict => "the figures disagree: a contradiction to check",
        Relation::DifferentMeasure => "different measures, not a contradiction",
        Relation::DifferentSource => "the same thing counted, attributed to different sources",
    }
}

/// One sentence in plain English for a figure group: per version (its language in
/// capitals) the figures as written with what they count and who says so, then what the
/// relation means. `names`: how a source key reads in this story (the entity as the
/// article wrote it), when known.
pub fn explain(
    group: &FigureGroup,
    lang_of: &dyn Fn(&str) -> String,
    names: &dyn Fn(&str, &str) -> String,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut order: Vec<&str> = Vec::new();
    for i in &group.items {
        if !order.contains(&i.article.as_str()) {
            order.push(&i.article);
        }
    }
    for article in order {
        let items: Vec<&FigureItem> = group
            .items
            .iter()
            .filter(|i| i.article == article)
            .collect();
        let one_source = items.iter().all(|i| i.source == items[0].source);
        let said: Vec<String> = items
            .iter()
            .map(|i| {
                let mut s = i.written.clone();
                // a measure's unit is written with its number ("83 h", "16,000,000,000
                // USD"): what it counts ("hours", "money") is not said twice
                let counted = match &i.unit {
                    Some(_) => i.event.as_deref().unwrap_or_default(),
                    None => i.counted.as_str(),
                };
                if !counted.is_empty() {
                    s.push(' ');
                    s.push_str(counted);
                }
                if let (false, Some(src)) = (one_source, &i.source) {
                    s.push_str(&format!(", according to {}", names(article, src)));
                }
                s
            })
            .collect();
        let mut line = format!(
            "{}: {}",
            lang_of(article).to_uppercase(),
            said.join(" and ")
        );
        if let (true, Some(src)) = (one_source, &items[0].source) {
            line.push_str(&format!(", according to {}", names(article, src)));
        }
        parts.push(line);
    }
    let what = match group.relation {
        Relation::DifferentMeasure => {
            let mut events: Vec<&str> = Vec::new();
            for i in &group.items {
                if let Some(e) = i.event.as_deref() {
                    if !events.contains(&e) {
                        events.push(e);
                    }
                }
            }
            if events.len() > 1 {
                format!(
                    "different measures ({}) of the same event, not a contradiction",
                    events.join(" against ")
                )
            } else {
                relation_words(group.relation).to_string()
            }
        }
        r => relation_words(r).to_string(),
    };
    format!("{}: {what}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(article: &str, written: &str, counted: &str, unit: Option<&str>) -> FigureItem {
        FigureItem {
            article: article.into(),
            value: 0.0,
            value_max: None,
            text: written.into(),
            written: written.into(),
            approx: false,
            bound: None,
            counted: counted.into(),
            event: counted.split_once(' ').map(|(_, e)| e.to_string()),
            unit: unit.map(str::to_string),
            source: None,
            source_name: None,
            sentence: String::new(),
            index: 0,
        }
    }

    #[test]
    fn a_unit_is_written_once_in_the_explanation() {
        let group = FigureGroup {
            relation: Relation::Conflict,
            explanation: String::new(),
            items: vec![
                item("a", "83 h", "hours waited", Some("h")),
                item("b", "16,000,000,000 USD", "money", Some("USD")),
                item("c", "thousands", "soldiers sent", None),
            ],
        };
        let text = explain(&group, &|a| a.to_string(), &|_, k| k.to_string());
        assert!(
            text.starts_with("A: 83 h waited; B: 16,000,000,000 USD; C: thousands soldiers sent"),
            "{text}"
        );
    }
}

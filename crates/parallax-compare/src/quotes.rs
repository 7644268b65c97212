//! The same quote across versions and languages: two quotes from different versions are
//! one when their speakers agree (the same entity key, or one of them not named) and the
//! cosine of their vectors reaches the fitted threshold. A translated quote keeps its
//! meaning, so its vector stays close; the speaker keeps apart two people saying similar
//! things. Groups are the connected components of those pairs.

use crate::align::dot;
use crate::{QuoteGroup, QuoteItem, Version};
use std::collections::BTreeSet;

/// A quote: (version index, quote index in its facts).
pub type QuoteRef = (usize, usize);

/// The vector a quote stands by: its own, or its sentence's.
pub fn vector(v: &Version, q: usize) -> Option<&[f32]> {
    if let Some(x) = v.quote_vectors.get(q) {
        return Some(x);
    }
    let s = v.facts.quotes.get(q)?.sentence;
    v.vectors.get(s).map(Vec::as_slice)
}

/// Whether two speakers may be the same person.
pub fn compatible(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Every pair of quotes from two versions with compatible speakers and its cosine.
pub fn pairs(versions: &[Version]) -> Vec<(QuoteRef, QuoteRef, f64)> {
    let mut out = Vec::new();
    for p in 0..versions.len() {
        for q in p + 1..versions.len() {
            for (i, qa) in versions[p].facts.quotes.iter().enumerate() {
                for (j, qb) in versions[q].facts.quotes.iter().enumerate() {
                    if !compatible(&qa.speaker, &qb.speaker) {
                        continue;
                    }
                    if let (Some(a), Some(b)) = (vector(&versions[p], i), vector(&versions[q], j)) {
                        out.push(((p, i), (q, j), dot(a, b) as f64));
                    }
                }
            }
        }
    }
    out
}

/// Groups the quotes said in several versions.
pub fn group(versions: &[Version], threshold: f64) -> Vec<QuoteGroup> {
    let all: Vec<QuoteRef> = versions
        .iter()
        .enumerate()
        .flat_map(|(v, x)| (0..x.facts.quotes.len()).map(move |i| (v, i)))
        .collect();
    let index = |r: QuoteRef| all.iter().position(|&x| x == r).unwrap_or(0);
    let mut parent: Vec<usize> = (0..all.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b, c) in pairs(versions) {
        if c >= threshold {
            let (ra, rb) = (root(&mut parent, index(a)), root(&mut parent, index(b)));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: Vec<Vec<QuoteRef>> = Vec::new();
    let mut slot = vec![usize::MAX; all.len()];
    for (k, &r) in all.iter().enumerate() {
        let root = root(&mut parent, k);
        if slot[root] == usize::MAX {
            slot[root] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[root]].push(r);
    }
    groups
        .into_iter()
        .filter(|g| g.iter().map(|r| r.0).collect::<BTreeSet<_>>().len() > 1)
        .map(|g| QuoteGroup {
            items: g
                .iter()
                .map(|&(v, i)| {
                    let q = &versions[v].facts.quotes[i];
                    QuoteItem {
                        article: versions[v].article.clone(),
                        speaker: q.speaker.clone(),
                        speaker_name: q
                            .speaker
                            .as_ref()
                            .and(versions[v].facts.speaker_of(q))
                            .map(str::to_string),
                        text: q.text.clone(),
                        span: q.span,
                        index: q.sentence,
                    }
                })
                .collect(),
        })
        .collect()
}

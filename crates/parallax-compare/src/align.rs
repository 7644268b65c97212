//! Sentence alignment across versions.
//!
//! Every pair of sentences from two different versions is described by [`FEATURES`]:
//! - `cos_centred`: cosine of the two sentence vectors after subtracting the story's mean
//!   sentence vector (E5 cosines sit in a narrow band; what all sentences of the story
//!   share, its topic, is taken out so that what a sentence says stands out);
//! - `cos_raw`: the plain cosine;
//! - `gap_a`, `gap_b`: how far the pair's centred cosine is below the best counterpart
//!   of each side in the other version (0 for the best), so that a sentence's best
//!   match counts more than its fifth;
//! - `entities`: Jaccard overlap of the entity keys (language independent) of the two;
//! - `figure`: 1 when both hold a figure of the same value (within tolerance) counting
//!   the same thing.
//!
//! A title pairs only with a title: where both versions have one (a version's first
//! sentence is its title when its text is the title), a headline ("Road bridge collapses
//! in Tarvik") is never a candidate for the lead that tells the same in full, nor a lead
//! for the other headline ([`roles_differ`]); such pairs are neither scored links nor
//! fitting examples. A heading inside the text ([`headings`]) links to another heading
//! only when their sections meet: one of the two sentences after each is linked.
//!
//! A logistic model ([`Model`]) turns them into a score; a pair at or above the fitted
//! threshold is a link. Links are only candidates: [`align`] builds rows from them, one
//! sentence per version a row (two neighbours when one sentence spans them), matched
//! one to one against a pivot version, never chained. The order of the sentences plays
//! no part in the score (independent reports need not keep it); it only lets two
//! neighbouring sentences share a row. A row with one version is a sentence no other
//! version has.

use crate::figures::{self, Tolerance};
use crate::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Names of the features, in order.
pub const FEATURES: [&str; 6] = [
    "cos_centred",
    "cos_raw",
    "gap_a",
    "gap_b",
    "entities",
    "figure",
];

/// Number of features.
pub const NF: usize = FEATURES.len();

/// A logistic model over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Score at and above which a pair is a link.
    pub threshold: f64,
}

impl Model {
    /// The probability that two sentences say the same thing.
    pub fn score(&self, x: &[f64; NF]) -> f64 {
        let mut z = self.bias;
        for k in 0..NF {
            z += self.weights[k] * (x[k] - self.mean[k]) / self.scale[k];
        }
        1.0 / (1.0 + (-z).exp())
    }
}

/// A sentence: (version index, sentence index).
pub type Node = (usize, usize);

/// One scored sentence pair across two versions (`a.0 < b.0`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: Node,
    pub b: Node,
    pub x: [f64; NF],
}

/// The rows and the links inside them.
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    /// Every cross-version sentence pair that shares a row, with its score (`a.0 < b.0`).
    pub links: Vec<(Node, Node, f64)>,
    /// Every sentence in exactly one row; a row holds at most one sentence of a version,
    /// or two neighbouring ones when one sentence of the row's pivot spans both. Rows in
    /// order of their first sentence.
    pub groups: Vec<Vec<Node>>,
    /// The version the first rows are built on (the one with the most sentences).
    pub pivot: Option<usize>,
    /// How many version pairs were scored (the cost of the alignment).
    pub pairs_scored: usize,
    /// The row of each sentence.
    pub row_index: std::collections::HashMap<Node, usize>,
}

/// Aligns the sentences of the versions into rows.
///
/// 1. The pivot is the version with the most sentences (the first on ties); each of its
///    sentences starts a row.
/// 2. Every other version is matched one to one against the pivot: the linked pairs
///    (score at the threshold) are taken best first, each sentence at most once. A
///    sentence left over whose neighbour is matched to a pivot sentence joins that row
///    when it links to the same pivot sentence and that sentence is its best in the
///    pivot: one pivot sentence said in two.
/// 3. Sentences still left over: the version with the most of them becomes the next
///    pivot, its left-over sentences start rows, and the left-over sentences of the
///    other versions are matched against them the same way; repeated while two versions
///    have sentences left over that link.
///
/// Rows are never merged through a chain of links: a sentence joins a row only through
/// its link to the row's pivot sentence. Each step scores one version against one pivot,
/// so N versions cost about N - 1 version pairs (more only when sentences are left over).
pub fn align(versions: &[Version], model: &Model, tol: &Tolerance) -> Alignment {
    let mut scorer = Scorer::new(versions, model, tol);
    let n = versions.len();
    let mut row_of: Vec<Vec<Option<usize>>> = versions
        .iter()
        .map(|v| vec![None; v.sentences.len()])
        .collect();
    let mut rows: Vec<Vec<Node>> = Vec::new();
    let mut used_as_pivot = vec![false; n];
    let mut first_pivot = None;
    loop {
        let left: Vec<usize> = (0..n)
            .map(|v| row_of[v].iter().filter(|r| r.is_none()).count())
            .collect();
        let with_left = left.iter().filter(|&&k| k > 0).count();
        let pivot = (0..n)
            .filter(|&v| !used_as_pivot[v] && left[v] > 0)
            .max_by_key(|&v| (left[v], std::cmp::Reverse(v)));
        let Some(pivot) = pivot else { break };
        if first_pivot.is_some() && with_left < 2 {
            break;
        }
        first_pivot.get_or_insert(pivot);
        used_as_pivot[pivot] = true;
        let anchors: Vec<usize> = (0..versions[pivot].sentences.len())
            .filter(|&i| row_of[pivot][i].is_none())
            .collect();
        let mut anchor_row: Vec<usize> = anchors
            .iter()
            .map(|&i| {
                rows.push(vec![(pivot, i)]);
                row_of[pivot][i] = Some(rows.len() - 1);
                rows.len() - 1
            })
            .collect();
        for v in 0..n {
            if v == pivot || left[v] == 0 {
                continue;
            }
            let free: Vec<usize> = (0..versions[v].sentences.len())
                .filter(|&j| row_of[v][j].is_none())
                .collect();
            let s = scorer.matrix(pivot, v);
            let nq = versions[v].sentences.len();
            let mut cand: Vec<(f64, usize, usize)> = Vec::new();
            for (a, &i) in anchors.iter().enumerate() {
                for &j in &free {
                    let x = s[i * nq + j];
                    if x >= model.threshold
                        && !speakers_differ(&versions[pivot], i, &versions[v], j)
                    {
                        cand.push((x, a, j));
                    }
                }
            }
            cand.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            let mut taken_anchor = vec![false; anchors.len()];
            let mut matched: Vec<Option<usize>> = vec![None; nq];
            for &(_, a, j) in &cand {
                if taken_anchor[a] || matched[j].is_some() {
                    continue;
                }
                taken_anchor[a] = true;
                matched[j] = Some(a);
            }
            // A pivot sentence said in two sentences of this version.
            let best_anchor = |j: usize| {
                anchors
                    .iter()
                    .enumerate()
                    .max_by(|x, y| s[x.1 * nq + j].total_cmp(&s[y.1 * nq + j]))
                    .map(|(a, _)| a)
            };
            let mut extra: Vec<(usize, usize)> = Vec::new();
            for &j in &free {
                if matched[j].is_some() {
                    continue;
                }
                let neighbours = [j.checked_sub(1), Some(j + 1)];
                for k in neighbours.into_iter().flatten() {
                    let Some(Some(a)) = matched.get(k).copied() else {
                        continue;
                    };
                    let i = anchors[a];
                    if s[i * nq + j] >= model.threshold
                        && best_anchor(j) == Some(a)
                        && !extra.iter().any(|&(b, _)| b == a)
                    {
                        extra.push((a, j));
                        break;
                    }
                }
            }
            for (j, m) in matched.iter().enumerate() {
                if let Some(a) = *m {
                    rows[anchor_row[a]].push((v, j));
                    row_of[v][j] = Some(anchor_row[a]);
                }
            }
            for (a, j) in extra {
                let row = &mut rows[anchor_row[a]];
                if row.iter().filter(|x| x.0 == v).count() < 2 {
                    row.push((v, j));
                    row_of[v][j] = Some(anchor_row[a]);
                }
            }
            // One sentence of this version that says two neighbouring pivot sentences:
            // a pivot sentence this version has no match for, still alone in its row,
            // joins its neighbour's row when it links to the neighbour's match and that
            // match is its best among this version's sentences.
            let anchor_match: Vec<Option<usize>> = {
                let mut m = vec![None; anchors.len()];
                for (j, a) in matched.iter().enumerate() {
                    if let Some(a) = *a {
                        m[a] = Some(j);
                    }
                }
                m
            };
            for a2 in 0..anchors.len() {
                if anchor_match[a2].is_some() || rows[anchor_row[a2]].len() != 1 {
                    continue;
                }
                let i2 = anchors[a2];
                let best_j = (0..nq).max_by(|&x, &y| s[i2 * nq + x].total_cmp(&s[i2 * nq + y]));
                for a in [a2.checked_sub(1), Some(a2 + 1)].into_iter().flatten() {
                    let (Some(&i), Some(Some(j))) = (anchors.get(a), anchor_match.get(a)) else {
                        continue;
                    };
                    let pivots_in_row = rows[anchor_row[a]].iter().filter(|x| x.0 == pivot).count();
                    if i.abs_diff(i2) == 1
                        && pivots_in_row == 1
                        && best_j == Some(*j)
                        && s[i2 * nq + j] >= model.threshold
                    {
                        let target = anchor_row[a];
                        rows[anchor_row[a2]].clear();
                        rows[target].push((pivot, i2));
                        row_of[pivot][i2] = Some(target);
                        anchor_row[a2] = target;
                        break;
                    }
                }
            }
        }
    }
    // Sentences no step placed (a lone version's leftovers) get rows of their own.
    for (v, list) in row_of.iter_mut().enumerate() {
        for (i, r) in list.iter_mut().enumerate() {
            if r.is_none() {
                rows.push(vec![(v, i)]);
                *r = Some(rows.len() - 1);
            }
        }
    }
    rows.retain(|r| !r.is_empty());
    // Links: each sentence of a row with the row's pivot sentence (its first), the pair
    // that placed it.
    let mut links = Vec::new();
    for r in &rows {
        let anchor = r[0];
        for &b in &r[1..] {
            if b.0 != anchor.0 {
                let (x, y) = if anchor.0 < b.0 {
                    (anchor, b)
                } else {
                    (b, anchor)
                };
                links.push((x, y, scorer.score(x, y)));
            }
        }
    }
    for r in rows.iter_mut() {
        r.sort();
    }
    rows.sort();
    let mut row_index = std::collections::HashMap::new();
    for (k, r) in rows.iter().enumerate() {
        for &x in r {
            row_index.insert(x, k);
        }
    }
    Alignment {
        links,
        groups: rows,
        row_index,
        pivot: first_pivot,
        pairs_scored: scorer.cache.len(),
    }
}

impl Alignment {
    /// Whether two sentences stand in the same row.
    pub fn same_row(&self, a: Node, b: Node) -> bool {
        matches!((self.row_index.get(&a), self.row_index.get(&b)), (Some(x), Some(y)) if x == y)
    }

    /// The row a sentence stands in.
    pub fn row(&self, a: Node) -> Option<usize> {
        self.row_index.get(&a).copied()
    }
}

/// A title against a sentence of the body, both versions having a title.
pub fn roles_differ(a: &Version, i: usize, b: &Version, j: usize) -> bool {
    titled(a) && titled(b) && ((i == 0) != (j == 0))
}

/// Which sentences of a version are headings inside the text (not its title): short
/// lines that end without a sentence's closing punctuation, in a version whose sentences
/// mostly end with one (scripts written without full stops have no headings by this
/// test), followed by more text.
pub fn headings(v: &Version) -> Vec<bool> {
    fn closed(t: &str) -> bool {
        t.trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_alphanumeric())
    }
    let n = v.sentences.len();
    let first = usize::from(titled(v)).min(n);
    let body = &v.sentences[first..];
    let punctuated = 2 * body.iter().filter(|s| closed(&s.text)).count() > body.len();
    v.sentences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            punctuated
                && i >= first
                && i + 1 < n
                && !closed(&s.text)
                && s.text.split_whitespace().count() <= 12
                && s.text.chars().count() <= 80
        })
        .collect()
}

/// A heading names the section it opens: two headings say the same only when their
/// sections do, so a heading pair stays a link only when one of the two sentences after
/// one heading links to one of the two after the other. Short lines sit close in the
/// vector space whatever they say ("A strategic partnership" and "Thousands of
/// soldiers"); a translated heading keeps a translated section.
fn headings_need_their_sections(a: &Version, b: &Version, threshold: f64, scores: &mut [f64]) {
    let (ha, hb) = (headings(a), headings(b));
    if !ha.contains(&true) || !hb.contains(&true) {
        return;
    }
    let nb = b.sentences.len();
    // the two sentences after a heading that are no headings themselves
    let next = |h: &[bool], i: usize| -> Vec<usize> {
        (i + 1..h.len()).filter(|&k| !h[k]).take(2).collect()
    };
    for i in (0..ha.len()).filter(|&i| ha[i]) {
        let after_a = next(&ha, i);
        for j in (0..nb).filter(|&j| hb[j]) {
            if scores[i * nb + j] < threshold {
                continue;
            }
            let sections_meet = next(&hb, j)
                .iter()
                .any(|&y| after_a.iter().any(|&x| scores[x * nb + y] >= threshold));
            if !sections_meet {
                scores[i * nb + j] = 0.0;
            }
        }
    }
}

/// Two sentences whose quotes are given to different named speakers say different
/// things, however close their words: they never share a row.
fn speakers_differ(a: &Version, i: usize, b: &Version, j: usize) -> bool {
    let of = |v: &Version, s: usize| -> BTreeSet<String> {
        v.facts
            .quotes
            .iter()
            .filter(|q| q.sentence == s)
            .filter_map(|q| q.speaker.clone())
            .collect()
    };
    let (x, y) = (of(a, i), of(b, j));
    !x.is_empty() && !y.is_empty() && x.is_disjoint(&y)
}

/// Scores of sentence pairs, one version pair at a time, computed when first asked for.
struct Scorer<'a> {
    versions: &'a [Version],
    model: &'a Model,
    tol: &'a Tolerance,
    prep: Prepared<'a>,
    cache: std::collections::HashMap<(usize, usize), Vec<f64>>,
}

impl<'a> Scorer<'a> {
    fn new(versions: &'a [Version], model: &'a Model, tol: &'a Tolerance) -> Scorer<'a> {
        Scorer {
            versions,
            model,
            tol,
            prep: Prepared::new(versions),
            cache: Default::default(),
        }
    }

    fn ensure(&mut self, lo: usize, hi: usize) {
        if self.cache.contains_key(&(lo, hi)) {
            return;
        }
        let nq = self.versions[hi].sentences.len();
        let mut out = vec![0.0; self.versions[lo].sentences.len() * nq];
        let model = self.model;
        let (va, vb) = (&self.versions[lo], &self.versions[hi]);
        version_pair(self.versions, &self.prep, self.tol, lo, hi, &mut |pair| {
            out[pair.a.1 * nq + pair.b.1] = if roles_differ(va, pair.a.1, vb, pair.b.1) {
                0.0
            } else {
                model.score(&pair.x)
            };
        });
        headings_need_their_sections(va, vb, model.threshold, &mut out);
        self.cache.insert((lo, hi), out);
    }

    /// The scores of version `p` against version `q`, row-major over `p`'s sentences.
    fn matrix(&mut self, p: usize, q: usize) -> Vec<f64> {
        let (lo, hi) = (p.min(q), p.max(q));
        self.ensure(lo, hi);
        let m = &self.cache[&(lo, hi)];
        if p <= q {
            return m.clone();
        }
        let (np, nq) = (
            self.versions[p].sentences.len(),
            self.versions[q].sentences.len(),
        );
        let mut t = vec![0.0; np * nq];
        for i in 0..np {
            for j in 0..nq {
                t[i * nq + j] = m[j * np + i];
            }
        }
        t
    }

    /// The score of `a` against `b`, `a.0 < b.0`.
    fn score(&mut self, a: Node, b: Node) -> f64 {
        self.ensure(a.0, b.0);
        let nb = self.versions[b.0].sentences.len();
        self.cache[&(a.0, b.0)][a.1 * nb + b.1]
    }
}

/// All cross-version sentence pairs that may be linked (not a title against a body
/// sentence) with their features, for fitting and evaluation.
pub fn pairs(versions: &[Version], tol: &Tolerance) -> Vec<Pair> {
    let mut out = Vec::new();
    for_each_pair(versions, tol, |p| {
        if !roles_differ(&versions[p.a.0], p.a.1, &versions[p.b.0], p.b.1) {
            out.push(p)
        }
    });
    out
}

/// Vectors with the mean of all sentence vectors of the story subtracted, L2-normalised.
pub fn centred(versions: &[Version]) -> Vec<Vec<Vec<f32>>> {
    let dim = versions
        .iter()
        .flat_map(|v| v.vectors.first())
        .map(Vec::len)
        .next()
        .unwrap_or(0);
    let mut mean = vec![0f64; dim];
    let mut n = 0usize;
    for x in versions.iter().flat_map(|v| &v.vectors) {
        for (m, &e) in mean.iter_mut().zip(x) {
            *m += e as f64;
        }
        n += 1;
    }
    if n > 0 {
        mean.iter_mut().for_each(|m| *m /= n as f64);
    }
    versions
        .iter()
        .map(|v| {
            v.vectors
                .iter()
                .map(|x| {
                    let mut c: Vec<f32> =
                        x.iter().zip(&mean).map(|(&e, &m)| e - m as f32).collect();
                    let norm = c.iter().map(|e| e * e).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        c.iter_mut().for_each(|e| *e /= norm);
                    }
                    c
                })
                .collect()
        })
        .collect()
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// What every version pair needs: centred vectors, entity keys and figures per sentence.
struct Prepared<'a> {
    centred: Vec<Vec<Vec<f32>>>,
    keys: Vec<Vec<BTreeSet<&'a str>>>,
    figs: Vec<Vec<Vec<&'a parallax_core::facts::Figure>>>,
}

/// Whether a version's first sentence is its title.
pub fn titled(v: &Version) -> bool {
    match (&v.title, v.sentences.first()) {
        (Some(t), Some(s)) => !t.trim().is_empty() && t.trim() == s.text.trim(),
        _ => false,
    }
}

impl<'a> Prepared<'a> {
    fn new(versions: &'a [Version]) -> Prepared<'a> {
        let keys = versions
            .iter()
            .map(|v| {
                let mut k = vec![BTreeSet::new(); v.sentences.len()];
                for e in &v.facts.entities {
                    if let Some(set) = k.get_mut(e.sentence) {
                        set.insert(e.key.as_str());
                    }
                }
                k
            })
            .collect();
        let figs = versions
            .iter()
            .map(|v| {
                let mut k = vec![Vec::new(); v.sentences.len()];
                for g in &v.facts.figures {
                    if let Some(list) = k.get_mut(g.sentence) {
                        list.push(g);
                    }
                }
                k
            })
            .collect();
        Prepared {
            centred: centred(versions),
            keys,
            figs,
        }
    }
}

fn for_each_pair(versions: &[Version], tol: &Tolerance, mut f: impl FnMut(Pair)) {
    let prep = Prepared::new(versions);
    for p in 0..versions.len() {
        for q in p + 1..versions.len() {
            version_pair(versions, &prep, tol, p, q, &mut f);
        }
    }
}

/// Every sentence pair of versions `p < q` with its features.
fn version_pair(
    versions: &[Version],
    prep: &Prepared,
    tol: &Tolerance,
    p: usize,
    q: usize,
    f: &mut dyn FnMut(Pair),
) {
    let (centred, keys, figs) = (&prep.centred, &prep.keys, &prep.figs);
    let (np, nq) = (versions[p].sentences.len(), versions[q].sentences.len());
    if np == 0 || nq == 0 {
        return;
    }
    let mut c = vec![0f32; np * nq];
    for i in 0..np {
        for j in 0..nq {
            c[i * nq + j] = dot(&centred[p][i], &centred[q][j]);
        }
    }
    let best_row: Vec<f32> = (0..np)
        .map(|i| {
            c[i * nq..(i + 1) * nq]
                .iter()
                .copied()
                .fold(f32::MIN, f32::max)
        })
        .collect();
    let best_col: Vec<f32> = (0..nq)
        .map(|j| (0..np).map(|i| c[i * nq + j]).fold(f32::MIN, f32::max))
        .collect();
    for i in 0..np {
        for j in 0..nq {
            let cc = c[i * nq + j];
            let raw = dot(&versions[p].vectors[i], &versions[q].vectors[j]);
            let (ka, kb) = (&keys[p][i], &keys[q][j]);
            let union = ka.union(kb).count();
            let ents = if union == 0 {
                0.0
            } else {
                ka.intersection(kb).count() as f64 / union as f64
            };
            let fig = figs[p][i]
                .iter()
                .any(|a| figs[q][j].iter().any(|b| figures::same_number(a, b, tol)));

            f(Pair {
                a: (p, i),
                b: (q, j),
                x: [
                    cc as f64,
                    raw as f64,
                    (best_row[i] - cc) as f64,
                    (best_col[j] - cc) as f64,
                    ents,
                    if fig { 1.0 } else { 0.0 },
                ],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SentenceIn;
    use parallax_core::facts::Span;

    fn version(title: Option<&str>, sentences: &[&str]) -> Version {
        Version {
            article: "a".into(),
            lang: "xx".into(),
            title: title.map(str::to_string),
            sentences: sentences
                .iter()
                .map(|t| SentenceIn {
                    span: Span::new(0, t.len()),
                    text: t.to_string(),
                })
                .collect(),
            facts: Default::default(),
            vectors: Vec::new(),
            quote_vectors: Vec::new(),
            sources: Vec::new(),
        }
    }

    #[test]
    fn headings_are_short_unpunctuated_lines_inside_punctuated_text() {
        let v = version(
            Some("Flood in Valmora"),
            &[
                "Flood in Valmora",
                "The river rose overnight.",
                "Thousands evacuated",
                "The mayor said 4 people died.",
                "Roads were closed.",
                "Схема эвакуации",
                "Жителей вывезли автобусами.",
                "«Мы остаёмся здесь», — сказал Иван Петров.",
                "避難の状況",
                "住民はバスで避難した。",
                "The end",
            ],
        );
        let flags = headings(&v);
        let heads: Vec<usize> = (0..v.sentences.len()).filter(|&i| flags[i]).collect();
        // the title is a title, not a heading; a quote closed by its mark is a sentence;
        // the last line opens no section
        assert_eq!(heads, vec![2, 5, 8]);
        // a text written without full stops has no headings by this test
        let bare = version(None, &["ฝนตกหนักในเมือง", "ประชาชนอพยพ", "นายกเทศมนตรีกล่าว"]);
        assert!(headings(&bare).iter().all(|h| !h));
    }
}

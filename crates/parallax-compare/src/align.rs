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
//! A logistic model ([`Model`]) turns them into a score; a pair at or above the fitted
//! threshold is a link. Pairs are judged one by one: a sentence may link to several
//! sentences of another version (a long sentence summarised in two), to none, and the
//! order of the sentences plays no part. Groups are the connected components of the
//! links; a group within one version is a sentence no other version has.

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

/// The links and the groups they make.
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    /// Linked pairs with their score.
    pub links: Vec<(Node, Node, f64)>,
    /// Every sentence in exactly one group; groups in order of their first sentence.
    pub groups: Vec<Vec<Node>>,
}

/// Aligns the sentences of the versions.
pub fn align(versions: &[Version], model: &Model, tol: &Tolerance) -> Alignment {
    let mut links = Vec::new();
    for_each_pair(versions, tol, |p| {
        let s = model.score(&p.x);
        if s >= model.threshold {
            links.push((p.a, p.b, s));
        }
    });
    let groups = components(versions, &links);
    Alignment { links, groups }
}

/// All cross-version sentence pairs with their features (for fitting and evaluation).
pub fn pairs(versions: &[Version], tol: &Tolerance) -> Vec<Pair> {
    let mut out = Vec::new();
    for_each_pair(versions, tol, |p| out.push(p));
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

fn for_each_pair(versions: &[Version], tol: &Tolerance, mut f: impl FnMut(Pair)) {
    let centred = centred(versions);
    let keys: Vec<Vec<BTreeSet<&str>>> = versions
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
    let figs: Vec<Vec<Vec<&parallax_core::facts::Figure>>> = versions
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
    for p in 0..versions.len() {
        for q in p + 1..versions.len() {
            let (np, nq) = (versions[p].sentences.len(), versions[q].sentences.len());
            if np == 0 || nq == 0 {
                continue;
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
    }
}

/// Connected components of the links over every sentence.
fn components(versions: &[Version], links: &[(Node, Node, f64)]) -> Vec<Vec<Node>> {
    let offsets: Vec<usize> = versions
        .iter()
        .scan(0, |acc, v| {
            let o = *acc;
            *acc += v.sentences.len();
            Some(o)
        })
        .collect();
    let total: usize = versions.iter().map(|v| v.sentences.len()).sum();
    let mut parent: Vec<usize> = (0..total).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(a, b, _) in links {
        let ra = root(&mut parent, offsets[a.0] + a.1);
        let rb = root(&mut parent, offsets[b.0] + b.1);
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: Vec<Vec<Node>> = Vec::new();
    let mut index_of = vec![usize::MAX; total];
    for (v, version) in versions.iter().enumerate() {
        for i in 0..version.sentences.len() {
            let r = root(&mut parent, offsets[v] + i);
            if index_of[r] == usize::MAX {
                index_of[r] = groups.len();
                groups.push(Vec::new());
            }
            groups[index_of[r]].push((v, i));
        }
    }
    groups
}

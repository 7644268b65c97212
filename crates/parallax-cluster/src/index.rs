//! The vector side of the candidate search: a sign sketch of each story's centred
//! centroid, so that the shortlist of stories worth an exact cosine is found without a
//! floating-point pass over the window.
//!
//! A sketch is the sign of the vector's projection on [`BITS`] random hyperplanes
//! (Charikar's SimHash): the fraction of bits in which two sketches differ estimates the
//! angle between the vectors divided by π, with a standard error of about
//! `sqrt(p(1-p)/BITS)`. A story's sketch is 64 bytes; comparing one with the article's is
//! eight XORs and eight bit counts, where the exact centred cosine reads the story's
//! 384-float centroid (1.5 KB) and costs three 384-long dot products. The clusterer scores
//! the [`shortlist`] (the stories nearest by Hamming distance, [`SHORTLIST`] of them or
//! more) exactly and keeps the best `candidates` of them, as the exhaustive scan keeps the
//! best of the whole window.
//!
//! The sketches are scanned, not bucketed in hash tables (which would make the search
//! sublinear in the window): stories are joined at centred cosines down to about 0.4
//! (across languages), an angle of 66°, at which one random hyperplane keeps the pair on
//! one side with probability 0.63. A table keyed on 10 bits then catches the pair with
//! probability 0.01 (0.07 probing the 10 neighbouring buckets too), so a recall of 99%
//! needs some 65 tables probed at 11 buckets each, which at 5,000 stories visits about
//! 3,500 entries: no saving over the window. The scan reads 64 bytes a story in one pass
//! and the exact work, the shortlist, is fixed; on the 5,000-story window it is a small
//! part of the time per article (docs/performance.md).
//!
//! Updates are what made an own structure the better fit than a graph index (HNSW
//! crates: `hnsw_rs` has no deletion, `instant-distance` is built once, `usearch` deletes
//! by tombstone through a C++ build): a story's sketch is recomputed when its centroid
//! moves (an article joins, a story is merged into it), and a story that leaves the window
//! (evicted, merged away) leaves its slot, in constant time.

/// Bits in a sketch.
pub const BITS: usize = 512;
const WORDS: usize = BITS / 64;

/// Stories scored exactly per article at least (the clusterer uses the larger of this and
/// four times [`crate::Params::candidates`]).
pub const SHORTLIST: usize = 64;

/// A story's or an article's sign sketch.
pub(crate) type Sketch = [u64; WORDS];

/// The random hyperplanes, stored by input coordinate: row `i` holds coordinate `i` of
/// every hyperplane's normal, so that a sketch is one pass of `dim` multiply-adds into
/// [`BITS`] running sums (vectorised without horizontal sums). Deterministic (a fixed
/// seed), so a resumed clusterer sketches as the one it continues.
#[derive(Clone, Default)]
pub(crate) struct Planes {
    dim: usize,
    by_coord: Vec<f32>,
}

impl std::fmt::Debug for Planes {
    // The hyperplanes themselves (BITS x dim floats) would drown any debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planes")
            .field("dim", &self.dim)
            .field("bits", &BITS)
            .finish()
    }
}

/// xorshift64*: a small deterministic generator for the hyperplanes.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller): the hyperplanes' normals must be drawn from a
    /// rotation-invariant distribution for the angle estimate to hold.
    pub(crate) fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

impl Planes {
    pub(crate) fn new(dim: usize) -> Self {
        let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
        Planes {
            dim,
            by_coord: (0..BITS * dim).map(|_| rng.normal()).collect(),
        }
    }

    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// The sketch of a (centred) vector; coordinates past the planes' dimension are
    /// ignored.
    pub(crate) fn sketch(&self, x: &[f32]) -> Sketch {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has the instructions the function is compiled for,
            // checked just above.
            return unsafe { self.sketch_avx2(x) };
        }
        self.sketch_with::<false>(x)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sketch_avx2(&self, x: &[f32]) -> Sketch {
        self.sketch_with::<true>(x)
    }

    /// `FUSED`: multiply-add in one instruction (only where the processor has it: the
    /// fallback of `mul_add` is a slow library call).
    #[inline(always)]
    fn sketch_with<const FUSED: bool>(&self, x: &[f32]) -> Sketch {
        let mut sums = [0f32; BITS];
        if self.dim == 0 {
            return [0; WORDS];
        }
        for (row, &xi) in self.by_coord.chunks_exact(BITS).zip(x) {
            for (s, &p) in sums.iter_mut().zip(row) {
                *s = if FUSED {
                    p.mul_add(xi, *s)
                } else {
                    *s + p * xi
                };
            }
        }
        signs(&sums)
    }

    /// The sketches of many (centred) vectors, bit for bit as [`Planes::sketch`] gives
    /// them, computed [`BLOCK`] vectors at a time so that each row of the hyperplanes
    /// (2 KB) is read once per block rather than once per vector (rebuilding a window of
    /// 5,000 stories otherwise streams the 768 KB of hyperplanes 5,000 times).
    pub(crate) fn sketch_many(&self, xs: &[Vec<f32>]) -> Vec<Sketch> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has the instructions the function is compiled for,
            // checked just above.
            return unsafe { self.sketch_many_avx2(xs) };
        }
        self.sketch_many_with::<false>(xs)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sketch_many_avx2(&self, xs: &[Vec<f32>]) -> Vec<Sketch> {
        self.sketch_many_with::<true>(xs)
    }

    #[inline(always)]
    fn sketch_many_with<const FUSED: bool>(&self, xs: &[Vec<f32>]) -> Vec<Sketch> {
        let mut out = Vec::with_capacity(xs.len());
        let mut sums = vec![[0f32; BITS]; BLOCK];
        for block in xs.chunks(BLOCK) {
            for s in sums.iter_mut() {
                s.fill(0.0);
            }
            if self.dim > 0 {
                for (i, row) in self.by_coord.chunks_exact(BITS).enumerate() {
                    for (x, sum) in block.iter().zip(sums.iter_mut()) {
                        let Some(&xi) = x.get(i) else { continue };
                        for (s, &p) in sum.iter_mut().zip(row) {
                            *s = if FUSED {
                                p.mul_add(xi, *s)
                            } else {
                                *s + p * xi
                            };
                        }
                    }
                }
            }
            out.extend(sums.iter().take(block.len()).map(signs));
        }
        out
    }

    pub(crate) fn bytes(&self) -> usize {
        self.by_coord.capacity() * 4
    }
}

/// Vectors sketched together by [`Planes::sketch_many`].
const BLOCK: usize = 16;

/// The sketch of projections: bit set where the projection is positive.
fn signs(sums: &[f32; BITS]) -> Sketch {
    let mut out = [0u64; WORDS];
    for (bit, &s) in sums.iter().enumerate() {
        if s > 0.0 {
            out[bit / 64] |= 1 << (bit % 64);
        }
    }
    out
}

/// Bits in which two sketches differ.
#[inline(always)]
pub(crate) fn hamming(a: &Sketch, b: &Sketch) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The Hamming distance of every sketch to `q`.
fn distances(sketches: &[Sketch], q: &Sketch) -> Vec<u16> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the processor has the instruction the function is compiled for,
        // checked just above.
        return unsafe { distances_popcnt(sketches, q) };
    }
    sketches.iter().map(|s| hamming(s, q) as u16).collect()
}

/// [`distances`] with the bit count in one instruction (the baseline x86-64 target
/// lacks it and counts bits in a dozen; the scan is the part of the search that reads
/// the whole window).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn distances_popcnt(sketches: &[Sketch], q: &Sketch) -> Vec<u16> {
    sketches.iter().map(|s| hamming(s, q) as u16).collect()
}

/// The slots of the `m` sketches nearest to `q` by Hamming distance (all slots when
/// there are at most `m`), ties broken by slot; in slot order. A histogram of the
/// distances finds the cut, so no sort: one pass over the sketches and one over the
/// distances.
pub(crate) fn shortlist(sketches: &[Sketch], q: &Sketch, m: usize) -> Vec<usize> {
    if sketches.len() <= m {
        return (0..sketches.len()).collect();
    }
    let dist = distances(sketches, q);
    let mut hist = [0u32; BITS + 1];
    for &d in &dist {
        hist[d as usize] += 1;
    }
    // The smallest cut with at least `m` sketches at or below it.
    let mut below = 0usize;
    let mut cut = BITS;
    for (d, &h) in hist.iter().enumerate() {
        if below + h as usize >= m {
            cut = d;
            break;
        }
        below += h as usize;
    }
    let mut at_cut = m - below;
    let mut out = Vec::with_capacity(m);
    for (i, &d) in dist.iter().enumerate() {
        let d = d as usize;
        if d < cut {
            out.push(i);
        } else if d == cut && at_cut > 0 {
            out.push(i);
            at_cut -= 1;
        }
    }
    out
}

/// A dot product written for the vectoriser: eight independent partial sums (a
/// sequential `f32` sum cannot be reordered by the compiler, so it runs at one add per
/// add latency).
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-5);
        assert_eq!(
            dot(&a[..3], &b),
            a[..3].iter().zip(&b).map(|(x, y)| x * y).sum::<f32>()
        );
    }

    #[test]
    fn hamming_distance_tracks_the_angle() {
        let p = Planes::new(64);
        let x: Vec<f32> = (0..64).map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0).collect();
        let mut rng = Rng(7);
        let noise: Vec<f32> = (0..64).map(|_| rng.normal()).collect();
        let near: Vec<f32> = x.iter().zip(&noise).map(|(a, n)| a + 0.1 * n).collect();
        let far: Vec<f32> = noise.clone();
        let opposite: Vec<f32> = x.iter().map(|a| -a).collect();
        let sx = p.sketch(&x);
        assert_eq!(hamming(&sx, &p.sketch(&x)), 0);
        assert_eq!(hamming(&sx, &p.sketch(&opposite)), BITS as u32);
        let (dn, df) = (
            hamming(&sx, &p.sketch(&near)),
            hamming(&sx, &p.sketch(&far)),
        );
        assert!(dn < df, "near {dn}, far {df}");
        // Many at a time, the same bits as one at a time (a shorter vector too).
        let xs: Vec<Vec<f32>> = (0..37)
            .map(|k| x.iter().map(|a| a * (k as f32 - 18.5)).collect())
            .chain([near.clone(), far.clone(), x[..40].to_vec()])
            .collect();
        let many = p.sketch_many(&xs);
        assert_eq!(many.len(), xs.len());
        for (v, s) in xs.iter().zip(&many) {
            assert_eq!(*s, p.sketch(v));
        }
        // Both code paths give the same bits (the sums here are far from zero).
        assert_eq!(p.sketch_with::<false>(&x), p.sketch_with::<true>(&x));
        // Scale does not change the sketch.
        let scaled: Vec<f32> = x.iter().map(|a| 3.0 * a).collect();
        assert_eq!(p.sketch(&scaled), sx);
    }

    #[test]
    fn distances_count_the_differing_bits() {
        let mut rng = Rng(11);
        let sketches: Vec<Sketch> = (0..50)
            .map(|_| std::array::from_fn(|_| rng.next()))
            .collect();
        let q = sketches[7];
        let d = distances(&sketches, &q);
        assert_eq!(d[7], 0);
        for (s, d) in sketches.iter().zip(&d) {
            let slow: u32 = (0..BITS)
                .filter(|&b| (s[b / 64] ^ q[b / 64]) >> (b % 64) & 1 == 1)
                .count() as u32;
            assert_eq!(*d as u32, slow);
        }
    }

    #[test]
    fn shortlist_keeps_the_nearest_and_breaks_ties_by_slot() {
        let q = [0u64; WORDS];
        let s = |bits: u32| {
            let mut x = [0u64; WORDS];
            x[0] = (1u64 << bits) - 1;
            x
        };
        let sketches = vec![s(5), s(1), s(3), s(1), s(9), s(3), s(0)];
        assert_eq!(shortlist(&sketches, &q, 3), vec![1, 3, 6]);
        assert_eq!(shortlist(&sketches, &q, 4), vec![1, 2, 3, 6]);
        assert_eq!(shortlist(&sketches, &q, 7), (0..7).collect::<Vec<_>>());
        assert_eq!(shortlist(&sketches, &q, 1), vec![6]);
        assert_eq!(shortlist(&sketches[..2], &q, 5), vec![0, 1]);
    }
}

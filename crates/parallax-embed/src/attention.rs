//! Fused self-attention: `softmax(q kᵀ) v` for every sequence and head of a
//! batch, straight from the QKV projection, without the `[B, heads, L, L]`
//! score tensor.
//!
//! The unfused path (split into heads, a batched matmul for the scores, the
//! masked softmax, a second batched matmul, a transpose back) spends most of
//! a long text's encoder time outside the linear layers: with a head size of
//! 32 the two batched matmuls have an inner or outer dimension of 32, which a
//! general GEMM runs far below its peak, and the scores of a 510-token batch
//! (up to 64 MB) stream through memory three times. Here one task takes a
//! block of query rows of one sequence, and for each head transposes that
//! sequence's keys once, computes the rows' scores against the sequence's own
//! keys only (padding is neither computed nor masked), takes their softmax
//! while they are in L1, and adds up the value rows into its output rows of
//! the `[B·L, H]` context, which the next linear layer reads as it is.
//!
//! Biases: the value bias is added to each output row once (the softmax
//! weights of a row sum to 1); the key bias is added to the keys as they are
//! transposed; the query's bias and `1/√head_dim` scale as its rows are
//! copied. Rows past a sequence's length (padding of a shorter sequence in
//! the batch) get zeros: no valid row reads them, and pooling skips them.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape};
use rayon::prelude::*;

use crate::ops::softmax_in_place;

/// Query rows per rayon task.
const TASK_ROWS: usize = 64;
/// Query rows per register block.
const R: usize = 4;
/// Keys per register block of the scores (two AVX-512 vectors, four AVX2 ones
/// in two blocks): the row length of the scores and transposed keys.
const KB: usize = 32;

/// The instruction set the kernels run in, detected once per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simd {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Simd {
    fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                return Simd::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Simd::Avx2;
            }
        }
        Simd::Portable
    }
}

/// The attention of one layer as a candle op on the QKV projection
/// `[B·L, 3H]` (bias not yet added), giving the context `[B·L, H]`.
pub(crate) struct FusedAttention<'a> {
    /// The QKV bias, `3H` (q, k, v).
    pub bias: &'a [f32],
    pub batch: usize,
    pub len: usize,
    pub heads: usize,
    /// The length of each sequence of the batch (at most `len`).
    pub lens: &'a [usize],
}

impl CustomOp1 for FusedAttention<'_> {
    fn name(&self) -> &'static str {
        "fused-attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(v) = s else {
            candle_core::bail!("encoder ops need f32 tensors")
        };
        let Some((a, b)) = l.contiguous_offsets() else {
            candle_core::bail!("encoder ops need contiguous tensors")
        };
        let h = self.bias.len() / 3;
        if h == 0 || self.heads == 0 || !h.is_multiple_of(self.heads) {
            candle_core::bail!("fused-attention: hidden size does not split into heads");
        }
        let x = &v[a..b];
        if x.len() != self.batch * self.len * 3 * h || self.lens.len() != self.batch {
            candle_core::bail!("fused-attention: unexpected size");
        }
        let out = attention(x, self.bias, self.batch, self.len, self.heads, self.lens);
        Ok((
            CpuStorage::F32(out),
            Shape::from_dims(&[self.batch * self.len, h]),
        ))
    }
}

/// The context `[B·L, H]` of the projection `x` (`[B·L, 3H]`, bias in `bias`).
pub(crate) fn attention(
    x: &[f32],
    bias: &[f32],
    batch: usize,
    len: usize,
    heads: usize,
    lens: &[usize],
) -> Vec<f32> {
    attention_in(Simd::detect(), x, bias, batch, len, heads, lens)
}

fn attention_in(
    fast: Simd,
    x: &[f32],
    bias: &[f32],
    batch: usize,
    len: usize,
    heads: usize,
    lens: &[usize],
) -> Vec<f32> {
    let h = bias.len() / 3;
    let mut out = vec![0f32; batch * len * h];
    let hd = h / heads;
    // Tasks of up to TASK_ROWS query rows, never across two sequences.
    out.par_chunks_mut(len * h)
        .enumerate()
        .flat_map(|(seq, o)| {
            o.par_chunks_mut(TASK_ROWS * h)
                .enumerate()
                .map(move |(blk, o)| (seq, blk, o))
        })
        .for_each(|(seq, blk, o)| {
            let job = Job {
                x,
                bias,
                h,
                hd,
                heads,
                base: seq * len,
                n: lens[seq].clamp(1, len),
            };
            job.run(blk * TASK_ROWS, o.len() / h, o, fast);
        });
    out
}

/// One task: rows `t0..t0 + rows` of one sequence, every head.
struct Job<'a> {
    x: &'a [f32],
    bias: &'a [f32],
    h: usize,
    hd: usize,
    heads: usize,
    /// The sequence's first row in the batch.
    base: usize,
    /// Its length (keys and valid query rows).
    n: usize,
}

impl Job<'_> {
    fn run(&self, t0: usize, rows: usize, out: &mut [f32], fast: Simd) {
        let (h, hd, n) = (self.h, self.hd, self.n);
        if t0 >= n {
            return; // padding only: zeros
        }
        let valid = rows.min(n - t0);
        let nk = n.div_ceil(KB) * KB;
        let scale = 1.0 / (hd as f32).sqrt();
        let mut kt = vec![0f32; hd * nk];
        let mut q = vec![0f32; R * hd];
        let mut s = vec![0f32; R * nk];
        let mut acc = vec![0f32; R * hd];
        for head in 0..self.heads {
            let (qc, kc, vc) = (head * hd, h + head * hd, 2 * h + head * hd);
            // The keys of this head, transposed to [hd, nk], their bias added.
            for j in 0..n {
                let row = &self.x[(self.base + j) * 3 * h + kc..][..hd];
                for (d, (&kv, &b)) in row.iter().zip(&self.bias[kc..kc + hd]).enumerate() {
                    kt[d * nk + j] = kv + b;
                }
            }
            for r0 in (0..valid).step_by(R) {
                let rb = R.min(valid - r0);
                q.fill(0.0);
                for r in 0..rb {
                    let row = &self.x[(self.base + t0 + r0 + r) * 3 * h + qc..][..hd];
                    for ((qd, &xv), &b) in q[r * hd..(r + 1) * hd]
                        .iter_mut()
                        .zip(row)
                        .zip(&self.bias[qc..qc + hd])
                    {
                        *qd = (xv + b) * scale;
                    }
                }
                self.scores(&q, &kt, nk, &mut s, fast);
                for r in 0..rb {
                    softmax_row(&mut s[r * nk..r * nk + n], fast);
                }
                self.values(&s, nk, vc, rb, &mut acc, fast);
                for r in 0..rb {
                    let o = &mut out[(r0 + r) * h + qc..][..hd];
                    for ((o, &a), &b) in o.iter_mut().zip(&acc[r * hd..]).zip(&self.bias[vc..]) {
                        *o = a + b;
                    }
                }
            }
        }
    }

    /// `s[r][j] = q[r] · k[j]` for the R rows and every key (past `n`: 0).
    fn scores(&self, q: &[f32], kt: &[f32], nk: usize, s: &mut [f32], fast: Simd) {
        #[cfg(target_arch = "x86_64")]
        match fast {
            // SAFETY: AVX-512F was detected; the sizes are checked inside.
            Simd::Avx512 => return unsafe { scores_avx512(q, kt, self.hd, nk, s) },
            // SAFETY: AVX2 and FMA were detected; the sizes are checked inside.
            Simd::Avx2 => return unsafe { scores_avx2(q, kt, self.hd, nk, s) },
            Simd::Portable => {}
        }
        let _ = fast;
        let hd = self.hd;
        for r in 0..R {
            let sr = &mut s[r * nk..(r + 1) * nk];
            sr.fill(0.0);
            for d in 0..hd {
                let qv = q[r * hd + d];
                for (sv, &kv) in sr.iter_mut().zip(&kt[d * nk..(d + 1) * nk]) {
                    *sv += qv * kv;
                }
            }
        }
    }

    /// `acc[r] = Σ_j s[r][j] v[j]` over the sequence's keys.
    fn values(&self, s: &[f32], nk: usize, vc: usize, rb: usize, acc: &mut [f32], fast: Simd) {
        let (h, hd) = (self.h, self.hd);
        acc.fill(0.0);
        #[cfg(target_arch = "x86_64")]
        {
            let v = &self.x[self.base * 3 * h..(self.base + self.n) * 3 * h];
            match fast {
                // SAFETY: AVX-512F was detected; the sizes are checked inside.
                Simd::Avx512 if hd.is_multiple_of(32) => {
                    return unsafe { values_avx512(s, nk, v, 3 * h, vc, hd, self.n, acc) }
                }
                // SAFETY: AVX2 and FMA were detected (AVX-512F implies both); the
                // sizes are checked inside.
                Simd::Avx2 | Simd::Avx512 if hd.is_multiple_of(16) => {
                    return unsafe { values_avx2(s, nk, v, 3 * h, vc, hd, self.n, acc) }
                }
                _ => {}
            }
        }
        let _ = fast;
        for j in 0..self.n {
            let vr = &self.x[(self.base + j) * 3 * h + vc..][..hd];
            for r in 0..rb {
                let p = s[r * nk + j];
                for (a, &vv) in acc[r * hd..(r + 1) * hd].iter_mut().zip(vr) {
                    *a += p * vv;
                }
            }
        }
    }
}

fn softmax_row(x: &mut [f32], fast: Simd) {
    #[cfg(target_arch = "x86_64")]
    match fast {
        // SAFETY: AVX-512F was detected.
        Simd::Avx512 => return unsafe { softmax_avx512(x) },
        // SAFETY: AVX2 and FMA were detected.
        Simd::Avx2 => return unsafe { crate::ops::softmax_in_place_avx2(x) },
        Simd::Portable => {}
    }
    let _ = fast;
    softmax_in_place(x)
}

/// [`Job::scores`] in AVX2: 4 rows by 16 keys in 8 accumulators, one
/// broadcast of a query value and two key loads per step of `d`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn scores_avx2(q: &[f32], kt: &[f32], hd: usize, nk: usize, s: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(q.len() >= R * hd && kt.len() >= hd * nk && s.len() >= R * nk);
    assert!(nk.is_multiple_of(16));
    // SAFETY (every load and store): indices are below the lengths asserted above:
    // `d * nk + j + 16 <= hd * nk`, `r * nk + j + 16 <= R * nk`, `r * hd + d < R * hd`.
    unsafe {
        let (qp, kp, sp) = (q.as_ptr(), kt.as_ptr(), s.as_mut_ptr());
        for j in (0..nk).step_by(16) {
            let mut a = [_mm256_setzero_ps(); 2 * R];
            for d in 0..hd {
                let k0 = _mm256_loadu_ps(kp.add(d * nk + j));
                let k1 = _mm256_loadu_ps(kp.add(d * nk + j + 8));
                for r in 0..R {
                    let qb = _mm256_broadcast_ss(&*qp.add(r * hd + d));
                    a[2 * r] = _mm256_fmadd_ps(qb, k0, a[2 * r]);
                    a[2 * r + 1] = _mm256_fmadd_ps(qb, k1, a[2 * r + 1]);
                }
            }
            for r in 0..R {
                _mm256_storeu_ps(sp.add(r * nk + j), a[2 * r]);
                _mm256_storeu_ps(sp.add(r * nk + j + 8), a[2 * r + 1]);
            }
        }
    }
}

/// [`Job::values`] in AVX2: for each 16 columns of the head, 4 rows in 8
/// accumulators, two loads of a value row and one broadcast per row and key.
/// `v` holds the sequence's projection rows (stride `stride`), the head's
/// values at column `vc`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn values_avx2(
    s: &[f32],
    nk: usize,
    v: &[f32],
    stride: usize,
    vc: usize,
    hd: usize,
    n: usize,
    acc: &mut [f32],
) {
    use std::arch::x86_64::*;
    assert!(s.len() >= R * nk && n <= nk && acc.len() >= R * hd);
    assert!(vc + hd <= stride && v.len() >= n * stride && hd.is_multiple_of(16));
    // SAFETY (every load and store): `(j * stride + vc + c + 16) <= n * stride` as
    // `vc + hd <= stride`, `r * nk + j < R * nk`, `r * hd + c + 16 <= R * hd`.
    unsafe {
        let (sp, vp, ap) = (s.as_ptr(), v.as_ptr(), acc.as_mut_ptr());
        for c in (0..hd).step_by(16) {
            let mut a = [_mm256_setzero_ps(); 2 * R];
            for j in 0..n {
                let row = vp.add(j * stride + vc + c);
                let v0 = _mm256_loadu_ps(row);
                let v1 = _mm256_loadu_ps(row.add(8));
                for r in 0..R {
                    let p = _mm256_broadcast_ss(&*sp.add(r * nk + j));
                    a[2 * r] = _mm256_fmadd_ps(p, v0, a[2 * r]);
                    a[2 * r + 1] = _mm256_fmadd_ps(p, v1, a[2 * r + 1]);
                }
            }
            for r in 0..R {
                _mm256_storeu_ps(ap.add(r * hd + c), a[2 * r]);
                _mm256_storeu_ps(ap.add(r * hd + c + 8), a[2 * r + 1]);
            }
        }
    }
}

/// [`Job::scores`] in AVX-512: 4 rows by 32 keys in 8 accumulators.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn scores_avx512(q: &[f32], kt: &[f32], hd: usize, n32: usize, s: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(q.len() >= R * hd && kt.len() >= hd * n32 && s.len() >= R * n32);
    assert!(n32.is_multiple_of(32));
    // SAFETY (every load and store): `d * n32 + j + 32 <= hd * n32`,
    // `r * n32 + j + 32 <= R * n32`, `r * hd + d < R * hd`.
    unsafe {
        let (qp, kp, sp) = (q.as_ptr(), kt.as_ptr(), s.as_mut_ptr());
        for j in (0..n32).step_by(32) {
            let mut a = [_mm512_setzero_ps(); 2 * R];
            for d in 0..hd {
                let k0 = _mm512_loadu_ps(kp.add(d * n32 + j));
                let k1 = _mm512_loadu_ps(kp.add(d * n32 + j + 16));
                for r in 0..R {
                    let qb = _mm512_set1_ps(*qp.add(r * hd + d));
                    a[2 * r] = _mm512_fmadd_ps(qb, k0, a[2 * r]);
                    a[2 * r + 1] = _mm512_fmadd_ps(qb, k1, a[2 * r + 1]);
                }
            }
            for r in 0..R {
                _mm512_storeu_ps(sp.add(r * n32 + j), a[2 * r]);
                _mm512_storeu_ps(sp.add(r * n32 + j + 16), a[2 * r + 1]);
            }
        }
    }
}

/// [`Job::values`] in AVX-512: per 32 columns of the head, 4 rows in 8
/// accumulators.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn values_avx512(
    s: &[f32],
    n32: usize,
    v: &[f32],
    stride: usize,
    vc: usize,
    hd: usize,
    n: usize,
    acc: &mut [f32],
) {
    use std::arch::x86_64::*;
    assert!(s.len() >= R * n32 && n <= n32 && acc.len() >= R * hd);
    assert!(vc + hd <= stride && v.len() >= n * stride && hd.is_multiple_of(32));
    // SAFETY (every load and store): `j * stride + vc + c + 32 <= n * stride` as
    // `vc + hd <= stride`, `r * n32 + j < R * n32`, `r * hd + c + 32 <= R * hd`.
    unsafe {
        let (sp, vp, ap) = (s.as_ptr(), v.as_ptr(), acc.as_mut_ptr());
        for c in (0..hd).step_by(32) {
            let mut a = [_mm512_setzero_ps(); 2 * R];
            for j in 0..n {
                let row = vp.add(j * stride + vc + c);
                let v0 = _mm512_loadu_ps(row);
                let v1 = _mm512_loadu_ps(row.add(16));
                for r in 0..R {
                    let p = _mm512_set1_ps(*sp.add(r * n32 + j));
                    a[2 * r] = _mm512_fmadd_ps(p, v0, a[2 * r]);
                    a[2 * r + 1] = _mm512_fmadd_ps(p, v1, a[2 * r + 1]);
                }
            }
            for r in 0..R {
                _mm512_storeu_ps(ap.add(r * hd + c), a[2 * r]);
                _mm512_storeu_ps(ap.add(r * hd + c + 16), a[2 * r + 1]);
            }
        }
    }
}

/// The softmax of one row in 16 lanes: the polynomial and range reduction of
/// [`crate::ops::exp_neg`], the tail in the portable function.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn softmax_avx512(x: &mut [f32]) {
    use std::arch::x86_64::*;
    let whole = x.len() / 16 * 16;
    let (body, rest) = x.split_at_mut(whole);
    // SAFETY (every load and store): `body[i..i + 16]` with `i + 16 <= body.len()`.
    unsafe {
        let mut lanes = _mm512_set1_ps(f32::MIN);
        for i in (0..whole).step_by(16) {
            lanes = _mm512_max_ps(lanes, _mm512_loadu_ps(body.as_ptr().add(i)));
        }
        let m = rest
            .iter()
            .fold(_mm512_reduce_max_ps(lanes), |a, &v| a.max(v));
        let c = |v: f32| _mm512_set1_ps(v);
        let (mv, shift) = (c(m), c(12_582_912.0));
        let shift_bits = _mm512_set1_epi32(12_582_912.0f32.to_bits() as i32);
        let mut sums = _mm512_setzero_ps();
        for i in (0..whole).step_by(16) {
            let p_in = body.as_mut_ptr().add(i);
            // `max` gives its second operand for a NaN: -87, as `exp_neg`.
            let x = _mm512_max_ps(_mm512_sub_ps(_mm512_loadu_ps(p_in), mv), c(-87.0));
            let t = _mm512_fmadd_ps(x, c(std::f32::consts::LOG2_E), shift);
            let n = _mm512_sub_ps(t, shift);
            let k = _mm512_sub_epi32(_mm512_castps_si512(t), shift_bits);
            let r = _mm512_fmadd_ps(n, c(2.121_944_4e-4), _mm512_fnmadd_ps(n, c(0.693_359_4), x));
            let mut p = c(1.987_569_1e-4);
            for k in [
                1.398_199_9e-3,
                8.333_452e-3,
                4.166_579_6e-2,
                1.666_666_5e-1,
                5e-1,
            ] {
                p = _mm512_fmadd_ps(p, r, c(k));
            }
            let y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), c(1.0));
            let scale = _mm512_slli_epi32::<23>(_mm512_add_epi32(k, _mm512_set1_epi32(127)));
            let e = _mm512_mul_ps(y, _mm512_castsi512_ps(scale));
            _mm512_storeu_ps(p_in, e);
            sums = _mm512_add_ps(sums, e);
        }
        let mut total = _mm512_reduce_add_ps(sums);
        for v in rest.iter_mut() {
            *v = crate::ops::exp_neg(*v - m);
            total += *v;
        }
        let inv = 1.0 / total;
        let iv = c(inv);
        for i in (0..whole).step_by(16) {
            let p = body.as_mut_ptr().add(i);
            _mm512_storeu_ps(p, _mm512_mul_ps(_mm512_loadu_ps(p), iv));
        }
        rest.iter_mut().for_each(|v| *v *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attention written out plainly: per sequence and head, scores, a
    /// softmax over the sequence's keys, the weighted sum of values.
    fn reference(
        x: &[f32],
        bias: &[f32],
        b: usize,
        l: usize,
        nh: usize,
        lens: &[usize],
    ) -> Vec<f32> {
        let h = bias.len() / 3;
        let hd = h / nh;
        let mut out = vec![0f32; b * l * h];
        let at = |row: usize, col: usize| x[row * 3 * h + col] + bias[col];
        for s in 0..b {
            let n = lens[s];
            for head in 0..nh {
                for t in 0..n {
                    let mut sc: Vec<f64> = (0..n)
                        .map(|j| {
                            (0..hd)
                                .map(|d| {
                                    at(s * l + t, head * hd + d) as f64
                                        * at(s * l + j, h + head * hd + d) as f64
                                })
                                .sum::<f64>()
                                / (hd as f64).sqrt()
                        })
                        .collect();
                    let m = sc.iter().cloned().fold(f64::MIN, f64::max);
                    sc.iter_mut().for_each(|v| *v = (*v - m).exp());
                    let z: f64 = sc.iter().sum();
                    for d in 0..hd {
                        let v: f64 = (0..n)
                            .map(|j| sc[j] / z * at(s * l + j, 2 * h + head * hd + d) as f64)
                            .sum();
                        out[(s * l + t) * h + head * hd + d] = v as f32;
                    }
                }
            }
        }
        out
    }

    fn data(n: usize, seed: u64) -> Vec<f32> {
        crate::test_values(n, seed, 4.0)
    }

    fn check(b: usize, l: usize, nh: usize, hd: usize, lens: &[usize]) {
        let h = nh * hd;
        let x = data(b * l * 3 * h, 7 + l as u64);
        let bias = data(3 * h, 11);
        let want = reference(&x, &bias, b, l, nh, lens);
        let mut kinds = vec![Simd::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                kinds.push(Simd::Avx2);
            }
            if is_x86_feature_detected!("avx512f") {
                kinds.push(Simd::Avx512);
            }
        }
        for kind in kinds {
            let got = attention_in(kind, &x, &bias, b, l, nh, lens);
            compare(&got, &want, b, l, h, lens, kind);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        got: &[f32],
        want: &[f32],
        b: usize,
        l: usize,
        h: usize,
        lens: &[usize],
        kind: Simd,
    ) {
        for s in 0..b {
            for t in 0..l {
                for c in 0..h {
                    let (g, w) = (got[(s * l + t) * h + c], want[(s * l + t) * h + c]);
                    if t >= lens[s] {
                        assert_eq!(g, 0.0, "{kind:?}: padding row {s}/{t} is zero");
                    } else {
                        assert!(
                            (g - w).abs() < 1e-4,
                            "{kind:?}: seq {s} row {t} col {c}: {g} against {w}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fused_attention_matches_the_plain_formula() {
        // e5-small's head size (32), a BERT-base one (64) and one no kernel takes (12);
        // lengths that are and are not multiples of the blocks, padding in the batch,
        // and a batch longer than one task.
        check(3, 37, 4, 32, &[37, 20, 1]);
        check(2, 130, 2, 32, &[130, 65]);
        check(2, 19, 3, 64, &[17, 19]);
        check(2, 9, 2, 12, &[9, 4]);
    }
}

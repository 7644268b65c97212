//! Fused element-wise CPU operations of the encoder, as candle custom ops.
//!
//! candle runs its own element-wise ops above 64k elements on a separate
//! spinning thread pool sized by `CANDLE_NUM_THREADS`, outside the rayon pool
//! the embedder's thread setting controls, and computes GELU with a scalar
//! `erf`. These ops fuse each matmul's bias with what follows it (GELU, the
//! residual LayerNorm, the split into heads) and run on the current rayon pool.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, InplaceOp1, Layout, Result, Shape};
use rayon::prelude::*;

/// Rows handled per rayon task.
const ROWS_PER_TASK: usize = 16;

fn contiguous<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    let CpuStorage::F32(v) = s else {
        candle_core::bail!("encoder ops need f32 tensors")
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => candle_core::bail!("encoder ops need contiguous tensors"),
    }
}

/// `erf` as a rational approximation on [-4, 4] (XLA's `ErfImpl32`, a few
/// ulp), vectorisable unlike libm's.
#[inline]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_600_2e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329_5e-3;
    q = x2 * q + -1.426_474e-2;
    x * p / q
}

/// `exp` for `x <= 0` (softmax after subtracting the maximum): Cephes-style
/// range reduction and a degree-6 polynomial, about 1 ulp; vectorisable.
#[inline(always)]
pub(crate) fn exp_neg(x: f32) -> f32 {
    // A comparison rather than `max` (NaN becomes -87 either way): one instruction.
    let x = if x > -87.0 { x } else { -87.0 };
    // Rounded to nearest, ties to even, by adding 1.5 * 2^23 (exact for |v| < 2^22):
    // the sum's low mantissa bits are then the integer itself, so neither `round` (a
    // library call that kept the loop scalar) nor a saturating float-to-int cast (a
    // compare and select per element) is needed. A tie rounded the other way leaves
    // `r` at the other end of the reduced range, where the polynomial is as accurate.
    const SHIFT: f32 = 12_582_912.0;
    let t = x * std::f32::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let k = t.to_bits().wrapping_sub(SHIFT.to_bits());
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5e-1;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(k.wrapping_add(127) << 23)
}

/// Runs `f` compiled for AVX2 + FMA when the CPU has them (the element-wise
/// loops then use 8 lanes), else as built for the baseline target.
#[inline(always)]
fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the features were just detected.
            return unsafe { avx2(f) };
        }
    }
    f()
}

#[inline]
fn gelu_erf(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[inline]
fn gelu_tanh(x: f32) -> f32 {
    0.5 * x * (1.0 + (0.797_884_6 * (x + 0.044_715 * x * x * x)).tanh())
}

/// The activation after a bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    GeluErf,
    GeluTanh,
    Relu,
}

/// `act(x + bias)` over rows of `bias.len()` values.
pub(crate) struct BiasAct<'a> {
    pub bias: &'a [f32],
    pub act: Act,
}

impl CustomOp1 for BiasAct<'_> {
    fn name(&self) -> &'static str {
        "bias-act"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = contiguous(s, l)?;
        let n = self.bias.len();
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(n * ROWS_PER_TASK)
            .zip(x.par_chunks(n * ROWS_PER_TASK))
            .for_each(|(o, x)| {
                simd(|| {
                    for (o, x) in o.chunks_exact_mut(n).zip(x.chunks_exact(n)) {
                        for ((o, x), b) in o.iter_mut().zip(x).zip(self.bias) {
                            *o = x + b;
                        }
                        match self.act {
                            Act::GeluErf => o.iter_mut().for_each(|v| *v = gelu_erf(*v)),
                            Act::GeluTanh => o.iter_mut().for_each(|v| *v = gelu_tanh(*v)),
                            Act::Relu => o.iter_mut().for_each(|v| *v = v.max(0.0)),
                        }
                    }
                })
            });
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }
}

/// `LayerNorm(x + bias + residual)` over rows of `w.len()` values.
pub(crate) struct AddBiasLayerNorm<'a> {
    pub bias: &'a [f32],
    pub w: &'a [f32],
    pub b: &'a [f32],
    pub eps: f32,
}

/// LayerNorm of one row in place.
pub(crate) fn layer_norm_row(r: &mut [f32], w: &[f32], b: &[f32], eps: f32) {
    let n = r.len() as f32;
    let mean = r.iter().sum::<f32>() / n;
    let var = r.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let inv = 1.0 / (var + eps).sqrt();
    for ((v, w), b) in r.iter_mut().zip(w).zip(b) {
        *v = (*v - mean) * inv * w + b;
    }
}

impl CustomOp2 for AddBiasLayerNorm<'_> {
    fn name(&self) -> &'static str {
        "add-bias-layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = contiguous(s1, l1)?;
        let res = contiguous(s2, l2)?;
        if x.len() != res.len() {
            candle_core::bail!("add-bias-layer-norm: shapes differ");
        }
        let h = self.w.len();
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(h * ROWS_PER_TASK)
            .zip(x.par_chunks(h * ROWS_PER_TASK))
            .zip(res.par_chunks(h * ROWS_PER_TASK))
            .for_each(|((o, x), res)| {
                for ((o, x), res) in o
                    .chunks_exact_mut(h)
                    .zip(x.chunks_exact(h))
                    .zip(res.chunks_exact(h))
                {
                    for (((o, x), r), b) in o.iter_mut().zip(x).zip(res).zip(self.bias) {
                        *o = x + b + r;
                    }
                    layer_norm_row(o, self.w, self.b, self.eps);
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// Adds the fused Q/K/V bias to `[B * L, 3H]`, scales Q by `scale` and lays
/// the result out as `[3, B, heads, L, head_dim]`.
pub(crate) struct SplitHeads<'a> {
    pub bias: &'a [f32],
    pub batch: usize,
    pub len: usize,
    pub heads: usize,
    pub scale: f32,
}

impl CustomOp1 for SplitHeads<'_> {
    fn name(&self) -> &'static str {
        "split-heads"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = contiguous(s, l)?;
        let (b, len, nh) = (self.batch, self.len, self.heads);
        let h = self.bias.len() / 3;
        let hd = h / nh;
        if x.len() != b * len * 3 * h {
            candle_core::bail!("split-heads: unexpected size");
        }
        let mut out = vec![0f32; x.len()];
        // One task per (part, sequence, head): a [L, head_dim] block.
        out.par_chunks_mut(len * hd)
            .enumerate()
            .for_each(|(blk, o)| {
                let part = blk / (b * nh);
                let bi = (blk / nh) % b;
                let hh = blk % nh;
                let col = part * h + hh * hd;
                let scale = if part == 0 { self.scale } else { 1.0 };
                let bias = &self.bias[col..col + hd];
                for t in 0..len {
                    let row = &x[(bi * len + t) * 3 * h + col..][..hd];
                    for ((o, x), bb) in o[t * hd..(t + 1) * hd].iter_mut().zip(row).zip(bias) {
                        *o = (x + bb) * scale;
                    }
                }
            });
        Ok((CpuStorage::F32(out), Shape::from_dims(&[3, b, nh, len, hd])))
    }
}

/// Softmax over the last axis of `[B, heads, L, L]` scores, keys at or past
/// each sequence's length masked out.
pub(crate) struct MaskedSoftmax<'a> {
    pub lens: &'a [usize],
    pub heads: usize,
}

impl MaskedSoftmax<'_> {
    /// The softmax of each row of one `[L, L]` block of sequence `seq`, in place:
    /// keys at or past the sequence's length become 0.
    #[inline(always)]
    fn block(&self, x: &mut [f32], len: usize, seq: usize) {
        let n = self.lens.get(seq).copied().unwrap_or(len).clamp(1, len);
        for row in x.chunks_exact_mut(len) {
            let (keys, masked) = row.split_at_mut(n);
            softmax_in_place(keys);
            masked.fill(0.0);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block_avx2(&self, x: &mut [f32], len: usize, seq: usize) {
        let n = self.lens.get(seq).copied().unwrap_or(len).clamp(1, len);
        for row in x.chunks_exact_mut(len) {
            let (keys, masked) = row.split_at_mut(n);
            // SAFETY: this function runs only where AVX2 was detected.
            unsafe { softmax_in_place_avx2(keys) };
            masked.fill(0.0);
        }
    }
}

/// In place: the scores are read once and written once, and no second buffer of
/// `B x heads x L x L` floats is made (64 MB at the batch cap).
impl InplaceOp1 for MaskedSoftmax<'_> {
    fn name(&self) -> &'static str {
        "masked-softmax"
    }

    fn cpu_fwd(&self, s: &mut CpuStorage, l: &Layout) -> Result<()> {
        let CpuStorage::F32(v) = s else {
            candle_core::bail!("encoder ops need f32 tensors")
        };
        let Some((a, b)) = l.contiguous_offsets() else {
            candle_core::bail!("encoder ops need contiguous tensors")
        };
        let x = &mut v[a..b];
        let len = (*l.shape().dims().last().unwrap_or(&1)).max(1);
        let per_seq = self.heads.max(1) * len * len;
        #[cfg(target_arch = "x86_64")]
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        x.par_chunks_mut(len * len)
            .enumerate()
            .for_each(|(blk, x)| {
                let seq = blk * len * len / per_seq;
                #[cfg(target_arch = "x86_64")]
                if avx2 {
                    // SAFETY: the features were detected above.
                    return unsafe { self.block_avx2(x, len, seq) };
                }
                self.block(x, len, seq)
            });
        Ok(())
    }
}

/// Lanes of the softmax's running maximum and sum: a sequential `f32` reduction cannot
/// be reordered by the compiler, so it would run at one add per add latency.
const LANES: usize = 8;

/// `x = softmax(x)` over one row, in [`LANES`] lanes: the maximum, then each `exp`
/// with its sum, then the scaling.
#[inline(always)]
pub(crate) fn softmax_in_place(x: &mut [f32]) {
    let mut lanes = [f32::MIN; LANES];
    let chunks = x.chunks_exact(LANES);
    let mut m = chunks.remainder().iter().fold(f32::MIN, |a, &v| a.max(v));
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l = if v > *l { v } else { *l };
        }
    }
    m = lanes.iter().fold(m, |a, &v| a.max(v));
    let mut sums = [0f32; LANES];
    let mut chunks = x.chunks_exact_mut(LANES);
    for c in &mut chunks {
        for (v, s) in c.iter_mut().zip(sums.iter_mut()) {
            *v = exp_neg(*v - m);
            *s += *v;
        }
    }
    let mut tail = 0f32;
    for v in chunks.into_remainder() {
        *v = exp_neg(*v - m);
        tail += *v;
    }
    let total = ((sums[0] + sums[4]) + (sums[1] + sums[5]))
        + ((sums[2] + sums[6]) + (sums[3] + sums[7]))
        + tail;
    let inv = 1.0 / total;
    x.iter_mut().for_each(|v| *v *= inv);
}

/// [`softmax_in_place`] in AVX2 registers, bit for bit: the same operations in the
/// same order in each of the eight lanes (multiplies and adds apart, as the portable
/// code compiles them), the same tail and the same final sums.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn softmax_in_place_avx2(x: &mut [f32]) {
    use std::arch::x86_64::*;
    let whole = x.len() / LANES * LANES;
    let (body, rest) = x.split_at_mut(whole);
    let mut m = rest.iter().fold(f32::MIN, |a, &v| a.max(v));
    // SAFETY (all the loads and stores below): each reads or writes the eight floats
    // of `body[i..i + 8]`, `i + 8 <= body.len()`; unaligned accesses.
    unsafe {
        let mut lanes = _mm256_set1_ps(f32::MIN);
        for i in (0..whole).step_by(LANES) {
            let v = _mm256_loadu_ps(body.as_ptr().add(i));
            // `v > l ? v : l`, as the portable loop.
            lanes = _mm256_blendv_ps(lanes, v, _mm256_cmp_ps::<_CMP_GT_OQ>(v, lanes));
        }
        let mut l = [0f32; LANES];
        _mm256_storeu_ps(l.as_mut_ptr(), lanes);
        m = l.iter().fold(m, |a, &v| a.max(v));
        let c = |v: f32| _mm256_set1_ps(v);
        let mv = c(m);
        let shift = c(12_582_912.0);
        let shift_bits = _mm256_set1_epi32(12_582_912.0f32.to_bits() as i32);
        let mut sums = _mm256_setzero_ps();
        for i in (0..whole).step_by(LANES) {
            let p_in = body.as_mut_ptr().add(i);
            let x = _mm256_sub_ps(_mm256_loadu_ps(p_in), mv);
            let x = _mm256_blendv_ps(c(-87.0), x, _mm256_cmp_ps::<_CMP_GT_OQ>(x, c(-87.0)));
            let t = _mm256_add_ps(_mm256_mul_ps(x, c(std::f32::consts::LOG2_E)), shift);
            let n = _mm256_sub_ps(t, shift);
            let k = _mm256_sub_epi32(_mm256_castps_si256(t), shift_bits);
            let r = _mm256_add_ps(
                _mm256_sub_ps(x, _mm256_mul_ps(n, c(0.693_359_4))),
                _mm256_mul_ps(n, c(2.121_944_4e-4)),
            );
            let mut p = c(1.987_569_1e-4);
            for k in [
                1.398_199_9e-3,
                8.333_452e-3,
                4.166_579_6e-2,
                1.666_666_5e-1,
                5e-1,
            ] {
                p = _mm256_add_ps(_mm256_mul_ps(p, r), c(k));
            }
            let y = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r),
                c(1.0),
            );
            let scale = _mm256_slli_epi32::<23>(_mm256_add_epi32(k, _mm256_set1_epi32(127)));
            let e = _mm256_mul_ps(y, _mm256_castsi256_ps(scale));
            _mm256_storeu_ps(p_in, e);
            sums = _mm256_add_ps(sums, e);
        }
        let mut tail = 0f32;
        for v in rest.iter_mut() {
            *v = exp_neg(*v - m);
            tail += *v;
        }
        let mut s = [0f32; LANES];
        _mm256_storeu_ps(s.as_mut_ptr(), sums);
        let total = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
        let inv = 1.0 / total;
        let iv = c(inv);
        for i in (0..whole).step_by(LANES) {
            let p = body.as_mut_ptr().add(i);
            _mm256_storeu_ps(p, _mm256_mul_ps(_mm256_loadu_ps(p), iv));
        }
        rest.iter_mut().for_each(|v| *v *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn softmax_avx2_is_bit_equal_to_the_portable_one() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            return;
        }
        for n in [1usize, 5, 8, 13, 64, 509, 510] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 7919 % 997) as f32 - 498.0) * 0.037)
                .chain(
                    [f32::NAN, -1e30]
                        .into_iter()
                        .take(if n > 10 { 2 } else { 0 }),
                )
                .collect();
            let (mut a, mut b) = (x.clone(), x.clone());
            softmax_in_place(&mut a);
            // SAFETY: the features were detected above.
            unsafe { softmax_in_place_avx2(&mut b) };
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "n = {n}");
        }
    }

    #[test]
    fn softmax_matches_the_plain_sum() {
        for n in [1usize, 7, 8, 9, 64, 510] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.21)
                .collect();
            let m = x.iter().cloned().fold(f32::MIN, f32::max);
            let e: Vec<f64> = x.iter().map(|&v| ((v - m) as f64).exp()).collect();
            let total: f64 = e.iter().sum();
            let mut o = x.clone();
            softmax_in_place(&mut o);
            for (got, want) in o.iter().zip(&e) {
                let want = want / total;
                assert!(
                    (*got as f64 - want).abs() <= want * 2e-6 + 1e-12,
                    "{got} {want}"
                );
            }
        }
    }

    #[test]
    fn erf_is_accurate() {
        // Reference values of erf.
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.1, 0.112_462_92),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.5, -0.966_105_1),
            (5.0, 1.0),
        ] {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn exp_is_accurate() {
        // Below -87 the result is clamped to about 1.6e-38: nothing in a
        // softmax row.
        for i in 0..1740 {
            let x = -(i as f32) * 0.05;
            let (got, want) = (exp_neg(x), x.exp());
            assert!(
                (got - want).abs() <= want * 3e-7 + 1e-38,
                "exp({x}) = {got}, want {want}"
            );
        }
    }
}

//! Fused element-wise CPU operations of the encoder, as candle custom ops.
//!
//! candle runs its own element-wise ops above 64k elements on a separate
//! spinning thread pool sized by `CANDLE_NUM_THREADS`, outside the rayon pool
//! the embedder's thread setting controls, and computes GELU with a scalar
//! `erf`. These ops fuse each matmul's bias with what follows it (GELU, the
//! residual LayerNorm, the split into heads) and run on the current rayon pool.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape};
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
#[inline]
pub(crate) fn exp_neg(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Ties to even: `round_ties_even` is one instruction where SSE4.1 is on (the
    // softmax is compiled for AVX2), where `round` is a library call that keeps the
    // loop from vectorising. A tie rounded the other way leaves `r` at the other end
    // of the reduced range, where the polynomial is as accurate.
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5e-1;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
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

impl CustomOp1 for MaskedSoftmax<'_> {
    fn name(&self) -> &'static str {
        "masked-softmax"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = contiguous(s, l)?;
        let len = *l.shape().dims().last().unwrap_or(&1);
        let per_seq = self.heads * len * len;
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(len * len)
            .zip(x.par_chunks(len * len))
            .enumerate()
            .for_each(|(blk, (o, x))| {
                let n = self.lens[blk * len * len / per_seq].clamp(1, len);
                simd(|| {
                    for (o, x) in o.chunks_exact_mut(len).zip(x.chunks_exact(len)) {
                        softmax_row(&mut o[..n], &x[..n]);
                    }
                })
            });
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }
}

/// Lanes of the softmax's running maximum and sum: a sequential `f32` reduction cannot
/// be reordered by the compiler, so it would run at one add per add latency.
const LANES: usize = 8;

/// `o = softmax(x)` over one row, in [`LANES`] lanes: the maximum, then each `exp`
/// with its sum, then the scaling.
#[inline(always)]
pub(crate) fn softmax_row(o: &mut [f32], x: &[f32]) {
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
    let mut oc = o.chunks_exact_mut(LANES);
    let mut xc = x.chunks_exact(LANES);
    for (o, x) in (&mut oc).zip(&mut xc) {
        for ((o, &x), s) in o.iter_mut().zip(x).zip(sums.iter_mut()) {
            *o = exp_neg(x - m);
            *s += *o;
        }
    }
    let mut tail = 0f32;
    for (o, &x) in oc.into_remainder().iter_mut().zip(xc.remainder()) {
        *o = exp_neg(x - m);
        tail += *o;
    }
    let total = ((sums[0] + sums[4]) + (sums[1] + sums[5]))
        + ((sums[2] + sums[6]) + (sums[3] + sums[7]))
        + tail;
    let inv = 1.0 / total;
    o.iter_mut().for_each(|v| *v *= inv);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_row_matches_the_plain_sum() {
        for n in [1usize, 7, 8, 9, 64, 510] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.21)
                .collect();
            let m = x.iter().cloned().fold(f32::MIN, f32::max);
            let e: Vec<f64> = x.iter().map(|&v| ((v - m) as f64).exp()).collect();
            let total: f64 = e.iter().sum();
            let mut o = vec![0f32; n];
            softmax_row(&mut o, &x);
            for (got, want) in o.iter().zip(&e) {
                let want = want / total;
                assert!((*got as f64 - want).abs() <= want * 2e-6 + 1e-12, "{got} {want}");
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

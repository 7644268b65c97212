//! Integer matrix multiply of `f32` activations by `Q4_0` weights.
//!
//! Activations are quantised per row per 32-block to `int8` (`Q8_0` style,
//! scale `max|x| / 127`); each block's dot product with a weight block is
//! exact integer arithmetic (`sum nib * q - 8 * sum q`), and the products of
//! the two block scales accumulate in `f32` in block order. The AVX2 kernel
//! (`maddubs` + `madd`) and the portable one compute the same integers and
//! accumulate them in the same order, so their results are bit-equal.
//! Weights stay 4-bit in memory (nibbles and scales kept apart for aligned
//! loads). Rows are tiled so one weight row is reused across a tile of
//! activation rows while the tile stays in L1; tiles run on the current rayon
//! pool.

use rayon::prelude::*;

use crate::e5file::{Q4_BLOCK_BYTES, QK};

/// Activation rows per rayon task.
const ROW_TILE: usize = 8;

/// A `[out, in]` weight matrix as `Q4_0` blocks.
pub(crate) struct Q4Matrix {
    pub out: usize,
    pub inp: usize,
    /// Block scales, `[out, inp / 32]`.
    scales: Vec<f32>,
    /// Nibbles, 16 bytes per block: low nibble `j` is weight `j`, high is `j + 16`.
    nibs: Vec<u8>,
}

/// One activation matrix quantised to `Q8_0` blocks.
struct Q8Rows {
    scales: Vec<f32>,
    qs: Vec<i8>,
    /// `8 * sum(q)` per block (the Q4_0 offset term).
    off: Vec<i32>,
}

impl Q4Matrix {
    /// From `out` rows of `inp / 32` raw `Q4_0` blocks; `None` when the
    /// sizes do not fit.
    pub fn from_blocks(blocks: &[u8], out: usize, inp: usize) -> Option<Q4Matrix> {
        if inp == 0 || !inp.is_multiple_of(QK) || blocks.len() != out * inp / QK * Q4_BLOCK_BYTES {
            return None;
        }
        let n = out * inp / QK;
        let mut scales = Vec::with_capacity(n);
        let mut nibs = Vec::with_capacity(n * 16);
        for b in blocks.chunks_exact(Q4_BLOCK_BYTES) {
            scales.push(half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32());
            nibs.extend_from_slice(&b[2..]);
        }
        Some(Q4Matrix {
            out,
            inp,
            scales,
            nibs,
        })
    }

    /// `x` (`[m, inp]` row-major) times the transposed weights: `[m, out]`.
    pub fn matmul(&self, x: &[f32]) -> Vec<f32> {
        self.matmul_with(x, Kernel::detect())
    }

    pub(crate) fn matmul_with(&self, x: &[f32], kernel: Kernel) -> Vec<f32> {
        let (k, n) = (self.inp, self.out);
        let m = x.len() / k;
        let q = quantise(&x[..m * k], k);
        let nb = k / QK;
        let mut y = vec![0f32; m * n];
        y.par_chunks_mut(ROW_TILE * n)
            .enumerate()
            .for_each(|(t, yt)| {
                let r0 = t * ROW_TILE;
                let rows = yt.len() / n;
                for o in 0..n {
                    let ws = &self.scales[o * nb..(o + 1) * nb];
                    let wn = &self.nibs[o * nb * 16..(o + 1) * nb * 16];
                    for r in 0..rows {
                        let b0 = (r0 + r) * nb;
                        yt[r * n + o] = row_dot(
                            kernel,
                            ws,
                            wn,
                            &q.scales[b0..b0 + nb],
                            &q.qs[b0 * QK..(b0 + nb) * QK],
                            &q.off[b0..b0 + nb],
                        );
                    }
                }
            });
        y
    }
}

fn quantise(x: &[f32], k: usize) -> Q8Rows {
    let nb = x.len() / QK;
    let mut scales = Vec::with_capacity(nb);
    let mut qs = vec![0i8; nb * QK];
    let mut off = Vec::with_capacity(nb);
    debug_assert_eq!(k % QK, 0);
    for (xb, qb) in x.chunks_exact(QK).zip(qs.chunks_exact_mut(QK)) {
        let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
        let d = amax / 127.0;
        let id = if d > 0.0 { 1.0 / d } else { 0.0 };
        let mut s = 0i32;
        for (v, q) in xb.iter().zip(qb.iter_mut()) {
            // NaN becomes 0 through the saturating cast.
            *q = (v * id).round().clamp(-127.0, 127.0) as i8;
            s += *q as i32;
        }
        scales.push(d);
        off.push(8 * s);
    }
    Q8Rows { scales, qs, off }
}

/// Which block-dot implementation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") {
            return Kernel::Avx2;
        }
        Kernel::Scalar
    }
}

#[inline]
fn row_dot(kernel: Kernel, ws: &[f32], wn: &[u8], xs: &[f32], xq: &[i8], off: &[i32]) -> f32 {
    match kernel {
        Kernel::Scalar => row_dot_scalar(ws, wn, xs, xq, off),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Kernel::Avx2` is only built after AVX2 was detected.
        Kernel::Avx2 => unsafe { row_dot_avx2(ws, wn, xs, xq, off) },
    }
}

fn row_dot_scalar(ws: &[f32], wn: &[u8], xs: &[f32], xq: &[i8], off: &[i32]) -> f32 {
    let mut acc = 0f32;
    for b in 0..ws.len() {
        let n = &wn[b * 16..b * 16 + 16];
        let q = &xq[b * QK..b * QK + QK];
        let mut s = 0i32;
        for j in 0..16 {
            s += (n[j] & 15) as i32 * q[j] as i32 + (n[j] >> 4) as i32 * q[j + 16] as i32;
        }
        acc += (ws[b] * xs[b]) * (s - off[b]) as f32;
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn row_dot_avx2(ws: &[f32], wn: &[u8], xs: &[f32], xq: &[i8], off: &[i32]) -> f32 {
    use std::arch::x86_64::*;
    let nb = ws.len();
    assert!(wn.len() >= nb * 16 && xq.len() >= nb * QK && xs.len() >= nb && off.len() >= nb);
    let mask = _mm256_set1_epi8(15);
    let ones = _mm256_set1_epi16(1);
    let mut acc = 0f32;
    for b in 0..nb {
        // SAFETY: the bounds were checked above; loads are unaligned.
        let raw = _mm_loadu_si128(wn.as_ptr().add(b * 16) as *const __m128i);
        let both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
        let nib = _mm256_and_si256(both, mask);
        let q = _mm256_loadu_si256(xq.as_ptr().add(b * QK) as *const __m256i);
        let p16 = _mm256_maddubs_epi16(nib, q);
        let p32 = _mm256_madd_epi16(p16, ones);
        let s128 = _mm_add_epi32(
            _mm256_castsi256_si128(p32),
            _mm256_extracti128_si256(p32, 1),
        );
        let s64 = _mm_add_epi32(s128, _mm_unpackhi_epi64(s128, s128));
        let s32 = _mm_add_epi32(s64, _mm_shuffle_epi32(s64, 1));
        let s = _mm_cvtsi128_si32(s32);
        acc += (ws[b] * xs[b]) * (s - off[b]) as f32;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::e5file::dequant_q4_row;

    /// A deterministic generator (xorshift).
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn f(&mut self) -> f32 {
            (self.next() % 20001) as f32 / 10000.0 - 1.0
        }
    }

    fn random_blocks(g: &mut Gen, out: usize, inp: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..out * inp / QK {
            let d = half::f16::from_f32(0.01 + 0.05 * g.f().abs());
            v.extend_from_slice(&d.to_bits().to_le_bytes());
            for _ in 0..16 {
                v.push(g.next() as u8);
            }
        }
        v
    }

    #[test]
    fn matches_dequantised_f32_dot() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        let (m, out, inp) = (13, 40, 96);
        let blocks = random_blocks(&mut g, out, inp);
        let x: Vec<f32> = (0..m * inp).map(|_| g.f()).collect();
        let w = Q4Matrix::from_blocks(&blocks, out, inp).expect("sizes fit");
        let y = w.matmul(&x);
        let rb = inp / QK * Q4_BLOCK_BYTES;
        let mut row = vec![0f32; inp];
        for o in 0..out {
            dequant_q4_row(&blocks[o * rb..(o + 1) * rb], &mut row);
            for r in 0..m {
                let xr = &x[r * inp..(r + 1) * inp];
                let exact: f32 = xr.iter().zip(&row).map(|(a, b)| a * b).sum();
                let scale: f32 = xr.iter().zip(&row).map(|(a, b)| (a * b).abs()).sum();
                let got = y[r * out + o];
                // int8 activations: relative error about 1/254 per element.
                assert!(
                    (got - exact).abs() <= 0.01 * scale + 1e-6,
                    "r {r} o {o}: {got} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn scalar_and_simd_agree() {
        let mut g = Gen(12345);
        let (m, out, inp) = (19, 33, 384);
        let blocks = random_blocks(&mut g, out, inp);
        let mut x: Vec<f32> = (0..m * inp).map(|_| g.f() * 3.0).collect();
        x[5] = 0.0;
        x[inp..inp + QK].iter_mut().for_each(|v| *v = 0.0);
        let w = Q4Matrix::from_blocks(&blocks, out, inp).expect("sizes fit");
        let a = w.matmul_with(&x, Kernel::Scalar);
        let b = w.matmul_with(&x, Kernel::detect());
        assert_eq!(a, b);
    }

    #[test]
    fn bad_sizes_are_none() {
        assert!(Q4Matrix::from_blocks(&[0; 18], 1, 31).is_none());
        assert!(Q4Matrix::from_blocks(&[0; 17], 1, 32).is_none());
        assert!(Q4Matrix::from_blocks(&[0; 18], 1, 32).is_some());
    }
}

//! The linear layers' `f32` matrix product in AVX-512 registers, for
//! processors that have AVX-512F.
//!
//! candle's CPU matmul (the `gemm` crate) runs its AVX2 microkernel on a
//! stable compiler even where the processor has AVX-512, so on such a
//! processor half of each FMA unit's width is idle; the profile of the
//! encoder puts that microkernel at about 60% of the time. Here the weights
//! (`[in, out]`, constant for the model's life) are packed once at load into
//! panels of 32 output columns, each panel `in` rows of 32 contiguous floats,
//! and an 8-row by 32-column microkernel keeps its 16 accumulators in
//! registers over the whole inner dimension: per step of the inner index two
//! panel loads, eight broadcasts of the activations and sixteen FMAs of 16
//! lanes. A task takes 64 activation rows and every panel, so a panel is
//! read from L2 by eight row blocks in turn. Results are the same products
//! summed in inner-index order, one sum per output, so they differ from
//! candle's only in rounding.

use rayon::prelude::*;

/// Output columns per panel (two 16-lane registers).
const NR: usize = 32;
/// Activation rows per register block.
const MR: usize = 8;
/// Activation rows per rayon task.
const TASK_ROWS: usize = 64;

/// A `[in, out]` weight matrix packed for [`Packed::matmul`].
pub(crate) struct Packed {
    k: usize,
    n: usize,
    /// `n / NR` panels of `k * NR` floats.
    panels: Vec<f32>,
}

impl Packed {
    /// Packs `w` (`[k, n]` row-major) when the processor has AVX-512F and `n`
    /// is a whole number of panels; `None` otherwise (candle's matmul runs).
    pub fn new(w: &[f32], k: usize, n: usize) -> Option<Packed> {
        if !available() || k == 0 || n == 0 || !n.is_multiple_of(NR) || w.len() != k * n {
            return None;
        }
        let mut panels = Vec::with_capacity(k * n);
        for p in 0..n / NR {
            for kk in 0..k {
                panels.extend_from_slice(&w[kk * n + p * NR..kk * n + (p + 1) * NR]);
            }
        }
        Some(Packed { k, n, panels })
    }

    /// The inner dimension (rows of the weights).
    pub fn k(&self) -> usize {
        self.k
    }

    /// The output dimension.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `x` (`[m, k]` row-major) times the weights: `[m, n]`.
    pub fn matmul(&self, x: &[f32]) -> Vec<f32> {
        let (k, n) = (self.k, self.n);
        let m = x.len() / k;
        let mut y = vec![0f32; m * n];
        if m == 0 {
            return y;
        }
        y.par_chunks_mut(TASK_ROWS * n)
            .enumerate()
            .for_each(|(t, yt)| {
                let r0 = t * TASK_ROWS;
                let rows = yt.len() / n;
                let a = &x[r0 * k..(r0 + rows) * k];
                for p in 0..n / NR {
                    let panel = &self.panels[p * k * NR..(p + 1) * k * NR];
                    for rb in (0..rows).step_by(MR) {
                        let r = MR.min(rows - rb);
                        let a = &a[rb * k..(rb + r) * k];
                        let c = &mut yt[rb * n + p * NR..];
                        // SAFETY: `new` checked AVX-512F; `block` checks the sizes.
                        unsafe { block(a, k, panel, c, n, r) };
                    }
                }
            });
        y
    }
}

/// Whether this processor runs the kernel.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `c[r][0..32] = a[r] · panel` for the `rows` (at most 8) rows of `a`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn block(a: &[f32], k: usize, panel: &[f32], c: &mut [f32], ldc: usize, rows: usize) {
    // SAFETY (for each arm): the caller checked AVX-512F.
    unsafe {
        match rows {
            8 => kernel::<8>(a, k, panel, c, ldc),
            7 => kernel::<7>(a, k, panel, c, ldc),
            6 => kernel::<6>(a, k, panel, c, ldc),
            5 => kernel::<5>(a, k, panel, c, ldc),
            4 => kernel::<4>(a, k, panel, c, ldc),
            3 => kernel::<3>(a, k, panel, c, ldc),
            2 => kernel::<2>(a, k, panel, c, ldc),
            1 => kernel::<1>(a, k, panel, c, ldc),
            _ => {}
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn block(_: &[f32], _: usize, _: &[f32], _: &mut [f32], _: usize, _: usize) {
    unreachable!("Packed::new returns None where AVX-512F is missing")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn kernel<const R: usize>(a: &[f32], k: usize, panel: &[f32], c: &mut [f32], ldc: usize) {
    use std::arch::x86_64::*;
    assert!(a.len() >= R * k && panel.len() >= k * NR);
    assert!(R == 0 || c.len() >= (R - 1) * ldc + NR);
    // SAFETY (every load and store): `r * k + kk < R * k <= a.len()`,
    // `kk * NR + 16 + 16 <= k * NR <= panel.len()`, `r * ldc + 32 <= c.len()`.
    unsafe {
        let (ap, bp, cp) = (a.as_ptr(), panel.as_ptr(), c.as_mut_ptr());
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        for kk in 0..k {
            let b0 = _mm512_loadu_ps(bp.add(kk * NR));
            let b1 = _mm512_loadu_ps(bp.add(kk * NR + 16));
            for (r, acc) in acc.iter_mut().enumerate() {
                let x = _mm512_set1_ps(*ap.add(r * k + kk));
                acc[0] = _mm512_fmadd_ps(x, b0, acc[0]);
                acc[1] = _mm512_fmadd_ps(x, b1, acc[1]);
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            _mm512_storeu_ps(cp.add(r * ldc), acc[0]);
            _mm512_storeu_ps(cp.add(r * ldc + 16), acc[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u64) -> Vec<f32> {
        crate::test_values(n, seed, 2.0)
    }

    #[test]
    fn packed_matmul_equals_the_plain_product() {
        if !available() {
            eprintln!("note: no AVX-512F here, the packed kernel is not used");
            assert!(Packed::new(&[0.0; 32], 1, 32).is_none());
            return;
        }
        // Row counts that fill and do not fill a register block and a task; inner
        // sizes of the model (384, 1536) and odd ones.
        for (m, k, n) in [
            (1, 384, 32),
            (13, 7, 64),
            (70, 384, 1152),
            (129, 1536, 384),
            (8, 1, 32),
        ] {
            let x = data(m * k, m as u64);
            let w = data(k * n, k as u64 + 1);
            let p = Packed::new(&w, k, n).unwrap();
            let y = p.matmul(&x);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k)
                        .map(|kk| x[i * k + kk] as f64 * w[kk * n + j] as f64)
                        .sum();
                    let got = y[i * n + j] as f64;
                    assert!(
                        (got - want).abs() < 1e-4 * (k as f64).sqrt(),
                        "{m}x{k}x{n} [{i},{j}]: {got} against {want}"
                    );
                }
            }
        }
        assert!(
            Packed::new(&[0.0; 48], 1, 48).is_none(),
            "48 columns are not whole panels"
        );
    }
}

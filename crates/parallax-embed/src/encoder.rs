//! The BERT-style post-LayerNorm encoder shared by both model kinds, on
//! candle's CPU backend.
//!
//! Linear layers hold `f32` weights, transposed to `[in, out]` at load (the
//! E5S1 file's 4-bit layers are dequantised once: candle's 4-bit matmul was
//! measured 4-5x slower). Q, K and V are fused into one `[H, 3H]` matmul.
//! The word table may stay 4-bit: rows are dequantised on lookup, and the
//! embedding sum (word + position + type) is built on the host.
//!
//! A batch is padded to its longest sequence; padding is masked out of the
//! attention softmax and out of the mean pooling. Element-wise work runs in
//! fused custom ops (`ops`) on the current rayon pool.

use candle_core::{Device, Tensor};

use crate::attention::FusedAttention;
use crate::e5file::{dequant_q4_row, Q4_BLOCK_BYTES, QK};
use crate::error::EmbedError;
use crate::gemm512::Packed;
use crate::ops::{layer_norm_row, Act, AddBiasLayerNorm, BiasAct, MaskedSoftmax, SplitHeads};
use crate::q4mm::Q4Matrix;

/// The token table: 4-bit blocks (E5S1) or plain `f32` rows (model folders).
pub(crate) enum WordTable {
    Q4(Vec<u8>),
    F32(Vec<f32>),
}

/// The feed-forward activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    GeluErf,
    GeluTanh,
    Relu,
}

/// A linear layer's `[in, out]` weights: a candle tensor for candle's matmul,
/// or packed for the AVX-512 kernel (`gemm512`).
pub(crate) enum Weights {
    Tensor(Tensor),
    Packed(Packed),
}

impl Weights {
    /// The same weights packed, where the processor runs the packed kernel.
    fn packed(self) -> Result<Weights, EmbedError> {
        let Weights::Tensor(t) = &self else {
            return Ok(self);
        };
        let (k, n) = t.dims2()?;
        let host = t.flatten_all()?.to_vec1::<f32>()?;
        Ok(match Packed::new(&host, k, n) {
            Some(p) => Weights::Packed(p),
            None => self,
        })
    }
}

pub(crate) struct Layer {
    pub qkv_w: Weights,
    pub qkv_b: Vec<f32>,
    pub ao_w: Weights,
    pub ao_b: Vec<f32>,
    pub aln_w: Vec<f32>,
    pub aln_b: Vec<f32>,
    pub fi_w: Weights,
    pub fi_b: Vec<f32>,
    pub fo_w: Weights,
    pub fo_b: Vec<f32>,
    pub oln_w: Vec<f32>,
    pub oln_b: Vec<f32>,
    /// The same linear layers kept 4-bit for the integer kernel (`q4mm`),
    /// used instead of the `f32` tensors when set.
    pub q4: Option<Q4Layer>,
}

/// A layer's linear weights as `Q4_0` matrices (`[out, in]`).
pub(crate) struct Q4Layer {
    pub qkv: Q4Matrix,
    pub ao: Q4Matrix,
    pub fi: Q4Matrix,
    pub fo: Q4Matrix,
}

/// `x` times a linear layer's weights: the integer kernel when the layer has
/// 4-bit weights, else the packed AVX-512 kernel or candle's `f32` matmul.
fn linear(x: &Tensor, w: &Weights, q: Option<&Q4Matrix>) -> Result<Tensor, EmbedError> {
    match (q, w) {
        (Some(q), _) => {
            let m = x.dim(0)?;
            let xs = x.flatten_all()?.to_vec1::<f32>()?;
            Ok(Tensor::from_vec(q.matmul(&xs), (m, q.out), &Device::Cpu)?)
        }
        (None, Weights::Packed(p)) => Ok(x.apply_op1_no_bwd(&PackedMatmul(p))?),
        (None, Weights::Tensor(w)) => Ok(x.matmul(w)?),
    }
}

/// [`Packed::matmul`] as a candle op, so the activations are read in place.
struct PackedMatmul<'a>(&'a Packed);

impl candle_core::CustomOp1 for PackedMatmul<'_> {
    fn name(&self) -> &'static str {
        "packed-matmul"
    }

    fn cpu_fwd(
        &self,
        s: &candle_core::CpuStorage,
        l: &candle_core::Layout,
    ) -> candle_core::Result<(candle_core::CpuStorage, candle_core::Shape)> {
        let candle_core::CpuStorage::F32(v) = s else {
            candle_core::bail!("encoder ops need f32 tensors")
        };
        let Some((a, b)) = l.contiguous_offsets() else {
            candle_core::bail!("encoder ops need contiguous tensors")
        };
        let (m, k) = l.shape().dims2()?;
        if k != self.0.k() || b - a != m * k {
            candle_core::bail!("packed-matmul: unexpected size");
        }
        let y = self.0.matmul(&v[a..b]);
        Ok((
            candle_core::CpuStorage::F32(y),
            candle_core::Shape::from_dims(&[m, self.0.n()]),
        ))
    }
}

/// Host-side weights of one layer, `[out, in]` row-major as stored in files.
pub(crate) struct LayerWeights {
    pub q: (Vec<f32>, Vec<f32>),
    pub k: (Vec<f32>, Vec<f32>),
    pub v: (Vec<f32>, Vec<f32>),
    pub ao: (Vec<f32>, Vec<f32>),
    pub aln: (Vec<f32>, Vec<f32>),
    pub fi: (Vec<f32>, Vec<f32>),
    pub fo: (Vec<f32>, Vec<f32>),
    pub oln: (Vec<f32>, Vec<f32>),
}

/// How token states become one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pooling {
    /// Mean over the sequence's tokens (E5).
    Mean,
    /// The first token (`[CLS]`), e.g. LaBSE.
    Cls,
}

pub(crate) struct Encoder {
    pub pooling: Pooling,
    pub hidden: usize,
    pub heads: usize,
    pub vocab: usize,
    pub eps: f32,
    pub act: Activation,
    pub word: WordTable,
    /// Position rows; token `i` of a sequence uses row `pos_offset + i`.
    pub pos: Vec<f32>,
    pub pos_offset: usize,
    /// Row of token type 0.
    pub type0: Vec<f32>,
    pub eln_w: Vec<f32>,
    pub eln_b: Vec<f32>,
    pub layers: Vec<Layer>,
}

/// `[out, in]` row-major weights to a `[in, out]` tensor.
fn transposed(w: &[f32], out: usize, inp: usize) -> Result<Tensor, EmbedError> {
    let mut t = vec![0f32; w.len()];
    for o in 0..out {
        for i in 0..inp {
            t[i * out + o] = w[o * inp + i];
        }
    }
    Ok(Tensor::from_vec(t, (inp, out), &Device::Cpu)?)
}

impl Layer {
    pub fn new(w: LayerWeights, h: usize, ff: usize) -> Result<Layer, EmbedError> {
        let mut qkv = Vec::with_capacity(3 * h * h);
        qkv.extend_from_slice(&w.q.0);
        qkv.extend_from_slice(&w.k.0);
        qkv.extend_from_slice(&w.v.0);
        let mut qkv_b = w.q.1;
        qkv_b.extend_from_slice(&w.k.1);
        qkv_b.extend_from_slice(&w.v.1);
        Ok(Layer {
            qkv_w: Weights::Tensor(transposed(&qkv, 3 * h, h)?),
            qkv_b,
            ao_w: Weights::Tensor(transposed(&w.ao.0, h, h)?),
            ao_b: w.ao.1,
            aln_w: w.aln.0,
            aln_b: w.aln.1,
            fi_w: Weights::Tensor(transposed(&w.fi.0, ff, h)?),
            fi_b: w.fi.1,
            fo_w: Weights::Tensor(transposed(&w.fo.0, h, ff)?),
            fo_b: w.fo.1,
            oln_w: w.oln.0,
            oln_b: w.oln.1,
            q4: None,
        })
    }
}

impl Encoder {
    /// Packs every linear layer's weights for the AVX-512 kernel, where the
    /// processor has AVX-512F (otherwise they stay candle tensors). The packed
    /// copy replaces the tensor, so the weights are held once.
    pub fn pack_linear(&mut self) -> Result<(), EmbedError> {
        for ly in &mut self.layers {
            for w in [&mut ly.qkv_w, &mut ly.ao_w, &mut ly.fi_w, &mut ly.fo_w] {
                let taken = std::mem::replace(
                    w,
                    Weights::Tensor(Tensor::zeros(0, candle_core::DType::F32, &Device::Cpu)?),
                );
                *w = taken.packed()?;
            }
        }
        Ok(())
    }

    /// Largest sequence length (special tokens included) the position table allows.
    pub fn max_len(&self) -> usize {
        self.pos.len() / self.hidden - self.pos_offset
    }

    fn word_row(&self, id: u32, out: &mut [f32]) {
        let h = self.hidden;
        let id = (id as usize).min(self.vocab - 1);
        match &self.word {
            WordTable::Q4(blocks) => {
                let rb = h / QK * Q4_BLOCK_BYTES;
                dequant_q4_row(&blocks[id * rb..(id + 1) * rb], out);
            }
            WordTable::F32(rows) => out.copy_from_slice(&rows[id * h..(id + 1) * h]),
        }
    }

    /// Runs the encoder on sequences of token ids (special tokens included,
    /// each at most [`Encoder::max_len`] long) and returns, per sequence, the
    /// pooled final hidden states (not normalised): the mean over its tokens,
    /// or the first token's for [`Pooling::Cls`].
    pub fn forward_pool(
        &self,
        seqs: &[&[u32]],
        fused_attention: bool,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (h, nh) = (self.hidden, self.heads);
        let hd = h / nh;
        let b = seqs.len();
        let l = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
        if b == 0 || l == 0 {
            return Ok(vec![vec![0.0; h]; b]);
        }
        let mut x = vec![0f32; b * l * h];
        for (si, s) in seqs.iter().enumerate() {
            for (t, &id) in s.iter().enumerate() {
                let row = &mut x[(si * l + t) * h..(si * l + t + 1) * h];
                self.word_row(id, row);
                let p = &self.pos[(self.pos_offset + t) * h..(self.pos_offset + t + 1) * h];
                for ((r, p), ty) in row.iter_mut().zip(p).zip(&self.type0) {
                    *r += p + ty;
                }
                layer_norm_row(row, &self.eln_w, &self.eln_b, self.eps);
            }
        }
        let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
        let mut x = Tensor::from_vec(x, (b * l, h), &Device::Cpu)?;
        let act = match self.act {
            Activation::GeluErf => Act::GeluErf,
            Activation::GeluTanh => Act::GeluTanh,
            Activation::Relu => Act::Relu,
        };
        for ly in &self.layers {
            let q4 = ly.q4.as_ref();
            let proj = linear(&x, &ly.qkv_w, q4.map(|q| &q.qkv))?;
            let ctx = if fused_attention {
                proj.apply_op1_no_bwd(&FusedAttention {
                    bias: &ly.qkv_b,
                    batch: b,
                    len: l,
                    heads: nh,
                    lens: &lens,
                })?
            } else {
                let qkv = proj.apply_op1_no_bwd(&SplitHeads {
                    bias: &ly.qkv_b,
                    batch: b,
                    len: l,
                    heads: nh,
                    scale: 1.0 / (hd as f32).sqrt(),
                })?;
                let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
                let probs = q.matmul(&k.t()?)?;
                probs.inplace_op1(&MaskedSoftmax {
                    lens: &lens,
                    heads: nh,
                })?;
                probs
                    .matmul(&v)?
                    .transpose(1, 2)?
                    .contiguous()?
                    .reshape((b * l, h))?
            };
            x = linear(&ctx, &ly.ao_w, q4.map(|q| &q.ao))?.apply_op2_no_bwd(
                &x,
                &AddBiasLayerNorm {
                    bias: &ly.ao_b,
                    w: &ly.aln_w,
                    b: &ly.aln_b,
                    eps: self.eps,
                },
            )?;
            let mid = linear(&x, &ly.fi_w, q4.map(|q| &q.fi))?.apply_op1_no_bwd(&BiasAct {
                bias: &ly.fi_b,
                act,
            })?;
            x = linear(&mid, &ly.fo_w, q4.map(|q| &q.fo))?.apply_op2_no_bwd(
                &x,
                &AddBiasLayerNorm {
                    bias: &ly.fo_b,
                    w: &ly.oln_w,
                    b: &ly.oln_b,
                    eps: self.eps,
                },
            )?;
        }
        let hs = x.flatten_all()?.to_vec1::<f32>()?;
        let mut out = Vec::with_capacity(b);
        for (si, s) in seqs.iter().enumerate() {
            if self.pooling == Pooling::Cls {
                out.push(hs[si * l * h..(si * l + 1) * h].to_vec());
                continue;
            }
            let mut m = vec![0f32; h];
            for t in 0..s.len() {
                for (a, v) in m
                    .iter_mut()
                    .zip(&hs[(si * l + t) * h..(si * l + t + 1) * h])
                {
                    *a += v;
                }
            }
            let inv = 1.0 / s.len().max(1) as f32;
            m.iter_mut().for_each(|a| *a *= inv);
            out.push(m);
        }
        Ok(out)
    }
}

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
//! attention (an additive `-1e9` on the scores) and out of the mean pooling.

use candle_core::{Device, Tensor};

use crate::e5file::{dequant_q4_row, Q4_BLOCK_BYTES, QK};
use crate::error::EmbedError;

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

pub(crate) struct Layer {
    pub qkv_w: Tensor,
    pub qkv_b: Tensor,
    pub ao_w: Tensor,
    pub ao_b: Tensor,
    pub aln_w: Tensor,
    pub aln_b: Tensor,
    pub fi_w: Tensor,
    pub fi_b: Tensor,
    pub fo_w: Tensor,
    pub fo_b: Tensor,
    pub oln_w: Tensor,
    pub oln_b: Tensor,
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

pub(crate) struct Encoder {
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
    pub eln_w: Tensor,
    pub eln_b: Tensor,
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

fn vector(v: Vec<f32>) -> Result<Tensor, EmbedError> {
    let n = v.len();
    Ok(Tensor::from_vec(v, n, &Device::Cpu)?)
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
            qkv_w: transposed(&qkv, 3 * h, h)?,
            qkv_b: vector(qkv_b)?,
            ao_w: transposed(&w.ao.0, h, h)?,
            ao_b: vector(w.ao.1)?,
            aln_w: vector(w.aln.0)?,
            aln_b: vector(w.aln.1)?,
            fi_w: transposed(&w.fi.0, ff, h)?,
            fi_b: vector(w.fi.1)?,
            fo_w: transposed(&w.fo.0, h, ff)?,
            fo_b: vector(w.fo.1)?,
            oln_w: vector(w.oln.0)?,
            oln_b: vector(w.oln.1)?,
        })
    }
}

impl Encoder {
    /// Tensor for a LayerNorm weight or bias.
    pub fn vector(v: Vec<f32>) -> Result<Tensor, EmbedError> {
        vector(v)
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
    /// mean of its final hidden states (not normalised).
    pub fn forward_mean(&self, seqs: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (h, nh) = (self.hidden, self.heads);
        let hd = h / nh;
        let b = seqs.len();
        let l = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
        if b == 0 || l == 0 {
            return Ok(vec![vec![0.0; h]; b]);
        }
        let mut x = vec![0f32; b * l * h];
        let mut mask = vec![0f32; b * l];
        for (si, s) in seqs.iter().enumerate() {
            for (t, &id) in s.iter().enumerate() {
                let row = &mut x[(si * l + t) * h..(si * l + t + 1) * h];
                self.word_row(id, row);
                let p = &self.pos[(self.pos_offset + t) * h..(self.pos_offset + t + 1) * h];
                for ((r, p), ty) in row.iter_mut().zip(p).zip(&self.type0) {
                    *r += p + ty;
                }
            }
            for m in &mut mask[si * l + s.len()..(si + 1) * l] {
                *m = -1e9;
            }
        }
        let dev = Device::Cpu;
        let mask = Tensor::from_vec(mask, (b, 1, 1, l), &dev)?;
        let x = Tensor::from_vec(x, (b * l, h), &dev)?;
        let mut x = candle_nn::ops::layer_norm(&x, &self.eln_w, &self.eln_b, self.eps)?;
        let scale = 1.0 / (hd as f64).sqrt();
        let heads = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((b, l, nh, hd))?.transpose(1, 2)?.contiguous()
        };
        for ly in &self.layers {
            let qkv = x.matmul(&ly.qkv_w)?.broadcast_add(&ly.qkv_b)?;
            let q = heads((qkv.narrow(1, 0, h)? * scale)?)?;
            let k = heads(qkv.narrow(1, h, h)?)?;
            let v = heads(qkv.narrow(1, 2 * h, h)?)?;
            let scores = q.matmul(&k.t()?)?.broadcast_add(&mask)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * l, h))?;
            let ao = ctx.matmul(&ly.ao_w)?.broadcast_add(&ly.ao_b)?;
            x = candle_nn::ops::layer_norm(&(ao + &x)?, &ly.aln_w, &ly.aln_b, self.eps)?;
            let mid = x.matmul(&ly.fi_w)?.broadcast_add(&ly.fi_b)?;
            let mid = match self.act {
                Activation::GeluErf => mid.gelu_erf()?,
                Activation::GeluTanh => mid.gelu()?,
                Activation::Relu => mid.relu()?,
            };
            let fo = mid.matmul(&ly.fo_w)?.broadcast_add(&ly.fo_b)?;
            x = candle_nn::ops::layer_norm(&(fo + &x)?, &ly.oln_w, &ly.oln_b, self.eps)?;
        }
        let hs = x.flatten_all()?.to_vec1::<f32>()?;
        let mut out = Vec::with_capacity(b);
        for (si, s) in seqs.iter().enumerate() {
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

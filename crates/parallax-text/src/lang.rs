//! Language identification with lingua over a deliberate list of languages (the
//! features enabled in this crate's Cargo.toml), answering ISO 639-1 codes.

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use std::sync::LazyLock;

/// How much text is looked at: enough for a confident answer, bounded for speed.
const SAMPLE_BYTES: usize = 2_000;

static DETECTOR: LazyLock<LanguageDetector> = LazyLock::new(|| {
    let languages: Vec<Language> = Language::all().into_iter().collect();
    LanguageDetectorBuilder::from_languages(&languages).build()
});

/// A detected language.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    /// ISO 639-1 code, lower case (`da`, `ro`, `nb` for Norwegian Bokmål).
    pub code: String,
    /// lingua's confidence for it, 0 to 1, to six decimals.
    pub confidence: f64,
}

/// The ISO 639-1 codes of every language parallax identifies.
pub fn supported() -> Vec<String> {
    let mut v: Vec<String> = Language::all()
        .into_iter()
        .map(|l| l.iso_code_639_1().to_string())
        .collect();
    v.sort();
    v
}

/// Detects the language of `text` from its first couple of thousand bytes. `None` for
/// text without letters.
pub fn detect(text: &str) -> Option<Detected> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    if !sample.chars().any(char::is_alphabetic) {
        return None;
    }
    let values = DETECTOR.compute_language_confidence_values(sample);
    let (lang, confidence) = values.into_iter().next()?;
    Some(Detected {
        code: lang.iso_code_639_1().to_string(),
        // lingua's value can differ in its last bits from one process to the next for
        // the same text (seen in the crash test: 0.9976151742513882 and
        // 0.997615174251388); six decimals make what is stored depend on the text only.
        confidence: (confidence * 1e6).round() / 1e6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        let d = detect(text).expect("a language");
        assert_eq!(d.code, expected, "{text}");
        assert!(d.confidence > 0.0 && d.confidence <= 1.0);
    }

    #[test]
    fn detects_news_languages() {
        check(
            "Regeringen fremlagde i dag et nyt forslag om skattelettelser til børnefamilier.",
            "da",
        );
        check(
            "Guvernul a prezentat astăzi un nou proiect de lege privind reducerea taxelor.",
            "ro",
        );
        check(
            "The government presented a new bill on tax cuts for families today.",
            "en",
        );
        check(
            "Die Regierung hat heute einen neuen Gesetzentwurf zur Steuersenkung vorgelegt.",
            "de",
        );
        check(
            "Le gouvernement a présenté aujourd'hui un nouveau projet de loi sur les impôts.",
            "fr",
        );
        check(
            "El gobierno presentó hoy un nuevo proyecto de ley sobre la rebaja de impuestos.",
            "es",
        );
        check(
            "Regjeringen la i dag fram et nytt forslag om skattelette for barnefamilier.",
            "nb",
        );
        check(
            "Rząd przedstawił dziś nowy projekt ustawy o obniżce podatków dla rodzin.",
            "pl",
        );
        check(
            "Правительство сегодня представило новый законопроект о снижении налогов.",
            "ru",
        );
        check(
            "قدمت الحكومة اليوم مشروع قانون جديد بشأن خفض الضرائب على الأسر.",
            "ar",
        );
        check("政府今天提出了一项关于为家庭减税的新法案。", "zh");
    }

    #[test]
    fn no_letters_no_language() {
        assert_eq!(detect("2025 - 14:30 / 12.000"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn the_language_list_is_deliberate() {
        let langs = supported();
        assert!(langs.len() >= 40, "{}", langs.len());
        for code in [
            "da", "ro", "en", "de", "fr", "es", "it", "pt", "nl", "sv", "nb", "pl", "tr", "ru",
            "uk", "ar", "zh", "ja",
        ] {
            assert!(langs.contains(&code.to_string()), "{code}");
        }
    }
}

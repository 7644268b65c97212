//! Whether a text reads as language at all: binary data that decoded to characters
//! (noise named `.txt`, a compressed file without its name), markup or a navigation
//! menu is refused with the reason, before language identification would give it the
//! language its characters happen to resemble.
//!
//! The tests are counts over the characters of the article's text, each a property
//! that every written language has and decoded noise lacks:
//! - control, private-use and replacement characters (bytes that are not text in the
//!   encoding) are rare: at most 2 %;
//! - letters, digits and punctuation make up at least three quarters;
//! - one writing system leads: no text mixes three scripts at 5 % each (Han and kana
//!   count as one, so Japanese is one script);
//! - in a script written with spaces (Latin, Cyrillic, Greek, Arabic, Hebrew, Indic,
//!   Hangul, …) words are separated: at most 24 characters a word on average;
//! - a body of at least four short items (four words or fewer) none of which ends a
//!   sentence is a menu or a list, not an article.
//!
//! Texts under 40 characters are only held to the first test: too short to judge.

use parallax_core::Article;

/// Why the article's text is not language, if it is not.
pub fn refusal(a: &Article) -> Option<String> {
    noise(&a.text()).or_else(|| menu(a))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    Indic,
    Thai,
    Georgian,
    Hangul,
    /// Han, Hiragana, Katakana, Bopomofo: Chinese and Japanese.
    Cjk,
    Other,
}

const SCRIPTS: usize = 12;

impl Script {
    fn of(c: char) -> Script {
        let u = c as u32;
        match u {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x530..=0x58F => Script::Armenian,
            0x590..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Script::Arabic
            }
            0x900..=0xDFF => Script::Indic,
            0xE00..=0xEFF | 0x1780..=0x17FF | 0x1000..=0x109F => Script::Thai,
            0x10A0..=0x10FF => Script::Georgian,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x2E80..=0x2FDF
            | 0x3040..=0x30FF
            | 0x3100..=0x312F
            | 0x31F0..=0x31FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFF66..=0xFF9F
            | 0x20000..=0x3FFFF => Script::Cjk,
            _ => Script::Other,
        }
    }

    /// Whether the script separates its words with spaces.
    fn spaced(self) -> bool {
        !matches!(self, Script::Cjk | Script::Thai | Script::Other)
    }

    fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Greek => "Greek",
            Script::Cyrillic => "Cyrillic",
            Script::Armenian => "Armenian",
            Script::Hebrew => "Hebrew",
            Script::Arabic => "Arabic",
            Script::Indic => "Indic",
            Script::Thai => "Thai",
            Script::Georgian => "Georgian",
            Script::Hangul => "Hangul",
            Script::Cjk => "Han/kana",
            Script::Other => "other",
        }
    }
}

/// Control (but line breaks and tabs), private-use, replacement and non-characters.
fn is_bad(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || c == '\u{FFFD}'
        || (0xE000..=0xF8FF).contains(&u)
        || u >= 0xF0000
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
}

fn is_punctuation(c: char) -> bool {
    let u = c as u32;
    c.is_ascii_punctuation()
        || matches!(
            c,
            '«' | '»' | '¡' | '¿' | '·' | '°' | '§' | '€' | '£' | '¥' | '%' | '\u{a0}' | '\u{ad}'
        )
        || (0x2000..=0x206F).contains(&u)
        || (0x20A0..=0x20CF).contains(&u)
        || (0x3000..=0x303F).contains(&u)
        || (0xFF01..=0xFF65).contains(&u)
        || c == '\u{30FB}'
        || c == '\u{30FC}'
}

/// The character tests, on the whole text.
fn noise(text: &str) -> Option<String> {
    let mut total = 0usize;
    let mut bad = 0usize;
    let mut plain = 0usize;
    let mut letters = [0usize; SCRIPTS];
    let mut words = 0usize;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            words += 1;
            in_word = true;
        }
        total += 1;
        if is_bad(c) {
            bad += 1;
        } else if c.is_alphabetic() {
            plain += 1;
            letters[Script::of(c) as usize] += 1;
        } else if c.is_numeric() || is_punctuation(c) || is_mark(c) {
            plain += 1;
        }
    }
    if bad >= 3 && bad * 50 > total {
        return Some(format!(
            "not language: {bad} of its {total} characters are control, private-use or replacement characters (binary data, or bytes that are not text in the encoding it was read in)"
        ));
    }
    if total < 40 {
        return None;
    }
    if plain * 4 < total * 3 {
        return Some(format!(
            "not language: {}% of its characters are neither letters, digits nor punctuation (binary data or markup?)",
            (total - plain) * 100 / total
        ));
    }
    let n_letters: usize = letters.iter().sum();
    if n_letters == 0 {
        return None;
    }
    let mut scripts: Vec<(usize, Script)> = SCRIPT_ORDER
        .into_iter()
        .map(|s| (letters[s as usize], s))
        .filter(|(n, _)| n * 20 >= n_letters)
        .collect();
    scripts.sort_by_key(|s| std::cmp::Reverse(s.0));
    if scripts.len() >= 3 {
        let names: Vec<&str> = scripts.iter().map(|(_, s)| s.name()).collect();
        return Some(format!(
            "not language: its letters mix {} scripts ({}) at 5% or more each, as decoded binary data does",
            scripts.len(),
            names.join(", ")
        ));
    }
    let spaced: usize = letters
        .iter()
        .enumerate()
        .filter(|(i, _)| SCRIPT_ORDER[*i].spaced())
        .map(|(_, n)| n)
        .sum();
    if spaced * 2 > n_letters && total > 24 * words {
        return Some(format!(
            "not language: {} characters a word on average, where its script separates words with spaces",
            total / words.max(1)
        ));
    }
    None
}

const SCRIPT_ORDER: [Script; SCRIPTS] = [
    Script::Latin,
    Script::Greek,
    Script::Cyrillic,
    Script::Armenian,
    Script::Hebrew,
    Script::Arabic,
    Script::Indic,
    Script::Thai,
    Script::Georgian,
    Script::Hangul,
    Script::Cjk,
    Script::Other,
];

/// Combining marks (Indic vowel signs, Arabic harakat, Hebrew points, Thai vowels).
fn is_mark(c: char) -> bool {
    let u = c as u32;
    (0x300..=0x36F).contains(&u)
        || (0x591..=0x5C7).contains(&u)
        || (0x610..=0x61A).contains(&u)
        || (0x64B..=0x65F).contains(&u)
        || (0x900..=0xDFF).contains(&u)
        || (0xE31..=0xE4E).contains(&u)
        || (0x3099..=0x309A).contains(&u)
        || (0xFE00..=0xFE0F).contains(&u)
        || (0x200B..=0x200D).contains(&u)
}

/// The first 60 characters of `s`, for messages.
pub(crate) fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Whether a line or paragraph ends a sentence (in any script's punctuation).
pub(crate) fn ends_sentence(s: &str) -> bool {
    s.trim_end()
        .trim_end_matches(['"', '\'', '”', '’', '»', ')', '」', '』', '）'])
        .ends_with([
            '.', '!', '?', ':', ';', '…', '。', '！', '？', '؟', '।', '॥', '።', '۔', '．',
        ])
}

/// The menu test: four or more body items, none longer than four words, none ending
/// a sentence.
fn menu(a: &Article) -> Option<String> {
    let items: Vec<&str> = a.paragraphs.iter().map(|p| p.text.as_str()).collect();
    is_menu(&items).then(|| {
        format!(
            "not an article: its body is {} short items without a sentence among them (a menu or a list?)",
            items.len()
        )
    })
}

/// Whether these lines are a menu: four or more, each of at most four words, none
/// ending a sentence, no standfirst-like long line.
pub(crate) fn is_menu(lines: &[&str]) -> bool {
    lines.len() >= 4
        && lines.iter().all(|l| {
            l.split_whitespace().count() <= 4 && l.chars().count() <= 40 && !ends_sentence(l)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::Paragraph;

    fn article(title: &str, body: &[&str]) -> Article {
        Article {
            title: Some(title.into()),
            paragraphs: body.iter().map(|p| Paragraph::paragraph(*p)).collect(),
            ..Article::default()
        }
    }

    /// A small deterministic generator (xorshift) for noise.
    fn noise_bytes(seed: u64, n: usize, lo: u8) -> Vec<u8> {
        let mut x = seed.max(1);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                lo + (x % (256 - lo as u64)) as u8
            })
            .collect()
    }

    #[test]
    fn language_passes() {
        for (title, body) in [
            ("Bridge reopens", vec!["The bridge reopened on Monday after two years of repairs, the city said."]),
            ("Мост открыт", vec!["Мост снова открыли в понедельник после двух лет ремонта, сообщили в мэрии города."]),
            ("大桥重新开放", vec!["经过两年的维修，这座大桥于周一重新开放。市政府表示，交通已经恢复正常。"]),
            ("橋が再開", vec!["二年間の修理を経て、橋は月曜日に再開した。市によると、交通は通常に戻った。"]),
            ("다리 재개통", vec!["2년간의 보수 공사를 마친 다리가 월요일에 다시 개통됐다고 시 당국이 밝혔다."]),
            ("الجسر", vec!["أعيد فتح الجسر يوم الاثنين بعد عامين من الإصلاحات، بحسب ما أعلنت البلدية."]),
            ("पुल", vec!["दो साल की मरम्मत के बाद सोमवार को पुल फिर से खोल दिया गया, नगर निगम ने कहा।"]),
            ("สะพาน", vec!["สะพานเปิดให้บริการอีกครั้งในวันจันทร์หลังจากการซ่อมแซมนานสองปี"]),
            ("Results", vec!["1. FC Köln 3:1 (2:0), Bayern 2:2, Dortmund 0:1; 45 %, 12,5 €, 2024-08-28."]),
            ("Γέφυρα", vec!["Η γέφυρα άνοιξε ξανά τη Δευτέρα μετά από δύο χρόνια επισκευών, είπε ο δήμος."]),
            ("Only a title", vec![]),
        ] {
            let a = article(title, &body);
            assert_eq!(refusal(&a), None, "{title}");
        }
    }

    #[test]
    fn decoded_noise_is_refused() {
        let encodings = [
            encoding_rs::UTF_8,
            encoding_rs::WINDOWS_1252,
            encoding_rs::WINDOWS_1251,
            encoding_rs::ISO_8859_2,
            encoding_rs::GBK,
            encoding_rs::BIG5,
            encoding_rs::SHIFT_JIS,
            encoding_rs::EUC_KR,
            encoding_rs::EUC_JP,
            encoding_rs::KOI8_R,
        ];
        for seed in 1..20u64 {
            for lo in [0x20u8, 0x80] {
                let bytes = noise_bytes(seed, 3000, lo);
                for enc in encodings {
                    let (text, _, _) = enc.decode(&bytes);
                    let a = article("x", &[&text]);
                    assert!(
                        refusal(&a).is_some(),
                        "seed {seed} from {lo:#x} as {}: {:?}",
                        enc.name(),
                        text.chars().take(80).collect::<String>()
                    );
                }
            }
        }
    }

    #[test]
    fn menus_are_refused_but_short_articles_are_not() {
        let menu = article("Home", &["News", "Sport", "Weather", "Contact us", "About"]);
        let why = refusal(&menu).unwrap();
        assert!(why.contains("menu"), "{why}");
        let brief = article("Bridge closed", &["The bridge is closed."]);
        assert_eq!(refusal(&brief), None);
        let listy = article(
            "Results",
            &[
                "Bayern 2",
                "Dortmund 1",
                "Köln 0",
                "Mainz 3",
                "The league resumes on Friday.",
            ],
        );
        assert_eq!(refusal(&listy), None);
    }
}

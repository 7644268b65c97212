//! Word tokens with byte spans and a folded form: lower-case ASCII by transliteration,
//! so that "Phenianul", "Пхеньян" and "Sydkorea" compare with the data files whatever
//! the script or diacritics.

/// One run of letters or digits.
#[derive(Debug, Clone)]
pub struct Tok<'a> {
    /// Byte offsets into the article text.
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
    /// Transliterated, lower-case, letters and digits only.
    pub fold: String,
    /// Starts with an upper-case letter.
    pub upper: bool,
    /// All upper case (an acronym), at least two letters.
    pub caps: bool,
    /// Starts with a digit.
    pub digit: bool,
}

/// Transliterates to lower-case ASCII letters and digits; a Han ideograph is kept as
/// it is.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        out.extend(
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase()),
        );
        return out;
    }
    let chars: Vec<char> = s.chars().flat_map(char::to_lowercase).collect();
    for (k, &c) in chars.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| chars[p]);
        let prev2 = k.checked_sub(2).map(|p| chars[p]);
        let next = chars.get(k + 1).copied();
        // A Han ideograph stands for itself: by its reading, homophones meet
        // ("新" read "xin" was a name of China, "加纳" Ghana was any "jia na").
        if is_han(c) {
            out.push(c);
            continue;
        }
        // Ukrainian "ї" is "i" as "і" is, so that "Росії" is "Росія" less its ending
        // ("yi" left "rosiyi" apart from "rosiia")
        if c == 'ї' {
            out.push('i');
            continue;
        }
        let own = greek(c, prev2, prev, next).or_else(|| arabic(c));
        let ascii = match own {
            Some(t) => t,
            None => deunicode::deunicode_char(c).unwrap_or(""),
        };
        out.extend(
            ascii
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    out
}

/// Greek by ELOT 743 / ISO 843, the romanisation that gives the names as they are
/// written in Latin script ("Μητσοτάκης" is "mitsotakis", "Κυριάκος" "kyriakos";
/// a plain letter-by-letter table gives "metsotakes", "kuriakos").
pub(crate) fn greek(
    c: char,
    prev2: Option<char>,
    prev: Option<char>,
    next: Option<char>,
) -> Option<&'static str> {
    let base = |c: char| match c {
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        'ς' => 'σ',
        c => c,
    };
    let c = base(c);
    let (prev, next) = (prev.map(base), next.map(base));
    let word_start = prev.is_none_or(|p| !p.is_alphabetic());
    // the second letter of a word ("μπ", "ντ" at its start)
    let second = prev.is_some_and(char::is_alphabetic) && prev2.is_none_or(|p| !p.is_alphabetic());
    Some(match c {
        'α' => "a",
        'β' => "v",
        // γγ, γξ, γχ are nasal: "ng", "nx", "nch" (γκ stays "gk")
        'γ' if matches!(next, Some('γ' | 'ξ' | 'χ')) => "n",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        // μπ at the start of a word is "b", ντ "d"
        'μ' if next == Some('π') && word_start => "b",
        'π' if prev == Some('μ') && second => "",
        'μ' => "m",
        'ν' if next == Some('τ') && word_start => "d",
        'τ' if prev == Some('ν') && second => "",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' => "s",
        'τ' => "t",
        // αυ, ευ, ηυ are "av", "ev", "iv"; ου is "ou"
        'υ' if matches!(prev, Some('α' | 'ε' | 'η')) => "v",
        'υ' if prev == Some('ο') => "u",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => return None,
    })
}

/// Arabic and Persian letters one by one, so that words keep a skeleton of their own
/// (the plain table drops alif, ʿayn and hamza, and "ساعات", hours, folded as "ست",
/// six). Vowel marks and the tatweel are dropped.
pub(crate) fn arabic(c: char) -> Option<&'static str> {
    Some(match c {
        'ا' | 'أ' | 'آ' | 'ٱ' | 'ى' => "a",
        'إ' => "i",
        'ء' => "",
        'ؤ' => "w",
        'ئ' => "y",
        'ب' => "b",
        'ت' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' => "h",
        'خ' => "kh",
        'د' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' => "z",
        'س' => "s",
        'ش' => "sh",
        'ص' => "s",
        'ض' => "d",
        'ط' => "t",
        'ظ' => "z",
        'ع' => "e",
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'ه' => "h",
        'ة' => "h",
        'و' => "w",
        'ي' | 'ی' => "y",
        'پ' => "p",
        'چ' => "ch",
        'ژ' => "zh",
        'گ' => "g",
        '\u{64B}'..='\u{65F}' | '\u{670}' | 'ـ' => "",
        _ => return None,
    })
}

/// How a character joins its neighbours into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters and digits of scripts written with spaces ("3rd" is one token).
    Word,
    /// A decimal digit of any script ("٣", "३", "３").
    Digit,
    /// A Han ideograph or a hiragana: one token each (CJK is written without spaces).
    Single,
    /// A run of katakana: one token ("トランプ", "ドル").
    Kana,
    Other,
}

/// Han ideographs (not kana, whose readings are unambiguous).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3005)
}

/// Han ideographs, hiragana and katakana (full and half width).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x20000..=0x2FA1F | 0x3005 | 0x3007)
}

/// Combining marks that belong to the word they are in: diacritics, the virama and
/// nukta of Indic scripts, Arabic vowel marks, Thai vowels and tones.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x064B..=0x065F | 0x0670
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963
        | 0x0981..=0x0983 | 0x09BC..=0x09D7 | 0x0E31..=0x0E3A | 0x0E47..=0x0E4E | 0x200C..=0x200D)
}

fn class(c: char) -> Class {
    // the katakana middle dot parts the words of a name ("ビセンテ・シソ")
    if c == '・' || c == '･' {
        return Class::Other;
    }
    if matches!(c as u32, 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F) && c != '・' {
        Class::Kana
    } else if is_cjk(c) {
        Class::Single
    } else if c.is_numeric()
        && deunicode::deunicode_char(c)
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()) && !d.is_empty())
    {
        Class::Digit
    } else if c.is_alphanumeric() || is_mark(c) {
        Class::Word
    } else {
        Class::Other
    }
}

/// Whether a token that ends with `a` continues with `b`.
fn joins(a: Class, b: Class) -> bool {
    match (a, b) {
        (Class::Other, _) | (_, Class::Other) | (Class::Single, _) | (_, Class::Single) => false,
        (Class::Kana, Class::Kana) => true,
        (Class::Kana, _) | (_, Class::Kana) => false,
        _ => true,
    }
}

/// The tokens of `text`, which starts at byte `base` of the article. Runs of letters
/// and digits; in CJK text every ideograph and hiragana is a token, a katakana run is
/// one, and digits part from the ideographs around them ("2000人" is "2000", "人").
pub fn tokenize(text: &str, base: usize) -> Vec<Tok<'_>> {
    fn push<'a>(text: &'a str, out: &mut Vec<Tok<'a>>, s: usize, e: usize, base: usize) {
        let t = &text[s..e];
        let first = t.chars().next().unwrap_or(' ');
        let letters = t.chars().filter(|c| c.is_alphabetic()).count();
        let fold = fold(t);
        out.push(Tok {
            start: base + s,
            end: base + e,
            text: t,
            digit: class(first) == Class::Digit && fold.starts_with(|c: char| c.is_ascii_digit()),
            fold,
            upper: first.is_uppercase(),
            caps: letters >= 2 && t.chars().all(|c| !c.is_lowercase()),
        });
    }
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut prev = Class::Other;
    let mut prev_char: Option<char> = None;
    let chars = text.char_indices();
    for (i, c) in chars {
        let cl = class(c);
        // a digit stays in a word of a script written with spaces ("3rd", "G7"); next
        // to CJK or to the letters of other scripts ("و٢", "2000人") it parts
        let other_script =
            |x: Option<char>| x.is_some_and(|x| x.is_alphabetic() && x as u32 >= 0x0530);
        let apart = match (prev, cl) {
            (Class::Word, Class::Digit) => other_script(prev_char),
            (Class::Digit, Class::Word) => other_script(Some(c)),
            _ => false,
        };
        if let Some(s) = start {
            if !joins(prev, cl) || apart {
                push(text, &mut out, s, i, base);
                start = None;
            }
        }
        if cl != Class::Other && start.is_none() {
            start = Some(i);
        }
        prev = cl;
        prev_char = Some(c);
    }
    if let Some(s) = start {
        push(text, &mut out, s, text.len(), base);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let got: Vec<String> = tokenize(input, 0)
            .iter()
            .map(|t| format!("{}{}", t.fold, if t.upper { "^" } else { "" }))
            .collect();
        assert_eq!(got.join(" "), expected, "{input}");
    }

    #[test]
    fn folds_scripts_and_diacritics() {
        check("Phenianul, Пхеньян", "phenianul^ pkhenian^");
        check("Ifølge Sydkorea: 2.000", "ifolge^ sydkorea^ 2 000");
        check("Kim Jong-un's", "kim^ jong^ un s");
        check("autorităților de la Seul", "autoritatilor de la seul^");
        check("2000人が死亡", "2000 人 ga 死 亡");
        check("約２０００人", "約 2000 人");
        check("トランプ大統領", "toranpu 大 統 領");
        check("٣٠٠ شخص", "300 shkhs");
        check("ساعات ست", "saeat st");
        check("Κυριάκος Μητσοτάκης", "kyriakos^ mitsotakis^");
        check("Ντόρα Μπακογιάννη, Ευρώπη", "dora^ bakogianni^ evropi^");
        check("३०० लोग", "300 log");
        check("the 3rd and G7", "the 3rd and g7^");
    }
}

//! A sound skeleton of a name that is the same in every script and romanisation, so that
//! "Trump", "Трамп", "トランプ", "ट्रम्प" and "特朗普" give one key.
//!
//! A word is first romanised by the rules of its script ([`romanise`]): Cyrillic,
//! Greek, Arabic and Latin letters with diacritics as they are written in English
//! ("č" is "ch", Ukrainian "г" is "h"; Arabic "و" and "ي" inside a word are the vowels
//! they mostly stand for), katakana by its syllables (with "フ" as "fu", "ッ" and "ー"
//! silent), Devanagari by its consonants (a nukta makes "ज़" "z"), Han ideographs by
//! their pinyin as used to transliterate foreign names ("基" "ji" for "ki", "西" "xi"
//! for "si"). Then [`skeleton`] keeps the consonants in classes that the scripts
//! confuse: "p" and "f" (Hindi "फ" is both), "b", "v" and "w" (Japanese writes "v" as
//! "b", Chinese as "w", Russian "w" as "в"), "t", "th" and "ch" (Japanese "チ" is both),
//! "k", "g", "q" and a hard "c" (Arabic "ق" is written with any), the sibilants "s",
//! "z", "sh", "zh", "j" and "ts", the liquids "r" and "l" (Japanese and Chinese have
//! one), the nasals "n" and "m" ("ン" is both); "b" and "p", "d" and "t" stay apart
//! ("Biden" is not "Putin"). Vowels, "h" and "kh" are dropped (the scripts add, drop or
//! change vowels, and "h" and "kh" write one sound), an initial vowel is kept as "a".
//! The key is coarse: different names can share one, which matters little inside one
//! story, while the same name in two scripts must meet.

/// Romanises one word (a token's text) to lower-case ASCII by the rules of its script.
/// `lang` is the article's language (Ukrainian writes "h" as "г").
pub fn romanise(word: &str, lang: &str) -> String {
    let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        let next = chars.get(k + 1).copied();
        let word_start = k == 0 || !chars[k - 1].is_alphabetic();
        let nukta = next == Some('\u{93C}');
        let piece: String = match c {
            // Latin letters whose plain ASCII form loses a sound
            // "č" is "ch" everywhere; "ć" is written "c" where diacritics are dropped
            // ("Plenković" is "Plenkovic" in English)
            'č' | 'ċ' => "ch".into(),
            'š' | 'ś' | 'ş' | 'ș' => "sh".into(),
            'ž' | 'ź' | 'ż' => "zh".into(),
            'ř' => "rzh".into(),
            'ţ' | 'ț' => "ts".into(),
            'ç' => "s".into(),
            'ß' => "ss".into(),
            // Cyrillic
            'г' if lang == "uk" || lang == "be" => "h".into(),
            'ґ' => "g".into(),
            'й' => "i".into(),
            'щ' => "shch".into(),
            // katakana: long vowel mark and small tsu are not sounds of their own
            'ー' | 'ッ' | 'ｯ' | 'ｰ' => String::new(),
            'フ' | 'ふ' => "fu".into(),
            // "ウ" before a vowel at the start of a word, or before a small vowel or
            // "ッ", is "w" ("ウエスト", "ウィ", "ハリウッド")
            'ウ' if matches!(next, Some('ァ' | 'ィ' | 'ェ' | 'ォ' | 'ッ'))
                || (word_start && matches!(next, Some('ア' | 'イ' | 'エ' | 'オ'))) =>
            {
                "w".into()
            }
            'ヴ' => "v".into(),
            // "ホワ" writes "wh" ("ホワイト", White): the "ホ" is no "h" and vowel of
            // its own
            'ホ' if next == Some('ワ') => String::new(),
            // Devanagari: a nukta changes the consonant before it
            'ज' if nukta => "z".into(),
            'फ' if nukta => "f".into(),
            'ड' | 'ढ' if nukta => "r".into(),
            'क' if nukta => "k".into(),
            'ग' if nukta => "g".into(),
            'ख' if nukta => "kh".into(),
            'च' | 'छ' => "ch".into(),
            'ं' | 'ँ' => "n".into(),
            // the "o" and "e" of English loans ("वॉशिंगटन", "ऑफ़िस"), vowels
            'ॉ' | 'ऑ' => "o".into(),
            'ॅ' | 'ऍ' => "e".into(),
            'ः' | '\u{93C}' => String::new(),
            // Arabic: waw and ya inside a word are mostly long vowels
            'و' if !word_start => "u".into(),
            'ي' | 'ی' if !word_start => "i".into(),
            c if crate::tokens::is_han(c) => pinyin(c),
            c => {
                let prev = k.checked_sub(1).map(|p| chars[p]);
                let prev2 = k.checked_sub(2).map(|p| chars[p]);
                match crate::tokens::greek(c, prev2, prev, next)
                    .or_else(|| crate::tokens::arabic(c))
                {
                    Some(t) => t.into(),
                    None => deunicode::deunicode_char(c).unwrap_or("").to_string(),
                }
            }
        };
        out.extend(
            piece
                .chars()
                .filter(char::is_ascii_alphabetic)
                .map(|c| c.to_ascii_lowercase()),
        );
        k += 1;
    }
    out
}

/// The pinyin of a Han ideograph as a transliteration of a foreign name: "j" and "q"
/// before "i" and "ü" stand for "k" and "ch", "x" for "s", "zh" for "j", "c" for "ts".
fn pinyin(c: char) -> String {
    // characters whose first reading is not the one used in names: "约" writes "jo"
    // ("约翰", John), "卡" "ka"
    match c {
        '约' | '約' => return "jo".into(),
        '卡' => return "ka".into(),
        _ => {}
    }
    let p = deunicode::deunicode_char(c)
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut s = if let Some(r) = p.strip_prefix("zh") {
        format!("j{r}")
    } else if let Some(r) = p.strip_prefix('j') {
        format!("k{r}")
    } else if let Some(r) = p.strip_prefix('q') {
        format!("ch{r}")
    } else if let Some(r) = p.strip_prefix('x') {
        format!("s{r}")
    } else if p.starts_with('c') && !p.starts_with("ch") {
        format!("ts{}", &p[1..])
    } else {
        p
    };
    // a final "-ng" is the nasal of the syllable
    if s.ends_with("ng") {
        s.pop();
    }
    s
}

fn vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// The consonant skeleton of a romanised word (see the module documentation).
pub fn skeleton(roman: &str) -> String {
    if roman.is_empty() {
        return String::new();
    }
    if roman.bytes().any(|b| b.is_ascii_digit()) || !roman.is_ascii() {
        return roman.to_string();
    }
    let mut w: Vec<u8> = roman.bytes().filter(u8::is_ascii_lowercase).collect();
    // final vowels, a final "s" after a vowel, final vowels again: "Kyriakos",
    // "Κυριάκο", "Putina" and "Putin" meet
    let trim = |w: &mut Vec<u8>| {
        while w.len() > 3 && w.last().is_some_and(|&c| vowel(c)) {
            w.pop();
        }
    };
    trim(&mut w);
    if w.len() > 4 && w.ends_with(b"s") && vowel(w[w.len() - 2]) {
        w.pop();
        trim(&mut w);
    }
    let at = |i: usize, s: &str| w[i..].starts_with(s.as_bytes());
    let mut out = String::new();
    // an initial vowel (after a silent "h" or "kh") is kept
    let mut i = 0;
    while i < w.len() && (w[i] == b'h' || at(i, "kh")) {
        i += if w[i] == b'k' { 2 } else { 1 };
    }
    if i < w.len() && vowel(w[i]) {
        out.push('a');
    }
    let mut after_vowel = true;
    i = 0;
    while i < w.len() {
        let c = w[i];
        let next = w.get(i + 1).copied();
        if vowel(c) || c == b'h' {
            after_vowel = true;
            i += 1;
            continue;
        }
        let (classes, len): (&str, usize) = if at(i, "kh") {
            ("", 2)
        } else if at(i, "tsch") {
            ("t", 4)
        } else if at(i, "dzh") || at(i, "sch") {
            ("s", 3)
        } else if at(i, "tch") {
            ("t", 3)
        } else if at(i, "ch") || at(i, "cz") {
            ("t", 2)
        } else if at(i, "ph") {
            ("p", 2)
        } else if at(i, "th") {
            ("t", 2)
        } else if at(i, "dh") {
            ("d", 2)
        } else if at(i, "gh") || at(i, "ck") {
            ("k", 2)
        } else if at(i, "ts") || at(i, "tz") || at(i, "dz") || at(i, "dj") {
            ("s", 2)
        } else if at(i, "ng") && !w.get(i + 2).is_some_and(|&d| vowel(d)) {
            ("n", 2)
        } else {
            let class = match c {
                b'p' | b'f' => "p",
                b'b' | b'v' | b'w' => "b",
                b't' => "t",
                b'd' => "d",
                b'k' | b'q' | b'g' => "k",
                b'c' if next.is_some_and(|n| matches!(n, b'e' | b'i' | b'y')) => "s",
                b'c' => "k",
                b's' | b'z' | b'j' => "s",
                b'x' => "ks",
                b'r' | b'l' => "r",
                b'm' | b'n' => "n",
                _ => "",
            };
            (class, 1)
        };
        for cl in classes.chars() {
            // a consonant written twice ("tt", "ss") is one; across a vowel it is two
            if after_vowel || !out.ends_with(cl) {
                out.push(cl);
            }
            after_vowel = false;
        }
        i += len;
    }
    if out.is_empty() {
        out.push('a');
    }
    out
}

/// The skeleton of a word as written in the article.
pub fn key_of(word: &str, lang: &str) -> String {
    skeleton(&romanise(word, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(words: &[(&str, &str)]) {
        let keys: Vec<String> = words.iter().map(|(l, w)| key_of(w, l)).collect();
        assert!(
            keys.windows(2).all(|p| p[0] == p[1]),
            "{words:?} gave {keys:?}"
        );
    }

    #[test]
    fn one_name_in_every_script() {
        same(&[
            ("en", "Trump"),
            ("ru", "Трамп"),
            ("ja", "トランプ"),
            ("hi", "ट्रम्प"),
            ("zh", "特朗普"),
            ("el", "Τραμπ"),
        ]);
        same(&[("en", "Netanyahu"), ("ar", "نتنياهو"), ("ru", "Нетаньяху")]);
        same(&[("en", "Whitehouse"), ("ja", "ホワイトハウス")]);
        same(&[("en", "White"), ("ja", "ホワイト")]);
        same(&[
            ("en", "Zelensky"),
            ("ja", "ゼレンスキー"),
            ("hi", "ज़ेलेंस्की"),
            ("uk", "Зеленський"),
            ("zh", "泽连斯基"),
        ]);
        same(&[
            ("en", "Biden"),
            ("ja", "バイデン"),
            ("zh", "拜登"),
            ("ru", "Байден"),
        ]);
        same(&[
            ("en", "Macron"),
            ("ja", "マクロン"),
            ("zh", "马克龙"),
            ("ru", "Макрон"),
        ]);
        same(&[("en", "Haftar"), ("ru", "Хафтар"), ("ja", "ハフタル")]);
        same(&[
            ("en", "Johnson"),
            ("ru", "Джонсон"),
            ("ja", "ジョンソン"),
            ("zh", "约翰逊"),
        ]);
        same(&[("en", "Monica"), ("zh", "莫尼卡")]);
        same(&[("en", "Hollywood"), ("ja", "ハリウッド")]);
        same(&[("en", "West"), ("ja", "ウエスト")]);
        same(&[
            ("en", "Obama"),
            ("ja", "オバマ"),
            ("zh", "奥巴马"),
            ("hi", "ओबामा"),
        ]);
        same(&[("en", "Luhansk"), ("uk", "Луганськ")]);
        // the "o" of English loans in Devanagari is a vowel ("ॉ", "ऑ")
        same(&[
            ("en", "Washington"),
            ("hi", "वॉशिंगटन"),
            ("ja", "ワシントン"),
        ]);
        same(&[("en", "Oswald"), ("hi", "ऑस्वाल्ड")]);
        same(&[("cs", "Babiš"), ("ru", "Бабиш")]);
        same(&[("hr", "Plenković"), ("en", "Plenkovic")]);
        same(&[("en", "Jessica"), ("ja", "ジェシカ")]);
        same(&[("en", "Kyriakos"), ("el", "Κυριάκο")]);
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [
            ("Trump", "Tusk"),
            ("Biden", "Putin"),
            ("Obama", "Bama"),
            ("Siso", "Soto"),
        ] {
            assert_ne!(key_of(a, "en"), key_of(b, "en"), "{a} {b}");
        }
    }
}

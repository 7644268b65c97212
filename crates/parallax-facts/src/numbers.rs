//! Numbers written in digits, read with the article's locale ("2.000" and "10 000" are
//! thousands in Danish and Romanian, "2,5" a decimal; "2,000" a thousand in English),
//! and the noise that is not a count: phone numbers, clock times, ordinals, sports
//! scores, runs of table cells and anything inside a URL.

use crate::doc::Doc;
use crate::tokens::Tok;
use parallax_core::calendar;

/// A number in digits, spanning tokens `first..last + 1` of its sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    pub value: f64,
    pub first: usize,
    pub last: usize,
    /// Four digits between 1000 and 2100, no separators: probably a year.
    pub year_like: bool,
    /// Followed by "%".
    pub percent: bool,
    /// A currency symbol before or after.
    pub currency: Option<&'static str>,
}

/// A token of decimal digits of any script (its fold is the ASCII digits).
fn all_digits(t: &Tok) -> bool {
    t.digit && t.fold.len() == t.text.chars().count() && t.fold.bytes().all(|b| b.is_ascii_digit())
}

/// The digits of a token and the magnitude written onto them ("100m", "1,8bn" in a
/// language whose lexicon lists the suffix under `magnitude_suffix`): the digits alone
/// and 1 for a plain number; none for a token that is not a number.
fn digits_of(lex: &crate::lexicon::Lexicon, t: &Tok) -> Option<(String, f64)> {
    if all_digits(t) {
        return Some((t.fold.clone(), 1.0));
    }
    if !t.digit || !t.text.is_ascii() {
        return None;
    }
    let split = t.text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, suffix) = t.text.split_at(split);
    let suffix = suffix.to_ascii_lowercase();
    lex.magnitude_suffix
        .iter()
        .find(|(s, _)| *s == suffix)
        .map(|(_, m)| (digits.to_string(), *m))
}

/// The signs written after a number for "per cent": ASCII, full width, Arabic.
pub const PERCENT_SIGNS: [char; 3] = ['%', '％', '٪'];

pub(crate) fn symbol(c: char) -> Option<&'static str> {
    match c {
        '$' => Some("USD"),
        '€' => Some("EUR"),
        '£' => Some("GBP"),
        '¥' => Some("JPY"),
        '₽' => Some("RUB"),
        '₴' => Some("UAH"),
        '₹' => Some("INR"),
        '₩' => Some("KRW"),
        '₺' => Some("TRY"),
        '₪' => Some("ILS"),
        '＄' => Some("USD"),
        '￥' => Some("JPY"),
        _ => None,
    }
}

/// A number written in CJK numerals from token `k` ("三", "二十五", "一万二千", "两百"):
/// its token count and value. Each ideograph is a token of its own.
pub fn cjk_numeral(toks: &[Tok], k: usize) -> Option<(usize, f64)> {
    const DIGITS: [(char, f64); 11] = [
        ('〇', 0.0),
        ('零', 0.0),
        ('一', 1.0),
        ('二', 2.0),
        ('三', 3.0),
        ('四', 4.0),
        ('五', 5.0),
        ('六', 6.0),
        ('七', 7.0),
        ('八', 8.0),
        ('九', 9.0),
    ];
    let digit = |c: char| DIGITS.iter().find(|d| d.0 == c).map(|d| d.1);
    let mut total = 0.0;
    let mut section = 0.0;
    let mut pending: Option<f64> = None;
    let mut n = 0;
    for t in &toks[k..] {
        let mut cs = t.text.chars();
        let (Some(c), None) = (cs.next(), cs.next()) else {
            break;
        };
        if n > 0 && t.start != toks[k + n - 1].end {
            break;
        }
        if let Some(d) = digit(c).or(matches!(c, '两' | '兩').then_some(2.0)) {
            if pending.is_some() {
                break;
            }
            pending = Some(d);
        } else if let Some(u) = match c {
            '十' | '拾' => Some(10.0),
            '百' | '佰' => Some(100.0),
            '千' | '仟' => Some(1000.0),
            _ => None,
        } {
            section += pending.take().unwrap_or(1.0) * u;
        } else if let Some(b) = match c {
            '万' | '萬' => Some(1e4),
            '亿' | '億' => Some(1e8),
            '兆' => Some(1e12),
            _ => None,
        } {
            if n == 0 {
                break;
            }
            section += pending.take().unwrap_or(0.0);
            total += section.max(1.0) * b;
            section = 0.0;
        } else {
            break;
        }
        n += 1;
    }
    section += pending.unwrap_or(0.0);
    total += section;
    // a lone "一" is the article "a" ("一位", "一个"), as "one" is not a cardinal in
    // the other languages' lexicons
    (n > 0 && total > 1.0).then_some((n, total))
}

/// Whether the sentence looks like a table row: mostly numbers.
pub fn is_table(doc: &Doc, si: usize) -> bool {
    let toks = &doc.toks[si];
    let digits = toks.iter().filter(|t| t.digit).count();
    let s = &doc.text[doc.sents[si].0..doc.sents[si].1];
    s.contains('|') || s.contains('\t') || (digits >= 4 && digits * 2 >= toks.len())
}

/// The numbers of sentence `si`, noise left out.
pub fn scan(doc: &Doc, si: usize) -> Vec<Num> {
    let toks = &doc.toks[si];
    let lex = doc.lex;
    let text = doc.text;
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if !t.digit {
            i += 1;
            continue;
        }
        let skip_to = |j: usize| j + 1;
        let before = text[..t.start].chars().next_back().unwrap_or(' ');
        let gap_after = |k: usize| -> &str {
            if k + 1 < toks.len() {
                doc.gap(&toks[k], &toks[k + 1])
            } else {
                &text[toks[k].end..doc.sents[si].1]
            }
        };
        // CJK is written without spaces, and Arabic prefixes "و" (and) to a number
        let cjk_before = crate::tokens::is_cjk(before) || matches!(before as u32, 0x0600..=0x06FF);
        let Some((first_digits, mut suffix_mag)) = digits_of(lex, t) else {
            i += 1;
            continue;
        };
        if doc.is_masked(t.start, t.end) || (before.is_alphanumeric() && !cjk_before) {
            i += 1;
            continue;
        }
        // "第3回", "第二天", "제3": an ordinal
        if i > 0 && lex.ordinal_before.before(toks, i).is_some() && gap_after(i - 1).is_empty() {
            i += 1;
            continue;
        }
        // a run of digit groups: a phone number unless they are thousands groups
        let mut run = i;
        while run + 1 < toks.len()
            && toks[run + 1].digit
            && matches!(gap_after(run), " " | "-" | "." | "\u{a0}" | ") " | " (")
        {
            run += 1;
        }
        let thousands = (i + 1..=run).all(|k| toks[k].fold.len() == 3) && t.fold.len() <= 3;
        let phone_cue = lex.phone_cue.before(toks, i).is_some()
            || (i >= 1 && lex.phone_cue.before(toks, i - 1).is_some());
        // "(33) 12 34 56" is a phone number, "(110 millones de dólares)" is not
        let area_code = before == '('
            && gap_after(i).starts_with(')')
            && toks.get(i + 1).is_some_and(|n| n.digit);
        if before == '+' || area_code || phone_cue || (run >= i + 2 && !thousands) {
            i = skip_to(run);
            continue;
        }
        // clock times: 14.30, 14:30, kl. 14
        if i + 1 < toks.len()
            && toks[i + 1].digit
            && t.fold.len() <= 2
            && toks[i + 1].fold.len() == 2
        {
            let sep = gap_after(i);
            let (h, m): (u32, u32) = (
                t.fold.parse().unwrap_or(99),
                toks[i + 1].fold.parse().unwrap_or(99),
            );
            let cue = lex.time_cue.before(toks, i).is_some();
            let word_after = toks
                .get(i + 2)
                .is_some_and(|w| matches!(w.fold.as_str(), "h" | "uhr" | "am" | "pm" | "uur"));
            // "9.45 por ciento" is a decimal written the other way, not a clock time
            // nor is "1.35 millones"
            let percent_after = text[toks[i + 1].end..doc.sents[si].1]
                .trim_start_matches([' ', '\u{a0}'])
                .starts_with(PERCENT_SIGNS)
                || lex.percent.at(toks, i + 2).is_some()
                || lex.magnitude.at(toks, i + 2).is_some();
            if h <= 24
                && m < 60
                && !percent_after
                && (sep == ":" || (sep == "." && (lex.decimal != Some('.') || cue || word_after)))
            {
                i += 2;
                continue;
            }
        }
        // "в 14" is an hour; "в 13.7 процентов" a decimal
        let decimal_after = gap_after(i) == "." && toks.get(i + 1).is_some_and(|n| n.digit);
        // "около 1 354 кг": a thousands group follows, so not an hour
        let group_after = run > i && thousands && {
            let mut g = gap_after(i).chars();
            g.next().is_some_and(|c| lex.group.contains(&c)) && g.next().is_none()
        };
        if lex.time_cue.before(toks, i).is_some()
            && t.fold.len() <= 2
            && gap_after(i).starts_with([' ', '.'])
            && !decimal_after
            && !group_after
        {
            // "à 8 heures" is an hour, "à 8 millions d’euros" is not
            let next_is_unit = lex.objects.at(toks, i + 1).is_some()
                || lex.magnitude.at(toks, i + 1).is_some()
                || lex.percent.at(toks, i + 1).is_some()
                || lex.currencies.at(toks, i + 1).is_some()
                || gap_after(i).trim_start().starts_with(PERCENT_SIGNS);
            if !next_is_unit
                && lex
                    .time_cue
                    .before(toks, i)
                    .is_some_and(|(s, _)| s + 1 == i)
            {
                i += 1;
                continue;
            }
        }
        // ordinals: "3. september", "den 4. plads"; "3-lea", "2-årig"
        let after = gap_after(i);
        if lex.ordinal_dot && after == ". " && i == run {
            if let Some(n) = toks.get(i + 1) {
                let month = calendar::month_number(doc.lang, n.text).is_some();
                if !n.upper || month {
                    i += 1;
                    continue;
                }
            }
        }
        // a day of the month: "6 февраля", "19. listopadu", "Jan. 6", "January 19"
        let day: u32 = t.fold.parse().unwrap_or(0);
        if i == run && (1..=31).contains(&day) && t.fold.len() <= 2 && suffix_mag == 1.0 {
            let month_after = toks.get(i + 1).is_some_and(|n| {
                !n.digit
                    && matches!(after, " " | "\u{a0}" | ". ")
                    && calendar::month_number(doc.lang, n.text).is_some()
            });
            let month_before = i > 0
                && !toks[i - 1].digit
                && matches!(gap_after(i - 1), " " | "\u{a0}" | ". ")
                && calendar::month_number(doc.lang, toks[i - 1].text).is_some();
            if month_after || month_before {
                i += 1;
                continue;
            }
        }
        // "an 83-hour wait", "a 10-km queue" measure as "83 hours" does; "3-lea",
        // "2-årig" are not counts
        // ("a 34-year-old" is an age, no count)
        let unit_after = lex.objects.at(toks, i + 1).is_some_and(|(n, (_, u))| {
            u.is_some() && toks.get(i + 1 + n).is_none_or(|o| o.fold != "old")
        });
        if after == "-" && toks.get(i + 1).is_some_and(|n| !n.digit) && !unit_after {
            i += 1;
            continue;
        }
        // digits, thousands groups, decimals
        let mut digits = first_digits;
        let mut last = i;
        if t.fold.len() <= 3 && suffix_mag == 1.0 {
            while last + 1 < toks.len()
                && toks[last + 1].fold.len() == 3
                && all_digits(&toks[last + 1])
            {
                let g = gap_after(last);
                let mut cs = g.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) if lex.group.contains(&c) => {}
                    // "$25,000" in a text whose decimal sign is the comma: a decimal is
                    // not written with a trailing zero ("25,5", "1,25"), a thousands group
                    // often is, so three digits ending in 0 after a leading digit other
                    // than 0 are a group
                    (Some(c), None)
                        if Some(c) == lex.decimal
                            && matches!(c, ',' | '.')
                            && !t.fold.starts_with('0')
                            && toks[last + 1].fold.ends_with('0') => {}
                    _ => break,
                }
                // "2.000.5" is not a number; a group must not be followed by more digits
                digits.push_str(&toks[last + 1].fold);
                last += 1;
            }
        }
        let mut value: f64 = digits.parse().unwrap_or(0.0);
        let mut decimal = false;
        // "２・５メートル": a decimal sign that is a token of its own, written without
        // spaces between digits (the Japanese middle dot)
        let sign_tok = toks.get(last + 1).zip(toks.get(last + 2)).filter(|(m, n)| {
            suffix_mag == 1.0
                && m.start == toks[last].end
                && n.start == m.end
                && m.text.chars().count() == 1
                && m.text.chars().all(|c| lex.decimal_alt.contains(&c))
                && all_digits(n)
        });
        if let Some((_, n)) = sign_tok {
            value = format!("{digits}.{}", n.fold).parse().unwrap_or(value);
            decimal = true;
            last += 2;
        } else if let (Some(d), Some(n)) = (
            lex.decimal,
            toks.get(last + 1).filter(|_| suffix_mag == 1.0),
        ) {
            let g = gap_after(last);
            let mut gc = g.chars();
            let sep = gc.next().filter(|_| gc.next().is_none());
            // "11.7 por ciento" in Spanish, "11.7 процентов" in Russian: a point or a
            // comma that is not the locale's decimal sign, followed by anything but a
            // group of three digits, can only be the other convention's decimal sign
            let foreign = |c: char| matches!(c, '.' | ',') && last == i && n.fold.len() != 3;
            let is_decimal =
                sep.is_some_and(|c| c == d || lex.decimal_alt.contains(&c) || foreign(c));
            if let Some((frac, m)) = digits_of(lex, n).filter(|_| is_decimal) {
                value = format!("{digits}.{frac}").parse().unwrap_or(value);
                decimal = true;
                suffix_mag = m;
                last += 1;
            }
        }
        let ambiguous_suffix = toks[last].text.ends_with(|c: char| c.is_ascii_alphabetic())
            && !toks[last].text[..toks[last].text.len() - 1]
                .ends_with(|c: char| c.is_ascii_alphabetic());
        if suffix_mag != 1.0 {
            value = crate::figures::round_significant(value * suffix_mag);
        }
        let year_like = last == i && t.fold.len() == 4 && (1000.0..=2100.0).contains(&value);
        let rest = &text[toks[last].end..doc.sents[si].1];
        let percent = rest
            .trim_start_matches([' ', '\u{a0}'])
            .starts_with(PERCENT_SIGNS);
        let currency = text[..t.start]
            .trim_end_matches([' ', '\u{a0}'])
            .chars()
            .next_back()
            .and_then(symbol)
            .or_else(|| {
                rest.trim_start_matches([' ', '\u{a0}'])
                    .chars()
                    .next()
                    .and_then(symbol)
            });
        let _ = decimal;
        // a one-letter suffix is a magnitude after a currency sign ("$5m"), a unit
        // elsewhere ("the 100m final")
        if suffix_mag != 1.0 && ambiguous_suffix && currency.is_none() {
            i = last + 1;
            continue;
        }
        out.push(Num {
            value,
            first: i,
            last,
            year_like,
            percent,
            currency,
        });
        i = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lang: &str, input: &str, expected: &str) {
        let sents = crate::doc::one_sentence(input);
        let doc = Doc::new(input, &sents, lang);
        let got: Vec<String> = scan(&doc, 0).iter().map(|n| n.value.to_string()).collect();
        assert_eq!(got.join(" "), expected, "{lang}: {input}");
    }

    #[test]
    fn locale_numbers() {
        check("da", "omkring 2.000 soldater", "2000");
        check("da", "2,5 timer", "2.5");
        check("ro", "peste 10 000 de soldați", "10000");
        check("ro", "peste 10.000 de soldați", "10000");
        check("en", "2,000 troops and 2.5 hours", "2000 2.5");
        check("de", "1.234.567,89 Euro", "1234567.89");
        check("fr", "12\u{202f}500 soldats", "12500");
        check("pl", "1 500 żołnierzy", "1500");
        check("ja", "約２，０００人", "2000");
        check("zh", "2.5万人", "2.5");
        check("ar", "قتل ٣٠٠ شخص و٢٫٥ مليون", "300 2.5");
        check("fa", "۱۲۰۰ نفر", "1200");
        check("hi", "३,००० लोग", "3000");
        check("ru", "3 тыс. человек и 1,5 млрд", "3 1.5");
        // the other convention's decimal sign, and a comma group with its trailing zero
        check("es", "el 11.7 por ciento y 1.35 millones", "11.7 1.35");
        check("ru", "в 13.7 процентов", "13.7");
        check(
            "ru",
            "с $25,000 до $45,000, а не 2,5 или 0,500",
            "25000 45000 2.5 0.5",
        );
        check("es", "(110 millones de dólares)", "110");
    }

    #[test]
    fn signs_suffixes_and_dates() {
        // the full-width percent sign, the Japanese middle dot as a decimal sign
        let pct = |lang: &str, input: &str| {
            let sents = crate::doc::one_sentence(input);
            let doc = Doc::new(input, &sents, lang);
            scan(&doc, 0)
                .iter()
                .map(|n| format!("{}{}", n.value, if n.percent { "%" } else { "" }))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(pct("ja", "失業率は３・８％に上がった"), "3.8%");
        assert_eq!(pct("zh", "增长了12％"), "12%");
        // magnitudes written onto the digits, a one-letter one only after a currency sign
        check(
            "en",
            "a fine of €40m and a £2.5bn deal",
            "40000000 2500000000",
        );
        check("en", "she won the 400m race", "");
        // a thousands group after a word that also cues an hour
        check("ru", "около 2 450 тонн зерна", "2450");
        // a day of the month, before or after the month's name
        check("ru", "8 марта на митинг пришли 300 человек", "300");
        check("en", "On Feb. 3, 40 people were hurt", "40");
        check("cs", "dne 14 května zemřelo 12 lidí", "12");
        // an ordinal
        check("ja", "第3回の会合に50人", "50");
    }

    #[test]
    fn cjk_numerals() {
        let value = |s: &str| {
            let toks = crate::tokens::tokenize(s, 0);
            cjk_numeral(&toks, 0)
        };
        assert_eq!(value("三人"), Some((1, 3.0)));
        assert_eq!(value("二十五人"), Some((3, 25.0)));
        assert_eq!(value("一万二千"), Some((4, 12000.0)));
        assert_eq!(value("两百名"), Some((2, 200.0)));
        assert_eq!(value("十人"), Some((1, 10.0)));
        assert_eq!(value("万人"), None);
        assert_eq!(value("人"), None);
        assert_eq!(value("一位"), None);
    }

    #[test]
    fn noise_is_not_a_number() {
        check("da", "Ring på +45 33 12 34 56 i dag", "");
        check("da", "tlf. 70 20 30 40", "");
        check("da", "Ring på (33) 12 34 56", "");
        check("da", "kl. 14.30 og 14:30", "");
        check("de", "um 9 Uhr", "");
        check("da", "den 3. september og den 4. plads", "");
        check("en", "the 3rd and 21st", "");
        check("ro", "al 3-lea", "");
        check("en", "see https://example.com/2000/killed", "");
    }
}

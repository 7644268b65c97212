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

/// Transliterates to lower-case ASCII letters and digits.
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
    for c in deunicode::deunicode(s).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The tokens of `text`, which starts at byte `base` of the article.
pub fn tokenize(text: &str, base: usize) -> Vec<Tok<'_>> {
    fn push<'a>(text: &'a str, out: &mut Vec<Tok<'a>>, s: usize, e: usize, base: usize) {
        let t = &text[s..e];
        let first = t.chars().next().unwrap_or(' ');
        let letters = t.chars().filter(|c| c.is_alphabetic()).count();
        out.push(Tok {
            start: base + s,
            end: base + e,
            text: t,
            fold: fold(t),
            upper: first.is_uppercase(),
            caps: letters >= 2 && t.chars().all(|c| !c.is_lowercase()),
            digit: first.is_ascii_digit(),
        });
    }
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            push(text, &mut out, s, i, base);
        }
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
    }
}

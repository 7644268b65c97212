//! Sentence splitting with byte spans. Unicode's sentence boundaries (UAX #29, from
//! `unicode-segmentation`) do most of the work; this module then joins the pieces that
//! UAX #29 cuts wrongly in news text: after abbreviations ("Dr.", "bl.a.", "ș.a."),
//! initials ("J. Smith") and ordinal dates before a month name ("3. September").

use parallax_core::{calendar, Article, Sentence};
use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations after which a full stop does not end a sentence (lower case, without
/// the final full stop), across the languages parallax reads.
const ABBREVIATIONS: &[&str] = &[
    // en
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st", "jr",
    "sr", "inc", "ltd", "co", "corp", "vs", "etc", "no", "approx", "u.s", "u.k", "e.g", "i.e",
    // da, nb, sv
    "bl.a", "f.eks", "ca", "hr", "fru", "nr", "mio", "mia", "mv", "osv", "jf", "dvs", "kl", "t.ex",
    "m.m", "bl.a", "s.k", // de, nl
    "z.b", "bzw", "ca", "nr", "hr", "fr", "dr", "u.a", "d.h", "usw", "vgl", "mio", "mrd", "dhr",
    "mevr", "o.a", // fr, es, it, pt, ro
    "m", "mme", "mlle", "sr", "sra", "dña", "sig", "dott", "av", "pag", "nr", "ș.a", "dl", "dna",
    "mil", "mld", "aprox", // pl
    "np", "tj", "tzw", "ok", "tys", "mln", "mld", "ul", "im", "gen", "płk", "ks",
];

/// Splits every block of the article into sentences, as spans of [`Article::text`].
pub fn split_article(article: &Article) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (i, block) in article.blocks().into_iter().enumerate() {
        for (s, e) in split(block.text) {
            out.push(Sentence {
                start: block.start + s,
                end: block.start + e,
                block: i,
            });
        }
    }
    out
}

/// Splits a text into sentences: byte spans, trimmed of white space, never empty.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut join_next = false;
    for (start, piece) in text.split_sentence_bound_indices() {
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            continue;
        }
        let (s, e) = (start + lead, start + lead + trimmed.len());
        match spans.last_mut() {
            Some(last) if join_next => last.1 = e,
            _ => spans.push((s, e)),
        }
        join_next = ends_without_sentence_end(trimmed, &text[e..]);
    }
    move_openers_forward(text, &mut spans);
    // Line breaks inside a block separate sentences too (lists, verse, captions).
    let mut lines = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        let mut from = s;
        for (i, _) in text[s..e].match_indices('\n') {
            push_trimmed(text, from, s + i, &mut lines);
            from = s + i + 1;
        }
        push_trimmed(text, from, e, &mut lines);
    }
    lines
}

/// Opening brackets that always open (Unicode's Ps, as news text uses them, and the
/// low-9 quotation marks), in every script.
const OPENERS: &[char] = &[
    '(', '[', '{', '„', '‚', '（', '［', '｛', '「', '『', '【', '〔', '〈', '《', '〖', '〘',
    '〝', '｢', '﹁', '﹃',
];

/// Quotation marks that open after a full-width (CJK) sentence end: in Chinese “ and
/// ‘ open a quote, while after a Latin full stop they may close one (German „…“).
const OPENERS_AFTER_CJK: &[char] = &['“', '‘'];

/// UAX #29 keeps punctuation after a sentence's end with that sentence, opening
/// brackets included: "…（１月10日）。「如果…" gives a first sentence ending in `「`.
/// An opener at the end of a piece, after its sentence end, starts the next piece.
fn move_openers_forward(text: &str, spans: &mut [(usize, usize)]) {
    for i in 0..spans.len().saturating_sub(1) {
        let (s, e) = spans[i];
        let piece = &text[s..e];
        let mut cut = piece.len();
        for (j, c) in piece.char_indices().rev() {
            let before = piece[..j].trim_end().chars().next_back();
            let cjk_end = before.is_some_and(|b| matches!(b, '。' | '！' | '？'));
            if OPENERS.contains(&c) || (OPENERS_AFTER_CJK.contains(&c) && cjk_end) {
                cut = j;
            } else {
                break;
            }
        }
        if cut == piece.len() {
            continue;
        }
        let kept = piece[..cut].trim_end();
        let ends_sentence = kept
            .chars()
            .next_back()
            .is_some_and(|c| matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…' | '।' | '؟'));
        if kept.is_empty() || !ends_sentence {
            continue;
        }
        spans[i].1 = s + kept.len();
        spans[i + 1].0 = s + cut;
    }
}

fn push_trimmed(text: &str, s: usize, e: usize, out: &mut Vec<(usize, usize)>) {
    let piece = &text[s..e];
    let lead = piece.len() - piece.trim_start().len();
    let t = piece.trim();
    if !t.is_empty() {
        out.push((s + lead, s + lead + t.len()));
    }
}

/// Whether a piece that UAX #29 ended really goes on in the next one.
fn ends_without_sentence_end(piece: &str, rest: &str) -> bool {
    let Some(before_dot) = piece.strip_suffix('.') else {
        return false;
    };
    let last_word = before_dot
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '“')
        .next()
        .unwrap_or("");
    let next_word: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    let lower = last_word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    // A single capital letter is an initial: "J. Smith".
    let mut chars = last_word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_uppercase() {
            return true;
        }
    }
    // "3. September 2025": an ordinal day before a month name.
    if !last_word.is_empty()
        && last_word.len() <= 2
        && last_word.chars().all(|c| c.is_ascii_digit())
        && calendar::month_number_any(&next_word).is_some()
    {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        let got: Vec<&str> = split(text).into_iter().map(|(s, e)| &text[s..e]).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn an_opening_bracket_after_a_sentence_end_starts_the_next_sentence() {
        check(
            "組合は声明を出した（１月10日）。「立場は明確だ」と述べた。",
            &[
                "組合は声明を出した（１月10日）。",
                "「立場は明確だ」と述べた。",
            ],
        );
        check(
            "协会发表了声明。“我们的立场是明确的。”他说。",
            &["协会发表了声明。", "“我们的立场是明确的。”", "他说。"],
        );
        // After a Latin full stop a closing “ stays where it is (German „…“).
        check(
            "Er sagte: „Wir kommen.“ Dann ging er.",
            &["Er sagte: „Wir kommen.“", "Dann ging er."],
        );
    }

    #[test]
    fn splits_plain_sentences() {
        check(
            "The minister resigned. Parliament met on Monday! Why now?",
            &[
                "The minister resigned.",
                "Parliament met on Monday!",
                "Why now?",
            ],
        );
    }

    #[test]
    fn keeps_abbreviations_initials_and_ordinal_dates() {
        check(
            "Dr. Jensen og bl.a. hr. Hansen mødtes 3. september i Aarhus. De talte længe.",
            &[
                "Dr. Jensen og bl.a. hr. Hansen mødtes 3. september i Aarhus.",
                "De talte længe.",
            ],
        );
        check(
            "Das Treffen fand am 3. September statt. J. Müller war dabei.",
            &[
                "Das Treffen fand am 3. September statt.",
                "J. Müller war dabei.",
            ],
        );
    }

    #[test]
    fn keeps_closing_quotes_with_their_sentence() {
        check(
            "„Vom lupta până la capăt.” Ministrul a plecat apoi.",
            &["„Vom lupta până la capăt.”", "Ministrul a plecat apoi."],
        );
    }

    #[test]
    fn line_breaks_separate_and_spans_are_exact() {
        let text = "  First line\nSecond line.  ";
        let spans = split(text);
        assert_eq!(spans, vec![(2, 12), (13, 25)]);
        assert!(split("   ").is_empty());
    }
}

//! The text being analysed: its sentences with their tokens, the lexicon of its
//! language, and the byte ranges that are not prose (URLs, e-mail addresses), where no
//! fact is looked for.

use crate::lexicon::{self, Lexicon};
use crate::tokens::{tokenize, Tok};
use parallax_core::Sentence;

pub struct Doc<'a> {
    pub text: &'a str,
    pub lang: &'a str,
    pub lex: &'static Lexicon,
    /// Sentence spans; the whole text when no sentences were given.
    pub sents: Vec<(usize, usize)>,
    pub toks: Vec<Vec<Tok<'a>>>,
    masked: Vec<(usize, usize)>,
}

/// Whether a run of non-space characters is a URL, a domain or an e-mail address.
fn is_link(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    if w.contains("://") || w.starts_with("www.") || w.contains('@') {
        return true;
    }
    // a path or a domain: letters on both sides of a dot or slash, no spaces
    let has_alpha = w.chars().any(|c| c.is_alphabetic());
    let slash = w.contains('/') && has_alpha;
    let domain = w.split('.').count() >= 2
        && w.split('.').next_back().is_some_and(|tld| {
            (2..=4).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_lowercase())
        })
        && w.split('.').next().is_some_and(|h| {
            !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    slash || domain
}

/// The whole input as one sentence, for the data-driven tests of each module.
#[cfg(test)]
pub(crate) fn one_sentence(input: &str) -> [Sentence; 1] {
    [Sentence {
        start: 0,
        end: input.len(),
        block: 0,
    }]
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str, sentences: &[Sentence], lang: &'a str) -> Doc<'a> {
        let sents: Vec<(usize, usize)> = if sentences.is_empty() {
            vec![(0, text.len())]
        } else {
            sentences
                .iter()
                .map(|s| (s.start.min(text.len()), s.end.min(text.len())))
                .collect()
        };
        let toks = sents
            .iter()
            .map(|&(s, e)| text.get(s..e).map(|t| tokenize(t, s)).unwrap_or_default())
            .collect();
        let mut masked = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    if is_link(&text[s..i]) {
                        masked.push((s, i));
                    }
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        Doc {
            text,
            lang,
            lex: lexicon::get(lang),
            sents,
            toks,
            masked,
        }
    }

    /// Whether a byte range overlaps a URL or an address.
    pub fn is_masked(&self, start: usize, end: usize) -> bool {
        self.masked.iter().any(|&(s, e)| s < end && start < e)
    }

    /// The index of the sentence containing byte `offset` (or the last one before it).
    pub fn sentence_of(&self, offset: usize) -> usize {
        match self
            .sents
            .iter()
            .position(|&(s, e)| s <= offset && offset < e)
        {
            Some(i) => i,
            None => self
                .sents
                .iter()
                .rposition(|&(s, _)| s <= offset)
                .unwrap_or(0),
        }
    }

    /// The text between two tokens of a sentence.
    pub fn gap(&self, a: &Tok, b: &Tok) -> &'a str {
        &self.text[a.end..b.start]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: bool) {
        assert_eq!(is_link(input), expected, "{input}");
    }

    #[test]
    fn links_are_masked() {
        check("https://example.com/2000/soldiers", true);
        check("www.dr.dk", true);
        check("press@example.org", true);
        check("example.com", true);
        check("2.000", false);
        check("soldater.", false);
        check("Kim.", false);
    }
}

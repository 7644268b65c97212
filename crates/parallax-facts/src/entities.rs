//! People, places, organisations and countries. Names in the gazetteer get its key; a
//! capital used as an actor (not after a locative preposition) gets its country's key;
//! "the Russian president" resolves through the curated roles; other capitalised runs
//! that are not sentence-initial function words get a transliterated slug, and a short
//! name ("Kim") takes the key of a longer name in the same text that it is part of.

use crate::doc::Doc;
use crate::gazetteer;
use crate::phonetic;
use crate::tokens::{fold, is_han, Tok};
use parallax_core::calendar;
use parallax_core::facts::{Entity, EntityKind, Span};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// An entity with where it sits among the tokens.
#[derive(Debug, Clone)]
pub struct Found {
    pub entity: Entity,
    /// Sentence index and first token.
    pub sent: usize,
    pub tok: usize,
    /// Number of tokens.
    pub len: usize,
    /// From the gazetteer or a role, rather than guessed from capitalisation.
    pub known: bool,
    /// The key of each word (for resolving short names).
    words: Vec<String>,
    /// A name in a script without capitals kept only if it is part of a longer name
    /// found in the same text ("シソ" after "ビセンテ・シソ").
    tentative: bool,
}

/// Whether token `i` opens a sentence or a quotation, where capitals say nothing.
fn starts_clause(doc: &Doc, toks: &[Tok], i: usize, sent_start: usize) -> bool {
    let before = if i == 0 {
        &doc.text[sent_start..toks[0].start]
    } else {
        doc.gap(&toks[i - 1], &toks[i])
    };
    // a line break where the sentence splitter kept one sentence (a heading without a
    // full stop and the paragraph after it), a hyphen for a dash ("- Многие …")
    let dash = before.ends_with(' ') && before.trim().ends_with('-');
    i == 0
        || before.contains('\n')
        || dash
        || before
            .trim()
            .chars()
            .last()
            .is_some_and(|c| "“„«‘\"':‹(–—".contains(c))
}

/// The key of a name the lists do not know, made so that its spellings in other
/// languages and scripts meet. It is the key of its last word, the surname of a person
/// and the head of most names: translations drop or add titles and first names
/// ("Speaker Mike Johnson" is "マイク・ジョンソン"), and spell first names their own way
/// ("Vicente", "Винсенте"). Each word loses its case ending where the language inflects
/// names ("Муаммара" is "Муаммар"), then is reduced to the skeleton of its sounds
/// ([`phonetic`]), the same in every script and romanisation ("Khaftar" and "Haftar",
/// "Dzhonson" and "Johnson", "トランプ" and "Trump" meet). The name as written stays in
/// the entity's `text`. `folds` are the words as written (or folded).
pub fn name_key(folds: &[String], suffixes: &[String]) -> String {
    let words: Vec<String> = folds.iter().map(|f| word_key(f, "", suffixes)).collect();
    key_of_words(&words)
}

/// The key of a name from the keys of its words: the last word's.
fn key_of_words(words: &[String]) -> String {
    words.last().cloned().unwrap_or_default()
}

/// The key of one word of a name, as written in an article in `lang`.
pub fn word_key(word: &str, lang: &str, suffixes: &[String]) -> String {
    // endings that end surnames in the nominative ("Бочаров", "Мамаев") are kept:
    // the other languages write them ("Bocharov"); `LANG.surname_endings` in
    // `data/names.txt`, and the cases a surname adds after them ("Кобзевым")
    let kept = CUES
        .get(lang)
        .map_or(&[][..], |c| c.surname_endings.as_slice());
    let extra = CUES
        .get(lang)
        .map_or(&[][..], |c| c.surname_cases.as_slice());
    let own: Vec<String>;
    let suffixes = if kept.is_empty() && extra.is_empty() {
        suffixes
    } else {
        own = suffixes
            .iter()
            .filter(|s| !kept.contains(s))
            .chain(extra)
            .cloned()
            .collect();
        &own
    };
    phonetic::key_of(strip_case_text(word, suffixes), lang)
}

/// The word without its longest case ending of two letters or more, if at least four
/// letters remain.
fn strip_case<'a>(fold: &'a str, suffixes: &[String]) -> &'a str {
    suffixes
        .iter()
        // one-letter endings: a vowel goes with the skeleton's final vowels, and a
        // consonant ("s", "n") ends too many names in their nominative
        .filter(|s| s.len() >= 2)
        .filter(|s| fold.len() >= s.len() + 4 && fold.ends_with(s.as_str()))
        .max_by_key(|s| s.len())
        .map_or(fold, |s| &fold[..fold.len() - s.len()])
}

/// [`strip_case`] on a word as written: the endings are folded, so the word is cut
/// where its folded form loses the ending.
fn strip_case_text<'a>(word: &'a str, suffixes: &[String]) -> &'a str {
    let f = fold(word);
    let stripped = strip_case(&f, suffixes);
    if stripped.len() == f.len() {
        return word;
    }
    word.char_indices()
        .rev()
        .map(|(p, _)| p)
        .find(|&p| fold(&word[..p]) == stripped)
        .map_or(word, |p| &word[..p])
}

const NAME_CUES: &str = include_str!("../data/names.txt");
const ZH_TRANSLIT: &str = include_str!("../data/zh_translit.txt");
/// The most frequent words of the languages written without capitals, by language
/// (`scripts/gen_common.py`).
const COMMON: &[(&str, &str)] = &[("hi", include_str!("../data/common/hi.txt"))];

/// The words that languages which capitalise names write in lower case only, by
/// language (`scripts/gen_lower.py`).
/// Each word has its Zipf frequency.
static LOWER: LazyLock<HashMap<&'static str, HashMap<&'static str, f32>>> = LazyLock::new(|| {
    [("en", include_str!("../data/lower/en.txt"))]
        .into_iter()
        .map(|(lang, text)| (lang, zipf_list(text)))
        .collect()
});

/// A generated word list: a word and its Zipf frequency a line, `#` lines are comments.
fn zipf_list(text: &'static str) -> HashMap<&'static str, f32> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (w, z) = l.split_once('\t')?;
            Some((w.trim(), z.trim().parse().ok()?))
        })
        .collect()
}

/// The most frequent words of languages that capitalise the first word of an
/// institution's name (`scripts/gen_common.py`): alone, such a word is no name.
static FREQUENT: LazyLock<HashMap<&'static str, HashSet<&'static str>>> = LazyLock::new(|| {
    [
        ("ru", include_str!("../data/frequent/ru.txt")),
        ("uk", include_str!("../data/frequent/uk.txt")),
    ]
    .into_iter()
    .map(|(lang, text)| (lang, zipf_list(text).into_keys().collect()))
    .collect()
});

/// The Zipf frequency from which a common word at the end of a name is its head noun,
/// which translations translate ("Gallery", "Airport"), rather than a surname that is
/// also a word ("Musk").
const HEAD_NOUN_ZIPF: f32 = 4.0;

/// The Zipf frequency from which a word of [`COMMON`] is a common word: roughly the
/// 3,500 most frequent words of Hindi, no names of their own.
const COMMON_ZIPF: f32 = 4.4;

/// The words of [`COMMON`] with their Zipf frequencies, by language.
static WORDS: LazyLock<HashMap<&'static str, HashMap<&'static str, f32>>> = LazyLock::new(|| {
    COMMON
        .iter()
        .map(|&(lang, text)| (lang, zipf_list(text)))
        .collect()
});

/// The cues of `data/names.txt` for one language.
#[derive(Debug, Default)]
struct Cues {
    after_person: Vec<String>,
    before_person: Vec<String>,
    after_place: Vec<String>,
    after_org: Vec<String>,
    stop: HashSet<String>,
    adjective_endings: Vec<String>,
    institution_heads: HashSet<String>,
    surname_endings: Vec<String>,
    surname_cases: Vec<String>,
}

static CUES: LazyLock<HashMap<String, Cues>> = LazyLock::new(|| {
    let mut m: HashMap<String, Cues> = HashMap::new();
    for line in NAME_CUES.lines() {
        let Some((head, items)) = line.split_once(':') else {
            continue;
        };
        let Some((lang, cue)) = head.trim().split_once('.') else {
            continue;
        };
        if line.starts_with('#') {
            continue;
        }
        let items: Vec<String> = items
            .split('|')
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        let c = m.entry(lang.to_string()).or_default();
        match cue {
            "after_person" => c.after_person.extend(items),
            "before_person" => c.before_person.extend(items),
            "after_place" => c.after_place.extend(items),
            "after_org" => c.after_org.extend(items),
            "stop" => c.stop.extend(items),
            "adjective_endings" => c.adjective_endings.extend(items),
            "institution_heads" => c.institution_heads.extend(items),
            // compared with the case list, which is folded
            "surname_endings" => c.surname_endings.extend(items.iter().map(|i| fold(i))),
            "surname_cases" => c.surname_cases.extend(items.iter().map(|i| fold(i))),
            _ => {}
        }
    }
    // the common words of a language without capitals end names as its hand-written
    // stop words do
    for (lang, words) in WORDS.iter() {
        m.entry(lang.to_string()).or_default().stop.extend(
            words
                .iter()
                .filter(|(_, &z)| z >= COMMON_ZIPF)
                .map(|(w, _)| w.to_string()),
        );
    }
    // longest first, so that "上院議員" is tried before "議員"
    for c in m.values_mut() {
        for v in [
            &mut c.after_person,
            &mut c.before_person,
            &mut c.after_place,
            &mut c.after_org,
        ] {
            v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }
    m
});

/// Words that link the parts of a name in every language ("Tierra del Sol", "Lula da
/// Silva"; `all.link` in `data/names.txt`), besides each language's own.
static LINKS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    NAME_CUES
        .lines()
        .filter_map(|l| l.strip_prefix("all.link:"))
        .flat_map(|l| l.split('|'))
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
});

/// The Han characters Chinese spells foreign names with (`data/zh_translit.txt`).
static TRANSLIT: LazyLock<HashSet<char>> = LazyLock::new(|| {
    ZH_TRANSLIT
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::chars)
        .filter(|&c| is_han(c))
        .collect()
});

fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F) && c != '・'
}

fn is_devanagari(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x097F)
}

/// The marks that join the parts of a foreign name in CJK text ("ビセンテ・シソ").
fn joins_name(gap: &str) -> bool {
    matches!(gap, "・" | "·" | "•" | "＝" | "=" | "‧" | "･")
}

/// The runs of the Han characters of transliteration in a text, with their counts.
fn translit_runs(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if TRANSLIT.contains(&c) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            if text[s..i].chars().count() >= 2 {
                *out.entry(text[s..i].to_string()).or_default() += 1;
            }
        }
    }
    out
}

/// A name found in a script without capitals.
struct Caseless {
    /// Token after the name.
    end: usize,
    /// Parts of the name: token ranges (one katakana run, or one run of Han characters).
    parts: Vec<(usize, usize)>,
    kind: EntityKind,
    tentative: bool,
}

impl Caseless {
    fn found(&self, doc: &Doc, si: usize, toks: &[Tok], i: usize) -> Found {
        let gz = gazetteer::get();
        let words: Vec<String> = self
            .parts
            .iter()
            .map(|&(s, e)| {
                let text = &doc.text[toks[s].start..toks[e - 1].end];
                word_key(text, doc.lang, &doc.lex.suffixes)
            })
            .collect();
        let full = words.join("-");
        let key = key_of_words(&words);
        // a name of the lists, spelt in this script ("プーチン" is Putin, "ワシントン"
        // Washington); a lone word may be any loanword ("パターン" is not Putin), so it
        // needs a longer key
        let kana = toks[i].text.starts_with(is_katakana);
        // a person of the lists by the last part of a longer name ("唐纳德·特朗普" is
        // Trump, whatever the first name's spelling): by that part as the lists write
        // it, or by its sound
        let surname = || {
            let &(s, e) = self.parts.last().filter(|_| self.parts.len() >= 2)?;
            let listed = gz
                .at(doc.text, toks, s, &doc.lex.suffixes)
                .filter(|&(_, n)| n == e - s)
                .map(|(id, _)| &gz.entries[id]);
            listed
                .or_else(|| gz.by_sound(words.last()?, 3).map(|(_, e)| e))
                .filter(|e| e.kind == EntityKind::Person)
                .map(|e| (e.key.clone(), e.kind))
        };
        let known = gz
            .by_sound(&full, if self.tentative { 5 } else { 4 })
            .filter(|(_, e)| !self.tentative || (kana && e.kind != EntityKind::Person))
            .map(|(_, e)| entry_key(doc, toks, i, self.end - i, e))
            .or_else(surname);
        let start = toks[i].start;
        let end = toks[self.end - 1].end;
        Found {
            entity: Entity {
                key: known.as_ref().map_or(key, |k| k.0.clone()),
                text: doc.text[start..end].to_string(),
                name: String::new(),
                kind: known.as_ref().map_or(self.kind, |k| k.1),
                span: Span::new(start, end),
                sentence: si,
            },
            sent: si,
            tok: i,
            len: self.end - i,
            known: known.is_some(),
            tentative: self.tentative && known.is_none(),
            words,
        }
    }
}

/// A name at token `i` in a script without capitals: a katakana run or runs joined by
/// "・" (Japanese), a run of the Han characters of transliteration (Chinese), a
/// Devanagari name after a title (Hindi). A name of one part with no title or place
/// word next to it is tentative.
fn caseless_name(
    doc: &Doc,
    toks: &[Tok],
    i: usize,
    runs: &HashMap<String, usize>,
) -> Option<Caseless> {
    let first = toks[i].text.chars().next()?;
    let cues = CUES.get(doc.lang);
    let after_text = |e: usize| &doc.text[toks[e - 1].end..];
    let kind_after = |e: usize| -> EntityKind {
        let after = after_text(e);
        let Some(c) = cues else {
            return EntityKind::Other;
        };
        if c.after_person.iter().any(|w| after.starts_with(w.as_str())) {
            EntityKind::Person
        } else if c.after_place.iter().any(|w| after.starts_with(w.as_str())) {
            EntityKind::Place
        } else if c.after_org.iter().any(|w| after.starts_with(w.as_str())) {
            EntityKind::Organisation
        } else {
            EntityKind::Other
        }
    };
    let before_person = |s: usize| {
        let before = doc.text[..toks[s].start].trim_end();
        cues.is_some_and(|c| c.before_person.iter().any(|w| before.ends_with(w.as_str())))
    };
    if is_katakana(first) {
        let mut parts = vec![(i, i + 1)];
        let mut j = i + 1;
        while j < toks.len()
            && toks[j].text.starts_with(is_katakana)
            && joins_name(doc.gap(&toks[j - 1], &toks[j]))
        {
            parts.push((j, j + 1));
            j += 1;
        }
        let kind = kind_after(j);
        return Some(Caseless {
            end: j,
            tentative: parts.len() == 1 && kind == EntityKind::Other,
            parts,
            kind,
        });
    }
    if is_han(first) && (doc.lang == "zh" || doc.lang.starts_with("zh-")) {
        let translit = |k: usize| {
            let mut c = toks[k].text.chars();
            c.next().is_some_and(|c| TRANSLIT.contains(&c)) && c.next().is_none()
        };
        // a run that goes one character past a run found as often elsewhere in the
        // text ("凯文·麦卡锡达成" where "麦卡锡" stands alone too) ends before it
        let run = |s: usize| {
            let mut k = s;
            while k < toks.len() && translit(k) && (k == s || toks[k - 1].end == toks[k].start) {
                k += 1;
            }
            if k - s >= 3 && (k == toks.len() || !joins_name(doc.gap(&toks[k - 1], &toks[k]))) {
                let text = &doc.text[toks[s].start..toks[k - 1].end];
                let shorter = &doc.text[toks[s].start..toks[k - 2].end];
                let count = |r: &str| runs.get(r).copied().unwrap_or(0);
                if count(shorter) >= count(text).max(1) {
                    k -= 1;
                }
            }
            k
        };
        let mut j = run(i);
        if j == i {
            return None;
        }
        let mut parts = vec![(i, j)];
        while j < toks.len() && translit(j) && joins_name(doc.gap(&toks[j - 1], &toks[j])) {
            let e = run(j);
            parts.push((j, e));
            j = e;
        }
        let kind = match kind_after(j) {
            EntityKind::Other if before_person(i) => EntityKind::Person,
            k => k,
        };
        let chars = j - i;
        if parts.len() == 1 && chars < 2 {
            return None;
        }
        return Some(Caseless {
            end: j,
            tentative: parts.len() == 1 && kind == EntityKind::Other && chars < 3,
            parts,
            kind,
        });
    }
    if is_devanagari(first) {
        let c = cues?;
        // after a title: up to three words, to a postposition or a punctuation mark
        if before_person(i) {
            let mut j = i;
            while j < toks.len()
                && j < i + 3
                && toks[j].text.starts_with(is_devanagari)
                && !c.stop.contains(toks[j].text)
                && (j == i || doc.gap(&toks[j - 1], &toks[j]) == " ")
            {
                j += 1;
            }
            if j > i {
                return Some(Caseless {
                    end: j,
                    parts: (i..j).map(|k| (k, k + 1)).collect(),
                    kind: EntityKind::Person,
                    tentative: false,
                });
            }
        }
        // the agent of a reporting verb ("सीसो ने कहा"), one or two words that are not
        // an institution ("पुलिस ने कहा") or a postposition
        for k in [2, 1] {
            let agent = (i..i + k).all(|m| {
                toks.get(m).is_some_and(|t| {
                    t.text.starts_with(is_devanagari)
                        && !c.stop.contains(t.text)
                        && (m == i || doc.gap(&toks[m - 1], t) == " ")
                })
            });
            let ergative = toks.get(i + k).is_some_and(|t| t.text == "ने")
                && doc.lex.speech.at(toks, i + k + 1).is_some();
            if agent && ergative && doc.lex.institutions.at(toks, i).is_none() {
                return Some(Caseless {
                    end: i + k,
                    parts: (i..i + k).map(|m| (m, m + 1)).collect(),
                    kind: EntityKind::Person,
                    tentative: false,
                });
            }
        }
        // before an honorific ("मोदी जी") or a place word ("टेक्सास राज्य")
        let spaced = after_text(i + 1).starts_with(' ');
        let next_is = |list: &[String]| {
            toks.get(i + 1)
                .is_some_and(|t| list.iter().any(|w| w == t.text))
        };
        if spaced
            && !c.stop.contains(toks[i].text)
            && (next_is(&c.after_person) || next_is(&c.after_place))
        {
            return Some(Caseless {
                end: i + 1,
                parts: vec![(i, i + 1)],
                kind: if next_is(&c.after_person) {
                    EntityKind::Person
                } else {
                    EntityKind::Place
                },
                tentative: false,
            });
        }
        // words of no frequency list in a row ("मेरिक गार्लैंड"): in a language whose
        // list is there, a foreign name spelt in its script
        if let Some(words) = WORDS.get(doc.lang) {
            let rare = |t: &Tok| {
                t.text.starts_with(is_devanagari)
                    && !c.stop.contains(t.text)
                    && !words.contains_key(t.text)
            };
            let mut j = i;
            while j < toks.len()
                && j < i + 4
                && rare(&toks[j])
                && (j == i || doc.gap(&toks[j - 1], &toks[j]) == " ")
            {
                j += 1;
            }
            if j >= i + 2 {
                return Some(Caseless {
                    end: j,
                    parts: (i..j).map(|k| (k, k + 1)).collect(),
                    kind: EntityKind::Other,
                    tentative: false,
                });
            }
        }
        // any other word but a postposition or conjunction: kept if it is a word of a
        // longer name of the text, or listed with names
        if c.stop.contains(toks[i].text) {
            return None;
        }
        return Some(Caseless {
            end: i + 1,
            parts: vec![(i, i + 1)],
            kind: EntityKind::Other,
            tentative: true,
        });
    }
    None
}

/// The key of a gazetteer entry found at tokens `i..i + n`: a capital used as an actor
/// (not after a locative preposition, or before a locative postposition) takes its
/// country's key.
fn entry_key(
    doc: &Doc,
    toks: &[Tok],
    i: usize,
    n: usize,
    entry: &gazetteer::Entry,
) -> (String, EntityKind) {
    let lex = doc.lex;
    if !entry.capital {
        return (entry.key.clone(), entry.kind);
    }
    // where postpositions follow the noun ("マドリードに"), after it
    let locative = lex.locative.before(toks, i).is_some()
        || (lex.verb_final && lex.locative.at(toks, i + n).is_some());
    let actor = lex.not_locative.before(toks, i).is_some()
        || lex.source.before(toks, i).is_some()
        || !locative;
    match (&entry.country, actor) {
        (Some(c), true) => (c.clone(), EntityKind::Country),
        _ => (entry.key.clone(), EntityKind::Place),
    }
}

/// Finds the entities of a document.
pub fn find(doc: &Doc) -> Vec<Found> {
    let gz = gazetteer::get();
    let lex = doc.lex;
    // A headline in title case ("Scottish Government Denies Water Plan") capitalises
    // every word: there, only names the lists know, or words capitalised in running
    // text too, are names.
    let title_case: Vec<bool> = doc
        .toks
        .iter()
        .map(|toks| {
            let words: Vec<&Tok> = toks
                .iter()
                .filter(|t| !t.digit && t.text.chars().next().is_some_and(char::is_alphabetic))
                .collect();
            words.len() >= 4
                && words.iter().filter(|t| t.upper).count() * 10 >= words.len() * 8
                && !lex.nouns_capitalised
        })
        .collect();
    // capitalised words seen inside sentences: names, not sentence-initial words
    let mut mid_caps: HashSet<&str> = HashSet::new();
    for (si, toks) in doc.toks.iter().enumerate() {
        if title_case[si] {
            continue;
        }
        for (i, t) in toks.iter().enumerate() {
            if t.upper && !t.digit && !starts_clause(doc, toks, i, doc.sents[si].0) {
                mid_caps.insert(t.fold.as_str());
            }
        }
    }
    // words written in lower case somewhere
    let lower: HashSet<&str> = doc
        .toks
        .iter()
        .flatten()
        .filter(|t| !t.upper && !t.digit && t.text.chars().next().is_some_and(char::is_lowercase))
        .map(|t| t.fold.as_str())
        .collect();
    // in languages that capitalise nouns: words seen right after an article
    let mut nouns: HashSet<&str> = HashSet::new();
    if lex.nouns_capitalised {
        for toks in &doc.toks {
            for (k, t) in toks.iter().enumerate() {
                if t.upper && lex.article.before(toks, k).is_some() {
                    nouns.insert(t.fold.as_str());
                }
            }
        }
    }
    let runs = translit_runs(doc.text);
    let mut out: Vec<Found> = Vec::new();
    for (si, toks) in doc.toks.iter().enumerate() {
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if doc.is_masked(t.start, t.end) || t.digit {
                i += 1;
                continue;
            }
            // "the Russian president", "Președintele rus"
            if let Some((n, role)) = lex.roles.at(toks, i) {
                let before = gz.adjectives.before(toks, i).map(|(s, c)| (s, i + n, c));
                let after = gz
                    .adjectives
                    .at(toks, i + n)
                    .map(|(m, c)| (i, i + n + m, c));
                if let Some((s, e, country)) = before.or(after) {
                    let person = gz.roles.get(&(country.clone(), role.clone())).or_else(|| {
                        let alt = if role == "leader" {
                            "president"
                        } else {
                            "leader"
                        };
                        gz.roles.get(&(country, alt.to_string()))
                    });
                    if let Some(person) = person {
                        out.push(Found {
                            entity: Entity {
                                key: person.clone(),
                                text: doc.text[toks[s].start..toks[e - 1].end].to_string(),
                                name: String::new(),
                                kind: EntityKind::Person,
                                span: Span::new(toks[s].start, toks[e - 1].end),
                                sentence: si,
                            },
                            sent: si,
                            tok: s,
                            len: e - s,
                            known: true,
                            words: Vec::new(),
                            tentative: false,
                        });
                        i = e;
                        continue;
                    }
                }
            }
            // scripts without case (CJK, Arabic, Devanagari, …): only known names
            let caseless = t
                .text
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() && !c.is_uppercase() && !c.is_lowercase());
            if !t.upper && !caseless {
                i += 1;
                continue;
            }
            // a word of the lists at a sentence start that the text also writes in lower
            // case is a common word (Ukrainian "Крім", except, is no "Krim")
            let common_initial = |n: usize| {
                n == 1
                    && !t.caps
                    && starts_clause(doc, toks, i, doc.sents[si].0)
                    && (lower.contains(t.fold.as_str())
                        || (t.text.chars().count() <= 4
                            && !mid_caps.contains(t.fold.as_str())
                            && t.text.chars().next().and_then(gazetteer::script).is_some()))
            };
            if let Some((e, n)) = gz
                .at(doc.text, toks, i, &lex.suffixes)
                .filter(|&(_, n)| !common_initial(n))
            {
                let (key, kind) = entry_key(doc, toks, i, n, &gz.entries[e]);
                let end = toks[i + n - 1].end;
                out.push(Found {
                    entity: Entity {
                        key,
                        text: doc.text[t.start..end].to_string(),
                        name: String::new(),
                        kind,
                        span: Span::new(t.start, end),
                        sentence: si,
                    },
                    sent: si,
                    tok: i,
                    len: n,
                    known: true,
                    words: toks[i..i + n]
                        .iter()
                        .map(|t| word_key(t.text, doc.lang, &lex.suffixes))
                        .collect(),
                    tentative: false,
                });
                i += n;
                continue;
            }
            if caseless {
                match caseless_name(doc, toks, i, &runs) {
                    Some(c) => {
                        out.push(c.found(doc, si, toks, i));
                        i = c.end;
                    }
                    None => i += 1,
                }
                continue;
            }
            // a country's adjective ("Russian", "European") is not a name of its own;
            // most languages do not capitalise it, so it would meet nothing
            if let Some((n, _)) = gz.adjectives.at(toks, i) {
                let next_upper = toks.get(i + n).is_some_and(|t| t.upper && !t.digit);
                if !next_upper {
                    i += n;
                    continue;
                }
            }
            // a capitalised run, possibly with linking words ("Ursula von der Leyen")
            let mut j = i + 1;
            let mut last = i;
            while j < toks.len() {
                let gap = doc.gap(&toks[j - 1], &toks[j]);
                if gap.len() > 2 || !gap.chars().all(|c| c == ' ' || c == '-') {
                    break;
                }
                let tj = &toks[j];
                if gz.at(doc.text, toks, j, &lex.suffixes).is_some() {
                    break;
                }
                if tj.upper && !tj.digit && !lex.nonname.contains(&tj.fold) {
                    last = j;
                } else if !lex.name_link.contains(&tj.fold)
                    && (lex.nouns_capitalised || !LINKS.contains(tj.fold.as_str()))
                {
                    break;
                }
                j += 1;
            }
            let mut s = i;
            let mut cued = false;
            while s <= last
                && (lex.nonname.contains(&toks[s].fold) || lex.person_cue.at(toks, s).is_some())
            {
                cued |= lex.person_cue.at(toks, s).is_some();
                s += 1;
            }
            // in German every noun is capitalised: after an article a run is a noun
            // phrase ("die Zahl von Kandidaten"); a word with a noun ending, or seen after
            // an article elsewhere in the text, ends it, and so does an article between
            // two words ("Streik der Ärzte"; "von der Leyen" is a name)
            let mut tentative = false;
            if lex.nouns_capitalised && !cued && s <= last {
                if lex.article.before(toks, s).is_some() && lex.person_cue.at(toks, s).is_none() {
                    s = last + 1;
                } else if let Some(e) = (s..=last).find(|&k| {
                    nouns.contains(toks[k].fold.as_str())
                        || (k > s
                            && !toks[k].upper
                            && lex.article.at(toks, k).is_some()
                            && !lex.name_link.contains(&toks[k - 1].fold))
                        || lex.noun_suffixes.iter().any(|x| {
                            toks[k].fold.len() > x.len() + 2 && toks[k].fold.ends_with(x.as_str())
                        })
                }) {
                    if e == s {
                        s = last + 1;
                    } else {
                        last = (s..e).rev().find(|&k| toks[k].upper).unwrap_or(s);
                    }
                }
            }
            // a genitive name before a noun ("Sisos Landschaftsportraits"): the name is
            // the word whose form without "s" is capitalised elsewhere in the text
            if lex.nouns_capitalised && s < last {
                if let Some(k) = (s..last).find(|&k| {
                    toks[k].fold.len() > 3
                        && toks[k].fold.ends_with('s')
                        && mid_caps.contains(&toks[k].fold[..toks[k].fold.len() - 1])
                }) {
                    last = k;
                }
            }
            // in German every noun is capitalised: a lone unknown word is a name only
            // if it is a word of a longer name of the text ("Siso" after "Vicente Siso")
            if lex.nouns_capitalised
                && s == last
                && !cued
                && lex.person_cue.before(toks, s).is_none()
            {
                tentative = true;
            }
            let lower_list = LOWER.get(doc.lang).or_else(|| LOWER.get("en"));
            let zipf = |k: usize| {
                lower_list.and_then(|w| w.get(toks[k].text.to_lowercase().as_str()).copied())
            };
            let common = |k: usize| zipf(k).is_some();
            let initial = s == i && starts_clause(doc, toks, i, doc.sents[si].0);
            let calendar_word = |t: &Tok| {
                calendar::month_number(doc.lang, t.text).is_some()
                    || lex.weekdays.at(std::slice::from_ref(t), 0).is_some()
            };
            // a sentence-initial word never capitalised inside a sentence and written in
            // lower case elsewhere is no part of the name after it ("Работы Сисо" is
            // "Сисо" where "работы" is in the text; "Many Ukrainians": a word English writes in
            // lower case only)
            if initial
                && !toks[s].caps
                && !mid_caps.contains(toks[s].fold.as_str())
                && (s == last || lower.contains(toks[s].fold.as_str()) || common(s))
            {
                s += 1;
                while s <= last && !toks[s].upper {
                    s += 1;
                }
            }
            // a lone word the text also writes in lower case is a common word in a title
            // or a name of an institution ("the House", "the Act"), and a word with
            // the ending of an adjective before a lower-case word is an adjective
            // ("Spanish and English", "Islamic countries"): other languages write
            // them in lower case
            if s == last && !lex.nouns_capitalised && !cued {
                let next_lower = toks
                    .get(s + 1)
                    .is_some_and(|t| !t.upper && !t.digit && doc.gap(&toks[s], t) == " ");
                let cue = CUES.get(doc.lang);
                // (or, alone, a nationality: "Russians", "the Argentinean")
                let next_name = toks.get(s + 1).is_some_and(|t| t.upper && !t.digit);
                let fold = &toks[s].fold;
                let singular = fold.strip_suffix('s').unwrap_or(fold);
                let adjective = (next_lower || !next_name)
                    && cue.is_some_and(|c| {
                        c.adjective_endings.iter().any(|e| {
                            [fold.as_str(), singular]
                                .iter()
                                .any(|f| f.len() >= e.len() + 3 && f.ends_with(e.as_str()))
                        })
                    });
                if adjective || lower.contains(toks[s].fold.as_str()) {
                    s += 1;
                }
            }
            // the name of an institution, a party or a law ("the Scottish Government",
            // "the Democrats"), which other languages write in lower case, and an
            // acronym in the plural ("MPs", "ETFs"), a common noun
            if s <= last
                && CUES.get(doc.lang).is_some_and(|c| {
                    c.institution_heads
                        .contains(toks[last].text.to_lowercase().as_str())
                })
            {
                s = last + 1;
            }
            if s == last && plural_acronym(toks[s].text) {
                s += 1;
            }
            // a run of words the language writes in lower case only ("Poverty
            // Alleviation", "Swimming Pool"; `data/lower/*.txt`): other languages
            // translate it, and a lone letter ("answer B") says nothing
            let lower_only =
                lower_list.is_some() && (s..=last).filter(|&k| toks[k].upper).all(common);
            // a word alone that the language writes most often ("Второй", "Центра",
            // the polite "Вам") where a sentence or a name's first word capitalises it
            let frequent = s == last
                && FREQUENT
                    .get(doc.lang)
                    .is_some_and(|w| w.contains(toks[s].text.to_lowercase().as_str()));
            if s <= last
                && !cued
                && lex.person_cue.before(toks, s).is_none()
                && (lower_only || frequent || (s == last && toks[s].text.chars().count() == 1))
            {
                s = last + 1;
            }
            let headline_only =
                title_case[si] && !(s..=last).all(|k| mid_caps.contains(toks[k].fold.as_str()));
            if s <= last && !(s == last && calendar_word(&toks[s])) && !headline_only {
                let words: Vec<String> = toks[s..=last]
                    .iter()
                    .map(|t| word_key(t.text, doc.lang, &lex.suffixes))
                    .collect();
                let kind = if cued || lex.person_cue.before(toks, s).is_some() {
                    EntityKind::Person
                } else if lex.locative.before(toks, s).is_some() {
                    EntityKind::Place
                } else {
                    EntityKind::Other
                };
                // a name of the lists in a script they lack it in ("Вашингтон"); Latin
                // words are spelt in the lists, and would meet too many names by sound
                let latin = toks[s]
                    .text
                    .chars()
                    .next()
                    .and_then(gazetteer::script)
                    .is_none();
                let known = gz
                    .by_sound(&words.join("-"), 5)
                    .filter(|_| !latin)
                    .map(|(_, e)| entry_key(doc, toks, s, last + 1 - s, e));
                let kind = known.as_ref().map_or(kind, |k| k.1);
                // the key is that of the last word that is no common word: a
                // translation translates "Gallery" and "Airport" ("Tierra del Sol
                // Gallery" is "Tierra del Sol"'s, "Seattle-Tacoma International
                // Airport" is Tacoma's)
                // (in another language only a name that is English but for its first
                // word: "Gartshore Works", not the Danish "Skovbrynet Konference Hotel")
                let head = (s..=last)
                    .rev()
                    .find(|&k| toks[k].upper && !zipf(k).is_some_and(|z| z >= HEAD_NOUN_ZIPF))
                    .filter(|&k| k == s || LOWER.contains_key(doc.lang))
                    .unwrap_or(last);
                let head_key = |words: &[String]| {
                    words
                        .get(head - s)
                        .cloned()
                        .unwrap_or_else(|| key_of_words(words))
                };
                // an acronym the lists do not know: the other language spells it out
                // or has an acronym of its own ("ISS" is "МКС"), so its key meets nothing
                if s == last
                    && toks[s].caps
                    && known.is_none()
                    && toks[s].text.chars().next().and_then(gazetteer::script) == Some(0x400)
                {
                    i = last + 1;
                    continue;
                }
                out.push(Found {
                    entity: Entity {
                        key: known
                            .as_ref()
                            .map_or_else(|| head_key(&words), |k| k.0.clone()),
                        text: doc.text[toks[s].start..toks[last].end].to_string(),
                        name: String::new(),
                        kind,
                        span: Span::new(toks[s].start, toks[last].end),
                        sentence: si,
                    },
                    sent: si,
                    tok: s,
                    len: last + 1 - s,
                    known: known.is_some(),
                    tentative: tentative && known.is_none(),
                    words,
                });
            }
            i = last + 1;
        }
    }
    in_lists_of_names(doc, &mut out);
    resolve_short_names(&mut out, &doc.lex.suffixes);
    display_names(doc, &mut out);
    out
}

/// Whether `long` is `short` with a case ending of the language on some of its words
/// ("Kims" of "Kim", "Бориса Джонсона" of "Борис Джонсон"); words compare folded.
fn inflects(long: &str, short: &str, suffixes: &[String]) -> bool {
    let (l, s): (Vec<&str>, Vec<&str>) = (
        long.split_whitespace().collect(),
        short.split_whitespace().collect(),
    );
    l.len() == s.len()
        && long != short
        && l.iter().zip(&s).all(|(a, b)| {
            let (fa, fb) = (fold(a), fold(b));
            fa == fb
                || suffixes.iter().any(|x| {
                    fa.len() == fb.len() + x.len()
                        && fa.ends_with(x.as_str())
                        && fa.starts_with(&fb)
                })
        })
}

/// Gives every entity the readable name of its key ([`Entity::name`]): for a country
/// or place of the lists, the gazetteer's name in the article's language ("Rusland",
/// "Coreea de Nord" for a capital that stands for its country); else the form of its
/// mentions the text uses most, where a form with a case ending counts for the form
/// without it if the text has that too ("Kims" for "Kim"), the shorter on a tie. A
/// person known only by a role ("the Russian president") is named by the lists.
fn display_names(doc: &Doc, found: &mut [Found]) {
    let gz = gazetteer::get();
    let suffixes = &doc.lex.suffixes;
    let mut keys: Vec<&str> = Vec::new();
    for f in found.iter() {
        if !keys.contains(&f.entity.key.as_str()) {
            keys.push(&f.entity.key);
        }
    }
    let mut names: HashMap<String, String> = HashMap::new();
    for key in keys {
        let mine: Vec<&Found> = found.iter().filter(|f| f.entity.key == key).collect();
        let script = mine[0]
            .entity
            .text
            .chars()
            .find(|c| c.is_alphabetic())
            .and_then(gazetteer::script);
        let listed = gz
            .get(key)
            .filter(|e| e.kind != EntityKind::Person)
            .and_then(|_| gz.display(key, doc.lang, script));
        let name = listed.map(str::to_string).or_else(|| {
            // forms as written, with their counts, in order of first mention
            let mut forms: Vec<(&str, usize)> = Vec::new();
            for f in mine.iter().filter(|f| !(f.known && f.words.is_empty())) {
                match forms.iter_mut().find(|(t, _)| *t == f.entity.text) {
                    Some(c) => c.1 += 1,
                    None => forms.push((&f.entity.text, 1)),
                }
            }
            // a one-word form that inflects the last word of a longer one ("Sisos" of
            // "Vicente Siso") counts for that word
            let lasts: Vec<&str> = forms
                .iter()
                .filter(|f| f.0.split_whitespace().count() > 1)
                .filter_map(|f| f.0.split_whitespace().last())
                .collect();
            for w in lasts {
                let inflected = forms.iter().any(|f| inflects(f.0, w, suffixes));
                if inflected && !forms.iter().any(|f| f.0 == w) {
                    forms.push((w, 0));
                }
            }
            let mut votes: Vec<usize> = vec![0; forms.len()];
            for (k, &(text, n)) in forms.iter().enumerate() {
                let base = (0..forms.len())
                    .filter(|&b| inflects(text, forms[b].0, suffixes))
                    .min_by_key(|&b| forms[b].0.len())
                    .unwrap_or(k);
                votes[base] += n;
            }
            (0..forms.len())
                .max_by(|&a, &b| {
                    votes[a]
                        .cmp(&votes[b])
                        .then(forms[b].0.chars().count().cmp(&forms[a].0.chars().count()))
                        .then(b.cmp(&a))
                })
                .map(|k| forms[k].0.to_string())
                .or_else(|| gz.display(key, doc.lang, script).map(str::to_string))
        });
        names.insert(key.to_string(), name.unwrap_or_else(|| key.to_string()));
    }
    for f in found.iter_mut() {
        if let Some(n) = names.get(&f.entity.key) {
            f.entity.name = n.clone();
        }
    }
}

/// An acronym with a plural "s" ("MPs", "ETFs"): a common noun, not a name.
fn plural_acronym(word: &str) -> bool {
    let Some(stem) = word.strip_suffix('s') else {
        return false;
    };
    stem.chars().count() >= 2 && stem.chars().all(|c| c.is_uppercase())
}

/// The marks and words that join the items of a list ("ベネズエラ、トリニダード",
/// "委内瑞拉、特立尼达和迈阿密", "वेनेज़ुएला, त्रिनिदाद और मियामी").
fn joins_list(gap: &str) -> bool {
    let g = gap.trim();
    matches!(
        g,
        "、" | "，" | "," | "と" | "や" | "和" | "与" | "與" | "及" | "और" | "एवं" | "तथा"
    )
}

/// A tentative name listed next to a name that is not ("ベネズエラ、トリニダード、
/// マイアミで") is a name of the same kind.
fn in_lists_of_names(doc: &Doc, found: &mut [Found]) {
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&k| found[k].entity.span.start);
    loop {
        let mut changed = false;
        for w in order.windows(2) {
            let (a, b) = (w[0], w[1]);
            if found[a].tentative == found[b].tentative || found[a].sent != found[b].sent {
                continue;
            }
            let gap = &doc.text[found[a].entity.span.end..found[b].entity.span.start];
            if !joins_list(gap) {
                continue;
            }
            let (sure, doubt) = if found[a].tentative { (b, a) } else { (a, b) };
            found[doubt].tentative = false;
            if found[doubt].entity.kind == EntityKind::Other {
                found[doubt].entity.kind = match found[sure].entity.kind {
                    EntityKind::Country => EntityKind::Place,
                    k => k,
                };
            }
            changed = true;
        }
        if !changed {
            break;
        }
    }
}

/// A one-word name that is the first or last word of a longer person's name in the
/// same text takes that person's key: "Kim", "Kims" after "Kim Jong-un", "シソ" after
/// "ビセンテ・シソ" (words compare by their keys). A tentative name that does not
/// resolve so is dropped.
fn resolve_short_names(found: &mut Vec<Found>, suffixes: &[String]) {
    let people: Vec<(Vec<String>, String, EntityKind)> = found
        .iter()
        .filter(|f| {
            f.words.len() >= 2
                && !f.tentative
                && (f.entity.kind == EntityKind::Person
                    || (!f.known && f.entity.kind == EntityKind::Other))
        })
        .map(|f| (f.words.clone(), f.entity.key.clone(), f.entity.kind))
        .collect();
    // The first and last words of those names as written: a short name too
    // short for its case ending to come off its key ("Kims" of "Kim Jong-un": three
    // letters would be left) still meets them with any ending of the language ([`inflects`]).
    let written: Vec<(String, String, String)> = found
        .iter()
        .filter(|f| f.entity.kind == EntityKind::Person && !f.tentative)
        .filter_map(|f| {
            let mut words = f.entity.text.split_whitespace();
            let first = words.next()?.to_string();
            let last = words.next_back()?.to_string();
            Some((first, last, f.entity.key.clone()))
        })
        .collect();
    for f in found.iter_mut() {
        if f.words.len() != 1 || (f.known && f.entity.kind != EntityKind::Person) {
            continue;
        }
        let word = &f.words[0];
        // one consonant ("Un", "Li") says too little
        if word.trim_start_matches('a').len() < 2 {
            continue;
        }
        // a surname before a first name: "マッカーシー" is "ケビン・マッカーシー", not
        // "マイク・ジョンソン" whose first name has the same key
        let hit = people
            .iter()
            .find(|(words, _, _)| words.last() == Some(word))
            .or_else(|| {
                people
                    .iter()
                    .find(|(words, _, _)| words.first() == Some(word))
            });
        if let Some((_, key, kind)) = hit {
            if !f.known {
                f.entity.key = key.clone();
                f.entity.kind = *kind;
                f.tentative = false;
            }
            continue;
        }
        if f.known || f.entity.text.split_whitespace().count() != 1 {
            continue;
        }
        let text = &f.entity.text;
        let hit = written
            .iter()
            .find(|p| inflects(text, &p.1, suffixes))
            .or_else(|| written.iter().find(|p| inflects(text, &p.0, suffixes)));
        if let Some((_, _, key)) = hit {
            f.entity.key = key.clone();
            f.entity.kind = EntityKind::Person;
            f.tentative = false;
        }
    }
    found.retain(|f| !f.tentative);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected` is `text=key, …`; a key of a name the lists do not know may be
    /// written readably ("maria-jensen"): it is compared as its skeleton.
    fn check(lang: &str, input: &str, expected: &str) {
        let sents = crate::doc::one_sentence(input);
        let doc = Doc::new(input, &sents, lang);
        let got: Vec<(String, String)> = find(&doc)
            .iter()
            .map(|f| (f.entity.text.clone(), f.entity.key.clone()))
            .collect();
        let want: Vec<(String, String)> = expected
            .split(", ")
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.rsplit_once('='))
            .map(|(t, k)| (t.to_string(), k.to_string()))
            .collect();
        let same = got.len() == want.len()
            && got.iter().zip(&want).all(|((gt, gk), (wt, wk))| {
                let parts: Vec<String> = wk.split('-').map(str::to_string).collect();
                gt == wt && (gk == wk || *gk == name_key(&parts, &[]))
            });
        assert!(same, "{lang}: {input}: got {got:?}, expected {expected}");
    }

    #[test]
    fn unknown_names_meet_across_scripts_and_cases() {
        let key = |lang: &str, text: &str| {
            let sents = crate::doc::one_sentence(text);
            let doc = Doc::new(text, &sents, lang);
            find(&doc)
                .into_iter()
                .map(|f| f.entity.key)
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (a, b) in [
            // a surname ending of the nominative is no case ending; an instrumental
            // after it is
            (
                ("en", "The coach Pavel Bocharov arrived."),
                ("ru", "Приехал тренер Павел Бочаров."),
            ),
            (
                ("en", "They met Igor Kobzev there."),
                ("ru", "Они встретились с Игорем Кобзевым там."),
            ),
            (
                ("en", "They met Igor Kobzev there."),
                ("uk", "Вони зустрілися з Ігорем Кобзевим там."),
            ),
            (
                ("en", "They spoke with Petr Karlov."),
                ("cs", "Mluvili s Petrem Karlovým."),
            ),
            (
                ("en", "Talks with Khalifa Haftar ended."),
                ("ru", "Переговоры с Халифой Хафтаром закончились."),
            ),
            (
                ("en", "He met Boris Johnson there."),
                ("ru", "Он встретил Бориса Джонсона там."),
            ),
            (
                ("en", "The rule of Muammar Gaddafi ended."),
                ("ru", "Закончилось правление Муаммара Каддафи."),
            ),
            (
                ("en", "They honoured Nelson Mandela then."),
                ("uk", "Вони вшанували Нельсона Манделу тоді."),
            ),
            (
                ("en", "They spoke with Andrej Babiš yesterday."),
                ("cs", "Mluvili s Andrejem Babišem včera."),
            ),
            (
                ("en", "They met Harry Hopkins there."),
                ("uk", "Вони зустріли Гаррі Гопкінса там."),
            ),
            (
                ("en", "The painter Vicente Siso opened a show."),
                ("ja", "画家のビセンテ・シソが展覧会を開いた。"),
            ),
            (
                ("en", "The painter Vicente Siso opened a show."),
                ("zh", "画家维森特·西索举办了展览。"),
            ),
            (
                ("en", "Mayor Olivia Trent opened the bridge."),
                ("hi", "महापौर ओलिविया ट्रेंट ने पुल खोला।"),
            ),
            (
                ("en", "Speaker Mike Johnson left."),
                ("ja", "マイク・ジョンソン下院議長が去った。"),
            ),
            (
                ("en", "Reporters asked Kyriakos Mitsotakis again."),
                ("el", "Οι δημοσιογράφοι ρώτησαν τον Κυριάκο Μητσοτάκη ξανά."),
            ),
        ] {
            let (ka, kb) = (key(a.0, a.1), key(b.0, b.1));
            assert!(!ka.is_empty(), "{a:?}");
            assert_eq!(ka, kb, "{a:?} / {b:?}");
        }
    }

    #[test]
    fn known_names() {
        check(
            "da",
            "Pyongyang har ifølge Sydkorea sendt flere soldater.",
            "Pyongyang=KP, Sydkorea=KR",
        );
        check(
            "ro",
            "Phenianul a mutat soldați în regiunea Kursk a Rusiei.",
            "Phenianul=KP, Kursk=kursk, Rusiei=RU",
        );
        check(
            "da",
            "Putin besøgte Pyongyang i juni.",
            "Putin=vladimir-putin, Pyongyang=pyongyang",
        );
        check(
            "en",
            "Kyiv said Moscow had lost the battle near Kyiv.",
            "Kyiv=UA, Moscow=RU, Kyiv=kyiv",
        );
        check("ro", "potrivit autorităților de la Seul", "Seul=KR");
    }

    #[test]
    fn roles_and_short_names() {
        check(
            "da",
            "Den russiske præsident mødte Kim Jong-un, og Kim smilede.",
            "russiske præsident=vladimir-putin, Kim Jong-un=kim-jong-un, Kim=kim-jong-un",
        );
        check(
            "ro",
            "Președintele rus a vorbit.",
            "Președintele rus=vladimir-putin",
        );
        check(
            "en",
            "Maria Jensen met reporters. Later Jensen left.",
            "Maria Jensen=maria-jensen, Jensen=maria-jensen",
        );
    }

    #[test]
    fn names_in_scripts_without_capitals() {
        // a katakana name of two parts; its surname alone later takes its key
        check(
            "ja",
            "画家のビセンテ・シソが来た。その後シソが話した。",
            "ビセンテ・シソ=vicente-siso, シソ=vicente-siso",
        );
        // one katakana word: a name next to an honorific, else a loanword
        check("ja", "ジョンソン氏がパターンを見た。", "ジョンソン=johnson");
        // a place of the lists in a script they lack it in, found by its sound
        check(
            "ja",
            "ワシントンで会議が開かれた。",
            "ワシントン=washington",
        );
        // hiragana is no name
        check("ja", "および", "");
        // a word listed with names is one
        check(
            "ja",
            "彼はベネズエラ、トリニダード、マイアミで育った。",
            "ベネズエラ=VE, トリニダード=trinidad, マイアミ=miami",
        );
        check(
            "hi",
            "वे वेनेज़ुएला, त्रिनिदाद और मियामी में पले।",
            "वेनेज़ुएला=VE, त्रिनिदाद=trinidad, मियामी=miami",
        );
        // Chinese: characters of transliteration, joined or in a run of three; a run
        // going on into the next word ends where the name stands alone elsewhere
        check(
            "zh",
            "马特·科瓦尔斯基达成协议，科瓦尔斯基方案失败。",
            "马特·科瓦尔斯基=kowalski, 科瓦尔斯基=kowalski",
        );
        check("zh", "他们的工作很好。", "");
        // a person of the lists by the surname of a longer name
        check(
            "zh",
            "唐纳德·特朗普发表讲话。",
            "唐纳德·特朗普=donald-trump",
        );
        // a capital of the curated list in Chinese, after a locative
        check("zh", "他在华盛顿发表讲话。", "华盛顿=washington");
        // "迈" spells foreign names (found from word frequencies, scripts/gen_translit.py)
        check(
            "zh",
            "迈克·科瓦尔斯基发表讲话。",
            "迈克·科瓦尔斯基=kowalski",
        );
        // "非" (not) carries a meaning and ends a run ("约翰逊非法")
        check(
            "zh",
            "马特·科瓦尔斯基非法入境。",
            "马特·科瓦尔斯基=kowalski",
        );
        // Hindi: the words after a title, to a postposition
        check(
            "hi",
            "महापौर ओलिविया ट्रेंट ने पुल खोला।",
            "ओलिविया ट्रेंट=olivia-trent",
        );
        // a Devanagari word alone is no name
        check("hi", "पुल खोला गया।", "");
        // the agent of a reporting verb, not an institution
        check(
            "hi",
            "कल ओलिविया ट्रेंट ने कहा कि पुल खुला है।",
            "ओलिविया ट्रेंट=olivia-trent",
        );
        check("hi", "पुलिस ने कहा कि पुल खुला है।", "");
        // pronouns are no names, nor the Latin acronyms they fold to ("उस", "US")
        check("hi", "उस दिन उन लोगों ने पुल देखा।", "");
        // words Hindi writes often are no names and end a name after a title (the
        // frequency list of data/common/hi.txt), words of no list in a row are one
        check("hi", "सरकारी कंपनी प्रमुख ने कहा कि पुल खुला है।", "");
        // nor before a place word ("और राज्य", and the state)
        check("hi", "लोग गाँवों और राज्य में रहते हैं।", "");
        check(
            "hi",
            "प्रवक्ता टोबियास हार्टविक कंपनी के साथ थे।",
            "टोबियास हार्टविक=tobias-hartwick",
        );
        check(
            "hi",
            "बैठक में ग्रेटा ओस्टरमान भी थीं।",
            "ग्रेटा ओस्टरमान=greta-ostermann",
        );
    }

    #[test]
    fn words_that_are_not_part_of_names() {
        // a sentence-initial word written in lower case elsewhere
        check(
            "ru",
            "Работы Сисо показали в галерее, и критики хвалили работы.",
            "Сисо=siso",
        );
        // German: a genitive name before a noun, a lone noun, an article between nouns
        check(
            "de",
            "Die Ausstellung zeigt Sisos Landschaftsbilder, sagte Vicente Siso.",
            "Sisos=siso, Vicente Siso=vicente-siso",
        );
        check(
            "de",
            "Gestern begann Streik der Ärzte in Berlin.",
            "Berlin=berlin",
        );
        // a word written in lower case elsewhere, an adjective before a noun
        check("en", "Later the House voted, and the house was calm.", "");
        // a word is not a name of the lists less its final vowel ("Pool" is not the
        // Estonian "Poola", Poland), though an inflected word less its ending is
        check("en", "Later Mr Ghan spoke.", "Ghan=ghan");
        check("ro", "Guvernul Poloniei a răspuns.", "Poloniei=PL");
        // a run of words English writes in lower case only (data/lower/en.txt), in
        // English and where another language keeps it in English; a lone letter
        check(
            "en",
            "They swam in the Swimming Pool, said Maria Jensen.",
            "Maria Jensen=maria-jensen",
        );
        check("en", "He spoke of Poverty Alleviation in Beyond.", "");
        check("cs", "Výstavu nazvali Swimming Pool.", "");
        check("en", "The answer was B.", "");
        // the capital words of a name are not all common ones, or it is a person's
        check(
            "en",
            "He flew to Main Street Americans.",
            "Main Street Americans=americans",
        );
        check("en", "President Will Rose spoke.", "Will Rose=will-rose");
        // a short word of the lists in a script other than Latin at a sentence start,
        // never capitalised inside one, is a common word ("Крім", except, is no "Krim",
        // Crimea); a Latin one stays ("Merz sagte")
        check("uk", "Крім того, місто відновило мости.", "");
        check(
            "uk",
            "Крим чекає, і Крим повернеться.",
            "Крим=crimea, Крим=crimea",
        );
        // a word alone that Russian or Ukrainian writes very often is no name where a
        // name's first word or politeness capitalises it (data/frequent/)
        check(
            "ru",
            "Об этом сообщили сотрудники Центра, и Вам ответят.",
            "",
        );
        check("uk", "Вчора депутати Ради ухвалили рішення.", "");
        // a line break or a dialogue dash opens a clause, as a sentence start does
        check("ru", "Итоги года\nМногие жители уехали.", "");
        check("ru", "- Очень часто так бывает.", "");
        // a nationality alone, in the plural too, is an adjective or a common noun
        check("en", "Many Ukrainians and some Syrian families left.", "");
        check("en", "The talks were held in English.", "");
        // a name's key is its last word that is no frequent common word: translations
        // translate "Gallery"; a rarer word ("Chow") is a surname
        check(
            "en",
            "He saw the Halvorsen Gallery.",
            "Halvorsen Gallery=halvorsen",
        );
        check(
            "cs",
            "Včera otevřela Halvorsen Gallery.",
            "Halvorsen Gallery=halvorsen",
        );
        check("en", "He met Tomas Chow.", "Tomas Chow=chow");
        // an acronym in Cyrillic the lists do not know: the other languages spell it
        // out or have their own ("МКС" is "ISS"); one they know stays
        check("ru", "По данным СМИ, экипаж МКС вернулся в РФ.", "РФ=RU");
        check(
            "en",
            "Spanish and English schools opened, said Maria Jensen.",
            "Maria Jensen=maria-jensen",
        );
        check(
            "ru",
            "Сегодня утром Палата голосовала, и палата была спокойна.",
            "",
        );
        // English names of institutions, parties and laws, plural acronyms
        check(
            "en",
            "The Harbour Safety Board and the Greens met MPs, said Maria Jensen.",
            "Maria Jensen=maria-jensen",
        );
        check(
            "en",
            "Under the Clean Rivers Act, Congress asked Olivia Trent.",
            "Olivia Trent=olivia-trent",
        );
        // linking words of names in every language
        check(
            "en",
            "They opened Tierra del Sol yesterday.",
            "Tierra del Sol=tierra-del-sol",
        );
    }

    /// `expected` is `text=name, …` for every entity found.
    fn names(lang: &str, input: &str, expected: &str) {
        let sents = crate::doc::one_sentence(input);
        let doc = Doc::new(input, &sents, lang);
        let got: Vec<String> = find(&doc)
            .iter()
            .map(|f| format!("{}={}", f.entity.text, f.entity.name))
            .collect();
        assert_eq!(got.join(", "), expected, "{lang}: {input}");
    }

    #[test]
    fn display_names() {
        // a country in the article's language, a short name against the full one, a
        // person known by a role only by the lists' name
        names(
            "da",
            "Den russiske præsident mødte Kim Jong-un i Ruslands hovedstad, og Kim smilede.",
            "russiske præsident=Vladimir Putin, Kim Jong-un=Kim, Ruslands=Rusland, Kim=Kim",
        );
        // a short name with a genitive too short to strip from its key ("Kims": three
        // letters would be left) is still the person's, wherever it stands
        check(
            "da",
            "Putin mødte Kim Jong-un, og soldaterne kæmpede på Kims initiativ.",
            "Putin=vladimir-putin, Kim Jong-un=kim-jong-un, Kims=kim-jong-un",
        );
        check(
            "sv",
            "Enligt Kim Jong-un var det Kims order.",
            "Kim Jong-un=kim-jong-un, Kims=kim-jong-un",
        );
        // a capital that stands for its country takes the country's name
        names(
            "ro",
            "Phenianul a mutat soldați în regiunea Kursk a Rusiei.",
            "Phenianul=Coreea de Nord, Kursk=Kursk, Rusiei=Rusia",
        );
        // a case ending counts for the form without it
        names(
            "ru",
            "Журналисты спросили Джонсона о России, и Джонсон выступил в Москве.",
            "Джонсона=Джонсон, России=Россия, Джонсон=Джонсон, Москве=Москва",
        );
        // a genitive counts for the last word of the full name
        names(
            "de",
            "Die Ausstellung zeigt Sisos Landschaftsbilder, sagte Vicente Siso in Deutschlands Süden.",
            "Sisos=Siso, Vicente Siso=Siso, Deutschlands=Deutschland",
        );
        names(
            "ja",
            "画家のビセンテ・シソがロシアに来た。その後シソがプーチンと話した。",
            "ビセンテ・シソ=シソ, ロシア=ロシア, シソ=シソ, プーチン=プーチン",
        );
    }

    #[test]
    fn unknown_names_are_slugs() {
        check(
            "de",
            "Der Sprecher Jürgen Müller-Lüdenscheidt sagte das.",
            "Jürgen Müller-Lüdenscheidt=jurgen-muller-ludenscheidt",
        );
        check(
            "da",
            "Efterfølgende kom de til Skovbrynet Konference Hotel.",
            "Skovbrynet Konference Hotel=skovbrynet-konference-hotel",
        );
        check("en", "On Monday the minister spoke.", "");
        check("de", "Er forderte den Erlass von Sanktionen.", "");
        check(
            "de",
            "Die Zahl von Kandidaten stieg, sagte Anna Berger.",
            "Anna Berger=anna-berger",
        );
        check(
            "de",
            "In Anwesenheit Zehntausender sprach Olaf Scholz.",
            "Olaf Scholz=olaf-scholz",
        );
    }
}

//! The per-language lexicon: number formats, hedges and bounds, counted nouns and
//! events, attribution cues, relative dates and number words, read once from one
//! embedded data file per language (`data/lang/LANG.txt`).
//!
//! Format: `key: item | item | …`, `#` starts a comment, a key may repeat. An item is
//! one or more words, compared after [`crate::tokens::fold`]; a word ending in `*`
//! matches as a prefix; `item=number` gives a value. Keys: `decimal`, `group`,
//! `ordinal_dot`, `nouns_capitalised`, `verb_final` (the reporting verb closes the
//! sentence: tr, ja, hi), `noun_before_number` ("兵士1万人"), `noun_first` (what is
//! counted, and a magnitude, are written before the number, a hedge between or before
//! them, number words joined by `and`: "watu zaidi ya 600", "shilingi milioni 5",
//! "kumi na wawili"), `approx`, `lower`, `upper` (and `approx_after`,
//! `lower_after`, `upper_after`, written after the number or its counter: "1万人以上",
//! "100'den fazla", "500명 이상"), `range`, `between`, `and`, `link`,
//! `source`, `source_after` (a cue written after its source: "によると", "के अनुसार"),
//! `speech`, `locative`, `not_locative`, `time_cue`, `date_after`, `phone_cue`,
//! `magnitude`, `magnitude_suffix` (written onto the digits: "100m", "1.8bn"),
//! `ordinal_before` ("第3", "第二"), `counter` (a word that only counts: "人", "台",
//! never the noun counted when written before the number), `tenths` (a share in tenths:
//! "7割", "七成") and `not_tenths` (the words it begins: "割引", "成员"), `vague`, `cardinal`, `not_number`, `fraction`, `obj.CONCEPT[/UNIT]`, `event.CONCEPT`,
//! `cur.CODE`, `percent`, `weekdays`, `rel.today|yesterday|tomorrow|last_year|
//! this_year|next_year|last_month|this_month|next_month`, `start_of`, `nonname`,
//! `person_cue`, `role.ROLE`, `inst.INSTITUTION`, `suffixes`, `name_link`, `article`,
//! `noun_suffixes`.

use crate::tokens::{fold, Tok};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The languages with a lexicon, and their data files.
const FILES: &[(&str, &str)] = &[
    ("da", include_str!("../data/lang/da.txt")),
    ("ro", include_str!("../data/lang/ro.txt")),
    ("en", include_str!("../data/lang/en.txt")),
    ("de", include_str!("../data/lang/de.txt")),
    ("fr", include_str!("../data/lang/fr.txt")),
    ("es", include_str!("../data/lang/es.txt")),
    ("it", include_str!("../data/lang/it.txt")),
    ("pt", include_str!("../data/lang/pt.txt")),
    ("nl", include_str!("../data/lang/nl.txt")),
    ("sv", include_str!("../data/lang/sv.txt")),
    ("nb", include_str!("../data/lang/nb.txt")),
    ("pl", include_str!("../data/lang/pl.txt")),
    ("ru", include_str!("../data/lang/ru.txt")),
    ("uk", include_str!("../data/lang/uk.txt")),
    ("cs", include_str!("../data/lang/cs.txt")),
    ("ja", include_str!("../data/lang/ja.txt")),
    ("zh", include_str!("../data/lang/zh.txt")),
    ("hi", include_str!("../data/lang/hi.txt")),
    ("is", include_str!("../data/lang/is.txt")),
    ("tr", include_str!("../data/lang/tr.txt")),
    ("el", include_str!("../data/lang/el.txt")),
    ("ar", include_str!("../data/lang/ar.txt")),
    ("hr", include_str!("../data/lang/hr.txt")),
    ("ko", include_str!("../data/lang/ko.txt")),
    ("fi", include_str!("../data/lang/fi.txt")),
    ("hu", include_str!("../data/lang/hu.txt")),
    ("bg", include_str!("../data/lang/bg.txt")),
    ("id", include_str!("../data/lang/id.txt")),
    ("vi", include_str!("../data/lang/vi.txt")),
    ("fa", include_str!("../data/lang/fa.txt")),
    ("sw", include_str!("../data/lang/sw.txt")),
];

/// The CLDR data of every language the detector knows (`data/cldr/LANG.txt`, generated
/// by `scripts/gen_cldr.py`): number symbols, magnitudes, units, currencies, percent.
/// The hand-written lexicon of a language, where there is one, is read on top.
const CLDR: &[(&str, &str)] = &[
    ("ar", include_str!("../data/cldr/ar.txt")),
    ("az", include_str!("../data/cldr/az.txt")),
    ("be", include_str!("../data/cldr/be.txt")),
    ("bg", include_str!("../data/cldr/bg.txt")),
    ("bn", include_str!("../data/cldr/bn.txt")),
    ("ca", include_str!("../data/cldr/ca.txt")),
    ("cs", include_str!("../data/cldr/cs.txt")),
    ("da", include_str!("../data/cldr/da.txt")),
    ("de", include_str!("../data/cldr/de.txt")),
    ("el", include_str!("../data/cldr/el.txt")),
    ("en", include_str!("../data/cldr/en.txt")),
    ("es", include_str!("../data/cldr/es.txt")),
    ("et", include_str!("../data/cldr/et.txt")),
    ("fa", include_str!("../data/cldr/fa.txt")),
    ("fi", include_str!("../data/cldr/fi.txt")),
    ("fr", include_str!("../data/cldr/fr.txt")),
    ("he", include_str!("../data/cldr/he.txt")),
    ("hi", include_str!("../data/cldr/hi.txt")),
    ("hr", include_str!("../data/cldr/hr.txt")),
    ("hu", include_str!("../data/cldr/hu.txt")),
    ("hy", include_str!("../data/cldr/hy.txt")),
    ("id", include_str!("../data/cldr/id.txt")),
    ("is", include_str!("../data/cldr/is.txt")),
    ("it", include_str!("../data/cldr/it.txt")),
    ("ja", include_str!("../data/cldr/ja.txt")),
    ("ka", include_str!("../data/cldr/ka.txt")),
    ("kk", include_str!("../data/cldr/kk.txt")),
    ("ko", include_str!("../data/cldr/ko.txt")),
    ("lt", include_str!("../data/cldr/lt.txt")),
    ("lv", include_str!("../data/cldr/lv.txt")),
    ("mk", include_str!("../data/cldr/mk.txt")),
    ("nb", include_str!("../data/cldr/nb.txt")),
    ("nl", include_str!("../data/cldr/nl.txt")),
    ("pl", include_str!("../data/cldr/pl.txt")),
    ("pt", include_str!("../data/cldr/pt.txt")),
    ("ro", include_str!("../data/cldr/ro.txt")),
    ("ru", include_str!("../data/cldr/ru.txt")),
    ("sk", include_str!("../data/cldr/sk.txt")),
    ("sl", include_str!("../data/cldr/sl.txt")),
    ("sq", include_str!("../data/cldr/sq.txt")),
    ("sr", include_str!("../data/cldr/sr.txt")),
    ("sv", include_str!("../data/cldr/sv.txt")),
    ("sw", include_str!("../data/cldr/sw.txt")),
    ("th", include_str!("../data/cldr/th.txt")),
    ("tr", include_str!("../data/cldr/tr.txt")),
    ("uk", include_str!("../data/cldr/uk.txt")),
    ("ur", include_str!("../data/cldr/ur.txt")),
    ("vi", include_str!("../data/cldr/vi.txt")),
    ("zh", include_str!("../data/cldr/zh.txt")),
];

/// One word of a pattern.
#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub prefix: bool,
    /// The script it is written in ([`script`]): folds meet only within a script, so
    /// that the unit "ha" never matches the particle "は", whose fold is "ha" too.
    pub script: u8,
}

impl Word {
    pub fn matches(&self, tok: &Tok) -> bool {
        let fold = tok.fold.as_str();
        let text = if self.prefix {
            fold.starts_with(&self.text)
        } else {
            fold == self.text
        };
        text && script(tok.text) == self.script
    }
}

/// The script of a word's first letter, coarsely: Latin, Greek, Cyrillic, Arabic,
/// Devanagari, kana, Hangul, Han, or other (0, also for a word with no letter).
pub fn script(s: &str) -> u8 {
    let Some(c) = s.chars().find(|c| c.is_alphabetic()) else {
        return 0;
    };
    match c as u32 {
        0..=0x024F | 0x1E00..=0x1EFF => 1,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => 2,
        0x0400..=0x052F => 3,
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFEFF => 4,
        0x0900..=0x097F => 5,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => 6,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => 7,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => 8,
        _ => 9,
    }
}

/// A sequence of words.
#[derive(Debug, Clone)]
pub struct Pattern(pub Vec<Word>);

impl Pattern {
    /// Parses one item of a data file.
    pub fn parse_item(item: &str) -> Option<Pattern> {
        // each word is tokenized as text is, so that "死亡" is two tokens like the text
        let mut words: Vec<Word> = Vec::new();
        for w in item.split_whitespace() {
            let prefix = w.ends_with('*');
            let toks = crate::tokens::tokenize(w.trim_end_matches('*'), 0);
            let n = toks.len();
            words.extend(
                toks.into_iter()
                    .enumerate()
                    .filter(|(_, t)| !t.fold.is_empty())
                    .map(|(k, t)| Word {
                        script: script(t.text),
                        text: t.fold,
                        prefix: prefix && k + 1 == n,
                    }),
            );
        }
        (!words.is_empty()).then_some(Pattern(words))
    }

    /// The number of tokens matched starting at `i`.
    pub fn at(&self, toks: &[Tok], i: usize) -> Option<usize> {
        let n = self.0.len();
        if i + n > toks.len() {
            return None;
        }
        self.0
            .iter()
            .zip(&toks[i..i + n])
            .all(|(w, t)| w.matches(t))
            .then_some(n)
    }

    /// Whether the pattern ends just before token `end`; the start index if so.
    pub fn before(&self, toks: &[Tok], end: usize) -> Option<usize> {
        let n = self.0.len();
        if n > end {
            return None;
        }
        self.at(toks, end - n).map(|_| end - n)
    }
}

/// Patterns with a payload. Lookups go through an index of the patterns by their first
/// word (exact words by the word, prefixes by their first three letters), built on the
/// first lookup: every pattern is pushed before any lookup (the data files are read
/// whole first).
#[derive(Debug, Clone)]
pub struct Table<T>(pub Vec<(Pattern, T)>, std::sync::OnceLock<Index>);

/// Pattern numbers by their first word.
#[derive(Debug, Clone, Default)]
pub struct Index {
    exact: HashMap<String, Vec<usize>>,
    /// Prefix first words by their first three letters.
    prefix3: HashMap<String, Vec<usize>>,
    /// Prefix first words shorter than three letters: always tried.
    short: Vec<usize>,
    longest: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table(Vec::new(), std::sync::OnceLock::new())
    }
}

/// The first `n` characters of a folded word (ASCII, or Han ideographs kept whole).
fn head(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl<T: Clone> Table<T> {
    fn index(&self) -> &Index {
        self.1.get_or_init(|| {
            let mut ix = Index::default();
            for (k, (p, _)) in self.0.iter().enumerate() {
                ix.longest = ix.longest.max(p.0.len());
                let first = &p.0[0];
                if !first.prefix {
                    ix.exact.entry(first.text.clone()).or_default().push(k);
                } else if first.text.chars().count() >= 3 {
                    ix.prefix3
                        .entry(head(&first.text, 3).to_string())
                        .or_default()
                        .push(k);
                } else {
                    ix.short.push(k);
                }
            }
            ix
        })
    }

    /// Every pattern matching at `i`: its number, length and payload.
    fn all_at<'a>(
        &'a self,
        toks: &'a [Tok],
        i: usize,
    ) -> impl Iterator<Item = (usize, usize, &'a T)> + 'a {
        let ix = self.index();
        let fold = toks.get(i).map_or("", |t| t.fold.as_str());
        let exact = ix.exact.get(fold).into_iter().flatten();
        let pre = ix.prefix3.get(head(fold, 3)).into_iter().flatten();
        exact
            .chain(pre)
            .chain(ix.short.iter())
            .filter_map(move |&k| {
                let (p, v) = &self.0[k];
                p.at(toks, i).map(|n| (k, n, v))
            })
    }

    /// The longest pattern matching at `i`: its length and payload (of the longest, the
    /// one read last: a hand-written lexicon is read after CLDR's data and wins).
    pub fn at(&self, toks: &[Tok], i: usize) -> Option<(usize, T)> {
        self.all_at(toks, i)
            .max_by_key(|&(k, n, _)| (n, k))
            .map(|(_, n, v)| (n, v.clone()))
    }

    /// The longest pattern ending just before `end`: its start and payload.
    pub fn before(&self, toks: &[Tok], end: usize) -> Option<(usize, T)> {
        let longest = self.index().longest;
        (1..=longest.min(end)).rev().find_map(|n| {
            let s = end - n;
            // of the patterns of that length, the one read first
            self.all_at(toks, s)
                .filter(|&(_, m, _)| m == n)
                .min_by_key(|&(k, _, _)| k)
                .map(|(_, _, v)| (s, v.clone()))
        })
    }
}

/// A relative date expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    Today,
    Yesterday,
    Tomorrow,
    LastYear,
    ThisYear,
    NextYear,
    LastMonth,
    ThisMonth,
    NextMonth,
}

/// Everything known about one language.
#[derive(Debug, Default)]
pub struct Lexicon {
    pub lang: String,
    pub decimal: Option<char>,
    /// Decimal separators of a native numbering system ("٫").
    pub decimal_alt: Vec<char>,
    pub group: Vec<char>,
    pub ordinal_dot: bool,
    /// Every noun starts with a capital (German).
    pub nouns_capitalised: bool,
    /// The reporting verb ends the sentence, after the figures it reports.
    pub verb_final: bool,
    /// What is counted may be written just before the number ("兵士1万人").
    pub noun_before_number: bool,
    /// What is counted is written before the number, and so is a magnitude ("watu
    /// 200", "watu wapatao 600", "shilingi milioni 5"); number words are joined by
    /// `and` ("ishirini na tano"). Unlike `noun_before_number`, no counter follows.
    pub noun_first: bool,
    pub approx: Table<()>,
    pub lower: Table<()>,
    pub upper: Table<()>,
    pub approx_after: Table<()>,
    pub lower_after: Table<()>,
    pub upper_after: Table<()>,
    pub range: Table<()>,
    pub between: Table<()>,
    pub and: Table<()>,
    pub link: Table<()>,
    pub source: Table<()>,
    /// Attribution cues written after the source ("警察によると", "पुलिस के अनुसार").
    pub source_after: Table<()>,
    pub speech: Table<()>,
    pub locative: Table<()>,
    pub not_locative: Table<()>,
    pub time_cue: Table<()>,
    /// After a number, a date or a clock time rather than a count ("月", "日", "時").
    pub date_after: Table<()>,
    pub phone_cue: Table<()>,
    pub magnitude: Table<f64>,
    /// Magnitudes written onto the digits ("100m", "1.8bn"), lower case.
    pub magnitude_suffix: Vec<(String, f64)>,
    /// Before a number, an ordinal ("第3回", "第二天").
    pub ordinal_before: Table<()>,
    /// Counters: words that count what is named elsewhere ("人", "台", "件").
    pub counter: Table<()>,
    /// After a number, a share in tenths ("7割" is 70 %, "七成" 70 %).
    pub tenths: Table<()>,
    pub not_tenths: Table<()>,
    pub vague: Table<f64>,
    pub cardinal: Table<f64>,
    /// Words that begin with a numeral and are not numbers ("十分" enough, "统一").
    pub not_number: Table<()>,
    /// Between the two numbers of a fraction ("5分の1", "十分之四"): neither is a count.
    pub fraction: Table<()>,
    /// Concept and unit.
    pub objects: Table<(String, Option<String>)>,
    pub events: Table<String>,
    pub currencies: Table<String>,
    pub percent: Table<()>,
    /// Monday is 0.
    pub weekdays: Table<u8>,
    pub relative: Table<Rel>,
    pub start_of: Table<()>,
    pub nonname: HashSet<String>,
    pub person_cue: Table<()>,
    pub roles: Table<String>,
    /// Institutions that are cited as sources or speak ("the police", "politiet",
    /// "полиция"), with a key that is the same in every language (`police`).
    pub institutions: Table<String>,
    pub suffixes: Vec<String>,
    /// Articles and determiners before a common noun (in a language that capitalises
    /// nouns), and the endings of its common nouns.
    pub article: Table<()>,
    pub noun_suffixes: Vec<String>,
    pub name_link: HashSet<String>,
}

fn parse(lang: &str, sources: &[&str]) -> Lexicon {
    let mut lx = Lexicon {
        lang: lang.to_string(),
        ..Lexicon::default()
    };
    for src in sources {
        parse_into(&mut lx, src);
    }
    lx.suffixes.sort_by_key(|s| std::cmp::Reverse(s.len()));
    lx.group.sort_unstable();
    lx.group.dedup();
    lx
}

fn parse_into(lx: &mut Lexicon, src: &str) {
    for line in src.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let items: Vec<&str> = rest
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let plain = |t: &mut Table<()>| {
            t.0.extend(
                items
                    .iter()
                    .filter_map(|i| Pattern::parse_item(i).map(|p| (p, ()))),
            )
        };
        let valued = |t: &mut Table<f64>| {
            for i in &items {
                if let Some((w, v)) = i.rsplit_once('=') {
                    if let (Some(p), Ok(v)) = (Pattern::parse_item(w), v.trim().parse::<f64>()) {
                        t.0.push((p, v));
                    }
                }
            }
        };
        let payload = |t: &mut Table<String>, v: &str| {
            t.0.extend(
                items
                    .iter()
                    .filter_map(|i| Pattern::parse_item(i).map(|p| (p, v.to_string()))),
            )
        };
        match key {
            "decimal" => lx.decimal = rest.trim().chars().next(),
            "decimal_alt" => lx
                .decimal_alt
                .extend(items.iter().filter_map(|i| i.chars().next())),
            "group" => {
                for i in &items {
                    match *i {
                        "space" => lx.group.extend([' ', '\u{a0}', '\u{202f}', '\u{2009}']),
                        other => lx.group.extend(other.chars().next()),
                    }
                }
            }
            "ordinal_dot" => lx.ordinal_dot = rest.trim() == "yes",
            "nouns_capitalised" => lx.nouns_capitalised = rest.trim() == "yes",
            "verb_final" => lx.verb_final = rest.trim() == "yes",
            "noun_before_number" => lx.noun_before_number = rest.trim() == "yes",
            "noun_first" => lx.noun_first = rest.trim() == "yes",
            "approx" => plain(&mut lx.approx),
            "approx_after" => plain(&mut lx.approx_after),
            "lower_after" => plain(&mut lx.lower_after),
            "upper_after" => plain(&mut lx.upper_after),
            "lower" => plain(&mut lx.lower),
            "upper" => plain(&mut lx.upper),
            "range" => plain(&mut lx.range),
            "between" => plain(&mut lx.between),
            "and" => plain(&mut lx.and),
            "link" => plain(&mut lx.link),
            "source" => plain(&mut lx.source),
            "source_after" => plain(&mut lx.source_after),
            "speech" => plain(&mut lx.speech),
            "locative" => plain(&mut lx.locative),
            "not_locative" => plain(&mut lx.not_locative),
            "time_cue" => plain(&mut lx.time_cue),
            "date_after" => plain(&mut lx.date_after),
            "phone_cue" => plain(&mut lx.phone_cue),
            "percent" => plain(&mut lx.percent),
            "start_of" => plain(&mut lx.start_of),
            "person_cue" => plain(&mut lx.person_cue),
            "magnitude" => valued(&mut lx.magnitude),
            "magnitude_suffix" => {
                for i in &items {
                    if let Some((w, v)) = i.rsplit_once('=') {
                        if let Ok(v) = v.trim().parse::<f64>() {
                            lx.magnitude_suffix.push((w.trim().to_lowercase(), v));
                        }
                    }
                }
            }
            "ordinal_before" => plain(&mut lx.ordinal_before),
            "counter" => plain(&mut lx.counter),
            "tenths" => plain(&mut lx.tenths),
            "not_tenths" => plain(&mut lx.not_tenths),
            "vague" => valued(&mut lx.vague),
            "cardinal" => valued(&mut lx.cardinal),
            "not_number" => plain(&mut lx.not_number),
            "fraction" => plain(&mut lx.fraction),
            "weekdays" => {
                for (n, i) in items.iter().enumerate() {
                    for alt in i.split(',') {
                        if let Some(p) = Pattern::parse_item(alt) {
                            lx.weekdays.0.push((p, n as u8));
                        }
                    }
                }
            }
            "nonname" => lx.nonname.extend(items.iter().map(|i| fold(i))),
            "name_link" => lx.name_link.extend(items.iter().map(|i| fold(i))),
            "suffixes" => lx.suffixes.extend(items.iter().map(|i| fold(i))),
            "article" => plain(&mut lx.article),
            "noun_suffixes" => lx.noun_suffixes.extend(items.iter().map(|i| fold(i))),
            _ => {
                if let Some(c) = key.strip_prefix("obj.") {
                    let (concept, unit) = match c.split_once('/') {
                        Some((c, u)) => (c.to_string(), Some(u.to_string())),
                        None => (c.to_string(), None),
                    };
                    lx.objects.0.extend(
                        items
                            .iter()
                            .filter_map(|i| Pattern::parse_item(i))
                            .map(|p| (p, (concept.clone(), unit.clone()))),
                    );
                } else if let Some(c) = key.strip_prefix("event.") {
                    payload(&mut lx.events, c);
                } else if let Some(c) = key.strip_prefix("cur.") {
                    payload(&mut lx.currencies, c);
                } else if let Some(c) = key.strip_prefix("role.") {
                    payload(&mut lx.roles, c);
                } else if let Some(c) = key.strip_prefix("inst.") {
                    payload(&mut lx.institutions, c);
                } else if let Some(r) = key.strip_prefix("rel.") {
                    let rel = match r {
                        "today" => Rel::Today,
                        "yesterday" => Rel::Yesterday,
                        "tomorrow" => Rel::Tomorrow,
                        "last_year" => Rel::LastYear,
                        "this_year" => Rel::ThisYear,
                        "next_year" => Rel::NextYear,
                        "last_month" => Rel::LastMonth,
                        "this_month" => Rel::ThisMonth,
                        "next_month" => Rel::NextMonth,
                        _ => continue,
                    };
                    lx.relative.0.extend(
                        items
                            .iter()
                            .filter_map(|i| Pattern::parse_item(i).map(|p| (p, rel))),
                    );
                }
            }
        }
    }
}

static LEXICONS: LazyLock<HashMap<&'static str, Lexicon>> = LazyLock::new(|| {
    let mut langs: Vec<&'static str> = CLDR.iter().map(|(l, _)| *l).collect();
    langs.extend(FILES.iter().map(|(l, _)| *l));
    langs.sort_unstable();
    langs.dedup();
    langs
        .into_iter()
        .map(|lang| {
            let sources: Vec<&str> = CLDR
                .iter()
                .chain(FILES)
                .filter(|(l, _)| *l == lang)
                .map(|(_, src)| *src)
                .collect();
            (lang, parse(lang, &sources))
        })
        .collect()
});

/// The languages with a lexicon.
pub fn languages() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(l, _)| *l)
}

/// The lexicon of `lang` (ISO 639-1); English for a language without one.
pub fn get(lang: &str) -> &'static Lexicon {
    let lang = lang.split(['-', '_']).next().unwrap_or(lang);
    let lang = if lang == "no" || lang == "nn" {
        "nb"
    } else {
        lang
    };
    LEXICONS
        .get(lang)
        .or_else(|| LEXICONS.get("en"))
        .expect("the english lexicon is embedded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn check(lang: &str, input: &str, expected: Option<&str>) {
        let toks = tokenize(input, 0);
        let got = get(lang).objects.at(&toks, 0).map(|(_, (c, _))| c);
        assert_eq!(got.as_deref(), expected, "{lang}: {input}");
    }

    #[test]
    fn every_language_parses_with_its_core_keys() {
        for lang in languages() {
            let lx = get(lang);
            assert!(lx.decimal.is_some(), "{lang} decimal");
            assert!(!lx.approx.0.is_empty(), "{lang} approx");
            assert!(!lx.lower.0.is_empty(), "{lang} lower");
            assert!(!lx.objects.0.is_empty(), "{lang} objects");
            assert!(!lx.events.0.is_empty(), "{lang} events");
            assert!(
                !lx.source.0.is_empty() || !lx.source_after.0.is_empty(),
                "{lang} source"
            );
            assert_eq!(
                lx.weekdays.0.iter().map(|(_, d)| *d).max(),
                Some(6),
                "{lang}"
            );
        }
    }

    #[test]
    fn counted_nouns() {
        check("da", "soldater", Some("soldiers"));
        check("ro", "soldați", Some("soldiers"));
        check("en", "troops", Some("soldiers"));
        check("da", "timer", Some("hours"));
        check("en", "tables", None);
    }
}

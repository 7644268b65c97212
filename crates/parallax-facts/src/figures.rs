//! Figures: a value (digits, number words, or an indefinite "thousands"), its hedge
//! and bound, what was counted (`counted`: "soldiers", "hours", "money", "percent"),
//! what happened to it (`event`: "killed", "lost", "sent"), a unit, and the entity it is
//! attributed to. A number with nothing counted, no event and no unit is not a figure,
//! so years, table cells and stray numbers give none.

use crate::doc::Doc;
use crate::entities::Found;
use crate::gazetteer;
use crate::numbers::{self, Num};
use crate::tokens::Tok;
use parallax_core::facts::{Bound, EntityKind, Figure, Span};

/// Whether the text between two tokens ends a clause.
fn breaks(gap: &str) -> bool {
    gap.contains([
        '.', ';', ':', '!', '?', '(', ')', '“', '”', '„', '«', '»', '"', '。', '；', '：', '！',
        '？', '（', '）', '「', '」', '『', '』', '【', '】', '؛', '؟', '।',
    ])
}

struct Cand {
    value: f64,
    first: usize,
    /// Exclusive.
    end: usize,
    approx: bool,
    words: bool,
    year_like: bool,
    num: Option<Num>,
    /// The magnitude word multiplied in ("万" in "2万"), 1 if none.
    mag: f64,
}

/// A value rounded to 12 significant digits, past any written precision, so that a
/// decimal times a magnitude is the number written.
pub(crate) fn round_significant(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(11 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// The object counted after a number: its concept, unit, the token after it and how
/// many words other than links were passed over to reach it.
pub(crate) fn object(
    doc: &Doc,
    toks: &[Tok],
    mut k: usize,
) -> Option<(String, Option<String>, usize, usize)> {
    let lex = doc.lex;
    let mut skipped = 0;
    // words passed over that are not links ("2.000 nordkoreanske soldater")
    let mut loose = 0;
    while k < toks.len() && skipped <= 3 {
        // Another number (in digits or words) begins a figure of its own, unless the
        // word just after the number is also a counted thing ("2 hét", two weeks, "hét"
        // being seven too); a comma ends the phrase ("on Jan. 6, some passengers").
        let first_object = skipped == 0 && lex.objects.at(toks, k).is_some();
        if k > 0 && {
            let gap = doc.gap(&toks[k - 1], &toks[k]);
            breaks(gap) || gap.contains([',', '，', '、', '،'])
        } || toks[k].digit
            || (lex.cardinal.at(toks, k).is_some() && !first_object)
        {
            return None;
        }
        if let Some((n, (c, u))) = lex.objects.at(toks, k) {
            // A measure ("years", "hours", "km") is written next to its number, with
            // at most one word between ("three full days"): in "160 stores in the year
            // ahead", "220 poboček během roku" the year is another phrase's.
            if u.is_some() && loose > 1 {
                return None;
            }
            // "1000名士兵": a counter for people, then the noun that says who; "8 тысячам
            // пострадавших семей": a participle counted as people, then the noun
            if c == "people" && u.is_none() {
                let next = lex
                    .objects
                    .at(toks, k + n)
                    .filter(|(_, (_, u2))| u2.is_none())
                    .filter(|_| {
                        lex.noun_before_number || doc.gap(&toks[k + n - 1], &toks[k + n]) == " "
                    });
                if let Some((m, (c2, u2))) = next {
                    return Some((c2, u2, k + n + m, loose));
                }
            }
            return Some((c, u, k + n, loose));
        }
        // In CJK every ideograph is a token: the counter or the noun follows the number
        // at once, or after a hedge ("100多名", "1万余人"); a word further on belongs
        // to another phrase ("三権分立" has no minutes, "15胜13负位" no people).
        let hedge = lex
            .lower_after
            .at(toks, k)
            .or(lex.upper_after.at(toks, k))
            .or(lex.approx_after.at(toks, k));
        if let Some((n, ())) = lex.link.at(toks, k) {
            k += n;
        } else if lex.noun_before_number
            && crate::tokens::is_cjk(toks[k].text.chars().next().unwrap_or(' '))
        {
            match hedge {
                Some((n, ())) if skipped == 0 => k += n,
                _ => return None,
            }
        } else if lex.events.at(toks, k).is_none() {
            k += 1;
            loose += 1;
        } else {
            return None;
        }
        skipped += 1;
    }
    None
}

/// What is counted, written before the number in a `noun_first` language: a counted
/// noun or a currency, just before the number or before a hedge or bound written between
/// them ("watu 600", "watu wapatao 600", "wanakijiji zaidi ya 200", "shilingi milioni
/// 5"); its first token and what it counts (the concept and unit, or "money" and the
/// currency's code).
fn counted_before(
    doc: &Doc,
    toks: &[Tok],
    first: usize,
) -> Option<(usize, String, Option<String>)> {
    let lex = doc.lex;
    // the longest hedge ending just before the number
    let at = [&lex.approx, &lex.lower, &lex.upper]
        .iter()
        .filter_map(|t| t.before(toks, first).map(|(s, ())| s))
        .min()
        .unwrap_or(first);
    if at == 0 {
        return None;
    }
    let gap = doc.gap(&toks[at - 1], &toks[at]);
    if breaks(gap) || gap.contains([',', '，', '、', '،']) {
        return None;
    }
    if let Some((s, (c, u))) = lex.objects.before(toks, at) {
        return Some((s, c, u));
    }
    lex.currencies
        .before(toks, at)
        .map(|(s, code)| (s, "money".to_string(), Some(code)))
}

/// The nearest event word within a few tokens before `first` or after `end`.
fn event(
    doc: &Doc,
    toks: &[Tok],
    first: usize,
    end: usize,
    nums: &[(usize, usize)],
) -> Option<String> {
    let lex = doc.lex;
    let is_num = |k: usize| {
        nums.iter()
            .any(|&(s, e)| s <= k && k < e && !(s >= first && e <= end))
    };
    let mut after = None;
    let mut k = end;
    while k < toks.len() && k < end + 7 {
        if (k > 0 && breaks(doc.gap(&toks[k - 1], &toks[k]))) || is_num(k) {
            break;
        }
        if let Some((_, e)) = lex.events.at(toks, k) {
            after = Some((k - end, e));
            break;
        }
        k += 1;
    }
    // Looking back, a comma ends the search too: in "three died, and 27 were treated",
    // "died" belongs to the clause before.
    let mut before = None;
    let mut k = first;
    while k > 0 && first - k < 5 {
        let gap = doc.gap(&toks[k - 1], &toks[k]);
        if breaks(gap) || gap.contains([',', '，', '、', '،']) || is_num(k - 1) {
            break;
        }
        k -= 1;
        if let Some((_, e)) = lex.events.at(toks, k) {
            before = Some((first - k - 1, e));
            break;
        }
    }
    match (before, after) {
        (Some((db, b)), Some((da, a))) => Some(if db < da { b } else { a }),
        (b, a) => b.or(a).map(|(_, e)| e),
    }
}

/// An institution named in sentence `si` ("the police", "politiet", "Міністерство
/// оборони України"): its first token, its length and its key. The key is the
/// country when a country (its adjective or its name) is written within three tokens
/// ("South Korean intelligence", "поліція України" are `KR` and `UA`, as "according to
/// Seoul" is), else the institution's own key (`police`), the same in every language.
pub(crate) fn institutions(doc: &Doc, si: usize, found: &[Found]) -> Vec<(usize, usize, String)> {
    let toks = &doc.toks[si];
    let gz = gazetteer::get();
    let mut out = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let Some((n, key)) = doc.lex.institutions.at(toks, k) else {
            k += 1;
            continue;
        };
        // "police chief Anna Berg", "armádní mluvčí Petr Novák": the person named
        let named = found.iter().any(|f| {
            f.sent == si
                && !matches!(f.entity.kind, EntityKind::Place | EntityKind::Country)
                && f.tok >= k + n
                && f.tok <= k + n + 2
        });
        if named {
            k += n;
            continue;
        }
        // The qualifier belongs to the institution's own phrase: never across a
        // comma or a clause break ("…pentru Rusia, potrivit autorităților de la Seul").
        let clause = |a: usize, b: usize| {
            let gap = doc.gap(&toks[a], &toks[b]);
            breaks(gap) || gap.contains([',', '，', '、', '،'])
        };
        let mut from = k;
        while from > 0 && k - from < 3 && !clause(from - 1, from) {
            from -= 1;
        }
        let mut to = k + n;
        while to < toks.len() && to - (k + n) < 3 && !clause(to - 1, to) {
            to += 1;
        }
        let country = (from..to)
            .filter(|&j| j < k || j >= k + n)
            .find_map(|j| gz.adjectives.at(toks, j).map(|(_, c)| c))
            .or_else(|| {
                found
                    .iter()
                    .filter(|f| f.sent == si && f.entity.kind == EntityKind::Country)
                    .find(|f| f.tok + f.len > from && f.tok < to)
                    .map(|f| f.entity.key.clone())
            });
        out.push((k, n, country.unwrap_or(key)));
        k += n;
    }
    out
}

/// Whom the figures of a sentence are attributed to, if the sentence says it, and
/// from which token on.
fn source(doc: &Doc, si: usize, found: &[Found]) -> Option<(String, usize)> {
    let toks = &doc.toks[si];
    let lex = doc.lex;
    let gz = gazetteer::get();
    let insts = institutions(doc, si, found);
    // A name found only by its capitals that is an institution ("the Ministry of
    // Defence") is the institution, so that it meets its translations.
    let ents: Vec<&Found> = found
        .iter()
        .filter(|f| f.sent == si)
        .filter(|f| {
            f.entity.kind != EntityKind::Other
                || !insts
                    .iter()
                    .any(|i| f.tok < i.0 + i.1 && i.0 < f.tok + f.len)
        })
        .collect();
    let adjs = |from: usize, to: usize| -> Vec<(usize, String)> {
        (from..to)
            .filter_map(|k| gz.adjectives.at(toks, k).map(|(_, c)| (k, c)))
            .collect()
    };
    // The candidate nearest to `at`, looking forwards (after a cue) or backwards
    // (before a reporting verb): an entity, a country's adjective or an institution.
    let nearest = |cands: Vec<(usize, String)>, forwards: bool| -> Option<(usize, String)> {
        if forwards {
            cands.into_iter().min_by_key(|c| c.0)
        } else {
            cands.into_iter().max_by_key(|c| c.0)
        }
    };
    // "ifølge Sydkorea", "potrivit autorităților de la Seul", "according to the police"
    for k in 0..toks.len() {
        if let Some((n, ())) = lex.source.at(toks, k) {
            let after = k + n;
            let mut cands: Vec<(usize, String)> = ents
                .iter()
                .filter(|f| f.tok >= after && f.tok < after + 8)
                .map(|f| (f.tok, f.entity.key.clone()))
                .collect();
            cands.extend(adjs(after, (after + 6).min(toks.len())).into_iter().take(1));
            cands.extend(
                insts
                    .iter()
                    .filter(|i| i.0 >= after && i.0 < after + 6)
                    .map(|i| (i.0, i.2.clone())),
            );
            if let Some((_, key)) = nearest(cands, true) {
                return Some((key, 0));
            }
        }
    }
    // "警察によると", "पुलिस के अनुसार", "Polise göre": the source before its cue
    for k in 0..toks.len() {
        if lex.source_after.at(toks, k).is_some() {
            let from = k.saturating_sub(8);
            let mut cands: Vec<(usize, String)> = ents
                .iter()
                .filter(|f| f.tok >= from && f.tok + f.len <= k)
                .map(|f| (f.tok, f.entity.key.clone()))
                .collect();
            cands.extend(adjs(from, k).into_iter().next_back());
            cands.extend(
                insts
                    .iter()
                    .filter(|i| i.0 >= from && i.0 + i.1 <= k)
                    .map(|i| (i.0, i.2.clone())),
            );
            if let Some((_, key)) = nearest(cands, false) {
                return Some((key, 0));
            }
        }
    }
    // "Seoul's intelligence agency said that …": the subject before a reporting verb
    for v in 0..toks.len() {
        if let Some((n, ())) = lex.speech.at(toks, v) {
            // "…, oplyser FN", "…, the Red Cross said": the whole sentence
            let adjacent = ents.iter().find(|f| {
                f.entity.kind != EntityKind::Place && (f.tok == v + n || f.tok + f.len == v)
            });
            if let Some(f) = adjacent {
                let last_fig_before = v + n >= toks.len() || f.tok + f.len == v;
                if last_fig_before {
                    return Some((f.entity.key.clone(), 0));
                }
            }
            // "…, oplyser politiet", "…, said the police", "Police said …"
            let inst_adjacent = insts.iter().find(|i| {
                (i.0 >= v + n && i.0 <= v + n + 1) || (i.0 + i.1 <= v && i.0 + i.1 + 1 >= v)
            });
            if let Some(i) = inst_adjacent {
                return Some((i.2.clone(), 0));
            }
            let mut cands: Vec<(usize, String)> = ents
                .iter()
                .filter(|f| f.tok < v && f.entity.kind != EntityKind::Place)
                .map(|f| (f.tok, f.entity.key.clone()))
                .collect();
            cands.extend(adjs(0, v).into_iter().next_back());
            cands.extend(
                insts
                    .iter()
                    .filter(|i| i.0 + i.1 <= v)
                    .map(|i| (i.0, i.2.clone())),
            );
            if let Some((_, key)) = nearest(cands, false) {
                // "Sağlık Bakanlığı, 24 saatte 1.200 vaka … açıkladı": the verb closes
                // the sentence and reports every figure before it
                let from = if lex.verb_final { 0 } else { v + n };
                return Some((key, from));
            }
            // "said Putin"
            if let Some(f) = ents
                .iter()
                .find(|f| f.tok == v + n && f.entity.kind == EntityKind::Person)
            {
                return Some((f.entity.key.clone(), 0));
            }
        }
    }
    None
}

/// The figures of a document.
pub fn find(doc: &Doc, found: &[Found]) -> Vec<Figure> {
    let lex = doc.lex;
    let mut out = Vec::new();
    for si in 0..doc.sents.len() {
        if numbers::is_table(doc, si) {
            continue;
        }
        let toks = &doc.toks[si];
        let nums = numbers::scan(doc, si);
        let mut cands: Vec<Cand> = Vec::new();
        for n in &nums {
            cands.push(Cand {
                value: n.value,
                first: n.first,
                end: n.last + 1,
                approx: false,
                words: false,
                year_like: n.year_like,
                num: Some(n.clone()),
                mag: 1.0,
            });
        }
        // number words: "tusindvis", "alți mii", "two hundred"
        let mut k = 0;
        while k < toks.len() {
            if cands.iter().any(|c| c.first <= k && k < c.end)
                || doc.is_masked(toks[k].start, toks[k].end)
            {
                k += 1;
                continue;
            }
            // "周三" (Wednesday) is a day, not three; "不十分" (insufficient) no ten
            if let Some(n) = lex
                .weekdays
                .at(toks, k)
                .map(|(n, _)| n)
                .or_else(|| lex.not_number.at(toks, k).map(|(n, ())| n))
            {
                // "十分之四" (four tenths) is a fraction all the same
                let numeral = numbers::cjk_numeral(toks, k).map_or(0, |(m, _)| m);
                if numeral == 0 || lex.fraction.at(toks, k + numeral).is_none() {
                    k += n;
                    continue;
                }
            }
            // "第二天" (the second day), "第三者": an ordinal
            if k > 0
                && lex.ordinal_before.before(toks, k).is_some()
                && doc.gap(&toks[k - 1], &toks[k]).is_empty()
            {
                k += 1;
                continue;
            }
            let vague = lex.vague.at(toks, k);
            let card = lex
                .cardinal
                .at(toks, k)
                .or_else(|| numbers::cjk_numeral(toks, k));
            match (vague, card) {
                (Some((n, v)), c) if c.as_ref().is_none_or(|(m, _)| *m <= n) => {
                    cands.push(Cand {
                        value: v,
                        first: k,
                        end: k + n,
                        approx: true,
                        words: true,
                        year_like: false,
                        num: None,
                        mag: 1.0,
                    });
                    k += n;
                }
                (_, Some((n, v))) => {
                    cands.push(Cand {
                        value: v,
                        first: k,
                        end: k + n,
                        approx: false,
                        words: true,
                        year_like: false,
                        num: None,
                        mag: 1.0,
                    });
                    k += n;
                }
                _ => k += 1,
            }
        }
        cands.sort_by_key(|c| c.first);
        // "десятков тысяч", "decenas de miles", "hundreds of millions": an indefinite
        // multiple of an indefinite magnitude is one indefinite number, their product
        let mut k = 0;
        while k + 1 < cands.len() {
            let (a, b) = (&cands[k], &cands[k + 1]);
            let link = lex.link.at(toks, a.end).map_or(0, |(n, ())| n);
            let joined = (b.first == a.end || (link > 0 && b.first == a.end + link))
                && !breaks(doc.gap(&toks[a.end - 1], &toks[b.first]));
            if a.approx && a.words && b.approx && b.words && joined && b.value > a.value {
                let (value, end) = (a.value * b.value, b.end);
                cands[k].value = value;
                cands[k].end = end;
                cands.remove(k + 1);
            } else {
                k += 1;
            }
        }
        // magnitudes: "2,5 mia.", "10 mii", "to hundrede"
        for c in cands.iter_mut() {
            // "数千万人", "数百万": an indefinite number written straight before a larger
            // magnitude multiplies it, as "tens of millions" does
            if c.approx && c.words {
                if let Some((n, m)) = lex.magnitude.at(toks, c.end) {
                    if m > c.value && doc.gap(&toks[c.end - 1], &toks[c.end]).is_empty() {
                        c.value = round_significant(c.value * m);
                        c.end += n;
                        c.mag = m;
                    }
                }
                continue;
            }
            let link = lex.link.at(toks, c.end).map_or(0, |(n, ())| n);
            let mag = lex
                .magnitude
                .at(toks, c.end)
                .map(|(n, m)| (n, m, 0))
                .or_else(|| {
                    (link > 0)
                        .then(|| {
                            lex.magnitude
                                .at(toks, c.end + link)
                                .map(|(n, m)| (n, m, link))
                        })
                        .flatten()
                });
            if let Some((n, m, l)) = mag {
                if !breaks(doc.gap(&toks[c.end - 1], &toks[c.end])) {
                    // "1.1億": 1.1 × 10⁸ in binary floating point is 110000000.00000001
                    c.value = round_significant(c.value * m);
                    c.end += n + l;
                    c.year_like = false;
                    c.mag = m;
                }
            }
        }
        // "milioni 5", "elfu mbili" (2,000): a magnitude written before its number
        if lex.noun_first {
            for k in 0..cands.len() {
                let reach = if k == 0 { 0 } else { cands[k - 1].end };
                let c = &cands[k];
                if c.mag != 1.0 || (c.approx && c.words) || c.first == 0 {
                    continue;
                }
                let Some((s, m)) = lex.magnitude.before(toks, c.first) else {
                    continue;
                };
                if s < reach || breaks(doc.gap(&toks[c.first - 1], &toks[c.first])) {
                    continue;
                }
                let c = &mut cands[k];
                c.value = round_significant(c.value * m);
                c.first = s;
                c.year_like = false;
                c.mag = m;
            }
        }
        // a magnitude may have swallowed a following number word ("sedm tisíc")
        let mut reach = 0;
        cands.retain(|c| {
            let keep = c.first >= reach;
            if keep {
                reach = c.end;
            }
            keep
        });
        // "2万8000人", "1億3600万ドル", "sedm tisíc pět set", "twenty-five": a number
        // right after another that ends in more zeros than it has digits is the rest of
        // the same number, in digits after a magnitude (CJK) or in words
        let mut k = 0;
        while k + 1 < cands.len() {
            let (a, b) = (&cands[k], &cands[k + 1]);
            // "kumi na wawili" (12), "elfu mbili na mia tano": words joined by "and"
            // where the noun comes first
            let and = lex.noun_first && a.words && b.words && {
                let n = lex.and.at(toks, a.end).map_or(0, |(n, ())| n);
                n > 0
                    && b.first == a.end + n
                    && doc.gap(&toks[a.end - 1], &toks[a.end]) == " "
                    && doc.gap(&toks[b.first - 1], &toks[b.first]) == " "
            };
            if b.first != a.end && !and {
                k += 1;
                continue;
            }
            let gap = doc.gap(&toks[a.end - 1], &toks[b.first]);
            let digits_after_mag = a.mag >= 1e4 && gap.is_empty() && !b.words;
            let words = and || (a.words && b.words && matches!(gap, " " | "-" | "\u{a0}"));
            let place = {
                let mut p = 1.0;
                let v = a.value.round();
                while v > 0.0 && v % (p * 10.0) == 0.0 && v == a.value {
                    p *= 10.0;
                }
                p
            };
            let fits = b.value < place && place >= 10.0;
            if (b.first == a.end || and)
                && (digits_after_mag || words)
                && !a.approx
                && !b.approx
                && fits
            {
                let (value, end, mag) = (round_significant(a.value + b.value), b.end, b.mag);
                cands[k].value = value;
                cands[k].end = end;
                cands[k].mag = mag;
                cands.remove(k + 1);
            } else {
                k += 1;
            }
        }
        // "5分の1" (a fifth), "十分之四" (four tenths): a share, not two counts
        let mut k = 0;
        while k < cands.len() {
            // only with the second number there: "３～５分の個人発表" is five minutes
            let n = lex.fraction.at(toks, cands[k].end).map_or(0, |(n, ())| n);
            let next = cands[k].end + n;
            if n > 0 && cands.get(k + 1).is_some_and(|c| c.first == next) {
                cands.remove(k);
                cands.remove(k);
            } else {
                k += 1;
            }
        }
        // a magnitude may have swallowed a following number word ("500 de milioane")
        let mut reach = 0;
        cands.retain(|c| {
            let keep = c.first >= reach;
            if keep {
                reach = c.end;
            }
            keep
        });
        if cands.is_empty() {
            continue;
        }
        let spans: Vec<(usize, usize)> = cands.iter().map(|c| (c.first, c.end)).collect();
        let src = source(doc, si, found);
        let mut figs: Vec<Figure> = Vec::new();
        let mut consumed_until = 0;
        for (ci, c) in cands.iter().enumerate() {
            if c.first < consumed_until {
                continue;
            }
            let mut end = c.end;
            let mut bound = None;
            let mut value_max = None;
            let mut hyphen = false;
            // ranges: "10-15", "10 til 15", "mellem 10 og 15"
            if let Some(next) = cands.get(ci + 1).filter(|n| n.first >= end) {
                let gap = doc.gap(&toks[end - 1], &toks[next.first]).trim();
                // "３～５分", "3〜5", "10-15", "10–15"
                let dash = matches!(gap, "-" | "–" | "～" | "〜" | "~");
                let joined = dash
                    || lex
                        .range
                        .at(toks, end)
                        .is_some_and(|(n, _)| end + n == next.first)
                    || (lex.between.before(toks, c.first).is_some()
                        && lex
                            .and
                            .at(toks, end)
                            .is_some_and(|(n, _)| end + n == next.first));
                hyphen = dash;
                if joined && next.num.is_some() == c.num.is_some() {
                    if next.value > c.value {
                        bound = Some(Bound::Range);
                        value_max = Some(next.value);
                        end = next.end;
                        consumed_until = next.end;
                    } else if dash {
                        // a score such as 2-0
                        consumed_until = next.end;
                        continue;
                    }
                }
            }
            // "zaidi ya watu 600": the hedge before the noun written first
            let noun_first = lex
                .noun_first
                .then(|| counted_before(doc, toks, c.first))
                .flatten();
            let hedge = |t: &crate::lexicon::Table<()>| {
                t.before(toks, c.first).is_some()
                    || noun_first
                        .as_ref()
                        .is_some_and(|(s, _, _)| t.before(toks, *s).is_some())
            };
            let mut approx = c.approx || hedge(&lex.approx);
            if bound.is_none() {
                if hedge(&lex.lower) {
                    bound = Some(Bound::Lower);
                } else if hedge(&lex.upper) {
                    bound = Some(Bound::Upper);
                } else if c.approx && c.words {
                    bound = Some(Bound::Lower);
                }
            }
            let mut counted = None;
            let mut unit = None;
            let mut obj_end = end;
            let pct = c.num.as_ref().is_some_and(|n| n.percent);
            // "yüzde 48,6": the percent word before the number
            let pct_before = c.first > 0
                && lex.percent.before(toks, c.first).is_some()
                && doc
                    .gap(&toks[c.first - 1], &toks[c.first])
                    .trim()
                    .is_empty();
            // "7割", "七成": tenths
            let tenths = lex
                .tenths
                .at(toks, end)
                .filter(|_| lex.not_tenths.at(toks, end).is_none());
            let mut value = c.value;
            if let Some((n, ())) = tenths {
                value = round_significant(c.value * 10.0);
                counted = Some("percent".to_string());
                unit = Some("%".to_string());
                obj_end = end + n;
            } else if pct || lex.percent.at(toks, end).is_some() || pct_before {
                counted = Some("percent".to_string());
                unit = Some("%".to_string());
                if let Some((n, ())) = lex.percent.at(toks, end) {
                    obj_end = end + n;
                }
            } else if let Some(code) = c.num.as_ref().and_then(|n| n.currency).or_else(|| {
                // "100 milionu €", "110 milionů $": the sign after the magnitude word
                (c.mag > 1.0)
                    .then(|| {
                        // "100 Mio. €": past the abbreviation's point
                        doc.text[toks[end - 1].end..doc.sents[si].1]
                            .trim_start_matches(['.', ' ', '\u{a0}'])
                            .chars()
                            .next()
                            .and_then(numbers::symbol)
                    })
                    .flatten()
            }) {
                counted = Some("money".to_string());
                unit = Some(code.to_string());
            } else if let Some((n, code)) = lex.currencies.at(toks, end).or_else(|| {
                lex.link
                    .at(toks, end)
                    .and_then(|(l, ())| lex.currencies.at(toks, end + l).map(|(n, c)| (n + l, c)))
            }) {
                counted = Some("money".to_string());
                unit = Some(code);
                obj_end = end + n;
            } else if let Some((_, concept, u)) = noun_first {
                counted = Some(concept);
                unit = u;
            } else if let Some((_, code)) = lex.currencies.before(toks, c.first) {
                counted = Some("money".to_string());
                unit = Some(code);
            } else if let Some((concept, u, after, loose)) = object(doc, toks, end) {
                // A year ("in 2022", "У 2022 році до в’язниці") counts only the noun
                // right after it, unless a hedge or bound says it is a count ("about
                // 1500 North Korean soldiers")
                let hedged = lex.approx.before(toks, c.first).is_some()
                    || lex.lower.before(toks, c.first).is_some()
                    || lex.upper.before(toks, c.first).is_some();
                if !c.year_like || loose == 0 || hedged {
                    counted = Some(concept);
                    unit = u;
                    obj_end = after;
                }
            }
            // "兵士1万人": the noun before the number says more than the counter after it
            if lex.noun_before_number && matches!(counted.as_deref(), None | Some("people")) {
                if let Some((s, (concept, u))) = lex.objects.before(toks, c.first) {
                    let joined = s == 0 || !breaks(doc.gap(&toks[s], &toks[c.first]));
                    // "仙台８９": a counter counts what follows it, it names nothing before
                    let counter = lex
                        .counter
                        .at(toks, s)
                        .is_some_and(|(n, ())| s + n == c.first);
                    if joined && u.is_none() && !counter {
                        counted = Some(concept);
                        unit = None;
                    }
                }
            }
            // hedges and bounds written after the number or its counter: "1万人以上",
            // "约500人左右", "100'den fazla kişi", "500명 이상"
            let after = |t: &crate::lexicon::Table<()>| {
                t.at(toks, end).is_some() || (obj_end > end && t.at(toks, obj_end).is_some())
            };
            if bound.is_none() {
                if after(&lex.lower_after) {
                    bound = Some(Bound::Lower);
                } else if after(&lex.upper_after) {
                    bound = Some(Bound::Upper);
                }
            }
            if after(&lex.approx_after) {
                approx = true;
            }
            // a date or a clock time ("3月", "5日", "10時"), unless a unit is longer there
            // ("5日間"); a year is not a count of years ("2023年", "2023 года")
            if let Some((n, ())) = lex.date_after.at(toks, end) {
                // "1650日元" is money, "5日間" days
                let longer = |m: Option<usize>| m.is_some_and(|m| m > n);
                if !longer(lex.objects.at(toks, end).map(|(m, _)| m))
                    && !longer(lex.currencies.at(toks, end).map(|(m, _)| m))
                {
                    continue;
                }
            }
            // "1年", "1台", "1週間": one of a counter is the article, as "一年", "a year"
            // and "one year" are (neither "一" alone nor "one" is read as a number)
            let one = c.value == 1.0 && c.mag == 1.0 && bound.is_none() && value_max.is_none();
            if lex.noun_before_number
                && one
                && c.num.as_ref().is_some_and(|n| n.first == n.last)
                && !matches!(counted.as_deref(), Some("percent" | "money"))
            {
                continue;
            }
            // "１１時２５分" is a clock time, "26年３月期" a date: a number after a number
            // and its date word, or followed by one
            if lex.noun_before_number {
                let after_date = c.first >= 2
                    && toks[c.first - 2].digit
                    && lex.date_after.at(toks, c.first - 1).is_some()
                    && toks[c.first - 1].end == toks[c.first].start;
                let before_date = counted.as_deref() == Some("years")
                    && obj_end < toks.len()
                    && toks[obj_end].digit
                    && toks[obj_end - 1].end == toks[obj_end].start
                    && lex.date_after.at(toks, obj_end + 1).is_some();
                if (after_date && counted.as_deref() == Some("minutes")) || before_date {
                    continue;
                }
            }
            // "（81岁）", "(35 years)": an age in parentheses after a name
            if counted.as_deref() == Some("years") {
                let open = doc.text[..toks[c.first].start]
                    .trim_end()
                    .ends_with(['(', '（']);
                let close = doc.text[toks[obj_end.max(end) - 1].end..]
                    .trim_start()
                    .starts_with([')', '）']);
                if open && close {
                    continue;
                }
            }
            if c.year_like && counted.as_deref() == Some("years") {
                continue;
            }
            // years, number words and hyphenated pairs (scores) need a counted noun
            if (c.year_like || (c.words && !c.approx) || (hyphen && bound == Some(Bound::Range)))
                && counted.is_none()
            {
                continue;
            }
            let ev = if counted
                .as_deref()
                .is_some_and(|c| c == "percent" || c == "money")
            {
                None
            } else {
                event(doc, toks, c.first, obj_end, &spans).or_else(|| {
                    (obj_end > end)
                        .then(|| lex.events.at(toks, obj_end - 1).map(|(_, e)| e))
                        .flatten()
                })
            };
            if counted.is_none() && ev.is_none() {
                continue;
            }
            if c.words && c.approx {
                approx = true;
            }
            let start = c
                .num
                .as_ref()
                .map(|_| toks[c.first].start)
                .unwrap_or(toks[c.first].start);
            let stop = toks[end - 1].end;
            let source = src
                .as_ref()
                .filter(|(_, from)| c.first >= *from)
                .map(|(k, _)| k.clone());
            figs.push(Figure {
                value,
                value_max,
                approx,
                bound,
                counted,
                event: ev,
                unit,
                source,
                text: doc.text[start..stop].to_string(),
                sentence: si,
                span: Span::new(start, stop),
            });
        }
        // "600 soldiers were killed and thousands (of them) wounded"
        for k in 1..figs.len() {
            // not across a semicolon: "…4 hours; 30 ambulances…" are two clauses
            let across = doc
                .text
                .get(figs[k - 1].span.end..figs[k].span.start)
                .is_some_and(|g| g.contains([';', '；']));
            if figs[k].counted.is_none() && !across {
                figs[k].counted = figs[..k].iter().rev().find_map(|f| f.counted.clone());
            }
        }
        out.extend(figs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per figure: value, ~ if approximate, bound, counted, event, unit, source.
    fn check(lang: &str, input: &str, expected: &str) {
        let sents = crate::doc::one_sentence(input);
        let doc = Doc::new(input, &sents, lang);
        let found = crate::entities::find(&doc);
        let got: Vec<String> = find(&doc, &found)
            .iter()
            .map(|f| {
                let mut s = f.value.to_string();
                if let Some(m) = f.value_max {
                    s.push_str(&format!("..{m}"));
                }
                if f.approx {
                    s.push('~');
                }
                match f.bound {
                    Some(Bound::Lower) => s.push('>'),
                    Some(Bound::Upper) => s.push('<'),
                    _ => {}
                }
                for part in [&f.counted, &f.event, &f.unit, &f.source]
                    .into_iter()
                    .flatten()
                {
                    s.push(' ');
                    s.push_str(part);
                }
                s
            })
            .collect();
        assert_eq!(got.join("; "), expected, "{lang}: {input}");
    }

    #[test]
    fn danish() {
        check(
            "da",
            "Hæren har mistet omkring 2.000 soldater siden foråret, ifølge Sydkorea.",
            "2000~ soldiers lost KR",
        );
        check("da", "Mødet varede 2,5 timer.", "2.5 hours h");
        check(
            "da",
            "Efterfølgende indsatte Pyongyang tusindvis af tropper.",
            "1000~> soldiers sent",
        );
        check(
            "da",
            "Mellem 10 og 15 civile blev dræbt.",
            "10..15 civilians killed",
        );
        check("da", "Det kostede 2,5 mia. kr.", "2500000000 money DKK");
        check(
            "da",
            "Arbejdsløsheden steg til 5,2 procent.",
            "5.2 percent %",
        );
    }

    #[test]
    fn romanian() {
        check("ro", "Serviciile sud-coreene au declarat că regimul a trimis peste 10 000 de soldați în regiune.", "10000> soldiers sent KR");
        check("ro", "Potrivit autorităților de la Seul, aproximativ 600 de soldați au fost uciși iar alți mii răniți.", "600~ soldiers killed KR; 1000~> soldiers wounded KR");
    }

    #[test]
    fn longer_than_is_a_lower_bound_in_every_language() {
        check(
            "de",
            "Die Patienten warten länger als 4 Stunden.",
            "4> hours h",
        );
        check(
            "de",
            "Der trockenste Winter seit vierzig Jahren.",
            "40 years y",
        );
        check("cs", "Pacienti čekají déle než 4 hodiny.", "4> hours h");
        check(
            "cs",
            "Lhůta je deseti let a dvou měsíců.",
            "10 years y; 2 months mo",
        );
        check("ru", "Пациенты ждут дольше 4 часов.", "4> hours h");
        check(
            "da",
            "Patienterne venter længere end 4 timer.",
            "4> hours h",
        );
        check("pl", "Pacjenci czekają dłużej niż 4 godziny.", "4> hours h");
    }

    #[test]
    fn english() {
        check(
            "en",
            "According to Kyiv, more than 2,000 troops were killed and 3,500 wounded.",
            "2000> soldiers killed UA; 3500 soldiers wounded UA",
        );
        check(
            "en",
            "Four in ten patients waited longer than four hours and some shorter than 30 minutes.",
            "4> hours h; 30< minutes min",
        );
        check(
            "en",
            "The army sent dozens of drones and $5 million.",
            "10~> drones sent; 5000000 money USD",
        );
        check(
            "en",
            "Up to 40% of the 1,200 residents fled.",
            "40< percent %; 1200 people displaced",
        );
    }

    #[test]
    fn an_event_stays_in_its_clause() {
        check(
            "en",
            "Three people died in the floods, and 27 people were treated in hospital.",
            "3 people killed; 27 people hospitalised",
        );
        check(
            "ro",
            "Trei persoane au murit, iar alte 27 persoane au fost duse la spital.",
            "3 people killed; 27 people hospitalised",
        );
        check(
            "en",
            "Ministers from twelve countries ended two days of talks.",
            "2 days d",
        );
    }

    #[test]
    fn cjk_numbers() {
        // a number continued after its magnitude, an indefinite number times a magnitude
        check(
            "ja",
            "避難者は3万4500人に上った。",
            "34500 people evacuated",
        );
        check("ja", "総工費は2億4000万円。", "240000000 money JPY");
        check("zh", "共有1亿2000万人口。", "120000000 people");
        check("ja", "数百万人が影響を受けた。", "1000000~> people");
        // tenths: 割 and 成
        check("ja", "住民の６割が賛成した。", "60 percent %");
        check("zh", "八成的学生参加了。", "80 percent %");
        check("zh", "三成员国同意了。", "");
        // the counter follows the number at once: no loose ideographs between
        check("ja", "三権分立を守る。", "");
        check("zh", "以12胜8负位列第二。", "");
        check("zh", "有300多名学生参加。", "300> people");
        // a counter before a number names nothing; an ordinal is no count
        check("ja", "大阪台12号線で渋滞。", "");
        check("zh", "第二天有40人到场。", "40 people");
        // ranges with a wave dash, a share only with its second number
        check("ja", "発表は３～５分の予定。", "3..5 minutes min");
        check("ja", "全体の3分の1が賛成した。", "");
        // clock times, a year before its month, school and era years
        check(
            "ja",
            "午前９時３０分ごろ、20人が避難した。",
            "20 people evacuated",
        );
        check("ja", "25年３月期の売上高", "");
        check("ja", "期限まであと5日後に迫った。", "5 days d");
        check("zh", "昭和20年出生的老人", "");
        // an age in parentheses
        check(
            "zh",
            "记者王明（45岁）说，有20人受伤。",
            "20 people wounded",
        );
        // money written with a word that begins with a date word
        check("zh", "票价为3000日元。", "3000 money JPY");
    }

    #[test]
    fn compound_number_words() {
        check(
            "cs",
            "Poplatky vzrostly o sedm set až tisíc pět set korun.",
            "700..1500 money CZK",
        );
        check(
            "cs",
            "Nově zaplatí zhruba šest tisíc tři sta korun.",
            "6300~ money CZK",
        );
        check("en", "Twenty-five people were hurt.", "25 people wounded");
        check(
            "ru",
            "В аварии погибли триста двадцать пять человек.",
            "325 people killed",
        );
        check("uk", "Квиток коштує п'ятсот гривень.", "500 money UAH");
        // a participle read as people, then the noun it qualifies
        check(
            "ru",
            "Помощь получат 300 пострадавших семей.",
            "300 families",
        );
        check("en", "two three-bedroom flats", "");
        // the currency sign after the magnitude word
        check(
            "cs",
            "Škoda dosáhla 40 milionů € denně.",
            "40000000 money EUR",
        );
        check(
            "de",
            "Der Streik kostet 70 Mio. € pro Woche.",
            "70000000 money EUR",
        );
        check(
            "de",
            "vor 14 Monaten und in den letzten fünf Jahren",
            "14 months mo; 5 years y",
        );
        check("de", "mehr als eine Million Tonnen", "1000000> mass t");
        // a measure joined by a hyphen; an age is none
        check(
            "en",
            "After a 40-hour siege, a 52-year-old man was held.",
            "40 hours h",
        );
        // one of a counter in CJK digits is the article
        check("ja", "車1台と住宅12棟が焼けた。", "12 houses");
    }

    #[test]
    fn a_magnitude_alone() {
        check(
            "ru",
            "Склад принял более миллиона тонн зерна.",
            "1000000> mass t",
        );
        check(
            "uk",
            "Завод переробив понад мільйон тонн сталі.",
            "1000000~> mass t",
        );
        check(
            "cs",
            "Firma zpracovala více než milion tun odpadu.",
            "1000000> mass t",
        );
        check(
            "is",
            "Höfnin tók við meira en einni milljón tonna.",
            "1000000> mass t",
        );
        check("uk", "Ціна сягнула 30 000 дол. США.", "30000 money USD");
    }

    #[test]
    fn inflected_magnitudes_and_units() {
        check("ru", "Пособие получат 12 тысячам семей.", "12000 families");
        check(
            "uk",
            "Збитки оцінюють у 3 мільярдах гривень.",
            "3000000000 money UAH",
        );
        check(
            "is",
            "Verkfallið stóð í 12 daga og kostaði 40 milljónum króna.",
            "12 days d; 40000000 money ISK",
        );
        check("is", "Hann bjó þar í 7 árum.", "7 years y");
        check("hi", "मरीज़ों को 9 घंटों तक इंतज़ार करना पड़ा।", "9< hours h");
        check(
            "en",
            "The ministry allocated 4.5 bln rubles and 30 mln people voted.",
            "4500000000 money RUB; 30000000 people",
        );
    }

    #[test]
    fn noise_gives_no_figures() {
        check("da", "FCK vandt 2-0 over Brøndby og tabte 1-2 i 2019.", "");
        check(
            "da",
            "Ring på tlf. 33 12 34 56 eller +45 70 20 30 40 for at få 3 billetter.",
            "",
        );
        check("da", "Kampen startede kl. 14.30 og sluttede 16:45.", "");
        check("da", "Den 3. september tog han sin 4. sejr.", "");
        check("en", "He finished 3rd in 2023 and 21st in 2024.", "");
        check(
            "en",
            "Read more at https://example.com/2000-soldiers-killed",
            "",
        );
        check("da", "12 45 67 89 10 11 23 45", "");
        check("ro", "Scorul a fost 3-1 la pauză, 2023", "");
    }

    #[test]
    fn finnish() {
        check(
            "fi",
            "Poliisin mukaan onnettomuudessa loukkaantui noin 12 ihmistä.",
            "12~ people wounded police",
        );
        check(
            "fi",
            "Maahan lähetettiin yli viisisataa sotilasta.",
            "500> soldiers sent",
        );
        check(
            "fi",
            "Hanke maksaa 3,5 miljoonaa euroa.",
            "3500000 money EUR",
        );
    }

    #[test]
    fn hungarian() {
        // "hét" is seven and a week: after a number, the week
        check("hu", "A tárgyalás 2 hét után ért véget.", "2 weeks wk");
        check("hu", "A sztrájk három hétig tartott.", "3 weeks wk");
        check("hu", "Hét ember meghalt.", "7 people killed");
        check(
            "hu",
            "A rendőrség szerint legalább 30 ember meghalt.",
            "30> people killed police",
        );
        check(
            "hu",
            "Mintegy 5000 embert kellett kimenekíteni.",
            "5000~ people evacuated",
        );
        check(
            "hu",
            "Az infláció 4,2 százalékra csökkent.",
            "4.2 percent %",
        );
    }

    #[test]
    fn bulgarian_in_cyrillic() {
        check(
            "bg",
            "Според полицията около 300 души са били евакуирани.",
            "300~ people evacuated police",
        );
        check(
            "bg",
            "Над 40 000 войници са изпратени на фронта.",
            "40000> soldiers sent",
        );
        check(
            "bg",
            "Проектът ще струва 2 милиарда лева.",
            "2000000000 money BGN",
        );
    }

    #[test]
    fn indonesian() {
        // "Minggu" is Sunday after "hari" / "pada", and never a name
        check(
            "id",
            "Sebanyak 25 orang ditangkap pada hari Minggu, kata polisi.",
            "25 people arrested police",
        );
        check(
            "id",
            "Dua minggu lalu, 300 rumah terbakar.",
            "2 weeks wk; 300 houses",
        );
        check(
            "id",
            "Menurut polisi, sedikitnya 7 orang tewas.",
            "7> people killed police",
        );
        check(
            "id",
            "Sekitar 1.500 warga dievakuasi.",
            "1500~ people evacuated",
        );
        check(
            "id",
            "Pemerintah menyiapkan 5 triliun rupiah.",
            "5000000000000 money IDR",
        );
    }

    #[test]
    fn vietnamese() {
        // "ngày 5 tháng 3" is 5 March; "5 tháng" alone five months
        check(
            "vi",
            "Ngày 5 tháng 3, 12 người thiệt mạng.",
            "12 people killed",
        );
        check("vi", "Cuộc chiến kéo dài 5 tháng.", "5 months mo");
        check(
            "vi",
            "Theo cảnh sát, ít nhất 6 người bị thương.",
            "6> people wounded police",
        );
        check(
            "vi",
            "Khoảng 2.000 người đã được sơ tán.",
            "2000~ people evacuated",
        );
        check("vi", "Dự án có tổng vốn 5 tỷ đồng.", "5000000000 money VND");
    }

    #[test]
    fn swahili_counts_the_noun_before_the_number() {
        // the noun first, a hedge or bound between them or before the noun
        check(
            "sw",
            "Kwa mujibu wa polisi, watu wapatao 600 walihamishwa.",
            "600~ people evacuated police",
        );
        check(
            "sw",
            "Zaidi ya watu 2,000 wamekosa makazi.",
            "2000> people displaced",
        );
        check(
            "sw",
            "Watu wasiopungua 10 walikamatwa, polisi walisema.",
            "10> people arrested police",
        );
        check(
            "sw",
            "Chini ya wagonjwa 50 walilazwa hospitalini.",
            "50< cases hospitalised",
        );
        check("sw", "Askari 200 walitumwa mpakani.", "200 soldiers sent");
        check(
            "sw",
            "Maelfu ya wakimbizi walihamishwa.",
            "1000~> refugees evacuated",
        );
        // number words after the noun, joined by "na"; a magnitude before its number
        check(
            "sw",
            "Watu kumi na wawili wamefariki dunia.",
            "12 people killed",
        );
        check(
            "sw",
            "Watu elfu mbili na mia tano walihamishwa.",
            "2500 people evacuated",
        );
        check("sw", "Nyumba tano ziliharibiwa.", "5 houses");
        check("sw", "Kesi hiyo ilidumu miaka 3.", "3 years y");
        // "tarehe 5 Machi" is a date; "mwaka 2025" a year, not 2025 years
        check(
            "sw",
            "Tarehe 5 Machi, watu 3 walijeruhiwa.",
            "3 people wounded",
        );
        check("sw", "Mwaka 2025 watu 40 waliuawa.", "40 people killed");
        // money: the currency and the magnitude before the number
        check(
            "sw",
            "Serikali imetenga shilingi milioni 5.",
            "5000000 money KES",
        );
        check(
            "sw",
            "Mradi utagharimu takriban dola milioni 125.",
            "125000000~ money USD",
        );
        check(
            "sw",
            "Mfumuko wa bei ulifika asilimia 4.5.",
            "4.5 percent %",
        );
        // a score and an ordinal ("dakika ya 23", the 23rd minute) are no counts
        check(
            "sw",
            "Timu ilishinda mabao 2-1 na kufunga dakika ya 23.",
            "",
        );
    }

    #[test]
    fn persian_in_arabic_script() {
        // "تن" is a tonne, and counts people before "از" ("five of the passengers")
        check(
            "fa",
            "۲۰ تن گندم و ۵ تن از مسافران زخمی شدند.",
            "20 mass t; 5 passengers wounded",
        );
        check(
            "fa",
            "به گفته پلیس، دست‌کم ۵ نفر کشته شدند.",
            "5> people killed police",
        );
        check(
            "fa",
            "حدود ۱۰ هزار نفر آواره شدند.",
            "10000~ people displaced",
        );
        check("fa", "نرخ تورم به ۴۰ درصد رسید.", "40 percent %");
    }
}

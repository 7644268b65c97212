//! Quotations in every common style (“ ” „ ” „ “ « » ‘ ’ ” ” " " 「 」 『 』), with their speaker: a
//! person next to a reporting verb outside the quote, else the first person the
//! sentence names outside the quote, else the speaker or first person of the sentence
//! before. Titles in quotation marks ("“Victory Day”-parade") are left out.

use crate::doc::Doc;
use crate::entities::Found;
use parallax_core::facts::{EntityKind, Quote, Span};

/// The closing marks for an opening mark.
fn closers(open: char) -> &'static [char] {
    match open {
        '“' => &['”', '“'],
        '„' => &['”', '“'],
        '«' => &['»'],
        '»' => &['«'],
        '‘' => &['’'],
        '‹' => &['›'],
        '”' => &['”'],
        '"' => &['"'],
        '「' => &['」'],
        '『' => &['』'],
        _ => &[],
    }
}

/// Quoted spans: (start of the opening mark, end of the closing mark).
fn spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        let close = closers(c);
        let prev = if k == 0 { ' ' } else { chars[k - 1].1 };
        let next = chars.get(k + 1).map(|x| x.1).unwrap_or(' ');
        let opens = !close.is_empty()
            && (!prev.is_alphanumeric() || c == '「' || c == '『')
            && (!next.is_whitespace() || c == '«' || c == '»')
            && !(c == '”' && !(prev.is_whitespace() || k == 0));
        if !opens {
            k += 1;
            continue;
        }
        let mut found = None;
        let mut m = k + 1;
        while m < chars.len() {
            let (j, d) = chars[m];
            if d == '\n' && chars.get(m + 1).is_some_and(|x| x.1 == '\n') {
                break;
            }
            let after = chars.get(m + 1).map(|x| x.1).unwrap_or(' ');
            if close.contains(&d) && !(d == '’' && after.is_alphabetic()) {
                found = Some((j, j + d.len_utf8()));
                break;
            }
            m += 1;
        }
        match found {
            Some((_, end)) => {
                out.push((i, end));
                k = m + 1;
            }
            None => k += 1,
        }
    }
    out
}

/// Whether a quotation is a title or name rather than speech.
fn is_title(text: &str, inner: &str, end: usize) -> bool {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let compound =
        text[end..].starts_with('-') && text[end..].chars().nth(1).is_some_and(char::is_alphabetic);
    compound
        || (words.len() <= 4
            && words.iter().all(|w| {
                w.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
            }))
}

/// An institution next to a reporting verb outside the quote ("…», a declarat poliția",
/// "警方表示"): its key and its words as written.
fn institution_speaker(
    doc: &Doc,
    found: &[Found],
    first: usize,
    last: usize,
    start: usize,
    end: usize,
) -> Option<(String, String)> {
    for si in first..=last {
        let toks = &doc.toks[si];
        let insts = crate::figures::institutions(doc, si, found);
        for v in 0..toks.len() {
            if toks[v].start >= start && toks[v].end <= end {
                continue;
            }
            let Some((n, ())) = doc.lex.speech.at(toks, v) else {
                continue;
            };
            let near = insts.iter().find(|i| {
                let outside = toks[i.0].start >= end || toks[i.0 + i.1 - 1].end <= start;
                outside
                    && ((i.0 >= v + n && i.0 <= v + n + 1)
                        || (i.0 + i.1 <= v && i.0 + i.1 + 1 >= v))
            });
            if let Some(i) = near {
                let text = &doc.text[toks[i.0].start..toks[i.0 + i.1 - 1].end];
                return Some((i.2.clone(), text.to_string()));
            }
        }
    }
    None
}

/// The speaker a reporting verb outside the quote (bytes `start..end`) names in
/// sentences `first..=last`: a person, else a name the lists do not know ("…“, řekl
/// Petr Fiala"), next to the verb; or, with `nearest`, the name nearest the verb in its
/// sentence ("马西向《新闻周刊》表示：“…”", "Xは「…」と述べた").
fn attributed<'a>(
    doc: &Doc,
    people: &[&'a Found],
    named: &[&'a Found],
    first: usize,
    last: usize,
    (start, end): (usize, usize),
    nearest_ok: bool,
) -> Option<&'a Found> {
    let mut nearest: Option<(usize, &'a Found)> = None;
    for si in first..=last {
        let toks = &doc.toks[si];
        for v in 0..toks.len() {
            if toks[v].start >= start && toks[v].end <= end {
                continue;
            }
            let Some((n, ())) = doc.lex.speech.at(toks, v) else {
                continue;
            };
            let next_to_verb = |f: &&&Found| {
                f.sent == si
                    && ((f.tok >= v + n && f.tok <= v + n + 1)
                        || (f.tok + f.len <= v && f.tok + f.len + 2 >= v))
            };
            if let Some(f) = people
                .iter()
                .find(next_to_verb)
                .or_else(|| named.iter().find(next_to_verb))
            {
                return Some(f);
            }
            if !nearest_ok {
                continue;
            }
            for f in people.iter().chain(named).filter(|f| f.sent == si) {
                let d = if f.tok >= v + n {
                    f.tok - (v + n)
                } else {
                    v.saturating_sub(f.tok + f.len)
                };
                if nearest.is_none_or(|(best, _)| d < best) {
                    nearest = Some((d, f));
                }
            }
        }
    }
    nearest.map(|(_, f)| f)
}

/// The first person of the clause that holds a reporting verb outside the quote: with
/// no person next to the verb, the one who speaks is the subject of the verb's own
/// clause ("Da han fulgte den nordkoreanske leder til bilen, inviterede Putin Kim … og
/// sagde: “…”" — Putin, not the leader of the clause before; "After the talks, Putin
/// invited Kim and said: …"). A clause runs from the last comma, semicolon or colon
/// before the verb (outside the quote) to the verb.
fn clause_subject<'a>(
    doc: &Doc,
    people: &[&'a Found],
    first: usize,
    last: usize,
    (start, end): (usize, usize),
) -> Option<&'a Found> {
    for si in first..=last {
        let toks = &doc.toks[si];
        let sent_start = doc.sents.get(si).map_or(0, |s| s.0);
        for v in 0..toks.len() {
            if toks[v].start >= start && toks[v].end <= end {
                continue;
            }
            if doc.lex.speech.at(toks, v).is_none() {
                continue;
            }
            let verb = toks[v].start;
            // the clause starts after the quote when the quote comes before the verb
            let from = if end <= verb {
                end.max(sent_start)
            } else {
                sent_start
            };
            let Some(head) = doc.text.get(from..verb) else {
                continue;
            };
            let clause = from
                + head
                    .rfind([',', ';', ':', '，', '；', '：', '،', '؛'])
                    .map_or(0, |i| {
                        i + head[i..].chars().next().map_or(1, char::len_utf8)
                    });
            if let Some(f) = people.iter().find(|f| {
                f.sent == si && f.entity.span.start >= clause && f.entity.span.end <= verb
            }) {
                return Some(f);
            }
        }
    }
    None
}

/// The quotes of a document.
pub fn find(doc: &Doc, found: &[Found]) -> Vec<Quote> {
    let mut out: Vec<Quote> = Vec::new();
    for (start, end) in spans(doc.text) {
        let open_len = doc.text[start..].chars().next().map_or(1, char::len_utf8);
        let close_len = doc.text[..end]
            .chars()
            .next_back()
            .map_or(1, char::len_utf8);
        let inner = doc.text[start + open_len..end - close_len].trim();
        if inner.is_empty() || is_title(doc.text, inner, end) {
            continue;
        }
        let first = doc.sentence_of(start);
        let last = doc.sentence_of(end.saturating_sub(1)).max(first);
        let outside = |f: &&Found| f.entity.span.end <= start || f.entity.span.start >= end;
        let people: Vec<&Found> = found
            .iter()
            .filter(|f| f.sent >= first && f.sent <= last && f.entity.kind == EntityKind::Person)
            .filter(outside)
            .collect();
        // A name the lists do not know ("…“, řekl Petr Fiala"), next to a reporting
        // verb, is the speaker too.
        let named: Vec<&Found> = found
            .iter()
            .filter(|f| f.sent >= first && f.sent <= last && f.entity.kind == EntityKind::Other)
            .filter(outside)
            .collect();
        let span = (start, end);
        let who = |f: &Found| (f.entity.key.clone(), f.entity.text.clone());
        let speaker = attributed(doc, &people, &named, first, last, span, false)
            .or_else(|| clause_subject(doc, &people, first, last, span))
            .or_else(|| people.first().copied())
            .map(who)
            .or_else(|| institution_speaker(doc, found, first, last, start, end))
            .or_else(|| attributed(doc, &people, &named, first, last, span, true).map(who));
        let (key, said) = match speaker {
            Some((k, t)) => (Some(k), Some(t)),
            None if first > 0 => {
                let prev = out
                    .iter()
                    .rev()
                    .find(|q| q.sentence + 1 == first && q.speaker.is_some())
                    .map(|q| (q.speaker.clone(), q.speaker_text.clone()));
                // the attribution of the sentence before ("…, sagte Matt Rosendale.
                // „Wir hatten …“")
                let before = |kind: EntityKind| {
                    found
                        .iter()
                        .filter(|f| f.sent + 1 == first && f.entity.kind == kind)
                        .collect::<Vec<&Found>>()
                };
                let (p, n) = (before(EntityKind::Person), before(EntityKind::Other));
                let prev = prev.or_else(|| {
                    attributed(doc, &p, &n, first - 1, first - 1, (0, 0), false)
                        .or_else(|| attributed(doc, &p, &n, first - 1, first - 1, (0, 0), true))
                        .map(|f| (Some(f.entity.key.clone()), Some(f.entity.text.clone())))
                });
                prev.unwrap_or_else(|| {
                    found
                        .iter()
                        .find(|f| f.sent + 1 == first && f.entity.kind == EntityKind::Person)
                        .map(|f| (Some(f.entity.key.clone()), Some(f.entity.text.clone())))
                        .unwrap_or((None, None))
                })
            }
            None => (None, None),
        };
        out.push(Quote {
            text: inner.to_string(),
            speaker: key,
            speaker_text: said,
            lang: doc.lang.to_string(),
            sentence: first,
            span: Span::new(start, end),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::Sentence;

    /// Quotes as `text=speaker`; sentences split at ". ".
    fn check(lang: &str, input: &str, expected: &str) {
        let mut sents = Vec::new();
        let mut s = 0;
        for (i, _) in input.match_indices(". ") {
            sents.push(Sentence {
                start: s,
                end: i + 1,
                block: 0,
            });
            s = i + 2;
        }
        sents.push(Sentence {
            start: s,
            end: input.len(),
            block: 0,
        });
        let doc = Doc::new(input, &sents, lang);
        let found = crate::entities::find(&doc);
        // a speaker the lists do not know may be written readably ("ilse-brandt"):
        // it is compared as its skeleton
        let readable = |q: &Quote| {
            let key = q.speaker.as_deref().unwrap_or("?");
            let want = expected
                .split(" | ")
                .filter_map(|s| s.rsplit_once('='))
                .find(|(t, _)| *t == q.text)
                .map(|(_, k)| k);
            match want {
                Some(w) => {
                    let parts: Vec<String> = w.split('-').map(str::to_string).collect();
                    if crate::entities::name_key(&parts, &[]) == key {
                        w.to_string()
                    } else {
                        key.to_string()
                    }
                }
                None => key.to_string(),
            }
        };
        let got: Vec<String> = find(&doc, &found)
            .iter()
            .map(|q| format!("{}={}", q.text, readable(q)))
            .collect();
        assert_eq!(got.join(" | "), expected, "{lang}: {input}");
    }

    #[test]
    fn quote_styles_and_speakers() {
        check(
            "da",
            "“Vi venter på dig”, sagde Putin.",
            "Vi venter på dig=vladimir-putin",
        );
        check(
            "ro",
            "„Vom câștiga”, a spus Putin lui Kim.",
            "Vom câștiga=vladimir-putin",
        );
        check(
            "fr",
            "« Nous gagnerons », a déclaré Emmanuel Macron.",
            "Nous gagnerons=emmanuel-macron",
        );
        check(
            "de",
            "Merz sagte: „Wir helfen der Ukraine.“",
            "Wir helfen der Ukraine.=friedrich-merz",
        );
        check(
            "en",
            "Zelensky said: \"We will not give up.\" He left.",
            "We will not give up.=volodymyr-zelensky",
        );
        check(
            "sv",
            "”Det är allvarligt”, sade Ulf Kristersson.",
            "Det är allvarligt=ulf-kristersson",
        );
        check(
            "en",
            "Trump spoke. ‘It's a great deal’ he added.",
            "It's a great deal=donald-trump",
        );
    }

    #[test]
    fn speakers_named_with_their_office() {
        check(
            "en",
            "\"The water rose fast,\" said Mayor Ilse Brandt.",
            "The water rose fast,=ilse-brandt",
        );
        check(
            "ro",
            "„Apa a crescut repede”, a declarat primarul Ilse Brandt.",
            "Apa a crescut repede=ilse-brandt",
        );
        check(
            "da",
            "“Vandet steg hurtigt”, sagde borgmester Ilse Brandt.",
            "Vandet steg hurtigt=ilse-brandt",
        );
    }

    #[test]
    fn speakers_before_a_colon_and_in_the_sentence_before() {
        // the name nearest the reporting verb
        check(
            "zh",
            "科瓦尔斯基向记者表示：“我们会赢。”",
            "我们会赢。=kowalski",
        );
        check(
            "ja",
            "ビセンテ・シソは記者に「必ず勝つ」と述べた。",
            "必ず勝つ=vicente-siso",
        );
        // no one next to the verb: the subject of the verb's own clause, not the first
        // person of the sentence
        check(
            "da",
            "Da han fulgte Kim Jong-un til bilen, inviterede Putin ham til Moskva og sagde: “Kom igen.”",
            "Kom igen.=vladimir-putin",
        );
        check(
            "en",
            "After walking Kim Jong-un to his car, Putin invited him to Moscow and said: \"Come again.\"",
            "Come again.=vladimir-putin",
        );
        check(
            "ro",
            "După ce l-a condus pe Kim Jong-un la mașină, Putin l-a invitat la Moscova și a spus: „Veniți din nou.”",
            "Veniți din nou.=vladimir-putin",
        );
        check(
            "ru",
            "Проводив Ким Чен Ына до машины, Путин пригласил его в Москву и сказал: «Приезжайте снова».",
            "Приезжайте снова=vladimir-putin",
        );
        // the attribution of the sentence before
        check(
            "de",
            "Das sei schwer, sagte Anna Berger. „Wir bleiben hier.“",
            "Wir bleiben hier.=anna-berger",
        );
    }

    #[test]
    fn swahili_speakers() {
        check(
            "sw",
            "“Hatutakata tamaa”, alisema Zelensky.",
            "Hatutakata tamaa=volodymyr-zelensky",
        );
        check(
            "sw",
            "“Msako utaendelea usiku kucha”, alisema Kamanda Amani Mwakyusa.",
            "Msako utaendelea usiku kucha=amani-mwakyusa",
        );
        check(
            "sw",
            "Waziri Neema Kombo alisema: “Tutajenga upya shule zote.”",
            "Tutajenga upya shule zote.=neema-kombo",
        );
    }

    #[test]
    fn titles_and_apostrophes_are_not_quotes() {
        check("da", "Kinas “Victory Day”-parade i Beijing.", "");
        check("en", "The film “Top Gun” was shown at Kim's house.", "");
        check("en", "Don’t go, they’re here.", "");
    }
}

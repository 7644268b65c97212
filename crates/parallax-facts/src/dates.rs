//! Dates mentioned in the text: absolute ("3. september 2025", "September 3, 2025",
//! "2025-09-03", "september 2023", "i 2019") and relative ones resolved against the
//! article date: weekdays (the last such day on or before it), "yesterday", "last year",
//! a month alone (that month of the article's year), "i juni sidste år" (June of the
//! year before), "la începutul acestui an" (this year).

use crate::doc::Doc;
use crate::lexicon::Rel;
use crate::numbers;
use crate::tokens::Tok;
use parallax_core::calendar;
use parallax_core::facts::{DateMention, Granularity, Span};
use time::{Date, Duration, Month};

fn month_at(doc: &Doc, toks: &[Tok], k: usize) -> Option<u8> {
    let t = toks.get(k)?;
    if t.digit {
        return None;
    }
    let m = calendar::month_number(doc.lang, t.text)?;
    // English month names are capitalised; short or ambiguous forms ("mai", "may", "mar")
    // need a number next to them
    if doc.lang == "en" && !t.upper {
        return None;
    }
    let short = t.fold.len() <= 3;
    let num_near = toks.get(k + 1).is_some_and(|n| n.digit) || (k > 0 && toks[k - 1].digit);
    (!short || num_near).then_some(m)
}

fn day(t: Option<&Tok>) -> Option<u8> {
    let t = t?;
    (t.digit && t.text.len() <= 2)
        .then(|| t.text.parse().ok())
        .flatten()
        .filter(|d| (1..=31).contains(d))
}

fn year(t: Option<&Tok>) -> Option<i32> {
    let t = t?;
    (t.digit && t.text.len() == 4)
        .then(|| t.text.parse().ok())
        .flatten()
        .filter(|y| (1000..=2100).contains(y))
}

fn ymd(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

fn fmt(date: Date, g: Granularity) -> String {
    match g {
        Granularity::Day => format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month() as u8,
            date.day()
        ),
        Granularity::Month => format!("{:04}-{:02}", date.year(), date.month() as u8),
        Granularity::Year => format!("{:04}", date.year()),
    }
}

fn shift_months(d: Date, by: i32) -> Date {
    let total = d.year() * 12 + d.month() as i32 - 1 + by;
    ymd(total.div_euclid(12), (total.rem_euclid(12) + 1) as u8, 1).unwrap_or(d)
}

/// The dates of a document.
pub fn find(doc: &Doc, article: Option<Date>) -> Vec<DateMention> {
    let lex = doc.lex;
    let mut out = Vec::new();
    for si in 0..doc.sents.len() {
        let toks = &doc.toks[si];
        let years: Vec<usize> = numbers::scan(doc, si)
            .iter()
            .filter(|n| {
                n.year_like && crate::figures::object(doc, toks, n.last + 1).is_none_or(|o| o.3 > 0)
            })
            .map(|n| n.first)
            .collect();
        let mut k = 0;
        while k < toks.len() {
            let mut push = |s: usize, e: usize, date: Date, g: Granularity, relative: bool| {
                let span = Span::new(toks[s].start, toks[e - 1].end);
                out.push(DateMention {
                    date: fmt(date, g),
                    granularity: g,
                    text: doc.text[span.start..span.end].to_string(),
                    relative,
                    sentence: si,
                    span,
                });
            };
            if doc.is_masked(toks[k].start, toks[k].end) {
                k += 1;
                continue;
            }
            // 2025-09-03
            if let (Some(y), Some(m), Some(d)) =
                (year(toks.get(k)), toks.get(k + 1), day(toks.get(k + 2)))
            {
                if m.digit
                    && m.text.len() == 2
                    && doc.gap(&toks[k], m) == "-"
                    && doc.gap(m, &toks[k + 2]) == "-"
                {
                    if let Some(date) = m.text.parse().ok().and_then(|m| ymd(y, m, d)) {
                        push(k, k + 3, date, Granularity::Day, false);
                        k += 3;
                        continue;
                    }
                }
            }
            // [day] month [day,] [year] [relative year]
            let (dbefore, mk) = match (day(toks.get(k)), month_at(doc, toks, k + 1)) {
                (Some(d), Some(_)) => (Some(d), k + 1),
                _ => (None, k),
            };
            if let Some(m) = month_at(doc, toks, mk) {
                let mut e = mk + 1;
                let mut d = dbefore;
                if d.is_none() {
                    if let Some(x) = day(toks.get(e)).filter(|_| year(toks.get(e)).is_none()) {
                        d = Some(x);
                        e += 1;
                    }
                }
                let y = year(toks.get(e));
                if y.is_some() {
                    e += 1;
                }
                let rel_year = lex.relative.at(toks, e).and_then(|(n, r)| match r {
                    Rel::LastYear => Some((n, -1)),
                    Rel::ThisYear => Some((n, 0)),
                    Rel::NextYear => Some((n, 1)),
                    _ => None,
                });
                let relative = y.is_none();
                let y = match (y, rel_year, article) {
                    (Some(y), _, _) => Some(y),
                    (None, Some((n, by)), Some(a)) => {
                        e += n;
                        Some(a.year() + by)
                    }
                    (None, None, Some(a)) => Some(a.year()),
                    _ => None,
                };
                if let Some(y) = y {
                    let (date, g) = match d.and_then(|d| ymd(y, m, d)) {
                        Some(date) => (date, Granularity::Day),
                        None => (ymd(y, m, 1).expect("valid month"), Granularity::Month),
                    };
                    push(k, e, date, g, relative);
                }
                k = e;
                continue;
            }
            // weekdays
            if let (Some((n, wd)), Some(a)) = (lex.weekdays.at(toks, k), article) {
                let back = (a.weekday().number_days_from_monday() as i64 - wd as i64).rem_euclid(7);
                push(k, k + n, a - Duration::days(back), Granularity::Day, true);
                k += n;
                continue;
            }
            // relative expressions, with "at the beginning of" before them
            let lead = lex.start_of.at(toks, k).map(|(n, ())| n).unwrap_or(0);
            if let (Some((n, rel)), Some(a)) = (lex.relative.at(toks, k + lead), article) {
                let (date, g) = match rel {
                    Rel::Today => (a, Granularity::Day),
                    Rel::Yesterday => (a - Duration::days(1), Granularity::Day),
                    Rel::Tomorrow => (a + Duration::days(1), Granularity::Day),
                    Rel::LastYear => (ymd(a.year() - 1, 1, 1).unwrap_or(a), Granularity::Year),
                    Rel::ThisYear => (a, Granularity::Year),
                    Rel::NextYear => (ymd(a.year() + 1, 1, 1).unwrap_or(a), Granularity::Year),
                    Rel::LastMonth => (shift_months(a, -1), Granularity::Month),
                    Rel::ThisMonth => (a, Granularity::Month),
                    Rel::NextMonth => (shift_months(a, 1), Granularity::Month),
                };
                push(k, k + lead + n, date, g, true);
                k += lead + n;
                continue;
            }
            // a year alone
            if years.contains(&k) {
                if let Some(date) = year(toks.get(k)).and_then(|y| ymd(y, 1, 1)) {
                    push(k, k + 1, date, Granularity::Year, false);
                }
            }
            k += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lang: &str, input: &str, expected: &str) {
        let sents = crate::doc::one_sentence(input);
        let doc = Doc::new(input, &sents, lang);
        let got: Vec<String> = find(&doc, Some(time::macros::date!(2025 - 09 - 03)))
            .iter()
            .map(|d| format!("{}={}{}", d.text, d.date, if d.relative { "*" } else { "" }))
            .collect();
        assert_eq!(got.join(", "), expected, "{lang}: {input}");
    }

    #[test]
    fn absolute_dates() {
        check(
            "da",
            "Den 3. september 2025 og i 2019 og i september 2023.",
            "3. september 2025=2025-09-03, 2019=2019, september 2023=2023-09",
        );
        check(
            "en",
            "On September 3, 2025 and 2025-09-01.",
            "September 3, 2025=2025-09-03, 2025-09-01=2025-09-01",
        );
        check("ro", "În 2024 au trimis 2000 de soldați.", "2024=2024");
    }

    #[test]
    fn relative_dates() {
        check(
            "da",
            "Putin sagde onsdag, at han var i Pyongyang i juni sidste år.",
            "onsdag=2025-09-03*, juni sidste år=2024-06*",
        );
        check(
            "ro",
            "Miercuri, la începutul acestui an și anul trecut.",
            "Miercuri=2025-09-03*, la începutul acestui an=2025*, anul trecut=2024*",
        );
        check(
            "ro",
            "La mijlocul lunii august, mai mulți soldați.",
            "august=2025-08*",
        );
        check(
            "en",
            "Last year, and yesterday, and on Monday; they may march.",
            "Last year=2024*, yesterday=2025-09-02*, Monday=2025-09-01*",
        );
        check(
            "de",
            "Am Montag und im vergangenen Jahr.",
            "Montag=2025-09-01*, im vergangenen Jahr=2024*",
        );
        check(
            "pl",
            "W zeszłym roku i w środę.",
            "W zeszłym roku=2024*, środę=2025-09-03*",
        );
    }
}

//! Publication dates as people and programs write them, for every reader:
//!
//! - RFC 3339 and ISO 8601: `2024-08-28T07:35:03+02:00`, a space (or several) for the
//!   `T`, offsets as `Z`, `+02`, `+0200`, `+02:00` or `UTC`/`GMT`, fractional seconds
//!   (`.123456` or `,5`), minutes without seconds, the basic form (`20240828T073503Z`);
//! - RFC 2822 (feeds, mail): `Wed, 28 Aug 2024 07:35:03 +0200`, with `GMT`/`UT` or the
//!   North American zone names, a wrong weekday or none, a two-digit year; and the
//!   same words in other orders (`Wed Aug 28 2024 07:35:03 GMT+0200 (CEST)`,
//!   `August 28, 2024 7:35 pm`);
//! - Unix seconds (a JSON number or a string of 9 to 11 digits; 12 or 13 digits are
//!   milliseconds);
//! - date-only forms: `2024-08-28`, `2024/08/28`, `2024.08.28`, `20240828`,
//!   `28.08.2024`, `28/08/2024` when the day is over 12 (a slashed date that could be
//!   either day-month or month-day is not guessed), `28 August 2024`, `Aug. 28 2024`.
//!
//! A time without an offset keeps the day only: the instant it names is not known.
//! [`parse`] reads; whether a date can be a publication date (1900 to tomorrow) is
//! [`parallax_core::Published::is_plausible`].

use parallax_core::Published;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Reads a publication date written in any of the forms above.
pub fn parse(s: &str) -> Option<Published> {
    let s = s.trim().trim_matches('"').trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Some(p) = unix_digits(s) {
        return Some(p);
    }
    if let Some(p) = iso(s) {
        return Some(p);
    }
    if let Some(p) = words(s) {
        return Some(p);
    }
    written_date(s).map(Published::Date)
}

/// A date given as a JSON number: Unix seconds (milliseconds when larger than any
/// date in seconds could be).
pub fn from_unix_number(n: f64) -> Option<Published> {
    if !n.is_finite() {
        return None;
    }
    let secs = if n.abs() >= 1e11 { n / 1000.0 } else { n };
    let t = OffsetDateTime::from_unix_timestamp(secs.floor() as i64).ok()?;
    let nanos = ((secs - secs.floor()) * 1e9) as i64;
    Some(Published::DateTime(t + time::Duration::nanoseconds(nanos)))
}

/// A string of digits read as Unix seconds or milliseconds (8 digits are `YYYYMMDD`).
fn unix_digits(s: &str) -> Option<Published> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !(9..=13).contains(&int.len())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if int.len() >= 12 && !frac.is_empty() {
        return None;
    }
    from_unix_number(s.parse().ok()?)
}

/// A calendar date; any four-digit year (the plausibility check is separate).
fn make_date(y: i64, m: i64, d: i64) -> Option<Date> {
    if !(1000..=9999).contains(&y) {
        return None;
    }
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y as i32, month, u8::try_from(d).ok()?).ok()
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The numeric forms: a date, then optionally a time and an offset.
fn iso(s: &str) -> Option<Published> {
    let (date, rest) = numeric_date(s)?;
    let rest = rest.trim_start_matches(['T', 't', ' ', '_']);
    if rest.is_empty() {
        return Some(Published::Date(date));
    }
    let (time, rest) = clock(rest)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some(Published::Date(date));
    }
    let offset = offset(rest)?;
    Some(Published::DateTime(
        PrimitiveDateTime::new(date, time).assume_offset(offset),
    ))
}

/// A numeric date at the start of `s` and what follows it.
fn numeric_date(s: &str) -> Option<(Date, &str)> {
    let b = s.as_bytes();
    let end = b
        .iter()
        .position(|c| !(c.is_ascii_digit() || matches!(c, b'-' | b'/' | b'.')))
        .unwrap_or(b.len());
    // `2024-08-28.` or `28.08.2024.` end with a stray dot in some exports.
    let head = s[..end].trim_end_matches('.');
    let rest = &s[end..];
    if head.len() == 8 && head.bytes().all(|c| c.is_ascii_digit()) {
        let d = make_date(
            digits(&head[..4])?,
            digits(&head[4..6])?,
            digits(&head[6..])?,
        )?;
        return Some((d, rest));
    }
    let sep = head.bytes().find(|c| !c.is_ascii_digit())?;
    let parts: Vec<&str> = head.split(sep as char).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let n: Vec<i64> = parts.iter().map(|p| digits(p)).collect::<Option<_>>()?;
    let date = if parts[0].len() == 4 {
        make_date(n[0], n[1], n[2])?
    } else if parts[2].len() == 4 {
        match sep {
            // Day first: 28.08.2024, 28-08-2024.
            b'.' | b'-' => make_date(n[2], n[1], n[0])?,
            // 28/08/2024 or 08/28/2024: only when one of them cannot be a month.
            _ if n[0] > 12 && n[1] <= 12 => make_date(n[2], n[1], n[0])?,
            _ if n[1] > 12 && n[0] <= 12 => make_date(n[2], n[0], n[1])?,
            _ => return None,
        }
    } else {
        return None;
    };
    Some((date, rest))
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff` (or `,fff`), `HHMMSS`; what follows.
fn clock(s: &str) -> Option<(Time, &str)> {
    let end = s
        .bytes()
        .position(|c| !(c.is_ascii_digit() || matches!(c, b':' | b'.' | b',')))
        .unwrap_or(s.len());
    let (t, rest) = s.split_at(end);
    let (hms, frac) = match t.find(['.', ',']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, ""),
    };
    let parts: Vec<&str> = if hms.contains(':') {
        hms.split(':').collect()
    } else if hms.len() == 4 || hms.len() == 6 {
        (0..hms.len() / 2).map(|i| &hms[2 * i..2 * i + 2]).collect()
    } else {
        return None;
    };
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return None;
    }
    let h = digits(parts[0])?;
    let m = digits(parts[1])?;
    // A leap second is read as the last second of the minute.
    let sec = parts.get(2).map(|p| digits(p)).unwrap_or(Some(0))?.min(59);
    if frac.contains(['.', ',', ':']) || (!frac.is_empty() && parts.len() < 3) {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        let f: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        f.parse::<u32>().ok()?
    };
    let time = Time::from_hms_nano(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        sec as u8,
        nanos,
    )
    .ok()?;
    Some((time, rest))
}

/// `Z`, `UTC`, `GMT`, `+02`, `+0200`, `+02:00`, `GMT+2`, a North American zone name;
/// nothing may follow but a parenthesised comment.
fn offset(s: &str) -> Option<UtcOffset> {
    let s = s.trim();
    let s = match s.find('(') {
        Some(i) if s.ends_with(')') => s[..i].trim_end(),
        _ => s,
    };
    let upper = s.to_ascii_uppercase();
    let named = |name: &str| -> Option<i32> {
        Some(match name {
            "Z" | "UT" | "UTC" | "GMT" => 0,
            "EST" => -5,
            "EDT" => -4,
            "CST" => -6,
            "CDT" => -5,
            "MST" => -7,
            "MDT" => -6,
            "PST" => -8,
            "PDT" => -7,
            "CET" => 1,
            "CEST" => 2,
            "EET" => 2,
            "EEST" => 3,
            _ => return None,
        })
    };
    if let Some(h) = named(&upper) {
        return UtcOffset::from_hms(h as i8, 0, 0).ok();
    }
    // `GMT+0200`, `UTC+2`.
    let signed = ["GMT", "UTC", "UT"]
        .iter()
        .find_map(|p| upper.strip_prefix(p).filter(|r| r.starts_with(['+', '-'])))
        .unwrap_or(&upper);
    let signed = signed.replace('\u{2212}', "-");
    let (sign, rest) = match signed.as_bytes().first()? {
        b'+' => (1, &signed[1..]),
        b'-' => (-1, &signed[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if !h.is_empty() && h.len() <= 2 && m.len() == 2 => (digits(h)?, digits(m)?),
        None if rest.len() == 4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        None if !rest.is_empty() && rest.len() <= 2 => (digits(rest)?, 0),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    UtcOffset::from_hms((sign * h) as i8, (sign * m) as i8, 0).ok()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_of(w: &str) -> Option<i64> {
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = w.trim_end_matches('.').to_ascii_lowercase();
    if w == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == w)
        .or_else(|| FULL.iter().position(|m| *m == w))
        .map(|i| i as i64 + 1)
}

fn is_weekday(w: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = w.trim_end_matches('.').to_ascii_lowercase();
    w.len() >= 3
        && DAYS
            .iter()
            .any(|d| d.starts_with(&w) && (w.len() == 3 || *d == w))
}

/// A date with an English month name, every word accounted for: RFC 2822
/// (`Wed, 28 Aug 2024 07:35:03 +0200`), `ctime` (`Wed Aug 28 07:35:03 2024`), the
/// JavaScript form (`Wed Aug 28 2024 07:35:03 GMT+0200 (CEST)`) and `August 28, 2024
/// 7:35 pm`.
fn words(s: &str) -> Option<Published> {
    let s = match s.find('(') {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => s,
    };
    let (mut day, mut month, mut year) = (None, None, None);
    let mut time: Option<Time> = None;
    let mut zone: Option<UtcOffset> = None;
    let mut pm: Option<bool> = None;
    for tok in s.split([' ', ',', '\t']).filter(|t| !t.is_empty()) {
        let lower = tok.to_ascii_lowercase();
        if is_weekday(tok) || lower == "at" || lower == "of" {
            continue;
        }
        if let Some(m) = month_of(tok).filter(|_| month.is_none()) {
            month = Some(m);
            continue;
        }
        if matches!(lower.as_str(), "am" | "a.m." | "pm" | "p.m.") {
            pm = Some(lower.starts_with('p'));
            continue;
        }
        if time.is_none() && tok.contains(':') && tok.starts_with(|c: char| c.is_ascii_digit()) {
            let (t, rest) = clock(tok)?;
            time = Some(t);
            if !rest.is_empty() {
                zone = Some(offset(rest)?);
            }
            continue;
        }
        let num = tok.trim_end_matches(['.']).to_ascii_lowercase();
        let num = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|suf| num.strip_suffix(suf))
            .unwrap_or(&num);
        if let Some(n) = digits(num) {
            if num.len() == 4 && year.is_none() {
                year = Some(n);
            } else if num.len() <= 2 && day.is_none() && (1..=31).contains(&n) {
                day = Some(n);
            } else if num.len() == 2 && year.is_none() && month.is_some() {
                // RFC 2822's obsolete two-digit year.
                year = Some(if n < 50 { 2000 + n } else { 1900 + n });
            } else {
                return None;
            }
            continue;
        }
        if zone.is_none() && time.is_some() {
            if let Some(z) = offset(tok) {
                zone = Some(z);
                continue;
            }
        }
        return None;
    }
    let date = make_date(year?, month?, day?)?;
    let Some(mut t) = time else {
        return Some(Published::Date(date));
    };
    if let Some(pm) = pm {
        let h = t.hour();
        if !(1..=12).contains(&h) {
            return None;
        }
        let h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        t = Time::from_hms_nano(h, t.minute(), t.second(), t.nanosecond()).ok()?;
    }
    Some(match zone {
        Some(z) => Published::DateTime(PrimitiveDateTime::new(date, t).assume_offset(z)),
        None => Published::Date(date),
    })
}

/// `5 March 2024` or `March 5, 2024` anywhere in `s` (English month names), the day
/// only: what is left of a longer text (`5 March 2024, 10:00 CET, updated`).
fn written_date(s: &str) -> Option<Date> {
    let words: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let Some(m) = MONTHS.iter().position(|p| w.len() >= 3 && w.starts_with(p)) else {
            continue;
        };
        let num = |j: usize| -> Option<i64> {
            let t = words.get(j)?;
            let t = t.trim_end_matches(|c: char| c.is_alphabetic());
            t.parse().ok()
        };
        let day_year = match (i.checked_sub(1).and_then(num), num(i + 1), num(i + 2)) {
            (Some(d), Some(y), _) if d <= 31 && y > 1000 => Some((d, y)),
            (_, Some(d), Some(y)) if d <= 31 && y > 1000 => Some((d, y)),
            _ => None,
        };
        if let Some((d, y)) = day_year {
            return make_date(y, m as i64 + 1, d);
        }
    }
    None
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` or `YYYYMMDD` at the start of `s`, years
/// 1990 to 2100 only (for guessing in URLs).
fn ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { digits(s.get(r)?) };
    let (y, m, d) = if b.len() >= 10 && matches!(b[4], b'-' | b'/' | b'.') && b[7] == b[4] {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if b.len() >= 8 && (b.len() == 8 || !b[8].is_ascii_digit()) {
        (num(0..4)?, num(4..6)?, num(6..8)?)
    } else {
        return None;
    };
    url_date(y, m, d)
}

fn url_date(y: i64, m: i64, d: i64) -> Option<Date> {
    (1990..=2100).contains(&y).then(|| make_date(y, m, d))?
}

/// A date written in a URL path: `/2024/03/05/`, `/2024-03-05-`, `/20240305/`.
pub fn date_in_url(url: &str) -> Option<Date> {
    let path = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        if seg.len() == 4 && seg.bytes().all(|b| b.is_ascii_digit()) {
            let y: i64 = seg.parse().ok()?;
            let m = segs.get(i + 1).and_then(|s| s.parse::<i64>().ok());
            let d = segs.get(i + 2).and_then(|s| {
                let n = s.get(..2.min(s.len()))?;
                if s.len() == 2 || s.len() == 1 || n.bytes().all(|b| b.is_ascii_digit()) {
                    s.trim_end_matches(|c: char| !c.is_ascii_digit())
                        .parse::<i64>()
                        .ok()
                } else {
                    None
                }
            });
            if let (Some(m), Some(d)) = (m, d) {
                if let Some(date) = url_date(y, m, d) {
                    return Some(date);
                }
            }
        }
        for (start, _) in seg.match_indices(|c: char| c.is_ascii_digit()) {
            if start > 0 && seg.as_bytes()[start - 1].is_ascii_digit() {
                continue;
            }
            if let Some(date) = seg.get(start..).and_then(ymd) {
                let tail = &seg[start..];
                let len = if tail.as_bytes().get(4).is_some_and(|b| !b.is_ascii_digit()) {
                    10
                } else {
                    8
                };
                if tail.as_bytes().get(len).is_none_or(|b| !b.is_ascii_digit()) {
                    return Some(date);
                }
            }
        }
    }
    None
}

/// Why a date is not used as the publication date: `None` when it can be one.
pub fn implausible(p: &Published) -> Option<String> {
    (!p.is_plausible())
        .then(|| format!("publication date {p} is outside 1900-01-01 to tomorrow; not used"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str, want: Option<&str>) {
        assert_eq!(parse(s).map(|p| p.to_string()).as_deref(), want, "{s:?}");
    }

    #[test]
    fn iso_and_rfc3339_variants() {
        for (s, want) in [
            ("2024-08-28T07:35:03+02:00", "2024-08-28T07:35:03+02:00"),
            ("2024-08-28T07:35:03Z", "2024-08-28T07:35:03Z"),
            ("2024-08-28t07:35:03z", "2024-08-28T07:35:03Z"),
            ("2024-08-28 07:35:03+02", "2024-08-28T07:35:03+02:00"),
            ("2024-08-28 07:35:03-0430", "2024-08-28T07:35:03-04:30"),
            ("2024-08-28 07:35:03 +02:00", "2024-08-28T07:35:03+02:00"),
            ("2024-08-28  07:35+02", "2024-08-28T07:35:00+02:00"),
            (
                "2024-08-28T07:35:03.123456+02",
                "2024-08-28T07:35:03.123456+02:00",
            ),
            ("2024-08-28T07:35:03,5Z", "2024-08-28T07:35:03.5Z"),
            (
                "2024-08-28 07:35:03.1234567891 UTC",
                "2024-08-28T07:35:03.123456789Z",
            ),
            ("2024-08-28T23:59:60Z", "2024-08-28T23:59:59Z"),
            ("20240828T073503Z", "2024-08-28T07:35:03Z"),
            ("2024-08-28 07:35:03", "2024-08-28"),
            ("2024-08-28T07:35:03.5", "2024-08-28"),
            ("2024-08-28", "2024-08-28"),
            ("2024/08/28", "2024-08-28"),
            ("2024.08.28", "2024-08-28"),
            ("20240828", "2024-08-28"),
            ("28.08.2024", "2024-08-28"),
            ("28.08.2024 07:35", "2024-08-28"),
            ("28/08/2024", "2024-08-28"),
            ("08/28/2024", "2024-08-28"),
            ("1850-01-01", "1850-01-01"),
        ] {
            check(s, Some(want));
        }
        for s in [
            "05/06/2024",
            "2024-02-30",
            "2024-13-01",
            "2024-08-28T25:00:00Z",
            "2024-08-28T07:35:03+25:00",
            "2024-08-28T07:35:03 nonsense",
            "2024-08-28 7",
            "",
        ] {
            check(s, None);
        }
    }

    #[test]
    fn rfc2822_and_written_forms() {
        for (s, want) in [
            (
                "Wed, 28 Aug 2024 07:35:03 +0200",
                "2024-08-28T07:35:03+02:00",
            ),
            // A wrong weekday is common in feeds and is not held against the date.
            ("Mon, 28 Aug 2024 07:35:03 GMT", "2024-08-28T07:35:03Z"),
            ("28 Aug 2024 07:35 EDT", "2024-08-28T07:35:00-04:00"),
            ("Wed, 28 Aug 24 07:35:03 +0000", "2024-08-28T07:35:03Z"),
            (
                "Wed, 28 Aug 2024 07:35:03 +0200 (CEST)",
                "2024-08-28T07:35:03+02:00",
            ),
            (
                "Wed Aug 28 2024 07:35:03 GMT+0200 (Central European Summer Time)",
                "2024-08-28T07:35:03+02:00",
            ),
            ("Wed Aug 28 07:35:03 2024", "2024-08-28"),
            ("August 28, 2024 7:35 pm UTC", "2024-08-28T19:35:00Z"),
            ("August 28th, 2024", "2024-08-28"),
            ("Sept. 28 2024", "2024-09-28"),
            ("5 March 2024, 10:00 CET, updated 11:00", "2024-03-05"),
        ] {
            check(s, Some(want));
        }
        check("yesterday", None);
        check("the 28th", None);
    }

    #[test]
    fn unix_seconds_and_milliseconds() {
        check("1724823303", Some("2024-08-28T05:35:03Z"));
        check("1724823303.25", Some("2024-08-28T05:35:03.25Z"));
        check("1724823303000", Some("2024-08-28T05:35:03Z"));
        assert_eq!(
            from_unix_number(1_724_823_303.0).unwrap().to_string(),
            "2024-08-28T05:35:03Z"
        );
        assert_eq!(
            from_unix_number(1_724_823_303_500.0).unwrap().to_string(),
            "2024-08-28T05:35:03.5Z"
        );
        assert!(from_unix_number(f64::NAN).is_none());
        assert!(from_unix_number(1e300).is_none());
    }

    #[test]
    fn plausible_dates_only() {
        let p = |s: &str| parse(s).unwrap();
        assert!(implausible(&p("2024-08-28")).is_none());
        assert!(implausible(&p("1900-01-01")).is_none());
        let old = implausible(&p("1899-12-31")).unwrap();
        assert!(old.contains("outside 1900-01-01 to tomorrow"), "{old}");
        assert!(implausible(&p("2999-01-01")).is_some());
        assert!(parse("0").is_none());
        let tomorrow = OffsetDateTime::now_utc().date().next_day().unwrap();
        assert!(implausible(&Published::Date(tomorrow)).is_none());
        assert!(implausible(&Published::Date(tomorrow.next_day().unwrap())).is_some());
    }

    #[test]
    fn dates_in_urls() {
        for (u, want) in [
            ("https://x.example/2024/03/05/story", Some("2024-03-05")),
            (
                "https://x.example/news/2024-03-05-story.html",
                Some("2024-03-05"),
            ),
            ("https://x.example/a/20240305/story", Some("2024-03-05")),
            ("https://x.example/2024/story-1234567", None),
            ("https://x.example/", None),
        ] {
            assert_eq!(
                date_in_url(u).map(|d| d.to_string()).as_deref(),
                want,
                "{u}"
            );
        }
    }
}

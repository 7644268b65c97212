//! The human-readable date line of an article ("3. september 2025",
//! "3 Septembrie 2025", "September 3, 2025", "3 de septiembre de 2025", "03.09.2025",
//! "2025-09-03"), read with the month names of the article's language first and of any
//! language after.

use parallax_core::calendar;
use time::{Date, Month};

/// Reads a calendar date in a date line; `None` when it holds no valid date.
pub fn parse(line: &str, lang: Option<&str>) -> Option<Date> {
    let tokens: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',' || c == '/')
        .map(|t| t.trim_matches(|c: char| c == '(' || c == ')'))
        .filter(|t| !t.is_empty())
        .collect();
    // Numeric forms first: 2025-09-03, 03.09.2025, 3.9.2025.
    for t in &tokens {
        if let Some(d) = numeric(t) {
            return Some(d);
        }
    }
    let month_of = |w: &str| {
        lang.and_then(|l| calendar::month_number(l, w))
            .or_else(|| calendar::month_number_any(w))
    };
    let number = |w: &str| -> Option<u32> {
        let w = w.trim_end_matches('.');
        let w = w.trim_end_matches(|c: char| c.is_alphabetic()); // 3rd, 1er
        (!w.is_empty() && w.len() <= 4 && w.chars().all(|c| c.is_ascii_digit()))
            .then(|| w.parse().ok())
            .flatten()
    };
    for (i, t) in tokens.iter().enumerate() {
        let Some(month) = month_of(t) else { continue };
        let nums: Vec<(usize, u32)> = tokens
            .iter()
            .enumerate()
            .filter(|(j, _)| j.abs_diff(i) <= 3 && *j != i)
            .filter_map(|(j, w)| number(w).map(|n| (j, n)))
            .collect();
        let year = nums.iter().find(|(_, n)| *n >= 1000).map(|(_, n)| *n)?;
        let day = nums
            .iter()
            .filter(|(_, n)| (1..=31).contains(n))
            .min_by_key(|(j, _)| j.abs_diff(i))
            .map(|(_, n)| *n)?;
        return make(year as i32, month as u32, day);
    }
    None
}

fn numeric(t: &str) -> Option<Date> {
    let t = t.trim_end_matches('.');
    let parts: Vec<&str> = t.split(['-', '.']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts[0].len() == 4 {
        make(n[0] as i32, n[1], n[2])
    } else if parts[2].len() == 4 {
        make(n[2] as i32, n[1], n[0])
    } else {
        None
    }
}

fn make(year: i32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, lang: Option<&str>, expected: Option<&str>) {
        assert_eq!(
            parse(line, lang).map(|d| d.to_string()).as_deref(),
            expected,
            "{line}"
        );
    }

    #[test]
    fn reads_date_lines_in_many_languages() {
        check("3. september 2025", Some("da"), Some("2025-09-03"));
        check("3 Septembrie 2025", Some("ro"), Some("2025-09-03"));
        check("September 3, 2025", Some("en"), Some("2025-09-03"));
        check("3 de septiembre de 2025", Some("es"), Some("2025-09-03"));
        check("3. September 2025", None, Some("2025-09-03"));
        check("3 września 2025", Some("pl"), Some("2025-09-03"));
        check("3 Eylül 2025", Some("tr"), Some("2025-09-03"));
        check("le 3 août 2025", Some("fr"), Some("2025-08-03"));
        check("3 maart 2025", Some("nl"), Some("2025-03-03"));
        check(
            "Onsdag den 3. september 2025 kl. 14.30",
            Some("da"),
            Some("2025-09-03"),
        );
        check("03.09.2025", None, Some("2025-09-03"));
        check("2025-09-03", None, Some("2025-09-03"));
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        check("30. februar 2025", Some("da"), None);
        check("Putin og Kim mødtes", Some("da"), None);
        check("september", Some("da"), None);
    }
}

//! When an article was published: a calendar date, or a precise instant when the
//! source gives one.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// A publication time as precise as the source gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Published {
    /// Only the calendar day is known.
    Date(Date),
    /// An instant with its offset, as written in the source.
    DateTime(OffsetDateTime),
}

/// The earliest publication date taken: older ones are taken for mistakes (a zero
/// timestamp, a wrong century).
pub const EARLIEST: Date = time::macros::date!(1900 - 01 - 01);

const DATE_FMT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Published {
    /// Parses `YYYY-MM-DD` or an RFC 3339 timestamp.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() == 10 {
            return Date::parse(s, DATE_FMT)
                .map(Published::Date)
                .map_err(|e| format!("invalid date {s:?}: {e}"));
        }
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Published::DateTime)
            .map_err(|e| format!("invalid date or RFC 3339 timestamp {s:?}: {e}"))
    }

    /// The calendar date (in the offset the source used).
    pub fn date(&self) -> Date {
        match self {
            Published::Date(d) => *d,
            Published::DateTime(t) => t.date(),
        }
    }

    /// Whether this can be a publication date: from 1900-01-01 to tomorrow (by this
    /// machine's clock, UTC), the day in the source's own offset. Readers leave out
    /// (with a warning) a date that is not.
    pub fn is_plausible(&self) -> bool {
        let latest = OffsetDateTime::now_utc()
            .date()
            .next_day()
            .unwrap_or(Date::MAX);
        (EARLIEST..=latest).contains(&self.date())
    }

    /// Seconds since the Unix epoch; a bare date counts as midnight UTC.
    pub fn unix(&self) -> i64 {
        match self {
            Published::Date(d) => d.midnight().assume_offset(UtcOffset::UTC).unix_timestamp(),
            Published::DateTime(t) => t.unix_timestamp(),
        }
    }

    /// The last second it covers, as Unix seconds: a bare date is its whole day (UTC),
    /// so "until 2025-09-03" takes what was published that day; a time is itself.
    pub fn last_unix(&self) -> i64 {
        match self {
            Published::Date(_) => self.unix() + 86_399,
            Published::DateTime(t) => t.unix_timestamp(),
        }
    }
}

impl fmt::Display for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Published::Date(d) => f.write_str(&d.format(DATE_FMT).map_err(|_| fmt::Error)?),
            Published::DateTime(t) => f.write_str(&t.format(&Rfc3339).map_err(|_| fmt::Error)?),
        }
    }
}

impl Serialize for Published {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Published {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Published::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for `Option<Date>` as `YYYY-MM-DD`.
pub(crate) mod date_opt {
    use super::DATE_FMT;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.format(DATE_FMT).map_err(serde::ser::Error::custom)?),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| Date::parse(&s, DATE_FMT).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_lasts_its_day() {
        let d = Published::parse("2025-09-03").unwrap();
        assert_eq!(d.last_unix() - d.unix(), 86_399);
        let t = Published::parse("2025-09-03T10:00:00+02:00").unwrap();
        assert_eq!(t.last_unix(), t.unix());
        assert!(d.unix() < t.unix() && t.unix() < d.last_unix());
    }

    #[test]
    fn parses_dates_and_timestamps() {
        let d = Published::parse("2025-09-03").unwrap();
        assert_eq!(d.to_string(), "2025-09-03");
        assert_eq!(d.unix(), 1_756_857_600);
        let t = Published::parse("2025-09-03T10:15:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2025-09-03T10:15:00+02:00");
        assert_eq!(t.date().to_string(), "2025-09-03");
        assert!(Published::parse("2025-02-30").is_err());
        assert!(Published::parse("yesterday").is_err());
    }
}

//! Writing to standard output without panicking on a closed pipe.

use std::io::{self, Write};

/// Whether an error is a closed standard output.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            // serde_json's error does not give its IO error as its source.
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            // Nor does the csv crate's.
            || c.downcast_ref::<csv::Error>().is_some_and(|e| {
                matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
            })
    })
}

/// Writes a JSON value, pretty, and a newline.
pub fn json(v: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Shortens a string to `max` characters, with an ellipsis.
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A JSON number as people write it: `2000`, `2.5`.
pub use parallax_engine::reports::number;

/// A figure in words, its unit written once: the one notation of figures (shared with
/// `compare`: "about 2,000", "more than 10,000", "2.5 h", "25%"), then what was counted
/// and the event ("about 2,000 soldiers lost"); what was counted is left out when the
/// unit already says it ("2.5 h", never "2.5 h hours").
pub fn figure_words(f: &parallax_core::facts::Figure) -> String {
    let mut parts = vec![parallax_engine::compare::written(f)];
    let has_unit = f.unit.as_deref().is_some_and(|u| !u.is_empty());
    if !has_unit {
        parts.extend(f.counted.clone());
    }
    parts.extend(f.event.clone());
    parts.join(" ")
}

/// The one phrase for a quote whose speaker the article does not name.
pub const UNNAMED_SPEAKER: &str = "(speaker not named)";

/// The readable name of an entity key in an article's facts ("Putin", "Sydkorea"): the
/// display name of its first mention, else its text, else the key in words. Keys are
/// for matching across languages, never for a reader.
pub fn name_of(facts: &parallax_core::facts::Facts, key: &str) -> String {
    facts
        .name_of(key)
        .map(str::to_string)
        .unwrap_or_else(|| parallax_engine::compare::source_words(key))
}

/// A quote's speaker in words ([`parallax_core::facts::Facts::speaker_of`]), else the key
/// in words, else the one phrase for an unnamed speaker.
pub fn speaker_of(facts: &parallax_core::facts::Facts, q: &parallax_core::facts::Quote) -> String {
    match (facts.speaker_of(q), &q.speaker) {
        (Some(name), _) => name.to_string(),
        (None, Some(k)) => name_of(facts, k),
        (None, None) => UNNAMED_SPEAKER.to_string(),
    }
}

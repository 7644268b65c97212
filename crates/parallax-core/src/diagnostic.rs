//! A problem found in the input: which file, which line or record, which field, and
//! what was wrong. Bad input is data, not a panic: readers return diagnostics and go on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record (or the whole file) was rejected.
    Error,
    /// The record was kept, but something in it is doubtful.
    Warning,
}

/// One finding about the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The input file, or `-` for standard input.
    pub file: String,
    /// 1-based line number in the file, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based record number (article within the file), where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// The field concerned, where one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl Diagnostic {
    /// An error about a whole file.
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            record: None,
            field: None,
            message: message.into(),
        }
    }

    /// A warning about a whole file.
    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at_record(mut self, record: u64) -> Self {
        self.record = Some(record);
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line: record N: field `x`: error: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = self.record {
            write!(f, ": record {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}: {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_record_and_field() {
        let d = Diagnostic::error("a.jsonl", "expected a string")
            .at_line(3)
            .at_record(3)
            .with_field("title");
        assert_eq!(
            d.to_string(),
            "a.jsonl:3: record 3: field `title`: error: expected a string"
        );
        let w = Diagnostic::warning("b.txt", "decoded as windows-1252");
        assert_eq!(w.to_string(), "b.txt: warning: decoded as windows-1252");
    }
}

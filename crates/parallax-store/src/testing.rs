//! For tests, of this crate and of the others: a PostgreSQL store of their own.
//!
//! `PARALLAX_TEST_PG` is the URL of a database the tests may create schemas in. Each
//! test asks for a schema by its name; the schema is dropped (with what it holds) and
//! created anew, and the URL returned makes the connection use it (`options=-c
//! search_path=…`), so tests run in parallel without meeting. Without the variable a
//! test skips its PostgreSQL half and says so on standard error (past the test
//! harness's capture); with `PARALLAX_REQUIRE_SERVICES=1` (CI sets it) a missing or
//! unreachable server is an error instead.

use std::io::Write;

/// The environment variable with the URL of the tests' database.
pub const PG_VAR: &str = "PARALLAX_TEST_PG";
/// Set to `1` to make a missing service fail the tests instead of skipping them.
pub const REQUIRE_VAR: &str = "PARALLAX_REQUIRE_SERVICES";

/// Whether the tests must have their services.
pub fn services_required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v.trim() == "1")
}

/// The URL of a fresh, empty schema named after `test` in the tests' database;
/// `Ok(None)` (after a loud line on standard error) when no database is configured and
/// none is required; an error when one is required but not configured or not reachable,
/// or when it cannot be prepared.
pub fn pg_location(test: &str) -> Result<Option<String>, String> {
    let Some(url) = std::env::var(PG_VAR).ok().filter(|u| !u.trim().is_empty()) else {
        if services_required() {
            return Err(format!(
                "{REQUIRE_VAR}=1 but {PG_VAR} is not set: the PostgreSQL tests cannot run"
            ));
        }
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: the PostgreSQL half of {test} ({PG_VAR} is not set)"
        );
        return Ok(None);
    };
    let schema = schema_name(test);
    let shown = crate::pg::redact(&url);
    let mut client = postgres::Client::connect(url.trim(), postgres::NoTls)
        .map_err(|e| format!("{PG_VAR} ({shown}): {e}"))?;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .map_err(|e| format!("{PG_VAR} ({shown}): cannot create schema {schema}: {e}"))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(Some(format!(
        "{}{sep}options=-c%20search_path%3D{schema}",
        url.trim()
    )))
}

/// A schema name for a test: `px_` and its name in lower-case letters, digits and
/// underscores, cut to PostgreSQL's 63 bytes.
fn schema_name(test: &str) -> String {
    let mut name: String = "px_".to_string();
    name.extend(test.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        }
    }));
    name.truncate(63);
    name
}

/// A store for a test on one backend, opened as often as the test likes.
#[cfg(test)]
pub(crate) enum TestDb {
    Sqlite(tempfile::TempDir),
    Pg(String),
}

#[cfg(test)]
impl TestDb {
    pub(crate) fn open(&self) -> crate::Store {
        match self {
            TestDb::Sqlite(dir) => crate::Store::open(&dir.path().join("p.db")),
            TestDb::Pg(url) => crate::Store::open_location(url),
        }
        .unwrap_or_else(|e| panic!("{}: {e}", self.name()))
    }

    /// The location, as a path (a URL for PostgreSQL).
    pub(crate) fn path(&self) -> std::path::PathBuf {
        match self {
            TestDb::Sqlite(dir) => dir.path().join("p.db"),
            TestDb::Pg(url) => url.into(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            TestDb::Sqlite(_) => "sqlite",
            TestDb::Pg(_) => "postgresql",
        }
    }

    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, TestDb::Pg(_))
    }
}

/// The stores a test of this crate runs on: a new SQLite file, and a new PostgreSQL
/// schema when there is a database for the tests.
#[cfg(test)]
pub(crate) fn backends(test: &str) -> Vec<TestDb> {
    let mut out = vec![TestDb::Sqlite(tempfile::tempdir().unwrap())];
    match pg_location(test) {
        Ok(Some(url)) => out.push(TestDb::Pg(url)),
        Ok(None) => {}
        Err(e) => panic!("{e}"),
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_names_are_plain_identifiers() {
        assert_eq!(super::schema_name("a::B-c"), "px_a__b_c");
        assert_eq!(super::schema_name(&"x".repeat(99)).len(), 63);
    }
}

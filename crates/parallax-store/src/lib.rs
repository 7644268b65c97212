//! The embedded store: one SQLite file (bundled SQLite, WAL journal), its schema
//! version in `PRAGMA user_version`, migrations applied in order on open, and every
//! batch written in one transaction, so a crash or Ctrl-C leaves either all of a batch
//! or none of it. Only this crate knows SQL.
//!
//! An article is stored once under its content-derived id; writing it again is a no-op
//! reported as [`Outcome::Unchanged`] (its new provenance is still recorded). A new
//! article whose text is a near copy of a stored one (the same text from another file
//! or outlet) is recorded as its copy in the same transaction (`copies.rs`).

mod copies;
mod pg;
mod schema;
mod search;
mod stories;
pub mod terms;

use parallax_core::facts::Facts;
use parallax_core::{Article, ArticleId};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use pg::{is_url as is_postgres_url, redact as display_location};
pub use schema::SCHEMA_VERSION;
pub mod testing;
pub use search::{fts_query, query_terms, ArticleSummary, TextHit, MAX_QUERY_TERMS};
pub use stories::{StoryArticle, StoryFilter, StoryInfo, StoryRecord, StoryStep};

/// The transaction a write runs in: its own, or a savepoint of the open batch.
enum Tx<'c> {
    Own(rusqlite::Transaction<'c>),
    Nested(rusqlite::Savepoint<'c>),
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Tx::Own(t) => t,
            Tx::Nested(s) => s,
        }
    }
}

impl Tx<'_> {
    fn commit(self) -> rusqlite::Result<()> {
        match self {
            Tx::Own(t) => t.commit(),
            Tx::Nested(s) => s.commit(),
        }
    }
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store {path}: {source}")]
    Postgres {
        path: String,
        #[source]
        source: postgres::Error,
    },
    #[error("store {path} has schema version {found}, newer than this parallax reads ({supported}); upgrade parallax")]
    Newer {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("store {path}: stored article {id} cannot be read: {message}")]
    Corrupt {
        path: String,
        id: String,
        message: String,
    },
    #[error("no store at {path}")]
    Missing { path: String },
    #[error("no store at {path}: {why}")]
    NotAStore { path: String, why: String },
    #[error("id prefix `{prefix}` matches {count} articles; give more characters")]
    Ambiguous { prefix: String, count: usize },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How long a connection waits for another process's write lock before it gives up.
/// Writers hold it for one batch (a fraction of a second to a few seconds).
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// What writing an article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Unchanged,
}

/// Which articles to list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only articles in this language.
    pub lang: Option<String>,
    /// At most this many ([`Store::articles`]; a page has its own limit).
    pub limit: Option<usize>,
    /// Only articles of this outlet (as the input names it, exactly).
    pub source: Option<String>,
    /// Only articles published at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only articles published at or before this time (Unix seconds).
    pub until: Option<i64>,
}

/// The tables of one vector per article: the lead's and the title's.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VectorTable {
    Lead,
    Title,
}

impl VectorTable {
    /// The table and its vector column.
    pub(crate) fn name_and_column(self) -> (&'static str, &'static str) {
        match self {
            VectorTable::Lead => ("vectors", "lead"),
            VectorTable::Title => ("title_vectors", "data"),
        }
    }
}

/// Where a store lives: an SQLite connection, or a PostgreSQL client.
enum Backend {
    Sqlite(Connection),
    Pg(Box<pg::Pg>),
}

/// The SQLite connection of a store; for a PostgreSQL store, returns the value of
/// the PostgreSQL form of the call instead.
macro_rules! sqlite {
    ($self:ident, $pg:ident => $call:expr) => {
        match &$self.backend {
            crate::Backend::Sqlite(conn) => conn,
            crate::Backend::Pg($pg) => return $call,
        }
    };
    (mut $self:ident, $pg:ident => $call:expr) => {
        match &mut $self.backend {
            crate::Backend::Sqlite(conn) => conn,
            crate::Backend::Pg($pg) => return $call,
        }
    };
}
pub(crate) use sqlite;

/// An open store: an SQLite file (the default), or a PostgreSQL database (a
/// `postgres://` or `postgresql://` URL where a path is taken; `pg.rs`). Both hold the
/// same tables and answer every call the same.
pub struct Store {
    backend: Backend,
    /// The file, or the URL without its password.
    path: String,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it: the SQLite file
    /// at `path`, or the PostgreSQL database when `path` is a `postgres://` or
    /// `postgresql://` URL (its tables created in the schema the connection uses).
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(url) = pg_url(path) {
            return Store::open_pg(url, Create::Yes);
        }
        let name = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: name.clone(),
            source,
        })?;
        Store::init(conn, name)
    }

    /// Opens the store file at `path` for reading only; never creates a file. A missing
    /// file is [`StoreError::Missing`] ("no store at PATH"), a file that is not a
    /// parallax store [`StoreError::NotAStore`]. A store of an older schema is migrated
    /// first (a write to the existing file), as every command of this version reads the
    /// current schema.
    ///
    /// For a PostgreSQL URL: a database (schema) without the tables of a store is
    /// [`StoreError::Missing`]; the connection is the same as for writing, and every
    /// call made through it only reads.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if let Some(url) = pg_url(path) {
            return Store::open_pg(url, Create::No);
        }
        let name = path.display().to_string();
        if !path.exists() {
            return Err(StoreError::Missing { path: name });
        }
        let sqlite = |source| StoreError::Sqlite {
            path: name.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        let store = Store {
            backend: Backend::Sqlite(conn),
            path: name,
        };
        let found = store.check_version()?;
        if found < SCHEMA_VERSION {
            drop(store);
            return Store::open_existing(path);
        }
        Ok(store)
    }

    /// Opens the store file at `path` for reading and writing, like [`Store::open`],
    /// but only if it exists ([`StoreError::Missing`] otherwise).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if let Some(url) = pg_url(path) {
            return Store::open_pg(url, Create::No);
        }
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let store = Store::open(path)?;
        Ok(store)
    }

    /// Opens the PostgreSQL store at `url` and migrates it; with `Create::No`, only
    /// if the schema holds one.
    fn open_pg(url: &str, create: Create) -> Result<Store> {
        let pg = pg::Pg::connect(url)?;
        if matches!(create, Create::No) && !pg.has_store()? {
            return Err(StoreError::Missing {
                path: pg.location().to_string(),
            });
        }
        pg.migrate()?;
        Ok(Store {
            path: pg.location().to_string(),
            backend: Backend::Pg(Box::new(pg)),
        })
    }

    /// Opens the store at a location given as text: a PostgreSQL URL, or a file path.
    pub fn open_location(location: &str) -> Result<Store> {
        Store::open(Path::new(location))
    }

    /// The schema version, checked: a newer one than this build reads, or a file with
    /// no parallax schema at all, is an error.
    fn check_version(&self) -> Result<u32> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            let conn = sqlite!(self, _pg => Ok(found));
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            return Err(StoreError::NotAStore {
                path: self.path.clone(),
                why: if tables == 0 {
                    "the file is empty".into()
                } else {
                    "the file is an SQLite database of something else".into()
                },
            });
        }
        Ok(found)
    }

    /// A store in memory, for evaluation runs and tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        Store::init(conn, ":memory:".into())
    }

    fn init(mut conn: Connection, path: String) -> Result<Store> {
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        setup(&mut conn).map_err(sqlite)?;
        let found: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        schema::migrate(&mut conn, found).map_err(sqlite)?;
        Ok(Store {
            backend: Backend::Sqlite(conn),
            path,
        })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The file this store lives in (`:memory:` for an in-memory one; for a
    /// PostgreSQL store, its URL without the password).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    /// Which kind of store this is: `sqlite` or `postgresql`.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Pg(_) => "postgresql",
        }
    }

    /// The schema version of the store.
    pub fn schema_version(&self) -> Result<u32> {
        let conn = sqlite!(self, pg => pg.schema_version());
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Runs `f` as one transaction: every write the store makes inside it (articles and
    /// facts, vectors, an assignment step) is committed together when `f` returns `Ok`,
    /// and none of them when it returns an error (or the process dies first). The write
    /// lock is taken when it begins, so do the slow work (embedding) before calling it.
    pub fn in_batch<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        match &self.backend {
            Backend::Sqlite(conn) => conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| E::from(self.err(e)))?,
            Backend::Pg(pg) => pg.begin().map_err(E::from)?,
        }
        match f(self) {
            Ok(v) => {
                match &self.backend {
                    Backend::Sqlite(conn) => conn
                        .execute_batch("COMMIT")
                        .map_err(|e| E::from(self.err(e)))?,
                    Backend::Pg(pg) => pg.end(true).map_err(E::from)?,
                }
                Ok(v)
            }
            Err(e) => {
                // The error that stopped the batch is the one to report; a failed
                // rollback leaves the transaction to the database, which drops it when
                // the connection closes.
                match &self.backend {
                    Backend::Sqlite(conn) => {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    Backend::Pg(pg) => {
                        let _ = pg.end(false);
                    }
                }
                Err(e)
            }
        }
    }

    /// Writes a batch of analysed articles and their facts in one transaction.
    pub fn write_batch(&mut self, articles: &[(Article, Facts)]) -> Result<Vec<Outcome>> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let prints: Vec<parallax_core::Fingerprint> = articles
            .iter()
            .map(|(a, _)| parallax_core::Fingerprint::of_article(a))
            .collect();
        let conn = sqlite!(mut self, pg => pg.write_batch(articles));
        let tx = write_tx(conn).map_err(err)?;
        let mut outcomes = Vec::with_capacity(articles.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO articles (id, lang, published, published_unix, title, article, text, ingested_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, unixepoch())",
                )
                .map_err(err)?;
            let mut provenance = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO article_sources (article_id, path, record) VALUES (?1, ?2, ?3)",
                )
                .map_err(err)?;
            let mut facts = tx
                .prepare_cached("INSERT OR REPLACE INTO facts (article_id, facts) VALUES (?1, ?2)")
                .map_err(err)?;
            for ((a, f), print) in articles.iter().zip(&prints) {
                let json = serde_json::to_string(a).expect("articles serialise");
                let text = a.text();
                let n = insert
                    .execute(params![
                        a.id.as_str(),
                        a.lang,
                        a.published.map(|p| p.to_string()),
                        a.published.map(|p| p.unix()),
                        a.title,
                        json,
                        text,
                    ])
                    .map_err(err)?;
                if n == 1 {
                    // the search index first: it reads the article's rowid
                    search::index_article(
                        &tx,
                        tx.last_insert_rowid(),
                        a.lang.as_deref(),
                        a.title.as_deref(),
                        a.standfirst.as_deref(),
                        &text,
                    )
                    .map_err(err)?;
                    copies::insert(&tx, a.id.as_str(), print).map_err(err)?;
                }
                outcomes.push(if n == 1 {
                    Outcome::New
                } else {
                    Outcome::Unchanged
                });
                provenance
                    .execute(params![
                        a.id.as_str(),
                        a.source_path.as_deref().unwrap_or(""),
                        a.source_record.unwrap_or(0) as i64,
                    ])
                    .map_err(err)?;
                facts
                    .execute(params![
                        a.id.as_str(),
                        serde_json::to_string(f).expect("facts serialise")
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(outcomes)
    }

    /// Whether an article with this id is stored.
    pub fn contains(&self, id: &ArticleId) -> Result<bool> {
        let conn = sqlite!(self, pg => pg.contains(id));
        conn.query_row(
            "SELECT 1 FROM articles WHERE id = ?1",
            [id.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map(|o| o.is_some())
        .map_err(|e| self.err(e))
    }

    /// One article by its id or an unambiguous prefix of it.
    pub fn article(&self, id_or_prefix: &str) -> Result<Option<Article>> {
        let prefix = id_or_prefix.trim().to_ascii_lowercase();
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let conn = match &self.backend {
            Backend::Sqlite(conn) => conn,
            Backend::Pg(pg) => {
                let (rows, count) = pg.by_prefix(&prefix)?;
                return match rows.as_slice() {
                    [] => Ok(None),
                    [(id, json)] => self.decode(id, json).map(Some),
                    _ => Err(StoreError::Ambiguous {
                        prefix,
                        count: count as usize,
                    }),
                };
            }
        };
        let mut stmt = conn
            .prepare_cached("SELECT id, article FROM articles WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([&prefix], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        match rows.len() {
            0 => Ok(None),
            1 => self.decode(&rows[0].0, &rows[0].1).map(Some),
            _ => {
                let count: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM articles WHERE id >= ?1 AND id < ?1 || 'g'",
                        [&prefix],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.err(e))?;
                Err(StoreError::Ambiguous {
                    prefix,
                    count: count as usize,
                })
            }
        }
    }

    /// Articles in publication order (undated last), optionally of one language.
    pub fn articles(&self, filter: &ArticleFilter) -> Result<Vec<Article>> {
        let conn = sqlite!(self, pg => pg.articles(filter));
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, article FROM articles WHERE (?1 IS NULL OR lang = ?1)
                   AND (?3 IS NULL OR json_extract(article, '$.source') = ?3)
                   AND (?4 IS NULL OR published_unix >= ?4)
                   AND (?5 IS NULL OR published_unix <= ?5)
                 ORDER BY published_unix IS NULL, published_unix, id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let limit = filter.limit.map(|l| l as i64).unwrap_or(-1);
        let rows: Vec<(String, String)> = stmt
            .query_map(
                params![
                    filter.lang,
                    limit,
                    filter.source,
                    filter.since,
                    filter.until
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|(id, json)| self.decode(id, json))
            .collect()
    }

    /// SQLite's `PRAGMA integrity_check` of the file: `["ok"]` when it is sound,
    /// otherwise each problem found. For PostgreSQL, which checks its own pages and
    /// constraints, what it cannot check: that every article is in the term index and
    /// the index's totals agree with its rows.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = sqlite!(self, pg => pg.integrity_check());
        let err = |e| self.err(e);
        let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }

    /// Every row of the tables that hold what was stored, each table by name with its
    /// rows as text in a fixed order, so that two stores can be compared (the crash
    /// test compares a store whose ingests were killed and re-run with one ingested
    /// once). Left out, as they depend on the process and not on the inputs: the wall
    /// clock of each write (`articles.ingested_at`) and the row ids of `articles`
    /// (SQLite's, not the article ids); the full-text index is keyed by those row ids,
    /// so it is compared through its vocabulary (each term with its document and
    /// occurrence counts). A PostgreSQL store gives the same rows in the same form.
    pub fn contents(&self) -> Result<Vec<(&'static str, Vec<String>)>> {
        const TABLES: &[(&str, &str)] = &[
            (
                "articles",
                "SELECT id, lang, published, published_unix, title, article, text
                 FROM articles ORDER BY id",
            ),
            (
                "article_sources",
                "SELECT article_id, path, record FROM article_sources ORDER BY 1, 2, 3",
            ),
            ("facts", "SELECT article_id, facts FROM facts ORDER BY 1"),
            (
                "fingerprints",
                "SELECT article_id, shingles, minhash, copy_of FROM fingerprints ORDER BY 1",
            ),
            (
                "fingerprint_bands",
                "SELECT band, key, article_id FROM fingerprint_bands ORDER BY 1, 2, 3",
            ),
            (
                "vectors",
                "SELECT article_id, model, dim, lead FROM vectors ORDER BY 1",
            ),
            (
                "sentence_vectors",
                "SELECT article_id, model, dim, data FROM sentence_vectors ORDER BY 1",
            ),
            (
                "title_vectors",
                "SELECT article_id, model, dim, data FROM title_vectors ORDER BY 1",
            ),
            (
                "stories",
                "SELECT id, first_seen, last_seen, merged_into, state FROM stories ORDER BY 1",
            ),
            (
                "story_assignments",
                "SELECT article_id, story_id, seq, evidence FROM story_assignments ORDER BY 1",
            ),
            (
                "cluster_state",
                "SELECT key, value FROM cluster_state ORDER BY 1",
            ),
            (
                "article_terms_vocab",
                "SELECT term, doc, cnt FROM article_terms_vocab ORDER BY 1",
            ),
        ];
        let conn = sqlite!(self, pg => pg.contents());
        let err = |e| self.err(e);
        let mut out = Vec::with_capacity(TABLES.len());
        for (name, sql) in TABLES {
            let mut stmt = conn.prepare(sql).map_err(err)?;
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let mut cells = Vec::with_capacity(n);
                    for i in 0..n {
                        cells.push(match r.get_ref(i)? {
                            ValueRef::Null => "NULL".to_string(),
                            ValueRef::Integer(v) => v.to_string(),
                            ValueRef::Real(v) => format!("{v:?}"),
                            ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                            ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
                        });
                    }
                    Ok(cells.join(" | "))
                })
                .map_err(err)?;
            out.push((*name, rows.collect::<rusqlite::Result<_>>().map_err(err)?));
        }
        Ok(out)
    }

    /// How many articles are stored.
    pub fn count_articles(&self) -> Result<u64> {
        let conn = sqlite!(self, pg => pg.count_articles());
        conn.query_row("SELECT count(*) FROM articles", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Stores the lead vector of articles (in one transaction), made by `model`.
    pub fn put_vectors(&mut self, model: &str, vectors: &[(&ArticleId, &[f32])]) -> Result<()> {
        self.put_vector_rows(VectorTable::Lead, model, vectors)
    }

    /// Stores the title vector of articles (in one transaction), made by `model`.
    pub fn put_title_vectors(
        &mut self,
        model: &str,
        vectors: &[(&ArticleId, &[f32])],
    ) -> Result<()> {
        self.put_vector_rows(VectorTable::Title, model, vectors)
    }

    /// One vector per article into `table`, in one transaction; an article's earlier
    /// vector there is replaced.
    fn put_vector_rows(
        &mut self,
        table: VectorTable,
        model: &str,
        vectors: &[(&ArticleId, &[f32])],
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = sqlite!(mut self, pg => pg.put_vector_rows(table, model, vectors));
        let tx = write_tx(conn).map_err(err)?;
        {
            let (name, column) = table.name_and_column();
            let mut stmt = tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {name} (article_id, model, dim, {column}) VALUES (?1, ?2, ?3, ?4)"
                ))
                .map_err(err)?;
            for (id, v) in vectors {
                stmt.execute(params![id.as_str(), model, v.len() as i64, to_blob(v)])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The title vector of an article, if `model` made one.
    pub fn title_vector(&self, model: &str, id: &ArticleId) -> Result<Option<Vec<f32>>> {
        let conn = sqlite!(self, pg => pg.title_vector(model, id));
        conn.query_row(
            "SELECT data FROM title_vectors WHERE article_id = ?1 AND model = ?2",
            params![id.as_str(), model],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()
        .map(|b| b.map(|b| from_blob(&b)))
        .map_err(|e| self.err(e))
    }

    /// How many lead vectors of `model` are stored.
    pub fn count_vectors(&self, model: &str) -> Result<u64> {
        let conn = sqlite!(self, pg => pg.count_vectors(model));
        conn.query_row(
            "SELECT count(*) FROM vectors WHERE model = ?1",
            [model],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
        .map_err(|e| self.err(e))
    }

    /// The lead vector of an article, if `model` made one.
    pub fn vector(&self, model: &str, id: &ArticleId) -> Result<Option<Vec<f32>>> {
        let conn = sqlite!(self, pg => pg.vector(model, id));
        conn.query_row(
            "SELECT lead FROM vectors WHERE article_id = ?1 AND model = ?2",
            params![id.as_str(), model],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()
        .map(|b| b.map(|b| from_blob(&b)))
        .map_err(|e| self.err(e))
    }

    /// Ids of the given articles that have no lead vector of `model` yet.
    pub fn missing_vectors(&self, model: &str, ids: &[&ArticleId]) -> Result<Vec<ArticleId>> {
        let conn = sqlite!(self, pg => pg.missing_vectors(model, ids));
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM vectors WHERE article_id = ?1 AND model = ?2")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for id in ids {
            let found = stmt
                .query_row(params![id.as_str(), model], |_| Ok(()))
                .optional()
                .map_err(|e| self.err(e))?;
            if found.is_none() {
                out.push((*id).clone());
            }
        }
        Ok(out)
    }

    /// The sentence vectors of an article (one per sentence, in order), if stored.
    pub fn sentence_vectors(&self, model: &str, id: &ArticleId) -> Result<Option<Vec<Vec<f32>>>> {
        let row: Option<(i64, Vec<u8>)> = match &self.backend {
            Backend::Sqlite(conn) => conn
                .query_row(
                    "SELECT dim, data FROM sentence_vectors WHERE article_id = ?1 AND model = ?2",
                    params![id.as_str(), model],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| self.err(e))?,
            Backend::Pg(pg) => pg.sentence_vectors(model, id)?,
        };
        Ok(row.map(|(dim, data)| {
            let flat = from_blob(&data);
            flat.chunks(dim.max(1) as usize)
                .map(<[f32]>::to_vec)
                .collect()
        }))
    }

    /// Stores the sentence vectors of an article.
    pub fn put_sentence_vectors(
        &mut self,
        model: &str,
        id: &ArticleId,
        vectors: &[Vec<f32>],
    ) -> Result<()> {
        let dim = vectors.first().map(Vec::len).unwrap_or(0);
        let flat: Vec<f32> = vectors.iter().flatten().copied().collect();
        let conn =
            sqlite!(self, pg => pg.put_sentence_vectors(model, id, dim as i64, &to_blob(&flat)));
        conn.execute(
                "INSERT OR REPLACE INTO sentence_vectors (article_id, model, dim, data) VALUES (?1, ?2, ?3, ?4)",
                params![id.as_str(), model, dim as i64, to_blob(&flat)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The facts found in an article.
    pub fn facts(&self, id: &ArticleId) -> Result<Option<Facts>> {
        let json: Option<String> = match &self.backend {
            Backend::Sqlite(conn) => conn
                .query_row(
                    "SELECT facts FROM facts WHERE article_id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?,
            Backend::Pg(pg) => pg.facts_json(id)?,
        };
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                id: id.to_string(),
                message: format!("facts: {e}"),
            })
        })
        .transpose()
    }

    /// Where an article was read from: `(path, record)` pairs, first seen first.
    pub fn provenance(&self, id: &ArticleId) -> Result<Vec<(String, u64)>> {
        let conn = sqlite!(self, pg => pg.provenance(id));
        let mut stmt = conn
            .prepare_cached(
                "SELECT path, record FROM article_sources WHERE article_id = ?1 ORDER BY rowid",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([id.as_str()], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    fn decode(&self, id: &str, json: &str) -> Result<Article> {
        decode(&self.path, id, json)
    }

    /// Runs SQL as it is, on either backend (the tests' way to make a store as an
    /// earlier version left it).
    #[cfg(test)]
    pub(crate) fn execute_raw(&self, sql: &str) -> Result<()> {
        let conn = sqlite!(self, pg => pg.execute_raw(sql));
        conn.execute_batch(sql).map_err(|e| self.err(e))
    }
}

/// Whether to create a PostgreSQL store that is not there.
enum Create {
    Yes,
    No,
}

/// The PostgreSQL URL a path stands for, if it is one.
fn pg_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| pg::is_url(s))
}

fn setup(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A write transaction takes the write lock when it begins, so that two
    // processes writing at once wait for each other (the busy timeout) instead of
    // failing with "database is locked" when a reader upgrades to a writer.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// A write transaction: a savepoint inside the batch of [`Store::in_batch`] when one
/// is open, else a transaction of its own.
fn write_tx(conn: &mut Connection) -> rusqlite::Result<Tx<'_>> {
    if conn.is_autocommit() {
        conn.transaction().map(Tx::Own)
    } else {
        conn.savepoint().map(Tx::Nested)
    }
}

/// A stored article's JSON read back.
pub(crate) fn decode(path: &str, id: &str, json: &str) -> Result<Article> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        path: path.to_string(),
        id: id.to_string(),
        message: e.to_string(),
    })
}

/// Vectors are stored as little-endian f32.
fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::Paragraph;

    /// A small article with its content id; shared with the other modules' tests.
    pub(crate) fn article(title: &str, lang: &str) -> Article {
        let mut a = Article {
            title: Some(title.into()),
            lang: Some(lang.into()),
            paragraphs: vec![Paragraph::paragraph("Body text.")],
            source_path: Some("x.txt".into()),
            source_record: Some(1),
            ..Article::default()
        };
        a.id = a.content_id();
        a
    }

    #[test]
    fn writes_are_idempotent_and_read_back() {
        for db in testing::backends("writes_are_idempotent_and_read_back") {
            writes_are_idempotent_and_read_back_in(&db);
        }
    }

    fn writes_are_idempotent_and_read_back_in(db: &testing::TestDb) {
        let a = article("One", "da");
        let b = article("Two", "ro");
        {
            let mut s = db.open();
            assert_eq!(
                s.write_batch(&[(a.clone(), Facts::default()), (b.clone(), Facts::default())])
                    .unwrap(),
                [Outcome::New, Outcome::New]
            );
            assert_eq!(
                s.write_batch(&[(a.clone(), Facts::default())]).unwrap(),
                [Outcome::Unchanged]
            );
        }
        let s = db.open();
        assert_eq!(s.backend(), db.name());
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let reader = Store::open_read_only(&db.path()).unwrap();
        assert_eq!(reader.count_articles().unwrap(), 2);
        assert_eq!(reader.integrity_check().unwrap(), ["ok"]);
        assert_eq!(s.count_articles().unwrap(), 2);
        assert_eq!(s.article(a.id.as_str()).unwrap().unwrap(), a);
        assert_eq!(s.article(&a.id.as_str()[..6]).unwrap().unwrap().id, a.id);
        assert!(s.article("zz").unwrap().is_none());
        let da = s
            .articles(&ArticleFilter {
                lang: Some("da".into()),
                ..ArticleFilter::default()
            })
            .unwrap();
        assert_eq!(da.len(), 1);
        assert_eq!(s.facts(&a.id).unwrap(), Some(Facts::default()));
        drop(s);
        let mut s = Store::open_existing(&db.path()).unwrap();
        assert_eq!(
            s.missing_vectors("m", &[&a.id, &b.id]).unwrap(),
            vec![a.id.clone(), b.id.clone()]
        );
        s.put_vectors("m", &[(&a.id, &[0.5, -1.0][..])]).unwrap();
        assert_eq!(s.vector("m", &a.id).unwrap(), Some(vec![0.5, -1.0]));
        assert_eq!(s.vector("other", &a.id).unwrap(), None);
        assert_eq!(
            s.missing_vectors("m", &[&a.id, &b.id]).unwrap(),
            vec![b.id.clone()]
        );
        s.put_sentence_vectors("m", &a.id, &[vec![1.0, 2.0], vec![3.0, 4.0]])
            .unwrap();
        assert_eq!(
            s.sentence_vectors("m", &a.id).unwrap(),
            Some(vec![vec![1.0, 2.0], vec![3.0, 4.0]])
        );
        s.put_title_vectors("m", &[(&a.id, &[0.25, 0.75][..])])
            .unwrap();
        assert_eq!(s.title_vector("m", &a.id).unwrap(), Some(vec![0.25, 0.75]));
        assert_eq!(s.title_vector("other", &a.id).unwrap(), None);
        assert_eq!(s.title_vector("m", &b.id).unwrap(), None);
        assert_eq!(s.provenance(&a.id).unwrap(), vec![("x.txt".to_string(), 1)]);
        // A second source of the same article is recorded after the first.
        let mut again = a.clone();
        again.source_path = Some("a.txt".into());
        assert_eq!(
            s.write_batch(&[(again, Facts::default())]).unwrap(),
            [Outcome::Unchanged]
        );
        assert_eq!(
            s.provenance(&a.id).unwrap(),
            vec![("x.txt".to_string(), 1), ("a.txt".to_string(), 1)]
        );
        // The same article twice in one batch: new once.
        let d = article("Four", "en");
        assert_eq!(
            s.write_batch(&[(d.clone(), Facts::default()), (d.clone(), Facts::default())])
                .unwrap(),
            [Outcome::New, Outcome::Unchanged]
        );
        assert_eq!(s.provenance(&d.id).unwrap().len(), 1);
        // A batch that fails leaves nothing of itself.
        let c = article("Three", "en");
        let failed: Result<()> = s.in_batch(|s| {
            s.write_batch(&[(c.clone(), Facts::default())])?;
            assert!(s.contains(&c.id)?);
            Err(StoreError::Missing {
                path: "stop".into(),
            })
        });
        assert!(failed.is_err());
        assert!(!s.contains(&c.id).unwrap());
        let kept: Result<()> = s.in_batch(|s| {
            s.write_batch(&[(c.clone(), Facts::default())])?;
            s.put_vectors("m", &[(&c.id, &[1.0][..])])
        });
        kept.unwrap();
        assert!(s.contains(&c.id).unwrap());
        assert_eq!(s.vector("m", &c.id).unwrap(), Some(vec![1.0]));
    }

    #[test]
    fn both_backends_store_the_same_rows() {
        let dbs = testing::backends("both_backends_store_the_same_rows");
        let contents: Vec<_> = dbs
            .iter()
            .map(|db| {
                let mut s = db.open();
                let mut a = article("Flood in Valmora", "da");
                a.standfirst = Some("Tusinder flygter fra oversvømmelsen.".into());
                a.source = Some("Desk".into());
                a.published = Some(parallax_core::Published::parse("2025-09-03").unwrap());
                a.id = a.content_id();
                let b = article("Inundații în Valmora", "ro");
                s.write_batch(&[(a.clone(), Facts::default()), (b.clone(), Facts::default())])
                    .unwrap();
                s.put_vectors("m", &[(&a.id, &[0.25, -1.5][..])]).unwrap();
                s.put_sentence_vectors("m", &b.id, &[vec![1.0], vec![2.0]])
                    .unwrap();
                s.put_title_vectors("m", &[(&a.id, &[0.5, 0.125][..])])
                    .unwrap();
                s.save_story_step(&StoryStep {
                    assignments: vec![(a.id.to_string(), 1, "{\"story\":1}".into())],
                    stories: vec![StoryRecord {
                        id: 1,
                        first_seen: Some(5),
                        last_seen: Some(5),
                        state: "{}".into(),
                    }],
                    merges: vec![],
                    meta: "{\"seq\":1}".into(),
                })
                .unwrap();
                let c = s.contents().unwrap();
                assert!(c.iter().all(|(_, rows)| !rows.is_empty()), "{c:?}");
                c
            })
            .collect();
        for c in &contents[1..] {
            assert_eq!(c, &contents[0]);
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        for db in testing::backends("a_newer_schema_is_refused") {
            let s = db.open();
            s.execute_raw(&if db.is_pg() {
                format!(
                    "UPDATE parallax_schema SET version = {}",
                    SCHEMA_VERSION + 1
                )
            } else {
                format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)
            })
            .unwrap();
            drop(s);
            let err = Store::open(&db.path()).err().unwrap().to_string();
            assert!(err.contains("newer than this parallax reads"), "{err}");
        }
    }

    #[test]
    fn a_location_without_a_store_is_missing_for_readers() {
        for db in testing::backends("a_location_without_a_store_is_missing") {
            for open in [Store::open_read_only, Store::open_existing] {
                let err = open(&db.path()).err().unwrap();
                assert!(matches!(err, StoreError::Missing { .. }), "{err}");
            }
        }
    }

    #[test]
    fn an_ambiguous_prefix_is_an_error() {
        for db in testing::backends("an_ambiguous_prefix_is_an_error") {
            an_ambiguous_prefix_is_an_error_in(&mut db.open());
        }
    }

    fn an_ambiguous_prefix_is_an_error_in(s: &mut Store) {
        let arts: Vec<Article> = (0..40).map(|i| article(&format!("T{i}"), "en")).collect();
        let batch: Vec<(Article, Facts)> =
            arts.iter().map(|a| (a.clone(), Facts::default())).collect();
        s.write_batch(&batch).unwrap();
        let first = arts[0].id.as_str()[..1].to_string();
        let many = arts
            .iter()
            .filter(|a| a.id.as_str().starts_with(&first))
            .count();
        if many > 1 {
            assert!(matches!(
                s.article(&first),
                Err(StoreError::Ambiguous { .. })
            ));
        }
    }
}

//! The PostgreSQL backend: the same tables as the SQLite file (in PostgreSQL's types,
//! every text column in the `C` collation so that text sorts by its bytes, as SQLite's
//! `BINARY` does), the same versions, and the same writes: every batch in one
//! transaction, articles under their content ids (`ON CONFLICT DO NOTHING`), the copies
//! found as they are stored, and the full-text index made of the same terms
//! ([`crate::terms`]) with the same ranking (FTS5's BM25, computed in SQL from the
//! term counts of each article and column).
//!
//! Writers take a transaction-scoped advisory lock (one per schema) when a write
//! transaction begins, so that writes to one store are serialised as SQLite's
//! `BEGIN IMMEDIATE` serialises them: the next story sequence number, the copy lookup
//! and the term totals are read and written by one writer at a time. Readers never
//! take it.
//!
//! The connection is the synchronous client of the `postgres` crate; prepared
//! statements are kept per connection.

use crate::search::{ArticleSummary, TextHit};
use crate::stories::{StoryArticle, StoryFilter, StoryInfo, StoryRow, StoryStep};
use crate::terms::Analyzer;
use crate::{decode, ArticleFilter, Outcome, Result, StoreError, SCHEMA_VERSION};
use parallax_core::facts::Facts;
use parallax_core::{Article, ArticleId, Fingerprint};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Row, Statement};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

type PgResult<T> = std::result::Result<T, postgres::Error>;
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The first key of the advisory locks of parallax (`px`); the second is the hash of
/// the schema, so that stores in two schemas of one database do not wait for each other.
const LOCK_CLASS: i32 = 0x7078;

/// How long opening waits for the server when the URL does not say
/// (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL schema by version. Version numbers are SQLite's (`schema.rs`): a
/// new store is created at the version of SQLite's schema it equals (8: articles and
/// their sources, facts, vectors, stories, copies, the term index and the outlet
/// index), and each later change of the schema gets one number and both forms (9: the
/// title vectors).
///
/// The term index is one row per term and article (`article_terms`: the term's count
/// in the title, the standfirst and the text), keyed by the article's row number
/// (`articles.ord`) as FTS5 is by SQLite's row id, with each article's column lengths
/// (`article_lengths`) and the totals BM25 reads (`article_terms_totals`). Each row
/// also holds its article's length in terms, and the primary key's index carries the
/// counts, so that a term's postings are read from the index alone, in one run (the
/// table's rows lie in the order articles were written). Like FTS5's
/// table it has no foreign key (the writer stores an article's terms with the article,
/// in its transaction): a check per row was a third of the time of writing them.
const MIGRATIONS: &[(u32, &str)] = &[
    (
        8,
        r#"CREATE TABLE articles (
        ord BIGSERIAL NOT NULL UNIQUE,
        id TEXT COLLATE "C" PRIMARY KEY,
        lang TEXT COLLATE "C",
        published TEXT COLLATE "C",
        published_unix BIGINT,
        title TEXT COLLATE "C",
        article TEXT NOT NULL,
        text TEXT NOT NULL,
        ingested_at BIGINT NOT NULL,
        standfirst TEXT COLLATE "C",
        source TEXT COLLATE "C"
    );
    CREATE INDEX articles_published_id ON articles (published_unix, id);
    CREATE INDEX articles_lang_published_id ON articles (lang, published_unix, id);
    CREATE INDEX articles_source_published ON articles (source, published_unix, id);
    CREATE TABLE article_sources (
        ord BIGSERIAL NOT NULL,
        article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
        path TEXT COLLATE "C" NOT NULL,
        record BIGINT NOT NULL,
        PRIMARY KEY (article_id, path, record)
    );
    CREATE TABLE facts (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        facts TEXT NOT NULL
    );
    CREATE TABLE vectors (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        model TEXT COLLATE "C" NOT NULL,
        dim BIGINT NOT NULL,
        lead BYTEA NOT NULL
    );
    CREATE TABLE sentence_vectors (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        model TEXT COLLATE "C" NOT NULL,
        dim BIGINT NOT NULL,
        data BYTEA NOT NULL
    );
    CREATE TABLE stories (
        id BIGINT PRIMARY KEY,
        first_seen BIGINT,
        last_seen BIGINT,
        merged_into BIGINT,
        state TEXT NOT NULL
    );
    CREATE INDEX stories_last_seen ON stories (last_seen);
    CREATE TABLE story_assignments (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        story_id BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        evidence TEXT NOT NULL
    );
    CREATE INDEX story_assignments_story ON story_assignments (story_id, seq);
    CREATE TABLE cluster_state (
        key TEXT COLLATE "C" PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE fingerprints (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        shingles BIGINT NOT NULL,
        minhash BYTEA NOT NULL,
        copy_of TEXT COLLATE "C" REFERENCES articles (id)
    );
    CREATE INDEX fingerprints_copy_of ON fingerprints (copy_of);
    CREATE TABLE fingerprint_bands (
        band BIGINT NOT NULL,
        key BIGINT NOT NULL,
        article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
        PRIMARY KEY (band, key, article_id)
    );
    CREATE TABLE article_terms (
        term TEXT COLLATE "C" NOT NULL,
        doc BIGINT NOT NULL,
        title INTEGER NOT NULL,
        standfirst INTEGER NOT NULL,
        text INTEGER NOT NULL,
        len INTEGER NOT NULL,
        PRIMARY KEY (term, doc) INCLUDE (title, standfirst, text, len)
    );
    CREATE TABLE article_lengths (
        doc BIGINT PRIMARY KEY REFERENCES articles (ord),
        title INTEGER NOT NULL,
        standfirst INTEGER NOT NULL,
        text INTEGER NOT NULL
    );
    CREATE TABLE article_terms_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        docs BIGINT NOT NULL,
        tokens BIGINT NOT NULL
    );
    INSERT INTO article_terms_totals (id, docs, tokens) VALUES (1, 0, 0);"#,
    ),
    (
        9,
        r#"CREATE TABLE title_vectors (
        article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
        model TEXT COLLATE "C" NOT NULL,
        dim BIGINT NOT NULL,
        data BYTEA NOT NULL
    );"#,
    ),
];

/// Whether a store location is a PostgreSQL URL (`postgres://…` or `postgresql://…`).
pub fn is_url(location: &str) -> bool {
    let l = location.trim_start().to_ascii_lowercase();
    l.starts_with("postgres://") || l.starts_with("postgresql://")
}

/// A store location as it may be shown: a PostgreSQL URL without its password (in the
/// user part or as a `password=` parameter); anything else as it is.
pub fn redact(location: &str) -> String {
    if !is_url(location) {
        return location.to_string();
    }
    let location = location.trim();
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The connection with its prepared statements.
struct Conn {
    /// Closed on a thread of its own when the connection is dropped (see `Drop`).
    client: std::mem::ManuallyDrop<Client>,
    cache: HashMap<String, Statement>,
}

impl Drop for Conn {
    /// The synchronous client closes its connection by running a Tokio runtime of its
    /// own, which cannot start on a thread that drives an async runtime (a server's
    /// state dropped at shutdown, a store dropped in an async test): it would panic in
    /// the destructor and abort the process. So the client is closed on a thread of its
    /// own, waited for.
    fn drop(&mut self) {
        // SAFETY: `client` is taken once, here, and never used again: `self` is being
        // dropped and no other code runs on it after this.
        let client = unsafe { std::mem::ManuallyDrop::take(&mut self.client) };
        self.cache.clear();
        let _ = std::thread::spawn(move || drop(client)).join();
    }
}

impl Conn {
    fn stmt(&mut self, sql: &str) -> PgResult<Statement> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.cache.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &str, params: Params) -> PgResult<Vec<Row>> {
        let s = self.stmt(sql)?;
        self.client.query(&s, params)
    }

    fn query_opt(&mut self, sql: &str, params: Params) -> PgResult<Option<Row>> {
        let s = self.stmt(sql)?;
        self.client.query_opt(&s, params)
    }

    fn execute(&mut self, sql: &str, params: Params) -> PgResult<u64> {
        let s = self.stmt(sql)?;
        self.client.execute(&s, params)
    }

    /// Takes the store's write lock until the transaction ends.
    fn lock(&mut self) -> PgResult<()> {
        self.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
            &[&LOCK_CLASS],
        )
        .map(|_| ())
    }
}

/// An open PostgreSQL store.
pub(crate) struct Pg {
    conn: RefCell<Conn>,
    /// The URL without its password, for messages.
    location: String,
    /// Whether a batch ([`crate::Store::in_batch`]) is open.
    in_batch: Cell<bool>,
}

impl Pg {
    /// Connects to the server at `url`.
    pub(crate) fn connect(url: &str) -> Result<Pg> {
        let location = redact(url);
        let err = |source| StoreError::Postgres {
            path: location.clone(),
            source,
        };
        let mut config: postgres::Config = url.trim().parse().map_err(err)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("parallax");
        }
        let client = config.connect(NoTls).map_err(err)?;
        Ok(Pg {
            conn: RefCell::new(Conn {
                client: std::mem::ManuallyDrop::new(client),
                cache: HashMap::new(),
            }),
            location,
            in_batch: Cell::new(false),
        })
    }

    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    fn err(&self, source: postgres::Error) -> StoreError {
        StoreError::Postgres {
            path: self.location.clone(),
            source,
        }
    }

    /// Runs a read.
    fn read<T>(&self, f: impl FnOnce(&mut Conn) -> PgResult<T>) -> Result<T> {
        let mut c = self.conn.borrow_mut();
        f(&mut c).map_err(|e| self.err(e))
    }

    /// Runs a write in a transaction of its own holding the write lock, or in a
    /// savepoint of the open batch.
    fn write<T>(&self, f: impl FnOnce(&mut Conn) -> PgResult<T>) -> Result<T> {
        let mut c = self.conn.borrow_mut();
        let nested = self.in_batch.get();
        let run = |c: &mut Conn| -> PgResult<T> {
            if nested {
                c.client.batch_execute("SAVEPOINT parallax_write")?;
            } else {
                c.client.batch_execute("BEGIN")?;
                c.lock()?;
            }
            match f(c) {
                Ok(v) => {
                    c.client.batch_execute(if nested {
                        "RELEASE SAVEPOINT parallax_write"
                    } else {
                        "COMMIT"
                    })?;
                    Ok(v)
                }
                Err(e) => {
                    // The error that stopped the write is the one to report.
                    let _ = c.client.batch_execute(if nested {
                        "ROLLBACK TO SAVEPOINT parallax_write"
                    } else {
                        "ROLLBACK"
                    });
                    Err(e)
                }
            }
        };
        run(&mut c).map_err(|e| self.err(e))
    }

    /// Begins a batch: one transaction holding the write lock.
    pub(crate) fn begin(&self) -> Result<()> {
        self.read(|c| {
            c.client.batch_execute("BEGIN")?;
            c.lock().inspect_err(|_| {
                // The lock's error is the one to report.
                let _ = c.client.batch_execute("ROLLBACK");
            })
        })?;
        self.in_batch.set(true);
        Ok(())
    }

    /// Ends the open batch: commits it, or rolls it back.
    pub(crate) fn end(&self, commit: bool) -> Result<()> {
        self.in_batch.set(false);
        if commit {
            self.read(|c| c.client.batch_execute("COMMIT"))
        } else {
            self.read(|c| c.client.batch_execute("ROLLBACK"))
        }
    }

    /// Whether the schema holds a parallax store.
    pub(crate) fn has_store(&self) -> Result<bool> {
        self.read(|c| {
            let row = c.query_opt("SELECT to_regclass('parallax_schema') IS NOT NULL", &[])?;
            Ok(row.is_some_and(|r| r.get::<_, bool>(0)))
        })
    }

    /// The schema version (0: none).
    pub(crate) fn schema_version(&self) -> Result<u32> {
        if !self.has_store()? {
            return Ok(0);
        }
        self.read(|c| {
            let row = c.query_opt("SELECT max(version) FROM parallax_schema", &[])?;
            Ok(row.and_then(|r| r.get::<_, Option<i32>>(0)).unwrap_or(0))
        })
        .map(|v| v.max(0) as u32)
    }

    /// Creates or migrates the schema, under the write lock, so that processes
    /// opening one store at once migrate it once.
    pub(crate) fn migrate(&self) -> Result<()> {
        let mut newer = None;
        self.write(|c| {
            c.client.batch_execute(
                "CREATE TABLE IF NOT EXISTS parallax_schema (version INTEGER NOT NULL)",
            )?;
            let found = c
                .query_opt("SELECT max(version) FROM parallax_schema", &[])?
                .and_then(|r| r.get::<_, Option<i32>>(0))
                .unwrap_or(0)
                .max(0) as u32;
            if found > SCHEMA_VERSION {
                newer = Some(found);
                return Ok(());
            }
            for (version, sql) in MIGRATIONS {
                if *version > found {
                    c.client.batch_execute(sql)?;
                    c.execute("DELETE FROM parallax_schema", &[])?;
                    c.execute(
                        "INSERT INTO parallax_schema (version) VALUES ($1)",
                        &[&(*version as i32)],
                    )?;
                }
            }
            Ok(())
        })?;
        match newer {
            Some(found) => Err(StoreError::Newer {
                path: self.location.clone(),
                found,
                supported: SCHEMA_VERSION,
            }),
            None => Ok(()),
        }
    }

    /// Writes a batch in a few statements, each over arrays of the whole batch (a round
    /// trip per statement, not per article), with the outcome and the copies SQLite's
    /// article-by-article writes give: the first of two equal ids in a batch is new,
    /// the second unchanged; an article's copy candidates are the stored articles and
    /// the batch's earlier new ones, in SQLite's order (by band, then by id).
    pub(crate) fn write_batch(&self, articles: &[(Article, Facts)]) -> Result<Vec<Outcome>> {
        let prints: Vec<Fingerprint> = articles
            .iter()
            .map(|(a, _)| Fingerprint::of_article(a))
            .collect();
        let jsons: Vec<String> = articles
            .iter()
            .map(|(a, _)| serde_json::to_string(a).expect("articles serialise"))
            .collect();
        let texts: Vec<String> = articles.iter().map(|(a, _)| a.text()).collect();
        let ids: Vec<&str> = articles.iter().map(|(a, _)| a.id.as_str()).collect();
        self.write(|c| {
            let langs: Vec<Option<&str>> = articles.iter().map(|(a, _)| a.lang.as_deref()).collect();
            let published: Vec<Option<String>> = articles
                .iter()
                .map(|(a, _)| a.published.map(|p| p.to_string()))
                .collect();
            let unix: Vec<Option<i64>> = articles
                .iter()
                .map(|(a, _)| a.published.map(|p| p.unix()))
                .collect();
            let titles: Vec<Option<&str>> = articles.iter().map(|(a, _)| a.title.as_deref()).collect();
            let standfirsts: Vec<Option<&str>> = articles
                .iter()
                .map(|(a, _)| a.standfirst.as_deref())
                .collect();
            let sources: Vec<Option<&str>> = articles.iter().map(|(a, _)| a.source.as_deref()).collect();
            let docs: HashMap<String, i64> = c
                .query(
                    "INSERT INTO articles (id, lang, published, published_unix, title, article, text,
                                           ingested_at, standfirst, source)
                     SELECT u.id, u.lang, u.published, u.published_unix, u.title, u.article, u.text,
                            floor(extract(epoch FROM now()))::bigint, u.standfirst, u.source
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                                 $6::text[], $7::text[], $8::text[], $9::text[])
                          WITH ORDINALITY AS u (id, lang, published, published_unix, title, article,
                                                text, standfirst, source, n)
                     ORDER BY u.n
                     ON CONFLICT (id) DO NOTHING RETURNING id, ord",
                    &[
                        &ids,
                        &langs,
                        &published,
                        &unix,
                        &titles,
                        &jsons,
                        &texts,
                        &standfirsts,
                        &sources,
                    ],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            // The new articles, in batch order, each once.
            let mut outcomes = Vec::with_capacity(articles.len());
            let mut new: Vec<(usize, i64)> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for (i, id) in ids.iter().enumerate() {
                match docs.get(*id) {
                    Some(&doc) if seen.insert(id) => {
                        new.push((i, doc));
                        outcomes.push(Outcome::New);
                    }
                    _ => outcomes.push(Outcome::Unchanged),
                }
            }
            let indexed: Vec<(i64, &Article, &str)> = new
                .iter()
                .map(|&(i, doc)| (doc, &articles[i].0, texts[i].as_str()))
                .collect();
            index_articles(c, &indexed)?;
            let printed: Vec<(&str, &Fingerprint)> =
                new.iter().map(|&(i, _)| (ids[i], &prints[i])).collect();
            insert_fingerprints(c, &printed)?;
            let paths: Vec<&str> = articles
                .iter()
                .map(|(a, _)| a.source_path.as_deref().unwrap_or(""))
                .collect();
            let records: Vec<i64> = articles
                .iter()
                .map(|(a, _)| a.source_record.unwrap_or(0) as i64)
                .collect();
            c.execute(
                "INSERT INTO article_sources (article_id, path, record)
                 SELECT u.id, u.path, u.record
                 FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS u (id, path, record, n)
                 ORDER BY u.n
                 ON CONFLICT DO NOTHING",
                &[&ids, &paths, &records],
            )?;
            // The facts of an id given twice are the last (as SQLite's REPLACE leaves them).
            let kept = last_of_each(ids.iter().copied());
            let fact_ids: Vec<&str> = kept.iter().map(|&i| ids[i]).collect();
            let facts: Vec<String> = kept
                .iter()
                .map(|&i| serde_json::to_string(&articles[i].1).expect("facts serialise"))
                .collect();
            c.execute(
                "INSERT INTO facts (article_id, facts)
                 SELECT * FROM unnest($1::text[], $2::text[])
                 ON CONFLICT (article_id) DO UPDATE SET facts = excluded.facts",
                &[&fact_ids, &facts],
            )?;
            Ok(outcomes)
        })
    }
    pub(crate) fn contains(&self, id: &ArticleId) -> Result<bool> {
        self.read(|c| {
            c.query_opt("SELECT 1 FROM articles WHERE id = $1", &[&id.as_str()])
                .map(|r| r.is_some())
        })
    }

    /// Up to two articles whose id starts with `prefix` (lower-case hex), and how many
    /// there are when more than one.
    pub(crate) fn by_prefix(&self, prefix: &str) -> Result<(Vec<(String, String)>, u64)> {
        self.read(|c| {
            let rows = c.query(
                "SELECT id, article FROM articles WHERE id >= $1 AND id < $1 || 'g' ORDER BY id LIMIT 2",
                &[&prefix],
            )?;
            let rows: Vec<(String, String)> =
                rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            let count = if rows.len() > 1 {
                c.query_opt(
                    "SELECT count(*) FROM articles WHERE id >= $1 AND id < $1 || 'g'",
                    &[&prefix],
                )?
                .map_or(0, |r| r.get::<_, i64>(0))
            } else {
                rows.len() as i64
            };
            Ok((rows, count.max(0) as u64))
        })
    }

    pub(crate) fn articles(&self, filter: &ArticleFilter) -> Result<Vec<Article>> {
        let rows = self.read(|c| {
            c.query(
                "SELECT id, article FROM articles WHERE ($1::text IS NULL OR lang = $1)
                   AND ($3::text IS NULL OR source = $3)
                   AND ($4::bigint IS NULL OR published_unix >= $4)
                   AND ($5::bigint IS NULL OR published_unix <= $5)
                 ORDER BY published_unix IS NULL, published_unix, id LIMIT $2",
                &[
                    &filter.lang,
                    &filter.limit.map(|l| l as i64),
                    &filter.source,
                    &filter.since,
                    &filter.until,
                ],
            )
        })?;
        rows.iter()
            .map(|r| decode(&self.location, r.get(0), r.get(1)))
            .collect()
    }

    /// What the database cannot check itself: every article has its row in the term
    /// index, and the index's totals (which BM25 reads) agree with its rows.
    pub(crate) fn integrity_check(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut problems = Vec::new();
            let unindexed: i64 = c
                .query_opt(
                    "SELECT count(*) FROM articles a
                     WHERE NOT EXISTS (SELECT 1 FROM article_lengths l WHERE l.doc = a.ord)",
                    &[],
                )?
                .map_or(0, |r| r.get(0));
            if unindexed > 0 {
                problems.push(format!("{unindexed} articles are not in the term index"));
            }
            let row = c.query_opt(
                "SELECT t.docs, t.tokens, (SELECT count(*) FROM article_lengths),
                        (SELECT coalesce(sum(title + standfirst + text), 0)::bigint FROM article_lengths)
                 FROM article_terms_totals t WHERE t.id = 1",
                &[],
            )?;
            match row {
                None => problems.push("the term index has no totals".into()),
                Some(r) => {
                    let (docs, tokens, rows, sum): (i64, i64, i64, i64) =
                        (r.get(0), r.get(1), r.get(2), r.get(3));
                    if docs != rows || tokens != sum {
                        problems.push(format!(
                            "the term index totals ({docs} documents, {tokens} terms) disagree with its rows ({rows}, {sum})"
                        ));
                    }
                }
            }
            if problems.is_empty() {
                problems.push("ok".into());
            }
            Ok(problems)
        })
    }

    pub(crate) fn contents(&self) -> Result<Vec<(&'static str, Vec<String>)>> {
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
                "SELECT term, count(*)::bigint, sum(title + standfirst + text)::bigint
                 FROM article_terms GROUP BY term ORDER BY 1",
            ),
        ];
        self.read(|c| {
            let mut out = Vec::with_capacity(TABLES.len());
            for (name, sql) in TABLES {
                let rows = c.query(sql, &[])?;
                let mut lines = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut cells = Vec::with_capacity(r.len());
                    for (i, col) in r.columns().iter().enumerate() {
                        let t = col.type_();
                        let cell = if *t == Type::INT8 {
                            r.try_get::<_, Option<i64>>(i)?.map(|v| v.to_string())
                        } else if *t == Type::INT4 {
                            r.try_get::<_, Option<i32>>(i)?.map(|v| v.to_string())
                        } else if *t == Type::BYTEA {
                            r.try_get::<_, Option<Vec<u8>>>(i)?
                                .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
                        } else {
                            r.try_get::<_, Option<String>>(i)?.map(|s| format!("{s:?}"))
                        };
                        cells.push(cell.unwrap_or_else(|| "NULL".to_string()));
                    }
                    lines.push(cells.join(" | "));
                }
                out.push((*name, lines));
            }
            Ok(out)
        })
    }

    pub(crate) fn count_articles(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_opt("SELECT count(*) FROM articles", &[])?
                .map_or(0, |r| r.get::<_, i64>(0)))
        })
        .map(|n| n.max(0) as u64)
    }

    pub(crate) fn put_vector_rows(
        &self,
        table: crate::VectorTable,
        model: &str,
        vectors: &[(&ArticleId, &[f32])],
    ) -> Result<()> {
        // One statement; of an id given twice, the last vector (as SQLite's REPLACE).
        let kept = last_of_each(vectors.iter().map(|(id, _)| id.as_str()));
        let ids: Vec<&str> = kept.iter().map(|&i| vectors[i].0.as_str()).collect();
        let dims: Vec<i64> = kept.iter().map(|&i| vectors[i].1.len() as i64).collect();
        let blobs: Vec<Vec<u8>> = kept.iter().map(|&i| crate::to_blob(vectors[i].1)).collect();
        let (name, column) = table.name_and_column();
        let sql = format!(
            "INSERT INTO {name} (article_id, model, dim, {column})
             SELECT u.id, $2, u.dim, u.v FROM unnest($1::text[], $3::bigint[], $4::bytea[])
                  AS u (id, dim, v)
             ON CONFLICT (article_id) DO UPDATE
             SET model = excluded.model, dim = excluded.dim, {column} = excluded.{column}"
        );
        self.write(|c| c.execute(&sql, &[&ids, &model, &dims, &blobs]).map(|_| ()))
    }

    pub(crate) fn title_vector(&self, model: &str, id: &ArticleId) -> Result<Option<Vec<f32>>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT data FROM title_vectors WHERE article_id = $1 AND model = $2",
                &[&id.as_str(), &model],
            )?
            .map(|r| crate::from_blob(r.get::<_, &[u8]>(0))))
        })
    }

    pub(crate) fn count_vectors(&self, model: &str) -> Result<u64> {
        self.read(|c| {
            Ok(
                c.query_opt("SELECT count(*) FROM vectors WHERE model = $1", &[&model])?
                    .map_or(0, |r| r.get::<_, i64>(0)),
            )
        })
        .map(|n| n.max(0) as u64)
    }

    pub(crate) fn vector(&self, model: &str, id: &ArticleId) -> Result<Option<Vec<f32>>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT lead FROM vectors WHERE article_id = $1 AND model = $2",
                &[&id.as_str(), &model],
            )?
            .map(|r| crate::from_blob(r.get::<_, &[u8]>(0))))
        })
    }

    pub(crate) fn missing_vectors(
        &self,
        model: &str,
        ids: &[&ArticleId],
    ) -> Result<Vec<ArticleId>> {
        let wanted: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let have: HashSet<String> = self.read(|c| {
            Ok(c.query(
                "SELECT article_id FROM vectors WHERE model = $1 AND article_id = ANY($2)",
                &[&model, &wanted],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })?;
        Ok(ids
            .iter()
            .filter(|i| !have.contains(i.as_str()))
            .map(|i| (*i).clone())
            .collect())
    }

    pub(crate) fn sentence_vectors(
        &self,
        model: &str,
        id: &ArticleId,
    ) -> Result<Option<(i64, Vec<u8>)>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT dim, data FROM sentence_vectors WHERE article_id = $1 AND model = $2",
                &[&id.as_str(), &model],
            )?
            .map(|r| (r.get(0), r.get(1))))
        })
    }

    pub(crate) fn put_sentence_vectors(
        &self,
        model: &str,
        id: &ArticleId,
        dim: i64,
        data: &[u8],
    ) -> Result<()> {
        self.read(|c| {
            c.execute(
                "INSERT INTO sentence_vectors (article_id, model, dim, data) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (article_id) DO UPDATE
                 SET model = excluded.model, dim = excluded.dim, data = excluded.data",
                &[&id.as_str(), &model, &dim, &data],
            )
            .map(|_| ())
        })
    }

    pub(crate) fn facts_json(&self, id: &ArticleId) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT facts FROM facts WHERE article_id = $1",
                &[&id.as_str()],
            )?
            .map(|r| r.get(0)))
        })
    }

    pub(crate) fn provenance(&self, id: &ArticleId) -> Result<Vec<(String, u64)>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT path, record FROM article_sources WHERE article_id = $1 ORDER BY ord",
                &[&id.as_str()],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect())
        })
    }

    // ----- search -----

    /// The languages of the stored articles, in code order (`None` first), found
    /// through the index on `lang` one language at a time (a loose index scan), not by
    /// reading every article.
    pub(crate) fn languages(&self) -> Result<Vec<Option<String>>> {
        let mut langs: Vec<Option<String>> = self.read(|c| {
            Ok(c.query(
                "WITH RECURSIVE l (lang) AS (
                     SELECT min(lang) FROM articles
                     UNION ALL
                     SELECT (SELECT min(a.lang) FROM articles a WHERE a.lang > l.lang)
                     FROM l WHERE l.lang IS NOT NULL
                 )
                 SELECT lang FROM l WHERE lang IS NOT NULL
                 UNION ALL
                 SELECT NULL WHERE EXISTS (SELECT 1 FROM articles WHERE lang IS NULL)",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })?;
        langs.sort();
        Ok(langs)
    }

    /// The articles among `langs` (`unknown`: and those of no language) published at
    /// or after `since` that hold any of `terms`, best first by FTS5's BM25 (k1 = 1.2,
    /// b = 0.75, the columns weighted; each term's IDF over all articles, at least
    /// 1e-6), at most `limit`; one statement.
    pub(crate) fn text_hits(
        &self,
        terms: &[String],
        langs: &[&str],
        unknown: bool,
        since: Option<i64>,
        limit: usize,
    ) -> Result<Vec<TextHit>> {
        let (wt, ws, wx) = crate::search::COLUMN_WEIGHTS;
        self.read(|c| {
            let rows = c.query(
                "WITH tot AS (
                     SELECT docs::float8 AS n, tokens::float8 / docs AS avgdl
                     FROM article_terms_totals WHERE id = 1 AND docs > 0 AND tokens > 0
                 ),
                 q AS (
                     SELECT t.term, ln((tot.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
                     FROM article_terms t CROSS JOIN tot
                     WHERE t.term = ANY($1) GROUP BY t.term, tot.n
                 )
                 SELECT a.id, sum(CASE WHEN q.idf <= 0 THEN 1e-6 ELSE q.idf END * w.f * 2.2
                                  / (w.f + 1.2 * (0.25 + 0.75 * t.len::float8 / tot.avgdl)))
                              AS score
                 FROM article_terms t
                 JOIN q ON q.term = t.term
                 CROSS JOIN tot
                 JOIN articles a ON a.ord = t.doc
                 CROSS JOIN LATERAL (SELECT ($2::float8 * t.title + $3::float8 * t.standfirst
                                             + $4::float8 * t.text) AS f) w
                 WHERE t.term = ANY($1)
                   AND (a.lang = ANY($5) OR ($6 AND a.lang IS NULL))
                   AND ($7::bigint IS NULL OR a.published_unix >= $7)
                 GROUP BY a.id ORDER BY score DESC, a.id LIMIT $8",
                &[
                    &terms,
                    &wt,
                    &ws,
                    &wx,
                    &langs,
                    &unknown,
                    &since,
                    &(limit as i64),
                ],
            )?;
            Ok(rows
                .iter()
                .map(|r| TextHit {
                    id: ArticleId(r.get(0)),
                    score: r.get(1),
                })
                .collect())
        })
    }
    pub(crate) fn document_frequencies(&self, terms: &[String]) -> Result<Vec<u64>> {
        self.read(|c| {
            let found: HashMap<String, i64> = c
                .query(
                    "SELECT term, count(*) FROM article_terms WHERE term = ANY($1) GROUP BY term",
                    &[&terms],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            Ok(terms
                .iter()
                .map(|t| found.get(t).copied().unwrap_or(0).max(0) as u64)
                .collect())
        })
    }

    pub(crate) fn lead_vectors(&self, model: &str) -> Result<Vec<(ArticleId, Vec<f32>)>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT article_id, lead FROM vectors WHERE model = $1 ORDER BY article_id",
                &[&model],
            )?
            .iter()
            .map(|r| (ArticleId(r.get(0)), crate::from_blob(r.get::<_, &[u8]>(1))))
            .collect())
        })
    }

    pub(crate) fn article_summaries(
        &self,
        filter: &ArticleFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<ArticleSummary>, u64)> {
        // Every parameter appears in every form (`$n::text IS NULL` where it is not
        // used), so that the same ones are always bound and each form is one plan.
        let cond = |base: usize| {
            format!(
                "{} AND {} AND (${c}::bigint IS NULL OR published_unix >= ${c})
                 AND (${d}::bigint IS NULL OR published_unix <= ${d})",
                if filter.lang.is_some() {
                    format!("lang = ${base}")
                } else {
                    format!("${base}::text IS NULL")
                },
                if filter.source.is_some() {
                    format!("source = ${}", base + 1)
                } else {
                    format!("${}::text IS NULL", base + 1)
                },
                c = base + 2,
                d = base + 3,
            )
        };
        let sql = format!(
            "SELECT id, lang, published, title, standfirst, source FROM articles
             WHERE {} ORDER BY published_unix DESC NULLS LAST, id DESC LIMIT $1 OFFSET $2",
            cond(3)
        );
        let count = format!("SELECT count(*) FROM articles WHERE {}", cond(1));
        self.read(|c| {
            let rows = c.query(
                &sql,
                &[
                    &(limit as i64),
                    &(offset as i64),
                    &filter.lang,
                    &filter.source,
                    &filter.since,
                    &filter.until,
                ],
            )?;
            let total: i64 = c
                .query_opt(
                    &count,
                    &[&filter.lang, &filter.source, &filter.since, &filter.until],
                )?
                .map_or(0, |r| r.get(0));
            Ok((rows.iter().map(summary).collect(), total.max(0) as u64))
        })
    }

    pub(crate) fn sources(&self) -> Result<Vec<(String, u64)>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT source, count(*) AS n FROM articles WHERE source IS NOT NULL
                 GROUP BY source ORDER BY n DESC, source",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).max(0) as u64))
            .collect())
        })
    }

    pub(crate) fn summaries(&self, ids: &[&ArticleId]) -> Result<Vec<ArticleSummary>> {
        let wanted: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let found: HashMap<String, ArticleSummary> = self.read(|c| {
            Ok(c.query(
                "SELECT id, lang, published, title, standfirst, source FROM articles WHERE id = ANY($1)",
                &[&wanted],
            )?
            .iter()
            .map(|r| (r.get(0), summary(r)))
            .collect())
        })?;
        Ok(wanted
            .iter()
            .filter_map(|id| found.get(*id).cloned())
            .collect())
    }

    // ----- stories -----

    pub(crate) fn save_story_step(&self, step: &StoryStep) -> Result<()> {
        self.write(|c| {
            let seq: i64 = c
                .query_opt("SELECT coalesce(max(seq), 0) FROM story_assignments", &[])?
                .map_or(0, |r| r.get(0));
            // One statement each for the assignments and the stories; of an article or
            // a story given twice, the last (as SQLite's REPLACE and upsert leave it),
            // the numbers of assignment counted over all of them.
            let kept = last_of_each(step.assignments.iter().map(|a| a.0.as_str()));
            let articles: Vec<&str> = kept.iter().map(|&i| step.assignments[i].0.as_str()).collect();
            let stories: Vec<i64> = kept.iter().map(|&i| step.assignments[i].1).collect();
            let seqs: Vec<i64> = kept.iter().map(|&i| seq + i as i64 + 1).collect();
            let evidence: Vec<&str> = kept.iter().map(|&i| step.assignments[i].2.as_str()).collect();
            c.execute(
                "INSERT INTO story_assignments (article_id, story_id, seq, evidence)
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])
                 ON CONFLICT (article_id) DO UPDATE
                 SET story_id = excluded.story_id, seq = excluded.seq, evidence = excluded.evidence",
                &[&articles, &stories, &seqs, &evidence],
            )?;
            let kept = last_of_each(step.stories.iter().map(|s| s.id));
            let ids: Vec<i64> = kept.iter().map(|&i| step.stories[i].id).collect();
            let first: Vec<Option<i64>> = kept.iter().map(|&i| step.stories[i].first_seen).collect();
            let last: Vec<Option<i64>> = kept.iter().map(|&i| step.stories[i].last_seen).collect();
            let states: Vec<&str> = kept.iter().map(|&i| step.stories[i].state.as_str()).collect();
            c.execute(
                "INSERT INTO stories (id, first_seen, last_seen, state)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[])
                 ON CONFLICT (id) DO UPDATE
                 SET first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                     state = excluded.state",
                &[&ids, &first, &last, &states],
            )?;
            for (from, into) in &step.merges {
                c.execute(
                    "UPDATE story_assignments SET story_id = $2 WHERE story_id = $1",
                    &[from, into],
                )?;
                c.execute(
                    "UPDATE stories SET merged_into = $2 WHERE id = $1 OR merged_into = $1",
                    &[from, into],
                )?;
                // A story made and merged within one batch has no row yet: one that
                // says where it went, so that its id still answers.
                c.execute(
                    "INSERT INTO stories (id, merged_into, state) VALUES ($1, $2, 'null')
                     ON CONFLICT DO NOTHING",
                    &[from, into],
                )?;
            }
            c.execute(
                "INSERT INTO cluster_state (key, value) VALUES ('meta', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&step.meta],
            )?;
            Ok(())
        })
    }

    pub(crate) fn story_meta(&self) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.query_opt("SELECT value FROM cluster_state WHERE key = 'meta'", &[])?
                    .map(|r| r.get(0)),
            )
        })
    }

    pub(crate) fn cluster_value(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.query_opt("SELECT value FROM cluster_state WHERE key = $1", &[&key])?
                    .map(|r| r.get(0)),
            )
        })
    }

    pub(crate) fn set_cluster_value(&self, key: &str, value: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO cluster_state (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )?;
            Ok(())
        })
    }

    pub(crate) fn active_story_states(
        &self,
        since: Option<i64>,
        limit: usize,
    ) -> Result<Vec<String>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT state FROM stories
                 WHERE merged_into IS NULL
                   AND (last_seen IS NULL OR $1::bigint IS NULL OR last_seen >= $1)
                 ORDER BY last_seen DESC NULLS LAST, id DESC LIMIT $2",
                &[&since, &(limit as i64)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    pub(crate) fn unassigned(&self, ids: &[&ArticleId]) -> Result<Vec<ArticleId>> {
        let wanted: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let have: HashSet<String> = self.read(|c| {
            Ok(c.query(
                "SELECT article_id FROM story_assignments WHERE article_id = ANY($1)",
                &[&wanted],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })?;
        Ok(ids
            .iter()
            .filter(|i| !have.contains(i.as_str()))
            .map(|i| (*i).clone())
            .collect())
    }

    pub(crate) fn assignment(&self, id: &ArticleId) -> Result<Option<(i64, String)>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT story_id, evidence FROM story_assignments WHERE article_id = $1",
                &[&id.as_str()],
            )?
            .map(|r| (r.get(0), r.get(1))))
        })
    }

    /// Every live story's articles in assignment order: (story, first seen, last seen,
    /// article), by story id.
    pub(crate) fn story_rows(&self) -> Result<Vec<StoryRow>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT s.id, s.first_seen, s.last_seen, a.id, a.lang, a.title, a.published_unix,
                        f.copy_of, a.source
                 FROM stories s
                 JOIN story_assignments x ON x.story_id = s.id
                 JOIN articles a ON a.id = x.article_id
                 LEFT JOIN fingerprints f ON f.article_id = a.id
                 WHERE s.merged_into IS NULL
                 ORDER BY s.id, x.seq",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), story_article(r, 3)))
            .collect())
        })
    }

    pub(crate) fn resolve_story(&self, id: i64) -> Result<Option<i64>> {
        self.read(|c| {
            let into = c.query_opt("SELECT merged_into FROM stories WHERE id = $1", &[&id])?;
            match into {
                Some(r) => Ok(Some(r.get::<_, Option<i64>>(0).unwrap_or(id))),
                None => Ok(c
                    .query_opt(
                        "SELECT story_id FROM story_assignments
                         WHERE (evidence::jsonb -> 'story') = to_jsonb($1::bigint)
                         ORDER BY seq LIMIT 1",
                        &[&id],
                    )?
                    .map(|r| r.get(0))),
            }
        })
    }

    pub(crate) fn story_by_id(&self, id: i64) -> Result<Option<StoryInfo>> {
        let rows = self.read(|c| {
            c.query(
                "SELECT s.first_seen, s.last_seen, a.id, a.lang, a.title, a.published_unix, f.copy_of,
                        a.source
                 FROM story_assignments x
                 JOIN stories s ON s.id = x.story_id
                 JOIN articles a ON a.id = x.article_id
                 LEFT JOIN fingerprints f ON f.article_id = a.id
                 WHERE x.story_id = $1 AND s.merged_into IS NULL
                 ORDER BY x.seq",
                &[&id],
            )
        })?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(StoryInfo {
            id,
            first_seen: first.get(0),
            last_seen: first.get(1),
            articles: rows.iter().map(|r| story_article(r, 2)).collect(),
        }))
    }

    /// The ids of the live stories that pass `filter`, the most recent first.
    pub(crate) fn story_ids(&self, filter: &StoryFilter) -> Result<Vec<i64>> {
        let live = match (&filter.lang, &filter.source) {
            (None, None) => {
                "SELECT story_id FROM story_assignments WHERE $3::text IS NULL AND $4::text IS NULL"
                    .to_string()
            }
            (lang, source) => format!(
                "SELECT x.story_id FROM articles a JOIN story_assignments x ON x.article_id = a.id
                 WHERE {} AND {}",
                if lang.is_some() {
                    "a.lang = $3"
                } else {
                    "$3::text IS NULL"
                },
                if source.is_some() {
                    "a.source = $4"
                } else {
                    "$4::text IS NULL"
                },
            ),
        };
        let sql = format!(
            "SELECT s.id FROM stories s
             WHERE ($1::bigint IS NULL OR s.last_seen >= $1) AND ($2::bigint IS NULL OR s.first_seen <= $2)
               AND s.id IN ({live})
             ORDER BY s.last_seen DESC NULLS LAST, s.id DESC"
        );
        self.read(|c| {
            Ok(c.query(
                &sql,
                &[&filter.since, &filter.until, &filter.lang, &filter.source],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    /// The story of each of `articles` that has one.
    pub(crate) fn story_of_each(&self, articles: &[&ArticleId]) -> Result<HashMap<String, i64>> {
        let wanted: Vec<&str> = articles.iter().map(|i| i.as_str()).collect();
        self.read(|c| {
            Ok(c.query(
                "SELECT article_id, story_id FROM story_assignments WHERE article_id = ANY($1)",
                &[&wanted],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    // ----- copies -----

    pub(crate) fn originals(&self, ids: &[&str]) -> Result<Vec<String>> {
        let found: HashMap<String, String> = self.read(|c| {
            Ok(c.query(
                "SELECT article_id, coalesce(copy_of, article_id) FROM fingerprints
                 WHERE article_id = ANY($1)",
                &[&ids],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })?;
        Ok(ids
            .iter()
            .map(|id| found.get(*id).cloned().unwrap_or_else(|| id.to_string()))
            .collect())
    }

    pub(crate) fn copies(&self, id: &str) -> Result<Vec<String>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT f.article_id FROM fingerprints f JOIN articles a ON a.id = f.article_id
                 WHERE f.copy_of = $1 ORDER BY a.ord",
                &[&id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    /// Runs SQL as it is (the tests' way to make a store as an earlier version left it).
    #[cfg(test)]
    pub(crate) fn execute_raw(&self, sql: &str) -> Result<()> {
        self.read(|c| c.client.batch_execute(sql))
    }
}

/// The positions of the last occurrence of each key, in order: the rows one statement
/// may upsert (PostgreSQL refuses to update one row twice in a statement).
fn last_of_each<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> Vec<usize> {
    let mut last: HashMap<K, usize> = HashMap::new();
    for (i, k) in keys.enumerate() {
        last.insert(k, i);
    }
    let mut kept: Vec<usize> = last.into_values().collect();
    kept.sort_unstable();
    kept
}

fn summary(r: &Row) -> ArticleSummary {
    ArticleSummary {
        id: r.get(0),
        lang: r.get(1),
        published: r.get(2),
        title: r.get(3),
        standfirst: r.get(4),
        source: r.get(5),
    }
}

/// The article of a story's row, its columns from `at` on.
fn story_article(r: &Row, at: usize) -> StoryArticle {
    StoryArticle {
        id: r.get(at),
        lang: r.get(at + 1),
        title: r.get(at + 2),
        published_unix: r.get(at + 3),
        copy_of: r.get(at + 4),
        source: r.get(at + 5),
    }
}

/// Indexes new articles (their row numbers, the articles, their texts): the count of
/// each term in each column, the columns' lengths, and the totals BM25 reads
/// (documents, terms); three statements for the batch.
fn index_articles(c: &mut Conn, articles: &[(i64, &Article, &str)]) -> PgResult<()> {
    if articles.is_empty() {
        return Ok(());
    }
    let (mut docs, mut terms, mut t, mut s, mut x, mut lens) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut lengths: [Vec<i32>; 3] = Default::default();
    let mut total: i64 = 0;
    for &(doc, a, text) in articles {
        let an = Analyzer::new(a.lang.as_deref());
        let mut counts: BTreeMap<String, [i32; 3]> = BTreeMap::new();
        let mut length = [0i32; 3];
        for (k, column) in [
            a.title.as_deref().unwrap_or(""),
            a.standfirst.as_deref().unwrap_or(""),
            text,
        ]
        .into_iter()
        .enumerate()
        {
            for term in an.terms(column) {
                counts.entry(term).or_default()[k] += 1;
                length[k] = length[k].saturating_add(1);
            }
        }
        let len = length.iter().fold(0i32, |a, &b| a.saturating_add(b));
        for (term, n) in counts {
            lens.push(len);
            docs.push(doc);
            terms.push(term);
            t.push(n[0]);
            s.push(n[1]);
            x.push(n[2]);
        }
        for k in 0..3 {
            lengths[k].push(length[k]);
            total += length[k] as i64;
        }
    }
    c.execute(
        "INSERT INTO article_terms (term, doc, title, standfirst, text, len)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[], $5::int[], $6::int[])",
        &[&terms, &docs, &t, &s, &x, &lens],
    )?;
    let rows: Vec<i64> = articles.iter().map(|a| a.0).collect();
    c.execute(
        "INSERT INTO article_lengths (doc, title, standfirst, text)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[])",
        &[&rows, &lengths[0], &lengths[1], &lengths[2]],
    )?;
    c.execute(
        "UPDATE article_terms_totals SET docs = docs + $1, tokens = tokens + $2 WHERE id = 1",
        &[&(articles.len() as i64), &total],
    )?;
    Ok(())
}

/// Stores the fingerprints of new articles, in batch order, each with the original it
/// is a copy of, if any, as `copies::insert` would one by one in SQLite: an article's
/// candidates are the stored articles and the earlier ones of the batch that agree
/// with it in a band, by band and then by id.
fn insert_fingerprints(c: &mut Conn, prints: &[(&str, &Fingerprint)]) -> PgResult<()> {
    if prints.is_empty() {
        return Ok(());
    }
    let bands: Vec<[i64; parallax_core::fingerprint::BANDS]> =
        prints.iter().map(|(_, p)| p.bands()).collect();
    // The stored articles of every (band, key) of the batch, each list by id.
    let (mut qb, mut qk) = (Vec::new(), Vec::new());
    for b in &bands {
        for (k, key) in b.iter().enumerate() {
            qb.push(k as i64);
            qk.push(*key);
        }
    }
    let mut stored: HashMap<(i64, i64), Vec<String>> = HashMap::new();
    for r in c.query(
        "SELECT DISTINCT f.band, f.key, f.article_id
         FROM unnest($1::bigint[], $2::bigint[]) AS b (band, key)
         JOIN fingerprint_bands f ON f.band = b.band AND f.key = b.key",
        &[&qb, &qk],
    )? {
        stored
            .entry((r.get(0), r.get(1)))
            .or_default()
            .push(r.get(2));
    }
    for ids in stored.values_mut() {
        ids.sort_unstable();
    }
    let wanted: Vec<&str> = stored
        .values()
        .flatten()
        .map(String::as_str)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut known: HashMap<String, (i64, Vec<u8>, String)> = c
        .query(
            "SELECT article_id, shingles, minhash, coalesce(copy_of, article_id)
             FROM fingerprints WHERE article_id = ANY($1)",
            &[&wanted],
        )?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
        .collect();
    let mut originals: Vec<Option<String>> = Vec::with_capacity(prints.len());
    for (i, &(id, print)) in prints.iter().enumerate() {
        let original = if print.shingles == 0 {
            None
        } else {
            let mut candidates: Vec<&str> = Vec::new();
            for (k, key) in bands[i].iter().enumerate() {
                let mut here: Vec<&str> = stored
                    .get(&(k as i64, *key))
                    .map(|v| v.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                here.extend((0..i).filter(|&j| bands[j][k] == *key).map(|j| prints[j].0));
                here.sort_unstable();
                for x in here {
                    if x != id && !candidates.contains(&x) {
                        candidates.push(x);
                    }
                }
            }
            crate::copies::best_original(
                print,
                candidates.iter().filter_map(|x| known.get(*x).cloned()),
            )
        };
        // This article is a candidate of the batch's later ones.
        known.insert(
            id.to_string(),
            (
                print.shingles as i64,
                print.to_bytes(),
                original.clone().unwrap_or_else(|| id.to_string()),
            ),
        );
        originals.push(original);
    }
    let ids: Vec<&str> = prints.iter().map(|p| p.0).collect();
    let shingles: Vec<i64> = prints.iter().map(|p| p.1.shingles as i64).collect();
    let minhashes: Vec<Vec<u8>> = prints.iter().map(|p| p.1.to_bytes()).collect();
    c.execute(
        "INSERT INTO fingerprints (article_id, shingles, minhash, copy_of)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[])
         ON CONFLICT (article_id) DO UPDATE
         SET shingles = excluded.shingles, minhash = excluded.minhash, copy_of = excluded.copy_of",
        &[&ids, &shingles, &minhashes, &originals],
    )?;
    let band_ids: Vec<&str> = ids
        .iter()
        .flat_map(|id| std::iter::repeat_n(*id, parallax_core::fingerprint::BANDS))
        .collect();
    c.execute(
        "INSERT INTO fingerprint_bands (band, key, article_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])
         ON CONFLICT DO NOTHING",
        &[&qb, &qk, &band_ids],
    )?;
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_apart_and_shown_without_passwords() {
        assert!(is_url("postgres://u@h/db"));
        assert!(is_url("PostgreSQL://h/db"));
        assert!(!is_url("parallax.db"));
        assert!(!is_url("/tmp/postgres://x"));
        for (url, shown) in [
            ("postgres://u:secret@h:5432/db", "postgres://u@h:5432/db"),
            ("postgresql://u@h/db", "postgresql://u@h/db"),
            ("postgres://h/db?password=secret", "postgres://h/db"),
            (
                "postgres://u:p@h/db?sslmode=disable&password=p&x=1",
                "postgres://u@h/db?sslmode=disable&x=1",
            ),
            ("postgres://u:p@h", "postgres://u@h"),
            ("parallax.db", "parallax.db"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
    }

    #[test]
    fn the_last_migration_is_the_schema_version() {
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
        assert!(MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_bad_url_or_an_unreachable_server_is_an_error_naming_the_url() {
        // Nothing listens on port 1 of the loopback address.
        for url in [
            "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2",
            "postgres://u:secret@127.0.0.1:notaport/db",
        ] {
            let err = match Pg::connect(url) {
                Ok(_) => panic!("{url} connected"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains("postgres://u@127.0.0.1"), "{err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }
}

//! The schema and its migrations. Version N of the file has had migrations 1..=N
//! applied; each runs in its own transaction together with the version bump.

use rusqlite::Connection;

/// Migrations in order; the schema version is the number applied. Each is SQL, and
/// for some a step in Rust after it (filling what SQL cannot compute).
const MIGRATIONS: &[&str] = &[
    // 1: articles and where they were read from.
    "CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        lang TEXT,
        published TEXT,
        published_unix INTEGER,
        title TEXT,
        article TEXT NOT NULL,
        text TEXT NOT NULL,
        ingested_at INTEGER NOT NULL
    );
    CREATE INDEX articles_lang ON articles (lang);
    CREATE INDEX articles_published ON articles (published_unix);
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles (id),
        path TEXT NOT NULL,
        record INTEGER NOT NULL,
        PRIMARY KEY (article_id, path, record)
    );",
    // 2: the facts found in each article (derived: rewritten when an article is re-read).
    "CREATE TABLE facts (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        facts TEXT NOT NULL
    );",
    // 3: vectors: the lead vector of each article (title, standfirst and first
    // paragraphs) and, computed when first needed, one vector per sentence; each with
    // the model that made it, so that vectors of two models never meet.
    "CREATE TABLE vectors (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        lead BLOB NOT NULL
    );
    CREATE TABLE sentence_vectors (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        data BLOB NOT NULL
    );",
    // 4: stories: each story with the state the clusterer resumes from (centroid,
    // counts, names, first and last seen, as JSON), the assignment of each article with
    // its evidence (JSON), and the clusterer's counters.
    "CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        first_seen INTEGER,
        last_seen INTEGER,
        merged_into INTEGER,
        state TEXT NOT NULL
    );
    CREATE INDEX stories_last_seen ON stories (last_seen);
    CREATE TABLE story_assignments (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        story_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        evidence TEXT NOT NULL
    );
    CREATE INDEX story_assignments_story ON story_assignments (story_id, seq);
    CREATE TABLE cluster_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
    // 5: full-text search over title, standfirst and text, diacritics folded (so
    // `naede` finds `nåede` and `inundatii` finds `inundații`), filled
    // for the stored articles and kept in step by triggers; and the indexes that list
    // articles newest first, of all languages or of one, without sorting the table.
    "CREATE VIRTUAL TABLE articles_fts USING fts5 (
        title, standfirst, text,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO articles_fts (rowid, title, standfirst, text)
        SELECT rowid, coalesce(title, ''), coalesce(json_extract(article, '$.standfirst'), ''), text
        FROM articles;
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, standfirst, text)
        VALUES (new.rowid, coalesce(new.title, ''),
                coalesce(json_extract(new.article, '$.standfirst'), ''), new.text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = old.rowid;
    END;
    CREATE INDEX articles_published_id ON articles (published_unix, id);
    CREATE INDEX articles_lang_published_id ON articles (lang, published_unix, id);",
    // 6: copies: the MinHash fingerprint of each article's text
    // (`parallax_core::Fingerprint`), its band keys for lookup, and the first stored
    // article it is a copy of (NULL: none). The fingerprints of the articles already
    // stored are computed by `backfill` in the same transaction.
    "CREATE TABLE fingerprints (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        shingles INTEGER NOT NULL,
        minhash BLOB NOT NULL,
        copy_of TEXT REFERENCES articles (id)
    );
    CREATE INDEX fingerprints_copy_of ON fingerprints (copy_of);
    CREATE TABLE fingerprint_bands (
        band INTEGER NOT NULL,
        key INTEGER NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles (id),
        PRIMARY KEY (band, key, article_id)
    ) WITHOUT ROWID;",
    // 7: full-text search over terms made in Rust (`terms.rs`: every Latin letter with
    // a diacritic or ligature folded, `ø` and `ß` included, which `unicode61` leaves
    // alone; CJK bigrams; Snowball stems per article language), stored by the writer,
    // since a trigger cannot stem; the old table and its triggers go. Contentless (the
    // text is in `articles`), with deletes; the vocabulary view gives each term's
    // document count. The step after it indexes the stored articles.
    "DROP TRIGGER IF EXISTS articles_fts_insert;
    DROP TRIGGER IF EXISTS articles_fts_delete;
    DROP TABLE IF EXISTS articles_fts;
    CREATE VIRTUAL TABLE article_terms USING fts5 (
        title, standfirst, text,
        content = '', contentless_delete = 1, tokenize = 'ascii'
    );
    CREATE VIRTUAL TABLE article_terms_vocab USING fts5vocab (article_terms, 'row');
    CREATE TRIGGER article_terms_delete AFTER DELETE ON articles BEGIN
        DELETE FROM article_terms WHERE rowid = old.rowid;
    END;",
    // 8: the outlet of each article (in its JSON), indexed for the lists filtered by
    // outlet (`source`), newest first within one outlet.
    "CREATE INDEX articles_source_published ON articles (
        json_extract(article, '$.source'), published_unix, id
    );",
    // 9: the title vector of each article that has a title (a feature of story
    // assignment beside the lead vector), with the model that made it.
    "CREATE TABLE title_vectors (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        data BLOB NOT NULL
    );",
];

/// The Rust step after a migration (by its number), if it has one.
fn step(version: u32, conn: &Connection) -> rusqlite::Result<()> {
    match version {
        6 => backfill(conn),
        7 => crate::search::index_all(conn),
        _ => Ok(()),
    }
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Applies the migrations after `from`.
pub fn migrate(conn: &mut Connection, from: u32) -> rusqlite::Result<()> {
    migrate_until(conn, from, SCHEMA_VERSION)
}

/// Applies the migrations after `from` up to `to` (an older schema, for the tests of
/// migrations).
pub(crate) fn migrate_until(conn: &mut Connection, from: u32, to: u32) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        let version = i as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        step(version, &tx)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// Fingerprints every stored article that has none, in the order they were stored, so
/// that the first of a set of copies is the one the others are copies of. An article
/// whose stored JSON cannot be read is passed over (it has no fingerprint and is
/// nobody's copy).
fn backfill(tx: &Connection) -> rusqlite::Result<()> {
    let rows: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, article FROM articles
             WHERE id NOT IN (SELECT article_id FROM fingerprints) ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, json) in rows {
        if let Ok(a) = serde_json::from_str::<parallax_core::Article>(&json) {
            crate::copies::insert(tx, &id, &parallax_core::Fingerprint::of_article(&a))?;
        }
    }
    Ok(())
}

//! Copies: every article's MinHash fingerprint with its band keys, and the article it
//! is a copy of. A new article is looked up by its band keys (articles that agree with
//! it in a whole band are the candidates), the candidates' signatures are compared with
//! its own, and the best one at [`parallax_core::fingerprint::COPY_JACCARD`] or above
//! makes it a copy of that candidate's original (the first stored of the set).

use crate::{sqlite, Result, Store};
use parallax_core::fingerprint::BANDS;
use parallax_core::Fingerprint;
use rusqlite::{params, Connection, OptionalExtension};

/// Stores the fingerprint of article `id` and, if it is a copy of a stored article,
/// which original. Runs inside the caller's transaction.
pub(crate) fn insert(conn: &Connection, id: &str, print: &Fingerprint) -> rusqlite::Result<()> {
    let original = find_original(conn, id, print)?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO fingerprints (article_id, shingles, minhash, copy_of) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, print.shingles as i64, print.to_bytes(), original])?;
    let mut band = conn.prepare_cached(
        "INSERT OR IGNORE INTO fingerprint_bands (band, key, article_id) VALUES (?1, ?2, ?3)",
    )?;
    for (k, key) in print.bands().iter().enumerate() {
        band.execute(params![k as i64, key, id])?;
    }
    Ok(())
}

/// The original of the stored article most like `print`, if one is a copy.
fn find_original(
    conn: &Connection,
    id: &str,
    print: &Fingerprint,
) -> rusqlite::Result<Option<String>> {
    if print.shingles == 0 {
        return Ok(None);
    }
    let mut candidates: Vec<String> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT article_id FROM fingerprint_bands WHERE band = ?1 AND key = ?2 AND article_id <> ?3",
        )?;
        for (k, key) in print.bands().iter().enumerate().take(BANDS) {
            let ids = stmt.query_map(params![k as i64, key, id], |r| r.get::<_, String>(0))?;
            for x in ids {
                let x = x?;
                if !candidates.contains(&x) {
                    candidates.push(x);
                }
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT shingles, minhash, coalesce(copy_of, article_id) FROM fingerprints WHERE article_id = ?1",
    )?;
    let mut stored = Vec::with_capacity(candidates.len());
    for c in candidates {
        let found = stmt
            .query_row([&c], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        stored.extend(found);
    }
    Ok(best_original(print, stored))
}

/// Of the candidates (shingle count, signature, original), in the order found, the
/// original of the one most like `print` among those it is a copy of; the first of
/// equals.
pub(crate) fn best_original(
    print: &Fingerprint,
    candidates: impl IntoIterator<Item = (i64, Vec<u8>, String)>,
) -> Option<String> {
    let mut best: Option<(f64, String)> = None;
    for (shingles, bytes, original) in candidates {
        let Some(other) = Fingerprint::from_bytes(&bytes, shingles.max(0) as usize) else {
            continue;
        };
        let j = print.jaccard(&other);
        if print.is_copy(&other) && best.as_ref().is_none_or(|(b, _)| j > *b) {
            best = Some((j, original));
        }
    }
    best.map(|(_, o)| o)
}

impl Store {
    /// The original each of `ids` is a copy of (the id itself when it is none's copy,
    /// or has no fingerprint).
    pub fn originals(&self, ids: &[&str]) -> Result<Vec<String>> {
        let conn = sqlite!(self, pg => pg.originals(ids));
        let mut stmt = conn
            .prepare_cached(
                "SELECT coalesce(copy_of, article_id) FROM fingerprints WHERE article_id = ?1",
            )
            .map_err(|e| self.err(e))?;
        ids.iter()
            .map(|id| {
                stmt.query_row([id], |r| r.get::<_, String>(0))
                    .optional()
                    .map(|o| o.unwrap_or_else(|| id.to_string()))
                    .map_err(|e| self.err(e))
            })
            .collect()
    }

    /// The stored copies of the original `id` (not `id` itself), in the order stored.
    pub fn copies(&self, id: &str) -> Result<Vec<String>> {
        let conn = sqlite!(self, pg => pg.copies(id));
        let mut stmt = conn
            .prepare_cached(
                "SELECT f.article_id FROM fingerprints f JOIN articles a ON a.id = f.article_id
                 WHERE f.copy_of = ?1 ORDER BY a.rowid",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e));
        rows
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::article;
    use crate::Store;
    use parallax_core::facts::Facts;
    use parallax_core::{Article, Paragraph};

    const BODY: &str = "The port workers' union called a strike from Monday after talks on wages broke down late on Friday night. About 2,400 dock workers are expected to stop work at the three container terminals, the union said, and ships have already been sent to other ports. The port authority said it regretted the decision and was ready to meet the union again at any time.";

    fn with_body(title: &str, lang: &str, body: &str, path: &str) -> Article {
        let mut a = article(title, lang);
        a.paragraphs = body.split("\n\n").map(Paragraph::paragraph).collect();
        a.source_path = Some(path.into());
        a.id = a.content_id();
        a
    }

    #[test]
    fn a_copy_from_another_outlet_is_found_and_a_translation_is_not() {
        for db in crate::testing::backends("a_copy_from_another_outlet_is_found") {
            a_copy_is_found_in(&mut db.open());
        }
    }

    fn a_copy_is_found_in(s: &mut Store) {
        let first = with_body("Port strike from Monday", "en", BODY, "wire.jsonl");
        // the same wire story under another title, with its paragraphs split otherwise
        let again = with_body(
            "Dock workers to strike",
            "en",
            &BODY.replacen(". ", ".\n\n", 2),
            "outlet.html",
        );
        let other = with_body(
            "Strike talks",
            "en",
            "The union and the port authority will meet again on Thursday, a spokesman said. No date for new talks on wages had been set before the strike was called, and ships are waiting outside the port.",
            "b.jsonl",
        );
        let da = with_body("Havnestrejke fra mandag", "da", "Havnearbejdernes fagforening har varslet strejke fra mandag, efter at forhandlingerne om løn brød sammen fredag aften. Omkring 2.400 havnearbejdere ventes at nedlægge arbejdet ved de tre containerterminaler, oplyser fagforeningen, og skibe er allerede sendt til andre havne.", "da.txt");
        assert_ne!(first.id, again.id);
        let rows: Vec<(Article, Facts)> = [&first, &other, &again, &da]
            .into_iter()
            .map(|a| (a.clone(), Facts::default()))
            .collect();
        s.write_batch(&rows).unwrap();
        let ids = [
            first.id.as_str(),
            again.id.as_str(),
            other.id.as_str(),
            da.id.as_str(),
        ];
        assert_eq!(
            s.originals(&ids).unwrap(),
            [
                first.id.as_str(),
                first.id.as_str(),
                other.id.as_str(),
                da.id.as_str()
            ]
        );
        assert_eq!(s.copies(first.id.as_str()).unwrap(), [again.id.as_str()]);
        assert!(s.copies(da.id.as_str()).unwrap().is_empty());
        // writing them again changes nothing
        s.write_batch(&rows).unwrap();
        assert_eq!(s.copies(first.id.as_str()).unwrap(), [again.id.as_str()]);
        // an unknown id is its own original
        assert_eq!(s.originals(&["ffff"]).unwrap(), ["ffff"]);
    }

    #[test]
    fn the_migration_fingerprints_stored_articles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let first = with_body("Port strike from Monday", "en", BODY, "a.jsonl");
        let again = with_body("Dock workers to strike", "en", BODY, "b.jsonl");
        {
            let mut s = Store::open(&path).unwrap();
            s.write_batch(&[
                (first.clone(), Facts::default()),
                (again.clone(), Facts::default()),
            ])
            .unwrap();
        }
        // as a store of schema 5 would be: no fingerprints yet (nor schema 7's terms,
        // nor schema 8's index, nor schema 9's title vectors)
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP TABLE fingerprint_bands; DROP TABLE fingerprints;
                 DROP TRIGGER article_terms_delete; DROP TABLE article_terms_vocab;
                 DROP TABLE article_terms; DROP INDEX articles_source_published;
                 DROP TABLE title_vectors; PRAGMA user_version = 5;",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), crate::SCHEMA_VERSION);
        assert_eq!(s.copies(first.id.as_str()).unwrap(), [again.id.as_str()]);
    }
}

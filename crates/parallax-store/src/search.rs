//! Reading the store for search and listings: full-text search through the FTS5 table
//! of schema 4 (`unicode61` with diacritics folded, BM25 ranking), every lead vector of
//! a model for the brute-force vector search, and article summaries (the columns a list
//! shows, without decoding whole articles).
//!
//! A user's query never reaches FTS5 syntax: it is cut into words (letters and digits),
//! each quoted, and the words joined with `OR`, so that any text is a valid query and a
//! document matching more of the words ranks higher.

use crate::{from_blob, Result, Store};
use parallax_core::ArticleId;
use rusqlite::params;
use serde::Serialize;

/// One full-text match: the article and its BM25 score (higher is better).
#[derive(Debug, Clone, PartialEq)]
pub struct TextHit {
    pub id: ArticleId,
    pub score: f64,
}

/// What a list shows of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleSummary {
    pub id: String,
    pub lang: Option<String>,
    pub published: Option<String>,
    pub title: Option<String>,
    pub standfirst: Option<String>,
    pub source: Option<String>,
}

/// Weights of the title, standfirst and text columns in BM25: a word in the title says
/// more about what the article is than the same word deep in the body. These are the
/// relative weights most FTS5 deployments start from; the text column already contains
/// the title and standfirst, so they count in it too.
const COLUMN_WEIGHTS: (f64, f64, f64) = (4.0, 2.0, 1.0);

/// The FTS5 query for a user's text: its words quoted and joined with `OR`; `None` when
/// it has no word.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(32)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

const SUMMARY_COLUMNS: &str = "id, lang, published, title, json_extract(article, '$.standfirst'), json_extract(article, '$.source')";

fn summary(r: &rusqlite::Row) -> rusqlite::Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: r.get(0)?,
        lang: r.get(1)?,
        published: r.get(2)?,
        title: r.get(3)?,
        standfirst: r.get(4)?,
        source: r.get(5)?,
    })
}

impl Store {
    /// Articles whose title, standfirst or text match the words of `query` (diacritics
    /// folded, any word), best first, at most `limit`.
    pub fn search_text(&self, query: &str, limit: usize) -> Result<Vec<TextHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, bm25(articles_fts, ?3, ?4, ?5) AS rank
                 FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                 WHERE articles_fts MATCH ?1 ORDER BY rank LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let (wt, ws, wx) = COLUMN_WEIGHTS;
        stmt.query_map(params![q, limit as i64, wt, ws, wx], |r| {
            Ok(TextHit {
                id: ArticleId(r.get(0)?),
                // bm25() is lower for better matches.
                score: -r.get::<_, f64>(1)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Every lead vector made by `model`, with its article id, in id order.
    pub fn lead_vectors(&self, model: &str) -> Result<Vec<(ArticleId, Vec<f32>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT article_id, lead FROM vectors WHERE model = ?1 ORDER BY article_id",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([model], |r| {
            Ok((ArticleId(r.get(0)?), from_blob(&r.get::<_, Vec<u8>>(1)?)))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// A page of article summaries, newest first (undated last), optionally of one
    /// language, and how many articles the filter matches in all.
    pub fn article_summaries(
        &self,
        lang: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<ArticleSummary>, u64)> {
        // Two statements rather than `?1 IS NULL OR lang = ?1`, so that each uses its
        // index (newest first is the index read backwards; undated, NULL, sort last).
        let (sql, count) = match lang {
            None => (
                format!(
                    "SELECT {SUMMARY_COLUMNS} FROM articles INDEXED BY articles_published_id
                         ORDER BY published_unix DESC, id DESC LIMIT ?1 OFFSET ?2"
                ),
                "SELECT count(*) FROM articles",
            ),
            Some(_) => (
                format!(
                    "SELECT {SUMMARY_COLUMNS} FROM articles INDEXED BY articles_lang_published_id
                         WHERE lang = ?3 ORDER BY published_unix DESC, id DESC LIMIT ?1 OFFSET ?2"
                ),
                "SELECT count(*) FROM articles WHERE lang = ?1",
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = match lang {
            None => stmt.query_map(params![limit as i64, offset as i64], summary),
            Some(l) => stmt.query_map(params![limit as i64, offset as i64, l], summary),
        }
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| self.err(e))?;
        let total: i64 = match lang {
            None => self.conn.query_row(count, [], |r| r.get(0)),
            Some(l) => self.conn.query_row(count, [l], |r| r.get(0)),
        }
        .map_err(|e| self.err(e))?;
        Ok((rows, total as u64))
    }

    /// The summaries of these articles, in the order given (unknown ids left out).
    pub fn summaries(&self, ids: &[&ArticleId]) -> Result<Vec<ArticleSummary>> {
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM articles WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let mut rows = stmt
                .query_map([id.as_str()], summary)
                .map_err(|e| self.err(e))?;
            if let Some(row) = rows.next() {
                out.push(row.map_err(|e| self.err(e))?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::facts::Facts;
    use parallax_core::{Article, Paragraph};

    fn article(title: &str, lang: &str, body: &str) -> Article {
        let mut a = Article {
            title: Some(title.into()),
            standfirst: Some(format!("{title} standfirst.")),
            lang: Some(lang.into()),
            paragraphs: vec![Paragraph::paragraph(body)],
            source: Some("Desk".into()),
            ..Article::default()
        };
        a.id = a.content_id();
        a
    }

    fn ids(hits: &[TextHit]) -> Vec<&str> {
        hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn the_query_is_words_joined_with_or() {
        assert_eq!(
            fts_query("floods: \"Valmora\" OR-NOT*"),
            Some("\"floods\" OR \"Valmora\" OR \"OR\" OR \"NOT\"".into())
        );
        assert_eq!(fts_query("  ()*: "), None);
    }

    #[test]
    fn text_search_folds_diacritics_and_ranks_titles_first() {
        let mut s = Store::open_in_memory().unwrap();
        let da = article(
            "Floden nåede Valmora",
            "da",
            "Floden gik over sine bredder.",
        );
        let ro = article("Inundații în Valmora", "ro", "Râul a ieșit din matcă.");
        let en = article("Steel talks", "en", "Officials met in Valmora about steel.");
        s.write_batch(&[
            (da.clone(), Facts::default()),
            (ro.clone(), Facts::default()),
            (en.clone(), Facts::default()),
        ])
        .unwrap();
        assert_eq!(ids(&s.search_text("naede", 10).unwrap()), [da.id.as_str()]);
        assert_eq!(
            ids(&s.search_text("INUNDATII", 10).unwrap()),
            [ro.id.as_str()]
        );
        let all = s.search_text("valmora", 10).unwrap();
        assert_eq!(all.len(), 3);
        // The steel article names Valmora only in its body.
        assert_eq!(all[2].id, en.id);
        assert!(all[0].score >= all[1].score && all[1].score >= all[2].score);
        assert!(s.search_text("\"*(", 10).unwrap().is_empty());
        assert!(s.search_text("absent", 10).unwrap().is_empty());
    }

    #[test]
    fn articles_stored_before_the_migration_are_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let a = article("Floden nåede byen", "da", "Tekst.");
        {
            let mut s = Store::open(&path).unwrap();
            s.write_batch(&[(a.clone(), Facts::default())]).unwrap();
            // Back to schema 4: the FTS table and its triggers gone (and schema 6's
            // fingerprints).
            s.conn
                .execute_batch(
                    "DROP TABLE fingerprint_bands; DROP TABLE fingerprints;
                     DROP TRIGGER articles_fts_insert; DROP TRIGGER articles_fts_delete;
                     DROP TABLE articles_fts; DROP INDEX articles_published_id;
                     DROP INDEX articles_lang_published_id; PRAGMA user_version = 4;",
                )
                .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), crate::SCHEMA_VERSION);
        assert_eq!(ids(&s.search_text("naede", 5).unwrap()), [a.id.as_str()]);
    }

    #[test]
    fn summaries_page_and_filter() {
        let mut s = Store::open_in_memory().unwrap();
        let arts: Vec<Article> = (0..5)
            .map(|i| article(&format!("T{i}"), if i % 2 == 0 { "da" } else { "ro" }, "B."))
            .collect();
        let batch: Vec<(Article, Facts)> =
            arts.iter().map(|a| (a.clone(), Facts::default())).collect();
        s.write_batch(&batch).unwrap();
        let (page, total) = s.article_summaries(None, 0, 2).unwrap();
        assert_eq!((page.len(), total), (2, 5));
        let (rest, _) = s.article_summaries(None, 2, 10).unwrap();
        assert_eq!(rest.len(), 3);
        assert!(rest.iter().all(|r| page.iter().all(|p| p.id != r.id)));
        let (da, total) = s.article_summaries(Some("da"), 0, 10).unwrap();
        assert_eq!((da.len(), total), (3, 3));
        assert_eq!(
            da[0]
                .standfirst
                .as_deref()
                .map(|s| s.ends_with("standfirst.")),
            Some(true)
        );
        assert_eq!(da[0].source.as_deref(), Some("Desk"));
        let unknown = ArticleId("00".into());
        let got = s.summaries(&[&arts[1].id, &unknown, &arts[0].id]).unwrap();
        assert_eq!(
            got.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
            [arts[1].id.as_str(), arts[0].id.as_str()]
        );
        s.put_vectors("m", &[(&arts[0].id, &[1.0, 0.0][..])])
            .unwrap();
        assert_eq!(
            s.lead_vectors("m").unwrap(),
            vec![(arts[0].id.clone(), vec![1.0, 0.0])]
        );
        assert!(s.lead_vectors("other").unwrap().is_empty());
    }
}

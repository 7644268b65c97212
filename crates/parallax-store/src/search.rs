//! Reading the store for search and listings: full-text search through the FTS5 table
//! of schema 7 (terms made by [`crate::terms`]: folded, stemmed per language; BM25
//! ranking), document counts of terms, every lead vector of a model for the vector
//! search, and article summaries (the columns a list shows, without decoding whole
//! articles).
//!
//! A user's query never reaches FTS5 syntax: it is cut into terms as an article is,
//! each quoted, and the terms joined with `OR`, so that any text is a valid query and a
//! document matching more of them ranks higher. An article's terms are stemmed with its
//! language's stemmer, so the query is analysed once for each language the store holds
//! (languages whose analysis gives the same terms share one full-text query), and each
//! query reaches only the articles of its languages.

use crate::terms::Analyzer;
use crate::{from_blob, sqlite, Result, Store};
use parallax_core::ArticleId;
use rusqlite::{params, Connection};
use serde::Serialize;
use std::collections::BTreeMap;

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
pub(crate) const COLUMN_WEIGHTS: (f64, f64, f64) = (4.0, 2.0, 1.0);

/// At most this many terms of a query are searched for.
pub const MAX_QUERY_TERMS: usize = 32;

/// The distinct terms of a query as the analyser of `lang` makes them, in query order,
/// at most [`MAX_QUERY_TERMS`].
pub fn query_terms(text: &str, lang: Option<&str>) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for t in Analyzer::new(lang).terms(text) {
        if !terms.contains(&t) {
            terms.push(t);
        }
        if terms.len() == MAX_QUERY_TERMS {
            break;
        }
    }
    terms
}

/// The FTS5 query for terms: each quoted, joined with `OR`; `None` when there is none.
pub fn fts_query(terms: &[String]) -> Option<String> {
    let quoted: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
    (!quoted.is_empty()).then(|| quoted.join(" OR "))
}

/// Indexes one stored article (its row id) with the terms of its language.
pub(crate) fn index_article(
    conn: &Connection,
    rowid: i64,
    lang: Option<&str>,
    title: Option<&str>,
    standfirst: Option<&str>,
    text: &str,
) -> rusqlite::Result<()> {
    let an = Analyzer::new(lang);
    conn.prepare_cached(
        "INSERT INTO article_terms (rowid, title, standfirst, text) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        rowid,
        an.indexed(title.unwrap_or("")),
        an.indexed(standfirst.unwrap_or("")),
        an.indexed(text),
    ])?;
    Ok(())
}

/// Indexes every stored article (the step of migration 6).
pub(crate) fn index_all(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT rowid, lang, title, json_extract(article, '$.standfirst'), text FROM articles",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (rowid, lang, title, standfirst, text) = row?;
        index_article(
            conn,
            rowid,
            lang.as_deref(),
            title.as_deref(),
            standfirst.as_deref(),
            &text,
        )?;
    }
    Ok(())
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
    /// The languages of the stored articles (`None` for articles of no known
    /// language), in code order.
    pub fn languages(&self) -> Result<Vec<Option<String>>> {
        let conn = sqlite!(self, pg => pg.languages());
        let mut stmt = conn
            .prepare_cached("SELECT DISTINCT lang FROM articles ORDER BY lang")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Articles whose title, standfirst or text share terms with `query` (folded and
    /// stemmed as each article's language is, any term), best first, at most `limit`.
    pub fn search_text(&self, query: &str, limit: usize) -> Result<Vec<TextHit>> {
        self.search_text_in(query, None, None, limit)
    }

    /// [`Store::search_text`] among the articles of one language and/or published at
    /// or after `since` (Unix seconds; undated articles are left out then).
    pub fn search_text_in(
        &self,
        query: &str,
        only_lang: Option<&str>,
        since: Option<i64>,
        limit: usize,
    ) -> Result<Vec<TextHit>> {
        // The languages whose analysis gives the same terms search together.
        let mut groups: BTreeMap<Vec<String>, Vec<Option<String>>> = BTreeMap::new();
        for lang in self.languages()? {
            if only_lang.is_some_and(|l| lang.as_deref() != Some(l)) {
                continue;
            }
            let terms = query_terms(query, lang.as_deref());
            if !terms.is_empty() {
                groups.entry(terms).or_default().push(lang);
            }
        }
        let mut hits = Vec::new();
        for (terms, langs) in groups {
            let named: Vec<&str> = langs.iter().flatten().map(String::as_str).collect();
            let unknown = langs.iter().any(Option::is_none);
            hits.extend(self.text_hits(&terms, &named, unknown, since, limit)?);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// The articles of one group of languages (`unknown`: and those of none) that hold
    /// any of `terms`, best first, at most `limit`.
    fn text_hits(
        &self,
        terms: &[String],
        named: &[&str],
        unknown: bool,
        since: Option<i64>,
        limit: usize,
    ) -> Result<Vec<TextHit>> {
        let conn = sqlite!(self, pg => pg.text_hits(terms, named, unknown, since, limit));
        let Some(q) = fts_query(terms) else {
            return Ok(Vec::new());
        };
        let named = serde_json::to_string(named).expect("strings serialise");
        let mut stmt = conn
            .prepare_cached(
                "SELECT a.id, bm25(article_terms, ?3, ?4, ?5) AS rank
                 FROM article_terms JOIN articles a ON a.rowid = article_terms.rowid
                 WHERE article_terms MATCH ?1
                   AND (a.lang IN (SELECT value FROM json_each(?6)) OR (?7 AND a.lang IS NULL))
                   AND (?8 IS NULL OR a.published_unix >= ?8)
                 ORDER BY rank LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let (wt, ws, wx) = COLUMN_WEIGHTS;
        stmt.query_map(
            params![q, limit as i64, wt, ws, wx, named, unknown, since],
            |r| {
                Ok(TextHit {
                    id: ArticleId(r.get(0)?),
                    // bm25() is lower for better matches.
                    score: -r.get::<_, f64>(1)?,
                })
            },
        )
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| self.err(e))
    }

    /// How many stored articles hold each term (0 for a term no article has).
    pub fn document_frequencies(&self, terms: &[String]) -> Result<Vec<u64>> {
        let conn = sqlite!(self, pg => pg.document_frequencies(terms));
        let mut stmt = conn
            .prepare_cached("SELECT doc FROM article_terms_vocab WHERE term = ?1")
            .map_err(|e| self.err(e))?;
        terms
            .iter()
            .map(|t| {
                let n: Option<i64> = stmt
                    .query_row([t], |r| r.get(0))
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
                    .map_err(|e| self.err(e))?;
                Ok(n.unwrap_or(0).max(0) as u64)
            })
            .collect()
    }

    /// Every lead vector made by `model`, with its article id, in id order.
    pub fn lead_vectors(&self, model: &str) -> Result<Vec<(ArticleId, Vec<f32>)>> {
        let conn = sqlite!(self, pg => pg.lead_vectors(model));
        let mut stmt = conn
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

    /// A page of the summaries of the articles that pass `filter`, newest first
    /// (undated last; an undated article fails a `since` or `until`), and how many
    /// pass it in all.
    pub fn article_summaries(
        &self,
        filter: &crate::ArticleFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<ArticleSummary>, u64)> {
        let conn = sqlite!(self, pg => pg.article_summaries(filter, offset, limit));
        // One index per form, the most selective filter's: the outlet, the language,
        // else the time (newest first is the index read backwards; undated, NULL,
        // sort last). Every parameter appears in every form (`?3 IS NULL` where it is
        // not used), so the same six are always bound.
        let index = if filter.source.is_some() {
            "articles_source_published"
        } else if filter.lang.is_some() {
            "articles_lang_published_id"
        } else {
            "articles_published_id"
        };
        let lang = if filter.lang.is_some() {
            "lang = ?3"
        } else {
            "?3 IS NULL"
        };
        let source = if filter.source.is_some() {
            "json_extract(article, '$.source') = ?4"
        } else {
            "?4 IS NULL"
        };
        let cond = format!(
            "{lang} AND {source} AND (?5 IS NULL OR published_unix >= ?5)
             AND (?6 IS NULL OR published_unix <= ?6)"
        );
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM articles INDEXED BY {index}
             WHERE {cond} ORDER BY published_unix DESC, id DESC LIMIT ?1 OFFSET ?2"
        );
        let p = params![
            limit as i64,
            offset as i64,
            filter.lang,
            filter.source,
            filter.since,
            filter.until
        ];
        let rows = conn
            .prepare_cached(&sql)
            .and_then(|mut st| {
                st.query_map(p, summary)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.err(e))?;
        // The count binds the same numbers (`?1` and `?2` unused but named).
        let count = format!(
            "SELECT count(*) FROM articles INDEXED BY {index} WHERE {cond} AND ?1 IS NOT NULL AND ?2 IS NOT NULL"
        );
        let total: i64 = conn
            .prepare_cached(&count)
            .and_then(|mut st| st.query_row(p, |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        Ok((rows, total as u64))
    }

    /// The outlets of the stored articles (as the inputs name them) with how many
    /// articles each has, the most articles first; articles without one are not
    /// counted.
    pub fn sources(&self) -> Result<Vec<(String, u64)>> {
        let conn = sqlite!(self, pg => pg.sources());
        conn.prepare_cached(
            "SELECT json_extract(article, '$.source'), count(*) AS n
                 FROM articles INDEXED BY articles_source_published
                 WHERE json_extract(article, '$.source') IS NOT NULL
                 GROUP BY json_extract(article, '$.source')
                 ORDER BY n DESC, json_extract(article, '$.source')",
        )
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
                .collect()
        })
        .map_err(|e| self.err(e))
    }

    /// The summaries of these articles, in the order given (unknown ids left out).
    pub fn summaries(&self, ids: &[&ArticleId]) -> Result<Vec<ArticleSummary>> {
        let conn = sqlite!(self, pg => pg.summaries(ids));
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM articles WHERE id = ?1");
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
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
    use crate::ArticleFilter;
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
    fn the_query_is_terms_joined_with_or() {
        let terms = query_terms("floods: \"Valmora\" OR-NOT* floods", Some("en"));
        assert_eq!(terms, ["flood", "valmora", "or", "not"]);
        assert_eq!(
            fts_query(&terms),
            Some("\"flood\" OR \"valmora\" OR \"or\" OR \"not\"".into())
        );
        assert!(query_terms("  ()*: ", None).is_empty());
        assert_eq!(fts_query(&[]), None);
    }

    #[test]
    fn text_search_folds_every_latin_letter_stems_and_ranks_titles_first() {
        let dbs = crate::testing::backends("text_search_folds_every_latin_letter");
        let scores: Vec<Vec<(String, f64)>> = dbs
            .iter()
            .map(|db| text_search_in(&mut db.open()))
            .collect();
        // The same ranking with the same scores (to rounding) on both backends.
        for other in &scores[1..] {
            assert_eq!(other.len(), scores[0].len());
            for (a, b) in other.iter().zip(&scores[0]) {
                assert_eq!(a.0, b.0);
                assert!((a.1 - b.1).abs() < 1e-9, "{a:?} {b:?}");
            }
        }
    }

    fn text_search_in(s: &mut Store) -> Vec<(String, f64)> {
        let da = article(
            "Floden nåede Valmora",
            "da",
            "Oversvømmelsen drev tusinder på flugt. Ærøs færger sejlede.",
        );
        let ro = article("Inundații în Valmora", "ro", "Râul a ieșit din matcă.");
        let en = article("Steel talks", "en", "Officials met in Valmora about steel.");
        let de = article("Hochwasser", "de", "Die Straße nach Łódź ist gesperrt.");
        s.write_batch(&[
            (da.clone(), Facts::default()),
            (ro.clone(), Facts::default()),
            (en.clone(), Facts::default()),
            (de.clone(), Facts::default()),
        ])
        .unwrap();
        for (query, want) in [
            ("naede", &da),
            ("oversvommelsen", &da),
            ("oversvømmelse", &da),
            ("aeros", &da),
            ("INUNDATII", &ro),
            ("inundațiile", &ro),
            ("strasse", &de),
            ("lodz", &de),
            ("official", &en),
        ] {
            assert_eq!(
                ids(&s.search_text(query, 10).unwrap()),
                [want.id.as_str()],
                "{query}"
            );
        }
        let all = s.search_text("valmora", 10).unwrap();
        assert_eq!(all.len(), 3);
        // The steel article names Valmora only in its body.
        assert_eq!(all[2].id, en.id);
        assert!(all[0].score >= all[1].score && all[1].score >= all[2].score);
        assert!(s.search_text("\"*(", 10).unwrap().is_empty());
        assert!(s.search_text("absent", 10).unwrap().is_empty());
        assert_eq!(
            ids(&s.search_text_in("valmora", Some("ro"), None, 10).unwrap()),
            [ro.id.as_str()]
        );
        // None of these articles is dated.
        assert!(s
            .search_text_in("valmora", None, Some(0), 10)
            .unwrap()
            .is_empty());
        // Each article's terms are of its language: the Danish and the English one
        // hold "valmora" as it is.
        let terms = query_terms("valmora zzzzqqq", Some("en"));
        let df = s.document_frequencies(&terms).unwrap();
        assert!(df[0] >= 2 && df[1] == 0, "{df:?}");
        assert_eq!(
            s.languages().unwrap(),
            [
                Some("da".into()),
                Some("de".into()),
                Some("en".into()),
                Some("ro".into())
            ]
        );
        all.iter().map(|h| (h.id.to_string(), h.score)).collect()
    }

    #[test]
    fn a_store_of_schema_5_is_migrated_and_its_articles_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let a = article("Oversvømmelsen nåede byen", "da", "Tekst.");
        {
            // A file as the previous version wrote it: schema 5, its triggers filling
            // the old full-text table.
            let mut conn = Connection::open(&path).unwrap();
            crate::schema::migrate_until(&mut conn, 0, 5).unwrap();
            conn.execute(
                "INSERT INTO articles (id, lang, title, article, text, ingested_at)
                 VALUES (?1, 'da', ?2, ?3, ?4, 0)",
                params![
                    a.id.as_str(),
                    a.title,
                    serde_json::to_string(&a).unwrap(),
                    a.text()
                ],
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), crate::SCHEMA_VERSION);
        // `ø` is folded only by the new index.
        assert_eq!(
            ids(&s.search_text("oversvommelse", 5).unwrap()),
            [a.id.as_str()]
        );
        let crate::Backend::Sqlite(conn) = &s.backend else {
            panic!("an SQLite store")
        };
        let none: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'articles_fts%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(none, 0);
    }

    #[test]
    fn summaries_page_and_filter() {
        for db in crate::testing::backends("summaries_page_and_filter") {
            summaries_page_and_filter_in(&mut db.open());
        }
    }

    fn summaries_page_and_filter_in(s: &mut Store) {
        // Five articles, one a day from 2025-09-01; da, ro, da, ro, da; the outlets
        // Desk, Desk, Wire, Desk, Desk.
        let arts: Vec<Article> = (0..5)
            .map(|i| {
                let mut a = article(&format!("T{i}"), if i % 2 == 0 { "da" } else { "ro" }, "B.");
                a.published =
                    Some(parallax_core::Published::parse(&format!("2025-09-0{}", i + 1)).unwrap());
                if i == 2 {
                    a.source = Some("Wire".into());
                }
                a
            })
            .collect();
        let batch: Vec<(Article, Facts)> =
            arts.iter().map(|a| (a.clone(), Facts::default())).collect();
        s.write_batch(&batch).unwrap();
        let all = ArticleFilter::default();
        let (page, total) = s.article_summaries(&all, 0, 2).unwrap();
        assert_eq!((page.len(), total), (2, 5));
        assert_eq!(page[0].title.as_deref(), Some("T4"), "newest first");
        let (rest, _) = s.article_summaries(&all, 2, 10).unwrap();
        assert_eq!(rest.len(), 3);
        assert!(rest.iter().all(|r| page.iter().all(|p| p.id != r.id)));
        let lang = |l: &str| ArticleFilter {
            lang: Some(l.into()),
            ..ArticleFilter::default()
        };
        let (da, total) = s.article_summaries(&lang("da"), 0, 10).unwrap();
        assert_eq!((da.len(), total), (3, 3));
        let titles = |f: &ArticleFilter| {
            let (rows, total) = s.article_summaries(f, 0, 10).unwrap();
            assert_eq!(rows.len() as u64, total);
            rows.into_iter()
                .map(|r| r.title.unwrap())
                .collect::<Vec<_>>()
        };
        let day = |d: &str| parallax_core::Published::parse(d).unwrap().unix();
        let wire = ArticleFilter {
            source: Some("Wire".into()),
            ..ArticleFilter::default()
        };
        assert_eq!(titles(&wire), ["T2"]);
        let range = ArticleFilter {
            since: Some(day("2025-09-02")),
            until: Some(day("2025-09-04")),
            ..ArticleFilter::default()
        };
        assert_eq!(titles(&range), ["T3", "T2", "T1"]);
        let desk_da_range = ArticleFilter {
            source: Some("Desk".into()),
            ..lang("da")
        };
        assert_eq!(titles(&desk_da_range), ["T4", "T0"]);
        assert_eq!(
            s.sources().unwrap(),
            vec![("Desk".to_string(), 4), ("Wire".to_string(), 1)]
        );
        let listed = s
            .articles(&ArticleFilter {
                since: Some(day("2025-09-04")),
                ..ArticleFilter::default()
            })
            .unwrap();
        assert_eq!(
            listed.len(),
            2,
            "the store's own list takes the same filter"
        );
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

//! Stories: the state the clusterer resumes from (one JSON object per story, plus its
//! counters), the assignment of each article with its evidence (JSON), and the story
//! lists the CLI and the server print. The store does not interpret the JSON: the
//! engine writes what `parallax-cluster` serialises.

use crate::{sqlite, write_tx, Result, Store, StoreError};
use parallax_core::ArticleId;
use rusqlite::{params, OptionalExtension};

/// An article's outlet is `?4`, in the form the index `articles_source_published` is on.
pub(crate) const SOURCE_IS: &str = "json_extract(a.article, '$.source') = ?4";

/// A live story's article as the lists read it: (story, first seen, last seen, article).
pub(crate) type StoryRow = (i64, Option<i64>, Option<i64>, StoryArticle);

/// A story's row to write: its id, times, and the clusterer's state as JSON.
#[derive(Debug, Clone)]
pub struct StoryRecord {
    pub id: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub state: String,
}

/// What one assignment step wrote, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct StoryStep {
    /// (article id, story id, evidence JSON), in assignment order.
    pub assignments: Vec<(String, i64, String)>,
    /// Stories created or changed.
    pub stories: Vec<StoryRecord>,
    /// (merged story, story it went into), in order.
    pub merges: Vec<(i64, i64)>,
    /// The clusterer's counters as JSON.
    pub meta: String,
}

/// An article of a story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryArticle {
    pub id: String,
    pub lang: Option<String>,
    pub title: Option<String>,
    pub published_unix: Option<i64>,
    /// The article it is a copy of (the same text from another file or outlet), if any.
    pub copy_of: Option<String>,
    /// The outlet, as the input names it.
    pub source: Option<String>,
}

/// A story with its articles in assignment order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryInfo {
    pub id: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub articles: Vec<StoryArticle>,
}

/// Which stories to list.
#[derive(Debug, Clone, Default)]
pub struct StoryFilter {
    /// Only stories with an article in this language.
    pub lang: Option<String>,
    /// Only stories whose last article is at least this recent (Unix seconds).
    pub since: Option<i64>,
    /// Only stories whose first article is at most this old (Unix seconds): with
    /// `since`, the stories that were running at some time of the range.
    pub until: Option<i64>,
    /// Only stories with an article of this outlet (as the input names it, exactly).
    pub source: Option<String>,
}

impl StoryFilter {
    /// Whether a story passes the filter.
    pub fn matches(&self, s: &StoryInfo) -> bool {
        let lang_ok = self.lang.as_ref().is_none_or(|l| {
            s.articles
                .iter()
                .any(|a| a.lang.as_deref() == Some(l.as_str()))
        });
        let since_ok = self
            .since
            .is_none_or(|t| s.last_seen.is_some_and(|l| l >= t));
        let until_ok = self
            .until
            .is_none_or(|t| s.first_seen.is_some_and(|f| f <= t));
        let source_ok = self.source.as_ref().is_none_or(|src| {
            s.articles
                .iter()
                .any(|a| a.source.as_deref() == Some(src.as_str()))
        });
        lang_ok && since_ok && until_ok && source_ok
    }
}

impl Store {
    /// Writes one assignment step in one transaction.
    pub fn save_story_step(&mut self, step: &StoryStep) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = sqlite!(mut self, pg => pg.save_story_step(step));
        let tx = write_tx(conn).map_err(err)?;
        {
            let mut seq: i64 = tx
                .query_row(
                    "SELECT coalesce(max(seq), 0) FROM story_assignments",
                    [],
                    |r| r.get(0),
                )
                .map_err(err)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO story_assignments (article_id, story_id, seq, evidence)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (article, story, evidence) in &step.assignments {
                seq += 1;
                put.execute(params![article, story, seq, evidence])
                    .map_err(err)?;
            }
            let mut story = tx
                .prepare_cached(
                    "INSERT INTO stories (id, first_seen, last_seen, state) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET first_seen = ?2, last_seen = ?3, state = ?4",
                )
                .map_err(err)?;
            for s in &step.stories {
                story
                    .execute(params![s.id, s.first_seen, s.last_seen, s.state])
                    .map_err(err)?;
            }
            for (from, into) in &step.merges {
                tx.execute(
                    "UPDATE story_assignments SET story_id = ?2 WHERE story_id = ?1",
                    params![from, into],
                )
                .map_err(err)?;
                tx.execute(
                    "UPDATE stories SET merged_into = ?2 WHERE id = ?1 OR merged_into = ?1",
                    params![from, into],
                )
                .map_err(err)?;
                // A story made and merged within one batch has no row yet: one that
                // says where it went, so that its id still answers.
                tx.execute(
                    "INSERT OR IGNORE INTO stories (id, merged_into, state) VALUES (?1, ?2, 'null')",
                    params![from, into],
                )
                .map_err(err)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO cluster_state (key, value) VALUES ('meta', ?1)",
                [&step.meta],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The clusterer's counters, if it ever ran.
    pub fn story_meta(&self) -> Result<Option<String>> {
        let conn = sqlite!(self, pg => pg.story_meta());
        conn.query_row(
            "SELECT value FROM cluster_state WHERE key = 'meta'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Where `parallax assign` stands in the work log `log` (a NATS stream): a value it
    /// keeps beside the clusterer's counters (key `worklog:LOG`) and writes in the
    /// transaction of the assignments it covers, so that a killed assigner resumes
    /// exactly after what it committed.
    pub fn worklog_position(&self, log: &str) -> Result<Option<String>> {
        let key = format!("worklog:{log}");
        let conn = sqlite!(self, pg => pg.cluster_value(&key));
        conn.query_row(
            "SELECT value FROM cluster_state WHERE key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Sets [`Store::worklog_position`] (in the open batch, if there is one).
    pub fn set_worklog_position(&mut self, log: &str, value: &str) -> Result<()> {
        let key = format!("worklog:{log}");
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = sqlite!(mut self, pg => pg.set_cluster_value(&key, value));
        let tx = write_tx(conn).map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO cluster_state (key, value) VALUES (?1, ?2)",
            [&key, value],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The states of the stories in the active window: not merged, last seen at or after
    /// `since` (or never dated), the `limit` most recent.
    pub fn active_story_states(&self, since: Option<i64>, limit: usize) -> Result<Vec<String>> {
        let conn = sqlite!(self, pg => pg.active_story_states(since, limit));
        let mut stmt = conn
            .prepare_cached(
                "SELECT state FROM stories
                 WHERE merged_into IS NULL AND (last_seen IS NULL OR ?1 IS NULL OR last_seen >= ?1)
                 ORDER BY last_seen DESC, id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![since, limit as i64], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Those of `ids` that have no story yet.
    pub fn unassigned(&self, ids: &[&ArticleId]) -> Result<Vec<ArticleId>> {
        let conn = sqlite!(self, pg => pg.unassigned(ids));
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM story_assignments WHERE article_id = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for id in ids {
            let found = stmt
                .query_row([id.as_str()], |_| Ok(()))
                .optional()
                .map_err(|e| self.err(e))?;
            if found.is_none() {
                out.push((*id).clone());
            }
        }
        Ok(out)
    }

    /// The story of an article (after merges) and the evidence of its assignment.
    pub fn assignment(&self, id: &ArticleId) -> Result<Option<(i64, String)>> {
        let conn = sqlite!(self, pg => pg.assignment(id));
        conn.query_row(
            "SELECT story_id, evidence FROM story_assignments WHERE article_id = ?1",
            [id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Every live story's articles in assignment order: (story, first seen, last seen,
    /// article), by story id.
    fn sqlite_story_rows(&self, conn: &rusqlite::Connection) -> Result<Vec<StoryRow>> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.id, s.first_seen, s.last_seen, a.id, a.lang, a.title, a.published_unix, f.copy_of,
                        json_extract(a.article, '$.source')
                 FROM stories s
                 JOIN story_assignments x ON x.story_id = s.id
                 JOIN articles a ON a.id = x.article_id
                 LEFT JOIN fingerprints f ON f.article_id = a.id
                 WHERE s.merged_into IS NULL
                 ORDER BY s.id, x.seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    StoryArticle {
                        id: r.get(3)?,
                        lang: r.get(4)?,
                        title: r.get(5)?,
                        published_unix: r.get(6)?,
                        copy_of: r.get(7)?,
                        source: r.get(8)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    fn story_rows(&self) -> Result<Vec<StoryInfo>> {
        let rows = match &self.backend {
            crate::Backend::Sqlite(conn) => self.sqlite_story_rows(conn)?,
            crate::Backend::Pg(pg) => pg.story_rows()?,
        };
        let mut out: Vec<StoryInfo> = Vec::new();
        for (id, first_seen, last_seen, article) in rows {
            match out.last_mut() {
                Some(s) if s.id == id => s.articles.push(article),
                _ => out.push(StoryInfo {
                    id,
                    first_seen,
                    last_seen,
                    articles: vec![article],
                }),
            }
        }
        Ok(out)
    }

    /// The stories (not merged away), oldest first.
    pub fn stories(&self, filter: &StoryFilter) -> Result<Vec<StoryInfo>> {
        let mut all = self.story_rows()?;
        all.retain(|s| filter.matches(s));
        Ok(all)
    }

    /// One story; a story merged away resolves to the story it went into.
    pub fn story(&self, id: i64) -> Result<Option<StoryInfo>> {
        match self.resolve_story(id)? {
            Some(live) => self.story_by_id(live),
            None => Ok(None),
        }
    }

    /// The live story an id stands for: itself, or the story it was merged into (a
    /// merge also moves the earlier merges into it). A story made and merged within
    /// one batch by an earlier version has no row: it is found through the evidence
    /// of the articles first assigned to it, which now sit in the story it went into.
    /// `None` for an id no story ever had.
    pub fn resolve_story(&self, id: i64) -> Result<Option<i64>> {
        let conn = sqlite!(self, pg => pg.resolve_story(id));
        let into: Option<Option<i64>> = conn
            .query_row("SELECT merged_into FROM stories WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        match into {
            Some(into) => Ok(Some(into.unwrap_or(id))),
            None => conn
                .query_row(
                    "SELECT story_id FROM story_assignments
                     WHERE json_extract(evidence, '$.story') = ?1 ORDER BY seq LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e)),
        }
    }

    /// One story (not merged away) with its articles, through the index on
    /// `story_assignments (story_id, seq)`.
    fn story_by_id(&self, id: i64) -> Result<Option<StoryInfo>> {
        let conn = sqlite!(self, pg => pg.story_by_id(id));
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.first_seen, s.last_seen, a.id, a.lang, a.title, a.published_unix, f.copy_of,
                        json_extract(a.article, '$.source')
                 FROM story_assignments x
                 JOIN stories s ON s.id = x.story_id
                 JOIN articles a ON a.id = x.article_id
                 LEFT JOIN fingerprints f ON f.article_id = a.id
                 WHERE x.story_id = ?1 AND s.merged_into IS NULL
                 ORDER BY x.seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    StoryArticle {
                        id: r.get(2)?,
                        lang: r.get(3)?,
                        title: r.get(4)?,
                        published_unix: r.get(5)?,
                        copy_of: r.get(6)?,
                        source: r.get(7)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        let Some((first_seen, last_seen)) = rows.first().map(|r| (r.0, r.1)) else {
            return Ok(None);
        };
        Ok(Some(StoryInfo {
            id,
            first_seen,
            last_seen,
            articles: rows.into_iter().map(|(_, _, a)| a).collect(),
        }))
    }

    /// A page of the stories (not merged away) that pass `filter`, the most recent first
    /// (by the time of their last article, then by id; undated ones last), and how many
    /// pass it in all. Only the page's stories are read with their articles.
    ///
    /// The ids are found in indexes only, never in the story rows (each holds the
    /// clusterer's state, kilobytes of JSON): the stories are walked in `last_seen`
    /// order through `stories_last_seen`, and a story is live when an article is
    /// assigned to it (a merge moves every assignment to the story merged into, so a
    /// merged story has none), read from the covering `(story_id, seq)` index; with a
    /// language, from the articles of that language through
    /// `articles_lang_published_id`.
    pub fn story_page(
        &self,
        filter: &StoryFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<StoryInfo>, usize)> {
        let ids = self.story_ids(filter)?;
        let mut out = Vec::with_capacity(limit.min(ids.len()));
        for &id in ids.iter().skip(offset).take(limit) {
            out.extend(self.story_by_id(id)?);
        }
        Ok((out, ids.len()))
    }

    /// The ids of the live stories that pass `filter`, the most recent first.
    fn story_ids(&self, filter: &StoryFilter) -> Result<Vec<i64>> {
        let conn = sqlite!(self, pg => pg.story_ids(filter));
        // The live stories, from the articles when a filter is on them (through the
        // index of each: language, outlet), else from every assignment. Every
        // parameter appears in every form of the statement (`?3 IS NULL` where it
        // is not used), so the four are always bound.
        let live = match (&filter.lang, &filter.source) {
            (None, None) => {
                "SELECT story_id FROM story_assignments WHERE ?3 IS NULL AND ?4 IS NULL".to_string()
            }
            (lang, source) => {
                format!(
                "SELECT x.story_id FROM articles a JOIN story_assignments x ON x.article_id = a.id
                 WHERE {} AND {}",
                if lang.is_some() { "a.lang = ?3" } else { "?3 IS NULL" },
                if source.is_some() { SOURCE_IS } else { "?4 IS NULL" },
            )
            }
        };
        conn.prepare_cached(&format!(
            "SELECT s.id FROM stories s INDEXED BY stories_last_seen
                 WHERE (?1 IS NULL OR s.last_seen >= ?1) AND (?2 IS NULL OR s.first_seen <= ?2)
                   AND +s.id IN ({live})
                 ORDER BY s.last_seen DESC, s.id DESC"
        ))
        .and_then(|mut st| {
            st.query_map(
                params![filter.since, filter.until, filter.lang, filter.source],
                |r| r.get(0),
            )?
            .collect()
        })
        .map_err(|e| self.err(e))
    }

    /// The stories (after merges) of those of `articles` that have one, each once, in
    /// the order of the articles.
    pub fn stories_of(&self, articles: &[&ArticleId]) -> Result<Vec<i64>> {
        let mut out: Vec<i64> = Vec::new();
        let mut keep = |story: Option<i64>| {
            if let Some(s) = story.filter(|s| !out.contains(s)) {
                out.push(s);
            }
        };
        match &self.backend {
            crate::Backend::Sqlite(conn) => {
                let mut stmt = conn
                    .prepare_cached("SELECT story_id FROM story_assignments WHERE article_id = ?1")
                    .map_err(|e| self.err(e))?;
                for a in articles {
                    keep(
                        stmt.query_row([a.as_str()], |r| r.get(0))
                            .optional()
                            .map_err(|e| self.err(e))?,
                    );
                }
            }
            crate::Backend::Pg(pg) => {
                let found = pg.story_of_each(articles)?;
                for a in articles {
                    keep(found.get(a.as_str()).copied());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tests::article;

    fn record(id: i64, t: i64) -> StoryRecord {
        StoryRecord {
            id,
            first_seen: Some(t),
            last_seen: Some(t),
            state: format!("{{\"id\":{id}}}"),
        }
    }

    #[test]
    fn the_work_log_position_is_kept_per_log_and_with_its_batch() {
        for db in crate::testing::backends("worklog_position") {
            let mut s = db.open();
            assert_eq!(s.worklog_position("a").unwrap(), None, "{}", db.name());
            s.set_worklog_position("a", "16").unwrap();
            s.set_worklog_position("b", "3").unwrap();
            // Written in a batch that fails: not kept.
            let failed: std::result::Result<(), StoreError> = s.in_batch(|s| {
                s.set_worklog_position("a", "32")?;
                Err(StoreError::Missing { path: "x".into() })
            });
            assert!(failed.is_err());
            // In a batch that commits: kept, beside the counters, which it leaves alone.
            s.in_batch(|s| s.set_worklog_position("a", "48")).unwrap();
            let s = db.open();
            assert_eq!(
                s.worklog_position("a").unwrap().as_deref(),
                Some("48"),
                "{}",
                db.name()
            );
            assert_eq!(
                s.worklog_position("b").unwrap().as_deref(),
                Some("3"),
                "{}",
                db.name()
            );
            assert_eq!(s.story_meta().unwrap(), None, "{}", db.name());
        }
    }

    #[test]
    fn steps_merges_and_lists() {
        for db in crate::testing::backends("steps_merges_and_lists") {
            steps_merges_and_lists_in(&mut db.open());
        }
    }

    fn steps_merges_and_lists_in(s: &mut Store) {
        let (mut a, b, mut c) = (
            article("Flood", "da"),
            article("Inundație", "ro"),
            article("Tariffs", "en"),
        );
        a.source = Some("Desk".into());
        c.source = Some("Wire".into());
        s.write_batch(&[
            (a.clone(), Default::default()),
            (b.clone(), Default::default()),
            (c.clone(), Default::default()),
        ])
        .unwrap();
        assert_eq!(s.story_meta().unwrap(), None);
        s.save_story_step(&StoryStep {
            assignments: vec![
                (a.id.to_string(), 1, "{}".into()),
                (b.id.to_string(), 2, "{}".into()),
                (c.id.to_string(), 3, "{\"x\":1}".into()),
            ],
            stories: vec![record(1, 10), record(2, 20), record(3, 5)],
            merges: vec![(2, 1)],
            meta: "{\"seq\":3}".into(),
        })
        .unwrap();
        assert_eq!(s.story_meta().unwrap().as_deref(), Some("{\"seq\":3}"));
        let all = s.stories(&StoryFilter::default()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].articles.len(), 2);
        assert_eq!(s.story(2).unwrap().unwrap().id, 1);
        assert_eq!(s.story(9).unwrap(), None);
        let ro = s
            .stories(&StoryFilter {
                lang: Some("en".into()),
                ..StoryFilter::default()
            })
            .unwrap();
        assert_eq!(ro.len(), 1);
        assert_eq!(ro[0].id, 3);
        let recent = s
            .stories(&StoryFilter {
                since: Some(8),
                ..StoryFilter::default()
            })
            .unwrap();
        assert_eq!(recent.len(), 1);
        let active = s.active_story_states(Some(8), 10).unwrap();
        assert_eq!(active, vec!["{\"id\":1}".to_string()]);
        assert_eq!(
            s.assignment(&c.id).unwrap(),
            Some((3, "{\"x\":1}".to_string()))
        );
        assert_eq!(s.unassigned(&[&a.id]).unwrap(), Vec::<ArticleId>::new());

        // Pages: the most recent first, filtered in SQL, with the total.
        let page = |f: &StoryFilter, offset, limit| {
            let (list, total) = s.story_page(f, offset, limit).unwrap();
            (list.iter().map(|x| x.id).collect::<Vec<_>>(), total)
        };
        let all = StoryFilter::default();
        assert_eq!(page(&all, 0, 10), (vec![1, 3], 2));
        assert_eq!(page(&all, 1, 1), (vec![3], 2));
        assert_eq!(page(&all, 2, 1), (vec![], 2));
        let en = StoryFilter {
            lang: Some("en".into()),
            ..StoryFilter::default()
        };
        assert_eq!(page(&en, 0, 10), (vec![3], 1));
        let recent = StoryFilter {
            since: Some(8),
            ..StoryFilter::default()
        };
        assert_eq!(page(&recent, 0, 10), (vec![1], 1));
        // A range: the stories running at some time of it (story 1 is seen at 10,
        // story 3 at 5).
        let early = StoryFilter {
            until: Some(7),
            ..StoryFilter::default()
        };
        assert_eq!(page(&early, 0, 10), (vec![3], 1));
        let range = StoryFilter {
            since: Some(8),
            until: Some(20),
            ..StoryFilter::default()
        };
        assert_eq!(page(&range, 0, 10), (vec![1], 1));
        // By outlet: the Danish article is Desk's, the English one Wire's.
        for (src, want) in [("Desk", vec![1]), ("Wire", vec![3]), ("Nobody", vec![])] {
            let f = StoryFilter {
                source: Some(src.into()),
                ..StoryFilter::default()
            };
            let n = want.len();
            assert_eq!(page(&f, 0, 10), (want.clone(), n), "{src}");
            let listed: Vec<i64> = s.stories(&f).unwrap().iter().map(|x| x.id).collect();
            assert_eq!(listed, want, "{src}: the filter of the full list agrees");
        }
        let desk_en = StoryFilter {
            source: Some("Desk".into()),
            ..en.clone()
        };
        assert_eq!(page(&desk_en, 0, 10), (vec![], 0));
        let (list, _) = s.story_page(&all, 0, 1).unwrap();
        assert_eq!(list[0], s.story(1).unwrap().unwrap());
        assert_eq!(list[0].articles.len(), 2);
        assert_eq!(s.stories_of(&[&c.id, &a.id, &b.id]).unwrap(), vec![3, 1]);

        // Story 7, made and merged into 3 within one step, never had a row of its own;
        // story 3 then goes into 1: both ids answer with story 1.
        let d = crate::tests::article("D", "en");
        s.write_batch(&[(d.clone(), parallax_core::facts::Facts::default())])
            .unwrap();
        s.save_story_step(&StoryStep {
            assignments: vec![(d.id.to_string(), 3, "{\"story\":7}".into())],
            stories: vec![record(3, 30)],
            merges: vec![(7, 3)],
            meta: "{}".into(),
        })
        .unwrap();
        assert_eq!(s.resolve_story(7).unwrap(), Some(3));
        s.save_story_step(&StoryStep {
            assignments: vec![],
            stories: vec![record(1, 40)],
            merges: vec![(3, 1)],
            meta: "{}".into(),
        })
        .unwrap();
        assert_eq!(s.resolve_story(7).unwrap(), Some(1));
        assert_eq!(s.resolve_story(3).unwrap(), Some(1));
        assert_eq!(s.story(7).unwrap().unwrap().id, 1);
        assert_eq!(s.resolve_story(99).unwrap(), None);
        // A store an earlier version wrote, without the row: found through the
        // evidence of the story's first article.
        s.execute_raw("DELETE FROM stories WHERE id = 7").unwrap();
        assert_eq!(s.resolve_story(7).unwrap(), Some(1));
        // Merged rows are not active and not listed.
        assert!(s
            .active_story_states(None, 10)
            .unwrap()
            .iter()
            .all(|x| x != "null"));
        let (live, _) = s.story_page(&all, 0, 10).unwrap();
        assert_eq!(live.iter().map(|x| x.id).collect::<Vec<_>>(), vec![1]);
    }
}

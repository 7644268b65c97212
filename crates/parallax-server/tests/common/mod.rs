//! The store the server tests run against, built once per test the same way for the API
//! and the browser tests: the two seed articles (read at run time from `../shared`, never
//! copied into the repository) and the example corpus's `.txt` articles, ingested file by
//! file with the real embedding model, so that lead vectors are stored and stories are
//! assigned exactly as `parallax ingest` does.

use parallax_engine::vectors::Vectors;
use parallax_engine::{IngestConfig, Input, Store};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

/// The seed articles (Danish and Romanian reports of one story), outside the repository.
pub fn seeds() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/seeds"
    ))
    .to_path_buf()
}

/// The example corpus of the repository.
pub fn corpus() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/corpus"
    ))
    .to_path_buf()
}

/// The real embedding model (`parallax model fetch`), loaded once per test binary.
pub fn vectors() -> Vectors {
    static V: OnceLock<Vectors> = OnceLock::new();
    V.get_or_init(|| {
        let path = parallax_embed::model::default_model_path();
        let e = parallax_engine::Embedder::load(&path, &Default::default())
            .expect("the model (parallax model fetch)");
        Vectors::new(e, &path.file_name().unwrap().to_string_lossy())
    })
    .clone()
}

/// Runs `f` on a thread of its own and waits for it: a PostgreSQL store's synchronous
/// client runs a Tokio runtime of its own, which cannot start on a thread of the tests'
/// runtime (as the server itself only touches the store from its blocking pool).
pub fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// A store file in a temporary folder with the seeds and the example corpus.
pub struct Seeded {
    pub _dir: tempfile::TempDir,
    pub db: PathBuf,
    /// Article ids by file name stem, in ingestion order.
    pub ids: Vec<(String, String)>,
}

impl Seeded {
    /// Builds the store: every `.txt` file of the seeds, then of the corpus, in name
    /// order, one ingest per file (each a committed batch, stories assigned after it).
    pub fn build(file_name: &str) -> Seeded {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(file_name);
        Seeded::build_at(dir, db)
    }

    /// The same store in a PostgreSQL schema of its own, named after `test`, in the
    /// tests' database (`PARALLAX_TEST_PG`); `None` when none is configured and none is
    /// required (said on standard error). A required database that is missing or
    /// unreachable fails the test.
    pub fn build_pg(test: &str) -> Option<Seeded> {
        let url = blocking(|| parallax_store::testing::pg_location(test))
            .unwrap_or_else(|e| panic!("{e}"))?;
        Some(Seeded::build_at(
            tempfile::tempdir().unwrap(),
            PathBuf::from(url),
        ))
    }

    /// Which backend the store is on, for the tests' messages.
    pub fn backend(&self) -> &'static str {
        if self.db.to_string_lossy().starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    fn build_at(dir: tempfile::TempDir, db: PathBuf) -> Seeded {
        blocking(|| Seeded::ingest_into(dir, db))
    }

    fn ingest_into(dir: tempfile::TempDir, db: PathBuf) -> Seeded {
        let mut store = Store::open(&db).unwrap();
        let config = IngestConfig {
            vectors: Some(vectors()),
            ..IngestConfig::default()
        };
        let mut ids = Vec::new();
        for folder in [seeds(), corpus()] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            files.sort();
            for f in files {
                let report = parallax_engine::ingest(
                    &mut store,
                    &[Input::Path(f.clone())],
                    &config,
                    &AtomicBool::new(false),
                    &mut |_| {},
                )
                .unwrap();
                let name = f.file_stem().unwrap().to_string_lossy().into_owned();
                ids.push((name, report.ids[0].clone()));
            }
        }
        Seeded { _dir: dir, db, ids }
    }

    /// The id of the article whose file name contains `name`.
    pub fn id(&self, name: &str) -> &str {
        &self
            .ids
            .iter()
            .find(|(n, _)| n.contains(name))
            .unwrap_or_else(|| panic!("no article file named like `{name}`"))
            .1
    }

    /// The story the article whose file name contains `name` was assigned to, read from
    /// the store (after merges).
    pub fn story_of(&self, name: &str) -> i64 {
        let id = parallax_core::ArticleId(self.id(name).to_string());
        blocking(|| {
            let store = Store::open(&self.db).unwrap();
            store
                .assignment(&id)
                .unwrap()
                .unwrap_or_else(|| panic!("`{name}` has no story"))
                .0
        })
    }
}

//! End-to-end test of the web UI in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven through WebDriver by fantoccini): the list, a search in
//! English that finds the Danish and Romanian seed articles, an article page with its
//! facts highlighted, and the story comparison rendered by the UI's own function.
//! Screenshots go to `target/test-output/`.

use fantoccini::{ClientBuilder, Locator};
use parallax_engine::vectors::Vectors;
use parallax_engine::{IngestConfig, Input, Store};
use parallax_server::{AppState, ServerConfig};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn out_dir() -> PathBuf {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/test-output"
    ));
    std::fs::create_dir_all(d).unwrap();
    d.to_path_buf()
}

fn store_with_seeds_and_corpus(db: &Path, vectors: Vectors) -> Vec<(String, String)> {
    let mut store = Store::open(db).unwrap();
    let config = IngestConfig {
        vectors: Some(vectors),
        ..IngestConfig::default()
    };
    let mut ids = Vec::new();
    for folder in [
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/seeds"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/corpus"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        for f in files {
            let r = parallax_engine::ingest(
                &mut store,
                &[Input::Path(f.clone())],
                &config,
                &AtomicBool::new(false),
                &mut |_| {},
            )
            .unwrap();
            ids.push((
                f.file_stem().unwrap().to_string_lossy().into_owned(),
                r.ids[0].clone(),
            ));
        }
    }
    ids
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the driver when the test ends, however it ends.
struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_search_article_and_story_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ui.db");
    let path = parallax_embed::model::default_model_path();
    let embedder = parallax_engine::Embedder::load(&path, &Default::default())
        .expect("the model (parallax model fetch)");
    let vectors = Vectors::new(embedder, &path.file_name().unwrap().to_string_lossy());
    let ids = store_with_seeds_and_corpus(&db, vectors.clone());
    let id = |name: &str| {
        ids.iter()
            .find(|(n, _)| n.contains(name))
            .unwrap()
            .1
            .clone()
    };

    let state = AppState::open(ServerConfig::new(db.clone(), Some(vectors))).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(parallax_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let port = free_port();
    let _driver = Driver(
        std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver) on the PATH"),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--window-size=1400,1000",
            format!("--user-data-dir={}", profile.path().display()),
        ]}),
    );
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("a WebDriver session with chromium");
    let out = out_dir();
    let wait = |c: &fantoccini::Client, css: &'static str| {
        let c = c.clone();
        async move {
            c.wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
        }
    };

    // The list: the stories, with language badges; every article is in one of them.
    c.goto(&format!("http://{addr}/")).await.unwrap();
    wait(&c, "#stories .story-row").await;
    let rows = c.find_all(Locator::Css(".story-row")).await.unwrap();
    assert!(
        !rows.is_empty() && rows.len() < ids.len(),
        "{} stories for {} articles",
        rows.len(),
        ids.len()
    );
    let badges = c
        .find_all(Locator::Css(".story-row .lang-badge"))
        .await
        .unwrap();
    let mut langs = Vec::new();
    for b in badges {
        langs.push(b.text().await.unwrap().to_lowercase());
    }
    for l in ["da", "ro", "en", "de", "fr"] {
        assert!(langs.iter().any(|x| x == l), "{l} in {langs:?}");
    }
    std::fs::write(out.join("ui-list.png"), c.screenshot().await.unwrap()).unwrap();

    // Search in English: the Danish and Romanian seeds come first.
    let input = c.find(Locator::Css("#search")).await.unwrap();
    input
        .send_keys("Putin thanks Kim for the North Korean soldiers")
        .await
        .unwrap();
    c.find(Locator::Css("#search-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(&c, "#results .article-row").await;
    let hits = c
        .find_all(Locator::Css("#results .article-row"))
        .await
        .unwrap();
    let mut top = Vec::new();
    for h in hits.iter().take(2) {
        top.push(h.attr("data-id").await.unwrap().unwrap());
    }
    top.sort();
    let mut seeds = vec![id("da-kursk"), id("ro-kursk")];
    seeds.sort();
    assert_eq!(top, seeds);
    std::fs::write(out.join("ui-search.png"), c.screenshot().await.unwrap()).unwrap();

    // The Danish article, its facts highlighted in the text.
    let link = format!("#results .article-row[data-id='{}'] a", id("da-kursk"));
    c.find(Locator::Css(&link))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(&c, "#article .article-text mark.f-entity").await;
    for kind in ["f-entity", "f-figure", "f-quote"] {
        let marks = c
            .find_all(Locator::Css(&format!(".article-text mark.{kind}")))
            .await
            .unwrap();
        assert!(!marks.is_empty(), "no {kind} highlighted");
    }
    let putin = c
        .find(Locator::Css(
            ".article-text mark.f-entity[title*='vladimir-putin']",
        ))
        .await
        .unwrap();
    assert!(putin.text().await.unwrap().contains("Putin"));
    std::fs::write(out.join("ui-article.png"), c.screenshot().await.unwrap()).unwrap();

    // The story page's renderer, given a comparison of the two seeds in the shape the
    // comparison API answers: both versions side by side, the figure table with a
    // conflict highlighted.
    let (da, ro) = (id("da-kursk"), id("ro-kursk"));
    let cmp = json!({
        "story": {"id": "s1", "languages": ["da", "ro"], "n_articles": 2,
                  "first_seen": "2025-09-03", "last_seen": "2025-09-03",
                  "titles": {"da": "Putin takker Kim", "ro": "Putin îi mulțumește lui Kim"},
                  "articles": [&da, &ro]},
        "versions": [{"article": &da, "lang": "da", "title": "Putin takker Kim"},
                     {"article": &ro, "lang": "ro", "title": "Putin îi mulțumește lui Kim"}],
        "shared": [{"sentences": [{"article": &da, "span": {"start": 0, "end": 5}, "text": "Putin takkede Kim."},
                                  {"article": &ro, "span": {"start": 0, "end": 5}, "text": "Putin i-a mulțumit lui Kim."}]}],
        "only_in": {da.as_str(): [{"span": {"start": 6, "end": 9}, "text": "Kun i den danske version."}]},
        "figures": [{"relation": "conflict", "items": [
            {"article": &da, "value": 2000, "counted": "soldiers", "source": "KR", "sentence": "2.000 soldater."},
            {"article": &ro, "value": 600, "counted": "soldiers", "source": "KR", "sentence": "600 de soldați."}]}],
        "quotes": [{"article": &da, "speaker": "vladimir-putin", "text": "modige"}]
    });
    let counts = c
        .execute(
            "document.getElementById('main').replaceChildren(renderComparison(arguments[0]));
             return [document.querySelectorAll('table.versions th').length,
                     document.querySelectorAll('table.versions td.aligned').length,
                     document.querySelectorAll('table.versions td.unaligned').length,
                     document.querySelectorAll('table.figure-table tr.conflict').length,
                     document.querySelectorAll('ul.quotes li').length];",
            vec![cmp],
        )
        .await
        .unwrap();
    assert_eq!(counts, json!([2, 2, 1, 2, 1]));
    std::fs::write(out.join("ui-story.png"), c.screenshot().await.unwrap()).unwrap();

    c.close().await.unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

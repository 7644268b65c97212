//! End-to-end test of the web UI in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven through WebDriver by fantoccini), on the store the API tests
//! use (the seeds and the example corpus, stories assigned with the real model): the
//! story list, the seeds' real story page reached by clicking its row (both versions
//! side by side, aligned and unaligned passages, the figure table with the casualty
//! figures as the comparison API reports them, the quotes), a one-article story, a search
//! in English that finds the Danish and Romanian seeds, and an article page with its
//! facts highlighted; the version picker on the five-version flood story of the example
//! corpus (its choice in the URL hash, a permalink); the story and article lists by
//! outlet and date range (with articles of outlets named in Japanese and Russian written
//! here); the print style sheet under emulated print media. Screenshots go to
//! `target/test-output/`.

#[allow(dead_code)] // the PostgreSQL stores of the API tests are not used here
mod common;

use common::{vectors, Seeded};
use fantoccini::{Client, Locator};
use parallax_server::{AppState, ServerConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

fn out_dir() -> PathBuf {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/test-output"
    ));
    std::fs::create_dir_all(d).unwrap();
    d.to_path_buf()
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

/// Waits (up to 30 s) for an element to appear.
async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// The texts of the elements `css` selects.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

/// Runs `script` in the page and returns its value (a promise is awaited).
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

async fn screenshot(c: &Client, name: &str) {
    std::fs::write(out_dir().join(name), c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn list_story_search_and_article_in_chromium() {
    let seeded = Seeded::build("ui.db");
    let seed_story = seeded.story_of("da-kursk");
    assert_eq!(seeded.story_of("ro-kursk"), seed_story);

    let s = session(&seeded.db, (1400, 1000)).await;
    let (addr, c) = (s.addr, &s.c);

    // The list: the stories, with language badges; every article is in one of them.
    c.goto(&format!("http://{addr}/")).await.unwrap();
    wait(c, "#stories .story-row").await;
    let rows = c.find_all(Locator::Css(".story-row")).await.unwrap();
    assert!(
        !rows.is_empty() && rows.len() < seeded.ids.len(),
        "{} stories for {} articles",
        rows.len(),
        seeded.ids.len()
    );
    let langs: Vec<String> = texts(c, ".story-row .lang-badge")
        .await
        .iter()
        .map(|l| l.to_lowercase())
        .collect();
    for l in ["da", "ro", "en", "de", "fr"] {
        assert!(langs.iter().any(|x| x == l), "{l} in {langs:?}");
    }
    screenshot(c, "ui-list.png").await;

    // The seeds' story in the list: Danish and Romanian, two articles; open it by
    // clicking its title.
    let row = format!(".story-row[data-id='{seed_story}']");
    let badges: Vec<String> = texts(c, &format!("{row} .lang-badge"))
        .await
        .iter()
        .map(|l| l.to_lowercase())
        .collect();
    assert_eq!(badges, ["da", "ro"]);
    let meta = c
        .find(Locator::Css(&format!("{row} .meta")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(meta.contains("2 articles"), "{meta}");
    c.find(Locator::Css(&format!("{row} a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(c, &format!("#story[data-id='{seed_story}'] table.versions")).await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with(&format!("#/story/{seed_story}")));

    // What the page shows is what the comparison API answers.
    let cmp = js(
        c,
        &format!("return fetch('/api/stories/{seed_story}/compare').then(r => r.json());"),
    )
    .await;
    let (da, ro) = (seeded.id("da-kursk"), seeded.id("ro-kursk"));

    // Both versions side by side: one column each, Danish then Romanian as the API
    // orders them, headed by the article's language and title.
    let columns = js(
        c,
        "return [...document.querySelectorAll('table.versions th')]
            .map(th => [th.dataset.article, th.querySelector('.lang-badge').textContent]);",
    )
    .await;
    let expected: Vec<Value> = cmp["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!([v["article"], v["lang"]]))
        .collect();
    assert_eq!(columns, Value::Array(expected));
    let mut shown: Vec<&str> = columns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    shown.sort();
    let mut seeds = vec![da, ro];
    seeds.sort();
    assert_eq!(shown, seeds);

    // Aligned passages in rows: one row per shared group, a filled cell in both
    // columns; unaligned passages each on a row of their own, marked, the other cell
    // empty. Every sentence of the comparison is on the page once.
    let shared = cmp["shared"].as_array().unwrap();
    let only: usize = cmp["only_in"]
        .as_object()
        .unwrap()
        .values()
        .map(|l| l.as_array().unwrap().len())
        .sum();
    assert!(!shared.is_empty() && only > 0, "{cmp:#}");
    let layout = js(
        c,
        "const rows = [...document.querySelectorAll('table.versions tr.shared, table.versions tr.only')];
         return {
           shared: rows.filter(r => r.classList.contains('shared'))
             .map(r => [...r.querySelectorAll('td')].map(td => td.classList.contains('aligned') ? td.querySelectorAll('.sentence').length : 0)),
           only: rows.filter(r => r.classList.contains('only'))
             .map(r => [...r.querySelectorAll('td')].map(td => td.classList.contains('unaligned') ? 'marked:' + td.querySelector('.tag').textContent : td.textContent)),
           sentences: document.querySelectorAll('table.versions .sentence').length,
         };",
    )
    .await;
    let shared_rows = layout["shared"].as_array().unwrap();
    assert_eq!(shared_rows.len(), shared.len());
    assert!(shared_rows.iter().all(|r| r
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n.as_u64() >= Some(1))));
    let only_rows = layout["only"].as_array().unwrap();
    assert_eq!(only_rows.len(), only);
    for r in only_rows {
        let cells: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(
            cells
                .iter()
                .filter(|c| **c == "marked:only in this version")
                .count(),
            1,
            "{cells:?}"
        );
        assert_eq!(cells.iter().filter(|c| **c == "—").count(), 1, "{cells:?}");
    }
    let sentences_in_api: usize = shared
        .iter()
        .map(|g| g["sentences"].as_array().unwrap().len())
        .sum::<usize>()
        + only;
    assert_eq!(layout["sentences"], sentences_in_api);
    screenshot(c, "ui-story.png").await;

    // The figure table: one row per figure, grouped as the API groups them; the Danish
    // 2,000 (lost) and the Romanian 600 (killed) are in one group marked as a different
    // measure (or a conflict), highlighted.
    let groups = js(
        c,
        "const g = {};
         document.querySelectorAll('table.figure-table tr[data-group]').forEach(tr => {
           const k = tr.dataset.group;
           g[k] = g[k] || {relation: tr.dataset.relation, values: [],
                           label: tr.querySelector('td.relation').textContent,
                           background: getComputedStyle(tr.querySelector('td.value')).backgroundColor};
           g[k].values.push(Number(tr.querySelector('td.value').dataset.value));
         });
         return Object.keys(g).sort((a, b) => a - b).map(k => g[k]);",
    )
    .await;
    let groups = groups.as_array().unwrap();
    let api_groups = cmp["figures"].as_array().unwrap();
    assert_eq!(groups.len(), api_groups.len());
    for (shown, api) in groups.iter().zip(api_groups) {
        assert_eq!(shown["relation"], api["relation"]);
        let values: Vec<Value> = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["value"].clone())
            .collect();
        assert_eq!(shown["values"], Value::Array(values));
    }
    let casualties = groups
        .iter()
        .find(|g| {
            let v: Vec<f64> = g["values"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_f64)
                .collect();
            v.contains(&2000.0) && v.contains(&600.0)
        })
        .unwrap_or_else(|| panic!("no group with 2,000 and 600: {groups:?}"));
    let relation = casualties["relation"].as_str().unwrap();
    assert!(
        ["different_measure", "conflict"].contains(&relation),
        "{casualties}"
    );
    assert_eq!(
        casualties["label"],
        relation.replace('_', " "),
        "{casualties}"
    );
    // Highlighted: not the plain white of an ordinary cell.
    let background = casualties["background"].as_str().unwrap();
    assert!(
        !["rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"].contains(&background),
        "{background}"
    );
    // Each group is explained in words above its figures, as the API explains it.
    let explained = js(
        c,
        "return [...document.querySelectorAll('table.figure-table tr[data-explains]')]
           .map(tr => tr.textContent);",
    )
    .await;
    let api_explained: Vec<Value> = api_groups
        .iter()
        .map(|g| g["explanation"].clone())
        .collect();
    assert_eq!(explained, Value::Array(api_explained));
    assert!(
        explained.as_array().unwrap().iter().any(|e| e
            .as_str()
            .is_some_and(|e| e.contains("about 2,000") && e.contains("not a contradiction"))),
        "{explained}"
    );
    let figures = c.find(Locator::Css("table.figure-table")).await.unwrap();
    std::fs::write(
        out_dir().join("ui-story-figures.png"),
        figures.screenshot().await.unwrap(),
    )
    .unwrap();

    // The quotes: a group per quote, each version's wording with its language; the
    // seeds quote Putin in both languages, named as the articles write him (not by
    // his key).
    let quotes = js(
        c,
        "return [...document.querySelectorAll('ul.quotes li.quote-group')].map(li =>
           [li.querySelector('strong').dataset.keys,
            [...li.querySelectorAll('.quote .lang-badge')].map(b => b.textContent),
            li.querySelector('strong').textContent]);",
    )
    .await;
    let quotes = quotes.as_array().unwrap();
    assert_eq!(quotes.len(), cmp["quotes"].as_array().unwrap().len());
    assert!(
        quotes.iter().any(|q| q[0] == "vladimir-putin"
            && q[1] == json!(["da", "ro"])
            && q[2].as_str().unwrap().contains("Putin")),
        "{quotes:?}"
    );
    for q in quotes {
        assert!(
            !q[2].as_str().unwrap().contains("vladimir-putin"),
            "a key shown: {q}"
        );
    }
    // Who a figure is according to: by name, as its version writes it (the Danish
    // 2,000 is "according to" a name its own sentence has), not the key.
    let according = js(
        c,
        "return [...document.querySelectorAll('table.figure-table tr[data-group]')]
           .filter(tr => tr.querySelector('td.according-to[data-key]'))
           .map(tr => [tr.querySelector('td.according-to').dataset.key,
                       tr.querySelector('td.according-to').textContent,
                       tr.querySelector('td:last-child').textContent,
                       Number(tr.querySelector('td.value').dataset.value)]);",
    )
    .await;
    let according = according.as_array().unwrap();
    assert!(!according.is_empty(), "no figure with a source");
    for a in according {
        let (key, shown) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
        assert!(!shown.is_empty() && !shown.eq_ignore_ascii_case(key), "{a}");
    }
    let danish = according
        .iter()
        .find(|a| a[3] == 2000.0)
        .unwrap_or_else(|| panic!("the 2,000 has a source: {according:?}"));
    assert!(
        danish[2]
            .as_str()
            .unwrap()
            .contains(danish[1].as_str().unwrap()),
        "{danish}"
    );
    c.find(Locator::Css("ul.quotes"))
        .await
        .unwrap()
        .screenshot()
        .await
        .map(|png| std::fs::write(out_dir().join("ui-story-quotes.png"), png).unwrap())
        .unwrap();

    // A story of one article: its header and article, no error.
    c.goto(&format!("http://{addr}/")).await.unwrap();
    wait(c, "#stories .story-row").await;
    let single = js(
        c,
        "const r = [...document.querySelectorAll('.story-row')]
           .find(r => / 1 article( |$)/.test(r.querySelector('.meta').textContent));
         return r ? r.dataset.id : null;",
    )
    .await;
    let single = single.as_str().expect("a story of one article in the list");
    c.goto(&format!("http://{addr}/#/story/{single}"))
        .await
        .unwrap();
    wait(c, &format!("#story[data-id='{single}'] ul.list a")).await;
    assert!(c.find(Locator::Css(".error")).await.is_err());

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
    wait(c, "#results .article-row").await;
    let hits = c
        .find_all(Locator::Css("#results .article-row"))
        .await
        .unwrap();
    let mut top = Vec::new();
    for h in hits.iter().take(2) {
        top.push(h.attr("data-id").await.unwrap().unwrap());
    }
    top.sort();
    assert_eq!(top, seeds);
    screenshot(c, "ui-search.png").await;

    // The Danish article, its facts highlighted in the text.
    let link = format!("#results .article-row[data-id='{da}'] a");
    c.find(Locator::Css(&link))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(c, "#article .article-text mark.f-entity").await;
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
    screenshot(c, "ui-article.png").await;

    s.end().await;
}

/// A server on `db` and a headless Chromium driving it: the address, the client, and
/// what must live as long as they do.
struct Session {
    addr: std::net::SocketAddr,
    c: Client,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), parallax_server::ServerError>>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// Starts a server on `db` (with the real model) and a headless Chromium whose window
/// is `size` (width, height) CSS pixels, and connects to it.
async fn session(db: &Path, size: (u32, u32)) -> Session {
    let state = AppState::open(ServerConfig::new(db.to_path_buf(), Some(vectors()))).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(parallax_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let driver = Driver(
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
            "--no-first-run", format!("--window-size={},{}", size.0, size.1), "--lang=en-US",
            format!("--user-data-dir={}", profile.path().display()),
        ]}),
    );
    // A headless window is at least 500 px wide: narrower is a phone's viewport,
    // emulated by the driver.
    if size.0 < 500 {
        caps["goog:chromeOptions"]["mobileEmulation"] = json!({"deviceMetrics": {
            "width": size.0, "height": size.1, "pixelRatio": 1.0, "touch": false}});
    }
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..100 {
        match fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
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
    Session {
        addr,
        c: client.expect("a WebDriver session with chromium"),
        stop,
        server,
        _driver: driver,
        _profile: profile,
    }
}

impl Session {
    async fn end(self) {
        self.c.close().await.unwrap();
        self.stop.send(()).unwrap();
        self.server.await.unwrap().unwrap();
    }
}

/// The article ids of the version columns of the table, in order.
async fn columns(c: &Client) -> Vec<String> {
    let v = js(
        c,
        "return [...document.querySelectorAll('table.versions th')].map(th => th.dataset.article);",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// The five-version flood story of the example corpus (da, de, en, fr, ro, clustered
/// into one story by the engine): two versions unchecked in the picker leave a table
/// of three columns and the choice in the URL hash; the permalink reloaded shows the
/// same three.
#[tokio::test(flavor = "multi_thread")]
async fn version_picker_on_a_five_version_story() {
    let seeded = Seeded::build("picker.db");
    let names = [
        "da-valmora",
        "de-valmora",
        "en-valmora",
        "fr-valmora",
        "ro-valmora",
    ];
    let story = seeded.story_of(names[0]);
    for n in names {
        assert_eq!(seeded.story_of(n), story, "{n} in the flood story");
    }
    let s = session(&seeded.db, (1280, 1000)).await;
    let c = &s.c;
    c.goto(&format!("http://{}/#/story/{story}", s.addr))
        .await
        .unwrap();
    wait(c, "#story table.versions th").await;
    let all = columns(c).await;
    assert_eq!(all.len(), 5, "{all:?}");
    let listed = texts(c, "details.picker .picker-list li").await;
    assert_eq!(listed.len(), 5, "{listed:?}");
    screenshot(c, "ui-picker-5-before.png").await;

    // Uncheck the German and the French versions and compare the rest.
    let (de, fr) = (seeded.id("de-valmora"), seeded.id("fr-valmora"));
    for id in [de, fr] {
        c.find(Locator::Css(&format!(
            "details.picker input[name=version][value='{id}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    c.find(Locator::Css("details.picker .pick-apply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let expected: Vec<String> = all
        .iter()
        .filter(|a| a.as_str() != de && a.as_str() != fr)
        .cloned()
        .collect();
    let three = wait_columns(c, 3).await;
    assert_eq!(three, expected);
    let url = c.current_url().await.unwrap();
    let hash = url.fragment().unwrap_or("").to_string();
    let chosen: Vec<&str> = hash
        .split("versions=")
        .nth(1)
        .unwrap_or_else(|| panic!("no choice in the hash: {hash}"))
        .split('&')
        .next()
        .unwrap()
        .split(',')
        .collect();
    let mut chosen_sorted = chosen.clone();
    chosen_sorted.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(chosen_sorted, expected_sorted, "{hash}");
    // The unchecked versions stay in the picker, unchecked.
    let checked = js(
        c,
        "return [...document.querySelectorAll('details.picker input[name=version]')].map(b => [b.value, b.checked]);",
    )
    .await;
    for pair in checked.as_array().unwrap() {
        let id = pair[0].as_str().unwrap();
        assert_eq!(pair[1], json!(id != de && id != fr), "{checked}");
    }
    screenshot(c, "ui-picker-5-after.png").await;

    // The permalink, opened afresh: the same three columns.
    c.goto("about:blank").await.unwrap();
    c.goto(url.as_str()).await.unwrap();
    let again = wait_columns(c, 3).await;
    assert_eq!(again, expected);
    screenshot(c, "ui-picker-5-permalink.png").await;
    s.end().await;
}

/// Waits (up to 60 s) for the table to have `n` version columns, and returns them.
async fn wait_columns(c: &Client, n: usize) -> Vec<String> {
    for _ in 0..600 {
        let cols = columns(c).await;
        if cols.len() == n {
            return cols;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the table never had {n} columns: {:?}", columns(c).await);
}

/// Parses CSV text (a header row, then records of as many fields) with a CSV reader.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .unwrap_or_else(|e| panic!("{e}: {text}"))
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.unwrap_or_else(|e| panic!("{e}: {text}"))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Whether the page itself scrolls sideways: the document wider than the window
/// (a wide table scrolling inside its `.wide` box does not count).
async fn overflows(c: &Client) -> Value {
    js(
        c,
        "return {scroll: document.documentElement.scrollWidth, window: window.innerWidth};",
    )
    .await
}

async fn assert_fits(c: &Client, page: &str) {
    let w = overflows(c).await;
    let (scroll, window) = (w["scroll"].as_u64().unwrap(), w["window"].as_u64().unwrap());
    assert!(
        window <= 400,
        "the window is {window} px wide, not a phone's"
    );
    assert!(
        scroll <= window,
        "{page} overflows at {window} px: {scroll} px wide"
    );
}

/// The story and article pages as a reader uses them: the seeds' story page, its
/// version headers (the Danish one credits AA) and save links (each link's URL fetched
/// from the page: the Markdown report, the two CSV tables with their header rows as the
/// comparison names its versions, the JSON comparison), the page titles, the article
/// page's entity names (not keys) and its link to its story, followed; then at 360 px
/// the story page and the list without sideways scrolling of the page.
#[tokio::test(flavor = "multi_thread")]
async fn story_and_article_pages_for_a_reader() {
    let seeded = Seeded::build("reader.db");
    let story = seeded.story_of("da-kursk");
    let da = seeded.id("da-kursk").to_string();
    let s = session(&seeded.db, (1280, 1000)).await;
    let (addr, c) = (s.addr, &s.c);
    c.goto(&format!("http://{addr}/#/story/{story}"))
        .await
        .unwrap();
    wait(c, "#story table.versions th .version-meta").await;
    let cmp = js(
        c,
        &format!("return fetch('/api/stories/{story}/compare').then(r => r.json());"),
    )
    .await;

    // The Danish version's header: where it comes from, and the photo credit.
    let da_meta = c
        .find(Locator::Css("table.versions th[lang='da'] .version-meta"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(da_meta.contains("credit: AA"), "{da_meta}");
    assert!(
        da_meta.contains("2025-09-03"),
        "the time in the header: {da_meta}"
    );

    // The save links, each fetched from the page.
    let saved = js(
        c,
        "return Promise.all([...document.querySelectorAll('.exports a[data-format]')].map(a =>
           fetch(a.href).then(r => r.text().then(t => [a.dataset.format, r.status, r.headers.get('content-type'), t]))));",
    )
    .await;
    let saved = saved.as_array().unwrap();
    let formats: Vec<&str> = saved.iter().map(|x| x[0].as_str().unwrap()).collect();
    assert_eq!(formats, ["markdown", "csv-rows", "csv-figures", "json"]);
    let body = |f: &str| -> (String, String) {
        let x = saved.iter().find(|x| x[0] == f).unwrap();
        assert_eq!(x[1], 200, "{f}: {x}");
        (
            x[2].as_str().unwrap().to_string(),
            x[3].as_str().unwrap().to_string(),
        )
    };
    let (ct, md) = body("markdown");
    assert!(ct.starts_with("text/markdown"), "{ct}");
    assert!(md.starts_with("# Comparison"), "{md}");
    let versions = cmp["versions"].as_array().unwrap();
    let mut rows_header = vec!["row".to_string(), "shared".into(), "differs".into()];
    rows_header.extend(versions.iter().map(|v| {
        let id = v["article"].as_str().unwrap();
        format!("{} {}", v["lang"].as_str().unwrap(), &id[..12])
    }));
    let (ct, text) = body("csv-rows");
    assert!(ct.starts_with("text/csv"), "{ct}");
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, rows_header);
    assert!(
        rows.iter().any(|r| r[1] == "yes") && rows.iter().any(|r| r[1] == "no"),
        "{text}"
    );
    let (ct, text) = body("csv-figures");
    assert!(ct.starts_with("text/csv"), "{ct}");
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, parallax_engine::reports::FIGURE_COLUMNS);
    let items: usize = cmp["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(rows.len(), items, "{text}");
    let (ct, text) = body("json");
    assert!(ct.starts_with("application/json"), "{ct}");
    let json_cmp: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json_cmp["versions"], cmp["versions"]);
    let permalink = c
        .find(Locator::Css(".exports a.permalink"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        permalink.ends_with(&format!("#/story/{story}")),
        "{permalink}"
    );

    // The page title names the story, as its heading does, in one of its titles.
    let (title, h1) = (
        c.title().await.unwrap(),
        c.find(Locator::Css("#story h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(title, format!("{h1} · parallax"));
    let api_story = js(
        c,
        &format!("return fetch('/api/stories/{story}').then(r => r.json());"),
    )
    .await;
    assert!(
        api_story["titles"]
            .as_object()
            .unwrap()
            .values()
            .any(|t| t.as_str() == Some(h1.as_str())),
        "{h1} among {api_story}"
    );
    screenshot(c, "ui-story-header.png").await;

    // The Danish article: its title in the page title, entity names not keys, and a
    // link to its story.
    c.goto(&format!("http://{addr}/#/article/{da}"))
        .await
        .unwrap();
    wait(c, "#article p.story-link a").await;
    let article = js(
        c,
        &format!("return fetch('/api/articles/{da}').then(r => r.json());"),
    )
    .await;
    assert_eq!(
        c.title().await.unwrap(),
        format!("{} · parallax", article["title"].as_str().unwrap())
    );
    let names = js(
        c,
        "return [...document.querySelectorAll('#article .entities .entity-name')]
           .map(e => [e.dataset.key, e.textContent]);",
    )
    .await;
    let names = names.as_array().unwrap();
    assert!(
        names.iter().any(|n| n[0] == "vladimir-putin"),
        "Putin among the entities: {names:?}"
    );
    // Each name shown is the display name the article's facts give its key ("Rusland"
    // for "Ruslands"), and is not the key.
    let facts = js(
        c,
        &format!("return fetch('/api/articles/{da}/facts').then(r => r.json());"),
    )
    .await;
    let display: std::collections::HashMap<&str, &str> = facts["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    for n in names {
        let (key, shown) = (n[0].as_str().unwrap(), n[1].as_str().unwrap());
        assert_ne!(shown, key, "a key shown: {n}");
        assert_eq!(
            Some(&shown),
            display.get(key),
            "{key}: not its display name"
        );
    }
    let shown: Vec<&str> = names.iter().map(|n| n[1].as_str().unwrap()).collect();
    assert!(!shown
        .iter()
        .any(|n| n.to_lowercase().contains("vladimir-putin")));
    assert!(shown.iter().any(|n| n.contains("Putin")), "{shown:?}");
    screenshot(c, "ui-article-entities.png").await;
    c.find(Locator::Css("#article p.story-link a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(c, &format!("#story[data-id='{story}'] table.versions")).await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with(&format!("#/story/{story}")));

    // Why each version is in the story: one folded entry per version, closed; opened,
    // it shows what `/api/articles/ID/why` answers: the Danish seed, ingested first,
    // started the story, the Romanian one joined it.
    let whys = js(
        c,
        "return [...document.querySelectorAll('#story details.why')].map(d => [d.dataset.article, d.open]);",
    )
    .await;
    let expected: Vec<Value> = versions
        .iter()
        .map(|v| json!([v["article"], false]))
        .collect();
    assert_eq!(whys, Value::Array(expected));
    let ro = seeded.id("ro-kursk").to_string();
    for (id, verdict) in [(&da, "Started story"), (&ro, "Joined story")] {
        let api = js(
            c,
            &format!("return fetch('/api/articles/{id}/why').then(r => r.json());"),
        )
        .await;
        assert_eq!(api["story"], story, "{api}");
        click(
            c,
            &format!("#story details.why[data-article='{id}'] summary"),
        )
        .await;
        let sel = format!("#story details.why[data-article='{id}'] .why-text");
        wait(c, &sel).await;
        let shown = js(
            c,
            &format!(
                "const d = document.querySelector(\"#story details.why[data-article='{id}']\");
                 return [d.querySelector('.why-text').textContent, d.querySelector('.why-verdict').textContent,
                         d.querySelector('.why-body').textContent];"
            ),
        )
        .await;
        assert_eq!(shown[0], api["explanation"]);
        let v = shown[1].as_str().unwrap();
        assert!(v.starts_with(verdict), "{v}");
        let all = shown[2].as_str().unwrap();
        assert!(!all.contains("null") && !all.contains("undefined"), "{all}");
        assert!(v.contains(&api["evidence"]["story"].to_string()), "{v}");
        if verdict == "Joined story" {
            let score = api["evidence"]["best"]["score"].as_f64().unwrap();
            assert!(v.contains(&format!("same-story score {score:.3}")), "{v}");
            // The names shared with the story, by name: Putin's key is not shown.
            let names = js(
                c,
                &format!(
                    "return [...document.querySelectorAll(\"#story details.why[data-article='{id}'] .why-names .entity-name\")]
                       .map(e => [e.dataset.key, e.textContent]);"
                ),
            )
            .await;
            let keys: Vec<&str> = api["evidence"]["best"]["features"]["shared_names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            let shown: Vec<&str> = names
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n[0].as_str().unwrap())
                .collect();
            assert_eq!(shown, keys);
            let putin = names
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n[0] == "vladimir-putin")
                .unwrap_or_else(|| panic!("Putin shared: {names}"));
            assert!(putin[1].as_str().unwrap().contains("Putin"), "{putin}");
            assert_ne!(putin[1], "vladimir-putin");
        }
    }
    js(
        c,
        &format!(
            "document.querySelector(\"#story details.why[data-article='{ro}']\").scrollIntoView();
             window.scrollBy(0, -80); return null;"
        ),
    )
    .await;
    screenshot(c, "ui-story-why.png").await;

    s.end().await;

    // A phone's width: the story page and the list fit.
    let s = session(&seeded.db, (360, 800)).await;
    let (addr, c) = (s.addr, &s.c);
    c.goto(&format!("http://{addr}/#/story/{story}"))
        .await
        .unwrap();
    wait(c, "#story table.versions th .version-meta").await;
    assert_fits(c, "the story page").await;
    screenshot(c, "ui-phone-story.png").await;
    // With the explanation of the Romanian version open.
    let ro = seeded.id("ro-kursk");
    click(
        c,
        &format!("#story details.why[data-article='{ro}'] summary"),
    )
    .await;
    let why = wait(
        c,
        &format!("#story details.why[data-article='{ro}'] .why-text"),
    )
    .await;
    assert_fits(c, "the story page with a why open").await;
    why.screenshot()
        .await
        .map(|png| std::fs::write(out_dir().join("ui-phone-story-why.png"), png).unwrap())
        .unwrap();
    c.goto(&format!("http://{addr}/#/")).await.unwrap();
    wait(c, "#stories .story-row").await;
    assert_fits(c, "the story list").await;
    screenshot(c, "ui-phone-list.png").await;
    s.end().await;
}

/// The ids (`data-id`) of the rows `css` selects, in order.
async fn row_ids(c: &Client, css: &str) -> Vec<Value> {
    let v = js(
        c,
        &format!("return [...document.querySelectorAll(\"{css}\")].map(r => r.dataset.id);"),
    )
    .await;
    v.as_array().unwrap().clone()
}

/// The ids of a list the API answers at `path` (`stories` or `articles` in it).
async fn api_ids(c: &Client, path: &str, key: &str) -> Vec<Value> {
    let v = js(c, &format!("return fetch('{path}').then(r => r.json());")).await;
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {v}"))
        .iter()
        .map(|x| json!(x["id"].to_string().trim_matches('"')))
        .collect()
}

/// Waits (up to 30 s) for the URL's fragment to be `hash` and the page to have loaded
/// (its list drawn); returns the fragment.
async fn wait_hash(c: &Client, hash: &str, list: &str) {
    for _ in 0..300 {
        let url = c.current_url().await.unwrap();
        let loading = c.find(Locator::Css("main > p.muted")).await.is_ok();
        if url.fragment() == Some(hash) && !loading && c.find(Locator::Css(list)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "never at #{hash} with {list}: {}",
        c.current_url().await.unwrap()
    );
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The article list (`#/articles`), reached from the header: every article, newest
/// first as the API pages them, each row linking the story the article is in; the
/// language filter (its choice in the fragment); paging that keeps the filter; a row's
/// story link followed. The story list's filters: language and "since" chosen in the
/// form give the stories the API gives for them, and the fragment holds them (the
/// permalink reloaded shows the same rows and the same choices); the search box finds
/// the seeds' story from an English query; the pager keeps the filters. At 360 px the
/// article list fits the window.
#[tokio::test(flavor = "multi_thread")]
async fn article_list_and_story_filters() {
    let seeded = Seeded::build("lists.db");
    let seed_story = seeded.story_of("da-kursk");
    let flood = seeded.story_of("ro-valmora");
    let s = session(&seeded.db, (1280, 1000)).await;
    let (addr, c) = (s.addr, &s.c);

    // The article list from the header link.
    c.goto(&format!("http://{addr}/")).await.unwrap();
    wait(c, "#stories .story-row").await;
    click(c, "header nav a#nav-articles").await;
    wait_hash(c, "/articles", "#articles .article-row").await;
    assert_eq!(c.title().await.unwrap(), "Articles · parallax");
    let rows = row_ids(c, "#articles .article-row").await;
    assert_eq!(rows.len(), seeded.ids.len());
    assert_eq!(rows, api_ids(c, "/api/articles", "articles").await);
    // Each row links the story its article is in.
    let links = js(
        c,
        "return [...document.querySelectorAll('#articles .article-row')]
           .map(r => [r.dataset.id, (r.querySelector('a.story-link') || {}).hash || null]);",
    )
    .await;
    for (name, id) in &seeded.ids {
        let story = seeded.story_of(name);
        assert!(
            links
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l[0] == id.as_str() && l[1] == format!("#/story/{story}").as_str()),
            "{name} links story {story}: {links}"
        );
    }
    screenshot(c, "ui-articles.png").await;

    // The language filter: the English articles only, the choice in the fragment.
    click(c, "#articles-filters select[name=lang] option[value=en]").await;
    click(c, "#articles-filters button[type=submit]").await;
    wait_hash(c, "/articles?lang=en", "#articles .article-row").await;
    let en = row_ids(c, "#articles .article-row").await;
    assert_eq!(en, api_ids(c, "/api/articles?lang=en", "articles").await);
    assert_eq!(
        en.len(),
        seeded
            .ids
            .iter()
            .filter(|(n, _)| n.starts_with("en-"))
            .count()
    );
    let langs = js(
        c,
        "return [...document.querySelectorAll('#articles .article-row')].map(r => r.dataset.lang);",
    )
    .await;
    assert!(
        langs.as_array().unwrap().iter().all(|l| l == "en"),
        "{langs}"
    );
    screenshot(c, "ui-articles-en.png").await;

    // Paging keeps the filter: one English article a page.
    c.goto(&format!("http://{addr}/#/articles?lang=en&limit=1"))
        .await
        .unwrap();
    wait_hash(c, "/articles?lang=en&limit=1", "#articles .article-row").await;
    assert_eq!(row_ids(c, "#articles .article-row").await, en[..1]);
    click(c, "#articles .pager a[rel=next]").await;
    wait_hash(c, "/articles/1?lang=en&limit=1", "#articles .article-row").await;
    assert_eq!(row_ids(c, "#articles .article-row").await, en[1..2]);
    let back = c
        .find(Locator::Css("#articles .pager a[rel=prev]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(back.as_deref(), Some("#/articles?lang=en&limit=1"));

    // A row's story link opens that story.
    let ro = seeded.id("ro-valmora");
    c.goto(&format!("http://{addr}/#/articles?lang=ro"))
        .await
        .unwrap();
    wait_hash(c, "/articles?lang=ro", "#articles .article-row").await;
    click(
        c,
        &format!("#articles .article-row[data-id='{ro}'] a.story-link"),
    )
    .await;
    wait(c, &format!("#story[data-id='{flood}'] table.versions")).await;

    // The story list's filters: Romanian stories since 2026: the flood story, not the
    // seeds' (September 2025).
    c.goto(&format!("http://{addr}/#/stories")).await.unwrap();
    wait_hash(c, "/stories", "#stories .story-row").await;
    let all = row_ids(c, "#stories .story-row").await;
    assert!(
        all.contains(&json!(seed_story.to_string())) && all.contains(&json!(flood.to_string()))
    );
    click(c, "#stories-filters select[name=lang] option[value=ro]").await;
    js(
        c,
        "document.querySelector('#stories-filters input[name=since]').value = '2026-01-01'; return null;",
    )
    .await;
    click(c, "#stories-filters button[type=submit]").await;
    wait_hash(
        c,
        "/stories?lang=ro&since=2026-01-01",
        "#stories .story-row",
    )
    .await;
    let ro_since = row_ids(c, "#stories .story-row").await;
    assert_eq!(
        ro_since,
        api_ids(c, "/api/stories?lang=ro&since=2026-01-01", "stories").await
    );
    assert_eq!(ro_since, [json!(flood.to_string())]);
    screenshot(c, "ui-stories-filtered.png").await;
    // The permalink, opened afresh: the same rows, the same choices in the form.
    let url = c.current_url().await.unwrap();
    c.goto("about:blank").await.unwrap();
    c.goto(url.as_str()).await.unwrap();
    wait_hash(
        c,
        "/stories?lang=ro&since=2026-01-01",
        "#stories .story-row",
    )
    .await;
    assert_eq!(row_ids(c, "#stories .story-row").await, ro_since);
    let form = js(
        c,
        "const f = document.getElementById('stories-filters');
         return [f.lang.value, f.since.value, f.q.value];",
    )
    .await;
    assert_eq!(form, json!(["ro", "2026-01-01", ""]));

    // The search box: an English query finds the seeds' story (Danish and Romanian).
    js(
        c,
        "document.querySelector('#stories-filters input[name=since]').value = ''; return null;",
    )
    .await;
    c.find(Locator::Css("#stories-filters input[name=q]"))
        .await
        .unwrap()
        .send_keys("Putin thanks North Korean soldiers")
        .await
        .unwrap();
    click(c, "#stories-filters button[type=submit]").await;
    let hash = "/stories?lang=ro&q=Putin+thanks+North+Korean+soldiers";
    wait_hash(c, hash, "#stories .story-row").await;
    let found = row_ids(c, "#stories .story-row").await;
    assert_eq!(
        found,
        api_ids(
            c,
            "/api/stories?lang=ro&q=Putin+thanks+North+Korean+soldiers",
            "stories"
        )
        .await
    );
    assert_eq!(
        found.first(),
        Some(&json!(seed_story.to_string())),
        "{found:?}"
    );
    screenshot(c, "ui-stories-search.png").await;

    // The pager keeps the filters: the Danish stories one a page.
    c.goto(&format!("http://{addr}/#/stories?lang=da&limit=1"))
        .await
        .unwrap();
    wait_hash(c, "/stories?lang=da&limit=1", "#stories .story-row").await;
    let da = api_ids(c, "/api/stories?lang=da", "stories").await;
    assert_eq!(da.len(), 2, "{da:?}");
    assert_eq!(row_ids(c, "#stories .story-row").await, da[..1]);
    click(c, "#stories .pager a[rel=next]").await;
    wait_hash(c, "/stories/1?lang=da&limit=1", "#stories .story-row").await;
    assert_eq!(row_ids(c, "#stories .story-row").await, da[1..]);
    let lang = js(
        c,
        "return document.getElementById('stories-filters').lang.value;",
    )
    .await;
    assert_eq!(lang, "da");
    s.end().await;

    // A phone's width: the article list and the filtered story list fit.
    let s = session(&seeded.db, (360, 800)).await;
    let (addr, c) = (s.addr, &s.c);
    c.goto(&format!("http://{addr}/#/articles")).await.unwrap();
    wait_hash(c, "/articles", "#articles .article-row").await;
    assert_fits(c, "the article list").await;
    screenshot(c, "ui-phone-articles.png").await;
    c.goto(&format!("http://{addr}/#/stories?lang=ro&since=2026-01-01"))
        .await
        .unwrap();
    wait_hash(
        c,
        "/stories?lang=ro&since=2026-01-01",
        "#stories .story-row",
    )
    .await;
    assert_fits(c, "the filtered story list").await;
    screenshot(c, "ui-phone-stories-filtered.png").await;
    s.end().await;
}

/// Articles written for these tests, with an outlet and a time each: two by an English
/// outlet in February and April 2026, a Japanese and a Russian one by outlets named in
/// their scripts, and a Danish one by an outlet with a long name (for the phone's
/// width). (name, JSON Lines record.)
fn outlet_articles() -> Vec<(&'static str, Value)> {
    vec![
        (
            "en-footbridge",
            json!({
                "lang": "en", "source": "Harbour Press", "published": "2026-02-10T08:00:00Z",
                "url": "https://harbour-press.example/2026/02/10/arnsby-footbridge",
                "title": "New footbridge opens across the Kell river in Arnsby",
                "body": "A footbridge across the Kell river opened in Arnsby on Tuesday, linking the old town with the railway station for the first time in forty years.\n\nThe bridge cost 3.2 million pounds and took eighteen months to build, the town council said.\n\n\"People will no longer have to walk two kilometres around the river,\" said the council's leader, Ruth Bellamy.",
            }),
        ),
        (
            "en-dock-strike",
            json!({
                "lang": "en", "source": "Harbour Press", "published": "2026-04-20T07:30:00Z",
                "url": "https://harbour-press.example/2026/04/20/port-selwyn-strike",
                "title": "Dock workers in Port Selwyn strike over night shifts",
                "body": "About 1,200 dock workers in Port Selwyn walked out on Monday in a dispute over new night shifts, leaving dozens of container ships waiting at anchor.\n\nThe dockers' union said the port operator had added three night shifts a week without extra pay.\n\n\"We will stay out until the shifts are withdrawn,\" said the union's spokesman, Tomas Reyes.",
            }),
        ),
        (
            "ja-dock-strike",
            json!({
                "lang": "ja", "source": "北海新報", "published": "2026-04-21T09:00:00+09:00",
                "url": "https://hokkai-shinpo.example/2026/04/21/selwyn",
                "title": "ポートセルウィンの港湾労働者がストライキ、夜勤の増加に抗議",
                "body": "ポートセルウィン港で月曜日、約1200人の港湾労働者が夜勤の増加に抗議してストライキに入った。沖合では数十隻のコンテナ船が入港を待っている。\n\n労働組合によると、港の運営会社は追加の賃金なしで週三回の夜勤を加えたという。\n\n組合の広報担当者は「夜勤が撤回されるまでストを続ける」と述べた。",
            }),
        ),
        (
            "ru-library",
            json!({
                "lang": "ru", "source": "Вечерний вестник", "published": "2026-03-05T12:00:00+03:00",
                "url": "https://vecherniy-vestnik.example/2026/03/05/biblioteka",
                "title": "Городская библиотека Северска открылась после ремонта",
                "body": "Городская библиотека Северска в четверг снова открыла двери для читателей после двухлетнего ремонта.\n\nНа ремонт здания потратили около 90 миллионов рублей, сообщила администрация города.\n\n«Мы ждали этого дня очень долго», — сказала директор библиотеки Анна Павлова.",
            }),
        ),
        (
            "da-ferry",
            json!({
                "lang": "da", "source": "Nordvestjysk Morgenavis og Limfjordens Dagblad", "published": "2026-03-20T06:00:00+01:00",
                "title": "Færgen til Venø sejler igen efter tre ugers pause",
                "body": "Færgen mellem Struer og Venø sejler igen fra lørdag efter tre ugers reparation af motoren.\n\nReparationen kostede omkring 400.000 kroner, oplyser kommunen.\n\n\"Øen har klaret sig med en lille båd i mellemtiden,\" siger færgens kaptajn, Jens Holm.",
            }),
        ),
    ]
}

/// Adds the [`outlet_articles`] to the seeded store (one JSON Lines file, ingested as
/// `parallax ingest` does, stories assigned with the real model); their ids by name.
fn add_outlet_articles(seeded: &Seeded) -> Vec<(&'static str, String)> {
    let articles = outlet_articles();
    let file = seeded._dir.path().join("outlets.jsonl");
    let lines: Vec<String> = articles.iter().map(|(_, a)| a.to_string()).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let mut store = parallax_engine::Store::open(&seeded.db).unwrap();
    let config = parallax_engine::IngestConfig {
        vectors: Some(vectors()),
        ..parallax_engine::IngestConfig::default()
    };
    let report = parallax_engine::ingest(
        &mut store,
        &[parallax_engine::Input::Path(file)],
        &config,
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.ids.len(), articles.len(), "every article stored");
    articles
        .iter()
        .zip(report.ids)
        .map(|((name, _), id)| (*name, id))
        .collect()
}

/// The story an article is in now (after merges).
fn story_of_id(db: &Path, id: &str) -> i64 {
    parallax_engine::Store::open(db)
        .unwrap()
        .assignment(&parallax_core::ArticleId(id.to_string()))
        .unwrap()
        .unwrap_or_else(|| panic!("{id} has no story"))
        .0
}

/// `s` encoded as `URLSearchParams` writes a value (application/x-www-form-urlencoded):
/// what the fragment of a list page holds.
fn form_encoded(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Chooses the filters of the list form `form` (`stories-filters` or
/// `articles-filters`): each `(name, value)` set on its control (a select's option or a
/// date), then applies the form.
async fn filter(c: &Client, form: &str, choices: &[(&str, &str)]) {
    let set = js(
        c,
        &format!(
            "const f = document.getElementById('{form}'); const choices = {};
             for (const [k, v] of choices) {{
               const el = f.elements[k];
               if (!el) return 'no control ' + k;
               if (el.tagName === 'SELECT' && ![...el.options].some(o => o.value === v)) return 'no option ' + v + ' in ' + k;
               el.value = v;
             }}
             return null;",
            json!(choices)
        ),
    )
    .await;
    assert_eq!(set, Value::Null, "{form}: {choices:?}");
    click(c, &format!("#{form} button[type=submit]")).await;
}

/// Applies the filters of a list form (`stories-filters`, `articles-filters`), waits
/// for the list the fragment `hash` names (rows or the empty answer) and returns its
/// rows by id, checked against the API's answer to the same query.
async fn filtered(c: &Client, form: &str, choices: &[(&str, &str)], hash: &str) -> Vec<Value> {
    filter(c, form, choices).await;
    let kind = form.trim_end_matches("-filters");
    let row = if kind == "stories" {
        "story-row"
    } else {
        "article-row"
    };
    wait_hash(c, hash, &format!("#{kind} .{row}, #{kind} p.empty")).await;
    let rows = row_ids(c, &format!("#{kind} .{row}")).await;
    assert_eq!(
        rows,
        api_ids(c, &format!("/api/{}", &hash[1..]), kind).await,
        "{hash}"
    );
    rows
}

/// Opens the current address afresh (a permalink): the list shows the same `rows`; the
/// form's values as `form_js` reads them.
async fn reloaded(c: &Client, hash: &str, list: &str, rows: &[Value], form_js: &str) -> Value {
    let url = c.current_url().await.unwrap();
    c.goto("about:blank").await.unwrap();
    c.goto(url.as_str()).await.unwrap();
    wait_hash(c, hash, list).await;
    assert_eq!(row_ids(c, list).await, rows, "{hash}");
    js(c, form_js).await
}

/// The text of the line above a list, or of its answer when empty.
async fn list_line(c: &Client, section: &str) -> String {
    let v = js(
        c,
        &format!("const p = document.querySelector('#{section} p.empty, #{section} p.count'); return p ? p.className + ': ' + p.textContent : null;"),
    )
    .await;
    v.as_str().unwrap_or_default().to_string()
}

/// The story and article lists by outlet and date range, with the seeds, the example
/// corpus and articles of five outlets written here (one Japanese, one Russian, named in
/// their scripts): the outlet select holds what `/api/sources` answers; an outlet and a
/// range chosen in the form give exactly the stories the API gives for them (the one
/// story with the Japanese outlet's article in April; the English outlet's February
/// story with the language filter on too); the fragment holds the filters, and the
/// permalink reloaded shows the same rows and choices; the article list filters the
/// same way; an empty range says in words that nothing matches; a story search keeps
/// the outlet. At 360 px the filtered lists and the empty answer fit the window.
#[tokio::test(flavor = "multi_thread")]
async fn story_and_article_lists_by_outlet_and_dates() {
    let seeded = Seeded::build("outlets.db");
    let ids = add_outlet_articles(&seeded);
    let id = |name: &str| ids.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    let (bridge, ja, ru) = (id("en-footbridge"), id("ja-dock-strike"), id("ru-library"));
    let s = session(&seeded.db, (1280, 1000)).await;
    let (addr, c) = (s.addr, &s.c);
    c.goto(&format!("http://{addr}/#/stories")).await.unwrap();
    wait_hash(c, "/stories", "#stories .story-row").await;

    // The outlet select: "all outlets", then every outlet /api/sources names, in its
    // order, with its article count.
    let api_sources = js(c, "return fetch('/api/sources').then(r => r.json());").await;
    let mut expected = vec![json!(["", "all outlets"])];
    for x in api_sources["sources"].as_array().unwrap() {
        let name = x["source"].as_str().unwrap();
        expected.push(json!([name, format!("{name} ({})", x["articles"])]));
    }
    for name in ["Harbour Press", "北海新報", "Вечерний вестник"] {
        assert!(
            expected.iter().any(|e| e[0] == name),
            "{name} in {api_sources}"
        );
    }
    let options = js(
        c,
        "return [...document.querySelectorAll('#stories-filters select[name=source] option')].map(o => [o.value, o.textContent]);",
    )
    .await;
    assert_eq!(options, Value::Array(expected));
    assert!(options
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o[1] == "Harbour Press (2)"));

    // The Japanese outlet in April 2026: the story its article is in, nothing else.
    let hash = format!(
        "/stories?source={}&since=2026-04-01&until=2026-04-30",
        form_encoded("北海新報")
    );
    let rows = filtered(
        c,
        "stories-filters",
        &[
            ("source", "北海新報"),
            ("since", "2026-04-01"),
            ("until", "2026-04-30"),
        ],
        &hash,
    )
    .await;
    assert_eq!(rows, [json!(story_of_id(&seeded.db, &ja).to_string())]);
    let outlets = texts(c, "#stories .story-row .outlets").await;
    assert!(
        outlets.len() == 1 && outlets[0].contains("北海新報"),
        "{outlets:?}"
    );
    let line = list_line(c, "stories").await;
    assert!(
        line.contains("1 story from 北海新報, 2026-04-01 to 2026-04-30"),
        "{line}"
    );
    screenshot(c, "ui-stories-outlet.png").await;

    // The permalink, opened afresh: the same row, the same choices in the form.
    let form = reloaded(
        c,
        &hash,
        "#stories .story-row",
        &rows,
        "const f = document.getElementById('stories-filters');
         return [f.lang.value, f.source.value, f.since.value, f.until.value, f.q.value];",
    )
    .await;
    assert_eq!(
        form,
        json!(["", "北海新報", "2026-04-01", "2026-04-30", ""])
    );

    // With the language filter: the English outlet's English stories in February, the
    // footbridge's only.
    let rows = filtered(
        c,
        "stories-filters",
        &[
            ("lang", "en"),
            ("source", "Harbour Press"),
            ("since", "2026-02-01"),
            ("until", "2026-02-28"),
        ],
        "/stories?lang=en&source=Harbour+Press&since=2026-02-01&until=2026-02-28",
    )
    .await;
    assert_eq!(rows, [json!(story_of_id(&seeded.db, &bridge).to_string())]);
    // The whole of 2026 for that outlet: both its stories, the most recent first.
    let rows = filtered(
        c,
        "stories-filters",
        &[
            ("lang", ""),
            ("since", "2026-01-01"),
            ("until", "2026-12-31"),
        ],
        "/stories?source=Harbour+Press&since=2026-01-01&until=2026-12-31",
    )
    .await;
    let strike = story_of_id(&seeded.db, &id("en-dock-strike"));
    assert_eq!(
        rows,
        [
            json!(strike.to_string()),
            json!(story_of_id(&seeded.db, &bridge).to_string())
        ]
    );

    // An empty range: said in words, the filters named; the API agrees.
    let rows = filtered(
        c,
        "stories-filters",
        &[("since", "2025-01-01"), ("until", "2025-06-30")],
        "/stories?source=Harbour+Press&since=2025-01-01&until=2025-06-30",
    )
    .await;
    assert!(rows.is_empty());
    let api = js(
        c,
        "return fetch('/api/stories?source=Harbour+Press&since=2025-01-01&until=2025-06-30').then(r => r.json());",
    )
    .await;
    assert_eq!(api["total"], 0, "{api}");
    let line = list_line(c, "stories").await;
    assert_eq!(
        line,
        "muted empty: No story matches these filters: from Harbour Press, 2025-01-01 to 2025-06-30."
    );
    screenshot(c, "ui-stories-outlet-empty.png").await;
    // A range that ends before it starts: nothing, and it says why.
    let rows = filtered(
        c,
        "stories-filters",
        &[("since", "2026-05-01"), ("until", "2026-04-01")],
        "/stories?source=Harbour+Press&since=2026-05-01&until=2026-04-01",
    )
    .await;
    assert!(rows.is_empty());
    assert_eq!(
        list_line(c, "stories").await,
        "muted empty: No story matches these filters: from Harbour Press, 2026-05-01 to 2026-04-01 (the range ends before it starts)."
    );

    // A story search keeps the outlet and the range: the English query finds the
    // strike story among the English outlet's 2026 stories.
    let found = filtered(
        c,
        "stories-filters",
        &[
            ("since", "2026-01-01"),
            ("until", "2026-12-31"),
            ("q", "dockers strike at the port"),
        ],
        "/stories?source=Harbour+Press&since=2026-01-01&until=2026-12-31&q=dockers+strike+at+the+port",
    )
    .await;
    assert_eq!(found.first(), Some(&json!(strike.to_string())), "{found:?}");

    // The article list: the Russian outlet in March 2026, its one article.
    c.goto(&format!("http://{addr}/#/articles")).await.unwrap();
    wait_hash(c, "/articles", "#articles .article-row").await;
    let hash = format!(
        "/articles?source={}&since=2026-03-01&until=2026-03-31",
        form_encoded("Вечерний вестник")
    );
    let rows = filtered(
        c,
        "articles-filters",
        &[
            ("source", "Вечерний вестник"),
            ("since", "2026-03-01"),
            ("until", "2026-03-31"),
        ],
        &hash,
    )
    .await;
    assert_eq!(rows, [json!(ru)]);
    screenshot(c, "ui-articles-outlet.png").await;
    // Reloaded: the same.
    let form = reloaded(
        c,
        &hash,
        "#articles .article-row",
        &rows,
        "const f = document.getElementById('articles-filters');
         return [f.source.value, f.since.value, f.until.value, !!f.q];",
    )
    .await;
    assert_eq!(
        form,
        json!(["Вечерний вестник", "2026-03-01", "2026-03-31", false])
    );
    // The same outlet in April: nothing, said so.
    let hash = format!(
        "/articles?source={}&since=2026-04-01&until=2026-04-30",
        form_encoded("Вечерний вестник")
    );
    let rows = filtered(
        c,
        "articles-filters",
        &[("since", "2026-04-01"), ("until", "2026-04-30")],
        &hash,
    )
    .await;
    assert!(rows.is_empty());
    assert_eq!(
        list_line(c, "articles").await,
        "muted empty: No article matches these filters: from Вечерний вестник, 2026-04-01 to 2026-04-30."
    );
    s.end().await;

    // A phone's width: the filtered lists (the long outlet name in the select) and the
    // empty answer fit.
    let s = session(&seeded.db, (360, 800)).await;
    let (addr, c) = (s.addr, &s.c);
    let long = form_encoded("Nordvestjysk Morgenavis og Limfjordens Dagblad");
    for (hash, list, shot) in [
        (
            format!("/stories?source={long}&since=2026-03-01&until=2026-03-31"),
            "#stories .story-row",
            "ui-phone-stories-outlet.png",
        ),
        (
            "/stories?source=Harbour+Press&since=2025-01-01&until=2025-06-30".to_string(),
            "#stories p.empty",
            "ui-phone-stories-outlet-empty.png",
        ),
        (
            format!(
                "/articles?source={}&since=2026-03-01&until=2026-03-31",
                form_encoded("Вечерний вестник")
            ),
            "#articles .article-row",
            "ui-phone-articles-outlet.png",
        ),
    ] {
        c.goto(&format!("http://{addr}/#{hash}")).await.unwrap();
        wait_hash(c, &hash, list).await;
        assert_fits(c, &hash).await;
        screenshot(c, shot).await;
    }
    s.end().await;
}

/// A WebDriver command fantoccini has no call for: chromedriver's
/// `POST /session/{id}/goog/cdp/execute`, which runs a Chrome DevTools command.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// Emulates `media` ("print", or "" for the screen) in the page.
async fn emulate_media(c: &Client, media: &str) {
    c.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({ "media": media })))
        .await
        .unwrap_or_else(|e| panic!("Emulation.setEmulatedMedia {media:?}: {e}"));
}

/// How the page lays out what print must hide and show: the `display` of the header,
/// its navigation and search form, the version picker, the save links and every
/// button; the comparison table's display, height, and its cells' colours; what the
/// first link to an original prints after it; the page's address for paper.
async fn print_layout(c: &Client) -> Value {
    js(
        c,
        "const d = (css) => { const el = document.querySelector(css); return el ? getComputedStyle(el).display : 'absent'; };
         const table = document.querySelector('table.versions, #article .article-text');
         const cells = [...document.querySelectorAll('table.versions td, table.versions th, table.figure-table td')];
         const original = document.querySelector('a[href^=\"http\"]');
         return {
           print: matchMedia('print').matches,
           header: d('header'), nav: d('header nav'), search: d('#search-form'),
           picker: d('details.picker'), exports: d('.exports'),
           buttons: [...document.querySelectorAll('button')].map(b => getComputedStyle(b).display),
           table: table ? getComputedStyle(table).display : 'absent',
           table_height: table ? table.getBoundingClientRect().height : 0,
           colours: [...new Set(cells.map(td => getComputedStyle(td).color + ' on ' + getComputedStyle(td).backgroundColor))],
           body: getComputedStyle(document.body).backgroundColor,
           links: [...new Set([...document.querySelectorAll('main a')].filter(a => a.getClientRects().length).map(a => getComputedStyle(a).color))],
           original: original ? [original.href, getComputedStyle(original, '::after').content] : null,
           address: [d('.print-address'), (document.querySelector('.print-address') || {}).textContent || null],
           url: location.href,
         };",
    )
    .await
}

/// The print style sheet, with print media emulated through chromedriver's DevTools
/// endpoint: on the seeds' story page the header, its navigation and search, the
/// version picker, the save links and the buttons are hidden, the comparison table and
/// the figure table are shown, black on white, and the page's address is printed under
/// the heading; on an article page the link to the original prints its address. On screen (before, and after the emulation is lifted)
/// they are all shown. Screenshots of both pages as printed, and the story page printed
/// to PDF through WebDriver's print command.
#[tokio::test(flavor = "multi_thread")]
async fn print_style_sheet_on_story_and_article_pages() {
    let seeded = Seeded::build("print.db");
    let ids = add_outlet_articles(&seeded);
    let story = seeded.story_of("da-kursk");
    let s = session(&seeded.db, (1280, 1000)).await;
    let (addr, c) = (s.addr, &s.c);
    c.goto(&format!("http://{addr}/#/story/{story}"))
        .await
        .unwrap();
    wait(c, "#story table.versions th .version-meta").await;
    wait(c, "#story table.figure-table").await;

    // On screen: everything shown.
    let screen = print_layout(c).await;
    assert_eq!(screen["print"], false, "{screen}");
    for k in ["header", "nav", "search", "picker", "exports"] {
        assert!(
            !["none", "absent"].contains(&screen[k].as_str().unwrap()),
            "{k} on screen: {screen}"
        );
    }
    assert!(
        screen["buttons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b != "none"),
        "{screen}"
    );
    assert_eq!(screen["table"], "table", "{screen}");
    assert_eq!(screen["address"][0], "none", "{screen}");

    // Printed: the content only, black on white.
    emulate_media(c, "print").await;
    let print = print_layout(c).await;
    assert_eq!(print["print"], true, "{print}");
    for k in ["header", "nav", "search", "picker", "exports"] {
        assert_eq!(print[k], "none", "{k} in print: {print}");
    }
    let buttons = print["buttons"].as_array().unwrap();
    assert!(
        !buttons.is_empty() && buttons.iter().all(|b| b == "none"),
        "{print}"
    );
    assert_eq!(print["table"], "table", "{print}");
    assert!(print["table_height"].as_f64().unwrap() > 50.0, "{print}");
    assert_eq!(
        print["colours"],
        json!(["rgb(0, 0, 0) on rgb(255, 255, 255)"]),
        "{print}"
    );
    assert_eq!(print["body"], "rgb(255, 255, 255)", "{print}");
    assert_eq!(print["links"], json!(["rgb(0, 0, 0)"]), "{print}");
    // Where to open it again: the page's address (its permalink) under the heading.
    assert_eq!(print["address"][0], "block", "{print}");
    assert_eq!(
        print["address"][1],
        format!("Printed from {}", print["url"].as_str().unwrap()),
        "{print}"
    );
    screenshot(c, "ui-print-story.png").await;
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    std::fs::write(out_dir().join("ui-print-story.pdf"), pdf).unwrap();

    // The screen again: shown again.
    emulate_media(c, "").await;
    let again = print_layout(c).await;
    assert_eq!(again["print"], false);
    assert_eq!(again["header"], screen["header"], "{again}");
    assert_eq!(again["picker"], screen["picker"], "{again}");

    // An article with an original: printed, its link shows where it leads.
    let ru = &ids.iter().find(|(n, _)| *n == "ru-library").unwrap().1;
    c.goto(&format!("http://{addr}/#/article/{ru}"))
        .await
        .unwrap();
    wait(c, "#article .article-text").await;
    let screen = print_layout(c).await;
    let original = "https://vecherniy-vestnik.example/2026/03/05/biblioteka";
    assert_eq!(screen["original"][0], original, "{screen}");
    assert!(
        !screen["original"][1].as_str().unwrap().contains(original),
        "{screen}"
    );
    // Its quote's speaker by name (as the article writes it), not by key.
    let speaker = js(
        c,
        "const s = document.querySelector('#article ul.quotes strong'); return s ? [s.dataset.key, s.textContent] : null;",
    )
    .await;
    assert_eq!(speaker[1], "Анна Павлова", "{speaker}");
    assert_ne!(speaker[0], speaker[1], "{speaker}");
    emulate_media(c, "print").await;
    let print = print_layout(c).await;
    assert_eq!(print["header"], "none", "{print}");
    assert_eq!(
        print["original"][1],
        format!("\" <{original}>\""),
        "{print}"
    );
    assert_eq!(print["address"][0], "block", "{print}");
    assert_eq!(print["links"], json!(["rgb(0, 0, 0)"]), "{print}");
    screenshot(c, "ui-print-article.png").await;
    emulate_media(c, "").await;
    s.end().await;
}

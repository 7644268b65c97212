//! Inputs as users hand them over, through the real binary: dates in the forms exports
//! write, a batch with a missing file, read-only commands on a store that does not
//! exist, minified and gzipped pages, pages without a body, text that is not language,
//! and a closed pipe.

mod common;

use common::{json, parallax, stderr, stdout};
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn articles(db: &Path) -> Vec<Value> {
    json(db, &["articles", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn by_title<'a>(arts: &'a [Value], title: &str) -> &'a Value {
    arts.iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no article {title:?} in {arts:#?}"))
}

/// A JSON Lines record with a sentence of its own, so that every id differs.
fn record(title: &str, date: Value, extra: &str) -> String {
    format!(
        "{{\"title\": {}, \"body\": \"The council met on {title} to discuss the new bridge and the budget for the harbour.\", \"published\": {date}{extra}}}\n",
        Value::from(title)
    )
}

#[test]
fn dates_are_read_as_exports_write_them_and_never_cost_an_article() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dates.jsonl");
    let cases: &[(&str, Value, &str, Option<&str>)] = &[
        (
            "Postgres",
            "2024-08-28 07:35:03+02".into(),
            "",
            Some("2024-08-28T07:35:03+02:00"),
        ),
        (
            "Fraction",
            "2024-08-28T07:35:03.123456Z".into(),
            "",
            Some("2024-08-28T07:35:03.123456Z"),
        ),
        (
            "Naive",
            "2024-08-28 07:35:03".into(),
            "",
            Some("2024-08-28"),
        ),
        (
            "Mail",
            "Wed, 28 Aug 2024 07:35:03 +0200".into(),
            "",
            Some("2024-08-28T07:35:03+02:00"),
        ),
        (
            "Epoch",
            1_724_823_303.into(),
            "",
            Some("2024-08-28T05:35:03Z"),
        ),
        ("Dotted", "28.08.2024".into(), "", Some("2024-08-28")),
        (
            "Unreadable",
            "next tuesday".into(),
            ", \"url\": \"https://news.example/2024/08/27/council\"",
            Some("2024-08-27"),
        ),
        ("Undated", "sometime".into(), "", None),
        ("Future", "2999-01-01".into(), "", None),
        ("Ancient", "1850-06-01".into(), "", None),
    ];
    let body: String = cases
        .iter()
        .map(|(t, d, extra, _)| record(t, d.clone(), extra))
        .collect();
    fs::write(&file, body).unwrap();
    let db = dir.path().join("p.db");
    let o = parallax(&db, &["ingest", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        stdout(&o).trim(),
        format!(
            "{n} read, {n} new, 0 unchanged, 0 rejected",
            n = cases.len()
        )
    );
    let arts = articles(&db);
    for (title, _, _, want) in cases {
        let a = by_title(&arts, title);
        assert_eq!(a["published"].as_str(), *want, "{title}: {a:#}");
    }
    let warning = |needle: &str| {
        err.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no warning about {needle}: {err}"))
            .to_string()
    };
    let w = warning("next tuesday");
    assert!(
        w.contains("dates.jsonl:7: record 7: field `published`: warning")
            && w.contains("kept with the date in its URL, 2024-08-27"),
        "{w}"
    );
    assert!(warning("sometime").contains("kept without a date"));
    assert!(warning("2999-01-01").contains("outside 1900-01-01 to tomorrow"));
    assert!(warning("1850-06-01").contains("outside 1900-01-01 to tomorrow"));
    // The unreadable value is kept as it was.
    assert_eq!(
        by_title(&arts, "Undated")["metadata"]["published"],
        "sometime"
    );
}

const GOOD: &str = "{\"title\": \"Harbour reopens after storm\", \"body\": \"The harbour reopened on Tuesday after three days of storms.\"}\n";

#[test]
fn a_missing_input_is_named_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    fs::write(&good, GOOD).unwrap();
    let missing = dir.path().join("missing.txt");
    let db = dir.path().join("p.db");
    let o = parallax(
        &db,
        &["ingest", good.to_str().unwrap(), missing.to_str().unwrap()],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}: error: no such file or folder",
            missing.display()
        )),
        "{err}"
    );
    assert_eq!(stdout(&o).trim(), "2 read, 1 new, 0 unchanged, 1 rejected");
    assert_eq!(articles(&db).len(), 1);
}

#[test]
fn read_only_commands_never_create_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    for args in [
        &["stories"][..],
        &["stories", "--json"],
        &["articles"],
        &["articles", "--json"],
        &["show", "abcdef"],
        &["facts", "abcdef"],
        &["story", "1"],
        &["why", "abcdef"],
        &["compare", "abcdef", "123456"],
    ] {
        let o = parallax(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o).trim(),
            format!("parallax: no store at {}", db.display()),
            "{args:?}"
        );
        assert!(!db.exists(), "{args:?} created {}", db.display());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "{args:?}");
    }
    // An empty file is not a store either, and is left empty.
    fs::write(&db, "").unwrap();
    let o = parallax(&db, &["articles"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no store at") && stderr(&o).contains("the file is empty"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::metadata(&db).unwrap().len(), 0);
    // A real store reads as before.
    fs::remove_file(&db).unwrap();
    let good = dir.path().join("good.jsonl");
    fs::write(&good, GOOD).unwrap();
    assert_eq!(
        parallax(&db, &["ingest", good.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(articles(&db).len(), 1);
    let o = parallax(&db, &["show", "abcdef"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no article"), "{}", stderr(&o));
}

/// A page written without a byte of whitespace between its tags.
const MINIFIED: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bridge closed in Portland</title><meta property=\"article:published_time\" content=\"2024-03-05T09:30:00Z\"></head><body><header><nav><a href=\"/\">Home</a><a href=\"/news\">News</a></nav></header><article><h1>Bridge closed in Portland</h1><p>The city closed the Morrison Bridge on Monday after inspectors found cracks in two of its steel beams.</p><p>Engineers said repairs would take at least three weeks and that buses would be diverted across the Hawthorne Bridge.</p><h2>Traffic on other bridges</h2><p>Commuters faced long queues on the remaining crossings during the morning rush, the transport office said.</p></article><footer>© The Portland Courier</footer></body></html>";

#[test]
fn pages_minified_gzipped_and_without_a_body() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a-minified.html"), MINIFIED).unwrap();
    let gz = |name: &str, text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        fs::write(input.join(name), e.finish().unwrap()).unwrap();
    };
    gz(
        "b-zipped.html.gz",
        &MINIFIED
            .replace("Portland", "Salem")
            .replace("Morrison", "Marion"),
    );
    gz(
        "c-zipped.htm.gz",
        &MINIFIED
            .replace("Portland", "Eugene")
            .replace("Morrison", "Ferry Street"),
    );
    fs::write(
        input.join("d-nobody.html"),
        "<!doctype html><html><head><title>No body here</title></head><body><h1>No body here</h1></body></html>",
    )
    .unwrap();
    let db = dir.path().join("p.db");
    let o = parallax(&db, &["ingest", input.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        stdout(&o).trim(),
        "4 read, 3 new, 0 unchanged, 1 rejected",
        "{err}"
    );
    let nobody = err.lines().find(|l| l.contains("d-nobody.html")).unwrap();
    assert!(
        nobody.contains("error: no article text found in the page, only its title"),
        "{nobody}"
    );
    let arts = articles(&db);
    for city in ["Portland", "Salem", "Eugene"] {
        let a = by_title(&arts, &format!("Bridge closed in {city}"));
        let paras: Vec<(&str, &str)> = a["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["kind"].as_str().unwrap(), p["text"].as_str().unwrap()))
            .collect();
        assert_eq!(paras.len(), 4, "{city}: {paras:#?}");
        assert!(paras[0].1.starts_with("The city closed the"), "{paras:?}");
        assert!(paras[0].1.ends_with("steel beams."), "{paras:?}");
        assert_eq!(paras[2], ("subheading", "Traffic on other bridges"));
        assert_eq!(a["published"], "2024-03-05T09:30:00Z");
        // Sentences never run across a block edge.
        for s in a["sentences"].as_array().unwrap() {
            let t = s["text"].as_str().unwrap();
            assert!(!t.contains(&format!("{city}The")), "{t}");
        }
    }
}

#[test]
fn text_that_is_not_language_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    // High bytes without a NUL or a control byte: noise that decodes to characters.
    let mut x: u32 = 2463534242;
    let noise: Vec<u8> = (0..6000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            0x80 + (x % 128) as u8
        })
        .collect();
    fs::write(input.join("a-noise.txt"), &noise).unwrap();
    fs::write(
        input.join("b-menu.txt"),
        "Home\nNews\nSport\nWeather\nContact us\nAbout\n",
    )
    .unwrap();
    fs::write(input.join("c-good.jsonl"), GOOD).unwrap();
    let db = dir.path().join("p.db");
    let o = parallax(&db, &["ingest", input.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        stdout(&o).trim(),
        "3 read, 1 new, 0 unchanged, 2 rejected",
        "{err}"
    );
    let line = |name: &str| {
        err.lines()
            .find(|l| l.contains(name) && l.contains("error"))
            .unwrap_or_else(|| panic!("{name}: {err}"))
    };
    assert!(line("a-noise.txt").contains("not language"), "{err}");
    assert!(line("b-menu.txt").contains("menu"), "{err}");
    assert_eq!(articles(&db).len(), 1);
}

#[test]
fn a_closed_pipe_is_a_clean_exit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.jsonl");
    // Enough JSON to fill a pipe (64 KiB) well over.
    let body: String = (0..12)
        .map(|i| {
            let para = format!("Paragraph {i} of the long report says the council will meet again next week to decide on the harbour. ").repeat(30);
            format!(
                "{{\"title\": \"Council report part {i}\", \"body\": {}}}\n",
                Value::from(para)
            )
        })
        .collect();
    fs::write(&file, body).unwrap();
    let db = dir.path().join("p.db");
    assert_eq!(
        parallax(&db, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    for args in [&["articles", "--json"][..], &["articles"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parallax"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The pipe is closed here, as `head -c 100` closes it.
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn an_address_in_use_is_said_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let o = parallax(&dir.path().join("p.db"), &["serve", "--addr", &addr]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("in use").count(), 1, "{err}");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.contains(&addr), "{err}");
}

/// One HTTP/1.1 exchange: the status and the body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn story(who: &str, i: usize) -> String {
    format!(
        "{{\"title\": \"Harbour report {i} by {who}\", \"body\": \"Report {i} from {who}: the council met to discuss the harbour budget, the new bridge and the ferry timetable for the summer.\"}}"
    )
}

#[test]
fn a_server_a_cli_ingest_and_posts_on_one_store_lose_nothing() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let mut server = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("parallax serves http://")
        .trim_end_matches('/')
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");

    let file = dir.path().join("cli.jsonl");
    let cli_n = 20;
    let lines: String = (0..cli_n).map(|i| story("the CLI", i) + "\n").collect();
    fs::write(&file, lines).unwrap();
    let (posters, per_poster) = (3, 5);
    std::thread::scope(|s| {
        let ingest = s.spawn(|| parallax(&db, &["ingest", file.to_str().unwrap()]));
        let posts: Vec<_> = (0..posters)
            .map(|p| {
                let addr = addr.clone();
                s.spawn(move || {
                    (0..per_poster)
                        .map(|i| {
                            http(
                                &addr,
                                "POST",
                                "/api/articles",
                                &story(&format!("poster {p}"), i),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let reads = s.spawn(|| {
            (0..20)
                .map(|_| {
                    [
                        http(&addr, "GET", "/api/articles?limit=500", ""),
                        http(&addr, "GET", "/api/search?q=harbour", ""),
                        http(&addr, "GET", "/api/stories", ""),
                    ]
                })
                .collect::<Vec<_>>()
        });
        let o = ingest.join().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("locked"), "{}", stderr(&o));
        for p in posts {
            for (status, body) in p.join().unwrap() {
                assert_eq!(status, 200, "{body}");
            }
        }
        for (status, body) in reads.join().unwrap().into_iter().flatten() {
            assert_eq!(status, 200, "{body}");
        }
    });
    // Within seconds the server answers with everything every process stored.
    let want = (cli_n + posters * per_poster) as u64;
    let mut health = Value::Null;
    for _ in 0..100 {
        let (_, body) = http(&addr, "GET", "/api/health", "");
        health = serde_json::from_str(&body).unwrap();
        if health["articles"] == want && health["vectors"] == want {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(health["articles"], want, "{health}");
    assert_eq!(health["vectors"], want, "{health}");
    let (_, body) = http(
        &addr,
        "GET",
        "/api/search?q=Report%207%20from%20the%20CLI",
        "",
    );
    let hits: Value = serde_json::from_str(&body).unwrap();
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["title"] == "Harbour report 7 by the CLI" && h["vector_rank"].is_number()),
        "{hits}"
    );
    server.kill().unwrap();
    let o = server.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("locked"), "{}", stderr(&o));
    assert_eq!(articles(&db).len() as u64, want);
}

#[test]
fn a_server_whose_output_is_closed_keeps_serving() {
    // A supervisor that starts the server and closes its end of the output pipe
    // before the banner is written must not kill the server (it did: the banner's
    // write to a closed pipe panicked, and every client got a connection reset).
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .arg("--db")
        .arg(dir.path().join("p.db"))
        .args(["serve", "--addr", &addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(server.stdout.take());
    let mut answered = None;
    for _ in 0..300 {
        if let Some(status) = server.try_wait().unwrap() {
            panic!("the server stopped with {status} after its output was closed");
        }
        if std::net::TcpStream::connect(&addr).is_ok() {
            answered = Some(http(&addr, "GET", "/api/health", ""));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, body) = answered.expect("the server never listened");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&addr, "POST", "/api/articles", &story("a supervisor", 1));
    assert_eq!(status, 200, "{body}");
    assert!(server.try_wait().unwrap().is_none(), "the server stopped");
    server.kill().unwrap();
    server.wait().unwrap();
}

//! Ingest through the real binary: the seed articles, idempotent re-ingest, and every
//! kind of bad input named with its file and line while the rest of the batch is kept.

mod common;

use common::{json, parallax, shared, stderr, stdout};
use serde_json::Value;
use std::fs;

fn by_lang<'a>(arts: &'a Value, lang: &str) -> &'a Value {
    arts.as_array()
        .unwrap()
        .iter()
        .find(|a| a["lang"] == lang)
        .unwrap_or_else(|| panic!("no {lang} article"))
}

/// Line `n` (1-based) of a seed file, as written.
fn seed_line(file: &str, n: usize) -> String {
    let text = fs::read_to_string(shared("corpus/seeds").join(file)).unwrap();
    text.lines().nth(n - 1).unwrap().to_string()
}

fn count(a: &Value, kind: &str) -> usize {
    a["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .count()
}

#[test]
fn seeds_are_stored_with_every_field_and_reingest_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let seeds = shared("corpus/seeds");
    let o = parallax(&db, &["ingest", seeds.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "2 read, 2 new, 0 unchanged, 0 rejected");

    let arts = json(&db, &["articles", "--json"]);
    assert_eq!(arts.as_array().unwrap().len(), 2);
    let da = by_lang(&arts, "da");
    assert_eq!(da["published"], "2025-09-03");
    assert_eq!(da["category"], "KRIG");
    assert_eq!(
        da["title"],
        "Putin: ‘Modige’ nordkoreanske soldater deltog i Ukraine-krigen på Kims initiativ"
    );
    assert!(da["standfirst"]
        .as_str()
        .unwrap()
        .starts_with("Udtalelsen markerer første gang"));
    assert_eq!(da["credit"], "AA");
    assert_eq!(da["dateline"], "2025-09-03");
    assert_eq!(count(da, "paragraph"), 15);
    assert_eq!(count(da, "subheading"), 1);
    let sub = da["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "subheading")
        .unwrap();
    assert_eq!(sub["text"], "Et strategisk partnerskab");
    assert!(da["lang_confidence"].as_f64().unwrap() > 0.5);
    assert!(da["source_path"]
        .as_str()
        .unwrap()
        .ends_with("da-kursk-2025-09-03.txt"));
    assert!(da["caption"].as_str().unwrap().len() > 20);

    let ro = by_lang(&arts, "ro");
    assert_eq!(ro["category"], "LUME");
    // The Romanian file has the title on line 2 and the standfirst on line 3.
    assert_eq!(ro["title"], seed_line("ro-kursk-2025-09-03.txt", 2));
    assert_eq!(ro["standfirst"], seed_line("ro-kursk-2025-09-03.txt", 3));
    assert!(ro["title"].as_str().unwrap().starts_with("Putin îi"));
    assert_eq!(ro["credit"], "Reuters");
    assert_eq!(ro["dateline"], "2025-09-03");
    assert_eq!(count(ro, "paragraph"), 13);
    assert_eq!(count(ro, "subheading"), 1);
    let sub = ro["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "subheading")
        .unwrap();
    assert_eq!(sub["text"], "Mii de soldați");

    // Every sentence span points at its text.
    for a in [da, ro] {
        let sents = a["sentences"].as_array().unwrap();
        assert!(sents.len() > 15);
        let shown = json(&db, &["show", a["id"].as_str().unwrap(), "--json"]);
        assert_eq!(&shown, a);
    }

    let o = parallax(&db, &["ingest", seeds.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), "2 read, 0 new, 2 unchanged, 0 rejected");
    assert_eq!(
        json(&db, &["articles", "--json"]).as_array().unwrap().len(),
        2
    );
    assert_eq!(
        json(&db, &["articles", "--lang", "ro", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

const GOOD_TEXT: &str = " date 2026-05-02 SPORT
Cyklisterne kørte gennem regnen
Over tusind ryttere stillede til start i lørdagens løb.
Rytterne på vej op ad bakken. / Privatfoto
2. maj 2026

Løbet blev kørt i silende regn, men stemningen var god.
";

#[test]
fn bad_inputs_are_named_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a-good.txt"), GOOD_TEXT).unwrap();
    fs::write(input.join("b-empty.txt"), "").unwrap();
    fs::write(
        input.join("c-binary.txt"),
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00binary",
    )
    .unwrap();
    // Windows-1252 and ISO-8859-2 text, as old newsroom systems write it.
    let fr = " date 2026-04-11 MONDE\nLe président a reçu les élèves à l'Élysée\nUne rencontre très attendue par les écoles.\n\nLe président a déclaré à la télévision qu'il était très fier des élèves français.\n";
    fs::write(
        input.join("d-cp1252.txt"),
        encoding_rs::WINDOWS_1252.encode(fr).0,
    )
    .unwrap();
    let pl = " date 2026-04-12 ŚWIAT\nPrezydent spotkał się z żołnierzami w Łodzi\nŻołnierze otrzymali odznaczenia za służbę.\n\nPrezydent powiedział, że żołnierze walczyli dzielnie i że państwo będzie o nich pamiętać.\n";
    fs::write(
        input.join("e-latin2.txt"),
        encoding_rs::ISO_8859_2.encode(pl).0,
    )
    .unwrap();
    fs::write(
        input.join("f-records.jsonl"),
        "{\"title\": \"Harbour reopens after storm\", \"body\": \"The harbour reopened on Tuesday after three days of storms.\", \"published\": \"2026-02-03\"}\n{\"title\": \"Broken\", \"body\": \n{\"title\": \"Ferry service resumes\", \"body\": \"Ferries sailed again on Wednesday morning.\", \"published\": \"2026-02-04\"}\n",
    )
    .unwrap();
    fs::write(
        input.join("g-baddate.txt"),
        GOOD_TEXT
            .replace("2026-05-02", "2025-02-30")
            .replace("regnen", "sneen"),
    )
    .unwrap();

    let db = dir.path().join("p.db");
    let o = parallax(&db, &["ingest", input.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line = |needle: &str| {
        err.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no message about {needle}: {err}"))
            .to_string()
    };
    assert!(line("b-empty.txt").contains("empty file"));
    assert!(line("c-binary.txt").contains("binary file"));
    assert!(line("d-cp1252.txt").contains("windows-1252"));
    assert!(line("e-latin2.txt").contains("not UTF-8"));
    let broken = line("f-records.jsonl");
    assert!(
        broken.contains("f-records.jsonl:2: record 2") && broken.contains("invalid JSON"),
        "{broken}"
    );
    let bad_date = line("g-baddate.txt");
    assert!(
        bad_date.contains("g-baddate.txt:1") && bad_date.contains("2025-02-30"),
        "{bad_date}"
    );
    // good, cp1252, latin2, two JSON records, bad-date article (kept, dated by its date line)
    // stored; the empty file, the binary file and the broken line rejected.
    assert_eq!(stdout(&o).trim(), "9 read, 6 new, 0 unchanged, 3 rejected");

    let arts = json(&db, &["articles", "--json"]);
    let titles: Vec<&str> = arts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Le président a reçu les élèves à l'Élysée"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Prezydent spotkał się z żołnierzami w Łodzi"),
        "{titles:?}"
    );
    let snow = arts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Cyklisterne kørte gennem sneen")
        .unwrap();
    assert_eq!(
        snow["published"], "2026-05-02",
        "the date line stands in for the impossible header date"
    );
}

#[test]
fn standard_input_and_forced_format() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "ingest",
            "--format",
            "jsonl",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"title\": \"Trains run late\", \"body\": \"Snow slowed trains across the north.\"}\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "1 read, 1 new, 0 unchanged, 0 rejected");
    let arts = json(&db, &["articles", "--json"]);
    assert_eq!(arts[0]["source_path"], "-");
    assert_eq!(arts[0]["lang"], "en");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    assert_eq!(parallax(&db, &["ingest"]).status.code(), Some(2));
    assert_eq!(
        parallax(&db, &["ingest", "--format", "xml", "x"])
            .status
            .code(),
        Some(2)
    );
    // A missing input is a rejected input (exit 1), not a usage error.
    let o = parallax(
        &db,
        &["ingest", dir.path().join("missing").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing: error: no such file or folder"));
    let o = parallax(&db, &["show", "abcdef"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no article"));
}

#[test]
fn facts_of_the_seeds_trace_to_their_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let o = parallax(&db, &["ingest", shared("corpus/seeds").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let arts = json(&db, &["articles", "--json"]);
    let facts = |lang: &str| {
        json(
            &db,
            &[
                "facts",
                by_lang(&arts, lang)["id"].as_str().unwrap(),
                "--json",
            ],
        )
    };
    let find = |f: &Value, value: f64| -> Value {
        f["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["value"] == value)
            .cloned()
            .unwrap_or_else(|| panic!("no figure {value}: {f}"))
    };
    let da = facts("da");
    let lost = find(&da, 2000.0);
    assert_eq!(
        (
            lost["approx"].clone(),
            lost["counted"].clone(),
            lost["event"].clone(),
            lost["source"].clone()
        ),
        (true.into(), "soldiers".into(), "lost".into(), "KR".into())
    );
    let article = by_lang(&arts, "da");
    let span = &lost["sentence_span"];
    let text = json(&db, &["show", article["id"].as_str().unwrap(), "--json"]);
    let sentence = text["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == span["start"])
        .unwrap();
    assert_eq!(sentence["text"], lost["sentence"]);
    assert!(lost["sentence"].as_str().unwrap().contains("2.000"));
    assert_eq!(find(&da, 2.5)["counted"], "hours");

    let ro = facts("ro");
    let sent = find(&ro, 10000.0);
    assert_eq!(
        (sent["bound"].clone(), sent["event"].clone()),
        ("lower".into(), "sent".into())
    );
    let killed = find(&ro, 600.0);
    assert_eq!(
        (
            killed["approx"].clone(),
            killed["event"].clone(),
            killed["source"].clone()
        ),
        (true.into(), "killed".into(), "KR".into())
    );
    let speakers: Vec<&str> = ro["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["speaker"].as_str())
        .collect();
    assert!(speakers.contains(&"vladimir-putin"), "{speakers:?}");
    // The same people and places get the same keys in both languages.
    let keys = |f: &Value| -> std::collections::BTreeSet<String> {
        f["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap().to_string())
            .collect()
    };
    let (kd, kr) = (keys(&da), keys(&ro));
    for k in ["vladimir-putin", "kim-jong-un", "kursk", "KP", "RU", "UA"] {
        assert!(kd.contains(k) && kr.contains(k), "{k}: {kd:?} / {kr:?}");
    }
}

#[test]
fn embed_prints_one_normalised_vector_per_line_and_model_info_describes_the_model() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_parallax"))
        .args(["embed", "--prefix", "query"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Floods hit the town\nOversvømmelser rammer byen\n\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let vecs: Vec<Vec<f64>> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        vecs.len(),
        3,
        "one vector per line, the empty line included"
    );
    for v in &vecs {
        assert_eq!(v.len(), 384);
        let norm: f64 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{norm}");
    }
    let cos = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // The same sentence in English and Danish is closer than either is to nothing.
    assert!(cos(&vecs[0], &vecs[1]) > cos(&vecs[0], &vecs[2]));

    let dir = tempfile::tempdir().unwrap();
    let info = json(&dir.path().join("p.db"), &["model", "info", "--json"]);
    assert_eq!(info["dim"], 384);
    assert_eq!(info["layers"], 12);
    assert_eq!(
        info["sha256"],
        "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    );

    let o = parallax(
        &dir.path().join("p.db"),
        &[
            "--model",
            dir.path().join("none.bin").to_str().unwrap(),
            "ingest",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("parallax model fetch"),
        "{}",
        stderr(&o)
    );
}

/// `bench ingest` on the seeds, against this same binary as the baseline: both ingest
/// the two articles, the stages fit in the wall time, the ratio is a
/// number, and the user's store is never touched.
#[test]
fn bench_ingest_times_the_stages_and_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("untouched.db");
    let seeds = shared("corpus/seeds");
    let bench = |baseline: &str| {
        let args = [
            "bench",
            "ingest",
            seeds.to_str().unwrap(),
            "--baseline",
            baseline,
            "--json",
        ];
        parallax(&db, &args)
    };
    let o = bench(env!("CARGO_BIN_EXE_parallax"));
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["articles"], 2, "{r}");
    assert_eq!(r["store"], "sqlite", "{r}");
    let seconds = r["seconds"].as_f64().unwrap();
    let stages = r["stages"].as_object().unwrap();
    let keys: Vec<&str> = stages.keys().map(String::as_str).collect();
    for k in ["read", "analyse", "store", "embed", "assign"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    // Analysis runs on the reading thread beside the writer: the writer's stages and
    // its wait for the reader add up to the wall time, analysis fits within it.
    let sum: f64 = stages
        .iter()
        .filter(|(k, _)| *k != "analyse")
        .map(|(_, v)| v.as_f64().unwrap())
        .sum();
    assert!(sum <= seconds * 1.001 + 1e-6, "{sum} > {seconds}");
    let analyse = stages["analyse"].as_f64().unwrap();
    assert!(analyse <= seconds * 1.001 + 1e-6, "{analyse} > {seconds}");
    assert!(stages["embed"].as_f64().unwrap() > 0.0, "{r}");
    let pairs = r["baseline"]["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["articles"], 2);
    assert_eq!(pairs[0]["baseline_articles"], 2);
    let ratio = r["baseline"]["median_ratio"].as_f64().unwrap();
    assert!(ratio.is_finite() && ratio > 0.0, "{ratio}");
    assert!(!db.exists(), "bench wrote the user's store");

    // A baseline that is not a parallax binary is named in a clear error.
    let fake = dir.path().join("not-parallax");
    fs::write(&fake, "#!/bin/sh\necho not a report\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let o = bench(fake.to_str().unwrap());
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("no report"), "{}", stderr(&o));
}

/// `bench ingest --db postgres://…` times its stages against that PostgreSQL store, and
/// only when it holds no articles: a second run into the same store is refused, saying
/// why, and leaves what is there.
#[test]
fn bench_ingest_into_an_empty_postgresql_store_and_never_a_full_one() {
    let Some(url) = parallax_store::testing::pg_location("cli_bench_ingest").unwrap() else {
        return;
    };
    let db = std::path::Path::new(&url);
    let seeds = shared("corpus/seeds");
    let args = ["bench", "ingest", seeds.to_str().unwrap(), "--json"];
    let o = parallax(db, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["store"], "postgresql", "{r}");
    assert_eq!(r["articles"], 2, "{r}");
    assert!(r["stages"]["store"].as_f64().unwrap() > 0.0, "{r}");
    let count = || {
        parallax_store::Store::open_existing(db)
            .unwrap()
            .count_articles()
            .unwrap()
    };
    assert_eq!(count(), 2);
    let again = parallax(db, &args);
    assert!(!again.status.success());
    let e = stderr(&again);
    assert!(e.contains("holds 2 articles") && e.contains("empty"), "{e}");
    assert!(
        !e.contains("parallax_test:") && !e.contains(":parallax@"),
        "a password in {e}"
    );
    assert_eq!(count(), 2);
}

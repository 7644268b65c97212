//! A bounded load test on loopback. Generates a store of synthetic news (10,000 articles
//! by default) in which stories exist: about 3,000 made-up events (a place, a person, a
//! topic, a figure and words of their own), each reported by 1 to 8 articles in five
//! languages within a day and a half, 200 articles a day. The articles are ingested in
//! publication order through the engine, as `parallax ingest` does: lead vectors are
//! computed and story assignment runs after every committed batch. Then it serves the
//! store and drives `/api/stories` (the first page, a random page, by language, by date,
//! by search), `/api/search` and `/api/articles` with keep-alive HTTP/1.1 clients for a
//! fixed time each (30 s by default), one after the other. Prints requests per second,
//! p50 and p99 latency, the mean answer size and the error count of each; exits non-zero
//! on any error.
//!
//! ```text
//! cargo run --release -p parallax-server --example load -- \
//!     [--articles N] [--seconds S] [--clients C] [--model] [--db FILE]
//! ```
//!
//! Vectors come from the deterministic hash embedder unless `--model` is given (the
//! real model, `parallax model fetch`): with it, generating 10,000 articles means
//! embedding 10,000 leads of up to 128 tokens, hours on a busy 2-core machine. Without
//! `--model`, if the model file is there, the real model's cost of embedding one search
//! query is measured on its own and printed, since the search figures then exclude it.
//! `--db FILE` keeps the generated store and reuses it on the next run (when it holds
//! the articles asked for).

use parallax_engine::vectors::Vectors;
use parallax_engine::{Embedder, IngestConfig, Store, StoryFilter};
use parallax_server::{AppState, ServerConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LANGS: &[&str] = &["en", "da", "ro", "de", "fr"];

/// Topic words per language, in the order of [`LANGS`]; the same index is the same
/// topic.
const TOPICS: &[&[&str]] = &[
    &[
        "flood",
        "fire",
        "strike",
        "storm",
        "drought",
        "tariff",
        "election",
        "budget",
        "outbreak",
        "landslide",
        "protest",
        "blackout",
        "earthquake",
        "heatwave",
        "derailment",
    ],
    &[
        "oversvømmelse",
        "brand",
        "strejke",
        "storm",
        "tørke",
        "told",
        "valg",
        "budget",
        "udbrud",
        "jordskred",
        "protest",
        "strømsvigt",
        "jordskælv",
        "hedebølge",
        "afsporing",
    ],
    &[
        "inundație",
        "incendiu",
        "grevă",
        "furtună",
        "secetă",
        "tarif",
        "alegeri",
        "buget",
        "focar",
        "alunecare",
        "protest",
        "pană",
        "cutremur",
        "caniculă",
        "deraiere",
    ],
    &[
        "Hochwasser",
        "Brand",
        "Streik",
        "Sturm",
        "Dürre",
        "Zoll",
        "Wahl",
        "Haushalt",
        "Ausbruch",
        "Erdrutsch",
        "Protest",
        "Stromausfall",
        "Erdbeben",
        "Hitzewelle",
        "Entgleisung",
    ],
    &[
        "inondation",
        "incendie",
        "grève",
        "tempête",
        "sécheresse",
        "tarif",
        "élection",
        "budget",
        "épidémie",
        "glissement",
        "manifestation",
        "panne",
        "séisme",
        "canicule",
        "déraillement",
    ],
];

/// Filler words per language, for the sentences that are not about the event.
const FILLER: &[&[&str]] = &[
    &[
        "minister", "river", "harbour", "court", "border", "railway", "council", "police",
        "school", "market", "bridge", "hospital", "village", "mayor", "report",
    ],
    &[
        "minister",
        "flod",
        "havn",
        "domstol",
        "grænse",
        "jernbane",
        "råd",
        "politi",
        "skole",
        "marked",
        "bro",
        "hospital",
        "landsby",
        "borgmester",
        "rapport",
    ],
    &[
        "ministru",
        "râu",
        "port",
        "tribunal",
        "frontieră",
        "cale",
        "consiliu",
        "poliție",
        "școală",
        "piață",
        "pod",
        "spital",
        "sat",
        "primar",
        "raport",
    ],
    &[
        "Minister",
        "Fluss",
        "Hafen",
        "Gericht",
        "Grenze",
        "Bahn",
        "Rat",
        "Polizei",
        "Schule",
        "Markt",
        "Brücke",
        "Krankenhaus",
        "Dorf",
        "Bürgermeister",
        "Bericht",
    ],
    &[
        "ministre",
        "fleuve",
        "port",
        "tribunal",
        "frontière",
        "chemin",
        "conseil",
        "police",
        "école",
        "marché",
        "pont",
        "hôpital",
        "village",
        "maire",
        "rapport",
    ],
];

/// Sentence templates per language: title, the event with its figure, what the person
/// said, a quote. `{T}` topic (capitalised), `{t}` topic, `{P}` place, `{S}` person,
/// `{N}` figure.
const TEMPLATES: &[[&str; 4]] = &[
    [
        "{T} in {P}: {S} warns of more damage",
        "The {t} in {P} has affected {N} people, officials said on Monday.",
        "{S} said the {t} was the worst the region had seen in years.",
        "\"We need help now, not next month,\" said {S}.",
    ],
    [
        "{T} i {P}: {S} advarer om flere skader",
        "{T} i {P} har ramt {N} mennesker, oplyser myndighederne mandag.",
        "{S} sagde, at {t} var den værste i regionen i mange år.",
        "\"Vi har brug for hjælp nu, ikke næste måned,\" sagde {S}.",
    ],
    [
        "{T} în {P}: {S} avertizează că pagubele vor crește",
        "{T} din {P} a afectat {N} de oameni, au anunțat luni autoritățile.",
        "{S} a declarat că {t} a fost cea mai gravă din regiune din ultimii ani.",
        "„Avem nevoie de ajutor acum, nu luna viitoare”, a spus {S}.",
    ],
    [
        "{T} in {P}: {S} warnt vor weiteren Schäden",
        "{T} in {P} betrifft {N} Menschen, teilten die Behörden am Montag mit.",
        "{S} sagte, {t} sei das schlimmste in der Region seit Jahren.",
        "„Wir brauchen jetzt Hilfe, nicht nächsten Monat“, sagte {S}.",
    ],
    [
        "{T} à {P} : {S} met en garde contre de nouveaux dégâts",
        "{T} à {P} a touché {N} personnes, ont indiqué lundi les autorités.",
        "{S} a déclaré que {t} était la pire de la région depuis des années.",
        "« Nous avons besoin d'aide maintenant, pas le mois prochain », a déclaré {S}.",
    ],
];

const SYLLABLES: &[&str] = &[
    "val", "mor", "ka", "len", "dri", "sto", "ber", "nau", "ti", "ros", "an", "el", "vik", "sund",
    "hol", "tar", "mi", "go", "ra", "lun",
];
const FIRST_NAMES: &[&str] = &[
    "Anna", "Mihai", "Lars", "Claire", "Jonas", "Elena", "Paul", "Ida", "Radu", "Sophie", "Karl",
    "Ioana", "Henrik", "Marie", "Luca", "Greta",
];

/// A small deterministic generator (xorshift), so every run builds the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn name(rng: &mut Rng, syllables: usize) -> String {
    let s: String = (0..syllables).map(|_| rng.pick(SYLLABLES)).collect();
    capitalise(&s)
}

/// A made-up event that several articles report.
struct Event {
    id: usize,
    topic: usize,
    place: String,
    person: String,
    figure: u64,
    /// Made-up words only this event's reports use (streets, groups, things named in
    /// it), the same in every language: what tells events apart, as the particulars of a
    /// real story do.
    words: Vec<String>,
    /// Unix seconds of its first report.
    start: i64,
}

/// A sentence of the event's own words mixed with common words of the language.
fn detail(rng: &mut Rng, e: &Event, lang: usize) -> String {
    let n = 8 + rng.below(6);
    let words: Vec<&str> = (0..n)
        .map(|_| {
            if rng.below(3) == 0 {
                rng.pick(FILLER[lang])
            } else {
                &e.words[rng.below(e.words.len())]
            }
        })
        .collect();
    format!("{}.", capitalise(&words.join(" ")))
}

fn fill(template: &str, e: &Event, lang: usize, figure: u64) -> String {
    let topic = TOPICS[lang][e.topic];
    template
        .replace("{T}", &capitalise(topic))
        .replace("{t}", topic)
        .replace("{P}", &e.place)
        .replace("{S}", &e.person)
        .replace("{N}", &figure.to_string())
}

/// One article about `e` in language `lang`, as a JSON Lines record.
fn article(rng: &mut Rng, e: &Event, lang: usize, published: i64, n: usize) -> String {
    let t = &TEMPLATES[lang];
    // Reports differ a little in the figure and in what else they say.
    let figure = e.figure + e.figure * rng.below(3) as u64 / 10;
    let paragraphs = [
        format!("{} {}", fill(t[1], e, lang, figure), detail(rng, e, lang)),
        format!("{} {}", fill(t[2], e, lang, figure), detail(rng, e, lang)),
        format!("{} {}", fill(t[3], e, lang, figure), detail(rng, e, lang)),
        format!("{} {}", detail(rng, e, lang), detail(rng, e, lang)),
    ];
    let when = time::OffsetDateTime::from_unix_timestamp(published).expect("a valid time");
    serde_json::json!({
        "title": fill(t[0], e, lang, figure),
        "body": paragraphs.join("\n\n"),
        "lang": LANGS[lang],
        "published": when.format(&time::format_description::well_known::Rfc3339).unwrap(),
        "url": format!("https://news.example/{}/{}/{n}", LANGS[lang], e.id),
    })
    .to_string()
}

/// The articles, in publication order: events of 1 to 8 reports (a third of them a
/// single report), 200 articles a day.
fn corpus(n: usize) -> (Vec<(i64, String)>, Vec<Event>) {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let base = 1_767_225_600; // 2026-01-01T00:00:00Z
    let days = (n as f64 / 200.0).max(1.0);
    let mut events = Vec::new();
    let mut sizes = Vec::new();
    let mut total = 0;
    while total < n {
        let size = [1, 1, 1, 2, 2, 3, 4, 5, 6, 8][rng.below(10)].min(n - total);
        sizes.push(size);
        total += size;
    }
    let mut articles = Vec::with_capacity(n);
    for (i, &size) in sizes.iter().enumerate() {
        let syllables = 2 + rng.below(2);
        let e = Event {
            id: i,
            topic: rng.below(TOPICS[0].len()),
            place: name(&mut rng, syllables),
            person: format!("{} {}", rng.pick(FIRST_NAMES), name(&mut rng, 2)),
            figure: 10 + rng.next() % 5000,
            words: (0..8)
                .map(|_| {
                    let k = 2 + rng.below(2);
                    name(&mut rng, k).to_lowercase()
                })
                .collect(),
            start: base + (i as f64 / sizes.len() as f64 * days * 86400.0) as i64,
        };
        for _ in 0..size {
            let published = e.start + rng.below(36 * 3600) as i64;
            let lang = rng.below(LANGS.len());
            let n = articles.len();
            articles.push((published, article(&mut rng, &e, lang, published, n)));
        }
        events.push(e);
    }
    articles.sort_by_key(|(t, _)| *t);
    (articles, events)
}

/// Ingests the corpus in publication order, 1,000 records a call, as JSON Lines.
fn generate(db: &Path, articles: &[(i64, String)], vectors: &Vectors) {
    let mut store = Store::open(db).expect("store");
    let config = IngestConfig {
        vectors: Some(vectors.clone()),
        ..IngestConfig::default()
    };
    let start = Instant::now();
    for (k, chunk) in articles.chunks(1000).enumerate() {
        let body: String = chunk.iter().map(|(_, r)| format!("{r}\n")).collect();
        let r = parallax_engine::ingest_str(&mut store, "load", &body, &config, &mut |_| {})
            .expect("ingest");
        assert_eq!(r.rejected, 0);
        eprintln!(
            "  {} articles, {:.0} s",
            k * 1000 + chunk.len(),
            start.elapsed().as_secs_f64()
        );
    }
}

/// One keep-alive connection: sends GET requests, reads each answer whole.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).unwrap();
        Conn {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
        }
    }

    /// The status and body length of the answer to `GET path`.
    fn get(&mut self, path: &str) -> (u16, usize) {
        write!(self.writer, "GET {path} HTTP/1.1\r\nhost: load\r\n\r\n").unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, length)
    }
}

struct Figures {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    mean_kib: f64,
}

/// Queries to draw from: a topic word and a place of an event, in some language.
type Paths = Arc<dyn Fn(&mut Rng) -> String + Send + Sync>;

fn drive(addr: SocketAddr, seconds: u64, clients: usize, paths: Paths) -> Figures {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let paths = paths.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(0x2545f4914f6cdd1d ^ (c as u64 + 1));
                let mut conn = Conn::open(addr);
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut bytes = 0;
                while Instant::now() < end {
                    let path = paths(&mut rng);
                    let t = Instant::now();
                    let (status, len) = conn.get(&path);
                    lat.push(t.elapsed());
                    if status != 200 {
                        errors += 1;
                        eprintln!("{status} for {path}");
                    }
                    bytes += len;
                }
                (lat, errors, bytes)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut bytes = 0;
    for h in handles {
        let (l, e, b) = h.join().unwrap();
        lat.extend(l);
        errors += e;
        bytes += b;
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let q =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    Figures {
        requests: lat.len(),
        errors,
        per_second: lat.len() as f64 / elapsed,
        p50_ms: q(0.50),
        p99_ms: q(0.99),
        mean_kib: bytes as f64 / lat.len() as f64 / 1024.0,
    }
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A search text as a reader would type it: an event's topic in some language and its
/// place.
fn query(rng: &mut Rng, events: &[(usize, String)]) -> String {
    let (topic, place) = &events[rng.below(events.len())];
    format!("{} {place}", TOPICS[rng.below(LANGS.len())][*topic])
}

struct Args {
    articles: usize,
    seconds: u64,
    clients: usize,
    model: bool,
    db: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        articles: 10_000,
        seconds: 30,
        clients: 4,
        model: false,
        db: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--articles" => a.articles = value().parse().expect("--articles N"),
            "--seconds" => a.seconds = value().parse().expect("--seconds S"),
            "--clients" => a.clients = value().parse().expect("--clients C"),
            "--db" => a.db = Some(PathBuf::from(value())),
            "--model" => a.model = true,
            other => panic!("unknown argument `{other}`"),
        }
    }
    a
}

fn load_model() -> Option<Vectors> {
    let path = parallax_embed::model::default_model_path();
    if !path.exists() {
        return None;
    }
    let e = Embedder::load(&path, &Default::default()).expect("the model loads");
    Some(Vectors::new(
        e,
        &path.file_name().unwrap().to_string_lossy(),
    ))
}

fn main() {
    let a = args();
    let vectors = if a.model {
        load_model().expect("the model (parallax model fetch)")
    } else {
        Vectors::new(Embedder::hash(384), "hash")
    };
    let dir = tempfile::tempdir().unwrap();
    let db = a.db.clone().unwrap_or_else(|| dir.path().join("load.db"));
    let (articles, events) = corpus(a.articles);
    let stored = Store::open(&db)
        .expect("store")
        .count_articles()
        .expect("count") as usize;
    if stored == a.articles {
        eprintln!("reusing the {stored} articles of {}", db.display());
    } else {
        assert_eq!(stored, 0, "{} holds {stored} articles", db.display());
        eprintln!("generating {} articles with {}", a.articles, vectors.model);
        let t = Instant::now();
        generate(&db, &articles, &vectors);
        eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    }
    let stories = Store::open(&db)
        .unwrap()
        .stories(&StoryFilter::default())
        .unwrap();
    let several = stories.iter().filter(|s| s.articles.len() > 1).count();
    let languages = stories
        .iter()
        .filter(|s| {
            let mut l: Vec<_> = s.articles.iter().map(|a| a.lang.clone()).collect();
            l.sort();
            l.dedup();
            l.len() > 1
        })
        .count();
    println!(
        "{} articles, {} made-up events; {} stories assigned ({several} of several articles, \
         {languages} in several languages); vectors {}",
        a.articles,
        events.len(),
        stories.len(),
        vectors.model
    );

    // Without the model in the store, what the model would add to each search: the
    // embedding of one query, as the server does it per request.
    if !a.model {
        if let Some(model) = load_model() {
            let mut rng = Rng(7);
            let qs: Vec<(usize, String)> =
                events.iter().map(|e| (e.topic, e.place.clone())).collect();
            let mut lat: Vec<f64> = (0..200)
                .map(|_| {
                    let q = query(&mut rng, &qs);
                    let t = Instant::now();
                    model.embed(&[q.as_str()]).expect("embed");
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            lat.sort_by(f64::total_cmp);
            println!(
                "real model, one search query embedded alone (200 queries, one after the other): \
                 p50 {:.1} ms, p99 {:.1} ms",
                lat[100], lat[197]
            );
        }
    }

    let state = AppState::open(ServerConfig::new(db.clone(), Some(vectors))).expect("state");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(parallax_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let places: Arc<Vec<(usize, String)>> =
        Arc::new(events.iter().map(|e| (e.topic, e.place.clone())).collect());
    let last = articles.last().map(|(t, _)| *t).unwrap_or(0);
    let week_before = time::OffsetDateTime::from_unix_timestamp(last - 7 * 86400)
        .unwrap()
        .date()
        .to_string();
    let p = places.clone();
    let n_stories = stories.len();
    let routes: Vec<(String, Paths)> = vec![
        ("/api/stories".into(), Arc::new(|_| "/api/stories".into())),
        (
            "/api/stories?offset=".into(),
            Arc::new(move |rng| format!("/api/stories?offset={}", rng.below(n_stories))),
        ),
        (
            "/api/stories?lang=".into(),
            Arc::new(|rng| format!("/api/stories?lang={}", rng.pick(LANGS))),
        ),
        (
            format!("/api/stories?since={week_before}"),
            Arc::new(move |_| format!("/api/stories?since={week_before}")),
        ),
        (
            "/api/stories?q=".into(),
            Arc::new(move |rng| format!("/api/stories?q={}", encode(&query(rng, &p)))),
        ),
        (
            "/api/search?q=".into(),
            Arc::new(move |rng| format!("/api/search?q={}&limit=20", encode(&query(rng, &places)))),
        ),
        (
            "/api/articles".into(),
            Arc::new(|rng| {
                let offset = rng.below(2000);
                if rng.next().is_multiple_of(2) {
                    format!("/api/articles?limit=50&offset={offset}")
                } else {
                    format!(
                        "/api/articles?lang={}&limit=50&offset={offset}",
                        rng.pick(LANGS)
                    )
                }
            }),
        ),
    ];
    println!("{} clients, {} s per route, loopback", a.clients, a.seconds);
    println!("| route | requests | req/s | p50 ms | p99 ms | mean KiB | errors |");
    println!("|---|---|---|---|---|---|---|");
    let mut failed = false;
    for (name, paths) in routes {
        let f = drive(addr, a.seconds, a.clients, paths);
        println!(
            "| `{name}` | {} | {:.1} | {:.2} | {:.2} | {:.1} | {} |",
            f.requests, f.per_second, f.p50_ms, f.p99_ms, f.mean_kib, f.errors
        );
        failed |= f.errors > 0 || f.requests == 0;
    }
    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
    if failed {
        std::process::exit(1);
    }
}

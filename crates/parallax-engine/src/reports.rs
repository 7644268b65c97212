//! Reports of a comparison, one implementation for the CLI and the API: the Markdown
//! report (`parallax compare --markdown`, `/api/stories/{id}/compare?format=markdown`)
//! and the two CSV tables (`compare --csv rows|figures`, `format=csv-rows|csv-figures`),
//! written with the `csv` crate (RFC 4180 quoting).

use crate::compare::Comparison;

/// A number as a person writes it: whole numbers without a fraction.
pub fn number(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => v.to_string(),
    }
}

/// A table as CSV text: the header, then the rows.
pub fn csv_text<S: AsRef<str>>(header: &[S], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a row of the wrong length, which the tables
    // here never make; such a row is left out rather than the whole table.
    let _ = w.write_record(header.iter().map(AsRef::as_ref));
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One line per version that several articles carry (copies of one text: another file,
/// another outlet): its sources.
pub fn copies_lines(c: &Comparison) -> Vec<String> {
    c.versions
        .iter()
        .filter(|v| v.sources.len() > 1)
        .map(|v| {
            let list: Vec<String> = v
                .sources
                .iter()
                .map(|x| {
                    let mut s = short(&x.article).to_string();
                    let about: Vec<&str> = [x.source.as_deref(), x.url.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect();
                    if !about.is_empty() {
                        s.push_str(&format!(" ({})", about.join(", ")));
                    }
                    s
                })
                .collect();
            format!(
                "{} [{}] is one text in {} articles: {}",
                short(&v.article),
                v.lang,
                v.sources.len(),
                list.join("; ")
            )
        })
        .collect()
}

pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

pub fn lang_of<'a>(c: &'a Comparison, article: &str) -> &'a str {
    c.versions
        .iter()
        .find(|v| v.article == article)
        .map(|v| v.lang.as_str())
        .unwrap_or("")
}

pub fn kind_words(k: crate::compare::DifferenceKind) -> &'static str {
    use crate::compare::DifferenceKind as K;
    match k {
        K::Figure => "differs in a figure",
        K::Source => "differs in the source",
        K::Speaker => "differs in the speaker",
    }
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report (`compare --markdown`, the UI's Markdown export).
pub fn markdown(c: &Comparison) -> String {
    let mut s = String::from(
        "# Comparison of the versions\n\n| Version | Language | Title |\n|---|---|---|\n",
    );
    for v in &c.versions {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            short(&v.article),
            v.lang,
            md(v.title.as_deref().unwrap_or(""))
        ));
    }
    let copies = copies_lines(c);
    if !copies.is_empty() {
        s.push('\n');
        for line in copies {
            s.push_str(&format!("- {}\n", md(&line)));
        }
    }
    s.push_str("\n## Said by several versions\n\n");
    if c.shared.is_empty() {
        s.push_str("Nothing.\n");
    }
    for (k, g) in c.shared.iter().enumerate() {
        s.push_str(&format!("{}. ", k + 1));
        for (i, x) in g.sentences.iter().enumerate() {
            if i > 0 {
                s.push_str("   ");
            }
            s.push_str(&format!(
                "**{}** (`{}`): {}\n",
                lang_of(c, &x.article),
                short(&x.article),
                x.text.trim()
            ));
        }
        for d in &g.differs {
            s.push_str(&format!(
                "   *{}*: {}\n",
                kind_words(d.kind),
                md(&d.explanation)
            ));
        }
    }
    for v in &c.versions {
        s.push_str(&format!(
            "\n## Only in `{}` ({})\n\n",
            short(&v.article),
            v.lang
        ));
        let list = c.only_in.get(&v.article).map(Vec::as_slice).unwrap_or(&[]);
        if list.is_empty() {
            s.push_str("Nothing.\n");
        }
        for o in list {
            s.push_str(&format!("- {}\n", o.text.trim()));
        }
    }
    s.push_str("\n## Figures\n\n");
    if c.figures.is_empty() {
        s.push_str("No figures to compare.\n");
    } else {
        for g in &c.figures {
            s.push_str(&format!(
                "**{}**: {}\n\n| Version | Figure | As written | Counted | Source | Sentence |\n|---|---|---|---|---|---|\n",
                g.relation.label(),
                md(&g.explanation)
            ));
            for f in &g.items {
                s.push_str(&format!(
                    "| {} `{}` | {} | {} | {} | {} | {} |\n",
                    lang_of(c, &f.article),
                    short(&f.article),
                    md(&f.written),
                    md(&f.text),
                    md(&f.counted),
                    md(f.source_name
                        .as_deref()
                        .or(f.source.as_deref())
                        .unwrap_or("")),
                    md(f.sentence.trim())
                ));
            }
            s.push('\n');
        }
    }
    s.push_str("\n## Quotes in several versions\n\n");
    if c.quotes.is_empty() {
        s.push_str("None.\n");
    }
    for g in &c.quotes {
        let who = g
            .items
            .iter()
            .find_map(|q| q.speaker_name.as_deref().or(q.speaker.as_deref()))
            .unwrap_or("(speaker not named)");
        s.push_str(&format!("- {who}:\n"));
        for q in &g.items {
            s.push_str(&format!(
                "  - **{}**: “{}”\n",
                lang_of(c, &q.article),
                md(&q.text)
            ));
        }
    }
    s
}

/// A version's column name in the rows table: its language and id.
fn version_column(lang: &str, article: &str) -> String {
    format!("{lang} {}", &article[..article.len().min(12)])
}

/// The text of a version's sentence by index.
fn sentence(c: &Comparison, article: &str, index: usize) -> String {
    c.shared
        .iter()
        .flat_map(|s| &s.sentences)
        .find(|s| s.article == article && s.index == index)
        .map(|s| s.text.trim().to_string())
        .or_else(|| {
            c.only_in
                .get(article)?
                .iter()
                .find(|o| o.index == index)
                .map(|o| o.text.trim().to_string())
        })
        .unwrap_or_default()
}

/// The rows table: `row`, `shared` (yes/no), `differs` (the differences of a shared
/// row, "; "-joined), then per version the sentences it has on the row.
pub fn rows_table(c: &Comparison) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["row".to_string(), "shared".into(), "differs".into()];
    header.extend(
        c.versions
            .iter()
            .map(|v| version_column(&v.lang, &v.article)),
    );
    let mut rows = Vec::new();
    for (k, row) in c.rows().iter().enumerate() {
        let first = row
            .cells
            .iter()
            .enumerate()
            .find_map(|(v, cell)| cell.first().map(|i| (v, *i)));
        let differs = match first {
            Some((v, i)) if row.shared => c
                .shared
                .iter()
                .find(|g| {
                    g.sentences
                        .iter()
                        .any(|x| x.article == c.versions[v].article && x.index == i)
                })
                .map(|g| {
                    g.differs
                        .iter()
                        .map(|d| d.explanation.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut out = vec![
            (k + 1).to_string(),
            if row.shared { "yes" } else { "no" }.to_string(),
            differs,
        ];
        for (v, cell) in row.cells.iter().enumerate() {
            let article = &c.versions[v].article;
            out.push(
                cell.iter()
                    .map(|&i| sentence(c, article, i))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        rows.push(out);
    }
    (header, rows)
}

pub const FIGURE_COLUMNS: &[&str] = &[
    "group",
    "relation",
    "explanation",
    "lang",
    "article",
    "figure",
    "as_written",
    "value",
    "value_max",
    "counted",
    "event",
    "source",
    "sentence",
];

/// The figures table: one row per figure of each group.
pub fn figures_table(c: &Comparison) -> Vec<Vec<String>> {
    let lang = |article: &str| {
        c.versions
            .iter()
            .find(|v| v.article == article)
            .map(|v| v.lang.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for (k, g) in c.figures.iter().enumerate() {
        for f in &g.items {
            rows.push(vec![
                (k + 1).to_string(),
                g.relation.label().to_string(),
                g.explanation.clone(),
                lang(&f.article),
                f.article.clone(),
                f.written.clone(),
                f.text.clone(),
                number(&serde_json::json!(f.value)),
                f.value_max
                    .map(|m| number(&serde_json::json!(m)))
                    .unwrap_or_default(),
                f.counted.clone(),
                f.event.clone().unwrap_or_default(),
                f.source.clone().unwrap_or_default(),
                f.sentence.trim().to_string(),
            ]);
        }
    }
    rows
}

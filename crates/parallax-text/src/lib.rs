//! Text analysis that every article gets at ingest: language identification
//! ([`lang`]), sentence splitting with byte spans ([`sentences`]) and the human-readable
//! date line in the article's language ([`dateline`]). [`analyze`] runs them all.

pub mod dateline;
pub mod lang;
pub mod sentences;

use parallax_core::{Article, Diagnostic};

/// Analyses an article in place: language, sentences, and the date line (checked
/// against the publication date). Returns what was doubtful, as warnings.
pub fn analyze(article: &mut Article, file: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let text = article.text();
    if let Some(d) = lang::detect(&text) {
        article.lang = Some(d.code.to_string());
        article.lang_confidence = Some(d.confidence);
    } else if let Some(declared) = &article.declared_lang {
        article.lang = Some(declared.clone());
        article.lang_confidence = None;
    }
    if let (Some(declared), Some(found)) = (&article.declared_lang, &article.lang) {
        if declared != found && article.lang_confidence.unwrap_or(0.0) >= 0.9 {
            diags.push(diag(
                article,
                file,
                "lang",
                format!("declared language `{declared}` but the text reads as `{found}`"),
            ));
        }
    }
    article.sentences = sentences::split_article(article);
    if let Some(line) = article.dateline_text.clone() {
        match dateline::parse(&line, article.lang.as_deref()) {
            Some(date) => {
                article.dateline = Some(date);
                match article.published {
                    Some(p) if p.date() != date => diags.push(diag(
                        article,
                        file,
                        "dateline",
                        format!(
                            "date line {line:?} says {date} but the header says {}",
                            p.date()
                        ),
                    )),
                    None if parallax_core::Published::Date(date).is_plausible() => {
                        article.published = Some(parallax_core::Published::Date(date))
                    }
                    _ => {}
                }
            }
            None => diags.push(diag(
                article,
                file,
                "dateline",
                format!("could not read a date in the date line {line:?}"),
            )),
        }
    }
    diags
}

fn diag(article: &Article, file: &str, field: &str, message: String) -> Diagnostic {
    let mut d = Diagnostic::warning(file, message).with_field(field);
    d.record = article.source_record;
    d
}

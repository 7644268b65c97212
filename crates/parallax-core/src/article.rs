//! An article as parsed from any input format, with the analysis every later stage
//! reads: language, sentences with byte spans, and a content-derived id.

use crate::Published;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use time::Date;

/// A stable id derived from an article's content: the same text always gets the same
/// id, so ingesting it twice is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct ArticleId(pub String);

impl ArticleId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a body block is running text or a short subheading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParagraphKind {
    Paragraph,
    Subheading,
}

/// One block of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    pub kind: ParagraphKind,
    pub text: String,
}

impl Paragraph {
    #[allow(clippy::self_named_constructors)] // reads as `Paragraph::paragraph` vs `::subheading`
    pub fn paragraph(text: impl Into<String>) -> Self {
        Paragraph {
            kind: ParagraphKind::Paragraph,
            text: text.into(),
        }
    }

    pub fn subheading(text: impl Into<String>) -> Self {
        Paragraph {
            kind: ParagraphKind::Subheading,
            text: text.into(),
        }
    }
}

/// Where a block of [`Article::text`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Title,
    Standfirst,
    Caption,
    Paragraph,
    Subheading,
}

/// A non-empty block of the article's text and its byte offset in [`Article::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<'a> {
    pub kind: BlockKind,
    pub text: &'a str,
    pub start: usize,
}

/// A sentence: a byte span of [`Article::text`] and the index of the block it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub block: usize,
}

/// The separator between blocks in [`Article::text`].
pub const BLOCK_SEPARATOR: &str = "\n\n";

/// An article with every parsed field and its analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Article {
    /// Content-derived id; see [`Article::content_id`].
    pub id: ArticleId,
    /// The id the input gave the article, if any (JSON Lines `id`).
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The outlet, as the input names it.
    #[serde(default)]
    pub source: Option<String>,
    /// The file the article was read from (`-` for standard input).
    #[serde(default)]
    pub source_path: Option<String>,
    /// 1-based record number within that file.
    #[serde(default)]
    pub source_record: Option<u64>,
    /// Detected language, ISO 639-1.
    #[serde(default)]
    pub lang: Option<String>,
    /// Confidence of the detection, 0 to 1.
    #[serde(default)]
    pub lang_confidence: Option<f64>,
    /// The language the input declared, if any.
    #[serde(default)]
    pub declared_lang: Option<String>,
    #[serde(default)]
    pub published: Option<Published>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub standfirst: Option<String>,
    /// Photo caption, without its credit.
    #[serde(default)]
    pub caption: Option<String>,
    /// Photo credit.
    #[serde(default)]
    pub credit: Option<String>,
    /// The human-readable date line, parsed.
    #[serde(default, with = "crate::published::date_opt")]
    pub dateline: Option<Date>,
    /// The human-readable date line as written.
    #[serde(default)]
    pub dateline_text: Option<String>,
    #[serde(default)]
    pub paragraphs: Vec<Paragraph>,
    /// Sentences, as byte spans of [`Article::text`].
    #[serde(default)]
    pub sentences: Vec<Sentence>,
    /// Fields of the input that parallax has no slot for, kept as they were.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

impl Article {
    /// The non-empty blocks in reading order: title, standfirst, caption, then the body.
    pub fn blocks(&self) -> Vec<Block<'_>> {
        let head = [
            (BlockKind::Title, self.title.as_deref()),
            (BlockKind::Standfirst, self.standfirst.as_deref()),
            (BlockKind::Caption, self.caption.as_deref()),
        ];
        let body = self.paragraphs.iter().map(|p| {
            let kind = match p.kind {
                ParagraphKind::Paragraph => BlockKind::Paragraph,
                ParagraphKind::Subheading => BlockKind::Subheading,
            };
            (kind, Some(p.text.as_str()))
        });
        let mut out = Vec::new();
        let mut start = 0;
        for (kind, text) in head.into_iter().chain(body) {
            let Some(text) = text.filter(|t| !t.is_empty()) else {
                continue;
            };
            if !out.is_empty() {
                start += BLOCK_SEPARATOR.len();
            }
            out.push(Block { kind, text, start });
            start += text.len();
        }
        out
    }

    /// The whole text, blocks joined by a blank line. Sentence and fact spans are byte
    /// offsets into this string.
    pub fn text(&self) -> String {
        let blocks = self.blocks();
        let mut s = String::with_capacity(blocks.iter().map(|b| b.text.len() + 2).sum());
        for (i, b) in blocks.iter().enumerate() {
            if i > 0 {
                s.push_str(BLOCK_SEPARATOR);
            }
            s.push_str(b.text);
        }
        s
    }

    /// The body only: paragraphs and subheadings joined by a blank line.
    pub fn body(&self) -> String {
        let parts: Vec<&str> = self.paragraphs.iter().map(|p| p.text.as_str()).collect();
        parts.join(BLOCK_SEPARATOR)
    }

    /// The id of this content: a hash over the publication date, title, standfirst,
    /// caption and body. Where the article came from, its language and metadata do not
    /// count, so the same article read from two places is one article.
    pub fn content_id(&self) -> ArticleId {
        let mut h = Sha256::new();
        let mut field = |tag: &str, v: &str| {
            h.update(tag.as_bytes());
            h.update((v.len() as u64).to_le_bytes());
            h.update(v.as_bytes());
        };
        field(
            "published",
            &self
                .published
                .map(|p| p.date().to_string())
                .unwrap_or_default(),
        );
        field("title", self.title.as_deref().unwrap_or(""));
        field("standfirst", self.standfirst.as_deref().unwrap_or(""));
        field("caption", self.caption.as_deref().unwrap_or(""));
        for p in &self.paragraphs {
            let tag = match p.kind {
                ParagraphKind::Paragraph => "p",
                ParagraphKind::Subheading => "h",
            };
            field(tag, &p.text);
        }
        let digest = h.finalize();
        ArticleId(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether the article has any text at all.
    pub fn is_empty(&self) -> bool {
        self.blocks().is_empty()
    }

    /// The text of one sentence.
    pub fn sentence_text<'a>(&self, text: &'a str, s: &Sentence) -> &'a str {
        &text[s.start..s.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Article {
        Article {
            title: Some("A title".into()),
            standfirst: Some("A standfirst.".into()),
            paragraphs: vec![
                Paragraph::paragraph("First paragraph."),
                Paragraph::subheading("Sub"),
                Paragraph::paragraph("Second."),
            ],
            ..Article::default()
        }
    }

    #[test]
    fn blocks_have_offsets_into_text() {
        let a = sample();
        let text = a.text();
        assert_eq!(
            text,
            "A title\n\nA standfirst.\n\nFirst paragraph.\n\nSub\n\nSecond."
        );
        for b in a.blocks() {
            assert_eq!(&text[b.start..b.start + b.text.len()], b.text);
        }
        assert_eq!(a.blocks()[3].kind, BlockKind::Subheading);
    }

    #[test]
    fn content_id_ignores_provenance_but_not_text() {
        let a = sample();
        let mut b = sample();
        b.source_path = Some("elsewhere.txt".into());
        b.lang = Some("en".into());
        assert_eq!(a.content_id(), b.content_id());
        assert_eq!(a.content_id().as_str().len(), 16);
        b.paragraphs[2].text.push('!');
        assert_ne!(a.content_id(), b.content_id());
    }
}

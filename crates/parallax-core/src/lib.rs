//! Domain types of parallax: articles, their paragraphs and sentences, publication
//! times, content-derived ids, text fingerprints for finding copies and diagnostics.
//! This crate does no IO and depends on no other crate of the workspace.

mod article;
pub mod calendar;
mod diagnostic;
pub mod facts;
pub mod fingerprint;
mod published;

pub use article::{Article, ArticleId, Block, BlockKind, Paragraph, ParagraphKind, Sentence};
pub use diagnostic::{Diagnostic, Severity};
pub use fingerprint::Fingerprint;
pub use published::Published;

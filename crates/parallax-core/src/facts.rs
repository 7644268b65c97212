//! Facts found in an article's text: entities, figures, quotes and dates. Every fact
//! keeps the byte span where it was found in [`crate::Article::text`] and the index of
//! the sentence it is in, so that it traces back to its sentence.

use serde::{Deserialize, Serialize};

/// A byte span of [`crate::Article::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Place,
    Organisation,
    Country,
    /// A name found by capitalisation whose kind the context does not tell.
    Other,
}

/// A named entity. `key` is language independent: an ISO 3166 alpha-2 code for a
/// country (`KR`), a transliterated slug for anything else (`vladimir-putin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub key: String,
    /// The name as written.
    pub text: String,
    /// A readable name for the key, the same for every mention of it in one article:
    /// the gazetteer's name in the article's language for a country or a place of the
    /// lists ("Rusland" for `RU` in Danish), else the mention form the article uses most,
    /// a form with a case ending counted as its form without it when the article has
    /// that too ("Kim" for "Kim", "Kims"). Empty in facts stored before it existed.
    #[serde(default)]
    pub name: String,
    pub kind: EntityKind,
    pub span: Span,
    /// Index into the article's sentences.
    pub sentence: usize,
}

/// How a figure's value bounds the true number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// "more than", "at least": the true number is above `value`.
    Lower,
    /// "fewer than", "up to": the true number is below `value`.
    Upper,
    /// "10 to 15": from `value` to `value_max`.
    Range,
}

/// A number and what it counts. `counted` is the thing counted ("soldiers",
/// "hours", "money", "percent"), `event` what happened to it ("killed", "wounded",
/// "lost", "sent"); both are language-independent concept keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: f64,
    /// The upper end of a range.
    #[serde(default)]
    pub value_max: Option<f64>,
    /// Hedged: "about", "omkring", "aproximativ", or an indefinite "thousands".
    pub approx: bool,
    #[serde(default)]
    pub bound: Option<Bound>,
    #[serde(default)]
    pub counted: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    /// A currency code, "h", "%" and the like.
    #[serde(default)]
    pub unit: Option<String>,
    /// The entity key of whom the figure is attributed to.
    #[serde(default)]
    pub source: Option<String>,
    /// The figure as written.
    pub text: String,
    pub sentence: usize,
    pub span: Span,
}

/// Quoted speech.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted text, without the quotation marks.
    pub text: String,
    /// The entity key of the speaker.
    #[serde(default)]
    pub speaker: Option<String>,
    /// The speaker as written, when one is named.
    #[serde(default)]
    pub speaker_text: Option<String>,
    /// ISO 639-1 language of the article.
    pub lang: String,
    pub sentence: usize,
    /// The quote with its quotation marks.
    pub span: Span,
}

/// How precise a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Month,
    Year,
}

/// A date mentioned in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateMention {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` by granularity.
    pub date: String,
    pub granularity: Granularity,
    /// The date as written.
    pub text: String,
    /// Resolved against the article date ("on Wednesday", "last year").
    pub relative: bool,
    pub sentence: usize,
    pub span: Span,
}

/// Everything found in one article.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Facts {
    pub entities: Vec<Entity>,
    pub figures: Vec<Figure>,
    pub quotes: Vec<Quote>,
    pub dates: Vec<DateMention>,
}

impl Facts {
    /// The readable name of an entity key in these facts ("Putin", "Rusland"): the
    /// display name of its first mention, else that mention as written; `None` when no
    /// entity has the key. Keys are for matching across languages, names for readers.
    pub fn name_of(&self, key: &str) -> Option<&str> {
        self.entities
            .iter()
            .find(|e| e.key == key)
            .map(|e| if e.name.is_empty() { &e.text } else { &e.name })
            .map(String::as_str)
    }

    /// A quote's speaker in words: the speaker's name, else the words the article used
    /// for them; `None` when neither is known.
    pub fn speaker_of<'a>(&'a self, q: &'a Quote) -> Option<&'a str> {
        q.speaker
            .as_deref()
            .and_then(|k| self.name_of(k))
            .or(q.speaker_text.as_deref().filter(|t| !t.is_empty()))
    }
}

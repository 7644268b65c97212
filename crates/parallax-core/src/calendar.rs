//! Month names in the languages parallax reads, for date lines and dates in the text.
//! Matching ignores case and a final full stop; abbreviations are included.

/// Month names per ISO 639-1 language; each entry lists every form for months 1 to 12
/// (full names, declined forms and abbreviations), separated by `|`.
const MONTHS: &[(&str, [&str; 12])] = &[
    (
        "en",
        [
            "january|jan",
            "february|feb",
            "march|mar",
            "april|apr",
            "may",
            "june|jun",
            "july|jul",
            "august|aug",
            "september|sep|sept",
            "october|oct",
            "november|nov",
            "december|dec",
        ],
    ),
    (
        "da",
        [
            "januar|jan",
            "februar|feb",
            "marts|mar",
            "april|apr",
            "maj",
            "juni|jun",
            "juli|jul",
            "august|aug",
            "september|sep|sept",
            "oktober|okt",
            "november|nov",
            "december|dec",
        ],
    ),
    (
        "nb",
        [
            "januar|jan",
            "februar|feb",
            "mars|mar",
            "april|apr",
            "mai",
            "juni|jun",
            "juli|jul",
            "august|aug",
            "september|sep|sept",
            "oktober|okt",
            "november|nov",
            "desember|des",
        ],
    ),
    (
        "sv",
        [
            "januari|jan",
            "februari|feb",
            "mars|mar",
            "april|apr",
            "maj",
            "juni|jun",
            "juli|jul",
            "augusti|aug",
            "september|sep|sept",
            "oktober|okt",
            "november|nov",
            "december|dec",
        ],
    ),
    (
        "de",
        [
            "januar|jänner|jan",
            "februar|feb",
            "märz|mär",
            "april|apr",
            "mai",
            "juni|jun",
            "juli|jul",
            "august|aug",
            "september|sep|sept",
            "oktober|okt",
            "november|nov",
            "dezember|dez",
        ],
    ),
    (
        "nl",
        [
            "januari|jan",
            "februari|feb",
            "maart|mrt",
            "april|apr",
            "mei",
            "juni|jun",
            "juli|jul",
            "augustus|aug",
            "september|sep|sept",
            "oktober|okt",
            "november|nov",
            "december|dec",
        ],
    ),
    (
        "fr",
        [
            "janvier|janv",
            "février|fevrier|févr|fevr",
            "mars",
            "avril|avr",
            "mai",
            "juin",
            "juillet|juil",
            "août|aout",
            "septembre|sept",
            "octobre|oct",
            "novembre|nov",
            "décembre|decembre|déc|dec",
        ],
    ),
    (
        "es",
        [
            "enero|ene",
            "febrero|feb",
            "marzo|mar",
            "abril|abr",
            "mayo|may",
            "junio|jun",
            "julio|jul",
            "agosto|ago",
            "septiembre|setiembre|sep|sept",
            "octubre|oct",
            "noviembre|nov",
            "diciembre|dic",
        ],
    ),
    (
        "it",
        [
            "gennaio|gen",
            "febbraio|feb",
            "marzo|mar",
            "aprile|apr",
            "maggio|mag",
            "giugno|giu",
            "luglio|lug",
            "agosto|ago",
            "settembre|set",
            "ottobre|ott",
            "novembre|nov",
            "dicembre|dic",
        ],
    ),
    (
        "pt",
        [
            "janeiro|jan",
            "fevereiro|fev",
            "março|marco|mar",
            "abril|abr",
            "maio|mai",
            "junho|jun",
            "julho|jul",
            "agosto|ago",
            "setembro|set",
            "outubro|out",
            "novembro|nov",
            "dezembro|dez",
        ],
    ),
    (
        "ro",
        [
            "ianuarie|ian",
            "februarie|feb",
            "martie|mar",
            "aprilie|apr",
            "mai",
            "iunie|iun",
            "iulie|iul",
            "august|aug",
            "septembrie|sep|sept",
            "octombrie|oct",
            "noiembrie|noi",
            "decembrie|dec",
        ],
    ),
    (
        "pl",
        [
            "styczeń|stycznia|sty",
            "luty|lutego|lut",
            "marzec|marca|mar",
            "kwiecień|kwietnia|kwi",
            "maj|maja",
            "czerwiec|czerwca|cze",
            "lipiec|lipca|lip",
            "sierpień|sierpnia|sie",
            "wrzesień|września|wrz",
            "październik|października|paź",
            "listopad|listopada|lis",
            "grudzień|grudnia|gru",
        ],
    ),
    (
        "tr",
        [
            "ocak|oca",
            "şubat|şub",
            "mart|mar",
            "nisan|nis",
            "mayıs|may",
            "haziran|haz",
            "temmuz|tem",
            "ağustos|ağu",
            "eylül|eyl",
            "ekim|eki",
            "kasım|kas",
            "aralık|ara",
        ],
    ),
    (
        "fi",
        [
            "tammikuu|tammikuuta",
            "helmikuu|helmikuuta",
            "maaliskuu|maaliskuuta",
            "huhtikuu|huhtikuuta",
            "toukokuu|toukokuuta",
            "kesäkuu|kesäkuuta",
            "heinäkuu|heinäkuuta",
            "elokuu|elokuuta",
            "syyskuu|syyskuuta",
            "lokakuu|lokakuuta",
            "marraskuu|marraskuuta",
            "joulukuu|joulukuuta",
        ],
    ),
    (
        "cs",
        [
            "leden|ledna",
            "únor|února",
            "březen|března",
            "duben|dubna",
            "květen|května",
            "červen|června",
            "červenec|července",
            "srpen|srpna",
            "září",
            "říjen|října",
            "listopad|listopadu",
            "prosinec|prosince",
        ],
    ),
    (
        "hu",
        [
            "január|jan",
            "február|febr",
            "március|márc",
            "április|ápr",
            "május|máj",
            "június|jún",
            "július|júl",
            "augusztus|aug",
            "szeptember|szept",
            "október|okt",
            "november|nov",
            "december|dec",
        ],
    ),
    (
        "ru",
        [
            "январь|января",
            "февраль|февраля",
            "март|марта",
            "апрель|апреля",
            "май|мая",
            "июнь|июня",
            "июль|июля",
            "август|августа",
            "сентябрь|сентября",
            "октябрь|октября",
            "ноябрь|ноября",
            "декабрь|декабря",
        ],
    ),
    (
        "uk",
        [
            "січень|січня",
            "лютий|лютого",
            "березень|березня",
            "квітень|квітня",
            "травень|травня",
            "червень|червня",
            "липень|липня",
            "серпень|серпня",
            "вересень|вересня",
            "жовтень|жовтня",
            "листопад|листопада",
            "грудень|грудня",
        ],
    ),
];

/// The languages with month names.
pub fn month_languages() -> impl Iterator<Item = &'static str> {
    MONTHS.iter().map(|(l, _)| *l)
}

/// The month (1 to 12) a word names in `lang`, ignoring case and a final full stop.
pub fn month_number(lang: &str, word: &str) -> Option<u8> {
    // Called for every word of every article: the forms of each language in one map,
    // with the first letters and the longest length of its forms to refuse most words
    // before any lower-casing, built once.
    struct Forms {
        map: std::collections::HashMap<&'static str, u8>,
        first: std::collections::HashSet<char>,
        longest: usize,
    }
    type ByLang = std::collections::HashMap<&'static str, Forms>;
    static FORMS: std::sync::LazyLock<ByLang> = std::sync::LazyLock::new(|| {
        let mut m: ByLang = std::collections::HashMap::new();
        for (l, months) in MONTHS {
            let forms = m.entry(*l).or_insert_with(|| Forms {
                map: Default::default(),
                first: Default::default(),
                longest: 0,
            });
            for (i, f) in months.iter().enumerate() {
                for form in f.split('|') {
                    forms.map.entry(form).or_insert(i as u8 + 1);
                    forms.first.extend(form.chars().next());
                    forms.longest = forms.longest.max(form.len());
                }
            }
        }
        m
    });
    let forms = FORMS.get(lang)?;
    let word = word.trim_end_matches('.');
    let first = word.chars().next()?;
    if word.len() > forms.longest || !first.to_lowercase().any(|c| forms.first.contains(&c)) {
        return None;
    }
    forms.map.get(word.to_lowercase().as_str()).copied()
}

/// Whether a word is a month name in some language.
pub fn is_month_name(word: &str) -> bool {
    MONTHS
        .iter()
        .any(|(lang, _)| month_number(lang, word).is_some())
}

/// The month a word names in any language, with the languages that agree on it; an
/// unambiguous answer only.
pub fn month_number_any(word: &str) -> Option<u8> {
    let mut found = None;
    for (lang, _) in MONTHS {
        if let Some(m) = month_number(lang, word) {
            match found {
                None => found = Some(m),
                Some(prev) if prev != m => return None,
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names_in_many_languages() {
        assert_eq!(month_number("da", "september"), Some(9));
        assert_eq!(month_number("ro", "Septembrie"), Some(9));
        assert_eq!(month_number("pl", "września"), Some(9));
        assert_eq!(month_number("de", "März"), Some(3));
        assert_eq!(month_number("fr", "août"), Some(8));
        assert_eq!(month_number("tr", "Ağustos"), Some(8));
        assert_eq!(month_number("en", "Sept."), Some(9));
        assert_eq!(month_number("en", "septembre"), None);
        assert_eq!(month_number_any("juin"), Some(6));
        // "mar" is March in many languages but "mai" is May everywhere it occurs
        assert_eq!(month_number_any("mai"), Some(5));
        for lang in month_languages() {
            for m in 1..=12u8 {
                let forms = MONTHS.iter().find(|(l, _)| *l == lang).unwrap().1[m as usize - 1];
                for f in forms.split('|') {
                    assert_eq!(month_number(lang, f), Some(m), "{lang} {f}");
                }
            }
        }
    }
}

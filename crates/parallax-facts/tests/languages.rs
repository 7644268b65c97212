//! One check per supported language on sentences written for these tests: a figure
//! with its value, counted concept, bound and source, and a relative date.

use parallax_core::facts::Bound;
use parallax_core::Sentence;

/// `expected`: "value counted [bound] [source]" of the first figure, then the first date.
fn check(lang: &str, input: &str, expected: &str) {
    let sents = [Sentence {
        start: 0,
        end: input.len(),
        block: 0,
    }];
    let date = time::macros::date!(2025 - 09 - 03);
    let f = parallax_facts::extract(input, &sents, lang, Some(date));
    let mut got = Vec::new();
    if let Some(x) = f.figures.first() {
        got.push(x.value.to_string());
        got.extend(x.counted.clone());
        match x.bound {
            Some(Bound::Lower) => got.push(">".into()),
            Some(Bound::Upper) => got.push("<".into()),
            Some(Bound::Range) => got.push("..".into()),
            None => {}
        }
        got.extend(x.source.clone());
    }
    if let Some(d) = f.dates.first() {
        got.push(d.date.clone());
    }
    assert_eq!(got.join(" "), expected, "{lang}: {input}");
}

#[test]
fn every_language() {
    check(
        "da",
        "Ifølge Kyiv blev mere end 1.300 soldater dræbt sidste år.",
        "1300 soldiers > UA 2024",
    );
    check(
        "ro",
        "Potrivit Moscovei, peste 2.500 de soldați au fost uciși ieri.",
        "2500 soldiers > RU 2025-09-02",
    );
    check(
        "en",
        "According to Seoul, more than 10,000 troops were sent last year.",
        "10000 soldiers > KR 2024",
    );
    check(
        "de",
        "Laut Moskau wurden gestern über 1.000 Soldaten getötet.",
        "1000 soldiers > RU 2025-09-02",
    );
    check(
        "fr",
        "Selon Kiev, plus de 3 000 soldats ont été tués l'an dernier.",
        "3000 soldiers > UA 2024",
    );
    check(
        "es",
        "Según Moscú, más de 1.500 soldados murieron ayer.",
        "1500 soldiers > RU 2025-09-02",
    );
    check(
        "it",
        "Secondo Kiev, oltre 2.000 soldati sono stati uccisi ieri.",
        "2000 soldiers > UA 2025-09-02",
    );
    check(
        "pt",
        "Segundo Moscovo, mais de 800 soldados foram mortos ontem.",
        "800 soldiers > RU 2025-09-02",
    );
    check(
        "nl",
        "Volgens Kyiv zijn gisteren meer dan 600 soldaten gedood.",
        "600 soldiers > UA 2025-09-02",
    );
    check(
        "sv",
        "Enligt Moskva dödades över 1 200 soldater i går.",
        "1200 soldiers > RU 2025-09-02",
    );
    check(
        "nb",
        "Ifølge Kyiv ble over 700 soldater drept i fjor.",
        "700 soldiers > UA 2024",
    );
    check(
        "pl",
        "Według Kijowa wczoraj zginęło ponad 900 żołnierzy.",
        "900 soldiers > UA 2025-09-02",
    );
}

/// The six languages added last (fi hu bg id vi fa): the same check, capital as source.
#[test]
fn the_six_added_languages() {
    check(
        "fi",
        "Kiovan mukaan eilen kuoli yli 1 000 sotilasta.",
        "1000 soldiers > UA 2025-09-02",
    );
    check(
        "hu",
        "Kijev szerint tavaly több mint 2000 katona meghalt.",
        "2000 soldiers > UA 2024",
    );
    check(
        "bg",
        "Според Москва вчера са убити над 500 войници.",
        "500 soldiers > RU 2025-09-02",
    );
    check(
        "id",
        "Menurut Kyiv, lebih dari 800 tentara tewas kemarin.",
        "800 soldiers > UA 2025-09-02",
    );
    check(
        "vi",
        "Theo Moskva, hơn 600 binh sĩ thiệt mạng hôm qua.",
        "600 soldiers > RU 2025-09-02",
    );
    check(
        "fa",
        "به گفته مسکو، دیروز بیش از ۳۰۰ سرباز کشته شدند.",
        "300 soldiers > RU 2025-09-02",
    );
}

//! Multi-byte characters across every buffer edge of the file-level entry that users
//! hit (`read_path`: open, sniff, decode, read): the 4 KiB sniffing head, the 64 KiB
//! decoding head and the line reader. Real-shaped JSON Lines and text files in ten
//! scripts, over 64 KiB, shifted byte by byte so that a character straddles each edge.
//! Nothing may panic and every article must come back whole.

use parallax_ingest::{read_path, Item};

/// One sentence per script (written for this test).
const SAMPLES: [&str; 10] = [
    "Der Stadtrat hat am Dienstag über die neue Brücke abgestimmt.",
    "Городской совет во вторник проголосовал за новый мост.",
    "市议会周二就新桥进行了表决，预计耗资三亿元。",
    "市議会は火曜日、新しい橋の建設を承認した。",
    "صوّت مجلس المدينة يوم الثلاثاء على الجسر الجديد.",
    "नगर परिषद ने मंगलवार को नए पुल पर मतदान किया।",
    "Το δημοτικό συμβούλιο ψήφισε την Τρίτη για τη νέα γέφυρα.",
    "시의회는 화요일 새 다리 건설을 승인했다.",
    "Městská rada v úterý hlasovala o novém mostě.",
    "Rada miasta we wtorek głosowała nad nowym mostem 😀.",
];

fn read_all(path: &std::path::Path) -> (Vec<parallax_core::Article>, Vec<String>) {
    let mut articles = Vec::new();
    let mut diags = Vec::new();
    read_path(path, None, &mut |item| match item {
        Item::Article(a) => articles.push(*a),
        Item::Diagnostic(d) => diags.push(format!("{d}")),
    });
    (articles, diags)
}

#[test]
fn jsonl_over_64k_with_characters_across_every_edge() {
    let dir = tempfile::tempdir().unwrap();
    for (i, sample) in SAMPLES.iter().enumerate() {
        for shift in 0..5usize {
            // A first record long enough that the sample text crosses 4 KiB and 64 KiB.
            let mut body = "a".repeat(4096 - 40 + shift);
            while body.len() < 64 * 1024 + 4096 {
                body.push_str(sample);
                body.push(' ');
            }
            let mut file = String::new();
            file.push_str(&serde_json::json!({"title": "Bridge vote", "body": body}).to_string());
            file.push('\n');
            for n in 0..20 {
                file.push_str(
                    &serde_json::json!({"title": format!("{sample} {n}"), "body": sample})
                        .to_string(),
                );
                file.push('\n');
            }
            let path = dir.path().join(format!("s{i}-{shift}.jsonl"));
            std::fs::write(&path, &file).unwrap();
            let (articles, diags) = read_all(&path);
            assert!(diags.is_empty(), "{sample} shift {shift}: {diags:?}");
            assert_eq!(articles.len(), 21, "{sample} shift {shift}");
            assert!(articles[0].paragraphs[0].text.contains(sample));
        }
    }
}

#[test]
fn text_format_over_64k_with_characters_across_the_head() {
    let dir = tempfile::tempdir().unwrap();
    for (i, sample) in SAMPLES.iter().enumerate() {
        for shift in 0..5usize {
            let mut text = format!(" date 2026-03-14 NYHEDER\n{sample}\n\n");
            text.push_str(&"b".repeat(shift));
            while text.len() < 64 * 1024 + 100 {
                text.push_str(sample);
                text.push(' ');
            }
            text.push('\n');
            let name = dir.path().join(format!("t{i}-{shift}.txt"));
            std::fs::write(&name, &text).unwrap();
            let (articles, _) = read_all(&name);
            assert_eq!(articles.len(), 1, "{sample} shift {shift}");
            let body = &articles[0].paragraphs.last().unwrap().text;
            assert!(body.ends_with(sample), "{sample} shift {shift}");
        }
    }
}

#[test]
fn nul_characters_are_removed_from_every_field_and_named() {
    // NUL is never text (and a PostgreSQL store cannot hold it): JSON's \u0000 in the
    // title, the body, the outlet and the metadata, and raw NUL bytes in a text file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"title": "Городской совет\u0000 проголосовал", "body": "Der Stadtrat hat am Dienstag\u0000 über die neue Brücke abgestimmt.\n\n\u0000", "source": "Вечерний\u0000 вестник", "tags": {"a\u0000b": ["x\u0000"]}}"#,
            "\n",
            r#"{"title": "\u0000"}"#,
            "\n",
            r#"{"title": "市议会周二就新桥进行了表决", "body": "市议会周二就新桥进行了表决，预计耗资三亿元。"}"#,
            "\n"
        ),
    )
    .unwrap();
    let (articles, diags) = read_all(&path);
    assert_eq!(articles.len(), 2, "{diags:?}");
    let a = &articles[0];
    assert_eq!(a.title.as_deref(), Some("Городской совет проголосовал"));
    assert_eq!(a.source.as_deref(), Some("Вечерний вестник"));
    assert_eq!(a.paragraphs.len(), 1, "{:?}", a.paragraphs);
    assert!(!a.text().contains('\0'));
    assert_eq!(a.metadata["tags"], serde_json::json!({"ab": ["x"]}));
    assert_eq!(a.id, a.content_id(), "the id is of the text kept");
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert!(
        diags[0].contains("nul.jsonl")
            && diags[0].contains("record 1")
            && diags[0].contains("source, title, body, metadata")
            && diags[0].contains("removed"),
        "{}",
        diags[0]
    );
    assert!(
        diags[1].contains("record 2") && diags[1].contains("no text is left"),
        "{}",
        diags[1]
    );
    // A raw NUL byte in a file is not JSON's escape: the file is binary, refused by name.
    let text = dir.path().join("nul.txt");
    std::fs::write(
        &text,
        " date 2026-01-12 NEWS\nΤο δημοτικό\0 συμβούλιο\n\nΤο δημοτικό συμβούλιο ψήφισε.\n",
    )
    .unwrap();
    let (articles, diags) = read_all(&text);
    assert!(articles.is_empty());
    assert!(
        diags.len() == 1 && diags[0].contains("nul.txt") && diags[0].contains("NUL byte"),
        "{diags:?}"
    );
}

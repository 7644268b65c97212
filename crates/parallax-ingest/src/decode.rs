//! Text encodings: a byte-order mark decides; otherwise valid UTF-8 is UTF-8, and for
//! anything else `chardetng` guesses the legacy encoding (Windows-1252, ISO-8859-2,
//! Shift_JIS, …) from the first 64 KiB, and `encoding_rs` decodes the stream as it is
//! read. Empty and binary files are refused here, with a message saying so.
//!
//! HTML pages (and WARC payloads) go through [`decode_html`]: a BOM, then the charset
//! of the HTTP `Content-Type`, then a `<meta charset>` or `http-equiv` declaration in
//! the first 4 KiB, then valid UTF-8, then `chardetng`.

use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;
use parallax_core::Diagnostic;
use std::io::{BufRead, BufReader, Cursor, Read};

/// How much of the start of a file is looked at.
const HEAD_BYTES: usize = 64 * 1024;

/// A decoded input: UTF-8 lines to read, the decoded start for sniffing, and a warning
/// when the encoding had to be guessed.
pub struct Decoded<'a> {
    pub reader: Box<dyn BufRead + 'a>,
    pub head: String,
    pub encoding: &'static Encoding,
    pub warning: Option<Diagnostic>,
}

/// Opens a byte stream as text, or says why it is not text.
pub fn open<'a>(name: &str, mut reader: impl Read + 'a) -> Result<Decoded<'a>, Diagnostic> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut reader)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| Diagnostic::error(name, format!("cannot read: {e}")))?;
    if head.is_empty() {
        return Err(Diagnostic::error(name, "empty file: no article in it"));
    }
    let complete = head.len() < HEAD_BYTES;
    let (encoding, warning) = match Encoding::for_bom(&head) {
        Some((enc, _)) => (enc, None),
        None => {
            if let Some(why) = binary(&head) {
                return Err(Diagnostic::error(
                    name,
                    format!("binary file ({why}): parallax reads UTF-8 or legacy-encoded text, such as the text format or JSON Lines"),
                ));
            }
            if is_utf8(&head, complete) {
                (UTF_8, None)
            } else {
                let mut det =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
                det.feed(&head, complete);
                let enc = det.guess(None, chardetng::Utf8Detection::Allow);
                let w = Diagnostic::warning(
                    name,
                    format!("not UTF-8: decoded as {} (detected)", enc.name()),
                );
                (enc, Some(w))
            }
        }
    };
    let head_text = {
        let (text, _, _) = encoding.decode(&head);
        let mut t = text.into_owned();
        if !complete {
            // The last character may have been cut; sniffing needs no more than this.
            // Cut at a character boundary: `truncate` inside a multi-byte
            // character panics.
            let mut cut = t.len().saturating_sub(4);
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
        }
        t
    };
    let stream = Cursor::new(head).chain(reader);
    let decoder = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .strip_bom(true)
        .build(stream);
    Ok(Decoded {
        reader: Box::new(BufReader::with_capacity(64 * 1024, decoder)),
        head: head_text,
        encoding,
        warning,
    })
}

/// How far into a page a `<meta charset>` is looked for (HTML5 says 1024 bytes; pages
/// with long heads put it later).
const META_SCAN_BYTES: usize = 4096;

/// Decodes a whole HTML page; `http_charset` is the charset of an HTTP `Content-Type`
/// header, if there was one. Returns the text and a warning when the encoding was
/// guessed or a declared one is unknown.
pub fn decode_html(bytes: &[u8], http_charset: Option<&str>) -> (String, Option<String>) {
    let mut warning = None;
    let encoding = if let Some((enc, _)) = Encoding::for_bom(bytes) {
        enc
    } else if let Some(enc) = http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        enc
    } else if let Some(enc) = meta_charset(&bytes[..bytes.len().min(META_SCAN_BYTES)]) {
        enc
    } else if std::str::from_utf8(bytes).is_ok() {
        UTF_8
    } else {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
        det.feed(
            &bytes[..bytes.len().min(HEAD_BYTES)],
            bytes.len() <= HEAD_BYTES,
        );
        let enc = det.guess(None, chardetng::Utf8Detection::Allow);
        warning = Some(format!(
            "no charset declared and not UTF-8: decoded as {} (detected)",
            enc.name()
        ));
        enc
    };
    // A page declaring UTF-16 in a meta tag is ASCII-compatible in fact (HTML5 rule).
    let encoding = if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        if Encoding::for_bom(bytes).is_some() {
            encoding
        } else {
            UTF_8
        }
    } else {
        encoding
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors && warning.is_none() {
        warning = Some(format!(
            "invalid {} bytes replaced with U+FFFD",
            encoding.name()
        ));
    }
    (text.into_owned(), warning)
}

/// The encoding a `<meta charset=…>` or `<meta http-equiv="content-type"
/// content="…; charset=…">` in `head` declares.
pub fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(i) = find(&lower[from..], b"<meta") {
        let start = from + i;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(j) = find(tag, b"charset") {
            let rest = &tag[j + 7..];
            let rest = rest.strip_prefix(b" ").unwrap_or(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest: &[u8] = {
                    let mut r = rest;
                    while let [b' ' | b'"' | b'\'', tail @ ..] = r {
                        r = tail;
                    }
                    r
                };
                let label_end = rest
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                    return Some(enc);
                }
            }
        }
        from = end.max(start + 5);
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `charset` parameter of a `Content-Type` value.
pub fn content_type_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

fn is_utf8(head: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut by the end of the sample is fine.
        Err(e) => !complete && e.error_len().is_none(),
    }
}

/// Why the start of a file looks binary, if it does.
fn binary(head: &[u8]) -> Option<String> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some("gzip-compressed; decompress it first".into());
    }
    if let Some(i) = head.iter().position(|&b| b == 0) {
        return Some(format!("a NUL byte at offset {i}"));
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    (control * 20 > head.len())
        .then(|| format!("{control} control bytes in the first {} bytes", head.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<(String, Option<String>), String> {
        let mut d = open("f", bytes).map_err(|d| d.message)?;
        let mut s = String::new();
        d.reader.read_to_string(&mut s).unwrap();
        Ok((s, d.warning.map(|w| w.message)))
    }

    /// Characters of 1 to 4 bytes in UTF-8 (and 2 in UTF-16) placed across the edge of
    /// the 64 KiB head, at every offset of the character: the head is cut at a boundary
    /// and the whole text comes back unchanged.
    #[test]
    fn multibyte_characters_across_the_head_edge() {
        for ch in ['a', 'ø', 'ș', '日', 'Ж', 'ع', 'क', 'λ', '😀', '𠀋'] {
            for shift in 0..8 {
                let mut text = "x".repeat(HEAD_BYTES - shift);
                while text.len() < HEAD_BYTES + 16 {
                    text.push(ch);
                }
                text.push_str(" tail");
                let (back, warning) = decode_all(text.as_bytes()).unwrap();
                assert_eq!(back, text, "{ch:?} shifted {shift}");
                assert_eq!(warning, None);
                let d = open("f", text.as_bytes()).unwrap();
                assert!(text.starts_with(&d.head));
                assert!(d.head.len() + 8 >= HEAD_BYTES);
            }
        }
    }

    /// Legacy multi-byte encodings (Shift_JIS, GBK, EUC-KR) whose head ends inside a
    /// character decode without a panic and keep the text.
    #[test]
    fn legacy_multibyte_across_the_head_edge() {
        for (enc, sample) in [
            (encoding_rs::SHIFT_JIS, "東京都の人口は増えている。"),
            (encoding_rs::GBK, "北京市的人口正在增长。"),
            (encoding_rs::EUC_KR, "서울의 인구가 늘고 있다. "),
        ] {
            for shift in 0..4 {
                let mut text = "x".repeat(HEAD_BYTES - shift - 64);
                while text.len() < HEAD_BYTES * 2 {
                    text.push_str(sample);
                }
                let (bytes, _, _) = enc.encode(&text);
                let (back, _) = decode_all(&bytes).unwrap();
                assert!(back.ends_with(sample), "{}", enc.name());
            }
        }
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(
            decode_all("Ærø ș".as_bytes()).unwrap(),
            ("Ærø ș".into(), None)
        );
        assert_eq!(
            decode_all(b"\xef\xbb\xbfabc").unwrap(),
            ("abc".into(), None)
        );
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("Kim".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode_all(&utf16).unwrap().0, "Kim");
    }

    #[test]
    fn legacy_encodings_are_detected_and_decoded() {
        let (text, _, _) = encoding_rs::WINDOWS_1252
            .encode("Le président a déclaré à la télévision qu'il était très inquiet.");
        let (s, w) = decode_all(&text).unwrap();
        assert!(s.contains("président"), "{s}");
        assert!(w.unwrap().contains("windows-1252"));
        let (text, _, _) = encoding_rs::ISO_8859_2.encode("Prezydent powiedział, że żołnierze walczyli dzielnie i że będą nagrodzeni przez państwo.");
        let (s, w) = decode_all(&text).unwrap();
        assert!(s.contains("żołnierze"), "{s}");
        assert!(w.is_some());
    }

    #[test]
    fn html_charsets() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("<p>Café déjà</p>");
        let page = [
            b"<html><head><meta charset=\"windows-1252\"></head>".as_slice(),
            &bytes,
        ]
        .concat();
        assert_eq!(
            decode_html(&page, None),
            (
                "<html><head><meta charset=\"windows-1252\"></head><p>Café déjà</p>".into(),
                None
            )
        );
        let page = [
            b"<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-2'>".as_slice(),
            &encoding_rs::ISO_8859_2.encode("żółw").0,
        ]
        .concat();
        assert!(decode_html(&page, None).0.ends_with("żółw"));
        // The HTTP header wins over the page; a BOM wins over both.
        assert!(decode_html(&bytes, Some("windows-1252")).0.contains("Café"));
        assert_eq!(decode_html(b"\xef\xbb\xbfok", Some("latin1")).0, "ok");
        let (t, w) = decode_html(&bytes, None);
        assert!(t.contains("Café") && w.unwrap().contains("detected"), "{t}");
        assert_eq!(
            content_type_charset("text/html; charset=\"UTF-8\""),
            Some("UTF-8")
        );
        assert_eq!(content_type_charset("text/html"), None);
        assert_eq!(meta_charset(b"<meta charset=>"), None);
    }

    #[test]
    fn empty_and_binary_are_refused() {
        assert!(decode_all(b"").unwrap_err().contains("empty"));
        assert!(decode_all(b"PK\x03\x04\x00\x00")
            .unwrap_err()
            .contains("binary"));
        assert!(decode_all(b"\x1f\x8b\x08\x00abc")
            .unwrap_err()
            .contains("gzip"));
    }
}

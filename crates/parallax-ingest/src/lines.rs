//! Reading lines with a bound on their length, so that a file without line breaks can
//! not make a reader hold it whole.

use std::io::{self, BufRead};

/// One line read.
pub enum Line {
    /// A line without its line ending (`\n` or `\r\n`).
    Text(String),
    /// A line longer than the bound: skipped up to its end; the number of bytes.
    TooLong(usize),
    /// End of input.
    Eof,
}

/// Reads the next line, holding at most `max` bytes of it.
pub fn next_line(reader: &mut dyn BufRead, max: usize) -> io::Result<Line> {
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        total += take;
        if total <= max + 2 {
            buf.extend_from_slice(&chunk[..take]);
        } else if !buf.is_empty() {
            buf = Vec::new();
        }
        reader.consume(take);
        if done {
            break;
        }
    }
    if !any {
        return Ok(Line::Eof);
    }
    if total > max + 2 {
        return Ok(Line::TooLong(total));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    // The decoder upstream hands out UTF-8 only.
    Ok(Line::Text(String::from_utf8_lossy(&buf).into_owned()))
}

//! Fuzz target: arbitrary bytes through the text reader (as format `text`) must yield
//! articles and diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_ingest::{read_bytes, Format};

fuzz_target!(|data: &[u8]| {
    let _ = read_bytes("fuzz.text", data, Some(Format::Text));
});

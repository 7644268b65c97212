//! Fuzz target: arbitrary bytes through the warc reader (as format `warc`) must yield
//! articles and diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_ingest::{read_bytes, Format};

fuzz_target!(|data: &[u8]| {
    let _ = read_bytes("fuzz.warc", data, Some(Format::Warc));
});

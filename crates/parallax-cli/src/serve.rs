//! `parallax serve`: the HTTP API and web UI over the store, with the embedding model
//! loaded for search and for vectors of posted articles. Ctrl-C stops it after the
//! requests in flight are answered and their writes committed.

use crate::commands::Ctx;
use anyhow::{Context, Result};
use parallax_engine::vectors::Vectors;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

/// Serves the store at `db` on `addr` until Ctrl-C; `banner` is printed with the
/// address once it is bound.
pub fn serve_store(
    vectors: Vectors,
    db: &Path,
    addr: SocketAddr,
    token: Option<String>,
    banner: &str,
) -> Result<()> {
    let mut config = parallax_server::ServerConfig::new(db.to_path_buf(), Some(vectors));
    config.token = token.filter(|t| !t.is_empty());
    parallax_server::run(config, addr, |bound| {
        // A server whose standard output is closed after its banner (a supervisor
        // that read the address and went away) keeps serving: the banner's write
        // errors are ignored, never a panic.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{banner}http://{bound}/");
        let _ = writeln!(out, "Ctrl-C stops the server.");
        let _ = out.flush();
    })
    .with_context(|| format!("cannot serve the store {}", crate::commands::shown(db)))?;
    let _ = writeln!(std::io::stderr(), "stopped");
    Ok(())
}

pub fn run(ctx: &Ctx, addr: SocketAddr, token: Option<String>) -> Result<ExitCode> {
    serve_store(ctx.vectors()?, &ctx.db, addr, token, "parallax serves ")?;
    Ok(ExitCode::SUCCESS)
}

//! `parallax serve`: the HTTP API and web UI over the store, with the embedding model
//! loaded for search and for vectors of posted articles. Ctrl-C stops it after the
//! requests in flight are answered and their writes committed.

use crate::commands::Ctx;
use anyhow::{Context, Result};
use parallax_engine::vectors::Vectors;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

/// Serves the store at `db` on `addr` until Ctrl-C; `banner` is printed with the
/// address once it is bound.
pub fn serve_store(vectors: Vectors, db: &Path, addr: SocketAddr, banner: &str) -> Result<()> {
    let config = parallax_server::ServerConfig::new(db.to_path_buf(), Some(vectors));
    parallax_server::run(config, addr, |bound| {
        println!("{banner}http://{bound}/");
        println!("Ctrl-C stops the server.");
    })
    .with_context(|| format!("cannot serve the store {}", db.display()))?;
    eprintln!("stopped");
    Ok(())
}

pub fn run(ctx: &Ctx, addr: SocketAddr) -> Result<ExitCode> {
    serve_store(ctx.vectors()?, &ctx.db, addr, "parallax serves ")?;
    Ok(ExitCode::SUCCESS)
}

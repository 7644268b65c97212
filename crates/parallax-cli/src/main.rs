//! The `parallax` binary: parses arguments, runs one command, maps the result to an exit
//! code (0 all good, 1 some inputs rejected, 2 usage or fatal error). A closed pipe
//! (`parallax articles | head`) is a clean exit.

mod args;
mod commands;
mod compare;
mod demo;
mod eval;
mod model;
mod output;
mod serve;
mod stories;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = args::Args::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("parallax: {e:#}");
            ExitCode::from(2)
        }
    }
}

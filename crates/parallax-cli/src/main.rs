//! The `parallax` binary: parses arguments, runs one command, maps the result to an exit
//! code (0 all good, 1 some inputs rejected, 2 usage or fatal error). A closed pipe
//! (`parallax articles | head`) is a clean exit.

mod args;
mod bench;
mod commands;
mod compare;
mod demo;
mod eval;
mod export;
mod model;
mod output;
mod search;
mod serve;
mod stories;
mod worklog;

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
            eprintln!("parallax: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: a cause whose text the message already
/// holds (`cannot listen on …: Address already in use (os error 98)` over the same IO
/// error) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if !msg.contains(&c) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&c);
        }
    }
    msg
}

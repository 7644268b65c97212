//! README.md read as a Markdown renderer reads it (CommonMark, pulldown-cmark): every
//! fenced block is closed, no inline code span is cut by a backtick inside it, and every
//! `parallax …` command line of its shell blocks names a real command whose `--help`
//! lists each flag the line uses.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::path::PathBuf;
use std::process::Command;

fn readme() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).expect("README.md")
}

/// The line number (1-based) of a byte offset.
fn line_of(src: &str, offset: usize) -> usize {
    src[..offset].matches('\n').count() + 1
}

/// Fenced blocks: (language, text, first line), each checked to end with its closing fence.
fn fenced_blocks(src: &str) -> (Vec<(String, String, usize)>, Vec<String>) {
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for (event, range) in Parser::new(src).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                let raw = src[range.clone()].trim_end();
                let opening = raw.lines().next().unwrap_or_default().trim_start();
                let fence: String = opening
                    .chars()
                    .take_while(|c| *c == '`' || *c == '~')
                    .collect();
                let last = raw.lines().last().unwrap_or_default().trim();
                let closed = raw.lines().count() > 1
                    && last.starts_with(&fence)
                    && last
                        .chars()
                        .all(|c| c == fence.chars().next().unwrap_or('`'));
                if !closed {
                    problems.push(format!(
                        "README.md:{}: a fenced block that is never closed",
                        line_of(src, range.start)
                    ));
                }
                current = Some((lang.to_string(), String::new(), line_of(src, range.start)));
            }
            Event::Text(t) => {
                if let Some((_, text, _)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            // A span that ends with a space it did not start with (CommonMark strips
            // one of each only in pairs) is the first part of a span cut by a backtick
            // inside it: `field `x`: error` renders as `field ` x `: error`. (A span may
            // start with a space on purpose: ` / CREDIT`.)
            Event::Code(code) if code.ends_with(' ') && !code.starts_with(' ') => {
                problems.push(format!(
                    "README.md:{}: the code span `{code}` is cut by a backtick inside it \
                     (write it between double backticks)",
                    line_of(src, range.start)
                ));
            }
            _ => {}
        }
    }
    (blocks, problems)
}

#[test]
fn the_readme_renders_as_written() {
    let src = readme();
    let (blocks, problems) = fenced_blocks(&src);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        blocks.iter().filter(|(lang, _, _)| lang == "sh").count() >= 3,
        "the shell blocks of README.md: {blocks:#?}"
    );
}

#[test]
fn the_check_finds_a_broken_fence_and_a_cut_span() {
    let (_, problems) = fenced_blocks("# t\n\n```sh\nparallax stories\n\nmore text\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let (_, problems) = fenced_blocks("printed as `file:line: field `x`: error`.\n");
    assert!(!problems.is_empty(), "{problems:?}");
    let (_, problems) = fenced_blocks("```sh\nparallax stories\n```\n\n`` a `x` b ``\n");
    assert!(problems.is_empty(), "{problems:?}");
}

/// The command words of a `parallax …` line (`eval clusters`, `model fetch`, `ingest`)
/// and the flags it uses.
fn command_of(line: &str) -> Option<(Vec<String>, Vec<String>)> {
    let line = line.split(" # ").next().unwrap_or(line).trim();
    let rest = if let Some(i) = line.find(" -- ") {
        line.starts_with("cargo run").then(|| &line[i + 4..])?
    } else {
        line.strip_prefix("parallax ")?
    };
    let rest = rest.split("&&").next().unwrap_or(rest);
    let words: Vec<String> = rest
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .map(str::to_string)
        .collect();
    let flags = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect();
    Some((words, flags))
}

#[test]
fn every_command_in_the_readme_exists_with_its_flags() {
    let src = readme();
    let (blocks, _) = fenced_blocks(&src);
    let mut checked = 0;
    let mut problems = Vec::new();
    for (_, text, first) in blocks.iter().filter(|(lang, _, _)| lang == "sh") {
        for (k, line) in text.lines().enumerate() {
            let Some((words, flags)) = command_of(line) else {
                continue;
            };
            // The longest prefix of the words that is a command (`eval clusters`, not
            // `eval clusters FILE`): `--help` succeeds for it.
            let help = (1..=words.len()).rev().find_map(|n| {
                let out = Command::new(env!("CARGO_BIN_EXE_parallax"))
                    .args(&words[..n])
                    .arg("--help")
                    .output()
                    .expect("run parallax");
                out.status
                    .success()
                    .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
            });
            let Some(help) = help else {
                problems.push(format!(
                    "README.md:{}: `{}` is not a parallax command",
                    first + k + 1,
                    words.join(" ")
                ));
                continue;
            };
            for flag in flags {
                let known = help
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .any(|w| w == flag);
                if !known {
                    problems.push(format!(
                        "README.md:{}: `parallax {}` has no flag {flag}",
                        first + k + 1,
                        words.join(" ")
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked >= 20, "only {checked} command lines were checked");
}

//! The docs quote only log lines the code writes: every `"message":"…"` in a JSON log
//! example and every "logs `…`" in docs/*.md is a string literal in Flare's source.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).to_path_buf()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && !matches!(name, "target" | ".tools" | "node_modules" | ".git") {
            files(&p, ext, out);
        } else if p.extension().and_then(|x| x.to_str()) == Some(ext) {
            out.push(p);
        }
    }
}

/// The text between `open` and the next `close`, for each `open`.
fn quoted<'a>(text: &'a str, open: &str, close: char) -> Vec<&'a str> {
    text.match_indices(open)
        .filter_map(|(i, _)| {
            let rest = &text[i + open.len()..];
            rest.find(close).map(|end| &rest[..end])
        })
        .collect()
}

/// Log messages the docs quote.
fn quoted_log_lines(doc: &str) -> Vec<String> {
    let mut out: Vec<String> = quoted(doc, "\"message\":\"", '"')
        .into_iter()
        .map(str::to_owned)
        .collect();
    for q in quoted(doc, "logs `", '`') {
        out.push(q.trim_matches('"').to_owned());
    }
    for q in quoted(doc, "logged by the worker (`\"", '"') {
        out.push(q.to_owned());
    }
    out
}

#[test]
fn every_quoted_log_line_is_written_by_the_code() {
    let mut sources = Vec::new();
    for dir in ["shared", "functions", "integrations", "infra"] {
        files(&root().join(dir), "rs", &mut sources);
    }
    let code: String = sources
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let mut docs = Vec::new();
    files(&root().join("docs"), "md", &mut docs);
    let mut checked = 0;
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap_or_default();
        for line in quoted_log_lines(&text) {
            checked += 1;
            assert!(
                code.contains(&format!("\"{line}\"")),
                "{} quotes the log line {line:?}, which no code writes",
                doc.display()
            );
        }
    }
    // operations.md has at least its JSON example and the two "logs `…`" quotes.
    assert!(
        checked >= 3,
        "only {checked} quotes found: the parser broke"
    );
}

#[test]
fn the_parser_finds_what_the_docs_quote() {
    let doc = r#"and logs `could not read it`. {"level":"WARN","fields":{"message":"quarantined mail","x":1}} Denials are also logged by the worker (`"denied"`, with"#;
    let mut got = quoted_log_lines(doc);
    got.sort();
    assert_eq!(got, ["could not read it", "denied", "quarantined mail"]);
}

/// The README's demo transcript numbers its steps 1..n, n being the steps `make demo`
/// prints (one per `say` in infra/local/src/bin/demo.rs).
#[test]
fn the_readme_demo_numbers_every_step_the_demo_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let demo =
        std::fs::read_to_string(root().join("infra/local/src/bin/demo.rs")).unwrap_or_default();
    let start = readme
        .find("(from `make demo`)")
        .expect("the README has the demo transcript");
    let block = &readme[start..];
    let block = &block[block.find("```").unwrap_or(0) + 3..];
    let block = &block[..block.find("```").unwrap_or(block.len())];
    let numbers: Vec<usize> = block
        .lines()
        .filter_map(|l| l.trim_start().split_once(". "))
        .filter_map(|(n, _)| n.parse().ok())
        .collect();
    let steps = demo.matches("d.say(").count();
    assert!(steps > 5, "the demo's steps weren't found");
    assert_eq!(numbers, (1..=steps).collect::<Vec<_>>());
}

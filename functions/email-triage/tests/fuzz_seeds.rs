//! Keeps the fuzz targets (`fuzz/`, run by `make fuzz` under libFuzzer) from rotting:
//! their bodies are compiled here on stable, inside the workspace, and run over every
//! checked-in seed in `fuzz/corpus/<target>/`. It lives in this crate because it is
//! the one that sees both `flare` (the Slack targets) and the mail parser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_target_has_a_body_and_seeds() {
    let mut files: Vec<String> = names_in(&fuzz_dir().join("fuzz_targets"))
        .into_iter()
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
        .collect();
    files.sort();
    let mut listed: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    listed.sort();
    assert_eq!(files, listed, "fuzz_targets/*.rs and TARGETS differ");
    for name in &listed {
        assert!(
            !names_in(&fuzz_dir().join("corpus").join(name)).is_empty(),
            "no seeds for {name}"
        );
    }
}

#[test]
fn every_seed_runs_through_its_target() {
    for (name, run) in targets::TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        for seed in names_in(&dir) {
            let data = std::fs::read(dir.join(&seed)).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "fuzz/corpus/{name}/{seed} crashes its target"
            );
        }
    }
}

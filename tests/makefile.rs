//! The Makefile's side of the local-mode contract: `make run PORT=N` and
//! `FLARE_LOCAL_PORT=N make run` both serve on N (checked with `make -n`, which prints
//! the command without running it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn run_line(env: &[(&str, &str)], args: &[&str]) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut cmd = Command::new("make");
    cmd.current_dir(root).args(["-s", "-n", "run"]).args(args);
    cmd.env_remove("PORT").env_remove("FLARE_LOCAL_PORT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("make runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn flare_local_port_from_the_environment_is_honoured() {
    assert!(run_line(&[("FLARE_LOCAL_PORT", "4000")], &[]).contains("FLARE_LOCAL_PORT=4000 "));
}

#[test]
fn port_on_the_command_line_is_honoured() {
    assert!(run_line(&[], &["PORT=4100"]).contains("FLARE_LOCAL_PORT=4100 "));
    // The command line wins over the environment.
    assert!(
        run_line(&[("FLARE_LOCAL_PORT", "4000")], &["PORT=4100"])
            .contains("FLARE_LOCAL_PORT=4100 ")
    );
}

#[test]
fn the_default_is_3000() {
    assert!(run_line(&[], &[]).contains("FLARE_LOCAL_PORT=3000 "));
}

fn makefile() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Makefile")).expect("Makefile")
}

fn make(args: &[&str]) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new("make")
        .current_dir(root)
        .args(args)
        .output()
        .expect("make runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every target the Makefile declares phony.
fn phony_targets(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(".PHONY:"))
        .flat_map(|l| l.split_whitespace().map(str::to_owned))
        .collect()
}

#[test]
fn every_declared_target_has_a_rule() {
    let text = makefile();
    let targets = phony_targets(&text);
    assert!(targets.iter().any(|t| t == "unit"), "{targets:?}");
    for t in targets {
        let rule = format!("{t}:");
        assert!(
            text.lines().any(|l| l.starts_with(&rule)),
            "`make {t}` is declared but has no rule"
        );
    }
}

#[test]
fn help_lists_every_target_people_run() {
    let help = make(&["-s", "help"]);
    // Internal steps of `make lint` and housekeeping, not commands of the README.
    let internal = ["help", "fmt", "clippy", "clean-tools"];
    let text = makefile();
    let mut targets = phony_targets(&text);
    // Targets with a rule but no .PHONY line count too.
    for t in ["config-check", "config-sync"] {
        assert!(text.lines().any(|l| l.starts_with(&format!("{t}:"))));
        targets.push(t.to_owned());
    }
    for t in targets.iter().filter(|t| !internal.contains(&t.as_str())) {
        assert!(
            help.lines().any(|l| l.starts_with(&format!("make {t} "))),
            "`make help` doesn't mention `make {t}`:\n{help}"
        );
    }
    let lint = help.lines().find(|l| l.starts_with("make lint ")).unwrap();
    for step in ["rustfmt", "clippy", "validate"] {
        assert!(lint.contains(step), "{lint}");
    }
}

#[test]
fn make_unit_needs_no_moto() {
    let line = make(&["-s", "-n", "unit"]);
    assert!(line.contains("--lib"), "{line}");
    assert!(!line.contains("with-moto"), "{line}");
}

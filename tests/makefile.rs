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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    assert!(run_line(&[("FLARE_LOCAL_PORT", "4000")], &["PORT=4100"]).contains("FLARE_LOCAL_PORT=4100 "));
}

#[test]
fn the_default_is_3000() {
    assert!(run_line(&[], &[]).contains("FLARE_LOCAL_PORT=3000 "));
}

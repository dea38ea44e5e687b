//! The whole suite within the roles: every AWS call the local host's functions made during
//! `make test` is allowed by that function's role in `template.yaml`.
//!
//! The local host gives each function its own SDK configuration, so with
//! `FLARE_AWS_RECORD` set (`infra/scripts/run-tests.sh` sets it for the run) every call is
//! recorded under the function that would make it in AWS (`shared/src/aws/record.rs`).
//! This test runs after the rest of the suite, on what it recorded, with the same IAM
//! evaluator as `tests/binaries.rs`: where that test takes one incident through the five
//! binaries, this one covers every path the end-to-end tests drive (merges, tickets,
//! mail, stats, exports, reminders, postmortems…). moto enforces no IAM; this does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "iam/mod.rs"]
mod iam;

use flare::aws::record::{Operation, RECORD_DIR_ENV};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The template's names for what each test's prefix named (`t…-table`, `flare-local-bus`):
/// every test has resources of its own, the roles name the stack's.
fn names(stack: &iam::Stack, ops: &[Operation]) -> iam::Names {
    let mut names = iam::Names::default();
    for op in ops {
        let Some((_, suffix)) = op.name.split_once('-') else {
            continue;
        };
        let suffix = suffix.strip_prefix("local-").unwrap_or(suffix);
        let logical = match suffix {
            "table" => "Table",
            "commands.fifo" => "CommandQueue",
            "bus" => "Bus",
            "postmortems" => "PostmortemBucket",
            "inbound" => "InboundBucket",
            _ => continue,
        };
        names = names.add(op.name.clone(), stack.physical_name(logical));
    }
    names
}

#[test]
#[ignore = "run by infra/scripts/run-tests.sh after the rest of the suite, on its recordings"]
fn every_aws_call_of_the_suite_is_allowed_by_its_functions_role() {
    let dir = std::env::var_os(RECORD_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{RECORD_DIR_ENV} must name the suite's recordings"));
    let template = iam::template();
    let stack = iam::Stack::parse(&template);
    let functions: BTreeSet<String> = stack.binaries().into_iter().collect();
    // The host's own calls (provisioning, what tests read and seed) are `local`: no role.
    let ops: Vec<Operation> = iam::read_recordings(&dir)
        .into_iter()
        .filter(|o| functions.contains(&o.function))
        .collect();
    let seen: BTreeSet<String> = ops.iter().map(|o| o.function.clone()).collect();
    assert_eq!(
        seen,
        functions,
        "every function's calls are recorded in {}",
        dir.display()
    );

    let names = names(&stack, &ops);
    let denied = iam::denied(&stack, &ops, &names);
    assert!(
        denied.is_empty(),
        "template.yaml's roles deny what the suite's functions did:\n{}",
        denied.join("\n")
    );

    // The check can fail: without any one action a function used, it does.
    let used = iam::assert_each_used_action_is_needed(&template, &ops, |_| names.clone());

    // Granted, and never used by any test: for the reviewer of the next grant.
    let report = dir.join("unused-grants.txt");
    let lines = iam::report_unused(&stack, &ops, &names, &report);
    eprintln!(
        "{} calls checked ({} distinct actions); granted and never used ({}):\n{}",
        ops.len(),
        used,
        report.display(),
        lines.join("\n")
    );
}

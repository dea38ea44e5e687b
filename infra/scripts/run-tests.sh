#!/usr/bin/env bash
# Every test of the workspace: cargo-nextest when present (parallel, one process per
# test), else cargo test. The Lambda binaries are built first: tests boot them.
# Every AWS call the local host's functions make is recorded (FLARE_AWS_RECORD); after a
# whole run, tests/roles.rs checks them against each function's role in template.yaml.
# With arguments (a filter), that check is skipped: a part of the suite doesn't reach
# every function.
set -euo pipefail
cargo build --workspace --bins
record="${FLARE_AWS_RECORD:-$PWD/target/aws-record}"
mkdir -p "$record"
# Only what a run writes there: FLARE_AWS_RECORD may name a directory with other files.
rm -f "$record"/*.jsonl "$record/unused-grants.txt"
export FLARE_AWS_RECORD="$record"
status=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@" || status=$?
  if [ $# -eq 0 ]; then
    # --workspace, as above: the same features, so nothing is rebuilt.
    cargo nextest run --workspace -E 'binary(roles)' --run-ignored only || status=$?
  fi
else
  cargo test --workspace --no-fail-fast "$@" || status=$?
  if [ $# -eq 0 ]; then
    cargo test --workspace --test roles -- --ignored || status=$?
  fi
fi
exit "$status"

#!/usr/bin/env bash
# Every test of the workspace: cargo-nextest when present (parallel, one process per
# test), else cargo test. The Lambda binaries are built first: tests boot them.
set -euo pipefail
cargo build --workspace --bins
if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --workspace --no-fail-fast "$@"
else
  exec cargo test --workspace --no-fail-fast "$@"
fi

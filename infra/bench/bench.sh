#!/usr/bin/env bash
# `make bench`: Flare's benchmarks (docs/performance.md). Installs what it needs (wrk via
# apt-get, Bolt from the committed package-lock.json), builds in target/bench so it never
# blocks other builds, writes raw outputs to infra/bench/results/.
#   BENCH_SKIP_CRITERION=1   skip the Criterion benches    BENCH_SKIP_HTTP=1  skip the HTTP part
#   BENCH_SKIP_SCALE=1       skip the scale run (SCALE_OPEN, SCALE_CLOSED, SCALE_RUNS: see flare-scale)
#   BENCH_DURATION=10s BENCH_CONCURRENCY="1 8 32" BENCH_REPEAT=2 BENCH_COLD_RUNS=10 BENCH_MODES="shared pinned"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-$root/target/bench}"
CARGO="${CARGO:-cargo}"
out="$root/infra/bench/results"
mkdir -p "$out"

missing=()
for t in wrk taskset curl; do command -v "$t" >/dev/null || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sed 's/^taskset$/util-linux/' | tr '\n' ' ')
  echo "installing $pkgs with apt-get" >&2
  sudo_=$( [ "$(id -u)" = 0 ] || echo sudo )
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq $pkgs
fi
command -v node >/dev/null || { echo "node (20+) and npm are needed for the Bolt reference app" >&2; exit 1; }
if [ ! -d infra/bench/bolt/node_modules/@slack/bolt ]; then
  (cd infra/bench/bolt && npm ci --no-audit --no-fund)
fi

# Release binaries (the shipped profile: opt-level 3, thin LTO, codegen-units 1, panic=abort, stripped).
# BENCH_BIN=dir: measure binaries built earlier (e.g. a copy, while others edit the sources).
if [ -z "${BENCH_BIN:-}" ]; then
  $CARGO build --release -p flare-slack -p flare-worker -p flare-reminders -p flare-email-triage \
    -p flare-postmortem -p flare-local --bins
fi
bin="${BENCH_BIN:-$CARGO_TARGET_DIR/release}"
{
  echo "release binaries, x86_64 host build ($bin; deployed ones are arm64 from cargo-lambda)"
  for b in slack worker reminders email-triage postmortem flare-local; do
    stat -c %s "$bin/$b" | awk -v b="$b" '{printf "%-14s %10d bytes  %6.1f MiB\n", b, $1, $1/1048576}'
  done
} | tee "$out/binary-sizes.txt"

if [ "${BENCH_SKIP_HTTP:-0}" != 1 ]; then
  BENCH_BIN="$bin" infra/scripts/with-moto.sh infra/bench/http.sh
fi

if [ "${BENCH_SKIP_CRITERION:-0}" != 1 ]; then
  # The bench profile inherits release (thin LTO, codegen-units 1), so it shares its dependencies.
  $CARGO bench -p flare --bench hot_paths -- --warm-up-time 2 --measurement-time 5 2>&1 \
    | grep -v '^\s*$' | tee "$out/criterion-hot_paths.txt"
  python3 infra/bench/criterion_medians.py "$CARGO_TARGET_DIR/criterion" | tee "$out/criterion-medians.txt"
  : > "$out/postmortem-render.txt"
  for i in 1 2 3; do
    echo "--- run $i" >> "$out/postmortem-render.txt"
    # The sample incidents are behind the `fixtures` feature (never in the Lambda); -q keeps
    # cargo's progress out of the results but not its errors.
    $CARGO bench -q -p flare-postmortem --features fixtures --bench render | tee -a "$out/postmortem-render.txt"
  done
fi

# 1,000 open incidents and a year of closed ones: the ack of list, Home, stats and the
# duplicate check, and the reminders' tick (docs/performance.md, "At scale").
if [ "${BENCH_SKIP_SCALE:-0}" != 1 ]; then
  infra/scripts/with-moto.sh "$bin/flare-scale" 2>"$out/scale.log" | tee "$out/scale.txt"
fi

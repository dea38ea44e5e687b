#!/usr/bin/env bash
# The HTTP side of `make bench`, run under infra/scripts/with-moto.sh (FLARE_TEST_AWS_ENDPOINT
# set): cold starts, then the same signed `/incident help` load against flare-local
# (release) and the Bolt reference app, side by side, then the `slack` Lambda binary's
# cold start against a fake Runtime API. Everything on 127.0.0.1. Raw outputs: $OUT.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bench="$root/infra/bench"
bin="${BENCH_BIN:-$root/target/bench/release}"
OUT="${BENCH_OUT:-$bench/results}"
DURATION="${BENCH_DURATION:-10s}"
CONCURRENCY="${BENCH_CONCURRENCY:-1 8 32}"
REPEAT="${BENCH_REPEAT:-2}"
COLD_RUNS="${BENCH_COLD_RUNS:-10}"
FLARE_PORT="${BENCH_FLARE_PORT:-3900}"
CONFIG="${BENCH_CONFIG:-$root/infra/config/flare.local.yaml}"
BOLT_PORT="${BENCH_BOLT_PORT:-3901}"
BARE_PORT="${BENCH_BARE_PORT:-3902}"
: "${FLARE_TEST_AWS_ENDPOINT:?run me under infra/scripts/with-moto.sh}"
mkdir -p "$OUT"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

export RUST_LOG="${RUST_LOG:-warn}"  # flare-local logs JSON at info by default; not on the hot path here
flare_cmd=(env FLARE_LOCAL_PORT="$FLARE_PORT" FLARE_CONFIG_PATH="$CONFIG" "$bin/flare-local")
bolt_cmd=(env PORT="$BOLT_PORT" HELP_TEXT_FILE="$tmp/help.txt" node "$bench/bolt/app.js")
# The floor: bare hyper, the same answer, no checks (infra/local/src/bin/bare_ack.rs).
bare_cmd=(env PORT="$BARE_PORT" HELP_TEXT_FILE="$tmp/help.txt" "$bin/bare-ack")

wait_200() { # url pid
  for _ in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || { echo "the server for $1 exited; its log:" >&2; tail -20 "$tmp"/*.log >&2; return 1; }
    mapfile -t args < <(python3 "$bench/sign.py" curl help)
    if [ "$(curl -s -o "$tmp/last" -w '%{http_code}' "${args[@]}" "$1" || true)" = 200 ]; then return 0; fi
    sleep 0.1
  done
  echo "no 200 from $1" >&2; return 1
}

{
  echo "# conditions  $(date -u +%FT%TZ)"
  echo "host: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(uname -sr); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "rustc: $(rustc --version); node: $(node --version); bolt: $(node -p "require('$bench/bolt/node_modules/@slack/bolt/package.json').version"); wrk: $(wrk -v 2>&1 | head -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "other processes over 20% CPU at start:"; ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1>20'
} > "$OUT/conditions.txt"

# 1. Flare's help text, so Bolt acks with exactly the same ephemeral message.
"${flare_cmd[@]}" > "$tmp/flare-first.log" 2>&1 & pids+=($!)
wait_200 "http://127.0.0.1:$FLARE_PORT/slack/commands" "${pids[-1]}"
python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["text"])' "$tmp/last" > "$tmp/help.txt"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'

# 2. Cold starts: process start -> first 200 (flare-local's includes ensuring its moto
#    resources: tables, queues, bus, bucket; they exist already after step 1).
python3 "$bench/coldstart.py" http --label flare-local --runs "$COLD_RUNS" --url "http://127.0.0.1:$FLARE_PORT/slack/commands" -- "${flare_cmd[@]}" | tee "$OUT/coldstart-flare-local.txt"
python3 "$bench/coldstart.py" http --label bolt --runs "$COLD_RUNS" --url "http://127.0.0.1:$BOLT_PORT/slack/commands" -- "${bolt_cmd[@]}" | tee "$OUT/coldstart-bolt.txt"

# 3. The slack Lambda binary against a fake Runtime API, on the resources flare-local
#    ensured in step 1 (it reads the service catalog from the table at start): (a) secrets from the environment
#    (FLARE_LOCAL=1: no AWS call before the first invocation), (b) from SSM in moto (as deployed).
lambda_env=(env -i PATH="$PATH" AWS_LAMBDA_RUNTIME_API=@RUNTIME_API@ AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  AWS_LAMBDA_FUNCTION_NAME=slack AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 AWS_LAMBDA_FUNCTION_VERSION='$LATEST'
  AWS_LAMBDA_LOG_STREAM_NAME=bench AWS_LAMBDA_LOG_GROUP_NAME=bench RUST_LOG=warn
  FLARE_AWS_ENDPOINT="$FLARE_TEST_AWS_ENDPOINT" FLARE_TABLE=flare-local-table FLARE_COMMAND_QUEUE_URL="$FLARE_TEST_AWS_ENDPOINT/123456789012/flare-local-commands.fifo"
  FLARE_EVENT_BUS=flare-local-bus FLARE_CONFIG_PATH="$CONFIG"
  FLARE_SLACK_SIGNING_SECRET_PARAM=/flare-bench/signing FLARE_SLACK_BOT_TOKEN_PARAM=/flare-bench/token)
python3 "$bench/coldstart.py" lambda --label slack-env-secrets --runs "$COLD_RUNS" -- "${lambda_env[@]}" FLARE_LOCAL=1 \
  SLACK_SIGNING_SECRET=flare-local-signing-secret SLACK_BOT_TOKEN=xoxb-bench "$bin/slack" | tee "$OUT/coldstart-slack-lambda-env.txt"
"$root/.tools/venv/bin/python" - <<PY
import boto3
ssm = boto3.client("ssm", endpoint_url="$FLARE_TEST_AWS_ENDPOINT", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
for n, v in [("/flare-bench/signing", "flare-local-signing-secret"), ("/flare-bench/token", "xoxb-bench")]:
    ssm.put_parameter(Name=n, Value=v, Type="SecureString", Overwrite=True)
PY
python3 "$bench/coldstart.py" lambda --label slack-ssm-moto --runs "$COLD_RUNS" -- "${lambda_env[@]}" "$bin/slack" | tee "$OUT/coldstart-slack-lambda-ssm.txt"

# 4. Load: the same pre-signed request (re-signed before each run), wrk with one thread.
"${flare_cmd[@]}" > "$tmp/flare.log" 2>&1 & flare_pid=$!; pids+=($flare_pid)
"${bolt_cmd[@]}" > "$tmp/bolt.log" 2>&1 & bolt_pid=$!; pids+=($bolt_pid)
wait_200 "http://127.0.0.1:$FLARE_PORT/slack/commands" "$flare_pid"
wait_200 "http://127.0.0.1:$BOLT_PORT/slack/commands" "$bolt_pid"
"${bare_cmd[@]}" > "$tmp/bare.log" 2>&1 & bare_pid=$!; pids+=($bare_pid)
wait_200 "http://127.0.0.1:$BARE_PORT/slack/commands" "$bare_pid"
# flare-local is exec'd by env, so the pid is the server's own.
rss() { awk -v k="$2" '$1==k":"{print $2}' "/proc/$1/status"; }
echo "idle VmRSS kB: flare-local $(rss $flare_pid VmRSS) bolt $(rss $bolt_pid VmRSS) bare $(rss $bare_pid VmRSS)" > "$OUT/rss.txt"

: > "$OUT/load.txt"; : > "$OUT/load-raw.txt"
for mode in ${BENCH_MODES:-shared pinned}; do
  for c in $CONCURRENCY; do
    for r in $(seq 1 "$REPEAT"); do
      for app in flare bolt bare; do
        case $app in
          flare) port=$FLARE_PORT; pid=$flare_pid ;;
          bolt) port=$BOLT_PORT; pid=$bolt_pid ;;
          bare) port=$BARE_PORT; pid=$bare_pid ;;
        esac
        python3 "$bench/sign.py" lua help > "$tmp/req.lua"
        # pinned: server on CPU 1, wrk on CPU 0 (one core each); shared: both free on both cores
        if [ $mode = pinned ]; then taskset -a -p -c 1 "$pid" >/dev/null; pre=(taskset -c 0);
        else taskset -a -p -c 0-1 "$pid" >/dev/null; pre=(); fi
        # warm-up (not recorded)
        "${pre[@]}" wrk -t1 -c"$c" -d2s -s "$tmp/req.lua" "http://127.0.0.1:$port/slack/commands" > /dev/null
        out=$("${pre[@]}" wrk -t1 -c"$c" -d"$DURATION" --timeout 5s --latency -s "$tmp/req.lua" "http://127.0.0.1:$port/slack/commands")
        { echo "=== app=$app mode=$mode c=$c rep=$r load=$(cut -d' ' -f1 /proc/loadavg)"; echo "$out"; } >> "$OUT/load-raw.txt"
        echo "$out" | grep '^RESULT' | sed "s/^RESULT/RESULT app=$app mode=$mode c=$c rep=$r/" | tee -a "$OUT/load.txt"
      done
    done
  done
done
echo "peak VmHWM kB after all load: flare-local $(rss $flare_pid VmHWM) bolt $(rss $bolt_pid VmHWM)" >> "$OUT/rss.txt"
echo "VmRSS kB after all load: flare-local $(rss $flare_pid VmRSS) bolt $(rss $bolt_pid VmRSS)" >> "$OUT/rss.txt"
cat "$OUT/rss.txt"
# 5. Instruction counts (callgrind): startup + first answer, then + 1000 requests (per request = difference / 1000).
if command -v valgrind >/dev/null && [ "${BENCH_SKIP_INSTRUCTIONS:-0}" != 1 ]; then
  kill "$flare_pid" "$bolt_pid" "$bare_pid"; wait "$flare_pid" "$bolt_pid" "$bare_pid" 2>/dev/null || true
  : > "$OUT/instructions.txt"
  for n in 0 1000; do
    python3 "$bench/instructions.py" --label flare-local --requests $n --url "http://127.0.0.1:$FLARE_PORT/slack/commands" -- "${flare_cmd[@]}" | tee -a "$OUT/instructions.txt"
    python3 "$bench/instructions.py" --label bolt --requests $n --url "http://127.0.0.1:$BOLT_PORT/slack/commands" -- "${bolt_cmd[@]}" | tee -a "$OUT/instructions.txt"
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/conditions.txt"
python3 "$bench/summarize.py" "$OUT" | tee "$OUT/summary.txt"

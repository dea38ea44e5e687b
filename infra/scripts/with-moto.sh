#!/usr/bin/env bash
# Runs a command with a private moto (local DynamoDB, SQS, EventBridge, S3) on a free
# 127.0.0.1 port, exported as FLARE_TEST_AWS_ENDPOINT, and stops moto afterwards,
# even when the command fails. Installs the pinned moto into .tools/venv if missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
moto=$("$root/infra/scripts/ensure-moto.sh")
python="$(dirname "$moto")/python"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
log="$root/target/moto-$port.log"
mkdir -p "$root/target"
# moto, serving one request at a time (see moto_serialized.py for why).
"$python" "$root/infra/scripts/moto_serialized.py" 127.0.0.1 "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto failed to start; its log:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.2
done

export FLARE_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"
echo "moto on $FLARE_TEST_AWS_ENDPOINT (log: $log)" >&2
"$@"

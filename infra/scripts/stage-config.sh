#!/usr/bin/env bash
# Stages the configuration layer that template.yaml's ConfigLayer packages: the
# operator's flare.yaml becomes /opt/flare.yaml in every function (FLARE_CONFIG_PATH).
# Usage: stage-config.sh [path to flare.yaml]. Without a file the layer holds only a
# note and the functions use the built-in defaults (S1–S4, #incidents).
set -euo pipefail
cd "$(dirname "$0")/../.."

config="${1:-}"
dir=target/flare-config
rm -rf "$dir"
mkdir -p "$dir"
echo "Flare configuration layer, staged by 'make build' at $(date -u +%Y-%m-%dT%H:%M:%SZ)." > "$dir/README.txt"
if [[ -z "$config" ]]; then
  echo "no CONFIG given: deploying without flare.yaml (the defaults apply; see infra/config/flare.example.yaml)" >&2
  exit 0
fi
if [[ ! -f "$config" ]]; then
  echo "CONFIG=$config: no such file" >&2
  exit 1
fi
cp "$config" "$dir/flare.yaml"
echo "staged $config as /opt/flare.yaml"

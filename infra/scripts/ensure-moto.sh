#!/usr/bin/env bash
# Prints the path of a moto_server of the pinned version, installing it into
# .tools/venv first if needed (PyPI only).
set -euo pipefail
MOTO_VERSION=5.2.1
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.tools/venv"
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "installing moto[server]==$MOTO_VERSION into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/moto_server"

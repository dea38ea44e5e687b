#!/usr/bin/env bash
# Makes sure headless Chromium is there for tests/web_view.rs (the simulator's HTML view
# screenshot): Debian's `chromium` package, with a text font and an emoji font so the
# screenshot shows what a person sees. Does nothing when FLARE_CHROMIUM points at an
# executable or /usr/bin/chromium exists. Uses sudo when not root.
set -euo pipefail
if [ -n "${FLARE_CHROMIUM:-}" ] && [ -x "$FLARE_CHROMIUM" ]; then
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Chromium is missing and sudo is not available: install Debian's chromium package or set FLARE_CHROMIUM" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing chromium (Debian package) for the web view test" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-noto-color-emoji >&2
test -x /usr/bin/chromium || { echo "apt-get ran but /usr/bin/chromium is still missing" >&2; exit 1; }

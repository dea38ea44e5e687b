#!/usr/bin/env bash
# Writes the Slack app manifest for a deployed Flare: infra/slack-app-manifest.yaml with
# https://FLARE_URL replaced by the Slack function's URL (the stack's SlackRequestUrl
# output). Usage: slack-manifest.sh <https URL> [output, default target/slack-app-manifest.yaml]
set -euo pipefail
cd "$(dirname "$0")/../.."

url="${1:-}"
out="${2:-target/slack-app-manifest.yaml}"
if [[ -z "$url" ]]; then
  echo "usage: make manifest URL=https://<id>.lambda-url.<region>.on.aws  (the SlackRequestUrl output)" >&2
  exit 2
fi
while [[ "$url" == */ ]]; do url="${url%/}"; done
# Only characters that are safe in a URL and in sed's replacement text.
if ! [[ "$url" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$ ]]; then
  echo "not an https URL Flare can use: '$url'" >&2
  exit 2
fi
mkdir -p "$(dirname "$out")"
# The header comments are for the template only.
grep -v '^#' infra/slack-app-manifest.yaml | sed "s#https://FLARE_URL#${url}#g" > "$out.tmp"
if grep -q FLARE_URL "$out.tmp"; then
  rm -f "$out.tmp"
  echo "FLARE_URL is still in the manifest after substitution" >&2
  exit 1
fi
mv "$out.tmp" "$out"
echo "wrote $out for $url"
echo "create the app: https://api.slack.com/apps → Create New App → From an app manifest (docs/deploy.md)"

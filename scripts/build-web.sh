#!/usr/bin/env bash
# Builds the web app into web/dist (served by `astropixel serve`): installs the pinned npm packages
# when package-lock.json changed, type-checks, bundles, and enforces the bundle-size budget.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
npm run --silent build

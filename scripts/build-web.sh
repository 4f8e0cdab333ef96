#!/usr/bin/env bash
# Builds the web app into web/dist (served by `astropixel serve`): installs the pinned npm packages
# when package-lock.json changed, checks the formatting (Prettier; fix with: cd web && npm run format)
# and lints (ESLint, no warnings allowed), type-checks, bundles, and enforces the bundle-size budget.
# The interactive API docs (served at /api/docs) are a page of their own in dist/api-docs: Swagger
# UI's files from npm beside our page and its init script, outside the app's bundle and its budget.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
# A failed check leaves no web app behind: the browser tests must not run on an older build.
rm -rf dist
npx prettier --check --log-level=warn . || { echo "web: not formatted (fix with: cd web && npm run format)" >&2; exit 1; }
npm run --silent lint
npm run --silent build
docs=dist/api-docs
mkdir -p "$docs"
cp api-docs/index.html api-docs/init.js node_modules/swagger-ui-dist/swagger-ui-bundle.js \
  node_modules/swagger-ui-dist/swagger-ui.css "$docs"/

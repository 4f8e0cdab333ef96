#!/usr/bin/env bash
# README command 1: install what is missing, build the server and the web app, and serve AstroPixel
# with embedded defaults (SQLite + local disk in ./data, a demo dataset on first start) at
# http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
scripts/build-web.sh
exec build/release/astropixel serve "$@"

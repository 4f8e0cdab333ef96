#!/usr/bin/env bash
# README command 1: install what is missing, build, and serve AstroPixel with embedded defaults
# (SQLite + local disk in ./data) at http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/astropixel serve "$@"

#!/usr/bin/env bash
# Fails when a C++ file under src/ is not clang-format clean, or a web/ file not Prettier clean
# (fix both with: scripts/check-format.sh --fix). Prettier comes from web/node_modules, which
# scripts/build-web.sh installs (and which checks the web formatting and lint on its own too).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard 'src/*.cpp' 'src/*.hpp')
[[ -x web/node_modules/.bin/prettier ]] || { echo "format: web/node_modules missing: run scripts/build-web.sh first" >&2; exit 1; }
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  (cd web && node_modules/.bin/prettier --write --log-level=warn .)
  exit 0
fi
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
(cd web && node_modules/.bin/prettier --check --log-level=warn .)
echo "format: web clean (Prettier)"

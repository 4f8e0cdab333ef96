#!/usr/bin/env bash
# The reliability report of issue 14: runs the load, fault, bad-input and security cases of
# ../shared/design/targets.md against the real release binary and prints one table (case, what was
# done, the figure measured, pass/fail). Exits non-zero if any case fails.
#
#   scripts/hardening.sh            the full run (about 20 minutes on 2 cores)
#   scripts/hardening.sh --quick    the CI-sized subset that scripts/test.sh runs
#   scripts/hardening.sh --only slow_clients --keep   one case, keeping its work directory
#
# ASTROPIXEL_BIN=path/to/astropixel runs another build instead of build/release (it is not rebuilt).
# The tmpfs (disk full) cases need root; without it they are reported as not run, and fail.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh
[[ -x tests/node/node_modules/.bin/s3rver && -x tests/node/node_modules/.bin/patch-package ]] || (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)

if [[ -z ${ASTROPIXEL_BIN:-} ]]; then
  scripts/build.sh release
  export ASTROPIXEL_BIN=$root/build/release/astropixel
fi

work=$(mktemp -d /tmp/astropixel-hardening-services.XXXXXX)
chmod 755 "$work"  # the postgres user starts the test cluster inside it
source scripts/lib/postgres.sh
source scripts/lib/redis.sh
source scripts/lib/s3rver.sh
cleanup() { pg_stop; redis_stop; s3_stop; rm -rf "$work"; }
trap cleanup EXIT
pg_start "$work/pg"
redis_start "$work/redis"
s3_start "$work/s3"

scripts/fetch-real-data.sh build/real-data  # the third-party image corpus
/usr/bin/python3 tests/hardening/run.py "$@"

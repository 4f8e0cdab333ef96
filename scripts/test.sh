#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test: formatting, unit tests
# (release and ASan/UBSan builds), and integration tests that drive the real binary over HTTP
# against SQLite and throwaway PostgreSQL, Redis and S3 (s3rver) servers on 127.0.0.1. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh

echo "== test clients (npm, pinned by package-lock.json)"
(cd tests/node && npm ci --no-audit --no-fund --loglevel=error)

echo "== web app (type-check, bundle, size budget, unit tests)"
scripts/build-web.sh
(cd web && npx vitest run --reporter=dot)

echo "== format"
scripts/check-format.sh

echo "== build (release, dev = ASan+UBSan)"
scripts/build.sh release
scripts/build.sh dev

work=$(mktemp -d /tmp/astropixel-test.XXXXXX)
chmod 755 "$work"  # the postgres user starts the test cluster inside it
source scripts/lib/postgres.sh
source scripts/lib/redis.sh
source scripts/lib/s3rver.sh
cleanup() { pg_stop; redis_stop; s3_stop; rm -rf "$work"; }
trap cleanup EXIT
pg_start "$work/pg"
echo "PostgreSQL for tests: $ASTROPIXEL_TEST_PG_URL"
redis_start "$work/redis"
echo "Redis for tests: $ASTROPIXEL_TEST_REDIS_URL"
s3_start "$work/s3"
echo "S3 (s3rver) for tests: $ASTROPIXEL_TEST_S3_ENDPOINT/$ASTROPIXEL_TEST_S3_BUCKET"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== fuzz (libFuzzer + ASan/UBSan, ${FUZZ_SECONDS:-20} s per parser)"
scripts/fuzz.sh

echo "== unit tests (release)"
ctest --preset release -j2
echo "== unit tests (ASan+UBSan)"
ctest --preset dev -j2

echo "== real FITS files from Debian's astronomy packages (for tests/integration/test_real_fits.py)"
scripts/fetch-real-data.sh build/real-data

echo "== integration tests (release binary)"
ASTROPIXEL_BIN=$root/build/release/astropixel /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
# The sanitizers check our C++: every route is called by the API tests (test_openapi tries each
# documented operation), so the tests that drive the web app in Chromium (marked `browser`) run once,
# above, and not again here.
echo "== integration tests (ASan+UBSan binary; the browser tests ran above)"
ASTROPIXEL_BIN=$root/build/dev/astropixel /usr/bin/python3 -m pytest -q -p no:cacheprovider -m "not browser" tests/integration
echo "== reliability report, quick subset (release binary; scripts/hardening.sh runs the full report)"
ASTROPIXEL_BIN=$root/build/release/astropixel /usr/bin/python3 tests/hardening/run.py --quick

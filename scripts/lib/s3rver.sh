# Starts s3rver (an S3-compatible server, npm, pinned in tests/node) on 127.0.0.1 for tests; source
# this file, then call s3_start DIR. Exports ASTROPIXEL_TEST_S3_ENDPOINT and ASTROPIXEL_TEST_S3_BUCKET;
# s3_stop tears it down. s3rver does not check signatures: the unit tests check ours against botocore.
# s3rver 3.7.1 (its last release) answered a PUT before its file was written: a HEAD or GET right
# after could find no object or an empty one. tests/node/patches/s3rver+3.7.1.patch (applied by npm ci
# through patch-package) makes it answer once the file is closed, as S3's read-after-write promises.
s3_start() {
  local dir=$1 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  S3_DIR=$dir
  S3_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir/data"
  "$root/tests/node/node_modules/.bin/s3rver" -d "$dir/data" -a 127.0.0.1 -p "$S3_PORT" --silent \
    --configure-bucket astropixel-test >"$dir/s3rver.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$S3_PORT/astropixel-test" && break
    sleep 0.1
  done
  curl -fs -o /dev/null "http://127.0.0.1:$S3_PORT/astropixel-test" || { cat "$dir/s3rver.log" >&2; return 1; }
  export ASTROPIXEL_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" ASTROPIXEL_TEST_S3_BUCKET=astropixel-test
  export S3_DIR S3_PORT S3_PID
}

s3_stop() {
  [[ -n ${S3_PID:-} ]] || return 0
  kill "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  rm -rf "$S3_DIR"
}

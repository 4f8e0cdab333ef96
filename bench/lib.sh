# shellcheck shell=bash
# Start-up code the benchmark scripts share: free ports, starting `astropixel serve` on a fresh data
# directory, signing up, uploading with tus, nginx for static peers, /metrics and CPU readings, and
# stopping everything at exit. Sourced from the repository root (`source bench/lib.sh`) by scripts
# that run under `set -euo pipefail`; functions that run inside $(...) return their failures
# explicitly, because bash clears -e in command substitutions.
# The caller sets `bin` (the astropixel binary) before starting a server, and installs the exit trap
# (`trap bench_stop_all EXIT`, or its own function that calls bench_stop_all).

bench_name=${0##*/}                        # the script's name, for messages
bench_password='a long benchmark password' # the one benchmark user's (bench, bench@example.org)
bench_pids=()                              # servers to stop at exit
bench_pid_files=()                         # files holding the pid of a daemon to stop at exit (nginx)

# bench_need TOOL...: stops the script (exit 2) with an apt hint when a tool is not installed.
bench_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$bench_name: needs $tool (apt-get install $tool)" >&2; exit 2; }
  done
}

# bench_free_port: a TCP port free on 127.0.0.1 now (the kernel's pick, so parallel runs do not clash).
bench_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_start_server LOG [VAR=value ...]: starts `$bin serve` in the background on a free port with
# DEMO_DATASET=false and LOG_LEVEL=warn (no per-request access log) plus the given variables (which
# win), its output appended to LOG, and waits for /api/health (20 s at most). Sets server_port and
# server_pid and stops it at exit. Call it directly, not in $(...): the variables would be lost.
bench_start_server() {
  local log=$1
  shift
  server_port=$(bench_free_port)
  # shellcheck disable=SC2154 # bin is the caller's
  env PORT="$server_port" DEMO_DATASET=false LOG_LEVEL=warn "$@" "$bin" serve >>"$log" 2>&1 &
  server_pid=$!
  bench_pids+=("$server_pid")
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$server_port/api/health" >/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$bench_name: the server did not start (see $log)" >&2
  return 1
}

# bench_stop_server PID: stops a server started by bench_start_server and waits until it has exited
# (so its port and data directory are free), and forgets it for the exit trap.
bench_stop_server() {
  local p keep=()
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for p in "${bench_pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  bench_pids=("${keep[@]}")
}

# bench_stop_all: the exit trap's work: every daemon of bench_pid_files and server of bench_pids.
# (Each kill || true: under set -e one that already exited would end the trap before the rest.)
bench_stop_all() {
  local f p
  for f in "${bench_pid_files[@]}"; do
    if [[ -f $f ]]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}

# bench_register PORT: signs the benchmark user up on a fresh server; prints its access token.
bench_register() {
  curl -fs -X POST "http://127.0.0.1:$1/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench@example.org\",\"username\":\"bench\",\"password\":\"$bench_password\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# bench_header NAME: the value of HTTP header NAME (lower case) in the headers read from stdin.
bench_header() {
  tr -d '\r' | awk -F': ' -v n="$1" 'tolower($1)==n{print $2}'
}

# bench_tus_upload PORT TOKEN FILE: uploads FILE with tus in one streamed PATCH (-T: --data-binary
# would read it all into memory first), named source.tif (what every
# script has called it); prints the new dataset's id. The pyramid is then building: bench_wait_built.
bench_tus_upload() {
  local port=$1 token=$2 file=$3 bytes location dataset
  bytes=$(stat -c %s "$file") || return 1
  location=$(curl -fs -D - -o /dev/null -X POST "http://127.0.0.1:$port/api/uploads" -H "Authorization: Bearer $token" \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" -H "Upload-Metadata: filename c291cmNlLnRpZg==" |
    bench_header location) || { echo "$bench_name: port $port did not create the upload" >&2; return 1; }
  dataset=$(curl -fs -D - -o /dev/null -X PATCH "http://127.0.0.1:$port$location" -H "Authorization: Bearer $token" \
    -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
    -T "$file" | bench_header x-dataset-id) || { echo "$bench_name: port $port refused $file" >&2; return 1; }
  [[ -n $dataset ]] || { echo "$bench_name: the upload to port $port gave no dataset" >&2; return 1; }
  echo "$dataset"
}

# bench_wait_built PORT TOKEN DATASET: waits until the dataset's pyramid is built; fails when the
# build failed (the wait would never end).
bench_wait_built() {
  local status
  until status=$(curl -fs "http://127.0.0.1:$1/api/datasets/$3/status" -H "Authorization: Bearer $2") &&
    grep -q '"completed"' <<<"$status"; do
    grep -q '"failed"' <<<"${status:-}" && { echo "$bench_name: the build failed: $status" >&2; return 1; }
    sleep 0.2
  done
}

# bench_upload_dataset PORT FILE: the common case of the three above: signs the benchmark user up,
# uploads FILE and waits for its pyramid; sets bench_token and bench_dataset (call it directly).
bench_upload_dataset() {
  bench_token=$(bench_register "$1")
  bench_dataset=$(bench_tus_upload "$1" "$bench_token" "$2")
  bench_wait_built "$1" "$bench_token" "$bench_dataset"
}

# bench_make_sky PATH SIZE: a SIZE² RGB TIFF, a smooth nebula-like gradient plus seeded noise, the
# same bytes on every run. Made in row blocks so the generator's own memory stays small at 16384².
bench_make_sky() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
import numpy as np
from PIL import Image
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
img = np.empty((n, n, 3), np.uint8)
x = np.arange(n, dtype=np.float32)[None, :] / n
tint = np.array([1.0, 0.6, 0.9], np.float32)
for r0 in range(0, n, 1024):
    y = np.arange(r0, min(n, r0 + 1024), dtype=np.float32)[:, None] / n
    base = (40 + 60 * np.sin(6 * x) * np.cos(4 * y) ** 2)[..., None] * tint
    img[r0:r0 + len(y)] = np.clip(base + rng.normal(0, 12, (len(y), n, 3)), 0, 255).astype(np.uint8)
Image.fromarray(img).save(path)
PY
}

# bench_nginx DIR WORKER_CONNECTIONS: starts an nginx peer whose every file (config, pid, error log,
# temp files) is under DIR: one worker per core, no access log, and the http{} directives read from
# stdin (the caller's server block). Waits for its pid file and stops it at exit.
bench_nginx() {
  local dir=$1 body
  body=$(cat)
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes $(nproc);
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $2; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
$body
}
CONF
  bench_pid_files+=("$dir/nginx.pid")
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
  for _ in $(seq 30); do [[ -s $dir/nginx.pid ]] && return 0; sleep 0.1; done
  echo "$bench_name: nginx did not start (see $dir/error.log)" >&2
  return 1
}

# bench_metric PORT NAME: the value of sample NAME on the server's /metrics (0 when absent).
bench_metric() {
  curl -fs "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1==n{v=$2} END{print v+0}'
}

# bench_cpu_ticks PID...: the processes' user + system CPU so far, in clock ticks (getconf CLK_TCK);
# processes already gone count 0. Fields after the ") " that ends the command name, which may hold
# spaces.
bench_cpu_ticks() {
  local p s=0 fields
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    read -r -a fields < <(sed 's/.*) //' "/proc/$p/stat") # fields[0] is field 3 (state)
    s=$((s + fields[11] + fields[12]))                    # fields 14 and 15: utime, stime
  done
  echo $s
}

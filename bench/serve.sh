#!/usr/bin/env bash
# Tile serving: the same deep-level tiles served by nginx as static files and by astropixel from the
# stored pyramid (authenticated, private dataset), driven by the same wrk script, alternating.
# Prints the median requests/s and p99 of each and the ratio. Needs wrk and nginx (apt).
#   bench/serve.sh [SIZE]     SIZE = source image side in pixels (default 8192)
# Env: REPS (3), DURATION (15 s), CONNECTIONS (64), BENCH_DATA (/tmp/astropixel-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-8192}
reps=${REPS:-3}
duration=${DURATION:-15}
conns=${CONNECTIONS:-64}
work=${BENCH_DATA:-/tmp/astropixel-bench}/serve
bin=$root/build/release/astropixel
for tool in wrk nginx curl; do command -v $tool >/dev/null || { echo "serve.sh: needs $tool (apt-get install $tool)" >&2; exit 2; }; done
[[ -x $bin ]] || scripts/build.sh release

rm -rf "$work"
mkdir -p "$work/nginx"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() {
  [[ -f $work/nginx/nginx.pid ]] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== source: ${size}² synthetic sky"
/usr/bin/python3 - "$work/source.tif" "$size" <<'PY'
import sys
import numpy as np
from PIL import Image
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
y, x = np.mgrid[0:n, 0:n].astype(np.float32) / n
base = (40 + 60 * np.sin(6 * x) * np.cos(4 * y) ** 2)[..., None] * np.array([1.0, 0.6, 0.9], np.float32)
img = np.clip(base + rng.normal(0, 12, (n, n, 3)), 0, 255).astype(np.uint8)
Image.fromarray(img).save(path)
PY

echo "== astropixel"
port=$(free_port)
DATA_DIR=$work/data PORT=$port DEMO_DATASET=false IO_THREADS=2 WEB_ROOT=$work/none LOG_LEVEL=warn \
  MAX_CONNECTIONS_PER_CLIENT=0 \
  "$bin" serve 2>"$work/astropixel.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.org","username":"bench","password":"a long benchmark password"}' |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
bytes=$(stat -c %s "$work/source.tif")
location=$(curl -fs -D - -o /dev/null -X POST "http://127.0.0.1:$port/api/uploads" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" -H "Upload-Metadata: filename c291cmNlLnRpZg==" |
  tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
dataset=$(curl -fs -D - -o /dev/null -X PATCH "http://127.0.0.1:$port$location" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
  --data-binary "@$work/source.tif" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-dataset-id"{print $2}')
until curl -fs "http://127.0.0.1:$port/api/datasets/$dataset/status" -H "Authorization: Bearer $token" | grep -q '"completed"'; do
  sleep 0.2
done

echo "== nginx (the same tiles as static files)"
"$bin" tile "$work/source.tif" "$work/static/image" --layout dz --progress none
nginx_port=$(free_port)
workers=$(nproc)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=100000 inactive=120s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { image/jpeg jpg; }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    root $work/static;
    add_header Cache-Control "public, max-age=31536000, immutable";
  }
}
CONF
nginx -c "$work/nginx/nginx.conf"

# The deepest three levels, the same tiles for both servers.
levels=$(ls "$work/static/image_files" | sort -n | tail -3)
: >"$work/nginx.paths"
: >"$work/astropixel.paths"
for l in $levels; do
  for f in "$work/static/image_files/$l"/*.jpg; do
    t=$(basename "$f")
    echo "/image_files/$l/$t" >>"$work/nginx.paths"
    echo "/api/datasets/$dataset/v1/image_files/$l/$t" >>"$work/astropixel.paths"
  done
done
# Same bytes from both, or the comparison means nothing.
probe=$(head -1 "$work/nginx.paths")
cmp <(curl -fs "http://127.0.0.1:$nginx_port$probe") \
    <(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/datasets/$dataset/v1$probe")
echo "tiles: $(wc -l <"$work/nginx.paths") paths over levels $(echo $levels)"

run() {  # name url paths token
  wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/tile-requests.lua "$2" -- "$3" "${4:-}" |
    awk -v n="$1" '/^RESULT/{print n, $0}'
}
results=$work/results.txt
: >"$results"
for r in $(seq "$reps"); do
  run nginx "http://127.0.0.1:$nginx_port" "$work/nginx.paths" | tee -a "$results"
  run astropixel "http://127.0.0.1:$port" "$work/astropixel.paths" "$token" | tee -a "$results"
done

/usr/bin/python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, _, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    runs.setdefault(name, []).append({k: float(v) for k, v in d.items()})
med = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
for n, m in med.items():
    print(f"{n:11s} median rps {m['rps']:9.0f}  p50 {m['p50_ms']:.2f} ms  p99 {m['p99_ms']:.2f} ms  errors {m['errors']:.0f}")
print(f"ratio astropixel/nginx requests/s: {med['astropixel']['rps'] / med['nginx']['rps']:.2f}")
PY

#!/usr/bin/env bash
# Tile serving: the same deep-level tiles served by nginx as static files and by astropixel from the
# stored pyramid (authenticated, private dataset), driven by the same wrk script, alternating.
# Prints the median requests/s and p99 of each and the ratio. Needs wrk and nginx (apt).
#   bench/serve.sh [SIZE]     SIZE = source image side in pixels (default 8192)
# Env: REPS (3), DURATION (15 s), CONNECTIONS (64), BENCH_DATA (/tmp/astropixel-bench),
#      ASTROPIXEL_BIN (another build of the server to compare, default build/release/astropixel)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-8192}
reps=${REPS:-3}
duration=${DURATION:-15}
conns=${CONNECTIONS:-64}
work=${BENCH_DATA:-/tmp/astropixel-bench}/serve
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_need wrk nginx curl
[[ -x $bin ]] || scripts/build.sh release

rm -rf "$work"
mkdir -p "$work"
trap bench_stop_all EXIT

echo "== source: ${size}² synthetic sky"
bench_make_sky "$work/source.tif" "$size"

echo "== astropixel"
bench_start_server "$work/astropixel.log" DATA_DIR="$work/data" IO_THREADS=2 WEB_ROOT="$work/none" \
  MAX_CONNECTIONS_PER_CLIENT=0
port=$server_port
bench_upload_dataset "$port" "$work/source.tif"
token=$bench_token dataset=$bench_dataset

echo "== nginx (the same tiles as static files)"
"$bin" tile "$work/source.tif" "$work/static/image" --layout dz --progress none
nginx_port=$(bench_free_port)
bench_nginx "$work/nginx" 4096 <<CONF
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=100000 inactive=120s;
  types { image/jpeg jpg; }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    root $work/static;
    add_header Cache-Control "public, max-age=31536000, immutable";
  }
CONF

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

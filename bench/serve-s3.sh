#!/usr/bin/env bash
# Tiles from an object store against the same tiles from local disk (issue #17 point 3): one astropixel
# build serving a pyramid on local disk, and the same image's pyramid in an S3-compatible store
# (s3rver, scripts/lib/s3rver.sh, on 127.0.0.1) through the remote tile cache (REMOTE_TILE_CACHE_BYTES)
#   (a) large enough for the working set, after a warm-up that reads every tile once, and
#   (b) much smaller than the working set (CACHE_FRACTION of it),
# driven by the same wrk script as bench/serve.sh, alternating local, (a), (b) in every repetition.
# Prints the median requests/s, p50 and p99, the ratio to local, the hit rate measured from /metrics
# deltas over each run, the server's CPU time per request and s3rver's CPU (share of a core), and the median time to first byte (curl %{time_starttransfer}) of COLD tiles
# read once each from a fresh (b) instance, beside the same tiles from local disk and from (a).
#   bench/serve-s3.sh [SIZE]     SIZE = source image side in pixels (default 8192)
# Env: REPS (3), DURATION (15 s), CONNECTIONS (64), COLD (50 tiles), CACHE_FRACTION (16: (b) holds
# 1/16 of the working set), BENCH_DATA (/tmp/astropixel-bench), ASTROPIXEL_BIN (build/release/astropixel).
# Needs wrk and curl (apt) and s3rver (tests/node: npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-8192}
reps=${REPS:-3}
duration=${DURATION:-15}
conns=${CONNECTIONS:-64}
cold=${COLD:-50}
fraction=${CACHE_FRACTION:-16}
work=${BENCH_DATA:-/tmp/astropixel-bench}/serve-s3
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_need wrk curl
[[ -x $root/tests/node/node_modules/.bin/s3rver ]] || { echo "serve-s3.sh: needs s3rver (cd tests/node && npm ci)" >&2; exit 2; }
[[ -x $bin ]] || scripts/build.sh release
source scripts/lib/s3rver.sh

rm -rf "$work"
mkdir -p "$work"
cleanup() {
  bench_stop_all
  s3_stop
}
trap cleanup EXIT

echo "== source: ${size}² synthetic sky"
bench_make_sky "$work/source.tif" "$size"

s3_start "$work/s3"
s3_env=(STORAGE_URL="s3://$ASTROPIXEL_TEST_S3_BUCKET/bench" S3_ENDPOINT_URL="$ASTROPIXEL_TEST_S3_ENDPOINT"
        AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER)

start() {  # name data_dir [VAR=value ...]: starts a server (log $work/name.log); sets server_port, server_pid
  local name=$1 dir=$2
  shift 2
  bench_start_server "$work/$name.log" DATA_DIR="$dir" IO_THREADS=2 WEB_ROOT="$work/none" \
    MAX_CONNECTIONS_PER_CLIENT=0 "$@"
}

echo "== astropixel on local disk"
start local "$work/local"
local_port=$server_port local_pid=$server_pid
bench_upload_dataset "$local_port" "$work/source.tif"
local_token=$bench_token local_dataset=$bench_dataset
echo "== astropixel on the object store, cache (a): 1 GiB"
start cache-a "$work/s3data" "${s3_env[@]}" REMOTE_TILE_CACHE_BYTES=$((1 << 30))
a_port=$server_port a_pid=$server_pid
bench_upload_dataset "$a_port" "$work/source.tif"
token=$bench_token dataset=$bench_dataset

# The deepest three levels, as bench/serve.sh: the same tiles from every server.
dzi=$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$a_port/api/datasets/$dataset/image.dzi")
: >"$work/tiles"
/usr/bin/python3 - "$dzi" "$work/tiles" <<'PY'
import math, re, sys
dzi, out = sys.argv[1], sys.argv[2]
w, h = int(re.search(r'Width="(\d+)"', dzi)[1]), int(re.search(r'Height="(\d+)"', dzi)[1])
t = int(re.search(r'TileSize="(\d+)"', dzi)[1])
top = math.ceil(math.log2(max(w, h)))
with open(out, "w") as f:
    for level in range(top - 2, top + 1):
        s = 2 ** (top - level)
        lw, lh = math.ceil(w / s), math.ceil(h / s)
        for r in range(math.ceil(lh / t)):
            for c in range(math.ceil(lw / t)):
                f.write(f"/image_files/{level}/{c}_{r}.jpg\n")
PY
sed "s|^|/api/datasets/$local_dataset/v1|" "$work/tiles" >"$work/local.paths"
sed "s|^|/api/datasets/$dataset/v1|" "$work/tiles" >"$work/s3.paths"
probe=$(head -1 "$work/tiles")
cmp <(curl -fs -H "Authorization: Bearer $local_token" "http://127.0.0.1:$local_port/api/datasets/$local_dataset/v1$probe") \
    <(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$a_port/api/datasets/$dataset/v1$probe") ||
  { echo "serve-s3.sh: the local and the stored pyramid differ" >&2; exit 1; }

# Warm-up of (a) (and of local's page cache): every tile once. Also the working set's size.
curl_all() {  # port token paths: every path once on one connection; prints the bytes received
  sed "s|.*|url = \"http://127.0.0.1:$1&\"\noutput = \"/dev/null\"|" "$3" >"$work/curl.cfg"
  curl -fs -K "$work/curl.cfg" -H "Authorization: Bearer $2" -w '%{size_download}\n' | awk '{s+=$1} END{print s}'
}
curl_all "$local_port" "$local_token" "$work/local.paths" >/dev/null
working_set=$(curl_all "$a_port" "$token" "$work/s3.paths")
small=$((working_set / fraction))
echo "tiles: $(wc -l <"$work/tiles") over the deepest three levels, $((working_set / 1024)) KiB;" \
  "(a) holds $(bench_metric "$a_port" astropixel_remote_tile_cache_entries) entries after the warm-up"

echo "== astropixel on the object store, cache (b): $((small / 1024)) KiB (1/$fraction of the working set)"
# The same data directory and store as (a), serving only: the same dataset, version and token.
b_env=("${s3_env[@]}" REMOTE_TILE_CACHE_BYTES=$small WORKERS=0)
start cache-b "$work/s3data" "${b_env[@]}"
b_port=$server_port b_pid=$server_pid

run() {  # name port paths token pid: one wrk run, with the cache's hit rate and CPU use over it
  local h0 m0 h1 m1 c0 s0 c1 s1 pid=$5
  h0=$(bench_metric "$2" astropixel_remote_tile_cache_hits_total)
  m0=$(bench_metric "$2" astropixel_remote_tile_cache_misses_total)
  c0=$(bench_cpu_ticks "$pid") s0=$(bench_cpu_ticks "$S3_PID")
  wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/tile-requests.lua "http://127.0.0.1:$2" -- "$3" "$4" |
    awk -v n="$1" '/^RESULT/{printf "%s %s", n, $0}'
  c1=$(bench_cpu_ticks "$pid") s1=$(bench_cpu_ticks "$S3_PID")
  h1=$(bench_metric "$2" astropixel_remote_tile_cache_hits_total)
  m1=$(bench_metric "$2" astropixel_remote_tile_cache_misses_total)
  # Server CPU per request, and the share of one core s3rver (one Node process) used over the run.
  /usr/bin/python3 -c "import sys; h0, m0, h1, m1, c, s, hz, d = map(float, sys.argv[1:]); h, m = h1 - h0, m1 - m0
print(f' hit_rate={h / (h + m) if h + m else 0:.4f} cpu_s={c / hz:.2f} s3rver_core={s / hz / d:.2f}')" \
    "$h0" "$m0" "$h1" "$m1" "$((c1 - c0))" "$((s1 - s0))" "$(getconf CLK_TCK)" "$duration"
}
results=$work/results.txt
: >"$results"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$reps"); do
  run local "$local_port" "$work/local.paths" "$local_token" "$local_pid" | tee -a "$results"
  run s3-a "$a_port" "$work/s3.paths" "$token" "$a_pid" | tee -a "$results"
  run s3-b "$b_port" "$work/s3.paths" "$token" "$b_pid" | tee -a "$results"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# First byte of cold tiles: a fresh (b) instance (empty cache; the descriptor opens the pack first),
# COLD tiles spread over the list, each asked once; the same tiles from local disk and from (a).
bench_stop_server "$b_pid"
start cache-b "$work/s3data" "${b_env[@]}"
b_port=$server_port
curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$b_port/api/datasets/$dataset/image.dzi"
awk -v n="$(wc -l <"$work/tiles")" -v k="$cold" 'NR % (n > k ? int(n / k) : 1) == 0 && c < k {print; c++}' "$work/tiles" >"$work/cold"
first_byte() {  # port token dataset: median seconds to the first byte over the cold list, one connection each
  while read -r p; do
    curl -fs -o /dev/null -w '%{time_starttransfer}\n' -H "Authorization: Bearer $2" "http://127.0.0.1:$1/api/datasets/$3/v1$p"
  done <"$work/cold" | sort -n | awk '{v[NR]=$1} END{print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'
}
m0=$(bench_metric "$b_port" astropixel_remote_tile_cache_misses_total)
fb_b=$(first_byte "$b_port" "$token" "$dataset")
m1=$(bench_metric "$b_port" astropixel_remote_tile_cache_misses_total)
cold_misses=$(/usr/bin/python3 -c "import sys; print(int(float(sys.argv[2]) - float(sys.argv[1])))" "$m0" "$m1")
fb_local=$(first_byte "$local_port" "$local_token" "$local_dataset")
fb_a=$(first_byte "$a_port" "$token" "$dataset")

/usr/bin/python3 - "$results" "$fb_local" "$fb_a" "$fb_b" "$cold_misses" "$(wc -l <"$work/cold")" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, _, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    run = {k: float(v) for k, v in d.items()}
    run["cpu_us"] = 1e6 * run["cpu_s"] / run["requests"]
    runs.setdefault(name, []).append(run)
med = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
for n, m in med.items():
    print(f"{n:6s} median rps {m['rps']:9.0f}  p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:7.2f} ms  "
          f"errors {m['errors']:.0f}  hit rate {m['hit_rate']:.3f}  ratio to local {m['rps'] / med['local']['rps']:.2f}  "
          f"server CPU {m['cpu_us']:.0f} us/req  s3rver {m['s3rver_core']:.2f} core")
# The machine's load moves between reps more than between neighbouring runs: the ratio within each
# rep (runs a few seconds apart) says more than the ratio of medians.
for n in ("s3-a", "s3-b"):
    paired = [r["rps"] / l["rps"] for r, l in zip(runs[n], runs["local"])]
    print(f"{n} / local per rep: {', '.join(f'{x:.2f}' for x in paired)} (median {statistics.median(paired):.2f}); "
          f"server CPU per request local/{n}: {med['local']['cpu_us'] / med[n]['cpu_us']:.2f}")
fb_local, fb_a, fb_b = (float(x) * 1000 for x in sys.argv[2:5])
print(f"first byte, median over {sys.argv[6]} tiles: local {fb_local:.2f} ms, (a) cached {fb_a:.2f} ms, "
      f"(b) cold {fb_b:.2f} ms ({sys.argv[5]} of them were misses)")
PY

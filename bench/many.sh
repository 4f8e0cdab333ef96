#!/usr/bin/env bash
# Many datasets, cold caches (issue #17 point 4): N private datasets of one owner, made with
# `astropixel import` and built by the server's workers; then the same wrk load (random deep-level
# tiles, the owner's bearer token so access checks run) over
#   hot   one dataset's tiles only (the baseline),
#   warm  all N datasets, page cache and the server's directory warm,
#   cold  all N datasets after `echo 1 > /proc/sys/vm/drop_caches` and a fresh server process.
# Prints per variant the median of REPS runs: requests/s, p50, p99, errors, and the server's RSS
# (its own memory, and pages of mapped packs),
# open descriptors, mappings, and directory loads (database lookups) and pack opens per tile request
# (from /metrics). Also what creating the datasets cost. Needs wrk, python3 with numpy and PIL.
#   bench/many.sh [N]          N = datasets (default 1000)
# Env: SIDE (2048: image side, ~85 tiles of 256²), LEVELS (2: deepest levels requested), REPS (3),
#      DURATION (15 s), CONNECTIONS (64), WORKERS (2: builds at once), TILE_CACHE_TTL_MS (server's, 1000),
#      KEEP=1 reuses the datasets of an earlier run, BENCH_DATA (/tmp/astropixel-bench), ASTROPIXEL_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-1000}
side=${SIDE:-2048}
levels=${LEVELS:-2}
reps=${REPS:-3}
duration=${DURATION:-15}
conns=${CONNECTIONS:-64}
workers=${WORKERS:-2}
ttl=${TILE_CACHE_TTL_MS:-1000}
work=${BENCH_DATA:-/tmp/astropixel-bench}/many
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_need wrk curl
[[ -x $bin ]] || scripts/build.sh release
if ! { sync && echo 1 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
  echo "many.sh: cannot drop the page cache (needs root); the cold variant is only a fresh process" >&2
  can_drop=0
else
  can_drop=1
fi

export DATA_DIR=$work/data DEMO_DATASET=false WEB_ROOT=$work/none LOG_LEVEL=warn MAX_CONNECTIONS_PER_CLIENT=0 \
  IO_THREADS=2 TILE_CACHE_TTL_MS=$ttl
server=""
port=""
trap bench_stop_all EXIT
start_server() {  # WORKERS for this process
  bench_start_server "$work/astropixel.log" WORKERS="$1"
  server=$server_pid port=$server_port
}
sign_in() {  # the owner's access token (30 minutes by default: fresh for each server)
  curl -fs -X POST "http://127.0.0.1:$port/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"login\":\"bench\",\"password\":\"$bench_password\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
stop_server() {
  bench_stop_server "$server"
  server=""
}
completed() {
  /usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM datasets WHERE status=\"completed\"").fetchone()[0])' "$DATA_DIR/astropixel.db"
}
failed() {  # builds that ended badly: the wait for all to complete would never end
  /usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM datasets WHERE status=\"failed\"").fetchone()[0])' "$DATA_DIR/astropixel.db"
}

if [[ ${KEEP:-0} != 1 || ! -f $work/create.txt ]]; then
  rm -rf "$work"
  mkdir -p "$work/images"
  echo "== $n source images, ${side}² JPEG (each different, so import does not skip them as duplicates)"
  /usr/bin/python3 - "$work/images" "$n" "$side" <<'PY'
import sys
import numpy as np
from PIL import Image
out, n, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
y, x = np.mgrid[0:side, 0:side].astype(np.float32) / side
base = (40 + 60 * np.sin(6 * x) * np.cos(4 * y) ** 2)[..., None] * np.array([1.0, 0.6, 0.9], np.float32)
img = np.clip(base + rng.normal(0, 12, (side, side, 3)), 0, 255).astype(np.uint8)
for i in range(n):
    img[:16, :16] = i % 256  # a different file each time
    img[16:32, :16] = i // 256
    Image.fromarray(img).save(f"{out}/sky-{i:05d}.jpg", quality=90)
PY
  start_server "$workers"
  bench_register "$port" >/dev/null
  echo "== import ($workers builds at once)"
  t0=$(date +%s.%N)
  "$bin" import "$work/images" --owner bench >"$work/import.log"
  t1=$(date +%s.%N)
  until [[ $(completed) -ge $n ]]; do
    [[ $(failed) -eq 0 ]] || { echo "many.sh: $(failed) builds failed (see $work/*.log)" >&2; exit 1; }
    sleep 1
  done
  t2=$(date +%s.%N)
  /usr/bin/python3 -c 'import sys; n=int(sys.argv[1]); i,b=float(sys.argv[3])-float(sys.argv[2]),float(sys.argv[4])-float(sys.argv[2]); print(f"created {n} datasets: import {i:.1f} s ({1000*i/n:.0f} ms each), built by {b:.1f} s ({n/b:.1f} datasets/s)")' \
    "$n" "$t0" "$t1" "$t2" | tee "$work/create.txt"
  stop_server
fi
du -sh "$DATA_DIR/blobs" | awk '{print "pyramids on disk: " $1}'

# Deep-level tile paths of every dataset (DZ names col_row), from the geometry: version 1 of each.
/usr/bin/python3 - "$DATA_DIR/astropixel.db" "$work" "$side" "$levels" <<'PY'
import math, sqlite3, sys
db, work, side, levels = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ids = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT id FROM datasets WHERE status='completed' AND pyramid_version=1 ORDER BY id")]
top = math.ceil(math.log2(side))
def paths(i):
    for level in range(top - levels + 1, top + 1):
        n = math.ceil(side / 2 ** (top - level) / 256)
        for c in range(n):
            for r in range(n):
                yield f"/api/datasets/{i}/v1/image_files/{level}/{c}_{r}.jpg"
with open(f"{work}/hot.paths", "w") as f:
    f.writelines(p + "\n" for p in paths(ids[0]))
with open(f"{work}/all.paths", "w") as f:
    f.writelines(p + "\n" for i in ids for p in paths(i))
PY
echo "tiles: $(wc -l <"$work/hot.paths") of one dataset, $(wc -l <"$work/all.paths") over all $n"

run() {  # variant paths
  local loads0 opens0 loads1 opens1
  loads0=$(bench_metric "$port" astropixel_tile_directory_loads_total)
  opens0=$(bench_metric "$port" astropixel_tile_directory_pack_opens_total)
  local line fds maps
  wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/tile-requests.lua "http://127.0.0.1:$port" -- "$2" "$token" \
    >"$work/wrk.out" &
  local load=$!
  # Descriptors and mappings while the load runs (afterwards its connections are gone).
  sleep $((duration / 2))
  fds=$(ls "/proc/$server/fd" | wc -l)
  maps=$(wc -l <"/proc/$server/maps")
  wait $load
  line=$(awk '/^RESULT/' "$work/wrk.out")
  loads1=$(bench_metric "$port" astropixel_tile_directory_loads_total)
  opens1=$(bench_metric "$port" astropixel_tile_directory_pack_opens_total)
  local requests anon file
  requests=$(sed 's/.*requests=//' <<<"$line")
  # RSS in two parts: the process's own memory, and pages of mapped packs (page cache, reclaimable).
  anon=$(awk '/^RssAnon/{print $2}' "/proc/$server/status")
  # RssFile: the mapped packs' resident pages, and also the binary, its libraries and the SQLite file.
  file=$(awk '/^RssFile/{print $2}' "/proc/$server/status")
  echo "$1 ${line#RESULT } anon_mb=$((anon / 1024)) mapped_mb=$((file / 1024)) fds=$fds" \
    "maps=$maps loads_per_req=$(/usr/bin/python3 -c "print(f'{($loads1-$loads0)/max($requests,1):.4f}')")" \
    "opens_per_req=$(/usr/bin/python3 -c "print(f'{($opens1-$opens0)/max($requests,1):.4f}')")" | tee -a "$results"
}
results=$work/results.txt
: >"$results"
cat /proc/loadavg | awk '{print "load average before: " $1, $2, $3}'
for r in $(seq "$reps"); do
  start_server 0
  token=$(sign_in)
  run hot "$work/hot.paths"
  # Every dataset's entry loaded before the warm run, and many of its tiles in the page cache (5 s of
  # random requests touch a part of the list, not all of it: "warm" is partly cold).
  wrk -t2 -c"$conns" -d5s -s bench/tile-requests.lua "http://127.0.0.1:$port" -- "$work/all.paths" "$token" >/dev/null
  run warm "$work/all.paths"
  stop_server
  [[ $can_drop == 1 ]] && sync && echo 1 >/proc/sys/vm/drop_caches
  start_server 0
  token=$(sign_in)
  run cold "$work/all.paths"
  stop_server
done
cat /proc/loadavg | awk '{print "load average after: " $1, $2, $3}'

/usr/bin/python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, *kv = line.split()
    runs.setdefault(name, []).append({k: float(v) for k, v in (x.split("=") for x in kv)})
for n, rs in runs.items():
    m = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
    print(f"{n:5s} median rps {m['rps']:7.0f}  p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:7.2f} ms  errors {m['errors']:.0f}"
          f"  rss anon {m['anon_mb']:.0f} MB + mapped {m['mapped_mb']:.0f} MB  fds {m['fds']:.0f}  maps {m['maps']:.0f}"
          f"  loads/req {m['loads_per_req']:.4f}  opens/req {m['opens_per_req']:.4f}")
PY

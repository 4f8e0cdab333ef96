#!/usr/bin/env bash
# Many datasets, cold caches (issue #17 point 4): N private datasets of one owner, made with
# `astropixel import` and built by the server's workers; then the same wrk load (random deep-level
# tiles, the owner's bearer token so access checks run) over
#   hot   one dataset's tiles only (the baseline),
#   warm  all N datasets, page cache and the server's directory warm,
#   cold  all N datasets after `echo 1 > /proc/sys/vm/drop_caches` and a fresh server process,
#   over  as cold, the server in a memory cgroup of MEM_LIMIT bytes, which counts the page cache it
#         faults in (the mapped packs) besides its own memory: a tile working set (the bytes of the
#         tiles requested) larger than the server's RAM, by default 8 times (needs root and cgroup
#         v1's memory controller at /sys/fs/cgroup/memory; skipped otherwise).
# Prints per variant the median of REPS runs: requests/s, p50, p99, errors, and the server's RSS
# (its own memory, and pages of mapped packs),
# open descriptors, mappings, and directory loads (database lookups) and pack opens per tile request
# (from /metrics), its major page faults and the bytes it read from disk (/proc/PID/stat and io)
# per request, and for `over` the cgroup's peak usage. Also what creating the datasets cost.
# Needs wrk, python3 with numpy and PIL.
#   bench/many.sh [N]          N = datasets (default 1000)
# Env: SIDE (2048: image side, ~85 tiles of 256²), LEVELS (2: deepest levels requested), REPS (3),
#      DURATION (15 s), CONNECTIONS (64), WORKERS (2: builds at once), TILE_CACHE_TTL_MS (server's, 1000),
#      VARIANTS ("hot warm cold over": those to run), MEM_LIMIT (bytes, K/M/G suffixes allowed; default
#      the working set / 8), KEEP=1 reuses the datasets of an earlier run, BENCH_DATA
#      (/tmp/astropixel-bench), ASTROPIXEL_BIN.
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
variants=" ${VARIANTS:-hot warm cold over} "
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
cgroup=""
stop_all() {  # the exit trap: servers, then the memory cgroup (empty once its server has exited)
  bench_stop_all
  if [[ -n $cgroup && -d $cgroup ]]; then
    # Its start-up and each sign-in hash a password with Argon2id, 64 MiB (ARGON2_MEMLIMIT_MIB): the
    # server needs ~70 MB of its own for a moment (80 MiB will do), and a smaller limit has it killed.
    if grep -q '^oom_kill [1-9]' "$cgroup/memory.oom_control"; then
      echo "many.sh: the memory cgroup killed the server: MEM_LIMIT $((mem_limit / 1048576)) MiB is too little" >&2
    fi
    for _ in $(seq 50); do rmdir "$cgroup" 2>/dev/null && break; sleep 0.1; done
  fi
}
trap stop_all EXIT
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
import math, os, sqlite3, struct, sys
db, work, side, levels = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = sqlite3.connect(db).execute(
    "SELECT id, pyramid_key FROM datasets WHERE status='completed' AND pyramid_version=1 ORDER BY id").fetchall()
ids = [r[0] for r in rows]
top = math.ceil(math.log2(side))
# The working set: the bytes of the tiles requested, from each pack's index (pack.hpp: the footer's
# u64 index_offset, u64 tile_count; entries u64 offset, u32 size, level-major, so the deepest levels
# are the last entries), and the packs' bytes on disk.
deep = sum(math.ceil(side / 2 ** (top - l) / 256) ** 2 for l in range(top - levels + 1, top + 1))
tiles = packs = 0
for _, key in rows:
    with open(os.path.join(os.path.dirname(db), "blobs", key), "rb") as f:
        f.seek(-32, os.SEEK_END)
        index_offset, count = struct.unpack("<QQ", f.read(16))
        f.seek(index_offset + 12 * (count - deep))
        index = f.read(12 * deep)
        tiles += sum(struct.unpack_from("<I", index, 12 * i + 8)[0] for i in range(deep))
        packs += os.fstat(f.fileno()).st_size
with open(f"{work}/working-set.txt", "w") as f:
    f.write(f"{tiles} {packs}\n")
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
read -r working_set pack_bytes <"$work/working-set.txt"
echo "working set: $((working_set / 1048576)) MiB of tiles requested, in $((pack_bytes / 1048576)) MiB of packs"

# The `over` variant's memory cgroup (v1: memory.limit_in_bytes counts the page cache its processes
# fault in). The server is started through a wrapper that joins it first, so all it ever charges is
# counted there.
cgroup_root=/sys/fs/cgroup/memory
if [[ $variants == *" over "* ]]; then
  if [[ $can_drop == 1 && -w $cgroup_root/cgroup.procs ]] &&
    mkdir "$cgroup_root/astropixel-many-$$" 2>/dev/null; then
    cgroup=$cgroup_root/astropixel-many-$$
    echo "${MEM_LIMIT:-$((working_set / 8))}" >"$cgroup/memory.limit_in_bytes"
    mem_limit=$(cat "$cgroup/memory.limit_in_bytes")
    printf '#!/usr/bin/env bash\necho $$ >%q/cgroup.procs && exec %q "$@"\n' "$cgroup" "$bin" >"$work/in-cgroup"
    chmod +x "$work/in-cgroup"
    echo "over: memory limit $((mem_limit / 1048576)) MiB: the working set is" \
      "$(/usr/bin/python3 -c "print(f'{$working_set/$mem_limit:.1f}')")x, the packs" \
      "$(/usr/bin/python3 -c "print(f'{$pack_bytes/$mem_limit:.1f}')")x the limit"
  else
    echo "many.sh: no memory cgroup (needs root, cgroup v1 memory at $cgroup_root): the over variant is skipped" >&2
    variants=${variants/ over / }
  fi
fi

majflt() {  # the server's major page faults so far, all threads (field 12 of /proc/PID/stat)
  sed 's/.*) //' "/proc/$server/stat" | awk '{print $10}'
}
read_bytes() {  # bytes the server has had read from disk (readahead included)
  awk '/^read_bytes/{print $2}' "/proc/$server/io"
}
run() {  # variant paths
  local loads0 opens0 loads1 opens1 faults0 read0
  loads0=$(bench_metric "$port" astropixel_tile_directory_loads_total)
  opens0=$(bench_metric "$port" astropixel_tile_directory_pack_opens_total)
  faults0=$(majflt) read0=$(read_bytes)
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
  local faults read peak=0
  faults=$(($(majflt) - faults0)) read=$(($(read_bytes) - read0))
  [[ $1 == over ]] && peak=$(($(cat "$cgroup/memory.max_usage_in_bytes") / 1048576))
  local requests anon file
  requests=$(sed 's/.*requests=//' <<<"$line")
  # RSS in two parts: the process's own memory, and pages of mapped packs (page cache, reclaimable).
  anon=$(awk '/^RssAnon/{print $2}' "/proc/$server/status")
  # RssFile: the mapped packs' resident pages, and also the binary, its libraries and the SQLite file.
  file=$(awk '/^RssFile/{print $2}' "/proc/$server/status")
  echo "$1 ${line#RESULT } anon_mb=$((anon / 1024)) mapped_mb=$((file / 1024)) fds=$fds" \
    "maps=$maps loads_per_req=$(/usr/bin/python3 -c "print(f'{($loads1-$loads0)/max($requests,1):.4f}')")" \
    "opens_per_req=$(/usr/bin/python3 -c "print(f'{($opens1-$opens0)/max($requests,1):.4f}')")" \
    "majflt_per_req=$(/usr/bin/python3 -c "print(f'{$faults/max($requests,1):.3f}')")" \
    "read_kb_per_req=$(/usr/bin/python3 -c "print(f'{$read/1024/max($requests,1):.1f}')")" \
    "read_mb_per_s=$(/usr/bin/python3 -c "print(f'{$read/1048576/$duration:.1f}')") peak_mb=$peak" | tee -a "$results"
}
# A fresh server in the memory cgroup, the page cache dropped first: a page already cached stays charged
# to whoever read it, and the server would have it outside its limit.
start_in_cgroup() {
  sync && echo 1 >/proc/sys/vm/drop_caches
  echo 0 >"$cgroup/memory.max_usage_in_bytes"
  local real=$bin
  bin=$work/in-cgroup
  start_server 0
  bin=$real
}
results=$work/results.txt
: >"$results"
cat /proc/loadavg | awk '{print "load average before: " $1, $2, $3}'
for r in $(seq "$reps"); do
  if [[ $variants == *" hot "* || $variants == *" warm "* ]]; then
    start_server 0
    token=$(sign_in)
    [[ $variants == *" hot "* ]] && run hot "$work/hot.paths"
    if [[ $variants == *" warm "* ]]; then
      # Every dataset's entry loaded before the warm run, and many of its tiles in the page cache (5 s
      # of random requests touch a part of the list, not all of it: "warm" is partly cold).
      wrk -t2 -c"$conns" -d5s -s bench/tile-requests.lua "http://127.0.0.1:$port" -- "$work/all.paths" "$token" >/dev/null
      run warm "$work/all.paths"
    fi
    stop_server
  fi
  if [[ $variants == *" cold "* ]]; then
    [[ $can_drop == 1 ]] && sync && echo 1 >/proc/sys/vm/drop_caches
    start_server 0
    token=$(sign_in)
    run cold "$work/all.paths"
    stop_server
  fi
  if [[ $variants == *" over "* ]]; then
    start_in_cgroup
    token=$(sign_in)
    run over "$work/all.paths"
    stop_server
  fi
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
          f"  loads/req {m['loads_per_req']:.4f}  opens/req {m['opens_per_req']:.4f}"
          f"  major faults/req {m['majflt_per_req']:.3f}  read {m['read_kb_per_req']:.1f} KB/req ({m['read_mb_per_s']:.0f} MB/s)"
          + (f"  cgroup peak {m['peak_mb']:.0f} MB" if n == "over" else ""))
PY

#!/usr/bin/env bash
# Time to a usable view (issue #17 point 2): from the last byte of an upload to the first tile drawn
# in the viewer (real Chromium, our web app) and the first drawing of the coarse overview (the preview
# a build writes first where that is cheap), to the build's completion and to the full view, for a
# private dataset on one worker. The viewer shows a pyramid while it builds (ADR 0034), so the first
# tile comes long before completion; the same run's completed_s is the figure without that (a viewer
# that waits for the published pyramid cannot draw before it). Prints medians and their ratio.
#   bench/live.sh [SIZE|FILE]   SIZE: a synthetic sky SIZE² RGB TIFF (default 16384, 268 MP);
#                               FILE: an image to upload, e.g. the kit's large_rgb_tiled.tif (2.1 GP)
# Env: RUNS (3), BENCH_DATA (/tmp/astropixel-bench), ASTROPIXEL_BIN (build/release/astropixel),
# WEB_DIST (web/dist). Needs curl, node with tests/node's packages, Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
input=${1:-16384}
runs=${RUNS:-3}
work=${BENCH_DATA:-/tmp/astropixel-bench}/live
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
web_dist=${WEB_DIST:-$root/web/dist}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_need curl node
[[ -x $bin ]] || scripts/build.sh release
[[ -f $web_dist/index.html ]] || bash scripts/build-web.sh

mkdir -p "$work"
trap bench_stop_all EXIT
if [[ $input =~ ^[0-9]+$ ]]; then
  source_file=$work/sky-$input.tif
  [[ -f $source_file ]] || { echo "== source: ${input}² synthetic sky"; bench_make_sky "$source_file" "$input"; }
else
  source_file=$(realpath "$input")
fi
bytes=$(stat -c %s "$source_file")
echo "== $(basename "$source_file"), $bytes bytes; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

results=$work/results.jsonl
: >"$results"
for run in $(seq "$runs"); do
  # A fresh server and data directory per run: nothing cached, one worker.
  rm -rf "$work/data"
  # (One PATCH of every byte: requests may be as large as the file, past the 2 GiB default.)
  bench_start_server "$work/server.log" DATA_DIR="$work/data" WEB_ROOT="$web_dist" WORKERS=1 \
    MAX_CONNECTIONS_PER_CLIENT=0 MAX_CHUNK_SIZE="$bytes"
  port=$server_port
  token=$(bench_register "$port")
  location=$(curl -fs -D - -o /dev/null -X POST "http://127.0.0.1:$port/api/uploads" -H "Authorization: Bearer $token" \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" -H "Upload-Metadata: filename c291cmNlLnRpZg==" |
    bench_header location)
  # Every byte but the last, streamed (-T with the length, not chunked; --data-binary would hold
  # gigabytes in memory): the build starts when bench_live.mjs sends the last.
  head -c $((bytes - 1)) "$source_file" |
    curl -fs -o /dev/null -X PATCH -T - "http://127.0.0.1:$port$location" -H "Authorization: Bearer $token" \
      -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
      -H "Content-Length: $((bytes - 1))" -H "Transfer-Encoding:"
  (cd tests/node && node bench_live.mjs "http://127.0.0.1:$port" bench "$bench_password" "$token" \
    "$location" "$bytes" "$source_file") | tee -a "$results"
  peak=$(bench_metric "$port" 'astropixel_pyramid_build_rss_bytes{phase="build_process_peak"}' || true)
  echo "   build process peak RSS: $((${peak:-0} / 1048576)) MiB"
  bench_stop_server "$server_pid"
done

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = [r for r in rows if r.get("error")]
for r in bad:
    print("run failed:", r["error"].splitlines()[0])
rows = [r for r in rows if not r.get("error")]
if not rows:
    sys.exit(1)
med = lambda k: statistics.median(r[k] for r in rows)
print(f"median of {len(rows)} runs, seconds from the last upload byte:")
for k in ("viewable_s", "first_tile_s", "completed_s", "full_view_s"):
    print(f"  {k:16} {med(k):7.2f}   runs: {' '.join(str(r[k]) for r in rows)}")
    if k == "first_tile_s":
        # The preview drawn under the tiles; null in a run whose build wrote none (PNG, JPEG, tiled TIFF).
        drawn = [r["overview_drawn_s"] for r in rows if r.get("overview_drawn_s") is not None]
        shown = f"{statistics.median(drawn):7.2f}" if drawn else "      -"
        print(f"  {'overview_drawn_s':16} {shown}   runs: {' '.join(str(r.get('overview_drawn_s')) for r in rows)}")
print(f"  first tile at {med('first_tile_s') / med('completed_s'):.2f} of the build's time "
      f"({med('completed_s') / med('first_tile_s'):.1f}x sooner than waiting for the pyramid)")
print(f"  tile requests that failed: {sum(r['tile_failures'] for r in rows)}")
PY

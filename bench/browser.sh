#!/usr/bin/env bash
# The browser's figures (issue #17 point 5), in headless Chromium: our web app opening a private
# dataset after signing in, against a bare OpenSeadragon page over the same pyramid as static Deep Zoom
# files from nginx (what `vips dzsave` + OpenSeadragon gives). Alternating runs, a fresh browser
# context (cold cache) each; prints medians of time to the first drawn tile and to the fully loaded
# view, the ratios, and long tasks while loading and during a fixed pan/zoom sequence.
#   bench/browser.sh [SIZE]     SIZE = source image side in pixels (default 16384)
# Env: RUNS (5), BENCH_DATA (/tmp/astropixel-bench), ASTROPIXEL_BIN (build/release/astropixel),
# WEB_DIST (web/dist: another build of the web app, to compare two versions on one machine).
# Needs nginx, curl (apt) and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-16384}
runs=${RUNS:-5}
work=${BENCH_DATA:-/tmp/astropixel-bench}/browser
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
web_dist=${WEB_DIST:-$root/web/dist}
# shellcheck source=bench/lib.sh
source bench/lib.sh
for tool in nginx curl node; do command -v $tool >/dev/null || { echo "browser.sh: needs $tool" >&2; exit 2; }; done
[[ -x $bin ]] || scripts/build.sh release
[[ -f $web_dist/index.html ]] || bash scripts/build-web.sh
osd=tests/node/node_modules/openseadragon/build/openseadragon/openseadragon.min.js
[[ -f $osd ]] || { echo "browser.sh: needs $osd (cd tests/node && npm ci)" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"
trap bench_stop_all EXIT

echo "== source: ${size}² synthetic sky"
bench_make_sky "$work/source.tif" "$size"

echo "== astropixel (web app from web/dist)"
bench_start_server "$work/astropixel.log" DATA_DIR="$work/data" WEB_ROOT="$web_dist" MAX_CONNECTIONS_PER_CLIENT=0
port=$server_port
bench_upload_dataset "$port" "$work/source.tif"
token=$bench_token dataset=$bench_dataset

echo "== nginx (the same pyramid as static Deep Zoom files, a bare OpenSeadragon page)"
"$bin" tile "$work/source.tif" "$work/static/image" --layout dz --progress none
cp bench/osd-peer.html "$work/static/viewer.html"
cp "$osd" "$work/static/openseadragon.min.js"
# Same bytes from both, or the comparison means nothing.
probe=/image_files/$(ls "$work/static/image_files" | sort -n | tail -1)/0_0.jpg
nginx_port=$(bench_free_port)
bench_nginx "$work/nginx" 1024 <<CONF
  sendfile on;
  tcp_nopush on;
  open_file_cache max=100000 inactive=120s;
  types { image/jpeg jpg; text/html html; application/javascript js; application/xml dzi; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/static;
    location ~ _files/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
CONF
cmp <(curl -fs "http://127.0.0.1:$nginx_port$probe") \
    <(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/datasets/$dataset/v1$probe")

echo "== Chromium: $runs alternating runs (ours first in each)"
results=$work/results.jsonl
(cd tests/node && node bench_viewer.mjs "http://127.0.0.1:$port" bench "$bench_password" "$dataset" \
  "http://127.0.0.1:$nginx_port/viewer.html" "$runs") | tee "$results"

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
bad = [r for r in rows if "error" in r or r.get("tile_failures")]
for r in bad:
    print(f"run {r['run']} {r['side']}: FAILED {r.get('error', '')[:300]} tile failures {r.get('tile_failures')}")
ok = [r for r in rows if r not in bad]
sides = ["astropixel", "osd-nginx"]
med = {}
for s in sides:
    rs = [r for r in ok if r["side"] == s]
    if not rs:
        sys.exit(f"no successful {s} run")
    m = lambda f: statistics.median(f(r) for r in rs)
    med[s] = dict(n=len(rs), first=m(lambda r: r["first_tile_ms"]), full=m(lambda r: r["fully_loaded_ms"]),
                  tiles=m(lambda r: r["tile_requests"]),
                  lc=m(lambda r: r["load_long"]["count"]), lt=m(lambda r: r["load_long"]["total_ms"]),
                  lm=m(lambda r: r["load_long"]["max_ms"]),
                  pc=m(lambda r: r["pan_long"]["count"]), pt=m(lambda r: r["pan_long"]["total_ms"]),
                  pm=m(lambda r: r["pan_long"]["max_ms"]), worst=max(r["pan_long"]["max_ms"] for r in rs))
box = next(r["box"] for r in ok if r["side"] == "astropixel")
print(f"viewer {box['width']}x{box['height']} px in a 1280x900 page; medians of {med['astropixel']['n']} / {med['osd-nginx']['n']} runs")
for s in sides:
    d = med[s]
    print(f"{s:10s} first tile {d['first']:6.0f} ms  fully loaded {d['full']:6.0f} ms  tiles {d['tiles']:4.0f}  "
          f"long tasks loading {d['lc']:.0f} ({d['lt']:.0f} ms, longest {d['lm']:.0f})  "
          f"pan/zoom {d['pc']:.0f} ({d['pt']:.0f} ms, longest {d['pm']:.0f}, worst run {d['worst']:.0f})")
# Where the time to the first tile goes (medians, ms from navigation start).
for s in sides:
    rs = [r for r in ok if r["side"] == s]
    m = lambda k: statistics.median(r["fetched"][k] for r in rs)
    print(f"{s:10s} last script asked {m('scripts_asked_ms'):5.0f}, scripts in {m('scripts_ms'):5.0f}  dataset record in {m('dataset_api_ms'):5.0f}  "
          f"viewer made {statistics.median(r['viewer_made_ms'] for r in rs):5.0f}  .dzi asked {m('dzi_asked_ms'):5.0f}, in {m('dzi_ms'):5.0f}  "
          f"first tile asked {m('first_tile_asked_ms'):5.0f}")
a, p = med["astropixel"], med["osd-nginx"]
print(f"ratio peer/ours time to first tile: {p['first'] / a['first']:.2f}   to fully loaded: {p['full'] / a['full']:.2f}")
PY

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
for tool in nginx curl node; do command -v $tool >/dev/null || { echo "browser.sh: needs $tool" >&2; exit 2; }; done
[[ -x $bin ]] || scripts/build.sh release
[[ -f $web_dist/index.html ]] || bash scripts/build-web.sh
osd=tests/node/node_modules/openseadragon/build/openseadragon/openseadragon.min.js
[[ -f $osd ]] || { echo "browser.sh: needs $osd (cd tests/node && npm ci)" >&2; exit 2; }

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
# Row blocks keep the generator's memory small at 16384² and beyond.
/usr/bin/python3 - "$work/source.tif" "$size" <<'PY'
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

echo "== astropixel (web app from web/dist)"
port=$(free_port)
DATA_DIR=$work/data PORT=$port DEMO_DATASET=false WEB_ROOT=$web_dist LOG_LEVEL=warn \
  MAX_CONNECTIONS_PER_CLIENT=0 \
  "$bin" serve 2>"$work/astropixel.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
password='a long benchmark password'
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench@example.org\",\"username\":\"bench\",\"password\":\"$password\"}" |
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

echo "== nginx (the same pyramid as static Deep Zoom files, a bare OpenSeadragon page)"
"$bin" tile "$work/source.tif" "$work/static/image" --layout dz --progress none
cp bench/osd-peer.html "$work/static/viewer.html"
cp "$osd" "$work/static/openseadragon.min.js"
# Same bytes from both, or the comparison means nothing.
probe=/image_files/$(ls "$work/static/image_files" | sort -n | tail -1)/0_0.jpg
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=100000 inactive=120s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { image/jpeg jpg; text/html html; application/javascript js; application/xml dzi; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/static;
    location ~ _files/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf"
cmp <(curl -fs "http://127.0.0.1:$nginx_port$probe") \
    <(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/datasets/$dataset/v1$probe")

echo "== Chromium: $runs alternating runs (ours first in each)"
results=$work/results.jsonl
(cd tests/node && node bench_viewer.mjs "http://127.0.0.1:$port" bench "$password" "$dataset" \
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
    print(f"{s:10s} scripts in {m('scripts_ms'):5.0f}  dataset record in {m('dataset_api_ms'):5.0f}  "
          f"viewer made {statistics.median(r['viewer_made_ms'] for r in rs):5.0f}  .dzi asked {m('dzi_asked_ms'):5.0f}, in {m('dzi_ms'):5.0f}  "
          f"first tile asked {m('first_tile_asked_ms'):5.0f}")
a, p = med["astropixel"], med["osd-nginx"]
print(f"ratio peer/ours time to first tile: {p['first'] / a['first']:.2f}   to fully loaded: {p['full'] / a['full']:.2f}")
PY

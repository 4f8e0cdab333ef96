#!/usr/bin/env bash
# IIIF Image API level 2 serving (#16 point 1): astropixel against IIPImage (Debian iipimage-server,
# iipsrv 1.1 as FastCGI behind nginx) on the same image and the same random region/size requests.
#   bench/iiif.sh [SIZE]     SIZE = side of the synthetic RGB sky in pixels (default 16384)
# Env: REPS (3), DURATION (10 s), WARM (3 s), CONNECTIONS (64), THREADS (2), IIP_PROCS (nproc),
#      LIST (1000 requests in the cycled list), BIN (build/release/astropixel),
#      BENCH_DATA (/tmp/astropixel-bench; the images are kept under it between runs)
# Two variants, both servers alternating within each rep, same wrk settings:
#   list      the fixed seeded list of LIST random requests, cycled: after the warm-up, ours answers
#             from its render cache (an in-memory LRU of 64 MiB of encoded answers, tile_service.hpp)
#             whenever the list's answers fit in it; iipsrv 1.1 has no answer cache (memcached is
#             off here) and renders every request
#   distinct  every request is new (a second seeded list, disjoint from the first; each rep takes its
#             own slice): no cache hits for either, both decode, resample and encode each time
# Ours serves a private dataset to a bearer token (access is checked on every request); iipsrv has no
# access control. Ours is given a render queue as deep as wrk's connections (IIIF_RENDER_QUEUE), so
# it queues every request as nginx does for iipsrv instead of answering the excess 503. Both encode JPEG at quality 90 (ours' renderer is fixed at 90; iipsrv gets
# JPEG_QUALITY=90) from a pyramid of 256-px JPEG tiles (iipsrv: vips tiffsave --pyramid Q85; ours:
# the pyramid the server built from the same upload).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-16384}
reps=${REPS:-3}
duration=${DURATION:-10}
warm=${WARM:-3}
conns=${CONNECTIONS:-64}
threads=${THREADS:-2}
iip_procs=${IIP_PROCS:-$(nproc)}
list_n=${LIST:-1000}
bin=${BIN:-$root/build/release/astropixel}
data=${BENCH_DATA:-/tmp/astropixel-bench}
work=$data/iiif
lib=$root/bench/lib
py=/usr/bin/python3
iipsrv=/usr/lib/iipimage-server/iipsrv.fcgi
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Debian packages, asked for only when missing (like scripts/install-deps.sh).
missing=()
for p in iipimage-server spawn-fcgi nginx wrk libvips-tools curl python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== apt-get install ${missing[*]}"
  sudo_=(); [[ $(id -u) == 0 ]] || sudo_=(sudo)
  "${sudo_[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
[[ -x $bin ]] || scripts/build.sh release

mkdir -p "$work"
rm -rf "$work/run"
mkdir -p "$work/run/nginx" "$work/run/iip"
run=$work/run
cleanup() {
  bench_stop_all
  # iipsrv 1.1 catches SIGTERM and only exits after its next request, so an idle one waits in accept
  # for ever: TERM, a grace period, then KILL.
  if [[ -f $run/iip/pids ]]; then
    local iip
    iip=$(cat "$run/iip/pids")
    # shellcheck disable=SC2086
    kill $iip 2>/dev/null || true
    for _ in $(seq 20); do
      local alive=0
      for p in $iip; do [[ -d /proc/$p ]] && alive=1; done
      ((alive)) || break
      sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $iip 2>/dev/null || true
  fi
}
trap cleanup EXIT

# ---- the image: one source, kept between runs ---------------------------------------------------
src=$work/source-$size.tif
pyr=$work/pyr-$size.tif
if [[ ! -f $src ]]; then
  echo "== source: ${size}² synthetic sky (RGB, tiled TIFF)"
  $py - "$work/source.raw" "$size" <<'PY'
import sys
import numpy as np
# Strip by strip, so memory stays small whatever the size: a smooth nebula-like gradient plus noise.
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
tint = np.array([1.0, 0.6, 0.9], np.float32)
x = np.arange(n, dtype=np.float32) / n
with open(path, "wb") as f:
    for y0 in range(0, n, 256):
        y = (np.arange(y0, min(n, y0 + 256), dtype=np.float32) / n)[:, None]
        base = (40 + 60 * np.sin(6 * x)[None, :] * np.cos(4 * y) ** 2)[..., None] * tint
        f.write(np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8).tobytes())
PY
  vips rawload "$work/source.raw" "$work/source.v" "$size" "$size" 3
  vips copy "$work/source.v" "$src.tmp.tif[tile,tile-width=256,tile-height=256]" --interpretation srgb
  rm -f "$work/source.raw" "$work/source.v"
  mv "$src.tmp.tif" "$src"
fi
if [[ ! -f $pyr ]]; then
  echo "== IIPImage's pyramidal TIFF"
  vips tiffsave "$src" "$pyr.tmp.tif" --tile --pyramid --compression jpeg --Q 85 \
    --tile-width 256 --tile-height 256
  mv "$pyr.tmp.tif" "$pyr"
fi

# ---- astropixel: private dataset, bearer token ---------------------------------------------------
echo "== astropixel ($bin)"
bench_start_server "$run/astropixel.log" DATA_DIR="$run/data" IO_THREADS=2 WEB_ROOT="$run/none" \
  MAX_CONNECTIONS_PER_CLIENT=0 IIIF_RENDER_QUEUE="$conns"
port=$server_port
ours_pid=$server_pid
token=$(bench_register "$port")
dataset=$(bench_tus_upload "$port" "$token" "$src")
echo "dataset $dataset (private), building its pyramid"
bench_wait_built "$port" "$token" "$dataset"
# Access is checked: without the token the same URL is a 404.
anon=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/iiif/3/$dataset/info.json")
[[ $anon == 404 ]] || { echo "iiif.sh: the private dataset answered $anon without a token" >&2; exit 1; }

# ---- IIPImage: iipsrv under spawn-fcgi, nginx fastcgi_pass, all on 127.0.0.1 ---------------------
echo "== iipsrv ($iip_procs processes) behind nginx"
fcgi_port=$(bench_free_port)
nginx_port=$(bench_free_port)
ln -sf "$pyr" "$run/iip/image.tif"
# MEMCACHED_SERVERS empty: iipsrv 1.1 otherwise tries localhost's memcached on every request.
env -i PATH=/usr/bin:/bin FILESYSTEM_PREFIX="$run/iip/" JPEG_QUALITY=90 MAX_CVT=5000 \
  MAX_IMAGE_CACHE_SIZE=10 VERBOSITY=0 MEMCACHED_SERVERS= OMP_NUM_THREADS=1 \
  spawn-fcgi -a 127.0.0.1 -p "$fcgi_port" -F "$iip_procs" -P "$run/iip/pids" -- "$iipsrv" >/dev/null
bench_nginx "$run/nginx" 4096 <<CONF
  keepalive_requests 1000000;
  # iipsrv's README (nginx section): these parameters, no fastcgi_keep_conn (one request at a time
  # per iipsrv process).
  fastcgi_param PATH_INFO \$fastcgi_script_name;
  fastcgi_param REQUEST_METHOD \$request_method;
  fastcgi_param QUERY_STRING \$query_string;
  fastcgi_param CONTENT_TYPE \$content_type;
  fastcgi_param CONTENT_LENGTH \$content_length;
  fastcgi_param SERVER_PROTOCOL \$server_protocol;
  fastcgi_param REQUEST_URI \$request_uri;
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location = /fcgi-bin/iipsrv.fcgi { fastcgi_pass 127.0.0.1:$fcgi_port; }
    location / { return 404; }
  }
CONF

ours_url=http://127.0.0.1:$port
ours_prefix=/iiif/3/$dataset
iip_url=http://127.0.0.1:$nginx_port
iip_prefix="/fcgi-bin/iipsrv.fcgi?IIIF=image.tif"

# ---- the requests: one seeded list for both --------------------------------------------------------
list=$run/list.txt
distinct=$run/distinct.txt
$py "$lib/iiif_requests.py" make "$size" "$size" 1 "$list_n" "$list"
# Enough distinct requests for every rep of both servers at a generous rate, with no repeats.
per_rep=$((duration * 4000))
$py "$lib/iiif_requests.py" make "$size" "$size" 2 $((per_rep * reps)) "$distinct" "$list"
echo "requests: $list_n in the list, $((per_rep * reps)) distinct ($per_rep per rep)"

# Every request of the list from ours (this fills our cache, as the warm-up would) and every 10th from
# iipsrv: all must be 200 JPEGs. Then a sample of 40 is checked for the size IIIF 3 prescribes:
# exactly for ours; iipsrv rounds a derived side down where IIIF 3 rounds (e.g. pct:49 of 1767 px:
# 865, not 866), so a derived side may be 1 px off for it.
echo "== checking the listed requests on both servers"
answers() { # url prefix every token -> "code type bytes" per request
  awk -v u="$1$2" -v k="$3" 'NR % k == 1 || k == 1 {print u $1}' "$list" |
    xargs -P4 -I{} curl -s -o /dev/null -w '%{http_code} %{content_type} %{size_download}\n' \
      ${4:+-H "Authorization: Bearer $4"} {}
}
for server in astropixel iipsrv; do
  if [[ $server == astropixel ]]; then a=$(answers "$ours_url" "$ours_prefix" 1 "$token"); else a=$(answers "$iip_url" "$iip_prefix" 10); fi
  bad=$(echo "$a" | awk '$1 != 200 || $2 !~ /^image\/jpeg/' | sort | uniq -c)
  [[ -z $bad ]] || { echo "iiif.sh: $server answered: $bad" >&2; exit 1; }
  echo "$server: $(echo "$a" | wc -l) answers, all 200 image/jpeg, $(echo "$a" | awk '{s += $3} END {printf "%.1f", s / 1048576}') MiB"
done
awk 'NR % 25 == 1' "$list" | while read -r path w h; do
  for server in astropixel iipsrv; do
    if [[ $server == astropixel ]]; then
      curl -fs -o "$run/answer" -H "Authorization: Bearer $token" "$ours_url$ours_prefix$path"
    else
      curl -fs -o "$run/answer" "$iip_url$iip_prefix$path"
    fi
    gw=$(vipsheader -f width "$run/answer") gh=$(vipsheader -f height "$run/answer")
    slack=0; [[ $server == iipsrv ]] && slack=1
    dw=$((gw - w)) dh=$((gh - h))
    if ((${dw#-} > slack || ${dh#-} > slack)); then
      echo "iiif.sh: $server gave ${gw}x$gh, not ${w}x$h, for $path" >&2
      exit 1
    fi
  done
done
echo "sizes: $(awk 'NR % 25 == 1' "$list" | wc -l) sampled answers of each server have the expected size"

# ---- load -----------------------------------------------------------------------------------------
results=$work/results-$(date +%Y%m%dT%H%M%S).txt
: >"$results"
bench() { # variant server start [wrk -d]
  local variant=$1 server=$2 start=$3 d=${4:-$duration} url prefix tok="" file mode out
  case $server in
    astropixel) url=$ours_url prefix=$ours_prefix tok=$token ;;
    iipsrv) url=$iip_url prefix=$iip_prefix ;;
  esac
  case $variant in list) file=$list mode=cycle ;; distinct) file=$distinct mode=once ;; esac
  local load procs t0 t1
  load=$(cut -d' ' -f1 /proc/loadavg)
  # CPU seconds the server spends (nginx's workers count for iipsrv): per request, this is the
  # number that a shared, loaded machine disturbs least.
  if [[ $server == astropixel ]]; then procs=$ours_pid; else
    procs="$(cat "$run/iip/pids") $(ps --ppid "$(cat "$run/nginx/nginx.pid")" -o pid=)"
  fi
  t0=$(bench_cpu_ticks $procs)
  out=$(wrk -t"$threads" -c"$conns" -d"${d}s" --timeout 10s --latency -s "$lib/iiif-requests.lua" "$url" -- \
    "$prefix" "$file" "$mode" "$start" "$threads" "$tok" | awk '/^RESULT/{sub(/^RESULT /, ""); print}')
  [[ -n $out ]] || { echo "iiif.sh: wrk failed for $server" >&2; exit 1; }
  local n=${out#*requests=}
  n=${n%% *}
  if [[ $variant == distinct ]] && ((n > per_rep)); then
    echo "iiif.sh: $server made $n requests, more than a rep's $per_rep distinct ones (raise per_rep)" >&2
    exit 1
  fi
  t1=$(bench_cpu_ticks $procs)
  echo "variant=$variant server=$server rep=${rep:-0} load=$load $out cpu_ms_per_request=$(
    awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.2f", n ? t * 1000 / hz / n : 0}')"
}
echo "== warm-up ($warm s each, the list)"
for s in astropixel iipsrv; do bench list "$s" 0 "$warm" >/dev/null; done
order=(astropixel iipsrv)
for rep in $(seq "$reps"); do
  for s in "${order[@]}"; do bench list "$s" 0 | tee -a "$results"; done
  for s in "${order[@]}"; do bench distinct "$s" $(((rep - 1) * per_rep)) | tee -a "$results"; done
  order=("${order[1]}" "${order[0]}")  # alternate who goes first
done
echo
echo "results: $results (astropixel $(git rev-parse --short HEAD), iipsrv $(dpkg-query -W -f='${Version}' iipimage-server))"
$py "$lib/iiif_requests.py" table "$results"

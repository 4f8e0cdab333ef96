#!/usr/bin/env bash
# Upload ingest: one tus PATCH of SIZE MiB (default 2048) over loopback with curl, against the disk's
# own sequential write speed (dd with fdatasync, the floor) in the same run. Prints MB/s of each, the
# ratio, and the server's resident memory before and during the upload (it must stay flat: bytes
# stream to disk, never into memory).
#   bench/upload.sh [SIZE_MIB]     Env: REPS (3), BENCH_DATA (/tmp/astropixel-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mib=${1:-2000}
reps=${REPS:-3}
work=${BENCH_DATA:-/tmp/astropixel-bench}/upload
bin=$root/build/release/astropixel
# shellcheck source=bench/lib.sh
source bench/lib.sh
[[ -x $bin ]] || scripts/build.sh release
rm -rf "$work"
mkdir -p "$work"
trap bench_stop_all EXIT

# A small valid PNG followed by random bytes: accepted as an image when the upload completes.
/usr/bin/python3 -c 'import io,sys; from PIL import Image; b=io.BytesIO(); Image.new("RGB",(64,64)).save(b,"PNG"); sys.stdout.buffer.write(b.getvalue())' >"$work/source"
head -c $((mib * 1024 * 1024)) /dev/urandom >>"$work/source"
bytes=$(stat -c %s "$work/source")

bench_start_server "$work/server.log" DATA_DIR="$work/data" WEB_ROOT="$work/none"
port=$server_port pid=$server_pid
token=$(bench_register "$port")
rss() { awk '/VmRSS/{print $2 * 1024}' "/proc/$pid/status"; }

results=$work/results.txt
: >"$results"
for r in $(seq "$reps"); do
  # The floor: the same bytes written to the same file system, made durable.
  sync
  t0=$(date +%s.%N)
  dd if="$work/source" of="$work/dd.out" bs=4M conv=fdatasync status=none
  t1=$(date +%s.%N)
  rm -f "$work/dd.out"
  echo "dd $(echo "$bytes / ($t1 - $t0) / 1000000" | bc -l)" >>"$results"

  sync
  location=$(curl -fs -D - -o /dev/null -X POST "http://127.0.0.1:$port/api/uploads" -H "Authorization: Bearer $token" \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" | bench_header location)
  before=$(rss)
  : >"$work/rss.txt"
  (while kill -0 "$pid" 2>/dev/null; do rss >>"$work/rss.txt"; sleep 0.1; done) &
  sampler=$!
  t0=$(date +%s.%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH "http://127.0.0.1:$port$location" \
    -H "Authorization: Bearer $token" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
    -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' -T "$work/source")
  t1=$(date +%s.%N)
  kill "$sampler" 2>/dev/null || true
  [[ $code == 204 ]] || { echo "upload.sh: PATCH answered $code" >&2; exit 1; }
  peak=$(sort -n "$work/rss.txt" | tail -1)
  echo "astropixel $(echo "$bytes / ($t1 - $t0) / 1000000" | bc -l) $before $peak" >>"$results"
  # Free the space for the next repetition.
  dataset=$(curl -fs -I "http://127.0.0.1:$port$location" -H "Authorization: Bearer $token" -H 'Tus-Resumable: 1.0.0' |
    bench_header x-dataset-id)
  curl -fs -o /dev/null -X DELETE "http://127.0.0.1:$port/api/datasets/$dataset" -H "Authorization: Bearer $token"
done

/usr/bin/python3 - "$results" "$bytes" <<'PY'
import statistics, sys
dd, ap, grow = [], [], []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "dd":
        dd.append(float(f[1]))
    else:
        ap.append(float(f[1]))
        grow.append((float(f[3]) - float(f[2])) / 1e6)
print(f"upload of {int(sys.argv[2]) / 2**20:.0f} MiB, {len(ap)} runs")
print(f"dd (disk floor)   median {statistics.median(dd):7.0f} MB/s")
print(f"astropixel PATCH  median {statistics.median(ap):7.0f} MB/s   RSS growth during upload: max {max(grow):.1f} MB")
print(f"ratio astropixel/dd: {statistics.median(ap) / statistics.median(dd):.2f}")
PY

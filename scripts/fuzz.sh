#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan) for the parsers that read hostile input —
# Range headers, tus Upload-Metadata, multipart bodies, access tokens and viewer links, pyramid packs and build
# snapshots, FITS headers, DS9 region files and CSV catalogues — and runs each for FUZZ_SECONDS
# (default 20) from the seeds in tests/fuzz/. Exits non-zero on any crash, leak or
# failed invariant; the reproducer is left in build/fuzz/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-20}
out=$root/build/fuzz
mkdir -p "$out"
core=(src/core/error.cpp src/core/ids.cpp src/core/log.cpp)
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc -w)
libs=(-lboost_json -lsodium -lspdlog -lfmt)

build() {  # name sources... (rebuilt only when a source or header changed)
  local name=$1
  shift
  if [[ -x $out/$name && -z $(find src -newer "$out/$name" \( -name '*.cpp' -o -name '*.hpp' \) -print -quit) ]]; then
    return
  fi
  clang++-14 "${flags[@]}" "$@" "${core[@]}" "${libs[@]}" -o "$out/$name"
}
build range_fuzz src/http/range_fuzz.cpp src/http/range.cpp
build upload_metadata_fuzz src/upload/upload_metadata_fuzz.cpp src/upload/upload_metadata.cpp
build multipart_fuzz src/upload/multipart_fuzz.cpp src/upload/multipart.cpp
build tokens_fuzz src/auth/tokens_fuzz.cpp src/auth/tokens.cpp src/auth/viewer_links.cpp
build pack_fuzz src/pyramid/pack_fuzz.cpp src/pyramid/pack.cpp src/pyramid/tile_cache.cpp src/pyramid/geometry.cpp \
  src/pyramid/data_tile.cpp src/pyramid/stretch.cpp src/pyramid/stretch_colormap.cpp -lzstd
build fits_layout_fuzz src/pyramid/fits_layout_fuzz.cpp src/pyramid/fits_layout.cpp
build ds9_region_fuzz src/annotations/ds9_region_fuzz.cpp src/annotations/ds9_region.cpp \
  src/annotations/region_import.cpp src/annotations/image_wcs.cpp src/pyramid/sky_frame.cpp \
  src/annotations/export.cpp src/annotations/annotation.cpp -lwcs

# A real pack as the pack fuzzer's seed, and a build's snapshot (pyramid/pack.cpp's live format: a
# 3 × 2 image, its three tiles and its preview in the snapshot's own bytes).
mkdir -p "$out/seeds/pack"
/usr/bin/python3 - "$out/seeds/pack/live.snapshot" <<'PY'
import json, struct, sys
meta = json.dumps({"pack": "v1-00000000.pack.tmp-000000000000", "width": 3, "height": 2, "tile_size": 256,
                   "format": "png", "tile_rows": [1, 1, 1], "preview": {"offset": 8, "size": 4}}).encode()
index = struct.pack("<QI", 8, 4) * 3  # every tile: the 4 bytes after the magic
# Magic, bytes of the pack written (20: the tiles and preview lie within), metadata size.
open(sys.argv[1], "wb").write(b"APXLIVE1" + struct.pack("<QI", 20, len(meta)) + meta + index)
PY
/usr/bin/python3 - "$out/seeds/small.png" <<'PY'
import sys
import numpy as np
from PIL import Image
y, x = np.mgrid[0:90, 0:150]
Image.fromarray(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)).save(sys.argv[1])
PY
"$root/build/release/astropixel" tile "$out/seeds/small.png" "$out/seeds/pack/small.pack" --tile-size 64 --progress none

status=0
for target in range upload_metadata multipart tokens pack fits_layout ds9_region; do
  corpus=$out/$target/corpus
  mkdir -p "$corpus"
  seeds=$root/tests/fuzz/$target
  [[ $target == pack ]] && seeds=$out/seeds/pack
  extra=()
  # The DS9 region fuzzer also starts from the 56 real region files.
  [[ $target == ds9_region ]] && extra=("$root"/tests/fixtures/regions/{regions,pyregion,spectral-cube})
  echo "== fuzz $target (${seconds}s)"
  if ! (cd "$out/$target" && "$out/${target}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 "$corpus" "$seeds" "${extra[@]}" >"$out/$target/log.txt" 2>&1); then
    echo "fuzz $target FAILED:"
    tail -n 60 "$out/$target/log.txt"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$out/$target/log.txt" | tr '\n' ' '
    echo
  fi
done
exit $status

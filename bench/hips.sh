#!/usr/bin/env bash
# HiPS build speed: ours (`astropixel tile` to a pack, then `astropixel hips`) against Aladin's Hipsgen
# (Debian `aladin` 12.001, headless, as many threads as cores) on the same image with a TAN WCS, at the
# same order, alternating runs. Prints medians, the ratio (Hipsgen / ours) and each one's peak RSS.
#   float:  a float FITS, both writing FITS tiles;
#   colour: an RGB PNG with its WCS in a .hhh header beside it (Hipsgen's `in=DIR color=png
#           method=MEAN`, ours `hips --wcs`), both writing PNG tiles.
#
#   bench/hips.sh [SIZE ...]      (default: 4096 16384; images SIZE² at 0.5″ per pixel)
#   KINDS="float colour" (default both), RUNS=3
#
# Ours includes the pyramid build, because Hipsgen starts from the FITS file too; the HiPS step alone is
# printed as well. Needs hyperfine, aladin (default-jre) and python3-astropy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=("${@:-4096 16384}")
sizes=(${sizes[@]})
data=${BENCH_DATA:-/tmp/bench-data}/hips
runs=${RUNS:-3}
read -r -a kinds <<<"${KINDS:-float colour}"
bin=$root/build/release/astropixel
cores=$(nproc)
mkdir -p "$data"

command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[[ -f /usr/share/java/aladin.jar ]] || { echo "install aladin (scripts/install-deps.sh)" >&2; exit 2; }
[[ -x $bin ]] || scripts/build.sh release

has_kind() { [[ " ${kinds[*]} " == *" $1 "* ]]; }

colour_bench() {  # size
  local size=$1
  local dir=$data/colour_$size out=$data/colour_out_$size
  if [[ ! -f $dir/sky.png ]]; then
    mkdir -p "$dir"
    /usr/bin/python3 - "$dir" "$size" <<'PY'
import sys
import numpy as np
from astropy.io import fits
from PIL import Image
d, n = sys.argv[1], int(sys.argv[2])
y, x = np.mgrid[0:n, 0:n].astype(np.float32)
rng = np.random.default_rng(2)
rgb = np.stack([128 + 90 * np.sin(x / 50.0), 128 + 90 * np.cos(y / 70.0), 60 + 120 * (x + y) / (2 * n)], -1)
rgb += rng.normal(0, 6, rgb.shape).astype(np.float32)
Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(f"{d}/sky.png", compress_level=1)
h = fits.Header([("NAXIS", 2), ("NAXIS1", n), ("NAXIS2", n)])
h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
h["CRVAL1"], h["CRVAL2"] = 150.1, 2.2
h["CRPIX1"] = h["CRPIX2"] = n / 2 + 0.5
h["CDELT1"], h["CDELT2"] = -0.5 / 3600, 0.5 / 3600
h["RADESYS"] = "ICRS"
open(f"{d}/sky.hhh", "w").write(h.tostring(sep="\n", endcard=True, padding=False))
PY
  fi
  rm -rf "$out" && mkdir -p "$out"
  "$bin" tile "$dir/sky.png" "$out/probe.pack" --format png --progress none 2>/dev/null
  local order
  order=$("$bin" hips "$out/probe.pack" "$out/probe" --wcs "$dir/sky.hhh" --formats png --progress none |
    sed 's/.*"order":\([0-9]*\).*/\1/')
  local hipsgen="java -Xmx4g -Djava.awt.headless=true -cp /usr/share/java/aladin.jar cds.allsky.HipsGen in=$dir \
out=$out/hipsgen creator_did=AstroPixel/P/bench-colour color=png method=MEAN hips_order=$order maxThread=$cores INDEX TILES"
  echo "== ${size}² RGB PNG, 0.5″ pixels: colour HiPS order $order, PNG tiles"
  hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$data/hips-colour-$size.json" \
    --prepare "rm -rf $out/ours $out/ours.pack $out/hipsgen; sync" \
    -n astropixel "$bin tile $dir/sky.png $out/ours.pack --format png --progress none && $bin hips $out/ours.pack $out/ours --wcs $dir/sky.hhh --formats png --progress none" \
    -n astropixel_hips_only "$bin hips $out/probe.pack $out/ours --wcs $dir/sky.hhh --formats png --progress none" \
    -n hipsgen "$hipsgen"
  report "$data/hips-colour-$size.json"
  rm -rf "$out/ours" "$out/hipsgen"
  /usr/bin/time -f "astropixel hips peak RSS %M KB" "$bin" hips "$out/probe.pack" "$out/ours" --wcs "$dir/sky.hhh" \
    --formats png --progress none 2>&1 >/dev/null | tail -1
  # shellcheck disable=SC2086 # the command's words
  /usr/bin/time -f "hipsgen peak RSS %M KB" $hipsgen 2>&1 >/dev/null | tail -1
  rm -rf "$out"
}

report() {  # hyperfine json
  /usr/bin/python3 - "$1" <<'PY'
import json, statistics, sys
r = {x["command"]: statistics.median(x["times"]) for x in json.load(open(sys.argv[1]))["results"]}
print(f"median astropixel (tile + hips) {r['astropixel']:.2f} s (hips alone {r['astropixel_hips_only']:.2f} s), "
      f"hipsgen {r['hipsgen']:.2f} s, ratio {r['hipsgen'] / r['astropixel']:.2f}x "
      f"(hips alone {r['hipsgen'] / r['astropixel_hips_only']:.2f}x)")
PY
}

for size in "${sizes[@]}"; do
  has_kind colour && colour_bench "$size"
  has_kind float || continue
  image=$data/sky_$size.fits
  if [[ ! -f $image ]]; then
    /usr/bin/python3 - "$image" "$size" <<'PY'
import sys
import numpy as np
from astropy.io import fits
path, n = sys.argv[1], int(sys.argv[2])
# The mandatory keywords first and in order (FITS 4.0 §4.4.1), then the WCS.
h = fits.Header([("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2), ("NAXIS1", n), ("NAXIS2", n)])
h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
h["CRVAL1"], h["CRVAL2"] = 150.1, 2.2
h["CRPIX1"] = h["CRPIX2"] = n / 2 + 0.5
h["CDELT1"], h["CDELT2"] = -0.5 / 3600, 0.5 / 3600
h["RADESYS"] = "ICRS"
# Written a block of rows at a time: the image never has to fit in memory.
rng = np.random.default_rng(1)
with open(path, "wb") as f:
    f.write(h.tostring().encode())
    for start in range(0, n, 512):
        rows = min(512, n - start)
        y = np.arange(start, start + rows)[:, None]
        x = np.arange(n)[None, :]
        block = 100 + 20 * np.sin(x / 50.0) * np.cos(y / 70.0) + rng.normal(0, 3, (rows, n))
        f.write(block.astype(">f4").tobytes())
    f.write(b"\0" * (-(n * n * 4) % 2880))
PY
  fi
  out=$data/out_$size
  rm -rf "$out" && mkdir -p "$out"
  "$bin" tile "$image" "$out/probe.pack" --format png --progress none 2>/dev/null
  order=$("$bin" hips "$out/probe.pack" "$out/probe" --formats fits --progress none | sed 's/.*"order":\([0-9]*\).*/\1/')
  echo "== ${size}² float FITS, 0.5″ pixels: HiPS order $order, FITS tiles"
  hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$data/hips-$size.json" \
    --prepare "rm -rf $out/ours $out/ours.pack $out/hipsgen; sync" \
    -n astropixel "$bin tile $image $out/ours.pack --format png --progress none && $bin hips $out/ours.pack $out/ours --formats fits --progress none" \
    -n astropixel_hips_only "$bin hips $out/probe.pack $out/ours --formats fits --progress none" \
    -n hipsgen "java -Xmx4g -Djava.awt.headless=true -cp /usr/share/java/aladin.jar cds.allsky.HipsGen in=$image out=$out/hipsgen creator_did=AstroPixel/P/bench hips_order=$order hips_pixel_bitpix=-32 maxThread=$cores INDEX TILES"
  report "$data/hips-$size.json"
  rm -rf "$out/ours" "$out/hipsgen"
  /usr/bin/time -f "astropixel hips peak RSS %M KB" "$bin" hips "$out/probe.pack" "$out/ours" --formats fits --progress none 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "hipsgen peak RSS %M KB" java -Xmx4g -Djava.awt.headless=true -cp /usr/share/java/aladin.jar \
    cds.allsky.HipsGen "in=$image" "out=$out/hipsgen" creator_did=AstroPixel/P/bench "hips_order=$order" \
    hips_pixel_bitpix=-32 "maxThread=$cores" INDEX TILES 2>&1 >/dev/null | tail -1
  rm -rf "$out"
done

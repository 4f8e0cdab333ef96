#!/usr/bin/env bash
# Pyramid build speed: `astropixel tile` against `vips dzsave` on the same inputs, same tile size,
# format and quality, overlap 0, alternating runs. Prints medians and the ratio (vips / ours).
#
#   bench/pyramid.sh [small|medium|large ...]     (default: medium)
#   KINDS="rgb_strip.tif mono16.tif" bench/pyramid.sh small    (default: every kind of the size)
#   ASTROPIXEL_BIN=build/cutout/astropixel bench/pyramid.sh     (default: build/release)
#
# For every input it also prints this machine's floor (bench/floor.cpp, built here with the system
# compiler): the fastest streamed decode Debian ships for the format, JPEG q85 encoding of every
# tile on all cores, and the floor with and without decoding overlapped (ADR 0033).
#
# 16-bit and float inputs: ours fits a stretch from whole-image statistics (a first pass over the
# data, linear 0.25/99.75 % cuts); `vips dzsave` only casts to 8 bits (no statistics pass, so less
# work than ours: the ratio is conservative).
#
# Inputs come from the shared benchmark kit (../shared/bench/make-images.py), generated into
# $BENCH_DATA/inputs when missing. The kinds the kit does not make are derived from its images with
# public tools and cached beside them: mono16.fits (vips copy of mono16.tif: BITPIX 16, BZERO 32768),
# mono16_rice.fits (fpack's default: Rice, one row a tile), f32_fpack.fits (fpack's default for
# floats: quantised, q 4, then Rice), rgb.jp2 (vips jp2ksave defaults: Q 48, 512² tiles) and
# rgb.webp (cwebp -q 75 -segments 1 -partition_limit 100; WebP stops at 16383 px a side, so
# medium's is 16383², not 16384²). Needs hyperfine, vips (libvips-tools), fpack
# (libcfitsio-bin), cwebp (webp) and, for the floor, the -dev packages of libpng, libspng,
# libjpeg-turbo, cfitsio, libtiff, OpenJPEG and libwebp.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=("${@:-medium}")
data=${BENCH_DATA:-/tmp/bench-data}
kit=${BENCH_KIT:-$root/../shared/bench}
runs=${RUNS:-3}
bin=${ASTROPIXEL_BIN:-$root/build/release/astropixel}
out=$data/astropixel-bench
mkdir -p "$out"

command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[[ -x $bin ]] || scripts/build.sh release
floor=$data/floor
if [[ ! -x $floor || bench/floor.cpp -nt $floor ]]; then
  g++ -std=c++20 -O2 -I/usr/include/openjpeg-2.5 -o "$floor" bench/floor.cpp -lpng -lspng -ljpeg -lturbojpeg \
    -lcfitsio -ltiff -lopenjp2 -lwebp -pthread
fi

# Makes a kind the kit does not write from one it does (written under a temporary name, then renamed,
# so an interrupted run leaves no half file behind).
derive() {
  local size=$1 kind=$2 dir=$data/inputs
  local dst=$dir/${size}_$kind tmp=$dir/${size}_tmp_$kind side=16383
  [[ -f $dst ]] && return
  [[ $size == small ]] && side=4096
  rm -f "$tmp"
  case $kind in
    mono16.fits) vips copy "$dir/${size}_mono16.tif" "$tmp" ;;
    mono16_rice.fits) derive "$size" mono16.fits && fpack -O "$tmp" "$dir/${size}_mono16.fits" ;;
    # fpack's default for floats: quantised (q 4, dithered) then Rice, as survey archives ship them.
    f32_fpack.fits) fpack -O "$tmp" "$dir/${size}_f32.fits" ;;
    rgb.jp2) vips jp2ksave "$dir/${size}_rgb_tiled.tif" "$tmp" ;;
    # libwebp's first partition (per-macroblock modes) is limited to 512 KB, which a noisy sky over
    # 16383² overflows ("webpsave: unable to encode"); with one segment and only 16×16 intra modes
    # (what cwebp's -partition_limit 100 leaves) it fits: 484 KB for medium's 1M macroblocks.
    rgb.webp) cwebp -quiet -q 75 -segments 1 -partition_limit 100 -crop 0 0 "$side" "$side" "$dir/${size}_rgb_tiled.tif" -o "$tmp" ;;
    *) return ;;
  esac
  mv "$tmp" "$dst"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

for size in "${sizes[@]}"; do
  kinds=(${KINDS:-rgb_strip.tif rgb_tiled.tif mono16.tif f32.fits mono16.fits mono16_rice.fits f32_fpack.fits rgb.jpg rgb.png rgb.jp2 rgb.webp})
  [[ $size == large ]] && kinds=(rgb_tiled.tif)
  inputs=()
  for kind in "${kinds[@]}"; do inputs+=("$data/inputs/${size}_$kind"); done
  missing=0
  for kind in "${kinds[@]}"; do
    case $kind in  # the kit's image each kind is made from
      mono16*.fits) need=mono16.tif ;;
      f32_fpack.fits) need=f32.fits ;;
      rgb.jp2 | rgb.webp) need=rgb_tiled.tif ;;
      *) need=$kind ;;
    esac
    [[ -f $data/inputs/${size}_$need ]] || missing=1
  done
  if ((missing)); then
    /usr/bin/python3 "$kit/make-images.py" --sizes "$size" --out "$data/inputs"
  fi
  for kind in "${kinds[@]}"; do derive "$size" "$kind"; done
  for input in "${inputs[@]}"; do
    name=$(basename "$input")
    name=${name//./_}  # rgb.png and rgb.jpg, mono16.tif and mono16.fits apart
    echo "== $size/$name (load average $(cut -d" " -f1-3 /proc/loadavg))"
    rm -rf "$out"/*
    # Each run writes fresh output; removing the previous run's output is part of the prepare step,
    # not of the timing.
    hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$out/../pyramid-$size-$name.json" \
      --prepare "rm -rf $out/ours.pack* $out/vips_files $out/vips.dzi; sync" \
      -n astropixel "$bin tile $input $out/ours.pack --format jpg --quality 85 --tile-size 256 --progress none" \
      -n vips_dzsave "vips dzsave $input $out/vips --layout dz --tile-size 256 --overlap 0 --suffix .jpg[Q=85]"
    /usr/bin/python3 - "$out/../pyramid-$size-$name.json" <<'PY'
import json, statistics, sys
r = {x["command"]: statistics.median(x["times"]) for x in json.load(open(sys.argv[1]))["results"]}
print(f"median astropixel {r['astropixel']:.2f} s, vips dzsave {r['vips_dzsave']:.2f} s, "
      f"ratio {r['vips_dzsave'] / r['astropixel']:.2f}x")
PY
    "$floor" "$input"
    /usr/bin/time -f "astropixel peak RSS %M KB" "$bin" tile "$input" "$out/rss.pack" --progress none 2>&1 | tail -1
    rm -f "$out/rss.pack"
  done
done

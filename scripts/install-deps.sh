#!/usr/bin/env bash
# Installs every Debian package AstroPixel needs to build, run and test. Idempotent: it asks apt only
# for what is missing, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache clang-format clang-tidy
  clang-14 libclang-rt-14-dev  # libFuzzer for scripts/fuzz.sh
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libsodium-dev libssl-dev libcurl4-openssl-dev libhiredis-dev libmimalloc-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev prometheus-cpp-dev
  libvips-dev libvips-tools libtiff-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libspng-dev libwebp-dev
  libcfitsio-dev libcfitsio-bin wcslib-dev libgeotiff-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # servers and tools used by the tests
  postgresql redis-server nginx prometheus curl procps time python3 python3-pytest python3-requests python3-pil python3-numpy
  python3-botocore  # an independent SigV4 implementation to check our S3 signatures against
  python3-astropy-healpix  # independent HEALPix (and, through astropy, WCS) for the HiPS tests
  aladin  # Aladin's own HiPS generator (Hipsgen), run headless: our HiPS is compared with its output
  # real third-party clients (tus-js-client, OpenSeadragon in Chromium via playwright-core)
  nodejs chromium
  # SAOImage DS9 itself, run headless, loads our exported region files (tests/integration/test_regions.py)
  saods9 xvfb xauth
  ncompress  # Unix compress, to make the .fits.Z files of tests/integration/test_fits_compression.py
  strace  # the reliability report watches what files the server opens during path-traversal probes
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Debian's own nodejs ships npm separately; the machine's nodejs build includes it.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

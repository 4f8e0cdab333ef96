#!/usr/bin/env bash
# Fetches the Debian packages whose test data holds real files (written by real instruments, real
# astronomy software and other projects' decoder tests, not by us) and unpacks them into
# DIR/x/PACKAGE: FITS for the real-data corpus test (tests/integration/test_real_fits.py; why these
# packages: docs/research/real-fits-in-debian.md), and the PNG/JPEG/TIFF/WebP test data of Go's image
# packages and libjxl for the reliability report's third-party image corpus
# (tests/hardening/bad_input.py). Idempotent: a package already unpacked is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/real-data}

packages=(
  python3-astropy python3-sunpy python3-astroquery python3-reproject python3-ccdproc
  python3-astroscrappy python3-photutils python3-pyvo python3-sncosmo python3-pyraf python3-regions
  python3-asdf python3-spectral-cube python3-fitsio python3-stsci.tools python3-radio-beam
  libastro-fits-cfitsio-perl eso-midas iraf-noao iraf-rvsao healpy-data
  golang-1.19-src golang-golang-x-image-dev libjxl-testdata
)

mkdir -p "$dir/debs" "$dir/x"
dir=$(cd "$dir" && pwd)
missing=()
for p in "${packages[@]}"; do
  [[ -d $dir/x/$p ]] || missing+=("$p")
done
((${#missing[@]})) || exit 0

echo "fetch-real-data: downloading ${missing[*]}" >&2
cd "$dir/debs"
# apt-get download needs the package lists, which a machine that had everything installed may lack.
apt-get download -qq "${missing[@]}" 2>/dev/null || {
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  apt-get download -qq "${missing[@]}"
}
for p in "${missing[@]}"; do
  debs=("$p"_*.deb)
  rm -rf "$dir/x/$p.partial"
  dpkg-deb -x "${debs[-1]}" "$dir/x/$p.partial"
  mv "$dir/x/$p.partial" "$dir/x/$p"
done

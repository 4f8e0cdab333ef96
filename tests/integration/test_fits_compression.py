"""Tile-compressed FITS (the `.fz` files archives serve) in every algorithm cfitsio writes: Rice,
GZIP_1, GZIP_2, HCOMPRESS (lossless and lossy), PLIO, and quantized floats with both dithering
methods. No Debian package ships HCOMPRESS, PLIO or quantized-float files, so they are made here by
cfitsio's own fpack from real images (a raw SAAO CCD frame from ccdproc, Gemini GMOS from
astroscrappy) and tiled beside the uncompressed original: lossless methods must give the same pixels,
lossy ones nearly the same."""
import io
import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from support.pack import Pack
from support.server import BINARY, ROOT

DATA = pathlib.Path(os.environ.get("ASTROPIXEL_REAL_DATA", ROOT / "build" / "real-data")) / "x"
CCD = DATA / "python3-ccdproc/usr/lib/python3/dist-packages/ccdproc/tests/data/a8280271.fits"  # uint16
GMOS = DATA / "python3-astroscrappy/usr/lib/python3/dist-packages/astroscrappy/tests/data/gmos.fits"  # float32


def pixels(path, out, cuts):
    """The full-resolution level of the pyramid as one greyscale array (fixed cuts: same stretch)."""
    r = subprocess.run([str(BINARY), "tile", "--progress", "json", "--format", "png", "--cuts", cuts,
                        str(path), str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    done = json.loads(r.stdout.strip().splitlines()[-1])
    pack = Pack(out)
    w, h, cols, rows = pack.levels[pack.max_level]
    ts = pack.meta["tile_size"]
    img = np.zeros((h, w), np.int16)
    for row in range(rows):
        for col in range(cols):
            t = np.asarray(Image.open(io.BytesIO(pack.tile(pack.max_level, col, row))).convert("L"))
            img[row * ts:row * ts + t.shape[0], col * ts:col * ts + t.shape[1]] = t
    return done, pack.meta["meta"]["fits"], img


def fpack(src, tmp_path, name, *flags):
    if not src.exists():
        pytest.fail(f"{src} is missing: scripts/test.sh fetches it with scripts/fetch-real-data.sh")
    copy = tmp_path / f"{name}.fits"
    shutil.copy(src, copy)
    r = subprocess.run(["fpack", *flags, "-O", str(tmp_path / f"{name}.fits.fz"), str(copy)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return tmp_path / f"{name}.fits.fz"


@pytest.mark.parametrize("name,flags,lossless", [
    ("rice", ["-r"], True),
    ("gzip1", ["-g1"], True),
    ("gzip2", ["-g2"], True),
    ("hcompress", ["-h"], True),
    ("plio", ["-p"], True),
    ("hcompress_lossy", ["-h", "-s", "2.5"], False),
    ("whole_image_tile", ["-r", "-w"], True),
])
def test_integer_ccd_frame(tmp_path, name, flags, lossless):
    _, _, original = pixels(CCD, tmp_path / "original.pack", "1000,3000")
    packed = fpack(CCD, tmp_path, name, *flags)
    done, fits, img = pixels(packed, tmp_path / "packed.pack", "1000,3000")
    assert (done["width"], done["height"]) == (536, 520)
    assert fits["hdu"] == 1 and fits["hdus"][1]["tile_compressed"] is True
    diff = np.abs(img.astype(int) - original.astype(int))
    if lossless:
        assert diff.max() == 0, f"{name}: {np.count_nonzero(diff)} pixels differ"
    else:
        assert diff.mean() < 2 and np.percentile(diff, 99) <= 8, (diff.mean(), diff.max())


@pytest.mark.parametrize("name,flags", [
    ("quantized_dither1", ["-q", "4"]),          # SUBTRACTIVE_DITHER_1
    ("quantized_dither2", ["-qz", "4"]),         # SUBTRACTIVE_DITHER_2: zeros kept exactly
    ("quantized_no_dither", ["-q0", "4"]),       # NO_DITHER
    ("float_gzip_lossless", ["-g", "-q", "0"]),  # floats kept bit for bit
])
def test_float_gmos_frame(tmp_path, name, flags):
    _, fits0, original = pixels(GMOS, tmp_path / "original.pack", "0,30")
    packed = fpack(GMOS, tmp_path, name, *flags)
    _, fits, img = pixels(packed, tmp_path / "packed.pack", "0,30")
    assert fits["hdu"] == fits0["hdu"] and fits["hdus"][fits["hdu"]]["tile_compressed"] is True
    diff = np.abs(img.astype(int) - original.astype(int))
    if name == "float_gzip_lossless":
        assert diff.max() == 0
        return
    # Exactly what cfitsio's funpack restores (dithering undone with the file's ZDITHER0 seed)...
    subprocess.run(["funpack", "-O", str(tmp_path / "unpacked.fits"), str(packed)], check=True, timeout=120)
    _, _, unpacked = pixels(tmp_path / "unpacked.fits", tmp_path / "unpacked.pack", "0,30")
    assert np.array_equal(img, unpacked), f"{name}: {np.count_nonzero(img != unpacked)} pixels differ"
    # ...and close to the original: quantized at a quarter of the background noise, which on this
    # 0-30 stretch is under a grey level on average and a few at the bright, noisy pixels.
    assert diff.mean() < 0.5 and np.percentile(diff, 99) <= 8, (name, diff.mean(), np.percentile(diff, 99))


def test_whole_file_unix_compress(tmp_path):
    """.fits.Z (Unix compress, LZW; older archives serve FITS this way): decompressed by gzip(1) into
    a bounded scratch file, never into memory; a cut .Z says what is missing."""
    compress = shutil.which("compress")
    assert compress, "compress (Debian package ncompress) is installed by scripts/install-deps.sh"
    copy = tmp_path / "frame.fits"
    shutil.copy(CCD, copy)
    subprocess.run([compress, "-f", str(copy)], check=True, timeout=60)
    packed = tmp_path / "frame.fits.Z"
    assert packed.read_bytes()[:2] == b"\x1f\x9d"
    _, _, original = pixels(CCD, tmp_path / "original.pack", "1000,3000")
    done, fits, img = pixels(packed, tmp_path / "packed.pack", "1000,3000")
    assert (done["width"], done["height"]) == (536, 520) and np.array_equal(img, original)
    cut = tmp_path / "cut.fits.Z"
    cut.write_bytes(packed.read_bytes()[:40000])
    r = subprocess.run([str(BINARY), "tile", "--progress", "json", str(cut), str(tmp_path / "cut.pack")],
                       capture_output=True, text=True, timeout=60)
    last = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.returncode == 5 and last["code"] == "truncated_file", r.stdout
    assert not list(tmp_path.glob(".inflated-*")), "the scratch copy is removed"

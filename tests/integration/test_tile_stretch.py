"""16-bit, float and FITS inputs through `astropixel tile`: one stretch for the whole image."""
import io
import subprocess

import numpy as np
import pytest
from PIL import Image

from support.fits import write_fits
from support.pack import Pack
from support.server import BINARY


def tile(*args):
    return subprocess.run([str(BINARY), "tile", *map(str, args), "--progress", "none"], capture_output=True,
                          text=True, timeout=120)


def ramp16(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return (x * 65535 // (w - 1)).astype(np.uint16) + 0 * y.astype(np.uint16)


def test_16bit_tiff_gets_a_linear_percentile_stretch(tmp_path):
    src = tmp_path / "ramp16.tif"
    Image.fromarray(ramp16(1000, 300)).save(src)
    r = tile(src, tmp_path / "o.pack", "--format", "png")
    assert r.returncode == 0, r.stderr
    pack = Pack(tmp_path / "o.pack")
    stretch = pack.meta["meta"]["stretch"]
    assert stretch["kind"] == "linear"
    assert abs(stretch["low"] - 0.0025 * 65535) < 400 and abs(stretch["high"] - 0.9975 * 65535) < 400
    row = np.asarray(Image.open(io.BytesIO(pack.tile(10, 0, 0))))[0]
    assert row[0] == 0 and row[1] == 0, "below the low cut"
    full = np.concatenate([np.asarray(Image.open(io.BytesIO(pack.tile(10, c, 0))))[0] for c in range(4)])
    assert full[-1] == 255 and abs(int(full[500]) - 128) <= 2, "linear in between"
    assert (np.diff(full.astype(int)) >= 0).all(), "monotonic: no seams between tiles"


def test_explicit_cuts_and_other_stretches(tmp_path):
    src = tmp_path / "ramp16.tif"
    Image.fromarray(ramp16(512, 64)).save(src)
    for stretch in ["zscale", "log", "sqrt", "asinh"]:
        r = tile(src, tmp_path / f"{stretch}.pack", "--stretch", stretch)
        assert r.returncode == 0, r.stderr
        assert Pack(tmp_path / f"{stretch}.pack").meta["meta"]["stretch"]["kind"] == stretch
    r = tile(src, tmp_path / "cuts.pack", "--cuts", "1000,2000", "--format", "png")
    assert r.returncode == 0
    st = Pack(tmp_path / "cuts.pack").meta["meta"]["stretch"]
    assert (st["low"], st["high"]) == (1000, 2000)
    assert tile(src, tmp_path / "bad.pack", "--cuts", "5,1").returncode == 2


def test_float_fits_with_nan_becomes_transparent(tmp_path):
    data = np.tile(np.linspace(0, 1000, 600, dtype=np.float32), (400, 1))
    data[100:150, 200:260] = np.nan
    src = tmp_path / "sky.fits"
    write_fits(src, data, -32)
    r = tile(src, tmp_path / "o.pack", "--format", "png")
    assert r.returncode == 0, r.stderr
    pack = Pack(tmp_path / "o.pack")
    meta = pack.meta["meta"]
    assert meta["source_format"] == "fits" and meta["sample_format"] == "float"
    assert meta["blank_pixels"] == 50 * 60
    t = np.asarray(Image.open(io.BytesIO(pack.tile(10, 0, 0))))
    assert t.shape[2] == 2, "grey + alpha"
    shown = np.flipud(data)  # FITS rows run bottom-up; the image is shown top-down
    alpha = t[:, :, 1]
    assert ((alpha == 0) == np.isnan(shown[:256, :256])).all(), "exactly the NaN pixels are transparent"
    jpg = tile(src, tmp_path / "j.pack")
    assert jpg.returncode == 0
    j = np.asarray(Image.open(io.BytesIO(Pack(tmp_path / "j.pack").tile(10, 0, 0))).convert("L")).astype(int)
    assert j[np.isnan(shown[:256, :256])].mean() < 10, "NaN is black in JPEG"


def test_scaled_integer_fits_uses_physical_values(tmp_path):
    # Unsigned 16-bit stored the FITS way: BITPIX=16, BZERO=32768. Physical = stored + 32768.
    physical = np.tile(np.arange(0, 60000, 100, dtype=np.int64), (50, 1))
    stored = (physical - 32768).astype(np.int16)
    src = tmp_path / "u16.fits"
    write_fits(src, stored, 16, bscale=1, bzero=32768)
    r = tile(src, tmp_path / "o.pack", "--cuts", "0,60000", "--format", "png")
    assert r.returncode == 0, r.stderr
    t = np.asarray(Image.open(io.BytesIO(Pack(tmp_path / "o.pack").tile(10, 0, 0)))).astype(int)
    row = t[0] if t.ndim == 2 else t[0, :, 0]
    assert row[0] <= 1 and abs(row[128] - 54) <= 2, "BZERO applied: 12800 of 0..60000, not a shifted ramp"


@pytest.mark.parametrize("bitpix,bzero,lo,hi", [
    (8, -128, -128, 127),                           # signed bytes, the FITS way
    (16, 32768, 0, 65535),                          # unsigned 16-bit
    (32, 2147483648, 0, 4294967295),                # unsigned 32-bit
    (64, None, -2**62, 2**62),                      # BITPIX 64, signed
    (64, 9223372036854775808, 0, 2**64 - 1),        # unsigned 64-bit
])
def test_every_integer_bitpix_and_unsigned_convention(tmp_path, bitpix, bzero, lo, hi):
    # A ramp of physical values lo..hi across 256 columns, stored as physical - BZERO.
    physical = [lo + (hi - lo) * c // 255 for c in range(256)]
    kind = {8: np.uint8, 16: np.int16, 32: np.int32, 64: np.int64}[bitpix]
    stored = np.array([[p - (bzero or 0) for p in physical]] * 4, dtype=kind)
    src = tmp_path / "ramp.fits"
    write_fits(src, stored, bitpix, bscale=None if bzero is None else 1, bzero=bzero)
    r = tile(src, tmp_path / "o.pack", "--cuts", f"{lo},{hi}", "--format", "png")
    assert r.returncode == 0, r.stderr
    pack = Pack(tmp_path / "o.pack")
    t = np.asarray(Image.open(io.BytesIO(pack.tile(pack.max_level, 0, 0))).convert("L")).astype(int)
    assert np.abs(t[0] - np.arange(256)).max() <= 1, t[0][:16]


def _level_max_tile(pack_path):
    pack = Pack(pack_path)
    return pack, np.asarray(Image.open(io.BytesIO(pack.tile(pack.max_level, 0, 0))))


def test_fits_hdu_and_plane_selection(tmp_path):
    from support.fits import write_multi
    flat = np.full((40, 60), 10, dtype=np.float32)
    ramp = np.tile(np.arange(80, dtype=np.float32), (50, 1))
    cube = np.stack([np.full((30, 20), p * 100, dtype=np.int16) for p in range(3)])
    src = tmp_path / "multi.fits"
    write_multi(src, [(None, 8, {}), (flat, -32, {}), (ramp, -32, {}), (cube, 16, {})])
    # Default: the first HDU holding an image (the empty primary is skipped).
    assert tile(src, tmp_path / "d.pack").returncode == 0
    assert Pack(tmp_path / "d.pack").meta["width"] == 60
    assert tile(src, tmp_path / "h2.pack", "--hdu", "2").returncode == 0
    assert (Pack(tmp_path / "h2.pack").meta["width"], Pack(tmp_path / "h2.pack").meta["height"]) == (80, 50)
    for plane in (0, 2):
        r = tile(src, tmp_path / f"p{plane}.pack", "--hdu", "3", "--plane", str(plane), "--cuts", "0,200",
                 "--format", "png")
        assert r.returncode == 0, r.stderr
        _, t = _level_max_tile(tmp_path / f"p{plane}.pack")
        assert abs(int(t.flat[0]) - plane * 100 * 255 // 200) <= 1
    bad = tile(src, tmp_path / "x.pack", "--hdu", "9")
    assert bad.returncode == 5 and "bad_hdu" in bad.stderr
    bad = tile(src, tmp_path / "x.pack", "--hdu", "3", "--plane", "3")
    assert bad.returncode == 5 and "bad_plane" in bad.stderr
    bad = tile(src, tmp_path / "x.pack", "--hdu", "0")
    assert bad.returncode == 5 and "bad_hdu" in bad.stderr


def test_integer_fits_blank_becomes_transparent(tmp_path):
    data = np.tile(np.arange(100, dtype=np.int16), (60, 1))
    data[10:20, 30:40] = -999
    src = tmp_path / "blank.fits"
    write_fits(src, data, 16, blank=-999)
    r = tile(src, tmp_path / "o.pack", "--format", "png")
    assert r.returncode == 0, r.stderr
    pack, t = _level_max_tile(tmp_path / "o.pack")
    assert pack.meta["meta"]["blank_pixels"] == 100
    assert ((t[:, :, 1] == 0) == (np.flipud(data) == -999)).all()


def test_truncated_fits_fails_cleanly(tmp_path):
    data = np.ones((500, 500), dtype=np.float32)
    src = tmp_path / "t.fits"
    write_fits(src, data, -32)
    raw = src.read_bytes()
    src.write_bytes(raw[: len(raw) // 2])
    r = tile(src, tmp_path / "o.pack")
    # Refused before tiling, with what is missing, rather than by a read error halfway through.
    assert r.returncode == 5 and "(truncated_file)" in r.stderr, r.stderr
    assert "describes 1000000 bytes of data, the file holds 499680" in r.stderr
    assert not list(tmp_path.glob("o.pack*"))


def test_tile_compressed_fits(tmp_path):
    data = np.tile(np.arange(300, dtype=np.int16), (200, 1))
    src = tmp_path / "plain.fits"
    write_fits(src, data, 16)
    subprocess.run(["fpack", "-r", str(src)], check=True)  # Rice tile compression → plain.fits.fz
    packed = tmp_path / "plain.fits.fz"
    r = tile(packed, tmp_path / "o.pack", "--cuts", "0,300", "--format", "png")
    assert r.returncode == 0, r.stderr
    pack, t = _level_max_tile(tmp_path / "o.pack")
    assert (pack.meta["width"], pack.meta["height"]) == (300, 200)
    assert abs(int(t[0, 150]) - 128) <= 1


def all_tiles(pack):
    return [pack.tile(level, c, r) for level, (_, _, cols, rows) in enumerate(pack.levels)
            for r in range(rows) for c in range(cols)]


def test_16bit_and_float_tiff_read_by_libtiff_match_the_same_data_through_libvips(tmp_path):
    """The libtiff reader (every layout and compression) makes exactly the tiles the libvips path
    makes from the same values (a 16-bit PNG; a float FITS), given the same cuts."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:500, 0:700]
    data = ((x * 60 + y * 20) % 60000 + rng.integers(0, 500, (500, 700))).astype(np.uint16)
    Image.fromarray(data).save(tmp_path / "ref.png")
    ref = tmp_path / "ref.pack"
    assert tile(tmp_path / "ref.png", ref, "--cuts", "1000,50000", "--format", "png").returncode == 0
    expected = all_tiles(Pack(ref))
    variants = {"strip.tif": "", "deflate.tif": "[compression=deflate]", "tiled.tif": "[tile,tile-width=128,tile-height=64]",
                "tiled-lzw.tif": "[tile,compression=lzw,bigtiff]"}
    for name, opts in variants.items():
        subprocess.run(["vips", "copy", str(tmp_path / "ref.png"), str(tmp_path / name) + opts], check=True)
        r = tile(tmp_path / name, tmp_path / f"{name}.pack", "--cuts", "1000,50000", "--format", "png")
        assert r.returncode == 0, r.stderr
        assert all_tiles(Pack(tmp_path / f"{name}.pack")) == expected, name

    # 32-bit float TIFF against the same values in a float FITS (read by cfitsio).
    values = data.astype(np.float32) / 7.5
    write_fits(tmp_path / "ref.fits", np.flipud(values), -32)
    Image.fromarray(values).save(tmp_path / "float.tif")  # mode F: 32-bit float samples
    fits_ref = tmp_path / "fits.pack"
    assert tile(tmp_path / "ref.fits", fits_ref, "--cuts", "100,7000").returncode == 0
    r = tile(tmp_path / "float.tif", tmp_path / "float.pack", "--cuts", "100,7000")
    assert r.returncode == 0, r.stderr
    assert Pack(tmp_path / "float.pack").meta["meta"]["sample_format"] == "float"
    assert all_tiles(Pack(tmp_path / "float.pack")) == all_tiles(Pack(fits_ref))


def test_big_random_access_sources_sample_their_statistics(tmp_path):
    """A 72-megavalue 16-bit TIFF: the statistics pass reads every other band of rows, and the cuts
    are the whole image's percentiles all the same."""
    rng = np.random.default_rng(5)
    h, w = 8000, 9000
    data = rng.gamma(2.0, 3000.0, (h, w)).clip(0, 65535).astype(np.uint16)
    Image.fromarray(data).save(tmp_path / "big.tif")
    r = tile(tmp_path / "big.tif", tmp_path / "big.pack", "--format", "jpg")
    assert r.returncode == 0, r.stderr
    meta = Pack(tmp_path / "big.pack").meta["meta"]
    assert h // 2 - 256 <= meta["statistics_rows"] <= h // 2 + 256, meta["statistics_rows"]
    low, high = np.percentile(data, [0.25, 99.75])
    assert abs(meta["stretch"]["low"] - low) < 0.01 * (high - low)
    assert abs(meta["stretch"]["high"] - high) < 0.01 * (high - low)

"""`astropixel tile` through the real binary: formats in, pack and Deep Zoom out, hostile input."""
import io
import json
import struct
import subprocess
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from support.pack import Pack
from support.server import BINARY


def tile(*args, timeout=120):
    return subprocess.run([str(BINARY), "tile", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def synthetic(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x % 256, y % 256, (x + 2 * y) % 256]).astype(np.uint8)


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "sky.png"
    Image.fromarray(synthetic(1000, 600)).save(path)
    return path


def test_png_to_pack_holds_exact_pixels(tmp_path, png):
    out = tmp_path / "sky.pack"
    r = tile(png, out, "--format", "png", "--progress", "none")
    assert r.returncode == 0, r.stderr
    pack = Pack(out)
    assert pack.meta["width"] == 1000 and pack.meta["height"] == 600 and pack.meta["format"] == "png"
    assert pack.max_level == 10
    src = synthetic(1000, 600)
    edge = np.asarray(Image.open(io.BytesIO(pack.tile(10, 3, 2))))
    assert edge.shape == (600 - 512, 1000 - 768, 3), "edge tiles are cropped, not padded"
    assert (edge == src[512:, 768:]).all()
    half = np.asarray(Image.open(io.BytesIO(pack.tile(9, 0, 0)))).astype(int)
    expected = (src[:512:2, :512:2].astype(int) + src[1:512:2, :512:2] + src[:512:2, 1:512:2] + src[1:512:2, 1:512:2] + 2) // 4
    assert (half[:256, :256] == expected[:256, :256]).all(), "2×2 area average"
    assert Image.open(io.BytesIO(pack.tile(0, 0, 0))).size == (1, 1)


def test_preview_is_512_px(tmp_path, png):
    assert tile(png, tmp_path / "p.pack", "--progress", "none").returncode == 0
    assert Image.open(io.BytesIO(Pack(tmp_path / "p.pack").preview())).size == (512, 307)
    assert tile(png, tmp_path / "d", "--layout", "dz", "--progress", "none").returncode == 0
    assert Image.open(tmp_path / "d_files/preview.jpg").size == (512, 307)


def test_same_input_gives_identical_packs(tmp_path, png):
    assert tile(png, tmp_path / "a.pack", "--progress", "none").returncode == 0
    assert tile(png, tmp_path / "b.pack", "--progress", "none", "--threads", "1").returncode == 0
    assert (tmp_path / "a.pack").read_bytes() == (tmp_path / "b.pack").read_bytes()


@pytest.mark.parametrize("suffix,save", [
    ("jpg", lambda im, p: im.save(p, quality=95)),
    ("tif", lambda im, p: im.save(p, compression="tiff_deflate")),
    ("webp", lambda im, p: im.save(p, quality=95)),
    ("png", lambda im, p: im.convert("L").save(p)),
    ("jp2", lambda im, p: (im.save(str(p) + ".png"),
                           subprocess.run(["vips", "copy", str(p) + ".png", f"{p}[lossless]"], check=True))),
])
def test_each_input_format_round_trips(tmp_path, suffix, save):
    src = tmp_path / f"in.{suffix}"
    save(Image.fromarray(synthetic(700, 400)), src)
    # Format is decided by content: the extension is misleading on purpose.
    disguised = tmp_path / "upload.bin"
    disguised.write_bytes(src.read_bytes())
    out = tmp_path / "out.pack"
    r = tile(disguised, out, "--progress", "none")
    assert r.returncode == 0, r.stderr
    t = np.asarray(Image.open(io.BytesIO(Pack(out).tile(10, 1, 0))).convert("RGB")).astype(int)
    expected = np.asarray(Image.open(src).convert("RGB")).astype(int)[0:256, 256:512]
    assert np.abs(t - expected).mean() < 8


def test_deep_zoom_export(tmp_path, png):
    r = tile(png, tmp_path / "sky", "--layout", "dz", "--progress", "none")
    assert r.returncode == 0, r.stderr
    dzi = (tmp_path / "sky.dzi").read_text()
    assert 'TileSize="256"' in dzi and 'Overlap="0"' in dzi and 'Width="1000"' in dzi and 'Height="600"' in dzi
    files = sorted(p.relative_to(tmp_path / "sky_files").as_posix() for p in (tmp_path / "sky_files").glob("*/*.jpg"))
    assert (tmp_path / "sky_files/preview.jpg").exists()
    assert "10/3_2.jpg" in files and "0/0_0.jpg" in files
    assert len(files) == len(Pack_from(tmp_path, png).index)
    assert not list(tmp_path.glob("*.tmp-*")), "no temporary directory left"


def test_xyz_and_iiif_exports(tmp_path, png):
    assert tile(png, tmp_path / "xyz", "--layout", "xyz", "--progress", "none").returncode == 0
    # 1000×600 at 256 px: z=0 is the 250×150 level, z=2 full resolution (4×3 tiles).
    assert Image.open(tmp_path / "xyz/0/0/0.jpg").size == (250, 150)
    assert Image.open(tmp_path / "xyz/2/3/2.jpg").size == (1000 - 768, 600 - 512)
    assert not (tmp_path / "xyz/3").exists()
    assert tile(png, tmp_path / "iiif", "--layout", "iiif", "--format", "png", "--progress", "none").returncode == 0
    info = json.loads((tmp_path / "iiif/info.json").read_text())
    assert info["type"] == "ImageService3" and info["profile"] == "level0"
    assert (info["width"], info["height"]) == (1000, 600)
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}]
    assert info["extraFormats"] == ["png"]
    full_res_edge = tmp_path / "iiif/768,512,232,88/232,88/0/default.png"
    assert (np.asarray(Image.open(full_res_edge)) == synthetic(1000, 600)[512:, 768:]).all()
    assert Image.open(tmp_path / "iiif/0,0,1000,600/250,150/0/default.png").size == (250, 150)


def Pack_from(tmp_path, png):
    tile(png, tmp_path / "ref.pack", "--progress", "none")
    return Pack(tmp_path / "ref.pack")


def test_json_progress_lines(tmp_path):
    big = tmp_path / "big.png"
    Image.fromarray(synthetic(2000, 3000)).save(big)
    r = tile(big, tmp_path / "big.pack", "--progress", "json")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert lines[-1]["event"] == "done" and lines[-1]["tiles"] > 0
    progress = [l for l in lines if l["event"] == "progress"]
    assert progress and progress[-1]["percent"] == 100.0
    assert all(0 <= l["percent"] <= 100 for l in progress)


def _bomb_png(path, w, h):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
                     + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    bomb = tmp_path / "bomb.png"
    _bomb_png(bomb, 100000, 100000)
    t0 = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", str(BINARY), "tile", str(bomb),
                        str(tmp_path / "bomb.pack"), "--max-pixels", "1000000000"], capture_output=True, text=True)
    assert time.time() - t0 < 2
    assert r.returncode == 5
    assert "pixel_limit_exceeded" in r.stderr
    maxrss_kb = int(r.stderr.rsplit("maxrss_kb=", 1)[1])
    # Against the same binary tiling a tiny image (sanitizer builds start far above a release one).
    tiny = tmp_path / "tiny.png"
    Image.fromarray(synthetic(16, 16)).save(tiny)
    base = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", str(BINARY), "tile", str(tiny),
                           str(tmp_path / "tiny.pack"), "--progress", "none"], capture_output=True, text=True)
    baseline_kb = int(base.stderr.rsplit("maxrss_kb=", 1)[1])
    assert maxrss_kb - baseline_kb < 128 * 1024, "refused from the header, nothing decoded"
    assert not (tmp_path / "bomb.pack").exists()


def test_hostile_and_missing_inputs_have_distinct_exit_codes(tmp_path, png):
    text = tmp_path / "notes.tif"
    text.write_text("not an image")
    r = tile(text, tmp_path / "o.pack")
    assert r.returncode == 4 and "unsupported_format" in r.stderr and "FITS" in r.stderr
    assert tile(tmp_path / "missing.png", tmp_path / "o.pack").returncode == 3
    cut = tmp_path / "cut.png"
    data = png.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    r = tile(cut, tmp_path / "o.pack")
    assert r.returncode == 5 and "corrupt_image" in r.stderr
    assert not list(tmp_path.glob("o.pack*")), "a failed build leaves nothing behind"
    assert tile(png, tmp_path / "o.pack", "--format", "gif").returncode == 2

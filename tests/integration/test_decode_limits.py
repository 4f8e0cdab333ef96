"""Decompression bombs and images that must be decoded whole (docs/adr/0018): refused from the header,
through the upload API and through `astropixel tile`, with a clear code; images that stream are not."""
import io
import struct
import subprocess
import zlib

import pytest
from PIL import Image

from support import tus
from support.accounts import register
from support.server import BINARY


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(w, h, colour_type=2):
    """A PNG whose header claims w × h pixels over a small IDAT stream of zeros (a bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 100000, 9))
            + _chunk(b"IEND", b""))


def interlaced_png(w, h):
    """A complete, valid Adam7-interlaced greyscale PNG of zeros."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    z = zlib.compressobj(1)
    out = []
    for x0, y0, dx, dy in passes:
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        if pw and ph:
            row = b"\0" * (1 + pw)
            out.extend(z.compress(row) for _ in range(ph))
    out.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(out)) + _chunk(b"IEND", b"")


def progressive_jpeg(w, h):
    buf = io.BytesIO()
    Image.new("L", (w, h), 40).save(buf, "JPEG", progressive=True)
    return buf.getvalue()


# Over the 256 MiB a whole-image decode may take: 17000² grey bytes (interlaced PNG), 12000² grey
# DCT coefficients at 2 bytes each (progressive JPEG). Neither is a bomb: under 1 GiB decoded.
LARGE_INTERLACED = (17000, 17000)
LARGE_PROGRESSIVE = (12000, 12000)


@pytest.fixture(scope="module")
def large_inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("large")
    (d / "interlaced.png").write_bytes(interlaced_png(*LARGE_INTERLACED))
    (d / "progressive.jpg").write_bytes(progressive_jpeg(*LARGE_PROGRESSIVE))
    return d


def finish_upload(s, token, data, name):
    r = tus.create(s, token, len(data), {"filename": name})
    assert r.status_code == 201, r.text
    return tus.patch(s, token, r.headers["Location"], 0, data)


def test_a_100000_square_png_is_refused_when_the_upload_finishes(server):
    token = register(server)["access_token"]
    r = finish_upload(server, token, png_claiming(100000, 100000), "bomb.png")
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "pixel_limit_exceeded"
    assert server.get("/api/datasets", headers={"Authorization": f"Bearer {token}"}).json()["total"] == 0


def test_a_small_file_claiming_gigapixels_is_a_decompression_bomb(server):
    # 40000² RGB: under the pixel limit, 4.5 GiB decoded from a file of a few hundred bytes.
    token = register(server)["access_token"]
    r = finish_upload(server, token, png_claiming(40000, 40000), "bomb.png")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "decompression_bomb" and "40000×40000" in body["detail"], body


def test_large_progressive_and_interlaced_images_are_refused_at_upload(server, large_inputs):
    token = register(server)["access_token"]
    for name in ("interlaced.png", "progressive.jpg"):
        r = finish_upload(server, token, (large_inputs / name).read_bytes(), name)
        assert r.status_code == 422, (name, r.text)
        body = r.json()
        assert body["code"] == "image_not_streamable", body
        assert "tiled TIFF" in body["detail"], body


def tile_rss(tmp_path, path):
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", str(BINARY), "tile", str(path),
                        str(tmp_path / "out.pack"), "--progress", "none"], capture_output=True, text=True, timeout=120)
    return r, int(r.stderr.rsplit("maxrss_kb=", 1)[1])


def test_the_cli_refuses_them_from_the_header_with_little_memory(tmp_path, large_inputs):
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes(interlaced_png(16, 16))
    _, baseline_kb = tile_rss(tmp_path, tiny)  # sanitizer builds start far above a release one
    (tmp_path / "out.pack").unlink()
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(40000, 40000))
    for path, code in ((bomb, "decompression_bomb"), (large_inputs / "interlaced.png", "image_not_streamable"),
                       (large_inputs / "progressive.jpg", "image_not_streamable")):
        r, rss_kb = tile_rss(tmp_path, path)
        assert r.returncode == 5, (path.name, r.stderr)
        assert f"({code})" in r.stderr, r.stderr
        # Refused before decoding: nowhere near the 289 MB / 288 MB a whole decode takes.
        assert rss_kb - baseline_kb < 128 * 1024, r.stderr
        assert not (tmp_path / "out.pack").exists()


def test_small_progressive_and_interlaced_images_still_build(server):
    token = register(server)["access_token"]
    for name, data in (("small.png", interlaced_png(900, 700)), ("small.jpg", progressive_jpeg(900, 700))):
        _, last = tus.upload(server, token, data, {"filename": name})
        status, _ = tus.wait_for_dataset(server, token, last.headers["X-Dataset-Id"])
        assert status["status"] == "completed", (name, status)

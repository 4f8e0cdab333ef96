"""Pixel values of colour and 8-bit images (issue #15 point 2, docs/adr/0031-band-values-beside-the-display.md):
the build keeps every band's full-resolution values losslessly in the pack beside the (JPEG) display
tiles, and GET /pixels answers them exactly as uploaded, one value per band. And the display panel's
statistics for pyramids built before they were stored: computed from the data pyramid on demand."""
import io
import json
import struct

import numpy as np
from PIL import Image

from support import tus
from support.accounts import register
from support.fits import write_fits


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def upload(server, token, path):
    _, last = tus.upload(server, token, path.read_bytes(), {"filename": path.name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    return d


def write_rgb16_tiff(path, data):
    """An uncompressed, one-strip, chunky 16-bit RGB TIFF (little-endian), written here so the test
    needs no TIFF library: what a camera or a scanner exports."""
    h, w, bands = data.shape
    pixels = data.astype("<u2").tobytes()
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, None), (277, 3, 1, bands), (278, 4, 1, h), (279, 4, 1, len(pixels)), (284, 3, 1, 1)]
    ifd_size = 2 + 12 * len(entries) + 4
    bits_at = 8 + ifd_size
    pixels_at = bits_at + 6
    out = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_at
        if tag == 273:
            value = pixels_at
        if kind == 3 and count == 1:
            out += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, kind, count, value)
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + pixels
    path.write_bytes(bytes(out))


def window(data, x, y, size):
    """The size × size window of data[y, x, bands] centred on (x, y), None outside, as /pixels answers."""
    half = size // 2
    h, w = data.shape[:2]
    return [[None if not (0 <= x + dx < w and 0 <= y + dy < h) else [int(v) for v in data[y + dy, x + dx]]
             for dx in range(-half, half + 1)] for dy in range(-half, half + 1)]


def check_values(server, token, d, data, positions):
    for x, y in positions:
        r = server.get(f"/api/datasets/{d}/pixels?x={x}&y={y}&size=5", headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["bands"] == ["R", "G", "B", "A"][:data.shape[2]]
        assert body["values"] == window(data, x, y, 5), (x, y)
        assert body["value"] == [int(v) for v in data[y, x]]


def test_colour_values_are_the_uploaded_pixels_not_the_jpeg_tiles(server, tmp_path):
    token = register(server)["access_token"]
    rng = np.random.default_rng(15)
    # Noise: JPEG changes nearly every value of it, so equality shows the values are not the tiles'.
    rgb = rng.integers(0, 256, (500, 700, 3), dtype=np.uint8)
    png = tmp_path / "noise.png"
    Image.fromarray(rgb).save(png)
    d = upload(server, token, png)
    # The display tiles are JPEG: their pixels are not the uploaded ones.
    dzi = server.get(server.get(f"/api/datasets/{d}", headers=auth(token)).json()["urls"]["dzi"],
                     headers=auth(token))
    assert 'Format="jpg"' in dzi.text, dzi.text
    tile = server.get(dzi.url[len(server.base):].replace(".dzi", "_files/10/0_0.jpg"), headers=auth(token))
    assert tile.status_code == 200, tile.url
    shown = np.asarray(Image.open(io.BytesIO(tile.content)))
    assert (shown[:256, :256] != rgb[:256, :256]).mean() > 0.5
    # Corners, tile edges (256) on both sides, the middle.
    check_values(server, token, d, rgb, [(0, 0), (699, 499), (255, 255), (256, 256), (257, 255), (350, 20), (2, 498)])

    rgba = rng.integers(0, 256, (300, 300, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    d = upload(server, token, tmp_path / "alpha.png")
    check_values(server, token, d, rgba, [(0, 0), (299, 299), (128, 200)])

    # An 8-bit grey image answers one number per pixel, as mono data does.
    grey = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    d = upload(server, token, tmp_path / "grey.png")
    body = server.get(f"/api/datasets/{d}/pixels?x=5&y=7&size=3", headers=auth(token)).json()
    assert body["value"] == int(grey[7, 5]) and "bands" not in body
    assert body["values"] == [[int(grey[7 + j, 5 + i]) for i in (-1, 0, 1)] for j in (-1, 0, 1)]
    # Still no data pyramid: no live display for it.
    r = server.get(f"/api/datasets/{d}/histogram", headers=auth(token))
    assert r.status_code == 404 and r.json()["code"] == "no_data_pyramid"


def test_sixteen_bit_colour_values_are_exact(server, tmp_path):
    token = register(server)["access_token"]
    rng = np.random.default_rng(16)
    data = rng.integers(0, 65536, (300, 520, 3), dtype=np.uint16)
    data[0, 0] = (0, 65535, 1)
    src = tmp_path / "rgb16.tif"
    write_rgb16_tiff(src, data)
    d = upload(server, token, src)
    check_values(server, token, d, data, [(0, 0), (519, 299), (255, 100), (256, 100), (400, 290)])
    body = server.get(f"/api/datasets/{d}/pixels?x=0&y=0&size=1", headers=auth(token)).json()
    assert body["dtype"] == "ushort" and body["value"] == [0, 65535, 1]
    # Hidden from others exactly like a missing dataset.
    other = register(server)["access_token"]
    for who in (auth(other), {}):
        r = server.get(f"/api/datasets/{d}/pixels?x=0&y=0", headers=who)
        missing = server.get("/api/datasets/00000000-0000-0000-0000-000000000000/pixels?x=0&y=0", headers=who)
        assert r.status_code == missing.status_code == 404 and r.json()["code"] == missing.json()["code"]


def drop_stored_statistics(pack_path):
    """Rewrites a pack as builds before stored statistics wrote it: its metadata without data_stats."""
    raw = pack_path.read_bytes()
    index_offset, count, meta_offset, meta_size, end = struct.unpack("<QQQI4s", raw[-32:])
    meta = json.loads(raw[meta_offset:meta_offset + meta_size])
    assert meta["meta"]["data_stats"] is not None
    del meta["meta"]["data_stats"]
    text = json.dumps(meta).encode()
    pack_path.write_bytes(raw[:meta_offset] + text + struct.pack("<QQQI4s", index_offset, count, meta_offset,
                                                                 len(text), end))


def test_a_pyramid_built_before_stored_statistics_gets_them_on_demand(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    rng = np.random.default_rng(17)
    data = rng.normal(1000, 50, (400, 600)).astype(np.float32)
    data[5:9, 5:9] = np.nan
    src = tmp_path / "old.fits"
    write_fits(src, data, -32, extra=[("BUNIT", "'ADU'")])
    d = upload(s, token, src)
    stored = s.get(f"/api/datasets/{d}/histogram", headers=auth(token)).json()
    assert "computed" not in stored
    s.stop()
    packs = [p for p in s.data_dir.rglob("*") if p.is_file() and p.read_bytes()[:8] == b"APXPACK1"]
    assert len(packs) == 1, packs
    drop_stored_statistics(packs[0])
    s = make_server(data_dir=s.data_dir)
    r = s.get(f"/api/datasets/{d}/histogram", headers=auth(token))
    assert r.status_code == 200, r.text
    got = r.json()
    # A 600 × 400 image is six tiles: the sample is every value, so the statistics equal numpy's and
    # the stored ones.
    assert got["computed"] == "on demand from 6 of 6 full-resolution data tiles"
    finite = data[np.isfinite(data)]
    assert got["min"] == float(finite.min()) and got["max"] == float(finite.max())
    assert abs(got["median"] - float(np.median(finite))) < 1e-3
    for key in ("min", "max", "median", "zscale", "histogram", "percentiles"):
        assert got[key] == stored[key], key
    assert got["bunit"] == "ADU"
    # histeq follows the computed quantiles: the live tile answers.
    lo, hi = got["zscale"]
    r = s.get(f"/api/datasets/{d}/live/10/0_0.png?stretch=histeq&lo={lo}&hi={hi}", headers=auth(token))
    assert r.status_code == 200, r.text

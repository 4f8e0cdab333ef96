"""Cut-outs (#18 point 6, docs/adr/0027-cutouts.md): GET /api/datasets/{id}[/v{N}]/cutout?x=&y=&w=&h=&format=
png|tiff|fits. FITS holds the uploaded values exactly (BITPIX -32, NaN blanks) with the source's header and a
WCS that still puts each pixel at its sky position; PNG and TIFF equal the pyramid's full-resolution tiles
composed across their boundaries. Rectangles are clipped to the image, outside or too large is a 4xx with a
code, hostile numbers are 400, and a private dataset is 404 like a missing one."""
import io
import json
import math
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits
from support.sky import tan_pixel

W, H = 600, 400
CRVAL, CRPIX = (83.8221, -5.3911), (300.5, 180.25)
CD = ((-2.5e-4, 1.0e-5), (1.2e-5, 2.5e-4))
CAP = 120_000  # MAX_CUTOUT_PIXELS for these tests


def source_data():
    """value(x, y_fits) = x + 1000 y_fits (rows bottom-up as FITS stores them), with a blank block."""
    y, x = np.mgrid[0:H, 0:W]
    data = (x + 1000.0 * y).astype(np.float32)
    data[200:210, 300:320] = np.nan
    return data


def card_value(v):
    return f"{v!r}".upper() if isinstance(v, float) else str(v)


@pytest.fixture
def cut_server(make_server):
    return make_server(env={"TILE_FORMAT": "png", "MAX_CUTOUT_PIXELS": str(CAP)})


def upload(s, token, data, name):
    _, last = tus.upload(s, token, data, {"filename": name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=90)
    assert status["status"] == "completed", status
    return d, s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid_version"]


@pytest.fixture
def fits_dataset(cut_server, tmp_path):
    token = register(cut_server)["access_token"]
    src = tmp_path / "orion.fits"
    extra = [("BUNIT", "'MJy/sr'"), ("OBJECT", "'M42 field'"), ("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"),
             ("CRVAL1", card_value(CRVAL[0])), ("CRVAL2", card_value(CRVAL[1])),
             ("CRPIX1", card_value(CRPIX[0])), ("CRPIX2", card_value(CRPIX[1])),
             ("CD1_1", card_value(CD[0][0])), ("CD1_2", card_value(CD[0][1])),
             ("CD2_1", card_value(CD[1][0])), ("CD2_2", card_value(CD[1][1])),
             ("DATAMIN", "0.0"), ("CHECKSUM", "'0000000000000000'")]
    write_fits(src, source_data(), -32, extra=extra)
    d, version = upload(cut_server, token, src.read_bytes(), "orion.fits")
    return cut_server, token, d, version


def parse_fits(raw):
    """(cards {key: value text}, ordered keys, data rows bottom-up) of a one-HDU BITPIX -32 file."""
    assert len(raw) % 2880 == 0, len(raw)
    cards, keys, offset = {}, [], 0
    while True:
        block = raw[offset:offset + 2880]
        offset += 2880
        done = False
        for i in range(0, 2880, 80):
            card = block[i:i + 80].decode("ascii")
            key = card[:8].strip()
            if key == "END":
                done = True
                break
            keys.append(key)
            if card[8:10] == "= ":
                value = card[10:].strip()
                # A string ends at its closing quote (it may hold a slash); else the comment starts at "/".
                cards[key] = value[:value.index("'", 1) + 1] if value.startswith("'") else value.split("/")[0].strip()
        if done:
            break
    assert cards["BITPIX"] == "-32"
    w, h = int(cards["NAXIS1"]), int(cards["NAXIS2"])
    data = np.frombuffer(raw, dtype=">f4", count=w * h, offset=offset).reshape(h, w)
    assert raw[offset + w * h * 4:] == b"\0" * (len(raw) - offset - w * h * 4)
    return cards, keys, data


def test_a_fits_cutout_holds_the_original_values_and_a_shifted_wcs(fits_dataset, tmp_path):
    s, token, d, version = fits_dataset
    x, y, w, h = 250, 100, 300, 150  # across tile boundaries (256) in both directions, over the blank block
    r = s.get(f"/api/datasets/{d}/v{version}/cutout?x={x}&y={y}&w={w}&h={h}&format=fits", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/fits"
    assert r.headers["Content-Disposition"] == f'attachment; filename="orion-cutout-{x}-{y}-{w}x{h}.fits"'
    assert "immutable" in r.headers["Cache-Control"] and r.headers["Cache-Control"].startswith("private")
    cards, keys, data = parse_fits(r.content)
    assert keys[:5] == ["SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2"]
    assert (int(cards["NAXIS1"]), int(cards["NAXIS2"])) == (w, h)
    # Display rows y..y+h-1 (top-down) are the source's FITS rows H-y-h .. H-y-1 (bottom-up).
    expected = source_data()[H - y - h:H - y, x:x + w]
    assert np.isnan(data).sum() == 10 * 20
    assert np.array_equal(data, expected, equal_nan=True)
    assert cards["BUNIT"] == "'MJy/sr'" and cards["OBJECT"] == "'M42 field'"
    for gone in ("DATAMIN", "CHECKSUM", "BSCALE", "BZERO"):
        assert gone not in cards
    assert keys.count("NAXIS1") == 1 and keys.count("CRPIX1") == 1
    crpix = (float(cards["CRPIX1"]), float(cards["CRPIX2"]))
    assert crpix == (CRPIX[0] - x, CRPIX[1] - (H - y - h))
    # The same sky position falls on the same pixel of the image in both (display pixels, y down).
    for ra, dec in [(83.8221, -5.3911), (83.80, -5.40), (83.84, -5.37)]:
        sx, sy = tan_pixel(ra, dec, CRVAL, CRPIX, CD, H)
        cx, cy = tan_pixel(ra, dec, CRVAL, crpix, CD, h)
        assert math.isclose(sx - x, cx, abs_tol=1e-6) and math.isclose(sy - y, cy, abs_tol=1e-6)
    assert any("cut-out" in line for line in r.content.decode("ascii", "replace").split("HISTORY")[1:2])
    # cfitsio reads it as a valid FITS file with the same values.
    cut = tmp_path / "cut.fits"
    cut.write_bytes(r.content)
    copy = tmp_path / "copy.fits"
    p = subprocess.run(["fitscopy", str(cut), str(copy)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert np.array_equal(parse_fits(copy.read_bytes())[2], expected, equal_nan=True)


def display_tiles(s, token, d, version, x, y, w, h):
    """The rectangle composed from the pyramid's full-resolution PNG tiles, as a browser would."""
    level = math.ceil(math.log2(max(W, H)))
    rows = []
    for row in range(y // 256, (y + h - 1) // 256 + 1):
        tiles = []
        for col in range(x // 256, (x + w - 1) // 256 + 1):
            r = s.get(f"/api/datasets/{d}/v{version}/image_files/{level}/{col}_{row}.png", headers=bearer(token))
            assert r.status_code == 200
            tiles.append(np.asarray(Image.open(io.BytesIO(r.content))))
        rows.append(np.concatenate(tiles, axis=1))
    whole = np.concatenate(rows, axis=0)
    ox, oy = x // 256 * 256, y // 256 * 256
    return whole[y - oy:y - oy + h, x - ox:x - ox + w]


def test_png_and_tiff_cutouts_are_the_displayed_pixels(fits_dataset):
    s, token, d, version = fits_dataset
    x, y, w, h = 250, 100, 300, 150
    expected = display_tiles(s, token, d, version, x, y, w, h)
    r = s.get(f"/api/datasets/{d}/v{version}/cutout?x={x}&y={y}&w={w}&h={h}&format=png", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/png"
    png = Image.open(io.BytesIO(r.content))
    assert png.size == (w, h)
    assert np.array_equal(np.asarray(png), expected)
    r = s.get(f"/api/datasets/{d}/v{version}/cutout?x={x}&y={y}&w={w}&h={h}&format=tiff", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/tiff"
    assert r.headers["Content-Disposition"].endswith(f'-cutout-{x}-{y}-{w}x{h}.tif"')
    tif = Image.open(io.BytesIO(r.content))
    assert tif.format == "TIFF" and tif.size == (w, h)
    assert np.array_equal(np.asarray(tif), expected)
    # The unversioned URL answers the live version, revalidated rather than kept.
    r = s.get(f"/api/datasets/{d}/cutout?x={x}&y={y}&w={w}&h={h}", headers=bearer(token))
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert "immutable" not in r.headers["Cache-Control"]
    etag = r.headers["ETag"]
    again = s.get(f"/api/datasets/{d}/cutout?x={x}&y={y}&w={w}&h={h}", headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_rectangles_are_clipped_and_limited(fits_dataset):
    s, token, d, version = fits_dataset
    base = f"/api/datasets/{d}/v{version}/cutout"
    # Reaching past the top-left and bottom-right corners: what lies inside.
    r = s.get(f"{base}?x=-50&y=-20&w=200&h=100&format=fits", headers=bearer(token))
    assert r.status_code == 200, r.text
    cards, _, data = parse_fits(r.content)
    assert data.shape == (80, 150)
    assert np.array_equal(data, source_data()[H - 80:H, 0:150], equal_nan=True)
    assert "-cutout-0-0-150x80.fits" in r.headers["Content-Disposition"]
    r = s.get(f"{base}?x={W - 10}&y={H - 5}&w=100&h=100&format=png", headers=bearer(token))
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (10, 5)
    # Wholly outside, on every side.
    for q in [f"x={W}&y=0&w=5&h=5", "x=-5&y=0&w=5&h=5", f"x=0&y={H}&w=5&h=5", "x=0&y=-100&w=5&h=100",
              "x=100000000&y=100000000&w=1&h=1"]:
        r = s.get(f"{base}?{q}", headers=bearer(token))
        assert r.status_code == 400, q
        assert r.json()["code"] == "cutout_outside_image", q
    # More pixels than MAX_CUTOUT_PIXELS after clipping; the same rectangle clipped below the cap is fine.
    r = s.get(f"{base}?x=0&y=0&w=400&h=301", headers=bearer(token))
    assert r.status_code == 422 and r.json()["code"] == "cutout_too_large"
    assert str(CAP) in r.json()["message"]
    r = s.get(f"{base}?x=-100000&y=0&w=100300&h=400", headers=bearer(token))
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (300, 400)


def test_hostile_parameters_are_400_with_the_field(fits_dataset):
    s, token, d, version = fits_dataset
    base = f"/api/datasets/{d}/v{version}/cutout"
    cases = {
        "y=0&w=5&h=5": "x",
        "x=abc&y=0&w=5&h=5": "x",
        "x=&y=0&w=5&h=5": "x",
        "x=1.5&y=0&w=5&h=5": "x",
        "x=0&y=99999999999999999999999&w=5&h=5": "y",
        "x=0&y=-9223372036854775808&w=5&h=5": "y",
        "x=0&y=0&w=0&h=5": "w",
        "x=0&y=0&w=-5&h=5": "w",
        "x=0&y=0&w=9223372036854775807&h=5": "w",
        "x=0&y=0&w=5&h=1e3": "h",
        "x=0&y=0&w=5&h=5&format=gif": "format",
        "x=0&y=0&w=5&h=5&format=": "format",
        "x=0%00&y=0&w=5&h=5": "x",
    }
    for q, field in cases.items():
        r = s.get(f"{base}?{q}", headers=bearer(token))
        assert r.status_code == 400, (q, r.text)
        body = r.json()
        assert body["code"] == "validation_error" and body.get("field") == field, (q, body)
    assert s.get("/api/health").status_code == 200


def test_a_private_dataset_is_404_and_eight_bit_data_has_no_fits(fits_dataset):
    s, owner, d, version = fits_dataset
    other = register(s)["access_token"]
    q = "cutout?x=0&y=0&w=10&h=10&format=fits"
    missing = s.get(f"/api/datasets/00000000000000000000000000/{q}", headers=bearer(other))
    assert missing.status_code == 404
    for who in (bearer(other), {}):
        for url in (f"/api/datasets/{d}/{q}", f"/api/datasets/{d}/v{version}/{q}"):
            r = s.get(url, headers=who)
            assert r.status_code == 404 and r.json()["code"] == missing.json()["code"] == "not_found", url
    # Another version than the live one is gone, like a missing dataset.
    assert s.get(f"/api/datasets/{d}/v{version + 1}/{q}", headers=bearer(owner)).status_code == 404
    r = s.request("PATCH", f"/api/datasets/{d}", headers=bearer(owner), json={"visibility": "public"})
    assert r.status_code == 200, r.text
    assert s.get(f"/api/datasets/{d}/v{version}/{q}").status_code == 200
    assert "public" in s.get(f"/api/datasets/{d}/v{version}/{q}").headers["Cache-Control"]

    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    rgb[:, :, 0] = np.arange(60, dtype=np.uint8)[None, :] * 4
    rgb[:, :, 1] = np.arange(40, dtype=np.uint8)[:, None] * 6
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    e, v8 = upload(s, owner, buf.getvalue(), "colour.png")
    r = s.get(f"/api/datasets/{e}/v{v8}/cutout?x=5&y=7&w=20&h=10&format=fits", headers=bearer(owner))
    assert r.status_code == 422 and r.json()["code"] == "cutout_needs_original_values", r.text
    r = s.get(f"/api/datasets/{e}/v{v8}/cutout?x=5&y=7&w=20&h=10&format=png", headers=bearer(owner))
    assert r.status_code == 200
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(r.content))), rgb[7:17, 5:25])
    assert r.headers["Content-Disposition"] == 'attachment; filename="colour-cutout-5-7-20x10.png"'


@pytest.mark.browser
def test_the_viewer_saves_the_visible_region_as_fits(make_server, tmp_path):
    """tests/node/e2e_cutout.mjs: the owner zooms into a private FITS dataset and takes Download →
    Visible region as FITS in Chromium; the saved file holds the original values of the region the
    viewer showed, under the server's name."""
    root = pathlib.Path(__file__).resolve().parents[2]
    s = make_server(env={"WEB_ROOT": str(root / "web" / "dist")})
    owner = register(s)
    src = tmp_path / "field.fits"
    write_fits(src, source_data(), -32, extra=[("BUNIT", "'ADU'")])
    d, _ = upload(s, owner["access_token"], src.read_bytes(), "field.fits")
    r = subprocess.run(["node", str(root / "tests" / "node" / "e2e_cutout.mjs"), s.base, owner["user"]["username"],
                        owner["password"], d, str(tmp_path)],
                       capture_output=True, text=True, timeout=240, cwd=root / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert report["failure"] is None, report
    assert report["console_errors"] == [], report
    region = report["region"]
    x, y, w, h = region["x"], region["y"], region["w"], region["h"]
    # Zoomed in: a part of the image, not all of it.
    assert 0 < w * h < W * H, region
    assert report["suggested"] == f"field-cutout-{x}-{y}-{w}x{h}.fits", report
    cards, _, data = parse_fits(pathlib.Path(report["path"]).read_bytes())
    assert cards["BUNIT"] == "'ADU'"
    assert np.array_equal(data, source_data()[H - y - h:H - y, x:x + w], equal_nan=True)

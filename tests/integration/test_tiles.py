"""Tile serving through the real server: Deep Zoom, XYZ and IIIF give the same exact pixels; IIIF level 2;
caching headers and 304s; HEAD; CORS; private tiles invisible; malformed requests."""
import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from support.accounts import register, bearer
from support import tus


def synthetic(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x % 256, y % 256, (x + 2 * y) % 256]).astype(np.uint8)


@pytest.fixture
def served(make_server):
    """A 1000×600 PNG pyramid (lossless tiles, so pixels can be compared exactly)."""
    s = make_server(env={"TILE_FORMAT": "png", "CORS_ORIGINS": "https://viewer.example"})
    owner = register(s)
    buf = io.BytesIO()
    Image.fromarray(synthetic(1000, 600)).save(buf, format="PNG")
    _, last = tus.upload(s, owner["access_token"], buf.getvalue(), {"filename": "grid.png", "name": "Grid"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed"
    info = s.get(f"/api/datasets/{d}", headers=bearer(owner["access_token"])).json()
    return s, owner, d, info


def pixels(response):
    assert response.status_code == 200, response.text
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))


def test_three_protocols_serve_the_same_exact_pixels(served):
    s, owner, d, info = served
    auth = bearer(owner["access_token"])
    src = synthetic(1000, 600)
    # Full resolution: DZ level 10, XYZ zoom 2, IIIF scale factor 1. Tile (3, 2) is the cropped corner.
    dz = pixels(s.get(f"/api/datasets/{d}/v1/image_files/10/3_2.png", headers=auth))
    xyz = pixels(s.get(f"/api/tiles/{d}/2/3/2.png?v=1", headers=auth))
    iiif = pixels(s.get(f"/iiif/3/{d}-v1/768,512,232,88/232,88/0/default.png", headers=auth))
    assert dz.shape == (88, 232, 3)
    assert np.array_equal(dz, src[512:600, 768:1000])
    assert np.array_equal(xyz, dz) and np.array_equal(iiif, dz)
    # Unversioned addresses reach the same pyramid.
    assert np.array_equal(pixels(s.get(f"/api/datasets/{d}/image_files/10/3_2.png", headers=auth)), dz)
    assert np.array_equal(pixels(s.get(f"/api/tiles/{d}/2/3/2.png", headers=auth)), dz)
    # One level down is the 2×2 average.
    half = pixels(s.get(f"/api/datasets/{d}/v1/image_files/9/0_0.png", headers=auth)).astype(int)
    expect = src[0:512, 0:512].astype(int).reshape(256, 2, 256, 2, 3).sum(axis=(1, 3))
    assert np.abs(half - (expect + 2) // 4).max() <= 1
    # XYZ zoom 0 and IIIF "full" at a listed size are the whole image in one tile.
    whole = pixels(s.get(f"/api/tiles/{d}/0/0/0.png", headers=auth))
    assert whole.shape == (150, 250, 3)
    assert np.array_equal(pixels(s.get(f"/iiif/3/{d}-v1/full/250,150/0/default.png", headers=auth)), whole)
    # Preview: the whole picture, 512 px on the long side.
    assert Image.open(io.BytesIO(s.get(info["urls"]["preview"], headers=auth).content)).size == (512, 307)


def test_descriptors(served):
    s, owner, d, info = served
    auth = bearer(owner["access_token"])
    r = s.get(info["urls"]["dzi"], headers=auth)
    assert r.headers["Content-Type"] == "application/xml"
    assert 'Format="png"' in r.text and '<Size Width="1000" Height="600"/>' in r.text
    r = s.get(f"/iiif/3/{d}/info.json", headers=auth)
    body = r.json()
    assert body["id"] == f"{s.base}/iiif/3/{d}-v1" and body["type"] == "ImageService3"
    assert r.headers["Vary"] == "Host", "the body names the Host: caches keep one copy per Host"
    cross = s.get(f"/iiif/3/{d}/info.json", headers={**auth, "Origin": "https://viewer.example"})
    assert cross.headers["Vary"] == "Host, Origin", "CORS adds to the handler's Vary, never replaces it"
    assert body["profile"] == "level2" and body["tiles"][0]["scaleFactors"] == [1, 2, 4]
    assert body["preferredFormats"] == ["png"]
    assert r.headers["Link"] == '<http://iiif.io/api/image/3/level2.json>;rel="profile"'
    r = s.get(f"/iiif/3/{d}", headers=auth, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/iiif/3/{d}/info.json")


def test_caching_headers_304_and_head(served):
    s, owner, d, info = served
    auth = bearer(owner["access_token"])
    url = f"/api/datasets/{d}/v1/image_files/10/0_0.png"
    r = s.get(url, headers=auth)
    assert r.headers["Cache-Control"] == "private, max-age=31536000, immutable"  # private dataset
    etag = r.headers["ETag"]
    again = s.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    h = s.request("HEAD", url, headers=auth)
    assert h.status_code == 200 and h.content == b"" and int(h.headers["Content-Length"]) == len(r.content)
    assert s.get(f"/api/tiles/{d}/2/0/0.png", headers=auth).headers["Cache-Control"] == "private, max-age=60"
    # Public: shared caches may keep it, for an hour (a dataset made private again leaves them soon).
    s.request("PUT", f"/api/datasets/{d}", headers=auth, json={"is_public": True})
    r = s.get(url)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, s-maxage=3600, immutable"
    # CORS for the configured origin only.
    r = s.get(url, headers={"Origin": "https://viewer.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://viewer.example"
    assert "Access-Control-Allow-Origin" not in s.get(url, headers={"Origin": "https://evil.example"}).headers


def test_a_version_that_does_not_exist_is_not_a_database_read_per_request(served):
    """A versioned URL newer than the tile directory's entry makes it look again (a build may have just
    published), but at most every 20 ms per dataset: a client looping on /v999 costs the database little."""
    s, owner, d, info = served
    auth = bearer(owner["access_token"])

    def loads():
        text = s.get("/metrics").text
        return float(re.search(r"^astropixel_tile_directory_loads_total (\S+)$", text, re.M).group(1))

    assert s.get(f"/api/datasets/{d}/v1/image_files/10/0_0.png", headers=auth).status_code == 200
    before, started = loads(), time.monotonic()
    n = 300
    for _ in range(n):
        assert s.get(f"/api/datasets/{d}/v999/image_files/10/0_0.png", headers=auth).status_code == 404
    elapsed = time.monotonic() - started
    looked = loads() - before
    assert looked <= elapsed / 0.020 + 2 and looked < n / 2, (looked, elapsed)
    # A version published meanwhile is still found: v1 answers as before.
    assert s.get(f"/api/datasets/{d}/v1/image_files/10/0_0.png", headers=auth).status_code == 200


def test_private_tiles_are_invisible_to_others(served):
    s, owner, d, info = served
    stranger = register(s)
    missing = "f" * 32
    paths = [info["urls"]["dzi"], f"/api/datasets/{d}/image.dzi", f"/api/datasets/{d}/v1/image_files/10/0_0.png",
             f"/api/tiles/{d}/0/0/0.png", f"/iiif/3/{d}-v1/info.json", f"/iiif/3/{d}/info.json",
             f"/iiif/3/{d}-v1/0,0,256,256/256,256/0/default.png", info["urls"]["preview"]]
    for path in paths:
        for headers in ({}, bearer(stranger["access_token"])):
            r = s.get(path, headers=headers)
            gone = s.get(path.replace(d, missing), headers=headers)
            assert r.status_code == gone.status_code == 404, path
            assert r.json()["message"] == gone.json()["message"] and r.json()["code"] == gone.json()["code"]
        assert s.get(path, headers=bearer(owner["access_token"])).status_code == 200, path


def test_malformed_tile_requests(served):
    s, owner, d, info = served
    auth = bearer(owner["access_token"])
    for path, status in [
        (f"/api/datasets/{d}/v1/image_files/11/0_0.png", 404),   # past the deepest level
        (f"/api/datasets/{d}/v1/image_files/10/4_0.png", 404),   # past the last column
        (f"/api/datasets/{d}/v1/image_files/10/0_0.jpg", 404),   # not the pyramid's format
        (f"/api/datasets/{d}/v2/image_files/10/0_0.png", 404),   # no such version
        (f"/api/tiles/{d}/3/0/0.png", 404),
        (f"/api/tiles/{d}/0/0/0.png?v=abc", 404),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/-45/default.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/361/default.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/1e2/default.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/.5/default.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/512,/0/default.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/0/grey.png", 400),
        (f"/iiif/3/{d}-v1/0,0,256,256/256,/0/default.gif", 400),
        (f"/iiif/3/{d}-v1/full/^5000,/0/default.png", 400),
        (f"/iiif/3/{d}-v1/x,0,256,256/256,/0/default.png", 400),
        (f"/iiif/3/{d}-v1/9999,0,256,256/256,/0/default.png", 400),
        (f"/api/datasets/{d}/v1/image_files/10/..%2F..%2Fetc_passwd.png", 404),
        (f"/api/datasets/..%2F..%2Fsecret/image.dzi", 404),
        # Unmatched paths under the tile prefixes are API 404s, never the web app's page.
        (f"/iiif/3/{d}-v1/a/b/c/d/e", 404),
        (f"/iiif/2/{d}/info.json", 404),
        ("/tiles/a/b", 404),
    ]:
        r = s.get(path, headers=auth)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert r.json()["code"], path


def test_iiif_level2_regions_sizes_rotations_qualities_formats(served):
    """IIIF Image API 3.0 level 2 through HTTP, checked against the source pixels."""
    s, owner, d, info = served
    auth = bearer(owner["access_token"])
    src = synthetic(1000, 600)
    base = f"/iiif/3/{d}-v1"
    body = s.get(f"{base}/info.json", headers=auth).json()
    assert body["profile"] == "level2" and body["maxArea"] == 2048 * 2048
    assert body["extraFormats"] == ["webp", "tif"]
    # regionByPx off the tile grid, at full size: exact (lossless tiles, no resampling).
    got = pixels(s.get(f"{base}/100,50,300,260/max/0/default.png", headers=auth))
    assert np.array_equal(got, src[50:310, 100:400])
    # rotationBy90s and mirroring, exact.
    got = pixels(s.get(f"{base}/100,50,300,260/max/90/default.png", headers=auth))
    assert np.array_equal(got, np.rot90(src[50:310, 100:400], k=-1))
    got = pixels(s.get(f"{base}/100,50,300,260/max/!0/default.png", headers=auth))
    assert np.array_equal(got, src[50:310, 100:400][:, ::-1])
    # rotationArbitrary: the bounding box of the turned region, transparent outside it in PNG; its
    # centre is the region's centre. 360 is a whole turn, answered (and tagged) as 0.
    assert "rotationArbitrary" in body["extraFeatures"]
    r = s.get(f"{base}/100,50,300,260/max/22.5/default.png", headers=auth)
    assert r.status_code == 200, r.text
    turned = np.asarray(Image.open(io.BytesIO(r.content)))
    assert turned.shape[2] == 4 and turned[0, 0, 3] == 0
    c = np.radians(22.5)
    assert abs(turned.shape[1] - (300 * np.cos(c) + 260 * np.sin(c))) <= 2
    assert abs(turned.shape[0] - (300 * np.sin(c) + 260 * np.cos(c))) <= 2
    h2, w2 = turned.shape[0] // 2, turned.shape[1] // 2
    assert np.abs(turned[h2 - 2:h2 + 3, w2 - 2:w2 + 3, :3].astype(int).mean(axis=(0, 1))
                  - src[178:183, 248:253].astype(int).mean(axis=(0, 1))).max() < 20
    whole = s.get(f"{base}/100,50,300,260/max/360/default.png", headers=auth)
    assert np.array_equal(pixels(whole), src[50:310, 100:400])
    assert whole.headers["ETag"] == s.get(f"{base}/100,50,300,260/max/0/default.png", headers=auth).headers["ETag"]
    # regionByPct, regionSquare, sizeByW/H/Pct/ConfinedWh/Wh, sizeUpscaling: the sizes asked for.
    for path, size in [("pct:10,10,50,50/max", (500, 300)), ("square/max", (600, 600)),
                       ("full/500,", (500, 300)), ("full/,120", (200, 120)), ("full/pct:10", (100, 60)),
                       ("full/!300,300", (300, 180)), ("full/123,45", (123, 45)),
                       ("10,10,100,50/^300,", (300, 150))]:
        r = s.get(f"{base}/{path}/0/default.jpg", headers=auth)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg", (path, r.text)
        assert Image.open(io.BytesIO(r.content)).size == size, path
    # Downsampled from the pyramid: close to the source's box average.
    got = pixels(s.get(f"{base}/0,0,512,512/256,/0/default.png", headers=auth)).astype(int)
    expect = src[0:512, 0:512].astype(int).reshape(256, 2, 256, 2, 3).mean(axis=(1, 3))
    assert np.abs(got - expect).mean() < 8
    # Qualities and formats.
    gray = Image.open(io.BytesIO(s.get(f"{base}/0,0,64,64/max/0/gray.png", headers=auth).content))
    assert gray.mode == "L"
    bitonal = np.asarray(Image.open(io.BytesIO(s.get(f"{base}/0,0,64,64/max/0/bitonal.png", headers=auth).content)))
    assert set(np.unique(bitonal)) <= {0, 255}
    for fmt, mime in [("webp", "image/webp"), ("tif", "image/tiff")]:
        r = s.get(f"{base}/0,0,64,64/max/0/default.{fmt}", headers=auth)
        assert r.status_code == 200 and r.headers["Content-Type"] == mime
        assert Image.open(io.BytesIO(r.content)).size == (64, 64)
    # Same access rules as tiles: another user and a guest see a 404, byte for byte a missing one's.
    other = register(s)
    hidden = s.get(f"{base}/0,0,64,64/max/0/gray.png", headers=bearer(other["access_token"]))
    missing = s.get("/iiif/3/nope-v1/0,0,64,64/max/0/gray.png", headers=bearer(other["access_token"]))
    strip = lambda r: {k: v for k, v in r.json().items() if k != "request_id"}  # noqa: E731
    assert hidden.status_code == 404 and strip(hidden) == strip(missing)
    # Answers are cached: the second is the same bytes and revalidates by ETag.
    r1 = s.get(f"{base}/pct:5,5,40,40/!200,200/180/gray.jpg", headers=auth)
    r2 = s.get(f"{base}/pct:5,5,40,40/!200,200/180/gray.jpg", headers=auth)
    assert r1.content == r2.content and r1.headers["ETag"] == r2.headers["ETag"]
    assert s.get(f"{base}/pct:5,5,40,40/!200,200/180/gray.jpg",
                 headers={**auth, "If-None-Match": r1.headers["ETag"]}).status_code == 304

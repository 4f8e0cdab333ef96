"""Measurements over the original values (issue 15 point 3), as DS9's region statistics and projection
give them: statistics of a rectangle, circle or polygon and the values along a line, through the API,
equal to numpy over the same pixels of the uploaded file (a generated FITS with blanks and a real
Spitzer FITS); hostile parameters refused in words; the pixel cap; the tiles' access rules; and in
Chromium, the viewer's Stats button under an annotation and the ruler's line profile."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits
from support.server import ROOT

REAL = (pathlib.Path(os.environ.get("ASTROPIXEL_REAL_DATA", ROOT / "build" / "real-data")) / "x" /
        "python3-astroquery/usr/lib/python3/dist-packages/astroquery/ipac/irsa/sha/tests/data/img.fits")
W, H = 300, 200


def upload(server, token, path, **meta):
    _, last = tus.upload(server, token, path.read_bytes(), {"filename": path.name, **meta})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    return d


@pytest.fixture
def sky(tmp_path):
    """A noisy float32 sky (values around 1000) with a blank block (x 40-89, y 30-49) and a bright
    source at the centre (150, 100), BUNIT ADU; returned as shown: rows top-down (FITS stores them
    bottom-up)."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:H, 0:W]
    shown = rng.normal(1000, 15, (H, W)) + 5000 * np.exp(-((xx - 150) ** 2 + (yy - 100) ** 2) / 50)
    shown = shown.astype(np.float32)
    shown[30:50, 40:90] = np.nan
    src = tmp_path / "sky.fits"
    write_fits(src, np.flipud(shown), -32, extra=[("BUNIT", "'ADU'")])
    return src, shown


def centres():
    """Pixel centres in image coordinates (x right, y down), as the server tests membership."""
    y, x = np.mgrid[0:H, 0:W]
    return x + 0.5, y + 0.5


def even_odd(points, px, py):
    """Region::contains' polygon rule over arrays, with the same arithmetic."""
    inside = np.zeros(px.shape, dtype=bool)
    n = len(points)
    for i in range(n):
        xi, yi = points[i]
        xj, yj = points[i - 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = ((yi > py) != (yj > py)) & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
        inside ^= cross
    return inside


def expect_statistics(body, values):
    finite = values[~np.isnan(values)].astype(np.float64)
    assert body["pixels"] == finite.size and body["blank"] == int(np.isnan(values).sum()), body
    assert body["sum"] == pytest.approx(finite.sum(), rel=1e-9)
    assert body["mean"] == pytest.approx(finite.mean(), rel=1e-9)
    assert body["std"] == pytest.approx(finite.std(), rel=1e-6)
    assert body["median"] == float(np.median(finite))
    assert body["min"] == float(finite.min()) and body["max"] == float(finite.max())
    assert body["bunit"] == "ADU"


def test_region_statistics_equal_numpy_over_the_same_pixels(server, sky):
    src, shown = sky
    token = register(server)["access_token"]
    d = upload(server, token, src)
    px, py = centres()
    url = f"/api/datasets/{d}/region-statistics"

    rect = {"shape": "rectangle", "x": 30.25, "y": 20.5, "width": 100.5, "height": 45.25}
    r = server.get(url, params=rect, headers=bearer(token))
    assert r.status_code == 200, r.text
    mask = (px >= 30.25) & (px < 130.75) & (py >= 20.5) & (py < 65.75)
    expect_statistics(r.json(), shown[mask])
    assert r.json()["blank"] > 0  # the blank block lies inside: counted apart, never in the figures
    assert r.json()["box"] == {"x": 30, "y": 20, "width": 101, "height": 46}
    assert r.json()["region"] == rect

    # An even count: the median is the mean of the two middle values, as numpy gives it.
    circle = {"shape": "circle", "x": 150, "y": 100, "radius": 12.5}
    r = server.get(url, params=circle, headers=bearer(token))
    assert r.status_code == 200, r.text
    expect_statistics(r.json(), shown[(px - 150) ** 2 + (py - 100) ** 2 <= 12.5 ** 2])
    assert r.json()["max"] > 5000  # the source

    # A self-crossing polygon, through the version's own path.
    points = [(10, 10), (280, 30), (40, 190), (150, 5), (250, 180)]
    version = server.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid_version"]
    r = server.get(f"/api/datasets/{d}/v{version}/region-statistics",
                   params={"shape": "polygon", "points": ",".join(f"{x},{y}" for x, y in points)},
                   headers=bearer(token))
    assert r.status_code == 200, r.text
    expect_statistics(r.json(), shown[even_odd(points, px, py)])

    # Partly outside: clipped to the image. Wholly outside: no pixels, no figures.
    r = server.get(url, params={"shape": "rectangle", "x": -50, "y": -50, "width": 60, "height": 70},
                   headers=bearer(token))
    assert r.status_code == 200 and r.json()["box"] == {"x": 0, "y": 0, "width": 10, "height": 20}, r.text
    expect_statistics(r.json(), shown[0:20, 0:10])
    r = server.get(url, params={"shape": "circle", "x": 1000, "y": 1000, "radius": 5}, headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pixels"] == 0 and body["mean"] is None and body["median"] is None and body["sum"] is None


def test_line_profile_reads_the_pixel_under_each_sample(server, sky):
    src, shown = sky
    token = register(server)["access_token"]
    d = upload(server, token, src)
    r = server.get(f"/api/datasets/{d}/profile", params={"x1": 100.5, "y1": 100.5, "x2": 200.5, "y2": 100.5},
                   headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["samples"] == 101 and body["length"] == 100 and body["bunit"] == "ADU"
    got = [p["value"] for p in body["points"]]
    assert got == [float(v) for v in shown[100, 100:201]]
    assert max(got) > 5000 and body["points"][50]["x"] == 150

    # Diagonal, through the blank block and off the image: nulls there, the pixel under each point elsewhere.
    r = server.get(f"/api/datasets/{d}/profile",
                   params={"x1": 30, "y1": 20, "x2": 130, "y2": 220, "samples": 51}, headers=bearer(token))
    assert r.status_code == 200, r.text
    points = r.json()["points"]
    assert len(points) == 51 and points[-1]["distance"] == pytest.approx((100 ** 2 + 200 ** 2) ** 0.5)
    for p in points:
        inside = 0 <= p["x"] < W and 0 <= p["y"] < H
        want = shown[p["y"], p["x"]] if inside else np.nan
        assert (p["value"] is None) == bool(np.isnan(want)), p
        if p["value"] is not None:
            assert p["value"] == float(want)
    assert any(p["value"] is None and p["y"] < H for p in points)  # the blank block
    assert points[-1]["value"] is None and points[-1]["y"] >= H  # off the image


def test_hostile_parameters_are_refused_in_words(server, sky):
    src, _ = sky
    token = register(server)["access_token"]
    d = upload(server, token, src)
    stats, profile = f"/api/datasets/{d}/region-statistics", f"/api/datasets/{d}/profile"
    many = ",".join(["1,2"] * 1001)
    for params, field in [({}, "shape"),
                          ({"shape": "ellipse"}, "shape"),
                          ({"shape": "rectangle", "x": 1, "y": 1, "width": 0, "height": 5}, "width"),
                          ({"shape": "rectangle", "x": "nan", "y": 1, "width": 3, "height": 5}, "x"),
                          ({"shape": "rectangle", "x": "1e400", "y": 1, "width": 3, "height": 5}, "x"),
                          ({"shape": "rectangle", "x": "1 ", "y": 1, "width": 3, "height": 5}, "x"),
                          ({"shape": "rectangle", "x": "1e300", "y": 1, "width": 3, "height": 5}, "x"),
                          ({"shape": "circle", "x": 1, "y": 1, "radius": 2e12}, "radius"),
                          ({"shape": "polygon", "points": "-1e308,0.5,1e308,10.5,0,20"}, "points"),
                          ({"shape": "circle", "x": 1, "y": 1, "radius": "-inf"}, "radius"),
                          ({"shape": "circle", "x": 1, "y": 1}, "radius"),
                          ({"shape": "polygon", "points": "1,2,3,4"}, "points"),
                          ({"shape": "polygon", "points": "1,2,3,4,5"}, "points"),
                          ({"shape": "polygon", "points": "1,2,3,4,5,6,"}, "points"),
                          ({"shape": "polygon", "points": "1,2,,3,4,5,6"}, "points"),
                          ({"shape": "polygon", "points": "1;2;3;4;5;6"}, "points"),
                          ({"shape": "polygon", "points": many}, "points")]:
        r = server.get(stats, params=params, headers=bearer(token))
        assert r.status_code == 400, (params, r.text)
        assert r.json()["code"] == "invalid_region" and r.json()["field"] == field, (params, r.text)
    for params, field in [({"x1": 0, "y1": 0, "x2": 5}, "y2"),
                          ({"x1": 0, "y1": 0, "x2": 5, "y2": "inf"}, "y2"),
                          ({"x1": 1e300, "y1": 0, "x2": 0, "y2": 0}, "x1"),
                          ({"x1": 0, "y1": 0, "x2": 5, "y2": 5, "samples": 1}, "samples"),
                          ({"x1": 0, "y1": 0, "x2": 5, "y2": 5, "samples": 4097}, "samples"),
                          ({"x1": 0, "y1": 0, "x2": 5, "y2": 5, "samples": "9" * 30}, "samples")]:
        r = server.get(profile, params=params, headers=bearer(token))
        assert r.status_code == 400, (params, r.text)
        assert r.json()["code"] == "validation_error" and r.json()["field"] == field, (params, r.text)
    # A line of two billion pixels still answers the bounded default number of samples.
    r = server.get(profile, params={"x1": -1e9, "y1": 0, "x2": 1e9, "y2": 0}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["samples"] == 4096, r.text


def test_a_region_above_the_pixel_cap_is_refused_before_reading(make_server, sky):
    src, _ = sky
    s = make_server(env={"MAX_REGION_PIXELS": "1000"})
    token = register(s)["access_token"]
    d = upload(s, token, src)
    url = f"/api/datasets/{d}/region-statistics"
    r = s.get(url, params={"shape": "rectangle", "x": 0, "y": 0, "width": 40, "height": 25}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["pixels"] == 1000, r.text
    r = s.get(url, params={"shape": "rectangle", "x": 0, "y": 0, "width": 40, "height": 26}, headers=bearer(token))
    assert r.status_code == 422 and r.json()["code"] == "region_too_large", r.text
    assert "1040" in r.json()["message"] and "1000" in r.json()["message"]


def test_access_as_for_tiles_and_no_data_pyramid_for_8_bit(server, sky, tmp_path):
    src, _ = sky
    owner = register(server)["access_token"]
    other = register(server)["access_token"]
    d = upload(server, owner, src)
    q = "shape=circle&x=10&y=10&radius=3"
    missing = server.get(f"/api/datasets/no-such-id/region-statistics?{q}", headers=bearer(other))
    assert missing.status_code == 404
    for headers in (bearer(other), {}):
        for path in (f"/region-statistics?{q}", "/profile?x1=0&y1=0&x2=5&y2=5"):
            r = server.get(f"/api/datasets/{d}{path}", headers=headers)
            assert r.status_code == 404 and r.json()["code"] == missing.json()["code"], (path, r.text)
    grey = tmp_path / "grey.png"
    Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)).save(grey)
    g = upload(server, owner, grey)
    for path in (f"/region-statistics?{q}", "/profile?x1=0&y1=0&x2=5&y2=5"):
        r = server.get(f"/api/datasets/{g}{path}", headers=bearer(owner))
        assert r.status_code == 404 and r.json()["code"] == "no_data_pyramid", (path, r.text)


def test_statistics_of_a_real_fits_file(server):
    if not REAL.exists():
        pytest.fail(f"{REAL} is missing: scripts/fetch-real-data.sh fetches it")
    from test_science import read_fits
    data, _ = read_fits(REAL)  # Spitzer (SHA) image, 128 × 128 float32, BUNIT e-/sec
    shown = np.flipud(data)
    token = register(server)["access_token"]
    d = upload(server, token, REAL)
    r = server.get(f"/api/datasets/{d}/region-statistics", params={"shape": "circle", "x": 64, "y": 64, "radius": 40},
                   headers=bearer(token))
    assert r.status_code == 200, r.text
    y, x = np.mgrid[0:128, 0:128]
    values = shown[(x + 0.5 - 64) ** 2 + (y + 0.5 - 64) ** 2 <= 1600].astype(np.float64)
    finite = values[~np.isnan(values)]
    body = r.json()
    assert body["pixels"] == finite.size and body["bunit"] == "e-/sec"
    assert body["mean"] == pytest.approx(finite.mean(), rel=1e-9) and body["median"] == float(np.median(finite))


@pytest.mark.browser
def test_the_viewer_shows_region_statistics_and_a_line_profile(make_server, sky):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    src, shown = sky
    s = make_server(env={"WEB_ROOT": str(dist)})
    token = register(s)["access_token"]
    d = upload(s, token, src, name="Measured sky")
    r = s.request("PUT", f"/api/datasets/{d}", headers=bearer(token), json={"is_public": True})
    assert r.status_code == 200, r.text
    box = {"x": 120, "y": 70, "width": 60, "height": 60}
    r = s.request("POST", f"/api/datasets/{d}/annotations", headers=bearer(token),
                  json={"kind": "rectangle", "geometry": box, "label": "Source box"})
    assert r.status_code == 201, r.text

    artifacts = ROOT / "test-artifacts" / "web"
    artifacts.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_measure.mjs"), s.url(f"/datasets/{d}"),
                        str(artifacts)], capture_output=True, text=True, timeout=240, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report

    # The figures shown are the API's, which equal numpy's (above): here, the count and the median.
    values = shown[70:130, 120:180].astype(np.float64)
    stats = report["stats"]
    assert stats["Pixels"] == f"{values.size:,}", stats
    median = float(np.median(values))
    assert stats["Median"].endswith(" ADU") and float(stats["Median"][:-4].replace(",", "")) == pytest.approx(
        median, rel=1e-5), (stats, median)
    assert report["stats_expanded"] == "true"

    # The profile across the source, dragged as a guest with the ruler: a plot that says what it shows.
    label = report["profile"]["label"]
    assert label.startswith("Line profile over ") and label.endswith(" ADU"), label
    low, high = (float(v.replace(",", "")) for v in label.split("values from ")[1][:-4].split(" to "))
    assert high > 5000 and 900 < low < 1100, label
    assert report["profile"]["runs"] == 1, report["profile"]
    assert report["console_errors"] == [], report

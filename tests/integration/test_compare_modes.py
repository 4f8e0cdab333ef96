"""Compare's stacked modes (issue 15 point 7) in real Chromium through tests/node/e2e_compare.mjs: two
FITS images of one field taken differently (another pixel scale, turned by 35°, mirrored, shifted)
are overlaid where their WCS put them: the same two stars land on the same screen positions in both
viewers. Blink alternates the images; swipe clips the top one and both halves steer the view."""
import pytest
import json
import math
import pathlib
import re
import subprocess

import numpy as np

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits
from support.sky import tan_pixel

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
STARS = [(83.8221, -5.3911), (83.8160, -5.3850)]  # two positions both images cover


def cd_matrix(scale_arcsec, degrees, east_left):
    t = math.radians(degrees)
    s = scale_arcsec / 3600
    m = -1 if east_left else 1
    return ((m * s * math.cos(t), -s * math.sin(t)), (m * s * math.sin(t), s * math.cos(t)))


def field(server, token, tmp_path, name, w, h, crval, crpix, cd):
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w))
    for ra, dec in STARS:
        px, py = tan_pixel(ra, dec, crval, crpix, cd, h)
        img += 1000 * np.exp(-((x + 0.5 - px) ** 2 + (y + 0.5 - py) ** 2) / (2 * 2.0 ** 2))
    # FITS rows run bottom-up: the display's row y is FITS row h - 1 - y.
    data = img[::-1].astype(np.int16)
    cards = [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", repr(crval[0])),
             ("CRVAL2", repr(crval[1])), ("CRPIX1", repr(crpix[0])), ("CRPIX2", repr(crpix[1])),
             ("CD1_1", repr(cd[0][0])), ("CD1_2", repr(cd[0][1])), ("CD2_1", repr(cd[1][0])),
             ("CD2_2", repr(cd[1][1])), ("RADESYS", "'ICRS'")]
    path = tmp_path / f"{name}.fits"
    write_fits(path, data, 16, extra=cards)
    _, last = tus.upload(server, token, path.read_bytes(), {"filename": path.name, "name": name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    assert server.request("PUT", f"/api/datasets/{d}", headers=bearer(token),
                          json={"is_public": True}).status_code == 200
    return d


def test_overlay_aligns_on_the_sky_blink_alternates_and_swipe_splits(make_server, tmp_path):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    token = register(s)["access_token"]
    a = field(s, token, tmp_path, "wide", 400, 300, (83.8190, -5.3880), (200.5, 150.5), cd_matrix(0.36, 10, True))
    b = field(s, token, tmp_path, "turned", 260, 220, (83.8185, -5.3885), (120.5, 100.5),
              cd_matrix(0.5, -25, False))

    artifacts = ROOT / "test-artifacts" / "web"
    artifacts.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_compare.mjs"), s.base, a, b, str(artifacts)],
                       capture_output=True, text=True, timeout=240, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report

    assert report["aligned"] == "true", report["note"]
    m = re.match(r"Aligned on the sky: “turned” scaled ×([\d.]+), turned (-?[\d.]+)°, mirrored; within ([\d.]+) px",
                 report["note"])
    assert m, report["note"]
    assert abs(float(m[1]) - 0.5 / 0.36) < 0.01  # B's pixels are 0.5″, A's 0.36″
    assert float(m[3]) < 0.5
    stars_a, stars_b = report["stars"]["a"], report["stars"]["b"]
    assert len(stars_a) == 2 and len(stars_b) == 2, report["stars"]
    for sa in stars_a:
        nearest = min(math.hypot(sa[0] - sb[0], sa[1] - sb[1]) for sb in stars_b)
        assert nearest < 1.5, report["stars"]
    # The two stars are apart on screen (so rotation and mirror are checked, not only the shift).
    assert math.hypot(stars_a[0][0] - stars_a[1][0], stars_a[0][1] - stars_a[1][1]) > 40, stars_a

    assert sorted(report["blink"]["names"]) == ["turned", "wide"], report["blink"]
    assert report["blink"]["opacities"] == ["0", "1"], report["blink"]

    swipe = report["swipe"]
    assert swipe["clip"] == "inset(0px 0px 0px 30%)" and swipe["divider"] == "30%", swipe
    before, left, right = swipe["zooms"]
    # Both start at the bottom image's home view, whichever viewer opened last (the second one's
    # own home once became the first one's view, at its zoom limit: the left wheel then did nothing).
    assert abs(before[0] / swipe["home"] - 1) < 1e-6 and before[0] == before[1], swipe
    assert left[0] > before[0] * 1.05 and abs(left[0] / left[1] - 1) < 1e-6, swipe["zooms"]
    assert right[1] > left[1] * 1.05 and abs(right[0] / right[1] - 1) < 1e-6, swipe["zooms"]
    assert report["console_errors"] == [], report

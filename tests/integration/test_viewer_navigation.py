"""Orientation and navigation in the viewer (issue 15 points 6 and 7), in real Chromium through
tests/node/e2e_navigation.mjs, on a public FITS image with a rotated FK5 gnomonic WCS: the scale bar
says the truth (its length × the pixel scale), the compass points where the WCS's north and east lie
(also in a rotated view), a link holds the view (centre, field, rotation, layers) and reopens it, and
"go to" takes sexagesimal positions, pixel positions and the FITS OBJECT name, refusing the rest in words."""
import pytest
import json
import math
import pathlib
import re
import subprocess

import numpy as np

from support import sky, tus
from support.accounts import bearer, register
from support.fits import write_fits

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
W, H = 400, 300
# 0.36″ pixels rotated by 10°, east to the left (CD1_1 < 0), reference pixel (180.5, 160.5).
CD = ((-9.84807753e-05, 1.73648178e-05), (1.73648178e-05, 9.84807753e-05))
CRPIX = (180.5, 160.5)
CRVAL = (83.8221, -5.3911)
CARDS = [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", str(CRVAL[0])), ("CRVAL2", str(CRVAL[1])),
         ("CRPIX1", str(CRPIX[0])), ("CRPIX2", str(CRPIX[1])), ("CD1_1", str(CD[0][0])), ("CD1_2", str(CD[0][1])),
         ("CD2_1", str(CD[1][0])), ("CD2_2", str(CD[1][1])), ("RADESYS", "'FK5'"), ("EQUINOX", "2000.0"),
         ("OBJECT", "'Orion Nebula'")]


def tan_pixel(ra, dec):
    """The gnomonic projection's display position (0-based, y down) of a sky position."""
    return sky.tan_pixel(ra, dec, CRVAL, CRPIX, CD, H)


def screen_angle(dx, dy):
    """Clockwise from up, degrees, of a display direction (y down)."""
    return math.degrees(math.atan2(dx, -dy)) % 360


def angle_diff(a, b):
    return abs((a - b + 180) % 360 - 180)


def compass(label):
    m = re.fullmatch(r"Compass: north (\d+)°, east (\d+)°", label or "")
    assert m, label
    return int(m[1]), int(m[2])


def bar_arcsec(label):
    m = re.fullmatch(r"Scale bar: ([\d,]+)(″|′|°| mas)", label)
    assert m, label
    return float(m[1].replace(",", "")) * {"″": 1, "′": 60, "°": 3600, " mas": 1e-3}[m[2]]


def test_scale_bar_compass_links_and_go_to(make_server, tmp_path):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    owner = register(s)
    path = tmp_path / "orion.fits"
    y, x = np.mgrid[0:H, 0:W]
    write_fits(path, ((x * 7 + y * 3) % 200).astype(np.int16), 16, extra=CARDS)
    _, last = tus.upload(s, owner["access_token"], path.read_bytes(), {"filename": path.name, "name": "Orion"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed", status
    r = s.request("PUT", f"/api/datasets/{d}", headers=bearer(owner["access_token"]), json={"is_public": True})
    assert r.status_code == 200, r.text

    artifacts = ROOT / "test-artifacts" / "web"
    artifacts.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_navigation.mjs"), s.url(f"/datasets/{d}"),
                        str(artifacts)], capture_output=True, text=True, timeout=240, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    home = report["home"]

    # The scale bar: its length in screen pixels × arcseconds per screen pixel = its label.
    arcsec_per_screen_px = 0.36 * home["fov"] / home["viewer_width"]
    assert abs(home["bar_px"] * arcsec_per_screen_px / bar_arcsec(home["bar"]) - 1) < 0.01, home

    # The compass: north and east as the WCS has them at the view's centre.
    cx, cy = home["x"], home["y"]
    ra, dec = None, None
    # The sky position of the centre, by inverting tan_pixel numerically (a few Newton steps).
    ra, dec = CRVAL
    for _ in range(20):
        px, py = tan_pixel(ra, dec)
        ra -= (px - cx) * -0.36 / 3600 / math.cos(math.radians(dec)) * 0.5
        dec -= (py - cy) * -0.36 / 3600 * 0.5
    p0 = tan_pixel(ra, dec)
    pn = tan_pixel(ra, dec + 1 / 60)
    pe = tan_pixel(ra + 1 / 60 / math.cos(math.radians(dec)), dec)
    want_n = screen_angle(pn[0] - p0[0], pn[1] - p0[1])
    want_e = screen_angle(pe[0] - p0[0], pe[1] - p0[1])
    north, east = compass(home["compass"])
    assert angle_diff(north, want_n) <= 1 and angle_diff(east, want_e) <= 1, (home["compass"], want_n, want_e)
    assert 340 <= want_n or want_n <= 20  # about north-up (the WCS turns it by 10°), east to the left
    assert angle_diff(want_e, 270) <= 20

    # A link restores centre, field, rotation and layers; the compass turns with the view.
    restored = report["restored"]
    assert abs(restored["x"] - 180) <= 0.5 and abs(restored["y"] - 140) <= 0.5, restored
    assert abs(restored["fov"] / 300 - 1) < 0.01 and restored["rot"] == 90, restored
    assert restored["grid"] == "true" and not restored["annotations_shown"] and restored["layers"] == "grid", restored
    rn, re_ = compass(restored["compass"])
    assert angle_diff(rn, north + 90) <= 2 and angle_diff(re_, east + 90) <= 2, (restored["compass"], home["compass"])

    # Go to: a sexagesimal FK5 position centres its pixel; a pixel position; the FITS OBJECT name
    # centres the reference point (CRPIX); a wrong name and an impossible position are refused in words.
    ra = (5 + 35 / 60 + 17.3 / 3600) * 15
    dec = -(5 + 23 / 60 + 28 / 3600)
    want = tan_pixel(ra, dec)
    sky = report["goto"]["sky"]
    assert abs(sky["x"] - want[0]) <= 0.2 and abs(sky["y"] - want[1]) <= 0.2, (sky, want)
    pixel = report["goto"]["pixel"]
    assert abs(pixel["x"] - 200) <= 0.2 and abs(pixel["y"] - 150) <= 0.2, pixel
    obj = report["goto"]["object"]
    assert abs(obj["x"] - (CRPIX[0] - 0.5)) <= 0.2 and abs(obj["y"] - (H - CRPIX[1] + 0.5)) <= 0.2, obj
    assert report["goto"]["unknown"] == "No annotation or object named “no such thing” in this image"
    assert report["goto"]["invalid"] == "Minutes and seconds must be below 60"

    # The keyboard: the "?" list names every shortcut; "/" focuses the go-to field; "]" and "[" turn.
    keys = report["keys"]
    assert keys["help_rows"] == 14, keys
    for text in ("Rotate 90° left, right", "Go to a position or a name", "Polygon; Enter closes it"):
        assert text in keys["help_text"], keys["help_text"]
    assert keys["focused"] == "Go to" and keys["rotated"] == 90 and keys["back"] == 0, keys

    # The ruler, dragged straight up the screen over 200 px: that many screen pixels in image pixels,
    # 0.36″ each along the great circle, and a position angle of 10° (the WCS turns north by 10°).
    m = report["measure"]
    got = re.fullmatch(r"([\d.]+) px · ([\d.]+)(″|′) · PA ([\d.]+)°", m["text"])
    assert got, m
    px = float(got[1])
    arcsec = float(got[2]) * (60 if got[3] == "′" else 1)
    assert abs(px / (200 * m["view"]["fov"] / m["view"]["viewer_width"]) - 1) < 0.01, m
    assert abs(arcsec / (px * 0.36) - 1) < 0.005, m
    assert abs(float(got[4]) - 10.0) < 0.3, m
    assert m["drawn"] == 1

    # Touch on a phone: a pinch zooms in, one finger pans (the image moves with it: the centre goes
    # right in image pixels when the finger moves left), and nothing overflows the screen sideways.
    t = report["touch"]
    assert t["pinched"]["fov"] < t["start"]["fov"] * 0.8, t
    assert t["panned"]["x"] > t["pinched"]["x"] + 5 and abs(t["panned"]["fov"] / t["pinched"]["fov"] - 1) < 0.01, t
    assert t["start"]["overflow"] == 0 and t["panned"]["overflow"] == 0, t

    # The copied link is the address of the current view, and opens the same view.
    before, copied, again = report["before_copy"], report["copied"], report["reopened"]
    assert copied.endswith(before["url"]), (copied, before)
    assert before["fov"] < home["fov"]  # the wheel zoomed in
    for k in ("x", "y"):
        assert abs(again[k] - before[k]) <= 0.2, (again, before)
    assert abs(again["fov"] / before["fov"] - 1) < 0.01, (again, before)
    assert report["console_errors"] == [], report

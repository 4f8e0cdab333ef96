"""Aladin Lite (npm aladin-lite 3.8.2, the real client) displays a HiPS made by `astropixel tile` + `astropixel hips`
in Chromium (#16 point 3): a synthetic TAN image of a dark field with bright "stars" at known RA/Dec. The HiPS is
served from another origin than the page (CORS as in a deployment) by a static server here; when the server
routes exist, pointing HIPS_URL at them is the only change. Orientation is checked against Aladin's own
coordinates: at aladin.world2pix(ra, dec) of each star the screen is bright, midway between stars dark, and
outside the image Aladin's background shows (the tiles are transparent there). Screenshot in
test-artifacts/web/hips/."""
import functools
import http.server
import json
import pathlib
import subprocess
import threading

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from support.hips import properties, tile_and_hips

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "hips"
W, H = 1000, 800
# Pixel positions (x, y, 0-based) of the stars: no symmetry, so a flip or a rotation would move them.
STARS = [(250, 200), (720, 260), (430, 610), (800, 640)]
BACKGROUND = (0, 0, 120)  # the page's Aladin backgroundColor


def star_field(tmp_path):
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
    h["CRVAL1"], h["CRVAL2"] = 150.0, 20.0
    h["CRPIX1"], h["CRPIX2"] = W / 2 + 0.5, H / 2 + 0.5
    scale, angle = 2.0 / 3600, 0.4  # 2″ pixels, rotated by 23°
    h["CD1_1"], h["CD1_2"] = -scale * np.cos(angle), scale * np.sin(angle)
    h["CD2_1"], h["CD2_2"] = scale * np.sin(angle), scale * np.cos(angle)
    h["RADESYS"] = "ICRS"
    y, x = np.mgrid[0:H, 0:W]
    rng = np.random.default_rng(3)
    data = (10 + rng.normal(0, 1, (H, W))).astype(np.float32)
    for sx, sy in STARS:
        data += 5000 * np.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * 8.0 ** 2))
    path = tmp_path / "stars.fits"
    fits.PrimaryHDU(data.astype(np.float32), h).writeto(path)
    return path, WCS(h)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static HiPS host on its own origin: CORS open as a public HiPS must be, every request path recorded."""

    def __init__(self, *args, log, **kwargs):
        self._log = log
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def do_GET(self):
        self._log.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


def serve(directory):
    log = []
    handler = functools.partial(_Handler, directory=str(directory), log=log)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, log


def brightness(img, x, y, r=2):
    """Mean of R, G, B over a small square, and the blue channel apart (the background is blue)."""
    x, y = int(round(x)), int(round(y))
    box = np.asarray(img.crop((x - r, y - r, x + r + 1, y + r + 1)).convert("RGB"), dtype=float)
    return box.mean(axis=(0, 1))


def test_aladin_lite_draws_our_hips_at_its_sky_position(tmp_path):
    image, wcs = star_field(tmp_path)
    r, out = tile_and_hips(tmp_path, image)
    assert r.returncode == 0, r.stderr
    props = properties(out)
    assert props["hips_frame"] == "equatorial"

    stars = [tuple(float(v) for v in wcs.pixel_to_world_values(x, y)) for x, y in STARS]
    middles = [tuple(float(v) for v in wcs.pixel_to_world_values((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
               for a, b in zip(STARS, STARS[1:])]
    centre = tuple(float(v) for v in wcs.pixel_to_world_values(W / 2 - 0.5, H / 2 - 0.5))
    # 80 image pixels (160″) beyond the image's left edge: no HiPS data there, but in Aladin's view.
    outside = tuple(float(v) for v in wcs.pixel_to_world_values(-80, H / 2))
    probes = stars + middles + [outside]

    httpd, log = serve(out)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "aladin-stars.png"
        spec = {"ra": centre[0], "dec": centre[1], "fov": 0.8, "probes": [list(p) for p in probes]}
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        run = subprocess.run(["node", str(NODE / "e2e_aladin.mjs"), base, str(shot), json.dumps(spec)],
                             capture_output=True, text=True, timeout=240, cwd=NODE)
    finally:
        httpd.shutdown()
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps({k: v for k, v in report.items() if k != "requests"}), log)
    assert "error" not in report, report
    assert report["webgl2"], "no WebGL2 in headless Chromium: Aladin Lite cannot run"
    assert report["drawn"], report
    # Aladin may ask for a tile in view before Moc.fits has arrived (its HiPS renderer filters tile cells by the
    # MOC only once it has it): a 404 for a tile we rightly do not have is allowed, nothing else.
    for failure in report["failed"]:
        status, path = failure.split(" ", 1)
        assert status == "404" and "/Npix" in path and not (out / path.lstrip("/")).exists(), report["failed"]

    # Aladin read the properties and tiles from our HiPS, over CORS.
    assert "/properties" in log or any(p.startswith("/properties") for p in log), log
    tiles = [p for p in log if "/Npix" in p]
    assert tiles, log

    img = Image.open(shot)
    assert img.size == (800, 600)
    xy = report["probes"]
    assert all(p is not None and 3 <= p[0] < 797 and 3 <= p[1] < 597 for p in xy), xy
    star_px = [brightness(img, *p) for p in xy[:len(stars)]]
    middle_px = [brightness(img, *p) for p in xy[len(stars):len(stars) + len(middles)]]
    outside_px = brightness(img, *xy[-1])
    print("stars", star_px, "middles", middle_px, "outside", outside_px)
    for p in star_px:
        assert p.mean() > 180, star_px
    for p in middle_px:
        assert p.mean() < 40 and p[2] < 60, middle_px  # dark, and not the blue background: a tile drawn there
    assert np.allclose(outside_px, BACKGROUND, atol=12), outside_px
    # The check can fail: the stars' mirror images (east-west flip about the view's centre) are not bright.
    mirrored = [brightness(img, 800 - x, y) for x, y in xy[:len(stars)]]
    for p in mirrored:
        assert p.mean() < 60, mirrored

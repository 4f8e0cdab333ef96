"""Aladin Lite (npm aladin-lite 3.8.2, the real client) displays a HiPS made by `astropixel tile` + `astropixel hips`
in Chromium (#16 point 3): a synthetic TAN image of a dark field with bright "stars" at known RA/Dec. The HiPS is
served from another origin than the page (CORS as in a deployment) by a static server here; when the server
routes exist, pointing HIPS_URL at them is the only change. Orientation is checked against Aladin's own
coordinates: at aladin.world2pix(ra, dec) of each star the screen is bright, midway between stars dark, and
outside the image Aladin's background shows (the tiles are transparent there). A colour HiPS (PNG + .hhh,
`astropixel hips --wcs`) of red, green, blue and white stars shows each in its colour. Screenshots in
test-artifacts/web/hips/."""
import functools
import http.server
import json
import pathlib
import subprocess
import threading

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from support.hips import properties, tile_and_hips

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

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


STAR_COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]  # red, green, blue, white: STARS' order


def colour_star_field(tmp_path):
    """The star field in colour: a dark RGB PNG with a red, a green, a blue and a white star at STARS, and the
    same WCS as a Hipsgen-style .hhh header beside it (a PNG's pack holds no WCS: `astropixel hips --wcs`)."""
    _, wcs = star_field(tmp_path)
    h = wcs.to_header()
    h["NAXIS"], h["NAXIS1"], h["NAXIS2"] = 2, W, H
    y, x = np.mgrid[0:H, 0:W]
    rng = np.random.default_rng(5)
    rgb = 12 + rng.normal(0, 1.5, (H, W, 3))
    for (sx, sy), colour in zip(STARS, STAR_COLOURS):
        blob = np.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * 8.0 ** 2))
        rgb += 300 * blob[..., None] * (np.array(colour) / 255)
    # Built with FITS's rows (y from the bottom, as STARS and the WCS count them); a PNG's rows go top-down.
    pixels = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)[::-1]
    png = tmp_path / "stars.png"
    Image.fromarray(pixels).save(png)
    hhh = tmp_path / "stars.hhh"
    hhh.write_text(h.tostring(sep="\n", endcard=True, padding=False))
    return png, hhh, wcs


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


def base_field(tmp_path):
    """A second, wider HiPS for Aladin's base layer: a smooth north-south ramp, 1.3° wide, same centre."""
    n = 400
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
    h["CRVAL1"], h["CRVAL2"] = 150.0, 20.0
    h["CRPIX1"], h["CRPIX2"] = n / 2 + 0.5, n / 2 + 0.5
    h["CDELT1"], h["CDELT2"] = -12.0 / 3600, 12.0 / 3600
    h["RADESYS"] = "ICRS"
    data = np.repeat(np.linspace(0, 100, n, dtype=np.float32)[:, None], n, axis=1)
    path = tmp_path / "base.fits"
    fits.PrimaryHDU(data, h).writeto(path)
    return path


def show_in_aladin(tmp_path, with_base, tile_format=None, colour=False):
    """Our star field's HiPS (in colour if colour) in Aladin (over a base HiPS of our own if with_base): the
    static server's request log, e2e_aladin.mjs's report, the screenshot, and the probes' RA/Dec by kind."""
    if colour:
        image, hhh, wcs = colour_star_field(tmp_path)
        r, out = tile_and_hips(tmp_path, image, "--wcs", str(hhh))
    else:
        image, wcs = star_field(tmp_path)
        r, out = tile_and_hips(tmp_path, image)
    assert r.returncode == 0, r.stderr
    assert properties(out)["hips_frame"] == "equatorial"
    assert (properties(out).get("dataproduct_subtype") == "color") == colour
    if with_base:
        r, _ = tile_and_hips(tmp_path, base_field(tmp_path))
        assert r.returncode == 0, r.stderr

    def world(x, y):
        return tuple(float(v) for v in wcs.pixel_to_world_values(x, y))

    probes = {
        "stars": [world(x, y) for x, y in STARS],
        "middles": [world((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(STARS, STARS[1:])],
        # 80 image pixels (160″) beyond the image's left edge: no data of ours there, but in Aladin's view.
        "outside": [world(-80, H / 2)],
    }
    centre = world(W / 2 - 0.5, H / 2 - 0.5)
    httpd, log = serve(tmp_path)  # the HiPS host: tmp_path/stars-hips (and base-hips)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / ("aladin-over-base.png" if with_base else "aladin-stars.png")
        if colour:
            shot = ARTIFACTS / ("aladin-colour-over-base.png" if with_base else "aladin-colour.png")
        root = f"http://127.0.0.1:{httpd.server_address[1]}"
        spec = {"ra": centre[0], "dec": centre[1], "fov": 0.8,
                "probes": [list(p) for kind in probes.values() for p in kind]}
        if with_base:
            spec["base"] = f"{root}/base-hips"
        if tile_format:
            spec["format"] = tile_format
            shot = ARTIFACTS / f"aladin-{tile_format}.png"
        run = subprocess.run(["node", str(NODE / "e2e_aladin.mjs"), f"{root}/stars-hips", str(shot), json.dumps(spec)],
                             capture_output=True, text=True, timeout=240, cwd=NODE)
    finally:
        httpd.shutdown()
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps({k: v for k, v in report.items() if k != "requests"}), log)
    assert "error" not in report, report
    assert report["webgl2"], "no WebGL2 in headless Chromium: Aladin Lite cannot run"
    assert report["drawn"], report
    # Aladin's only try at the network is its usage logger at start-up (no name resolution here): harmless.
    assert all("AladinLiteLogger" in u for u in report["offsite"]), report["offsite"]
    # Aladin may ask for a tile in view before Moc.fits has arrived (its HiPS renderer filters tile cells by the
    # MOC only once it has it): a 404 for a tile we rightly do not have is allowed, nothing else.
    for failure in report["failed"]:
        status, path = failure.split(" ", 1)
        assert status == "404" and "/Npix" in path and not (out / path.lstrip("/")).exists(), report["failed"]
    # Aladin read the properties and tiles of our HiPS, over CORS.
    assert "/stars-hips/properties" in log, log
    assert [p for p in log if p.startswith("/stars-hips/Norder") and "/Npix" in p], log
    if tile_format:
        assert all(p.endswith("." + tile_format) for p in log if p.startswith("/stars-hips/Norder")), log

    img = Image.open(shot)
    assert img.size == (800, 600)
    xy, at = report["probes"], {}
    assert all(p is not None and 3 <= p[0] < 797 and 3 <= p[1] < 597 for p in xy), xy
    for kind, points in probes.items():
        at[kind], xy = xy[:len(points)], xy[len(points):]
    return img, at, log


@pytest.mark.parametrize("tile_format", [None, "fits"])
def test_aladin_lite_draws_our_hips_at_its_sky_position(tmp_path, tile_format):
    """PNG tiles (what Aladin prefers), and FITS tiles, which Aladin stretches itself with hips_pixel_cut."""
    img, at, _ = show_in_aladin(tmp_path, with_base=False, tile_format=tile_format)
    star_px = [brightness(img, *p) for p in at["stars"]]
    middle_px = [brightness(img, *p) for p in at["middles"]]
    outside_px = brightness(img, *at["outside"][0])
    print("stars", star_px, "middles", middle_px, "outside", outside_px)
    for p in star_px:
        assert p.mean() > 180, star_px
    for p in middle_px:
        assert p.mean() < 40 and p[2] < 60, middle_px  # dark, and not the blue background: a tile drawn there
    assert np.allclose(outside_px, BACKGROUND, atol=12), outside_px  # tiles transparent beyond the image
    # The check can fail: the stars' mirror images (east-west flip about the view's centre) are not bright.
    mirrored = [brightness(img, 800 - x, y) for x, y in at["stars"]]
    for p in mirrored:
        assert p.mean() < 60, mirrored


def test_aladin_lite_overlays_our_hips_on_a_base_survey(tmp_path):
    """Our HiPS as an overlay layer over a base HiPS (a grey ramp, also ours: the default survey needs the
    network): opaque where the image has data, transparent beyond it, where the base layer shows."""
    img, at, log = show_in_aladin(tmp_path, with_base=True)
    assert "/base-hips/properties" in log, log
    star_px = [brightness(img, *p) for p in at["stars"]]
    middle_px = [brightness(img, *p) for p in at["middles"]]
    outside_px = brightness(img, *at["outside"][0])
    print("stars", star_px, "middles", middle_px, "outside", outside_px)
    for p in star_px:
        assert p.mean() > 180, star_px
    for p in middle_px:
        assert p.mean() < 40, middle_px  # our dark sky covers the ramp
    # Beyond our image: the base layer's grey, neither Aladin's blue background nor our black.
    assert 40 < outside_px.mean() < 230 and np.ptp(outside_px) < 8, outside_px
    # The base ramp grows northwards (FITS rows upwards): brighter at the view's top corner than its bottom one.
    top, bottom = brightness(img, 10, 10).mean(), brightness(img, 10, 589).mean()
    assert top > bottom + 60, (top, bottom)


@pytest.mark.parametrize("with_base", [False, True], ids=["alone", "over-base"])
def test_aladin_lite_draws_our_colour_hips_in_its_colours(tmp_path, with_base):
    """A colour HiPS (RGBA PNG tiles, dataproduct_subtype = color) of a dark image with a red, a green, a blue
    and a white star, shown by Aladin unchanged: at Aladin's world2pix of each star its own channels are
    bright and the others dark (a swapped channel or a flip shows the wrong colour there), dark between the
    stars, and beyond the image the layer below shows through the transparent tiles: Aladin's blue background,
    or the grey base HiPS. East-west orientation: the stars' mirror images about the view's centre line are
    dark sky."""
    img, at, log = show_in_aladin(tmp_path, with_base=with_base, colour=True)
    tiles = [p for p in log if p.startswith("/stars-hips/Norder")]
    assert tiles and all(p.endswith(".png") for p in tiles), log
    star_px = [brightness(img, *p) for p in at["stars"]]
    middle_px = [brightness(img, *p) for p in at["middles"]]
    outside_px = brightness(img, *at["outside"][0])
    print("stars", star_px, "middles", middle_px, "outside", outside_px)
    for p, colour in zip(star_px, STAR_COLOURS):
        for value, lit in zip(p, colour):
            assert (value > 180) if lit else (value < 60), (colour, p)
    for p in middle_px:
        assert p.max() < 40, middle_px  # our dark sky: neither a star nor the layer below
    if with_base:
        assert 40 < outside_px.mean() < 230 and np.ptp(outside_px) < 8, outside_px
    else:
        assert np.allclose(outside_px, BACKGROUND, atol=12), outside_px
    # The mirror images about the view's vertical centre line fall on the image's dark sky, not on a star.
    mirrored = [brightness(img, 800 - x, y) for x, y in at["stars"]]
    print("mirrored", mirrored)
    for p in mirrored:
        assert p.max() < 40, mirrored

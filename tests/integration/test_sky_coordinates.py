"""Celestial WCS of FITS images, read by wcslib: the parameters the browser needs for zenithal
projections, and wcslib's own answers at reference points, checked here against an independent
gnomonic (TAN) computation."""
import json
import math
import pathlib
import re
import subprocess

import numpy as np
import pytest

from support import tus
from support.accounts import register
from support.fits import write_fits, write_multi
from support.pack import Pack
from support.server import BINARY

CRVAL, CRPIX, CD = (150.0, 2.2), (200.5, 150.5), ((-2.8e-4, 1.0e-5), (1.2e-5, 2.8e-4))


def tan_world(px, py, height, cd=CD):
    """RA/Dec (degrees) of display pixel (px, py): FITS pixels are 1-based and run bottom-up."""
    p1, p2 = px + 0.5 - CRPIX[0], height - py + 0.5 - CRPIX[1]
    x = cd[0][0] * p1 + cd[0][1] * p2
    y = cd[1][0] * p1 + cd[1][1] * p2
    phi = math.atan2(x, -y)
    theta = math.atan2(180 / math.pi, math.hypot(x, y))
    a0, d0 = map(math.radians, CRVAL)
    dphi = phi - math.pi  # LONPOLE 180
    dec = math.asin(math.sin(theta) * math.sin(d0) + math.cos(theta) * math.cos(d0) * math.cos(dphi))
    ra = a0 + math.atan2(-math.cos(theta) * math.sin(dphi),
                         math.sin(theta) * math.cos(d0) - math.cos(theta) * math.sin(d0) * math.cos(dphi))
    return math.degrees(ra) % 360, math.degrees(dec)


def tile(tmp_path, extra):
    src = tmp_path / "sky.fits"
    y, x = np.mgrid[0:300, 0:400]
    write_fits(src, (x + y).astype(np.float32), -32, extra=extra)
    r = subprocess.run([str(BINARY), "tile", str(src), str(tmp_path / "o.pack"), "--progress", "none"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return Pack(tmp_path / "o.pack").meta["meta"]["wcs"]


def test_tan_wcs_and_reference_points(tmp_path):
    wcs = tile(tmp_path, [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "150.0"),
                          ("CRVAL2", "2.2"), ("CRPIX1", "200.5"), ("CRPIX2", "150.5"), ("CD1_1", "-2.8E-4"),
                          ("CD1_2", "1.0E-5"), ("CD2_1", "1.2E-5"), ("CD2_2", "2.8E-4"), ("RADESYS", "'ICRS'")])
    assert wcs["ctype"] == ["RA---TAN", "DEC--TAN"] and wcs["projection"] == "TAN"
    assert wcs["crval"] == [150.0, 2.2] and wcs["crpix"] == [200.5, 150.5] and wcs["radesys"] == "ICRS"
    assert wcs["matrix"] == [-2.8e-4, 1.0e-5, 1.2e-5, 2.8e-4] and wcs["lonpole"] == 180
    assert len(wcs["reference_points"]) == 25
    for p in wcs["reference_points"]:
        ra, dec = tan_world(p["x"], p["y"], 300)
        assert abs(p["ra"] - ra) < 1e-9 and abs(p["dec"] - dec) < 1e-9, (p, ra, dec)


def test_cdelt_and_crota2_without_a_matrix(tmp_path):
    # wcslib leaves its pixel → image matrix unset when PC is unity: this crashed (SIGSEGV).
    wcs = tile(tmp_path, [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "150.0"),
                          ("CRVAL2", "2.2"), ("CRPIX1", "200.5"), ("CRPIX2", "150.5"), ("CDELT1", "-2.8E-4"),
                          ("CDELT2", "2.8E-4")])
    assert wcs["matrix"] == [-2.8e-4, 0.0, 0.0, 2.8e-4] and len(wcs["reference_points"]) == 25
    wcs = tile(tmp_path, [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "150.0"),
                          ("CRVAL2", "2.2"), ("CRPIX1", "200.5"), ("CRPIX2", "150.5"), ("CDELT1", "-2.8E-4"),
                          ("CDELT2", "2.8E-4"), ("CROTA2", "30.0")])
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert wcs["matrix"] == pytest.approx([-2.8e-4 * c, -2.8e-4 * s, -2.8e-4 * s, 2.8e-4 * c], abs=1e-15)
    assert len(wcs["reference_points"]) == 25


def test_degenerate_axes_keep_their_celestial_wcs(tmp_path):
    # The usual shape of radio images: 256 × 256 × 1 × 1 with FREQ and STOKES axes.
    src = tmp_path / "radio.fits"
    write_multi(src, [(np.ones((1, 1, 30, 40), np.float32), -32, {
        "CTYPE1": "'RA---SIN'", "CTYPE2": "'DEC--SIN'", "CTYPE3": "'FREQ'", "CTYPE4": "'STOKES'",
        "CRVAL1": "83.6", "CRVAL2": "22.0", "CRVAL3": "1.4E9", "CRVAL4": "1.0", "CRPIX1": "20.0",
        "CRPIX2": "15.0", "CRPIX3": "1.0", "CRPIX4": "1.0", "CDELT1": "-1.0E-3", "CDELT2": "1.0E-3",
        "CDELT3": "1.0E6", "CDELT4": "1.0"})])
    r = subprocess.run([str(BINARY), "tile", str(src), str(tmp_path / "r.pack"), "--progress", "none"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    wcs = Pack(tmp_path / "r.pack").meta["meta"]["wcs"]
    assert wcs["ctype"] == ["RA---SIN", "DEC--SIN"] and wcs["crpix"] == [20.0, 15.0]
    assert wcs["matrix"] == [-1.0e-3, 0.0, 0.0, 1.0e-3] and len(wcs["reference_points"]) == 25


@pytest.mark.parametrize("rotation,flip", [(0.0, False), (30.0, False), (-115.0, False), (30.0, True)])
def test_pixel_scale_north_and_field_of_view(tmp_path, rotation, flip):
    """Pixel scale, north angle and field of view from the WCS (wcslib, on the server), checked with
    the independent gnomonic computation above: one pixel along the reported north direction moves
    north only, along east (90° counter-clockwise from north when east_left) east only."""
    s = 1.5 / 3600
    c, n = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    sx = s if flip else -s  # flip: east to the right (a mirrored image)
    cd = ((sx * c, -s * n), (sx * n, s * c))
    wcs = tile(tmp_path, [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "150.0"),
                          ("CRVAL2", "2.2"), ("CRPIX1", "200.5"), ("CRPIX2", "150.5"),
                          ("CD1_1", repr(cd[0][0])), ("CD1_2", repr(cd[0][1])), ("CD2_1", repr(cd[1][0])),
                          ("CD2_2", repr(cd[1][1]))])
    assert wcs["pixel_scale"] == pytest.approx(1.5, rel=1e-6)
    assert wcs["pixel_scale_xy"] == pytest.approx([1.5, 1.5], rel=1e-6)
    assert wcs["east_left"] is (not flip)

    def moved(angle):
        """RA/Dec offsets (arcsec, RA times cos Dec) of one pixel from the centre along `angle`
        (degrees counter-clockwise on screen from up)."""
        a = math.radians(angle)
        ra0, dec0 = tan_world(200, 150, 300, cd)
        ra1, dec1 = tan_world(200 - math.sin(a), 150 - math.cos(a), 300, cd)
        return (ra1 - ra0) * math.cos(math.radians(dec0)) * 3600, (dec1 - dec0) * 3600

    north = moved(wcs["north_angle"])
    assert abs(north[0]) < 1e-4 and north[1] == pytest.approx(1.5, rel=1e-4), (wcs["north_angle"], north)
    east = moved(wcs["north_angle"] + (90 if wcs["east_left"] else -90))
    assert east[0] == pytest.approx(1.5, rel=1e-4) and abs(east[1]) < 1e-4, east
    assert wcs["fov"] == pytest.approx([400 * 1.5 / 3600, 300 * 1.5 / 3600], rel=1e-4)


def test_fits_without_a_celestial_wcs_has_none(tmp_path):
    assert tile(tmp_path, []) is None
    assert tile(tmp_path, [("CTYPE1", "'WAVE'"), ("CTYPE2", "'LINEAR'")]) is None


@pytest.mark.browser
def test_the_viewer_shows_ra_dec_under_the_pointer(make_server, tmp_path):

    root = pathlib.Path(__file__).resolve().parents[2]
    dist = root / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    token = register(s)["access_token"]
    src = tmp_path / "sky.fits"
    y, x = np.mgrid[0:300, 0:400]
    write_fits(src, (x + y).astype(np.float32), -32, extra=[
        ("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "150.0"), ("CRVAL2", "2.2"),
        ("CRPIX1", "200.5"), ("CRPIX2", "150.5"), ("CD1_1", "-2.8E-4"), ("CD1_2", "0.0"), ("CD2_1", "0.0"),
        ("CD2_2", "2.8E-4"), ("RADESYS", "'ICRS'")])
    _, last = tus.upload(s, token, src.read_bytes(), {"filename": "sky.fits", "visibility": "public"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status
    out = root / "test-artifacts" / "web" / "sky.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["node", str(root / "tests" / "node" / "e2e_sky.mjs"), s.url(f"/datasets/{d}"), str(out)],
                       capture_output=True, text=True, timeout=120, cwd=root / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert "RA---TAN, DEC--TAN (ICRS)" in report["info"], report["info"]
    # "x 200, y 150 · ICRS RA 09:59:59.97, Dec +02:11:59.5 (149.999885°, +2.199861°)": the position
    # is the gnomonic projection's at that pixel, to within the pointer's sub-pixel offset (1 pixel = 1″).
    m = re.search(r"x (\d+), y (\d+) · ICRS RA (\d+):(\d+):([\d.]+), Dec ([+−])(\d+):(\d+):([\d.]+)", report["readout"])
    assert m, report["readout"]
    px, py = int(m[1]), int(m[2])
    ra = (int(m[3]) + int(m[4]) / 60 + float(m[5]) / 3600) * 15
    dec = (1 if m[6] == "+" else -1) * (int(m[7]) + int(m[8]) / 60 + float(m[9]) / 3600)
    want_ra, want_dec = tan_world(px + 0.5, py + 0.5, 300, cd=((-2.8e-4, 0.0), (0.0, 2.8e-4)))
    assert abs(ra - want_ra) * math.cos(math.radians(dec)) * 3600 < 1.5 and abs(dec - want_dec) * 3600 < 1.5
    assert report["console_errors"] == [], report


FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "wcs"
# wcslib's own answers, independent of the viewer: src/pyramid/wcs_oracle.cpp, built beside the binary.
ORACLE = pathlib.Path(BINARY).parent / "src" / "pyramid" / "wcs_oracle"
STRUCTURE = {"SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "BSCALE", "BZERO", "BLANK", "END",
             "DATASUM", "CHECKSUM"}


def header_cards(name, frame):
    """The vendored header's cards; frame "galactic" rewrites CTYPE RA--/DEC- to GLON/GLAT, "wide"
    makes pixels 28 times larger around a centred CRPIX (as wcs_oracle does: the whole sky)."""
    raw = (FIXTURES / name).read_text(encoding="ascii")
    cards = [raw[i:i + 80] for i in range(0, len(raw), 80)] if "\n" not in raw else raw.splitlines()
    cards = [c.ljust(80)[:80] for c in cards]
    if frame == "galactic":
        cards = [c.replace("'RA--", "'GLON").replace("'DEC-", "'GLAT") if c.startswith("CTYPE") else c
                 for c in cards]
    if frame == "wide":
        value = {c[:8].strip(): c[10:30].strip() for c in cards}

        def card(k, v):
            return f"{k:<8}= {v:>20.12E}".ljust(80)
        new = {"CDELT1": float(value["CDELT1"]) * 28, "CDELT2": float(value["CDELT2"]) * 28,
               "CRPIX1": (int(value["NAXIS1"]) + 1) / 2, "CRPIX2": (int(value["NAXIS2"]) + 1) / 2}
        cards = [card(c[:8].strip(), new[c[:8].strip()]) if c[:8].strip() in new else c for c in cards]
    return cards


def fits_from_header(path, name, frame="native"):
    """A float image of the header's size whose header is the vendored one (its WCS, SIP included)."""
    cards = header_cards(name, frame)
    size = {c[:8].strip(): c[10:30].strip() for c in cards if c[:8].strip() in ("NAXIS1", "NAXIS2")}
    w, h = int(size["NAXIS1"]), int(size["NAXIS2"])
    keep = [c for c in cards if c[:8].strip() not in STRUCTURE and c.strip()]
    head = [f"{k:<8}= {v:>20}".ljust(80) for k, v in
            (("SIMPLE", "T"), ("BITPIX", "-32"), ("NAXIS", "2"), ("NAXIS1", str(w)), ("NAXIS2", str(h)))]
    text = "".join(head + keep) + "END".ljust(80)
    text = text.ljust(-(-len(text) // 2880) * 2880)
    y, x = np.mgrid[0:h, 0:w]
    data = (np.sin(x / 7.0) * np.cos(y / 5.0) * 100 + x).astype(">f4").tobytes()
    path.write_bytes(text.encode("ascii") + data + b"\0" * (-len(data) % 2880))
    return w, h


def wcslib_pixel(name, frame, lng, lat):
    arg = str(FIXTURES / name) if frame == "native" else f"{frame}:{FIXTURES / name}"
    r = subprocess.run([str(ORACLE), "--pixel", arg, repr(lng), repr(lat)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    return tuple(map(float, r.stdout.split()))


@pytest.mark.parametrize("name,frame,expect_frame,projection", [
    ("1904-66_AIT.hdr", "galactic", "Galactic", "AIT"),  # all-sky projection, galactic frame
    ("irac_sip.hdr", "native", "ICRS", "TAN + SIP"),  # Spitzer IRAC with SIP distortion
    ("1904-66_MOL.hdr", "wide", "FK5 J2000", "MOL"),  # the whole sky: a pole and RA 0h in view
])
@pytest.mark.browser
def test_the_viewer_readout_agrees_with_wcslib(make_server, tmp_path, name, frame, expect_frame, projection):
    """The real viewer (Chromium) shows the position wcslib gives: the readout's decimal position,
    mapped back to a pixel by wcslib (wcss2p), lies in the pixel the readout names. The grid toggles
    on, draws labelled lines (screenshot in test-artifacts/web), and off."""
    root = pathlib.Path(__file__).resolve().parents[2]
    dist = root / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    assert ORACLE.exists(), f"{ORACLE} is missing: build the wcs_oracle target"
    s = make_server(env={"WEB_ROOT": str(dist)})
    token = register(s)["access_token"]
    src = tmp_path / "sky.fits"
    fits_from_header(src, name, frame)
    _, last = tus.upload(s, token, src.read_bytes(), {"filename": name.replace(".hdr", ".fits"),
                                                      "visibility": "public"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status
    stem = f"sky-{name.split('.')[0]}-{frame}"
    out = root / "test-artifacts" / "web" / f"{stem}.png"
    grid_png = root / "test-artifacts" / "web" / f"{stem}-grid.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["node", str(root / "tests" / "node" / "e2e_sky.mjs"), s.url(f"/datasets/{d}"), str(out),
                        str(grid_png)], capture_output=True, text=True, timeout=120, cwd=root / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert f"{expect_frame}, {projection} projection" in report["info"], report["info"]
    assert re.search(r"Pixel scale\s+[\d.]+″/px", report["info"]), report["info"]
    assert "Field of view" in report["info"] and "North" in report["info"], report["info"]
    # "x 96, y 95 · Galactic l 284:55:00.6, b −66:18:08.8 (284.916834°, −66.302444°)"
    m = re.search(r"x (\d+), y (\d+) · " + re.escape(expect_frame) +
                  r" (?:RA|l) [\d:.]+, (?:Dec|b) [+−][\d:.]+ \(([\d.]+)°, ([+−])([\d.]+)°\)", report["readout"])
    assert m, report["readout"]
    px, py = int(m[1]), int(m[2])
    lng, lat = float(m[3]), (1 if m[4] == "+" else -1) * float(m[5])
    x, y = wcslib_pixel(name, frame, lng, lat)
    # Six decimals of a degree are 0.0036″: far below a pixel of either image (1.2″, 240″).
    assert px - 0.01 <= x <= px + 1.01 and py - 0.01 <= y <= py + 1.01, (report["readout"], x, y)
    grid = report["grid"]
    assert grid["pressed"] == "true" and grid["visible"] and grid["hidden_after_toggle"], grid
    assert grid["meridians"] >= 2 and grid["parallels"] >= 2, grid
    assert len(grid["labels"]) >= 4, grid
    assert report["console_errors"] == [], report

"""The web app with a multi-extension FITS file, in real Chromium (tests/node/e2e_fits.mjs): keywords,
the HDU shown and the headers in the viewer's information panel (a hostile header card stays text),
the owner's choice of HDU and plane through the viewer, and the upload form's HDU/plane fields."""
import pytest
import json
import pathlib
import subprocess

import numpy as np

from support import tus
from support.accounts import bearer, register
from support.fits import write_multi

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOSTILE = "<img src=x onerror=alert(1)>"


def mef(path):
    y, x = np.mgrid[0:200, 0:300]
    # 3 planes of 300 × 200 that look different: a ramp, stripes, rings.
    cube = np.stack([x + y, (x // 20) % 2 * 100.0, np.hypot(x - 150, y - 100) % 40]).astype(np.float32)
    write_multi(path, [
        (None, 8, {"EXTEND": "T", "OBJECT": "'NGC 1300'", "TELESCOP": "'HST'", "INSTRUME": "'ACS/WFC'",
                   "EXPTIME": "1200.5", "OBSERVER": f"'{HOSTILE}'",
                   "COMMENT": "'<script>window.pwned=1</script>'"}),
        (cube, -32, {"EXTNAME": "'SCI'", "BUNIT": "'ELECTRONS/S'"}),
        # Another size: the viewer must follow the pyramid's size, not the upload's.
        ((np.mgrid[0:250, 0:150][1] // 15 % 2 * 100).astype(np.int16), 16, {"EXTNAME": "'ERR'"}),
    ])


def test_the_viewer_shows_fits_metadata_headers_and_switches_hdu_and_plane(make_server, tmp_path):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    account = register(s)
    token = account["access_token"]
    src = tmp_path / "ngc1300.fits"
    mef(src)
    _, last = tus.upload(s, token, src.read_bytes(), {"filename": src.name, "name": "NGC 1300"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status
    fits = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid"]["fits"]
    assert fits["hdu"] == 1 and fits["planes"] == 3 and fits["keywords"]["OBSERVER"] == HOSTILE, fits

    artifacts = ROOT / "test-artifacts" / "web"
    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_fits.mjs"), s.base,
                        account["user"]["username"], account["password"], d, str(src), str(artifacts)],
                       capture_output=True, text=True, timeout=240, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report

    info = report["info"]
    for label, value in [("Object", "NGC 1300"), ("Telescope", "HST"), ("Instrument", "ACS/WFC"),
                         ("Exposure (s)", "1200.5"), ("Observer", HOSTILE),
                         ("HDU", "1 · SCI · 300×200×3 · float32 (of 3 HDUs)"), ("Plane", "1 of 3 (plane 0)")]:
        assert f"{label}\n{value}" in info, (label, info)
    assert report["options"] == ["1 · SCI · 300×200×3 · float32", "2 · ERR · 150×250 · int16"], report
    assert report["plane_field_visible"] is True

    # The headers, literally: the hostile cards are text, nothing was made of them, no dialog opened.
    primary, image = report["header"]
    assert f"OBSERVER= '{HOSTILE}'" in primary and "<script>window.pwned=1</script>" in primary, primary
    assert "EXTNAME =                'SCI'" in image and "NAXIS3  =                    3" in image, image
    assert report["header_titles"] == ["Primary header (HDU 0)", "Image header (HDU 1)"], report
    assert report["images_in_panel"] == 0 and report["images_src_x"] == 0, report
    assert report["dialogs"] == [] and report["scripts_ran"] is None, report

    after_hdu = report["after_hdu"]
    assert after_hdu["fits"] == {"hdu": 2, "plane": 0}, after_hdu
    assert after_hdu["stretch"]["hdu"] == 2, after_hdu
    assert "HDU\n2 · ERR · 150×250 · int16 (of 3 HDUs)" in after_hdu["info"] and "Plane\n" not in after_hdu["info"]
    assert "Size\n150 × 250 px" in after_hdu["info"] and "Format\nFITS, int16 (BITPIX 16)" in after_hdu["info"]
    assert report["plane_field_visible_hdu2"] is False and report["plane_field_visible_hdu1"] is True, report

    after_plane = report["after_plane"]
    assert after_plane["fits"] == {"hdu": 1, "plane": 2}, after_plane
    assert after_plane["stretch"]["hdu"] == 1 and after_plane["stretch"]["plane"] == 2, after_plane
    assert "Plane\n3 of 3 (plane 2)" in after_plane["info"] and "Size\n300 × 200 px" in after_plane["info"], after_plane
    assert after_hdu["dzi_size"] == [150, 250] and after_plane["dzi_size"] == [300, 200], report

    assert report["upload_fields_before"] is False and report["upload_fields_after"] is True, report
    assert "hdu" in report["upload_hdu_error"].lower() and "99999" in report["upload_hdu_error"], report
    assert report["upload_bad_hdu"] == "HDU 0 holds no 2-D image (header only)", report
    assert report["retry_prefilled"] == "0", report
    assert "HDU\n2 · ERR · 150×250 · int16 (of 3 HDUs)" in report["after_retry"], report["after_retry"]
    # No WCAG 2 A/AA violation axe-core rates serious or critical on the new parts.
    assert report["axe_viewer"] == [] and report["axe_upload"] == [] and report["axe_retry"] == [], report
    assert report["phone_overflow"] <= 1, report
    # The refused upload (400) is the only resource error the browser logs.
    assert all("status of 400" in e for e in report["console_errors"]), report["console_errors"]
    assert (artifacts / "fits-viewer.png").stat().st_size > 10000

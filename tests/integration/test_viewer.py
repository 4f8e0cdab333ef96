"""OpenSeadragon in headless Chromium opens a private dataset's Deep Zoom descriptor and its IIIF
info.json straight from the server (session cookie, as a browser does), zooms to full resolution and
pans: zero failed tile requests. A guest's browser cannot open it."""
import io
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from support.accounts import register
from support import tus

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

NODE = pathlib.Path(__file__).resolve().parents[1] / "node"
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "viewer"


@pytest.fixture
def viewer_server(make_server, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    for f in FIXTURES.iterdir():
        shutil.copy(f, web / f.name)
    shutil.copy(NODE / "node_modules/openseadragon/build/openseadragon/openseadragon.min.js", web)
    s = make_server(env={"WEB_ROOT": str(web)})
    user = register(s)
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:2000, 0:3000]
    img = np.dstack([x % 256, y % 256, rng.integers(0, 256, (2000, 3000))]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    _, last = tus.upload(s, user["access_token"], buf.getvalue(), {"filename": "view.png", "name": "View me"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, user["access_token"], d)
    assert status["status"] == "completed"
    info = s.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {user['access_token']}"}).json()
    return s, user, info


def open_in_browser(server, src, token):
    r = subprocess.run(["node", str(NODE / "osd_open.mjs"), server.base, src, token or ""], capture_output=True,
                       text=True, timeout=120, cwd=NODE)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("protocol", ["dzi", "iiif"])
def test_openseadragon_opens_the_pyramid_with_no_failed_tiles(viewer_server, protocol):
    s, user, info = viewer_server
    report = open_in_browser(s, info["urls"][protocol], user["access_token"])
    assert report["opened"] and report["error"] is None, report
    assert report["tile_failures"] == [] and report["failed"] == 0, report["tile_failures"]
    assert report["console_errors"] == [], report["console_errors"]
    assert report["loaded"] >= 10 and report["tile_requests"] >= 10, report
    assert report["max_zoom_reached"], report


def test_a_guest_browser_cannot_open_a_private_dataset(viewer_server):
    s, user, info = viewer_server
    report = open_in_browser(s, info["urls"]["dzi"], None)
    assert not report["opened"] and report["error"], report
    assert report["loaded"] == 0

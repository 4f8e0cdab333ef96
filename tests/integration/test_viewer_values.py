"""Issue #15 point 2 for colour images, and the display panel of pyramids built before stored
statistics, in real Chromium (tests/node/e2e_viewer_values.mjs): the value box and the pixel table
show each band of an RGB PNG and of a 16-bit RGB TIFF exactly as uploaded (compared here with numpy);
an old FITS pyramid (its pack rewritten without data_stats) gets its Display panel, and a dragged cut
reaches the image while the button is held. Screenshots in test-artifacts/web/values/."""
import pytest
import json
import pathlib
import subprocess

import numpy as np
from PIL import Image

from support import tus
from support.accounts import register
from support.fits import write_fits
from test_science_values import drop_stored_statistics, write_rgb16_tiff

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "values"


def upload(server, token, path):
    _, last = tus.upload(server, token, path.read_bytes(), {"filename": path.name, "name": path.stem})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    return d


def test_colour_values_and_old_pyramids_in_a_browser(make_server, tmp_path):
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST)})
    account = register(s)
    token = account["access_token"]
    rng = np.random.default_rng(2)
    y, x = np.mgrid[0:400, 0:600]
    # Smooth colours plus noise: a picture to look at, and values JPEG would not keep.
    rgb = np.stack([x * 255 // 599, y * 255 // 399, (x + y) % 256], axis=-1) + rng.integers(0, 20, (400, 600, 3))
    rgb = rgb.clip(0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "colour.png")
    rgb16 = (rgb.astype(np.uint16) * 257 + rng.integers(0, 257, rgb.shape)).astype(np.uint16)
    write_rgb16_tiff(tmp_path / "colour16.tif", rgb16)
    colour = {upload(s, token, tmp_path / "colour.png"): rgb, upload(s, token, tmp_path / "colour16.tif"): rgb16}

    data = (x + 10.0 * y + 3000 * np.exp(-((x - 300) ** 2 + (y - 200) ** 2) / 3000.0)).astype(np.float32)
    write_fits(tmp_path / "old.fits", data, -32, extra=[("BUNIT", "'ADU'")])
    old = upload(s, token, tmp_path / "old.fits")
    s.stop()
    packs = [p for p in s.data_dir.rglob("*") if p.is_file() and p.read_bytes()[:8] == b"APXPACK1"]
    fits_pack = [p for p in packs if b'"data_stats":{' in p.read_bytes()]
    assert len(fits_pack) == 1, packs
    drop_stored_statistics(fits_pack[0])
    s = make_server(env={"WEB_ROOT": str(DIST)}, data_dir=s.data_dir)

    r = subprocess.run(["node", str(NODE / "e2e_viewer_values.mjs"), s.base, account["user"]["username"],
                        account["password"], ",".join(colour), old, str(ARTIFACTS)],
                       capture_output=True, text=True, timeout=300, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(report)[:4000])
    assert report["ok"], report
    assert report["console_errors"] == [], report["console_errors"]
    steps = report["steps"]

    for read in steps["colour"]:
        want = colour[read["id"]]
        px, py = read["x"], read["y"]
        assert read["value"] == ",".join(str(int(v)) for v in want[py, px]), read
        r_, g_, b_ = (int(v) for v in want[py, px])
        assert f"R {r_} G {g_} B {b_}" in read["text"], read
        assert "(R, G, B)" in read["caption"], read
        # Row-major 5 × 5 around the pixel, each cell its three bands.
        expected = [[str(int(v)) for v in want[py + dy, px + dx]] for dy in range(-2, 3) for dx in range(-2, 3)]
        assert read["cells"] == expected, read

    old_panel = steps["old"]
    assert float(old_panel["hi"]) > 0 and "ADU" in old_panel["range"], old_panel
    drag = steps["drag"]
    assert drag["live_while_held"] > 0, drag
    assert drag["url_hi"] == drag["held"], drag
    for name in ["values-01-colour.png", "values-02-colour.png", "values-03-old-pyramid-dragging.png"]:
        assert (ARTIFACTS / name).stat().st_size > 10_000, name

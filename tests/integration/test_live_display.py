"""The viewer's live display panel (issue #15 points 1-2, ADR 0024) in real Chromium
(tests/node/e2e_display.mjs) on a FITS image: stretch, colour map, inversion, a dragged and a typed
cut each swap the image for live tiles whose URLs carry the settings and change the drawn pixels; the
page's URL holds the settings; the value under the pointer and the 5 × 5 table come from the original
data (checked here against the FITS file); the owner's saved default opens the next visit.
Screenshots in test-artifacts/web/display/."""
import pytest
import json
import pathlib
import subprocess
from urllib.parse import parse_qs, urlparse

import numpy as np

from support import tus
from support.accounts import register
from support.fits import write_fits

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "display"


def settings_of(url):
    q = parse_qs(urlparse(url).query)
    return {k: q[k][0] for k in ("stretch", "lo", "hi", "cmap") if k in q}


def test_the_display_panel_restretches_recolours_and_reads_values_in_a_browser(make_server, tmp_path):
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST)})
    account = register(s)
    token = account["access_token"]
    # 900 × 700 float32: a smooth gradient with a bright blob, so every stretch draws differently,
    # and values no two pixels share (x + 1000 y, plus the blob).
    y, x = np.mgrid[0:700, 0:900]
    data = (x + 1000.0 * y + 5e5 * np.exp(-((x - 450) ** 2 + (y - 350) ** 2) / 5000.0)).astype(np.float32)
    src = tmp_path / "blob.fits"
    write_fits(src, data, -32, extra=[("BUNIT", "'MJy/sr'"), ("OBJECT", "'Blob'")])
    _, last = tus.upload(s, token, src.read_bytes(), {"filename": src.name, "name": "Blob"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status

    r = subprocess.run(["node", str(NODE / "e2e_display.mjs"), s.base, account["user"]["username"],
                        account["password"], d, str(ARTIFACTS)],
                       capture_output=True, text=True, timeout=300, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(report)[:4000])
    assert report["ok"], report
    steps = report["steps"]

    opened = steps["opened"]
    assert opened["stretches"] == ["linear", "log", "sqrt", "squared", "asinh", "sinh", "histeq"]
    assert opened["presets"] == ["", "minmax", "zscale", "90", "95", "98", "99", "99.5", "99.9", "99.95"]
    assert opened["cmaps"] == ["grey", "heat", "cool", "rainbow", "viridis", "inferno"]
    # Nothing chosen yet: the built tiles, and the panel at the build's stretch (99.5 % linear).
    assert opened["built_tiles"] > 0 and opened["live_tiles"] == 0, opened
    assert (opened["stretch"], opened["preset"]) == ("linear", "99.5"), opened
    assert opened["histogram_ink"] > 500, "the histogram is drawn"

    # Zoomed in, the view (centre, field, rotation in the URL) is the same after two changes.
    before, after = steps["view_before"].split(), steps["view_after"].split()
    assert before == after and float(before[2]) < 900, (before, after)
    finite = np.sort(data.ravel().astype(np.float64))
    for step, want in [("log", {"stretch": "log", "cmap": "grey"}),
                       ("viridis", {"stretch": "log", "cmap": "viridis"})]:
        got = steps[step]
        assert got["count"] > 0 and got["changed"], (step, got)
        for url in got["tiles"]:
            assert f"/api/datasets/{d}/v" in url and "/live/" in url, url
            st = settings_of(url)
            assert {k: st[k] for k in want} == want and float(st["lo"]) == finite[0] and float(st["hi"]) == finite[-1], (step, url)
        assert settings_of(got["url"]) == settings_of(got["tiles"][0]), "the page's URL holds the settings"
    assert not steps["log"]["coloured"] and steps["viridis"]["coloured"]
    assert steps["inverted"]["changed"] and all(settings_of(u)["cmap"] == "viridis_r" for u in steps["inverted"]["tiles"])
    dragged = steps["dragged"]
    assert dragged["changed"] and float(dragged["hi"]) < 0.6 * finite[-1], dragged
    assert all(settings_of(u)["hi"] == dragged["hi"] for u in dragged["tiles"]) and dragged["tiles"], dragged
    typed = steps["typed"]
    assert typed["tiles"] and all(settings_of(u)["lo"] == "1000" for u in typed["tiles"]), typed
    assert settings_of(typed["url"])["lo"] == "1000"

    # The value under the pointer is the FITS file's (rows bottom-up there, top-down on screen).
    shown = np.flipud(data)
    v = steps["value"]
    assert float(v["value"]) == float(shown[v["y"], v["x"]]), v
    assert "MJy/sr" in v["text"] and f"FITS {v['x'] + 1}, {700 - v['y']}" in v["text"], v
    t = steps["table"]
    assert t["caption"] == f"Around x {v['x']}, y {v['y']} (MJy/sr)" and len(t["cells"]) == 25, t
    centre = float(t["cells"][12])
    assert abs(centre - float(shown[v["y"], v["x"]])) <= 1e-5 * abs(centre) + 0.01, (t, v)

    # The link: the first tiles of the reopened page are live ones with the same settings.
    link = settings_of(steps["link"])
    re = steps["reopened"]
    assert re["built_tiles"] == 0 and re["first_tiles"], re
    assert all(settings_of(u) == link for u in re["first_tiles"]), re
    assert (re["stretch"], re["cmap"], re["invert"], re["lo"]) == ("log", "viridis", True, "1000") and re["coloured"]

    # The saved default, and the next plain visit opens with it.
    saved = steps["saved"]["display"]
    assert saved == {"stretch": "log", "lo": 1000, "hi": float(link["hi"]), "cmap": "viridis_r"}, saved
    assert all(settings_of(u) == link for u in steps["default_opened"]["first_tiles"]), steps["default_opened"]
    assert steps["a11y"] == [], steps["a11y"]
    assert report["console_errors"] == [], report["console_errors"]
    for name in ["display-01-opened.png", "display-03-viridis.png", "display-05-value-and-table.png"]:
        assert (ARTIFACTS / name).stat().st_size > 10000

"""The viewer on a pyramid still being built (#17 point 2, docs/api.md `building`), in real Chromium
through tests/node/e2e_live.mjs: the written part is drawn before the build completes, no tile past
the frontier is ever asked for (OpenSeadragon never retries a failed tile), the status bar says
"Building · N %", and once published the normal viewer shows the whole pyramid at the same view.
When the build wrote the preview first (`building.preview`), it is drawn under the tiles over the
whole image."""
import io
import json
import math
import pathlib
import re
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import register

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
W, H = 2500, 1500


def bright_png(w, h):
    """Every pixel bright (100-255), so "drawn" and "not drawn" (transparent canvas) differ everywhere."""
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.dstack([100 + x % 156, 100 + y % 156, 100 + (x + y) % 156]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


# The banded image's bottom: one colour over its last 30 %, where a build writes its tiles last.
BOTTOM = (60, 170, 110)


def banded(w, h, fmt):
    """Bright varied pixels above, BOTTOM over the last 30 % of the rows: what the overview draws at
    the bottom can be told from nothing drawn (transparent) and from another part of the image."""
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.dstack([100 + x % 156, 100 + y % 156, 100 + (x + y) % 156]).astype(np.uint8)
    rgb[int(h * 0.7):] = BOTTOM
    buf = io.BytesIO()
    if fmt != "TIFF":
        Image.fromarray(rgb).save(buf, format=fmt)
        return buf.getvalue()
    # Uncompressed strips of one row, so that a row from each block of the preview's rows reads
    # little (ADR 0036: the sampled overview is made when it decodes at most a quarter of the rows;
    # compressed strips are decoded several at a time). PIL's own writer makes one strip of the
    # whole image, which libtiff reads in 8 KB strips, two rows of this width: too many. Its libtiff
    # writer takes `strip_size`.
    from PIL import TiffImagePlugin
    libtiff = TiffImagePlugin.WRITE_LIBTIFF
    TiffImagePlugin.WRITE_LIBTIFF = True
    try:
        Image.fromarray(rgb).save(buf, format=fmt, strip_size=w * 3)
    finally:
        TiffImagePlugin.WRITE_LIBTIFF = libtiff
    return buf.getvalue()


def banded_fits(w, h):
    """A float32 FITS image, varied in its middle rows and one value over its first and last 30 %:
    uniform at the displayed bottom whichever way up the viewer shows FITS rows."""
    from astropy.io import fits
    y, x = np.mgrid[0:h, 0:w]
    data = (1000 + (x % 97) * 10 + (y % 89) * 7).astype(np.float32)
    data[: int(h * 0.3)] = 1500
    data[int(h * 0.7):] = 1500
    buf = io.BytesIO()
    fits.PrimaryHDU(data).writeto(buf)
    return buf.getvalue()


def near(rgba, colour, tolerance=12):
    """An opaque canvas pixel of about `colour` (lossy tiles and the preview's averaging)."""
    return rgba[3] == 255 and all(abs(a - b) <= tolerance for a, b in zip(rgba[:3], colour))


def frontier(rows_done, w, h, tile):
    """tile_rows per Deep Zoom level when the build has read `rows_done` source rows: what one pass
    from the top gives (a level's row is written once the rows under it are), the levels of at most
    one tile only at the end."""
    top = math.ceil(math.log2(max(w, h)))
    rows = []
    for level in range(top + 1):
        scale = 2 ** (top - level)
        lw, lh = math.ceil(w / scale), math.ceil(h / scale)
        rows.append(0 if max(lw, lh) <= tile else min(math.ceil(lh / tile), (rows_done // scale) // tile))
    return rows


def run_live(s, owner, d, mode, plan=None):
    args = ["node", str(ROOT / "tests" / "node" / "e2e_live.mjs"), s.base, owner["user"]["username"],
            owner["password"], d, mode]
    if plan is not None:
        args.append(json.dumps(plan))
    r = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in o, o["error"]
    return o


def test_the_viewer_follows_a_frontier_and_never_asks_past_it(make_server):
    """The page's half alone, with the server's answers rewritten in the browser: a built dataset is
    presented as building through two checkpoints, then as it is. Deterministic: each step waits for
    the page to show the previous one."""
    s = make_server(env={"WEB_ROOT": str(ROOT / "web" / "dist")})
    owner = register(s)
    _, last = tus.upload(s, owner["access_token"], bright_png(W, H), {"filename": "live.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed", status
    record = s.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {owner['access_token']}"}).json()
    tile = record["pyramid"]["tile_size"]
    steps = [{"progress": 43, "tile_rows": frontier(H // 2, W, H, tile)},
             {"progress": 80, "tile_rows": frontier(H * 4 // 5, W, H, tile)}]
    o = run_live(s, owner, d, "routed",
                 {"version": record["pyramid_version"], "dzi": record["urls"]["dzi"], "steps": steps})

    # Tiles were drawn while building, none was asked for past the frontier the page knew of.
    assert o["drawn_while_building"] > 0, o
    assert o["beyond_frontier"] == [], o
    assert o["tile_failures"] == [] and o["load_failed"] == [], o
    # The status bar said the progress, and each frontier came on screen in turn.
    assert o["status_role"] == "status", o
    assert o["texts"][:2] == ["Building · 43 %", "Building · 80 %"], o
    assert o["checkpoints"] == ["1", "2"], o
    # Half the image built: its bottom was not drawn; published, it is, at the view the person had.
    assert o["bottom_before"] is False and o["bottom_after"] is True, o
    assert o["status_gone"] and o["final_panels"], o
    for k in ("x", "y", "fov"):
        assert o["view_before"][k] is not None, o
        assert abs(float(o["view_after"][k]) - float(o["view_before"][k])) <= 1, o
    assert o["axe"] == [], o["axe"]
    assert o["console_errors"] == [], (o["console_errors"], o["http_errors"])


def test_the_preview_draws_the_whole_image_under_the_frontier(make_server):
    """The page's half with `building.preview` (the build wrote the preview first): a built dataset
    presented as building at one frontier, half the image, with its version's preview. The bottom,
    where no tile of any level exists, is drawn in the image's colours from the preview, under the
    tiles; published, the tiles draw the same colour there."""
    s = make_server(env={"WEB_ROOT": str(ROOT / "web" / "dist")})
    owner = register(s)
    _, last = tus.upload(s, owner["access_token"], banded(W, H, "PNG"), {"filename": "overview.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed", status
    record = s.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {owner['access_token']}"}).json()
    version = record["pyramid_version"]
    plan = {"version": version, "dzi": record["urls"]["dzi"], "preview": f"/api/datasets/{d}/v{version}/preview",
            "steps": [{"progress": 43, "tile_rows": frontier(H // 2, W, H, record["pyramid"]["tile_size"])}]}
    o = run_live(s, owner, d, "routed", plan)

    assert o["overviews"] == 1, o
    look = o["overview_bottom"]
    assert look["building"] and look["tile_there"] is False, o
    assert near(look["rgba"], BOTTOM), o
    assert o["bottom_before"] is True, o
    # The frontier's tiles as before: none asked for past it, none failed, the preview neither.
    assert o["beyond_frontier"] == [] and o["tile_failures"] == [] and o["load_failed"] == [], o
    assert o["checkpoints"] == ["1"], o
    # Published: the normal viewer at the view the person had, the tiles' colour where the preview was.
    assert o["status_gone"] and o["final_panels"], o
    assert near(o["colour_after"], BOTTOM), o
    for k in ("x", "y", "fov"):
        assert abs(float(o["view_after"][k]) - float(o["view_before"][k])) <= 1, o
    assert o["axe"] == [], o["axe"]
    assert o["console_errors"] == [], (o["console_errors"], o["http_errors"])


def test_a_failed_build_says_why_and_keeps_what_is_drawn(make_server):
    """The page's half: a build presented as failing after one checkpoint."""
    s = make_server(env={"WEB_ROOT": str(ROOT / "web" / "dist")})
    owner = register(s)
    _, last = tus.upload(s, owner["access_token"], bright_png(W, H), {"filename": "failing.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed", status
    record = s.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {owner['access_token']}"}).json()
    reason = "The image ends before its last row."
    plan = {"version": record["pyramid_version"], "dzi": record["urls"]["dzi"], "failure": reason,
            "steps": [{"progress": 30, "tile_rows": frontier(H // 2, W, H, record["pyramid"]["tile_size"])}]}
    o = run_live(s, owner, d, "routed", plan)
    assert o["failed_text"] == f"Build failed: {reason}", o
    assert o["top_after_failure"] is True, o
    assert o["beyond_frontier"] == [] and o["tile_failures"] == [] and o["load_failed"] == [], o
    assert o["viewers"] == 1, o  # no page reload
    assert o["axe"] == [] and o["axe_failed"] == [], o
    assert o["console_errors"] == [], (o["console_errors"], o["http_errors"])


def test_a_dataset_opened_while_it_builds_shows_its_tiles_then_the_final_pyramid(make_server):
    """Against the server's own build (ADR 0034): slowed to 1.5 s per strip of 256 rows, ten strips,
    the page opened once the first snapshot is announced (signing in and loading the page took about
    5 s of the 13 s left in a run here)."""
    s = make_server(env={"WEB_ROOT": str(ROOT / "web" / "dist"), "WORKERS": "1"})
    owner = register(s)
    token = owner["access_token"]
    assert s.request("POST", "/api/_test/slow-builds?ms=1500").status_code == 204
    _, last = tus.upload(s, token, bright_png(W, 2560), {"filename": "building.png"})
    d = last.headers["X-Dataset-Id"]

    def building():
        b = s.get(f"/api/datasets/{d}/status", headers={"Authorization": f"Bearer {token}"}).json()["building"]
        return b is not None and b["tile_rows"][-1] >= 1

    deadline = time.time() + 120  # a limit for a loaded machine; the wait ends at the condition
    while not building():
        assert time.time() < deadline, "no snapshot was announced while the build ran"
        time.sleep(0.05)
    o = run_live(s, owner, d, "real")

    assert o["drawn_while_building"] > 0, o
    assert o["overviews"] == 0, o  # a PNG build writes no preview first: the tiles alone, as before
    # Not one tile past the frontier asked for: no 404, no tile OpenSeadragon gave up on.
    assert o["tile_failures"] == [] and o["load_failed"] == [], o
    assert o["status_role"] == "status", o
    assert o["texts"] and re.fullmatch(r"Building · \d{1,2} %", o["texts"][0]), o
    assert o["checkpoints"], o
    # Published: the normal viewer, no build status, the whole image drawn, the view kept.
    assert o["status_gone"] and o["final_panels"] and o["bottom_after"] is True, o
    for k in ("x", "y", "fov"):
        assert abs(float(o["view_after"][k]) - float(o["view_before"][k])) <= 1, o
    assert o["axe"] == [], o["axe"]
    assert o["console_errors"] == [], (o["console_errors"], o["http_errors"])


# The FITS case also opens the final viewer's display panel right after the publish: its histogram
# was a 404 while the tile directory's entry still said building (fixed; the HTTP regression test is
# test_tiles_while_building's float case).
@pytest.mark.parametrize("kind", ["tiff", "fits"])
def test_a_source_with_a_cheap_preview_shows_it_at_once_while_it_builds(make_server, kind):
    """Against the server's own build of a source whose preview is cheap (a strip TIFF: sampled
    rows; a float32 FITS: its statistics pass), written before any tile: slowed to 1.5 s per strip
    of 256 rows, ten strips, the page opened once a snapshot names the preview. The image's bottom,
    which the build writes last, is drawn at once in its colours from the preview while no tile of
    any level exists there (the colour the published tiles draw there); then the build completes
    as before."""
    s = make_server(env={"WEB_ROOT": str(ROOT / "web" / "dist"), "WORKERS": "1"})
    owner = register(s)
    token = owner["access_token"]
    assert s.request("POST", "/api/_test/slow-builds?ms=1500").status_code == 204
    source = banded(1000, 2560, "TIFF") if kind == "tiff" else banded_fits(1000, 2560)
    _, last = tus.upload(s, token, source, {"filename": f"overview.{kind}"})
    d = last.headers["X-Dataset-Id"]

    deadline = time.time() + 120  # a limit for a loaded machine; the wait ends at the condition
    seen = []  # the building answers, for the message
    while True:
        r = s.get(f"/api/datasets/{d}/status", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        st = r.json()
        if st["building"] not in seen:
            seen.append(st["building"])
        if (st["building"] or {}).get("preview") is not None:
            break
        assert st["status"] in ("pending", "processing"), f"no snapshot named the preview: {st} {seen}"
        assert time.time() < deadline, f"no snapshot named the preview: {st} {seen}"
        time.sleep(0.1)
    o = run_live(s, owner, d, "real", {"overview": True})

    assert o["overviews"] >= 1, o
    look = o["overview_bottom"]
    assert look["building"], f"the build published before the page could look: {o}"
    assert look["tile_there"] is False and near(look["rgba"], o["colour_after"][:3]), o
    if kind == "tiff":
        assert near(look["rgba"], BOTTOM), o
    assert o["tile_failures"] == [] and o["load_failed"] == [], o
    assert o["texts"] and re.fullmatch(r"Building · \d{1,2} %", o["texts"][0]), o
    # Published: the normal viewer, the whole image drawn by its tiles, the view kept.
    assert o["status_gone"] and o["final_panels"] and o["bottom_after"] is True, o
    for k in ("x", "y", "fov"):
        assert abs(float(o["view_after"][k]) - float(o["view_before"][k])) <= 1, o
    assert o["axe"] == [], o["axe"]
    assert o["console_errors"] == [], (o["console_errors"], o["http_errors"])

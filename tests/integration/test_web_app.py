"""The built web app (web/dist) served by the real binary, driven in headless Chromium: sign up, open
the demo, upload through the page, watch processing, see tiles, lose the session and come back via
/login?redirect=, sign out. Screenshots of each step are kept in test-artifacts/web/."""
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from support.geotiff import UTM33N, geotiff_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web"


@pytest.fixture
def web_server(make_server):
    # Not a silent skip: scripts/test.sh builds the web app before the integration tests.
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    return make_server(env={"WEB_ROOT": str(DIST), "DEMO_DATASET": "true"})


@pytest.mark.browser
def test_the_main_flow_in_a_browser(web_server, tmp_path):
    s = web_server
    s.wait_for_event(lambda e: e.get("event") == "pyramid_published", timeout=60)  # the demo is ready
    # A GeoTIFF: the viewer shows where it lies (EPSG:32633, 10 m pixels) beside the pixel position.
    image = tmp_path / "nebula.tif"
    y, x = np.mgrid[0:1200, 0:1600]
    image.write_bytes(geotiff_bytes(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8), UTM33N,
                                    (10.0, 10.0, 0.0), (0, 0, 0, 500000.0, 4600000.0, 0)))
    out = ARTIFACTS / "main-flow"
    shutil.rmtree(out, ignore_errors=True)  # a failure.png of an earlier run must not be counted
    r = subprocess.run(["node", str(NODE / "e2e_web.mjs"), s.base, str(image), str(out)], capture_output=True,
                       text=True, timeout=240, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert [st["name"] for st in report["steps"]] == ["landing", "signup", "demo-viewer", "upload", "annotate",
                                                      "export-png", "export-image", "compare", "dashboard", "session-lost",
                                                      "back-after-login", "signed-out", "upload-needs-sign-in"]
    assert report["annotation_scripts"] == 0
    assert report["ds9_systems"] == ["Image pixels"], report["ds9_systems"]
    assert report["ds9_text"].startswith("# Region file format: DS9") and "\nimage\n" in report["ds9_text"]
    assert "box(" in report["ds9_text"] and "Orion <script>alert(1)</script>" in report["ds9_text"]
    assert report["injected_img"] == 0, "a hostile dataset name must render as text"
    assert "EPSG:32633, projected" in report["info_text"] and "10 × 10" in report["info_text"], report["info_text"]
    assert "(EPSG:32633)" in report["readout"] and report["readout"].startswith("x "), report["readout"]
    assert report["login_url"].startswith("/login?redirect=%2Fdatasets%2F")
    assert report["upload_login_url"] == "/login?redirect=%2Fupload", report
    assert report["failed_requests"] == [], report
    # The only console errors allowed are the browser's own notes about the 401s of the lost session.
    others = [e for e in report["console_errors"] if "status of 401" not in e]
    assert others == [], others
    assert report["export_png"] and report["export_name"].endswith("-view.png")
    assert report["export_size"] == report["canvas_size"], "the PNG is exactly what the canvas shows"
    z = report["compare_zoom"]
    assert z and abs(z[0] - z[1]) < 1e-6 * max(z) and z[0] > 1, "the right viewer follows the left one's zoom"
    # The whole 1600×1200 upload at 1024 px wide, stitched from its tiles.
    assert report["image_export_size"] == [1024, 768] and report["image_export_name"].endswith("-1024px.png")
    assert len(list(out.glob("*.png"))) == 13


def test_the_app_is_served_with_a_strict_content_security_policy(web_server):
    r = web_server.get("/datasets")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    asset = next((DIST / "assets").glob("index-*.js")).name
    r = web_server.get(f"/assets/{asset}")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.browser
def test_admin_pages_in_a_browser(web_server, tmp_path):
    from support.accounts import register, bearer
    from support.server import run_cli
    s = web_server
    s.wait_for_event(lambda e: e.get("event") == "pyramid_published", timeout=60)
    user = register(s, username="plain_user", password="plain user password")
    run_cli("user", "create", "--email", "chief@example.org", "--username", "chief", "--admin", "--password-stdin",
            env={"DATA_DIR": str(s.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"},
            input="chief admin password\n")
    r = subprocess.run(["node", str(NODE / "e2e_admin.mjs"), s.base, "chief", "chief admin password", "plain_user",
                        "plain user password", str(ARTIFACTS / "admin")], capture_output=True, text=True,
                       timeout=180, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert report["user_sees_admin_link"] == 0 and report["user_kept_out"]
    assert report["users_heading"] == "Users (2)"
    # System health from /api/health and /metrics: the database, the disk, the process.
    system = report["system"]
    for expected in ("Status\nok", "sqlite", "schema v", "free", "Resident memory", "Requests served", "2xx", "DB pool",
                     "1 succeeded"):
        assert expected in system, (expected, system)
    assert report["console_errors"] == [], report["console_errors"]
    # What the page did really happened on the server.
    assert s.request("POST", "/api/auth/login", json={"login": "plain_user",
                                                      "password": "plain user password"}).status_code == 403
    assert s.get("/api/datasets").json()["total"] == 0  # the demo dataset was force-deleted
    assert s.get("/api/auth/me", headers=bearer(user["access_token"])).status_code in (401, 403)


@pytest.mark.browser
def test_accessibility_and_phone_width(web_server):
    """Every page in the dark and the light theme, at 1280 px and at a 375-px phone width: no WCAG 2 A/AA
    violation axe-core rates serious or critical (contrast included), no sideways scrolling, and the
    sign-in form works from the keyboard alone."""
    from support.server import run_cli
    s = web_server
    published = s.wait_for_event(lambda e: e.get("event") == "pyramid_published", timeout=60)
    run_cli("user", "create", "--email", "a11y@example.org", "--username", "a11y", "--admin", "--password-stdin",
            env={"DATA_DIR": str(s.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"},
            input="accessible admin password\n")
    demo = s.get("/api/datasets").json()["items"][0]["id"]
    r = subprocess.run(["node", str(NODE / "e2e_a11y.mjs"), s.base, "a11y", "accessible admin password", demo,
                        str(ARTIFACTS / "a11y")], capture_output=True, text=True, timeout=600, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    # 12 pages (help, viewer, compare, admin, account and composite included), two widths, two themes.
    assert len(report["pages"]) == 48
    assert {p["name"] for p in report["pages"]} >= {"viewer", "compare", "admin", "account", "composite", "help"}
    # The app really was in the theme the browser asked for (the default choice follows the system).
    assert all(p["theme"] == p["scheme"] for p in report["pages"]), [(p["name"], p["scheme"], p["theme"])
                                                                     for p in report["pages"]]
    serious = [f'{p["scheme"]} {p["viewport"]} {p["name"]}: {v["id"]} ({v["help"]}) at {v["nodes"]}'
               for p in report["pages"] for v in p["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], "\n".join(serious)
    overflowing = [(p["viewport"], p["name"], p["overflow"]) for p in report["pages"] if p["overflow"] > 1]
    assert overflowing == [], overflowing
    assert report["console_errors"] == [], report["console_errors"]
    # The form starts focused on its first field; Tab cycles through the page from the skip link on,
    # reaching the login field, the password and the button in that order, each visibly focused.
    assert report["initial_focus"] == "Email or username"
    order = [(k["tag"], k["label"]) for k in report["keyboard"]]
    order = order[order.index(("a", "Skip to content")):]
    at = {k: order.index(k) for k in [("input", "Email or username"), ("input", "Password"), ("button", "Sign in")]}
    assert at[("input", "Email or username")] < at[("input", "Password")] < at[("button", "Sign in")], order
    assert all(k["visible"] for k in report["keyboard"] if k["tag"] in ("a", "input", "button")), report["keyboard"]
    assert report["keyboard_sign_in"]


@pytest.mark.browser
def test_upload_page_pauses_resumes_after_a_reload_and_explains_refusals(web_server, tmp_path):
    """A throttled upload in the browser: pause, resume, reload mid-way and resume from the server's
    offset by choosing the same file again, then the viewer; a text file is stopped from its first bytes
    before anything is sent, and a chosen image shows its format and size."""
    from support.accounts import register
    s = web_server
    register(s, username="uploader", password="uploader password")
    rng = np.random.default_rng(9)
    image = tmp_path / "deep-field.png"
    Image.fromarray(rng.integers(0, 256, (1000, 2000, 3), dtype=np.uint8)).save(image)
    not_image = tmp_path / "notes.png"
    not_image.write_text("these are observing notes, not an image\n" * 20)
    r = subprocess.run(["node", str(NODE / "e2e_upload.mjs"), s.base, "uploader", "uploader password", str(image),
                        str(not_image), str(ARTIFACTS / "upload")], capture_output=True, text=True, timeout=240, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert 15 <= report["paused_at"] < 100 and report["after_pause"] == report["paused_at"], "paused means paused"
    assert report["resumed"] and report["viewer"].startswith("/datasets/")
    assert report["unsupported_message"].startswith("This file is a text file. Accepted: TIFF"), report
    assert report["upload_disabled"] and report["upload_enabled_again"], report
    assert report["sniffed"] == " · PNG · 2,000 × 1,000 px", report
    # Nothing of the text file reached the server.
    assert not [e for e in s.events("upload_created") if e.get("length") == not_image.stat().st_size]
    # One upload, resumed (not restarted): a single upload_created for the image, and it finished.
    created = [e for e in s.events("upload_created") if e.get("length") == image.stat().st_size]
    assert len(created) == 1, created
    assert any(e.get("upload") == created[0]["upload"] for e in s.events("upload_finished"))
    assert report["console_errors"] == [], report["console_errors"]


@pytest.mark.browser
def test_a_long_session_survives_token_expiry_sleep_and_a_three_minute_upload(make_server, tmp_path):
    """#18 point 4. Access tokens live one minute. One tab keeps a private image open in the viewer
    while another uploads a file of two tus chunks over a connection throttled to about three
    minutes. The session is renewed before expiry (every 45 s) while the tabs run; midway their
    renewal timers sleep, so the second chunk meets an expired token: the upload renews the session
    and resumes by itself. It ends without being restarted or losing bytes, the viewer still gets
    tiles of the private image, and nobody is sent to /login."""
    from support.accounts import register
    from support.tus import upload, wait_for_dataset
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST), "ACCESS_TOKEN_EXPIRE_MINUTES": "1"})
    who = register(s, username="stargazer", password="stargazer password")
    rng = np.random.default_rng(18)
    small = tmp_path / "private.png"
    Image.fromarray(rng.integers(0, 256, (1500, 2000, 3), dtype=np.uint8)).save(small)
    _, last = upload(s, who["access_token"], small.read_bytes(), {"filename": "private.png", "name": "Private"})
    private_id = last.headers["X-Dataset-Id"]
    assert wait_for_dataset(s, who["access_token"], private_id)[0]["status"] == "completed"
    # 72 MB: two tus chunks of at most 64 MiB. An uncompressed TIFF, so its size is exactly known.
    big = tmp_path / "long.tif"
    Image.fromarray(rng.integers(0, 256, (4900, 4900, 3), dtype=np.uint8)).save(big)
    size = big.stat().st_size
    assert 64 * 1024 * 1024 < size < 80 * 1024 * 1024
    out = ARTIFACTS / "long-session"
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(["node", str(NODE / "e2e_session.mjs"), s.base, "stargazer", "stargazer password", private_id,
                        str(big), str(size // 180), str(out)],
                       capture_output=True, text=True, timeout=600, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps({k: v for k, v in report.items() if k != "tiles_after_wake"}))
    assert report["ok"], report
    assert report["logins"] == [], report
    assert report["upload_done_at"] - report["upload_started_at"] >= 150, "the upload must outlive the token"
    # Renewed while the tabs ran (every 45 s), each renewal by one tab only (two tabs renewing with the
    # same refresh token would end the session: refresh_token_reused), and all of them accepted.
    assert all(x["status"] == 200 for x in report["refreshes"]), report
    assert len([x for x in report["refreshes"] if x["t"] <= report["asleep"]["at"]]) >= 2, report
    ts = [x["t"] for x in report["refreshes"]]
    assert all(b - a >= 30 for a, b in zip(ts, ts[1:])), ts
    # While asleep the token ran out: the upload's next request got 401, renewed the session and went
    # on. Those are the only 401s.
    expired = report["status_401"]
    assert expired and all(x["path"].startswith("/api/uploads/") for x in expired), report
    assert all(x["t"] > report["asleep"]["at"] for x in expired), report
    assert any(x["t"] >= expired[0]["t"] for x in report["refreshes"]), report
    assert report["tiles_after_wake"] and set(report["tiles_after_wake"]) <= {200, 304}, report["tiles_after_wake"]
    others = [e for e in report["console_errors"] if "status of 401" not in e]
    assert others == [], others
    # One upload, never restarted, every byte once: created once, finished, and the server stored the
    # file whole (the dataset's source is as long as the file).
    created = [e for e in s.events("upload_created") if e.get("length") == size]
    assert len(created) == 1, created
    assert any(e.get("upload") == created[0]["upload"] for e in s.events("upload_finished"))
    token = s.request("POST", "/api/auth/login", json={"login": "stargazer", "password": "stargazer password"}).json()["access_token"]
    d = s.get(f"/api/datasets/{report['uploaded_dataset']}", headers={"Authorization": f"Bearer {token}"})
    assert d.status_code == 200, d.text
    assert d.json()["file_size"] == size, d.json()


@pytest.mark.browser
def test_owner_chooses_stretch_and_cuts_and_reprocesses_in_a_browser(web_server, tmp_path):
    """#18 point 2: a 16-bit image's owner picks asinh with cuts on the dataset page; half-given cuts are
    refused before anything is sent; the new version's progress shows while the current one serves
    tiles; the viewer reopens on the new version, whose stored request has the stretch and cuts."""
    from support.accounts import register
    from support.tus import upload, wait_for_dataset
    s = web_server
    who = register(s, username="observer", password="observer password")
    y, x = np.mgrid[0:1200, 0:1600]
    image = tmp_path / "deep.tif"
    Image.fromarray(((x * 37 + y * 11) % 65536).astype(np.uint16)).save(image)
    _, last = upload(s, who["access_token"], image.read_bytes(), {"filename": "deep.tif", "name": "Deep"})
    dataset_id = last.headers["X-Dataset-Id"]
    assert wait_for_dataset(s, who["access_token"], dataset_id)[0]["status"] == "completed"
    s.request("POST", "/api/_test/slow-builds?ms=500")  # the reprocess lasts long enough to be watched
    out = ARTIFACTS / "stretch"
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(["node", str(NODE / "e2e_stretch.mjs"), s.base, "observer", "observer password", dataset_id,
                        str(out)], capture_output=True, text=True, timeout=240, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(report))
    assert report["ok"], report
    assert report["offered"] == ["linear", "zscale", "log", "sqrt", "asinh"] and report["selected"] == "linear"
    assert report["half_cuts_error"] == "Give both cuts, or neither for automatic ones", report
    assert "the current version is shown meanwhile" in report["progress_text"], report
    assert report["still_building"] in ("pending", "processing"), report
    assert report["tiles_during_build"][:2] == [200, 200], report
    assert report["tiles_during_build"][2].startswith("image/"), report
    assert report["version_after"] != report["version_before"]
    assert report["stretch_after"]["kind"] == "asinh" and report["stretch_after"]["cuts"] == [100, 60000], report
    assert report["form_after"] == "asinh" and report["cuts_after"] == ["100", "60000"], report
    assert report["upload_offers"] == ["", "linear", "zscale", "log", "sqrt", "asinh"], report
    assert report["console_errors"] == [], report["console_errors"]

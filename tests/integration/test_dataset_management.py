"""Owners manage their datasets in the web app (issue 18 point 1), in real Chromium through
tests/node/e2e_manage.mjs: edit from the list (the change shows at once, and a public dataset appears
for guests), no edit or delete for another user, delete from the dataset page after a dialog that
names what is lost; the API confirms each effect."""
import pytest
import json
import pathlib
import subprocess

from PIL import Image

from support import tus
from support.accounts import bearer, register

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_owner_edits_publishes_and_deletes_a_dataset(make_server, tmp_path):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    owner, other = register(s), register(s)
    path = tmp_path / "horsehead.png"
    Image.new("RGB", (600, 400), (40, 80, 120)).save(path)
    _, last = tus.upload(s, owner["access_token"], path.read_bytes(), {"filename": path.name, "name": "Draft"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner["access_token"], d)
    assert status["status"] == "completed", status
    assert s.get(f"/api/datasets/{d}").status_code == 404  # private at first

    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_manage.mjs"), s.base,
                        owner["user"]["username"], owner["password"], other["user"]["username"], other["password"], d],
                       capture_output=True, text=True, timeout=240, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert "Horsehead <b>nebula</b>" in report["after_edit"] and "public" in report["after_edit"], report
    assert "space" in report["after_edit"], report
    assert report["guest_sees"] == "Horsehead <b>nebula</b>", report
    assert report["other_buttons"] == [] and report["other_page_buttons"] == 0, report
    text = report["delete_text"]
    assert "horsehead.png" in text and "tiles" in text and "every annotation" in text, text
    assert "public page and links" in text, text
    assert report["after_delete_url"] == "/datasets", report
    assert s.get(f"/api/datasets/{d}", headers=bearer(owner["access_token"])).status_code == 404
    assert report["console_errors"] == [], report

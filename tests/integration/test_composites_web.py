"""The colour composite form in Chromium (#15 point 5): tests/node/e2e_composite.mjs goes from the dataset
list to the form, picks three FITS datasets (cuts filled in from their zscale), is refused until it confirms
the alignment (one channel has no WCS), follows the build and lands in the viewer, whose information panel
shows the recipe. Screenshots in test-artifacts/web/composite/."""
import pytest
import json
import pathlib
import shutil
import subprocess

from support.accounts import register
from test_composites import band, upload_fits, wcs_cards

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "composite"


def test_composite_form_in_a_browser(make_server, tmp_path):
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"})
    user = register(s)
    token = user["access_token"]
    ids = [upload_fits(s, token, tmp_path, "i.fits", band(1), wcs_cards()),
           upload_fits(s, token, tmp_path, "r.fits", band(2), wcs_cards()),
           upload_fits(s, token, tmp_path, "g.fits", band(3), [])]
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    r = subprocess.run(["node", str(NODE / "e2e_composite.mjs"), s.base, user["user"]["username"], user["password"],
                        *ids, str(ARTIFACTS)], capture_output=True, text=True, timeout=300, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert report["preselected"] == ids[0], report
    # Each channel's cuts started at its stored zscale.
    for i, (lo, hi) in enumerate(report["cuts"]):
        stats = s.get(f"/api/datasets/{ids[i]}/histogram", headers={"Authorization": f"Bearer {token}"}).json()
        assert [float(lo), float(hi)] == stats["zscale"], (i, lo, hi, stats["zscale"])
    assert "confirm" in report["refusal"] and "blue (g)" in report["refusal"], report["refusal"]
    d = report["url"].rsplit("/", 1)[1]
    made = s.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {token}"}).json()
    assert made["name"] == "Orion RGB" and made["status"] == "completed" and made["bands"] == 3
    recipe = made["pyramid"]["composite"]
    assert [c["dataset_id"] for c in recipe["channels"]] == ids
    assert [c["weight"] for c in recipe["channels"]] == [1, 1.5, 1]
    assert recipe["channels"][2]["stretch"] == "asinh" and recipe["aligned_by"] == "confirmation"
    info = report["info"]
    assert "i (v1): linear" in info and "weight 1.5" in info and "owner's confirmation" in info, info
    assert (ARTIFACTS / "composite-viewer.png").stat().st_size > 0
    # The browser logs the one refused request (422) it was asked to make; nothing else.
    assert [e for e in report["console_errors"] if "status of 422" not in e] == [], report
    assert len(report["console_errors"]) <= 1, report

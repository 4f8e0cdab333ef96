"""Links for other viewers (ADR 0038, #16) end to end in Chromium: the owner of two private datasets makes
their links in our web app ("Link for other viewers" in the IIIF and HiPS boxes, tests/node/e2e_viewer_links.mjs),
and the URLs read from the page open them in viewers on another origin that send no credentials: Mirador,
unmodified (tests/node/e2e_mirador.mjs), paints the image and lists its annotations; Aladin Lite
(tests/node/e2e_aladin.mjs) draws a FITS star field's HiPS with the stars at their sky positions. After
"Revoke all links" in the web app, the same URLs answer 404: Mirador shows its error and asks for no image,
Aladin draws nothing of ours. The HTTP behaviour of links is test_viewer_links.py."""
import json
import pathlib
import subprocess

import numpy as np
import pytest
import requests
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.hips import hips_of
from support.mirador import assert_painted
from test_hips_aladin import BACKGROUND, STARS, W, H, brightness, star_field
from test_iiif_presentation import NOTES, annotate, two_halves

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "viewer-links"


def node(script, *args, timeout=240):
    r = subprocess.run(["node", str(NODE / script), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    print(script, args[:2], json.dumps({k: v for k, v in report.items() if k != "requests"}))
    return report


def upload(s, token, data, filename):
    _, last = tus.upload(s, token, data, {"filename": filename})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    assert status["status"] == "completed", status
    return d


def in_web_app(s, owner, command, dataset, box, *more):
    """The owner, signed in to our web app, uses the "Link for other viewers" control in the dataset's box."""
    report = node("e2e_viewer_links.mjs", command, s.base, owner["user"]["username"], owner["password"], dataset, box,
                  *more)
    assert "error" not in report, report
    assert report["page_errors"] == [], report
    return report


def links_from_the_page(s, owner, dataset, box, days):
    """Makes the dataset's links in the web app; the URLs the page offers to copy, by box."""
    report = in_web_app(s, owner, "create", dataset, box, days, ARTIFACTS / f"control-{box}.png")
    assert report["before"] == {"iiif": None, "hips": None}, report
    assert report["warning"] == ("Whoever has the link can see this image, without signing in, until the link "
                                 "expires or you revoke all links."), report
    assert report["status"].startswith("Link made. It expires on "), report
    assert report["copy_status"] == "Copied" and report["clipboard"] == report["links"][box], report
    assert report["axe"] == [], report
    return report


def mirador(manifest, shot):
    shot.unlink(missing_ok=True)
    return node("e2e_mirador.mjs", manifest, shot, timeout=180)


def aladin(hips, shot, spec):
    shot.unlink(missing_ok=True)
    return node("e2e_aladin.mjs", hips, shot, json.dumps(spec))


def test_owner_links_private_images_to_mirador_and_aladin_on_other_sites_then_revokes_them(make_server, tmp_path):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    owner = register(s)
    token = owner["access_token"]
    picture = upload(s, token, two_halves(), "halves.png")
    annotate(s, token, picture)
    sky_file, wcs = star_field(tmp_path)
    sky = upload(s, token, sky_file.read_bytes(), "stars.fits")
    assert (hips_of(s, token, sky) or {}).get("status") == "ready"
    for d in (picture, sky):
        assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["is_public"] is False
    # Private: without a link, a client that carries nothing gets neither.
    assert requests.get(s.url(f"/iiif/3/{picture}/manifest"), timeout=10).status_code == 404
    assert requests.get(s.url(f"/hips/{sky}/properties"), timeout=10).status_code == 404
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # a. The owner makes the links in the web app: in the picture's IIIF box, and in the sky image's HiPS box,
    # where the IIIF box shows the same link's manifest.
    made = links_from_the_page(s, owner, picture, "iiif", 7)
    manifest = made["links"]["iiif"]
    assert made["links"]["hips"] is None, "a picture without a sky position has no HiPS box"
    assert manifest.startswith(s.url(f"/iiif/3/{picture}~")) and manifest.endswith("/manifest"), made
    assert made["focused"] == "IIIF manifest link for other viewers", made
    sky_made = links_from_the_page(s, owner, sky, "hips", 30)
    hips = sky_made["links"]["hips"]
    assert hips.startswith(s.url(f"/hips/{sky}~")), sky_made
    assert sky_made["links"]["iiif"] == s.url(f"/iiif/3/{hips.rsplit('/', 1)[1]}/manifest"), sky_made
    assert sky_made["focused"] == "HiPS link for other viewers", sky_made

    # b. Mirador, unmodified, on another origin opens the private picture from the link: painted, annotated.
    report = mirador(manifest, ARTIFACTS / "mirador-linked.png")
    assert_painted(report, s.base)
    assert report["annotations_panel"] == f"Showing {len(NOTES)} annotations", report
    assert sorted(report["annotation_texts"]) == sorted(n["label"] for n in NOTES), report

    # Aladin Lite on another origin opens the private sky image's HiPS from the link: the stars where their
    # RA/Dec put them, dark sky between them, Aladin's background beyond the image.
    def world(x, y):
        return [float(v) for v in wcs.pixel_to_world_values(x, y)]

    stars = [world(x, y) for x, y in STARS]
    middles = [world((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(STARS, STARS[1:])]
    outside = [world(-80, H / 2)]
    centre = world(W / 2 - 0.5, H / 2 - 0.5)
    spec = {"ra": centre[0], "dec": centre[1], "fov": 0.8, "probes": stars + middles + outside}
    shot = ARTIFACTS / "aladin-linked.png"
    report = aladin(hips, shot, spec)
    assert "error" not in report, report
    assert report["webgl2"] and report["drawn"], report
    assert "/properties" in report["requests"] and any("/Npix" in p for p in report["requests"]), report
    assert all(f.startswith("404 ") and "/Npix" in f for f in report["failed"]), report["failed"]
    img = Image.open(shot)
    probes = report["probes"]
    assert all(p is not None and 3 <= p[0] < 797 and 3 <= p[1] < 597 for p in probes), probes
    at_stars = [brightness(img, *p) for p in probes[:len(stars)]]
    at_middles = [brightness(img, *p) for p in probes[len(stars):-1]]
    beyond = brightness(img, *probes[-1])
    print("stars", at_stars, "middles", at_middles, "beyond", beyond)
    for p in at_stars:
        assert p.mean() > 180, at_stars
    for p in at_middles:
        assert p.mean() < 40 and p[2] < 60, at_middles  # dark sky of ours, not Aladin's blue background
    assert np.allclose(beyond, BACKGROUND, atol=12), beyond
    # East-west: the stars' mirror images about the view's centre line are no stars.
    for x, y in probes[:len(stars)]:
        assert brightness(img, 800 - x, y).mean() < 60, (x, y)

    # c. "Revoke all links" in the web app: every link of the dataset stops at once.
    for d, box in ((picture, "iiif"), (sky, "hips")):
        gone = in_web_app(s, owner, "revoke", d, box)
        assert gone["status"] == ("All links to this image are revoked: viewers on other sites can no longer "
                                  "open it."), gone
        assert gone["focused"] == "Revoke all links", gone
    for url in (manifest, sky_made["links"]["iiif"], f"{hips}/properties"):
        assert requests.get(url, timeout=10).status_code == 404, url

    # Mirador on the same link: the manifest refused (its 404 is a missing dataset's, without CORS headers,
    # so the browser gives Mirador a network error), Mirador's error, no image asked for or painted.
    report = node("e2e_viewer_links.mjs", "mirador-refused", manifest, ARTIFACTS / "mirador-revoked.png")
    assert "error" not in report, report
    assert report["page_origin"] != s.base
    assert report["manifest_status"] is None and report["manifest_failure"], report
    assert "An error occurred" in report["alert"], report
    assert report["image_requests"] == 0, report
    assert report["painted"] is None or report["painted"]["blue"] < 0.001, report  # none of the picture's blue half

    # Aladin on the same link: its properties refused, no tile of ours, the background where the stars were.
    shot = ARTIFACTS / "aladin-revoked.png"
    report = aladin(hips, shot, spec)
    assert "error" not in report, report
    assert [f for f in report["failed"] if f.endswith(" /properties")], report
    assert any(f"HiPS not found at url {hips}" in e for e in report["console_errors"]), report["console_errors"]
    assert not any("/Npix" in p or "/Allsky" in p for p in report["requests"]), report["requests"]
    img = Image.open(shot)
    for p in report["probes"][:len(stars)]:
        assert np.allclose(brightness(img, *p), BACKGROUND, atol=12), p

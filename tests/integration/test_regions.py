"""Sky-anchored regions through the real server: DS9 region export in image, fk5, icrs and galactic
(degrees and sexagesimal) and import back to the same annotations; real region files; lines that
cannot be represented reported; CSV catalogues; the access rules of create; SAOImage DS9 itself
loading an exported file when it can run headless here."""
import io
import math
import re
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "regions"

# 400 × 300 pixels of 0.36″, rotated by 10°, around Orion (FK5 J2000).
W, H = 400, 300
WCS_CARDS = [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", "83.8221"), ("CRVAL2", "-5.3911"),
             ("CRPIX1", "180.5"), ("CRPIX2", "160.5"), ("CD1_1", "-9.84807753E-05"), ("CD1_2", "1.73648178E-05"),
             ("CD2_1", "1.73648178E-05"), ("CD2_2", "9.84807753E-05"), ("RADESYS", "'FK5'"),
             ("EQUINOX", "2000.0")]


def upload(server, token, name, data):
    _, last = tus.upload(server, token, data, {"filename": name, "name": name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] in ("ready", "completed"), status
    return d


# The same field mirrored: east to the right (CD1_1 > 0), as some instruments and software write.
FLIPPED_CARDS = [(k, {"CD1_1": "9.84807753E-05", "CD2_1": "-1.73648178E-05"}.get(k, v)) for k, v in WCS_CARDS]


def fits_dataset(server, owner, tmp_path, cards, name="orion.fits"):
    path = tmp_path / name
    y, x = np.mgrid[0:H, 0:W]
    write_fits(path, (x + y).astype(np.int16), 16, extra=cards)
    return upload(server, owner["access_token"], name, path.read_bytes()), path


@pytest.fixture
def sky_dataset(server, tmp_path):
    owner = register(server)
    d, path = fits_dataset(server, owner, tmp_path, WCS_CARDS)
    return owner, d, path


SHAPES = [
    {"kind": "point", "label": "star", "color": "#ff0000", "geometry": {"x": 100.25, "y": 80.75}},
    {"kind": "circle", "label": "nebula", "color": "#00ff00", "geometry": {"x": 200, "y": 150, "radius": 22.5}},
    {"kind": "rectangle", "label": "field", "color": "#0000ff",
     "geometry": {"x": 250, "y": 40, "width": 60.5, "height": 30.25}},
    {"kind": "polygon", "label": "cloud, west", "color": "#abcdef",
     "geometry": {"points": [[10, 10], [60, 15], [30, 80], [5, 50]]}},
]


def close(a, b, tol):
    if a["kind"] != b["kind"]:
        return False
    ga, gb = a["geometry"], b["geometry"]
    if "points" in ga:
        return len(ga["points"]) == len(gb["points"]) and all(
            abs(p - q) < tol for pa, pb in zip(ga["points"], gb["points"]) for p, q in zip(pa, pb))
    return ga.keys() == gb.keys() and all(abs(ga[k] - gb[k]) < tol for k in ga)


def annotations(server, token, d):
    return server.get(f"/api/datasets/{d}/annotations", headers=bearer(token)).json()["items"]


def clear(server, token, d):
    for a in annotations(server, token, d):
        assert server.request("DELETE", f"/api/datasets/{d}/annotations/{a['id']}",
                              headers=bearer(token)).status_code == 204


def test_export_then_import_gives_the_same_annotations_in_every_system(server, sky_dataset):
    owner, d, _ = sky_dataset
    own = bearer(owner["access_token"])
    for shape in SHAPES:
        assert server.request("POST", f"/api/datasets/{d}/annotations", headers=own, json=shape).status_code == 201
    originals = annotations(server, owner["access_token"], d)
    for system in ("image", "fk5", "icrs", "galactic"):
        for sexagesimal in ("false", "true"):
            r = server.get(f"/api/datasets/{d}/annotations/export?format=ds9&system={system}"
                           f"&sexagesimal={sexagesimal}", headers=own)
            assert r.status_code == 200, r.text
            text = r.text
            assert f"\n{system}\n" in text
            if system != "image" and sexagesimal == "true":
                assert ":" in text.split(f"\n{system}\n")[1].splitlines()[0]
            clear(server, owner["access_token"], d)
            r = server.request("POST", f"/api/datasets/{d}/annotations/import", headers={
                **own, "Content-Type": "text/plain"}, data=text.encode())
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["created"] == 4 and body["skipped"] == [], (system, sexagesimal, body)
            back = sorted(annotations(server, owner["access_token"], d), key=lambda a: a["label"])
            want = sorted(originals, key=lambda a: a["label"])
            for a, b in zip(back, want):
                assert (a["label"], a["color"]) == (b["label"], b["color"])
                assert close(a, b, 1e-3), (system, sexagesimal, a, b, text)


def test_import_reports_what_it_cannot_represent(server, sky_dataset):
    owner, d, _ = sky_dataset
    text = ("# Region file format: DS9 version 4.1\n"
            "global color=cyan\n"
            "fk5\n"
            "circle(5:35:17.3,-5:23:28,3\") # text={M42 core}\n"
            "ellipse(83.82,-5.39,4\",2\",30) # color=red\n"
            "annulus(83.82,-5.39,1\",2\")\n"
            "line(83.82,-5.39,83.821,-5.391)\n"
            "circle(10,10,1\")\n"
            "image; box(20,20,10,6,0); point(30,30) # point=x text={x}\n"
            "frobnicate(1,2)\n")
    r = server.request("POST", f"/api/datasets/{d}/annotations/import",
                       headers={**bearer(owner["access_token"]), "Content-Type": "text/plain"}, data=text.encode())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 4
    skipped = {s["line"]: s for s in body["skipped"]}
    assert sorted(skipped) == [6, 7, 8, 10]
    assert "annulus" in skipped[6]["reason"]
    assert "line" in skipped[7]["reason"]
    assert "outside the image" in skipped[8]["reason"] or "no pixel" in skipped[8]["reason"]
    assert skipped[6]["text"].startswith("annulus(")
    assert any("polygon" in n["note"] for n in body["notes"])
    items = {a["label"]: a for a in annotations(server, owner["access_token"], d)}
    assert items["M42 core"]["kind"] == "circle" and items["M42 core"]["color"] == "#00ffff"
    assert abs(items["M42 core"]["geometry"]["radius"] - 3 / 0.36) < 0.01
    assert items["ellipse"]["kind"] == "polygon" and items["ellipse"]["color"] == "#ff0000"
    assert items["box"]["kind"] == "rectangle"
    assert items["box"]["geometry"] == {"x": 14.5, "y": 277.5, "width": 10, "height": 6}


def test_real_region_files_import_or_report_every_line(server, sky_dataset):
    owner, d, _ = sky_dataset
    own = {**bearer(owner["access_token"]), "Content-Type": "application/octet-stream"}
    files = sorted(FIXTURES.rglob("*.reg"))
    assert len(files) == 56
    for path in files:
        r = server.request("POST", f"/api/datasets/{d}/annotations/import", headers=own, data=path.read_bytes())
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        for s in body["skipped"]:
            assert s["line"] > 0 and s["reason"], (path, s)
        # Image-coordinate files land on this 400 × 300 image in part; sky ones (elsewhere on the
        # sky) are reported as outside it, line by line.
        assert body["created"] + len(body["skipped"]) > 0, path


def test_sky_export_needs_a_celestial_wcs_and_import_needs_a_writer(server, sky_dataset):
    owner, d, _ = sky_dataset
    buf = io.BytesIO()
    Image.fromarray(np.zeros((50, 60, 3), np.uint8)).save(buf, format="PNG")
    plain = upload(server, owner["access_token"], "plain.png", buf.getvalue())
    own = bearer(owner["access_token"])
    r = server.get(f"/api/datasets/{plain}/annotations/export?format=ds9&system=fk5", headers=own)
    assert r.status_code == 400 and r.json()["code"] == "no_celestial_wcs", r.text
    assert server.get(f"/api/datasets/{plain}/annotations/export?format=ds9&system=image",
                      headers=own).status_code == 200
    r = server.get(f"/api/datasets/{d}/annotations/export?format=ds9&system=mars", headers=own)
    assert r.status_code == 400 and "system" in r.text
    r = server.get(f"/api/datasets/{d}/annotations/export?format=ds9&sexagesimal=maybe", headers=own)
    assert r.status_code == 400
    # Sky regions on an image without a WCS: reported per line, image ones imported.
    r = server.request("POST", f"/api/datasets/{plain}/annotations/import", headers=own,
                       data=b"fk5;circle(83.8,-5.4,3\")\nimage;point(5,5)\n")
    assert r.status_code == 200 and r.json()["created"] == 1
    assert "celestial WCS" in r.json()["skipped"][0]["reason"]
    # Guests may not import; others do not see a private dataset; wrong media types are refused.
    url = f"/api/datasets/{d}/annotations/import"
    assert server.request("POST", url, data=b"image;point(1,1)").status_code == 401
    stranger = register(server)
    assert server.request("POST", url, headers=bearer(stranger["access_token"]),
                          data=b"image;point(1,1)").status_code == 404
    assert server.request("POST", url, headers={**own, "Content-Type": "application/json"},
                          data=b"{}").status_code == 415
    r = server.request("POST", url, headers=own, data=b"image;point(1,1)\n" * (2 * 1024 * 1024 // 16 + 10))
    assert r.status_code == 413
    r = server.request("POST", url, headers=own, data=b"\x00\x01binary")
    assert r.status_code == 400 and r.json()["code"] == "not_a_region_file"


def test_csv_catalogue_round_trip(server, sky_dataset):
    owner, d, _ = sky_dataset
    own = bearer(owner["access_token"])
    for shape in SHAPES[:1] + [{**SHAPES[0], "label": "=2+3", "geometry": {"x": 300.5, "y": 222.25}}]:
        server.request("POST", f"/api/datasets/{d}/annotations", headers=own, json=shape)
    originals = annotations(server, owner["access_token"], d)
    for system, sexagesimal in (("image", "false"), ("fk5", "false"), ("fk5", "true"), ("galactic", "true")):
        r = server.get(f"/api/datasets/{d}/annotations/export?format=catalog&system={system}"
                       f"&sexagesimal={sexagesimal}", headers=own)
        assert r.status_code == 200, r.text
        header = r.text.splitlines()[0]
        assert header == {"image": "label,x,y,color", "fk5": "label,ra,dec,color",
                          "galactic": "label,glon,glat,color"}[system]
        clear(server, owner["access_token"], d)
        r = server.request("POST", f"/api/datasets/{d}/annotations/import?format=csv&system={system}",
                           headers={**own, "Content-Type": "text/csv"}, data=r.text.encode())
        assert r.status_code == 200 and r.json()["created"] == 2, r.text
        back = sorted(annotations(server, owner["access_token"], d), key=lambda a: a["geometry"]["x"])
        for a, b in zip(back, sorted(originals, key=lambda a: a["geometry"]["x"])):
            assert close(a, b, 1e-3), (system, a, b)
    r = server.request("POST", f"/api/datasets/{d}/annotations/import?format=csv",
                       headers={**own, "Content-Type": "text/csv"}, data=b"foo,bar\n1,2\n")
    assert r.status_code == 400 and r.json()["code"] == "bad_catalogue"


def ds9_binary():
    return shutil.which("ds9") and shutil.which("xvfb-run")


@pytest.mark.parametrize("cards", [WCS_CARDS, FLIPPED_CARDS], ids=["east-left", "east-right"])
def test_ds9_itself_loads_an_exported_file(server, tmp_path, cards):
    assert ds9_binary(), "SAOImage DS9 and xvfb-run are installed by scripts/install-deps.sh (saods9, xvfb, xauth)"
    owner = register(server)
    d, fits = fits_dataset(server, owner, tmp_path, cards)
    own = bearer(owner["access_token"])
    for system in ("fk5", "galactic", "image"):
        clear(server, owner["access_token"], d)
        for shape in SHAPES:
            assert server.request("POST", f"/api/datasets/{d}/annotations", headers=own,
                                  json=shape).status_code == 201
        exported = tmp_path / f"{system}.reg"
        exported.write_text(server.get(f"/api/datasets/{d}/annotations/export?format=ds9&system={system}"
                                       "&sexagesimal=true", headers=own).text)
        saved = tmp_path / f"{system}-ds9.reg"
        # DS9 loads our file onto the image, then saves its regions in image coordinates.
        subprocess.run(["xvfb-run", "-a", "ds9", str(fits), "-regions", "load", str(exported), "-regions",
                        "system", "image", "-regions", "save", str(saved), "-exit"],
                       check=True, timeout=120, capture_output=True)
        text = saved.read_text()
        assert text.count("\n") >= 4, text
        clear(server, owner["access_token"], d)
        r = server.request("POST", f"/api/datasets/{d}/annotations/import", headers=own, data=text.encode())
        assert r.status_code == 200 and r.json()["created"] == 4, (system, r.text, text)
        back = sorted(annotations(server, owner["access_token"], d), key=lambda a: a["label"])
        for a, b in zip(back, sorted(SHAPES, key=lambda a: a["label"])):
            assert a["label"] == b["label"]
            assert close(a, b, 0.05), (system, a, b, text)


@pytest.mark.browser
def test_viewer_imports_a_region_file_and_exports_sky_regions(make_server, tmp_path):
    """The panel in real Chromium (tests/node/e2e_regions.mjs): a file picked, imported, every skipped
    line shown with its reason, the shapes listed; the FK5 sexagesimal export downloaded is what the
    API gives for the same parameters."""
    root = pathlib.Path(__file__).resolve().parents[2]
    dist = root / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    server = make_server(env={"WEB_ROOT": str(dist)})
    owner = register(server)
    d, _ = fits_dataset(server, owner, tmp_path, WCS_CARDS)
    region = tmp_path / "orion.reg"
    region.write_text("# Region file format: DS9 version 4.1\nfk5\n"
                      "circle(5:35:17.3,-5:23:28,3\") # text={M42 <b>core</b>}\n"
                      "box(83.823,-5.392,5\",3\",0) # text={field}\n"
                      "annulus(83.82,-5.39,1\",2\")\n")
    out = tmp_path / "export.reg"
    r = subprocess.run(["node", str(root / "tests" / "node" / "e2e_regions.mjs"), server.base,
                        owner["user"]["username"], owner["password"], d, str(region), str(out)],
                       capture_output=True, text=True, timeout=180, cwd=root / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    # The box is rotated against the image's axes by the WCS's 10°: imported as a polygon, noted.
    assert report["summary"] == "Imported 2 regions. 1 skipped (listed below). 1 imported approximately.", report
    assert len(report["notes"]) == 1 and report["notes"][0].startswith("4: box("), report
    assert len(report["skipped"]) == 1 and report["skipped"][0].startswith("5: annulus("), report
    assert "annulus" in report["skipped"][0].split(" — ", 1)[1], report
    assert report["items"] == 2, report
    # The list gives each shape's centre on the sky, through the browser's own WCS: the circle's is
    # where the file put it (5:35:17.3, −5:23:28), to well under a pixel (0.36″).
    core = next(t for t in report["sky"] if "M42 <b>core</b>" in t)
    m = re.search(r"FK5 J2000 RA (\d+):(\d+):([\d.]+), Dec −(\d+):(\d+):([\d.]+)", core)
    assert m, core
    ra_s = (int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])) - (5 * 3600 + 35 * 60 + 17.3)
    dec_s = (int(m[4]) * 3600 + int(m[5]) * 60 + float(m[6])) - (5 * 3600 + 23 * 60 + 28)
    assert abs(ra_s * 15 * math.cos(math.radians(5.39))) < 0.1 and abs(dec_s) < 0.1, core
    assert report["export_options"] == ["Image pixels", "ICRS", "FK5 (J2000)", "Galactic"], report
    assert report["download_name"] == f"annotations-{d[:8]}.reg", report
    want = server.get(f"/api/datasets/{d}/annotations/export?format=ds9&system=fk5&sexagesimal=true",
                      headers=bearer(owner["access_token"]))
    assert want.status_code == 200
    assert out.read_text() == want.text
    assert "text={M42 <b>core</b>}" in want.text and "5:35:17." in want.text
    assert report["console_errors"] == [], report

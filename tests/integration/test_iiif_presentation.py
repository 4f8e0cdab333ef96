"""IIIF Presentation API 3.0 (#16 point 2, ADR 0025): a manifest per visible dataset and a collection of
public ones, checked over HTTP against the spec's shape, and opened by Mirador (npm `mirador`, unmodified)
in real Chromium from another origin (tests/node/e2e_mirador.mjs): the image painted, the annotations
listed in its annotations panel."""
import pytest
import io
import json
import pathlib
import subprocess
from urllib.parse import quote

import numpy as np
import requests
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits
from support.mirador import assert_painted

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROFILE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
NAME = 'Andromeda "M 31" ☄ 銀河 \\ /'
DESCRIPTION = "<script>alert(1)</script>"
NOTES = [
    {"kind": "rectangle", "label": "Core \"bright\" region", "color": "#ff8800",
     "geometry": {"x": 100.5, "y": 50, "width": 200, "height": 120}},
    {"kind": "point", "label": "Supernova ☄", "geometry": {"x": 900, "y": 600}},
    {"kind": "circle", "label": "Ring < 2 arcmin", "geometry": {"x": 600, "y": 400, "radius": 80}},
    {"kind": "polygon", "label": "Dust lane", "color": "#00ff00",
     "geometry": {"points": [[10, 10], [300, 40], [150, 300]]}},
]


def two_halves(w=1200, h=800):
    """Red left half, blue right half: colours no part of Mirador's own interface has."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:, : w // 2] = (220, 30, 30)
    a[:, w // 2:] = (30, 30, 220)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


def upload(s, token, data, **meta):
    _, last = tus.upload(s, token, data, {"filename": "img.png", **meta})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status
    return d


def annotate(s, token, d, notes=NOTES):
    for note in notes:
        r = s.request("POST", f"/api/datasets/{d}/annotations", headers=bearer(token), json=note)
        assert r.status_code == 201, r.text


def make_public(s, token, d):
    r = s.request("PUT", f"/api/datasets/{d}", headers=bearer(token), json={"is_public": True})
    assert r.status_code == 200, r.text


def test_manifest_follows_presentation_3(make_server):
    s = make_server()
    owner = register(s)
    token = owner["access_token"]
    d = upload(s, token, two_halves(), name=NAME, description=DESCRIPTION, visibility="public")
    annotate(s, token, d)
    dataset = s.get(f"/api/datasets/{d}").json()

    url = s.url(f"/iiif/3/{d}/manifest")
    r = requests.get(url, headers={"Origin": "https://mirador.example"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == PROFILE
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    m = r.json()
    assert m["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert (m["id"], m["type"]) == (url, "Manifest")
    # Hostile text stays the text it was: quotes, backslash, non-ASCII; HTML-looking text escaped.
    assert m["label"] == {"none": [NAME]}
    assert m["summary"] == {"none": ["<span>&lt;script&gt;alert(1)&lt;/script&gt;</span>"]}
    meta = {e["label"]["en"][0]: e["value"]["none"][0] for e in m["metadata"]}
    assert meta["Dimensions"] == "1200 × 800 pixels" and meta["Format"] == "PNG", meta
    assert m["partOf"][0]["id"] == s.url("/iiif/3/collection")

    (canvas,) = m["items"]
    assert canvas["type"] == "Canvas"
    assert (canvas["width"], canvas["height"]) == (dataset["width"], dataset["height"]) == (1200, 800)
    (page,) = canvas["items"]
    (painting,) = page["items"]
    assert (page["type"], painting["type"], painting["motivation"]) == ("AnnotationPage", "Annotation", "painting")
    assert painting["target"] == canvas["id"]
    (service,) = painting["body"]["service"]
    assert (service["type"], service["profile"]) == ("ImageService3", "level2")
    # The service resolves to a working image service of the same size, and draws the body and thumbnail.
    info = requests.get(service["id"] + "/info.json", headers={"Origin": "https://mirador.example"}, timeout=10)
    assert info.status_code == 200 and info.json()["id"] == service["id"]
    assert (info.json()["width"], info.json()["height"]) == (1200, 800)
    assert info.headers["Access-Control-Allow-Origin"] == "*"
    for image_url, size in ((painting["body"]["id"], (1200, 800)),
                            (m["thumbnail"][0]["id"], (m["thumbnail"][0]["width"], m["thumbnail"][0]["height"]))):
        img = requests.get(image_url, timeout=30)
        assert img.status_code == 200, image_url
        assert Image.open(io.BytesIO(img.content)).size == size

    # Annotations: W3C Web Annotations, text as TextualBody, shapes as xywh or SVG selectors.
    (notes,) = canvas["annotations"]
    assert notes["type"] == "AnnotationPage"
    items = notes["items"]
    assert [a["body"]["value"] for a in items] == [n["label"] for n in NOTES]
    assert all(a["type"] == "Annotation" and a["motivation"] == "commenting" and a["body"]["type"] == "TextualBody"
               for a in items)
    assert items[0]["target"] == canvas["id"] + "#xywh=100,50,201,120"
    for a in items[1:]:
        assert a["target"]["source"]["id"] == canvas["id"]
        kinds = {sel["type"]: sel["value"] for sel in a["target"]["selector"] if "value" in sel}
        assert kinds["SvgSelector"].startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M")
        assert kinds["FragmentSelector"].startswith("xywh=")
    # The embedded page is also served at its id.
    again = requests.get(notes["id"], timeout=10)
    assert again.status_code == 200 and again.json()["items"] == items

    # Revalidation: same body, same ETag, 304.
    etag = r.headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=10).status_code == 304
    # A change of label changes the manifest.
    multiline = 'Seen from "Kitt Peak"\n\tsecond line, \\ and </script> 🌌'
    r = s.request("PUT", f"/api/datasets/{d}", headers=bearer(token),
                  json={"name": "Renamed", "description": multiline})
    assert r.status_code == 200, r.text
    renamed = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert renamed.status_code == 200 and renamed.json()["label"] == {"none": ["Renamed"]}
    assert renamed.json()["summary"] == {"none": [multiline]}

    # The versioned form names the current version only.
    assert s.get(f"/iiif/3/{d}-v1/manifest").json()["id"] == s.url(f"/iiif/3/{d}-v1/manifest")
    assert s.get(f"/iiif/3/{d}-v2/manifest").status_code == 404


def test_fits_header_values_are_metadata(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    path = tmp_path / "m51.fits"
    y, x = np.mgrid[0:64, 0:96]
    write_fits(path, (x + y).astype(np.float32), -32,
               extra=[("OBJECT", "'M 51'"), ("TELESCOP", "'INT'"), ("INSTRUME", "'WFC'"),
                      ("DATE-OBS", "'2021-03-04T05:06:07'"), ("FILTER", "'Halpha'"), ("EXPTIME", "600.0")])
    d = upload(s, token, path.read_bytes(), filename="m51.fits", name="M51")
    m = s.get(f"/iiif/3/{d}/manifest", headers=bearer(token)).json()
    meta = {e["label"]["en"][0]: e["value"]["none"][0] for e in m["metadata"]}
    assert meta["Format"] == "FITS"
    for key, value in [("OBJECT", "M 51"), ("TELESCOP", "INT"), ("INSTRUME", "WFC"),
                       ("DATE-OBS", "2021-03-04T05:06:07"), ("FILTER", "Halpha"), ("EXPTIME", "600.0")]:
        assert meta.get(key) == value, (key, meta)
    assert m["items"][0]["width"] == 96 and m["items"][0]["height"] == 64


def test_private_manifests_answer_like_missing_ones_and_the_collection_lists_only_public(make_server):
    s = make_server(env={"CORS_ORIGINS": "https://app.example"})
    owner, stranger = register(s), register(s)
    token = owner["access_token"]
    png = two_halves(300, 200)
    public = upload(s, token, png, name="Shown")
    make_public(s, token, public)
    private = upload(s, token, png, name="Hidden")
    annotate(s, token, private, [{"kind": "point", "label": "secret", "geometry": {"x": 10, "y": 10}}])
    missing = "f" * 32

    for path in (f"/iiif/3/{private}/manifest", f"/iiif/3/{private}-v1/manifest", f"/iiif/3/{private}/annotations/1"):
        for headers in ({}, bearer(stranger["access_token"])):
            r = s.get(path, headers={"Origin": "https://evil.example", **headers})
            gone = s.get(path.replace(private, missing), headers={"Origin": "https://evil.example", **headers})
            assert r.status_code == gone.status_code == 404, path
            assert (r.json()["code"], r.json()["message"]) == (gone.json()["code"], gone.json()["message"])
            assert "Access-Control-Allow-Origin" not in r.headers
        # The owner sees it, but it never becomes readable by any origin.
        mine = s.get(path, headers={"Origin": "https://evil.example", **bearer(token)})
        assert mine.status_code == 200, path
        assert "Access-Control-Allow-Origin" not in mine.headers
        assert "private" in mine.headers["Cache-Control"]
    # An allowed origin keeps the credentialed CORS it had (its own origin echoed, never "*").
    app = s.get(f"/iiif/3/{public}/manifest", headers={"Origin": "https://app.example", **bearer(token)})
    assert app.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # The private dataset's image service is closed too.
    assert s.get(f"/iiif/3/{private}-v1/info.json", headers={"Origin": "https://evil.example"}).status_code == 404

    for headers in ({}, bearer(token)):
        r = s.get("/iiif/3/collection", headers=headers)
        assert r.status_code == 200 and r.headers["Content-Type"] == PROFILE
        c = r.json()
        assert c["@context"] == "http://iiif.io/api/presentation/3/context.json"
        assert (c["id"], c["type"]) == (s.url("/iiif/3/collection"), "Collection")
        assert [i["id"] for i in c["items"]] == [s.url(f"/iiif/3/{public}/manifest")]
        assert c["items"][0]["type"] == "Manifest" and c["items"][0]["label"] == {"none": ["Shown"]}
    assert s.get("/iiif/3/collection/1").json()["items"] == c["items"]
    assert s.get("/iiif/3/collection/2").status_code == 404
    assert s.get(f"/iiif/3/{public}/annotations/2").status_code == 404


@pytest.mark.browser
def test_mirador_opens_the_manifest_and_lists_the_annotations(make_server):
    dist = ROOT / "web" / "dist"
    assert (dist / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(dist)})
    token = register(s)["access_token"]
    d = upload(s, token, two_halves(), name=NAME, description="Two halves & a ring")
    annotate(s, token, d)
    make_public(s, token, d)

    shot = ROOT / "test-artifacts" / "web" / "mirador_manifest.png"
    shot.unlink(missing_ok=True)
    manifest = s.url(f"/iiif/3/{d}/manifest")
    r = subprocess.run(["node", str(ROOT / "tests" / "node" / "e2e_mirador.mjs"), manifest, str(shot),
                        s.url(f"/datasets/{d}")],
                       capture_output=True, text=True, timeout=180, cwd=ROOT / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    # Mirador, on another origin than the server, painted the picture.
    assert_painted(report, s.base)
    # The viewer's "Open in IIIF viewer" box gives that manifest, and Mirador's link carries it.
    assert report["viewer_manifest_url"] == manifest, report
    mirador = "https://projectmirador.org/embed/?iiif-content=" + quote(manifest, safe="")
    assert report["viewer_mirador_link"] == mirador, report
    # Mirador's Information panel shows the manifest's label, summary and metadata.
    info = report["information"]
    for text in (NAME, "Two halves & a ring", "Dimensions", "1200 × 800 pixels", "Format", "PNG"):
        assert text in info, (text, info)
    assert report["annotations_panel"] == "Showing 4 annotations", report
    assert sorted(report["annotation_texts"]) == sorted(n["label"] for n in NOTES), report
    # With "Highlight all", Mirador draws the SVG selectors too: more of its overlay, and the polygon in
    # the colour its selector gives.
    assert report["overlay_after"]["drawn"] > report["overlay_before"]["drawn"], report
    assert report["overlay_after"]["green"] > 50, report
    assert shot.exists() and Image.open(shot).size == (1280, 800)


def test_annotations_past_one_page_are_referenced_and_served(make_server):
    s = make_server()
    token = register(s)["access_token"]
    d = upload(s, token, two_halves(300, 200), name="Crowded")
    n = 500 + 7
    regions = "image\n" + "".join(f"point({1 + i % 290},{1 + i // 290}) # text={{star {i}}}\n" for i in range(n))
    r = s.request("POST", f"/api/datasets/{d}/annotations/import",
                  headers={**bearer(token), "Content-Type": "text/plain"}, data=regions.encode())
    assert r.status_code == 200 and r.json()["created"] == n, r.text
    m = s.get(f"/iiif/3/{d}/manifest", headers=bearer(token)).json()
    first, second = m["items"][0]["annotations"]
    assert len(first["items"]) == 500
    # The second page is named, not embedded: a client fetches it at its id.
    assert second == {"id": s.url(f"/iiif/3/{d}/annotations/2"), "type": "AnnotationPage"}
    page = requests.get(second["id"], headers=bearer(token), timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"] == PROFILE
    body = page.json()
    assert body["@context"] == "http://iiif.io/api/presentation/3/context.json" and body["id"] == second["id"]
    labels = [a["body"]["value"] for a in first["items"] + body["items"]]
    assert sorted(labels) == sorted(f"star {i}" for i in range(n))
    assert s.get(f"/iiif/3/{d}/annotations/3", headers=bearer(token)).status_code == 404
    # Private: no page is readable without the owner's credentials.
    assert requests.get(second["id"], timeout=10).status_code == 404


def test_a_large_collection_is_a_collection_of_pages(make_server):
    s = make_server()
    token = register(s)["access_token"]
    # 101 public datasets: one more than a page.
    ids = set()
    for i in range(101):
        buf = io.BytesIO()
        Image.fromarray(np.full((16, 16, 3), i, np.uint8)).save(buf, format="PNG")
        meta = {"filename": f"{i}.png", "name": f"n{i}", "visibility": "public"}
        _, last = tus.upload(s, token, buf.getvalue(), meta)
        ids.add(last.headers["X-Dataset-Id"])
    for d in ids:
        assert tus.wait_for_dataset(s, token, d)[0]["status"] == "completed"
    top = s.get("/iiif/3/collection").json()
    assert [(i["id"], i["type"]) for i in top["items"]] == [
        (s.url("/iiif/3/collection/1"), "Collection"), (s.url("/iiif/3/collection/2"), "Collection")]
    listed = []
    for page in top["items"]:
        c = requests.get(page["id"], timeout=10).json()
        assert (c["id"], c["type"], c["partOf"][0]["id"]) == (page["id"], "Collection", top["id"])
        assert all(i["type"] == "Manifest" for i in c["items"])
        listed += [i["id"] for i in c["items"]]
    assert sorted(listed) == sorted(s.url(f"/iiif/3/{d}/manifest") for d in ids)
    assert s.get("/iiif/3/collection/3").status_code == 404

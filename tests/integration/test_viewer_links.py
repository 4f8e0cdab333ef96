"""Links for other viewers (ADR 0038, #16): the owner of a private dataset makes a link that opens its IIIF
image service, manifest and HiPS in clients on other sites, which send no credentials and keep only a path.
Over HTTP here: what a link grants (those answers, readable by any origin, never kept by shared caches, the
same bytes and ETags as the owner's), what it never grants (the JSON API, writes, another dataset), and how
it stops (revoked, made private again, forged: another expiry, signature or dataset), answering exactly like a missing dataset.
Mirador and Aladin Lite opening such links in Chromium: test_viewer_links_web.py."""
import re
import time
from datetime import datetime, timezone

import numpy as np
import requests
from PIL import Image

from support.accounts import bearer, register
from support.hips import hips_of, sky_image
from support.tus import upload_completed as upload

EVIL = {"Origin": "https://evil.example"}


def make_link(s, token, d, **body):
    r = s.request("POST", f"/api/datasets/{d}/links", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    assert "no-store" in r.headers["Cache-Control"]
    return r.json()


def ident_of(link):
    """The "{id}~{exp}~{sig}" identifier a link's URLs carry."""
    return re.fullmatch(r".*/hips/([^/]+)", link["hips"]).group(1)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def missing_answer(s, path, d):
    """What the same request answers for a dataset that does not exist: what every refused link must answer."""
    r = s.get(path.replace(d, "f" * 32), headers=EVIL)
    assert r.status_code == 404
    return r


def assert_like_missing(s, r, path, d):
    gone = missing_answer(s, path, d)
    assert r.status_code == 404, (path, r.status_code)
    assert (r.json()["code"], r.json()["message"]) == (gone.json()["code"], gone.json()["message"]), path
    assert "Access-Control-Allow-Origin" not in r.headers, path


def test_a_link_opens_a_private_datasets_iiif_and_hips_to_any_client(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    image, _, _ = sky_image(tmp_path)
    d = upload(s, token, image)
    assert hips_of(s, token, d)["status"] == "ready"
    note = {"kind": "point", "label": "Comet ☄", "geometry": {"x": 40, "y": 30}}
    assert s.request("POST", f"/api/datasets/{d}/annotations", headers=bearer(token), json=note).status_code == 201

    before = time.time()
    link = make_link(s, token, d, days=7)
    assert set(link) == {"expires_at", "iiif_manifest", "iiif_image", "hips"}
    expires = datetime.strptime(link["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    assert before + 7 * 86400 - 5 <= expires <= time.time() + 7 * 86400 + 1
    ident = ident_of(link)
    assert re.fullmatch(rf"{d}~\d+~[A-Za-z0-9_-]{{22}}", ident), ident
    assert link["iiif_manifest"] == s.url(f"/iiif/3/{ident}/manifest")
    assert link["iiif_image"] == s.url(f"/iiif/3/{ident}/info.json")
    assert link["hips"] == s.url(f"/hips/{ident}")

    # Without the link the dataset stays closed to a client that carries nothing.
    assert s.get(f"/hips/{d}/properties", headers=EVIL).status_code == 404

    # HiPS: the owner's bytes and ETag, readable by any origin, private to caches; no credentials sent.
    for name in ("properties", "Moc.fits", "Norder3/Allsky.fits"):
        r = requests.get(f"{link['hips']}/{name}", headers=EVIL, timeout=10)
        own = s.get(f"/hips/{d}/{name}", headers=bearer(token))
        assert r.status_code == own.status_code == 200, name
        assert r.content == own.content and r.headers["ETag"] == own.headers["ETag"], name
        assert r.headers["Access-Control-Allow-Origin"] == "*", name
        assert r.headers["Cache-Control"].startswith("private"), name
    # A tile the HiPS does not hold is a 404 the client on another site may read (Aladin asks for them).
    r = requests.get(f"{link['hips']}/Norder8/Dir0/Npix1.fits", headers=EVIL, timeout=10)
    assert r.status_code == 404 and r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.get(f"{link['hips']}.tar", headers={**EVIL, "Range": "bytes=0-511"}, timeout=30)
    assert r.status_code == 206 and r.content[257:262] == b"ustar"

    # IIIF: info.json names a service that keeps the link, so every URL a viewer derives from it works.
    info = requests.get(link["iiif_image"], headers=EVIL, timeout=10)
    assert info.status_code == 200 and info.headers["Access-Control-Allow-Origin"] == "*"
    assert info.headers["Cache-Control"].startswith("private")
    service = info.json()["id"]
    assert service == s.url(f"/iiif/3/{d}-v1~{ident.split('~', 1)[1]}")
    for req in ("full/max/0/default.jpg", "0,0,256,256/256,/0/default.jpg", "10,20,300,200/150,/90/gray.png"):
        r = requests.get(f"{service}/{req}", headers=EVIL, timeout=30)
        own = s.get(f"/iiif/3/{d}-v1/{req}", headers=bearer(token))
        assert r.status_code == own.status_code == 200, (req, r.text[:200])
        assert r.content == own.content and r.headers["ETag"] == own.headers["ETag"], req
        assert r.headers["Access-Control-Allow-Origin"] == "*" and "immutable" in r.headers["Cache-Control"]
        assert r.headers["Cache-Control"].startswith("private"), req
    # The base URI's redirect keeps the link too.
    r = requests.get(service, headers=EVIL, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == path_of(service) + "/info.json"

    # Presentation: the manifest's image service and annotation pages carry the link.
    r = requests.get(link["iiif_manifest"], headers=EVIL, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*" and r.headers["Cache-Control"].startswith("private")
    manifest = r.json()
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    assert body["service"][0]["id"] == service
    for url in (body["id"], manifest["thumbnail"][0]["id"]):
        r = requests.get(url, headers=EVIL, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg", url
    assert "partOf" not in manifest, "a private dataset is in no public collection"
    (notes,) = manifest["items"][0]["annotations"]
    assert [a["body"]["value"] for a in notes["items"]] == ["Comet ☄"]
    page = requests.get(s.url(f"/iiif/3/{ident}/annotations/1"), headers=EVIL, timeout=10)
    assert page.status_code == 200 and page.headers["Access-Control-Allow-Origin"] == "*"
    assert [a["body"]["value"] for a in page.json()["items"]] == ["Comet ☄"]

    # What a link never grants: the JSON API, writes, another version.
    for method, path in (("GET", f"/api/datasets/{ident}"), ("GET", f"/api/datasets/{ident}/annotations"),
                         ("DELETE", f"/api/datasets/{ident}"), ("PUT", f"/api/datasets/{ident}"),
                         ("GET", f"/iiif/3/{d}-v2~{ident.split('~', 1)[1]}/info.json")):
        r = s.request(method, path, headers=EVIL, json={"name": "x"} if method == "PUT" else None)
        assert r.status_code in (401, 404), (method, path, r.status_code)
    assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["name"] != "x"

    # The link is a secret: the server's log never holds it.
    signature = ident.rsplit("~", 1)[1]
    log = s.raw_log()
    assert signature not in log
    assert f"/hips/{d}~…/properties" in log


def test_a_link_stops_when_revoked_made_private_forged_or_moved_to_another_dataset(make_server, tmp_path):
    s = make_server()
    owner, stranger = register(s), register(s)
    token = owner["access_token"]
    image = tmp_path / "small.png"
    Image.fromarray(np.full((200, 300, 3), 90, np.uint8)).save(image)
    d = upload(s, token, image)
    other = upload(s, token, image)

    # Who may make one, and with what.
    assert s.request("POST", f"/api/datasets/{d}/links", json={}).status_code == 401
    r = s.request("POST", f"/api/datasets/{d}/links", headers=bearer(stranger["access_token"]), json={})
    assert r.status_code == 404, "a stranger learns nothing of a private dataset"
    for days in (0, 366, "7", 1.5, -1):
        r = s.request("POST", f"/api/datasets/{d}/links", headers=bearer(token), json={"days": days})
        assert r.status_code == 400 and r.json()["code"] == "validation_error", (days, r.text)
    default = make_link(s, token, d)
    expires = datetime.strptime(default["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(expires.timestamp() - time.time() - 30 * 86400) < 60

    link = make_link(s, token, d)
    ident = ident_of(link)
    _, exp, sig = ident.split("~")
    info = f"/iiif/3/{ident}/info.json"
    assert s.get(info, headers=EVIL).status_code == 200

    # Forged: another expiry, a changed signature character, the signature on another dataset, a link
    # with a missing or extra character: each answers exactly like a dataset that does not exist.
    flipped = ("A" if sig[5] != "A" else "B").join((sig[:5], sig[6:]))
    for forged in (f"{d}~{int(exp) + 86400}~{sig}", f"{d}~{exp}~{flipped}", f"{other}~{exp}~{sig}",
                   f"{d}~{exp}~{sig[:-1]}", f"{d}~{exp}~{sig}x", f"{d}~~{sig}", f"{d}~0~{sig}"):
        path = f"/iiif/3/{forged}/info.json"
        assert_like_missing(s, s.get(path, headers=EVIL), path, forged.split("~")[0])
        path = f"/hips/{forged}/properties"
        assert_like_missing(s, s.get(path, headers=EVIL), path, forged.split("~")[0])
    # The owner's own session does not rescue a forged link: the link alone decides.
    assert s.get(f"/iiif/3/{d}~{exp}~{flipped}/info.json", headers=bearer(token)).status_code == 404

    # Revoked: every link of the dataset stops at once, the other dataset's are untouched.
    other_link = make_link(s, token, other)
    assert s.request("DELETE", f"/api/datasets/{d}/links", headers=bearer(stranger["access_token"])).status_code == 404
    assert s.request("DELETE", f"/api/datasets/{d}/links", headers=bearer(token)).status_code == 204
    for url in (link["iiif_image"], default["iiif_image"], link["iiif_manifest"]):
        assert_like_missing(s, s.get(path_of(url), headers=EVIL), path_of(url), d)
    assert s.get(path_of(other_link["iiif_image"]), headers=EVIL).status_code == 200
    # The owner still sees it, and a new link works.
    assert s.get(f"/iiif/3/{d}/info.json", headers=bearer(token)).status_code == 200
    fresh = make_link(s, token, d)
    assert s.get(path_of(fresh["iiif_image"]), headers=EVIL).status_code == 200

    # Public: the link keeps working (still private to caches); private again: every link stops.
    assert s.request("PUT", f"/api/datasets/{d}", headers=bearer(token), json={"is_public": True}).status_code == 200
    r = s.get(path_of(fresh["iiif_image"]), headers=EVIL)
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("private")
    assert s.get(f"/iiif/3/{d}/info.json", headers=EVIL).headers["Cache-Control"].startswith("public")
    # A stranger may read a public dataset, but not make (or revoke) its links.
    r = s.request("POST", f"/api/datasets/{d}/links", headers=bearer(stranger["access_token"]), json={})
    assert r.status_code == 403, r.text
    assert s.request("PUT", f"/api/datasets/{d}", headers=bearer(token), json={"is_public": False}).status_code == 200
    assert_like_missing(s, s.get(path_of(fresh["iiif_image"]), headers=EVIL), path_of(fresh["iiif_image"]), d)

    # Deleted: gone like any missing dataset.
    assert s.request("DELETE", f"/api/datasets/{other}", headers=bearer(token)).status_code == 204
    r = s.get(path_of(other_link["iiif_image"]), headers=EVIL)
    assert r.status_code == 404


def test_a_link_made_on_one_instance_opens_on_another_and_its_revocation_reaches_it(
        make_server, pg_url, s3_env, tmp_path):
    """Two instances on one PostgreSQL and object store, with the same SECRET_KEY (as every deployment of
    more than one has): a link is checked by whichever instance gets it, and a revocation on one reaches the
    other once its cached entry expires (TILE_CACHE_TTL_MS, here 300 ms), never later."""
    import secrets
    env = {"DATABASE_URL": pg_url, "SECRET_KEY": secrets.token_hex(32), "TILE_CACHE_TTL_MS": "300", **s3_env}
    a = make_server(env={**env, "WORKERS": "1"}, data_dir=tmp_path / "a")
    b = make_server(env={**env, "WORKERS": "0"}, data_dir=tmp_path / "b")
    token = register(a)["access_token"]
    image = tmp_path / "small.png"
    Image.fromarray(np.full((200, 300, 3), 90, np.uint8)).save(image)
    d = upload(a, token, image)
    link = make_link(a, token, d)
    info = path_of(link["iiif_image"])
    r = b.get(info, headers=EVIL)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*", r.text
    assert r.json()["id"].startswith(b.url(f"/iiif/3/{d}-v1~"))

    assert a.request("DELETE", f"/api/datasets/{d}/links", headers=bearer(token)).status_code == 204
    assert a.get(info, headers=EVIL).status_code == 404, "the instance that revoked forgets at once"
    deadline = time.time() + 10  # twice the TTL is the bound; 10 s leaves room for a loaded machine
    while b.get(info, headers=EVIL).status_code == 200:
        assert time.time() < deadline, "instance b still serves a revoked link"
        time.sleep(0.05)
    assert_like_missing(b, b.get(info, headers=EVIL), info, d)

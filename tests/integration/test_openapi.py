"""The OpenAPI 3.1 document (/api/openapi.json) against the server that generates it: every route the
router knows (read through /api/_test/routes, mounted with TEST_ROUTES only) is documented and every
documented operation is routed; the document validates with @apidevtools/swagger-parser; the answers
of a run of typical calls (sign-up, sign-in, datasets, a tus upload of a PNG, annotations, errors)
match their documented status, media type and schema (ajv); and the interactive docs at /api/docs
(Swagger UI) open in Chromium under the server's CSP and list the operations."""
import io
import json
import pathlib
import re
import shutil
import subprocess
import time
import urllib.parse

import pytest
import requests
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.server import run_cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "api-docs"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Values for path parameters when every documented operation is tried once.
SAMPLES = {"id": "0123456789abcdef0123456789abcdef", "fmt": "jpg", "rest": "a/b", "file": "index.html",
           "ident": "0123456789abcdef", "region": "full", "size": "max", "rotation": "0", "quality": "default",
           "format": "jpg", "aid": "0123456789abcdef"}


def operations(doc):
    return {(m, p) for p, item in doc["paths"].items() for m in item if m in METHODS}


def test_every_route_is_documented_and_every_documented_operation_is_routed(server):
    table = server.get("/api/_test/routes").json()
    assert table["undocumented"] == [], "routes without docs (api/openapi.hpp: give their declarations a doc)"
    doc = server.get("/api/openapi.json").json()
    routed = {(r["method"].lower(), r["path"]) for r in table["routes"] if not r["test_only"]}
    test_only = {(r["method"].lower(), r["path"]) for r in table["routes"] if r["test_only"]}
    # The test routes are there (TEST_ROUTES) and left out of the document on purpose.
    assert ("get", "/api/_test/routes") in test_only and not test_only & operations(doc)
    assert all(p.startswith("/api/_test/") for _, p in test_only)
    # HEAD is answered by GET routes; where a protocol calls it (tus), it is an operation of its own.
    heads = {(m, p) for m, p in operations(doc) if m == "head"}
    assert heads == {("head", "/api/uploads/{id}")} and all(("get", p) in routed for _, p in heads)
    documented = operations(doc) - heads
    assert routed == documented, {"undocumented": routed - documented, "not routed": documented - routed}
    assert len(routed) >= 60

    # Each documented operation answers as a route, not as what the server gives unrouted paths: a
    # 404 "No route for ..." under /api/, the web app's page elsewhere (here its placeholder), or 405.
    assert "No route for" in server.get("/api/no/such/route").json()["detail"]
    assert server.get("/iiif-nowhere/x").headers["Content-Type"].startswith("text/html")
    for method, path in sorted(operations(doc)):
        url = re.sub(r"\{([^}]+)\}", lambda m: SAMPLES.get(m.group(1), "1"), path)
        r = requests.request(method.upper(), server.url(url), timeout=30, allow_redirects=False)
        assert r.status_code != 405, (method, url)
        if path.startswith("/api/"):
            routed_404 = r.status_code == 404 and (not r.content or "No route for" in r.json().get("detail", ""))
            assert not routed_404, (method, url, r.text)
        else:
            assert not r.headers.get("Content-Type", "").startswith("text/html"), (method, url)


def test_the_document_validates_with_swagger_parser(server, tmp_path):
    doc = server.get("/api/openapi.json")
    assert doc.status_code == 200 and doc.headers["Content-Type"] == "application/json"
    (tmp_path / "openapi.json").write_text(doc.text)
    r = subprocess.run(["node", str(NODE / "validate_openapi.mjs"), str(tmp_path / "openapi.json")], cwd=NODE,
                       capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["valid"], report["errors"]
    assert r.returncode == 0
    body = doc.json()
    assert body["openapi"] == "3.1.0"
    # The error contract is one schema, referenced by every operation's error answers.
    error = body["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"message", "detail", "code", "request_id"}
    assert "not_found" in error["properties"]["code"]["enum"]
    listing = body["paths"]["/api/datasets"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"q", "limit", "offset", "status", "mine"}
    assert listing["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    tiles = body["paths"]["/api/datasets/{id}/v{version}/image_files/{level}/{col}_{row}.{fmt}"]["get"]
    assert {p["name"]: p["schema"]["type"] for p in tiles["parameters"]} == {
        "id": "string", "version": "integer", "level": "integer", "col": "integer", "row": "integer",
        "fmt": "string"}
    patch = body["paths"]["/api/uploads/{id}"]["patch"]
    assert list(patch["requestBody"]["content"]) == ["application/offset+octet-stream"]
    assert {"bearerAuth": []} in patch["security"]
    assert {"sessionCookie": [], "csrfHeader": []} in patch["security"]
    assert "security" not in body["paths"]["/api/health"]["get"]


class Recorder:
    """Sends requests and keeps each answer as the validator reads it."""

    def __init__(self, server):
        self.server = server
        self.answers = []

    def __call__(self, method, path, expect, **kw):
        r = requests.request(method, self.server.url(path), timeout=30, allow_redirects=False, **kw)
        assert r.status_code == expect, (method, path, r.status_code, r.text[:500])
        ctype = r.headers.get("Content-Type", "")
        body = r.json() if ctype.startswith("application/json") and r.content else None
        self.answers.append({"method": method, "path": urllib.parse.urlsplit(path).path, "status": r.status_code,
                             "content_type": ctype, "body_bytes": len(r.content), "body": body})
        return r


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_answers_of_typical_calls_match_their_documented_schemas(server, tmp_path):
    call = Recorder(server)
    call("GET", "/api/health", 200)
    call("GET", "/api/openapi.json", 200)
    who = register(server)
    call("POST", "/api/auth/register", 201,
         json={"email": "openapi@example.org", "username": "openapi_user", "password": "correct horse battery"})
    signed = call("POST", "/api/auth/login", 200,
                  json={"login": "openapi_user", "password": "correct horse battery"}).json()
    token = signed["access_token"]
    auth = bearer(token)
    call("GET", "/api/auth/me", 200, headers=auth)
    call("GET", "/api/auth/verify", 200, headers=auth)
    call("GET", "/api/auth/me", 401)
    call("GET", "/api/datasets", 200)
    call("GET", "/api/datasets?limit=0", 400)
    call("GET", "/api/datasets/0123456789abcdef0123456789abcdef", 404, headers=auth)
    call("GET", "/api/storage", 200, headers=auth)

    # A small PNG through tus: OPTIONS, creation, two PATCHes, HEAD and GET of the upload.
    data = png_bytes()
    call("OPTIONS", "/api/uploads", 204)
    meta = tus.encode_metadata({"filename": "blue.png", "name": "Blue"})
    created = call("POST", "/api/uploads", 201,
                   headers={**tus.headers(token), "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    location = created.headers["Location"]
    half = len(data) // 2
    octets = {**tus.headers(token), "Content-Type": "application/offset+octet-stream"}
    call("PATCH", location, 204, headers={**octets, "Upload-Offset": "0"}, data=data[:half])
    call("PATCH", location, 409, headers={**octets, "Upload-Offset": "0"}, data=data[:half])
    last = call("PATCH", location, 204, headers={**octets, "Upload-Offset": str(half)}, data=data[half:])
    dataset = last.headers["X-Dataset-Id"]
    call("HEAD", location, 200, headers=tus.headers(token))
    call("GET", location, 200, headers=auth)
    # A PNG whose header is damaged (IHDR of a 0 × 0 image, no valid CRC): refused on its last byte
    # with a 422, in the error contract.
    bad = data[:8] + b"\0\0\0\rIHDR" + b"\0" * 17 + b"\xff" * 100
    created = call("POST", "/api/uploads", 201,
                   headers={**tus.headers(token), "Upload-Length": str(len(bad)), "Upload-Metadata": meta})
    refused = call("PATCH", created.headers["Location"], 422,
                   headers={**octets, "Upload-Offset": "0"}, data=bad)
    assert refused.json()["code"] in ("corrupt_image", "truncated_file"), refused.json()

    deadline = time.time() + 60
    while call("GET", f"/api/datasets/{dataset}/status", 200, headers=auth).json()["status"] != "completed":
        assert time.time() < deadline, "the PNG was not built in 60 s"
        time.sleep(0.3)
    fmt = call("GET", f"/api/datasets/{dataset}", 200, headers=auth).json()["pyramid"]["tile_format"]
    call("GET", f"/api/datasets?mine=true", 200, headers=auth)
    # A colour image's values, one per band (ADR 0031).
    assert call("GET", f"/api/datasets/{dataset}/pixels?x=1&y=1&size=3", 200,
                headers=auth).json()["value"] == [40, 90, 160]
    call("PATCH", f"/api/datasets/{dataset}", 200, headers=auth, json={"description": "A blue square"})
    call("PATCH", f"/api/datasets/{dataset}", 400, headers=auth, json={"visibility": "everyone"})
    call("GET", "/api/stats", 200, headers=auth)
    call("GET", f"/api/datasets/{dataset}/image.dzi", 200, headers=auth)
    call("GET", f"/api/datasets/{dataset}/preview", 200, headers=auth)
    call("GET", f"/api/datasets/{dataset}/image_files/0/0_0.{fmt}", 200, headers=auth)
    call("GET", f"/iiif/3/{dataset}/info.json", 200, headers=auth)
    call("GET", f"/api/datasets/{dataset}/fits-header", 404, headers=auth)

    # Annotations: create, list, change, export, import, delete, and a refused geometry.
    a = call("POST", f"/api/datasets/{dataset}/annotations", 201, headers=auth,
             json={"kind": "rectangle", "label": "box", "geometry": {"x": 10, "y": 10, "width": 40, "height": 30}})
    aid = a.json()["id"]
    call("POST", f"/api/datasets/{dataset}/annotations", 201, headers=auth,
         json={"kind": "polygon", "label": "tri", "color": "#ff0000",
               "geometry": {"points": [[1, 1], [50, 1], [20, 40]]}})
    call("POST", f"/api/datasets/{dataset}/annotations", 400, headers=auth,
         json={"kind": "point", "label": "outside", "geometry": {"x": 5000, "y": 5}})
    call("GET", f"/api/datasets/{dataset}/annotations", 200, headers=auth)
    call("PATCH", f"/api/datasets/{dataset}/annotations/{aid}", 200, headers=auth, json={"label": "renamed"})
    call("GET", f"/api/datasets/{dataset}/annotations/export?format=json", 200, headers=auth)
    call("GET", f"/api/datasets/{dataset}/annotations/export?format=csv", 200, headers=auth)
    call("POST", f"/api/datasets/{dataset}/annotations/import?format=csv", 200,
         headers={**auth, "Content-Type": "text/csv"}, data="x,y,label\n5,5,star\n9999,9999,far\n")
    call("DELETE", f"/api/datasets/{dataset}/annotations/{aid}", 204, headers=auth)
    call("GET", f"/api/datasets/{dataset}/annotations/export?format=ds9", 200, headers=auth)

    # Links for other viewers: made, refused, followed without credentials, revoked.
    link = call("POST", f"/api/datasets/{dataset}/links", 201, headers=auth, json={"days": 2}).json()
    call("POST", f"/api/datasets/{dataset}/links", 400, headers=auth, json={"days": 0})
    call("GET", urllib.parse.urlsplit(link["iiif_image"]).path, 200)
    call("DELETE", f"/api/datasets/{dataset}/links", 204, headers=auth)

    # The small-file path (multipart), and the administration pages.
    call("POST", "/api/datasets/upload", 201, headers=auth, files={"file": ("form.png", data, "image/png")},
         data={"name": "Form", "category": "space"})
    call("GET", "/api/admin/stats", 403, headers=auth)
    run_cli("user", "create", "--email", "boss@example.org", "--username", "boss", "--admin", "--password-stdin",
            env={"DATA_DIR": str(server.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"},
            input="admin password here\n")
    boss = bearer(call("POST", "/api/auth/login", 200,
                       json={"login": "boss", "password": "admin password here"}).json()["access_token"])
    call("GET", "/api/admin/stats", 200, headers=boss)
    users = call("GET", "/api/admin/users?q=openapi", 200, headers=boss).json()["items"]
    call("GET", "/api/admin/datasets", 200, headers=boss)
    call("GET", "/api/admin/activity?limit=5", 200, headers=boss)
    jobs = call("GET", "/api/admin/jobs?kind=build_pyramid&sort=-updated", 200, headers=boss).json()["items"]
    call("POST", f"/api/admin/jobs/{jobs[0]['id']}/retry", 409, headers=boss)  # it succeeded
    call("GET", "/api/admin/datasets?sort=file_size", 400, headers=boss)
    call("GET", f"/api/admin/users/{users[0]['id']}/storage", 200, headers=boss)
    call("PUT", f"/api/admin/users/{users[0]['id']}/storage", 200, headers=boss, json={"quota_bytes": 10 ** 9})
    call("PATCH", f"/api/admin/users/{users[0]['id']}", 200, headers=boss, json={"disabled": False})
    call("GET", "/metrics", 200)
    call("POST", f"/api/datasets/{dataset}/reprocess", 202, headers=auth, json={})
    call("DELETE", f"/api/datasets/{dataset}", 204, headers=auth)
    call("POST", "/api/auth/refresh", 200, json={"refresh_token": who["refresh_token"]})
    call("POST", "/api/auth/logout", 204, headers=auth)

    (tmp_path / "openapi.json").write_text(server.get("/api/openapi.json").text)
    (tmp_path / "answers.json").write_text(json.dumps(call.answers))
    r = subprocess.run(["node", str(NODE / "validate_openapi.mjs"), str(tmp_path / "openapi.json"),
                        str(tmp_path / "answers.json")], cwd=NODE, capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    wrong = [a for a in report["answers"] if not a["ok"]]
    assert wrong == [], wrong
    assert r.returncode == 0
    assert len(report["answers"]) == len(call.answers)
    # Every JSON answer was checked against a schema, errors included.
    json_answers = [a for a in call.answers if a["body"] is not None]
    assert sum(1 for a in report["answers"] if a.get("schema_checked")) == len(json_answers)
    assert {a["status"] for a in call.answers} >= {200, 201, 202, 204, 400, 401, 403, 404, 409, 422}


@pytest.mark.browser
def test_the_interactive_docs_open_in_chromium_under_the_csp(make_server):
    assert (DIST / "api-docs" / "index.html").exists(), "web/dist/api-docs is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST)})
    page = s.get("/api/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.text, "no inline script: the CSP would refuse it"
    assert s.get("/api/docs/no-such-file.js").status_code == 404
    assert s.get("/api/docs/..%2Findex.html").status_code == 404
    out = ARTIFACTS
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(["node", str(NODE / "e2e_api_docs.mjs"), s.base, str(out)], cwd=NODE, capture_output=True,
                       text=True, timeout=180)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert report["console_errors"] == [], report["console_errors"]
    assert report["failed_requests"] == [], report["failed_requests"]
    assert all(u.startswith(s.base) for u in report["requests"]), "nothing from elsewhere (no CDN)"
    assert "GET /api/datasets" in report["operations"]
    doc = s.get("/api/openapi.json").json()
    shown = {tuple(o.split(" ", 1)) for o in report["operations"]}
    assert shown == {(m.upper(), p) for m, p in operations(doc)}
    assert {"q", "limit"} <= {n.split()[0].rstrip("*") for n in report["list_parameters"]}, report["list_parameters"]
    assert {"200", "default"} <= set(report["list_responses"]), report["list_responses"]

"""GET/HEAD /api/datasets/{id}/original (#18 point 6): the uploaded file, streamed from the blob store
(a local directory, or an S3-compatible store by ranged reads) with single byte ranges, 416, ETag
revalidation, a Content-Disposition that survives hostile names, and the tiles' access rules."""
import io
import re
import urllib.parse

import numpy as np
import pytest
import requests
from PIL import Image

from support.accounts import register, bearer
from support import tus


def png_bytes(w=700, h=500, seed=7):
    # Noise does not compress: the file is large enough for several of the server's read chunks.
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(params=["local", "s3"])
def store_server(request, make_server):
    env = request.getfixturevalue("s3_env") if request.param == "s3" else None
    return make_server(env=env)


def uploaded(s, token, data, filename):
    _, last = tus.upload(s, token, data, {"filename": filename}, chunk=400_000)
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=60)
    assert status["status"] == "completed", status
    return d


def test_the_original_with_ranges_etag_and_head(store_server):
    s = store_server
    token = register(s)["access_token"]
    data = png_bytes()
    assert len(data) > 1024 * 1024 + 100  # more than one of the server's chunks from an object store
    d = uploaded(s, token, data, "M31 field.png")
    url = f"/api/datasets/{d}/original"
    h = bearer(token)

    r = s.get(url, headers=h)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Content-Length"] == str(len(data))
    assert r.headers["Content-Disposition"] == 'attachment; filename="M31 field.png"'
    etag = r.headers["ETag"]

    head = s.request("HEAD", url, headers=h)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(data)) and head.headers["ETag"] == etag

    for spec, first, last in [("bytes=0-0", 0, 0), ("bytes=10-99", 10, 99), ("bytes=-50", len(data) - 50, len(data) - 1),
                              (f"bytes={len(data) - 7}-", len(data) - 7, len(data) - 1),
                              (f"bytes=1048570-{len(data) + 1000}", 1048570, len(data) - 1)]:
        r = s.get(url, headers={**h, "Range": spec})
        assert r.status_code == 206, spec
        assert r.content == data[first:last + 1], spec
        assert r.headers["Content-Range"] == f"bytes {first}-{last}/{len(data)}", spec

    r = s.get(url, headers={**h, "Range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(data)}"
    assert r.json()["code"] == "range_not_satisfiable"
    # Several ranges: the whole file, as RFC 9110 allows.
    r = s.get(url, headers={**h, "Range": "bytes=0-1,5-9"})
    assert r.status_code == 200 and r.content == data
    # If-Range with another validator: the whole file.
    r = s.get(url, headers={**h, "Range": "bytes=0-9", "If-Range": '"other"'})
    assert r.status_code == 200 and r.content == data

    r = s.get(url, headers={**h, "If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert s.get(url, headers={**h, "If-None-Match": '"other"'}).status_code == 200


def test_a_private_original_is_404_for_everyone_else(store_server):
    s = store_server
    owner = register(s)["access_token"]
    other = register(s)["access_token"]
    data = png_bytes(120, 80)
    d = uploaded(s, owner, data, "private.png")
    url = f"/api/datasets/{d}/original"
    missing = s.get("/api/datasets/00000000000000000000000000/original", headers=bearer(other))
    for who in (bearer(other), {}):
        r = s.get(url, headers=who)
        assert r.status_code == 404 and r.json()["code"] == missing.json()["code"] == "not_found"
        assert s.request("HEAD", url, headers=who).status_code == 404
    assert s.get(url, headers=bearer(owner)).content == data
    r = s.request("PATCH", f"/api/datasets/{d}", headers=bearer(owner), json={"visibility": "public"})
    assert r.status_code == 200, r.text
    assert s.get(url).content == data
    assert s.get(url, headers=bearer(other)).content == data


def disposition_name(header):
    """The file name a browser takes from the header: filename* when present, else filename."""
    star = re.search(r"filename\*=UTF-8''([^;]+)", header)
    if star:
        return urllib.parse.unquote(star.group(1), encoding="utf-8", errors="strict")
    return re.search(r'filename="([^"]*)"', header).group(1)


def test_hostile_and_non_ascii_names_in_content_disposition(server):
    token = register(server)["access_token"]
    data = png_bytes(64, 64)
    cases = {
        "Orion – NGC 1976 ñ.png": ("Orion _ NGC 1976 _.png", "Orion – NGC 1976 ñ.png"),
        'a"; filename=evil.exe; x=".png': ("a__ filename=evil.exe_ x=_.png", 'a"; filename=evil.exe; x=".png'),
        "..\\..\\etc/passwd.png": ("passwd.png", "passwd.png"),
        "line\r\nSet-Cookie: pwned=1.png": ("line__Set-Cookie: pwned=1.png", "line\r\nSet-Cookie: pwned=1.png"),
    }
    for name, (ascii_name, full_name) in cases.items():
        # The dataset's name is given apart: names refuse control characters, file names are kept.
        _, last = tus.upload(server, token, data, {"filename": name, "name": "hostile"})
        d = last.headers["X-Dataset-Id"]
        r = requests.get(server.url(f"/api/datasets/{d}/original"), headers=bearer(token), timeout=30)
        assert r.status_code == 200, name
        cd = r.headers["Content-Disposition"]
        assert cd.startswith(f'attachment; filename="{ascii_name}"'), cd
        assert "\r" not in cd and "\n" not in cd
        assert disposition_name(cd) == full_name, cd
        assert "pwned" not in r.headers.get("Set-Cookie", "")
        assert r.content == data


@pytest.mark.browser
def test_the_viewer_download_menu_saves_the_original(make_server, tmp_path):
    """tests/node/e2e_download.mjs: the owner of a private dataset takes Download → Original file in
    Chromium; the saved file is the uploaded one, under its uploaded name."""
    import json
    import pathlib
    import subprocess
    root = pathlib.Path(__file__).resolve().parents[2]
    s = make_server(env={"WEB_ROOT": str(root / "web" / "dist")})
    owner = register(s)
    data = png_bytes(300, 200)
    d = uploaded(s, owner["access_token"], data, "Pleiades ñ.png")
    r = subprocess.run(["node", str(root / "tests" / "node" / "e2e_download.mjs"), s.base, owner["user"]["username"],
                        owner["password"], d, str(tmp_path)],
                       capture_output=True, text=True, timeout=240, cwd=root / "tests" / "node")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    assert report["failure"] is None, report
    assert report["suggested"] == "Pleiades ñ.png", report
    assert pathlib.Path(report["path"]).read_bytes() == data
    assert report["console_errors"] == [], report

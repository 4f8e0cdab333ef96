"""FITS through the HTTP API: the HDU list and keywords of a dataset, choosing another HDU or plane at
upload and at reprocess, searching by OBJECT, the headers, and refusals in plain words."""
import re

import numpy as np

from support import tus
from support.accounts import register
from support.fits import write_multi


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def multi_extension(path):
    """Primary header only (OBJECT, TELESCOP), a 3-plane cube 'SCI', a table-less 'ERR' image."""
    cube = np.stack([np.full((20, 30), 10.0 * (k + 1), np.float32) + np.arange(30, dtype=np.float32)
                     for k in range(3)])
    err = np.arange(12 * 16, dtype=np.float32).reshape(12, 16)
    write_multi(path, [
        (None, 8, {"OBJECT": "'NGC 1300'", "TELESCOP": "'HST'", "EXPTIME": "1200.0"}),
        (cube, -32, {"EXTNAME": "'SCI'", "BUNIT": "'ELECTRONS/S'"}),
        (err, -32, {"EXTNAME": "'ERR'"}),
    ])


def upload(server, token, path, **meta):
    meta = {"filename": path.name, **{k: str(v) for k, v in meta.items()}}
    _, last = tus.upload(server, token, path.read_bytes(), meta)
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    return d, status


def test_hdus_planes_keywords_and_headers_of_a_fits_dataset(server, tmp_path):
    token = register(server)["access_token"]
    src = tmp_path / "ngc1300.fits"
    multi_extension(src)
    d, status = upload(server, token, src)
    assert status["status"] == "completed", status
    body = server.get(f"/api/datasets/{d}", headers=auth(token)).json()
    fits = body["pyramid"]["fits"]
    # The first HDU holding an image, its first plane; every HDU listed.
    assert fits["hdu"] == 1 and fits["plane"] == 0 and fits["planes"] == 3
    assert [(h["index"], h["kind"], h["extname"], h["axes"], h["displayable"]) for h in fits["hdus"]] == [
        (0, "header_only", "", [], False), (1, "image", "SCI", [30, 20, 3], True),
        (2, "image", "ERR", [16, 12], True)]
    assert fits["hdu_count"] == 3
    # Keywords from the image's header, else the primary's.
    assert fits["keywords"]["OBJECT"] == "NGC 1300" and fits["keywords"]["TELESCOP"] == "HST"
    assert fits["keywords"]["BUNIT"] == "ELECTRONS/S"
    assert "primary_header" not in fits and "image_header" not in fits  # lists stay small

    # The headers, as text, from the published pyramid.
    r = server.get(f"/api/datasets/{d}/fits-header", headers=auth(token))
    assert r.status_code == 200, r.text
    headers = r.json()
    assert headers["hdu"] == 1
    assert re.search(r"^OBJECT  = +'NGC 1300'$", headers["primary_header"], re.M), headers
    assert re.search(r"^EXTNAME = +'SCI'$", headers["image_header"], re.M), headers
    # Another user cannot read a private dataset's headers (404, as for anything not there).
    other = register(server)["access_token"]
    assert server.get(f"/api/datasets/{d}/fits-header", headers=auth(other)).status_code == 404

    # Search by OBJECT (case-insensitive substring), only among what the viewer may see.
    found = server.get("/api/datasets", params={"q": "ngc 13"}, headers=auth(token)).json()
    assert [x["id"] for x in found["items"]] == [d]
    assert server.get("/api/datasets", params={"q": "ngc 13"}, headers=auth(other)).json()["items"] == []

    # Another plane, then another HDU (its plane goes back to 0), each a new version.
    r = server.request("POST", f"/api/datasets/{d}/reprocess", json={"plane": 2}, headers=auth(token))
    assert r.status_code == 202, r.text
    status, _ = tus.wait_for_dataset(server, token, d)
    fits = server.get(f"/api/datasets/{d}", headers=auth(token)).json()["pyramid"]["fits"]
    assert status["status"] == "completed" and fits["hdu"] == 1 and fits["plane"] == 2
    r = server.request("POST", f"/api/datasets/{d}/reprocess", json={"hdu": 2}, headers=auth(token))
    assert r.status_code == 202, r.text
    assert r.json()["stretch"] == {"hdu": 2}
    status, _ = tus.wait_for_dataset(server, token, d)
    body = server.get(f"/api/datasets/{d}", headers=auth(token)).json()
    assert status["status"] == "completed" and body["pyramid"]["fits"]["hdu"] == 2
    # The dataset takes the shown HDU's size (ERR is 16 x 12; the upload's probe saw SCI, 30 x 20).
    assert body["pyramid"]["fits"]["planes"] == 1 and (body["width"], body["height"]) == (16, 12)

    # Choices the HDU list rules out are answered at once, and the dataset keeps its pyramid.
    for choice, field in (({"hdu": 0}, "hdu"), ({"hdu": 3}, "hdu"), ({"hdu": 1, "plane": 3}, "plane"),
                          ({"hdu": -1}, "hdu"), ({"plane": "2"}, "plane")):
        r = server.request("POST", f"/api/datasets/{d}/reprocess", json=choice, headers=auth(token))
        assert r.status_code == 400, (choice, r.text)
        assert r.json()["code"] == "validation_error" and r.json()["field"] == field, (choice, r.text)
    assert server.get(f"/api/datasets/{d}", headers=auth(token)).json()["status"] == "completed"


def test_the_hdu_and_plane_chosen_at_upload(server, tmp_path):
    token = register(server)["access_token"]
    src = tmp_path / "cube.fits"
    multi_extension(src)
    d, status = upload(server, token, src, hdu=1, plane=1)
    assert status["status"] == "completed", status
    fits = server.get(f"/api/datasets/{d}", headers=auth(token)).json()["pyramid"]["fits"]
    assert fits["hdu"] == 1 and fits["plane"] == 1
    # An HDU the file lacks fails the build with the reason in words.
    d, status = upload(server, token, src, hdu=7)
    assert status["status"] == "failed" and status["failure_code"] == "bad_hdu", status
    assert "the file has 3" in status["failure_reason"], status
    # Malformed choices are refused when the upload is created.
    for meta in ({"hdu": "x"}, {"hdu": "-1"}, {"plane": "1e3"}):
        r = tus.create(server, token, 100, {"filename": "a.fits", **meta})
        assert r.status_code == 400 and r.json()["field"] in meta, (meta, r.text)


def test_a_header_without_its_data_is_refused_in_plain_words(server, tmp_path):
    token = register(server)["access_token"]
    src = tmp_path / "dump.fits"
    multi_extension(src)
    cut = src.read_bytes()[:2880 * 3]  # the headers of HDU 0 and 1, none of HDU 1's data
    r = tus.create(server, token, len(cut), {"filename": "dump.fits"})
    assert r.status_code == 201, r.text
    # The upload's last bytes complete it; the probe refuses the file then, saying why.
    r = tus.patch(server, token, r.headers["Location"], 0, cut)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "truncated_file", r.text
    assert "cut short" in r.json()["message"] and "7200 bytes of data" in r.json()["message"], r.text

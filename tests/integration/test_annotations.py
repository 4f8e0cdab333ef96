"""Annotations through the real server: CRUD under the dataset's access policy, validation against
the image, and exports (JSON, CSV, DS9 regions)."""
import io

import numpy as np
import pytest
from PIL import Image

from support.accounts import register, bearer
from support import tus


@pytest.fixture
def dataset(server):
    owner = register(server)
    buf = io.BytesIO()
    Image.fromarray(np.zeros((200, 300, 3), np.uint8)).save(buf, format="PNG")
    _, last = tus.upload(server, owner["access_token"], buf.getvalue(), {"filename": "a.png", "name": "Field"})
    d = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(server, owner["access_token"], d)
    return owner, d


def test_crud_and_policy(server, dataset):
    owner, d = dataset
    url = f"/api/datasets/{d}/annotations"
    own = bearer(owner["access_token"])
    r = server.request("POST", url, headers=own, json={"kind": "circle", "label": "<b>M42</b>", "color": "#ff8800",
                                                        "geometry": {"x": 100, "y": 50, "radius": 12.5}})
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["kind"], a["label"], a["geometry"]) == ("circle", "<b>M42</b>", {"x": 100, "y": 50, "radius": 12.5})
    server.request("POST", url, headers=own, json={"kind": "polygon", "label": "Trapezium",
                                                   "geometry": {"points": [[1, 1], [20, 1], [20, 20]]}})
    items = server.get(url, headers=own).json()
    assert items["total"] == 2 and [x["label"] for x in items["items"]] == ["<b>M42</b>", "Trapezium"]
    assert server.get(url + "?kind=polygon", headers=own).json()["total"] == 1
    assert server.get(url + "?q=m42", headers=own).json()["total"] == 1
    # Private dataset: others and guests see nothing, exactly like a missing dataset.
    stranger = register(server)
    for h in ({}, bearer(stranger["access_token"])):
        assert server.get(url, headers=h).status_code == 404
        assert server.request("POST", url, headers=h, json={"kind": "point", "label": "x",
                                                           "geometry": {"x": 1, "y": 1}}).status_code in (401, 404)
    # Public: everyone reads; a signed-in reader may add their own, but not change the owner's.
    server.request("PUT", f"/api/datasets/{d}", headers=own, json={"is_public": True})
    assert server.get(url).json()["total"] == 2
    theirs = server.request("POST", url, headers=bearer(stranger["access_token"]),
                            json={"kind": "point", "label": "mine", "geometry": {"x": 5, "y": 5}})
    assert theirs.status_code == 201
    assert server.request("PATCH", f"{url}/{a['id']}", headers=bearer(stranger["access_token"]),
                          json={"label": "hijack"}).status_code == 403
    assert server.request("DELETE", f"{url}/{a['id']}").status_code == 401
    # The dataset's owner may change anyone's annotation on it; the author their own.
    r = server.request("PATCH", f"{url}/{theirs.json()['id']}", headers=own, json={"color": "#00ff00"})
    assert r.status_code == 200 and r.json()["color"] == "#00ff00"
    r = server.request("PATCH", f"{url}/{theirs.json()['id']}", headers=bearer(stranger["access_token"]),
                       json={"geometry": {"x": 7, "y": 8}, "label": "moved"})
    assert r.status_code == 200 and r.json()["geometry"] == {"x": 7, "y": 8}
    assert server.request("DELETE", f"{url}/{a['id']}", headers=own).status_code == 204
    assert server.get(url).json()["total"] == 2
    # Deleting the dataset takes its annotations with it.
    server.request("DELETE", f"/api/datasets/{d}", headers=own)
    assert server.get(url, headers=own).status_code == 404


def test_validation(server, dataset):
    owner, d = dataset
    url = f"/api/datasets/{d}/annotations"
    own = bearer(owner["access_token"])
    for body, field in [
        ({"kind": "star", "label": "x", "geometry": {"x": 1, "y": 1}}, "kind"),
        ({"kind": "point", "label": "", "geometry": {"x": 1, "y": 1}}, "label"),
        ({"kind": "point", "geometry": {"x": 1, "y": 1}}, "label"),
        ({"kind": "point", "label": "x", "color": "red", "geometry": {"x": 1, "y": 1}}, "color"),
        ({"kind": "point", "label": "x", "geometry": {"x": 301, "y": 1}}, "geometry"),
        ({"kind": "rectangle", "label": "x", "geometry": {"x": 290, "y": 1, "width": 20, "height": 5}}, "geometry"),
        ({"kind": "polygon", "label": "x", "geometry": {"points": [[1, 1]]}}, "geometry"),
        ({"kind": "point", "label": "x", "geometry": [1, 2]}, "geometry"),
    ]:
        r = server.request("POST", url, headers=own, json=body)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)


def test_exports(server, dataset):
    owner, d = dataset
    url = f"/api/datasets/{d}/annotations"
    own = bearer(owner["access_token"])
    server.request("POST", url, headers=own, json={"kind": "rectangle", "label": "=cmd|' /C calc'!A0",
                                                   "geometry": {"x": 10, "y": 20, "width": 4, "height": 6}})
    j = server.get(url + "/export?format=json", headers=own)
    assert j.headers["Content-Disposition"].startswith("attachment;") and j.json()["annotations"][0]["kind"] == "rectangle"
    csv = server.get(url + "/export?format=csv", headers=own)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert ",\"'=cmd|' /C calc'!A0\"," in csv.text or ",'=cmd|' /C calc'!A0," in csv.text
    ds9 = server.get(url + "/export?format=ds9", headers=own)
    assert ds9.headers["Content-Disposition"].endswith('.reg"')
    assert "box(12.5,177.5,4,6,0)" in ds9.text  # 200 px high image: y flips, 1-based centres
    assert server.get(url + "/export?format=xml", headers=own).status_code == 400
    assert server.get(url + "/export?format=csv").status_code == 404

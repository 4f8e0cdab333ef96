"""Upload metadata `cuts` (#18 point 2): the owner's black and white data values for 16-bit, float and
FITS data, chosen at upload, stored with the stretch the build uses; malformed or inverted cuts are
refused at creation with the field named, before a byte is stored."""
import numpy as np
from PIL import Image

from support.accounts import bearer, register
from support.tus import create, upload, wait_for_dataset


def test_cuts_chosen_at_upload_are_built_with(server, tmp_path):
    token = register(server)["access_token"]
    image = tmp_path / "deep.tif"
    y, x = np.mgrid[0:300, 0:400]
    Image.fromarray(((x * 150 + y) % 65536).astype(np.uint16)).save(image)
    _, last = upload(server, token, image.read_bytes(),
                     {"filename": "deep.tif", "stretch": "asinh", "cuts": "100,60000.5"})
    dataset_id = last.headers["X-Dataset-Id"]
    assert wait_for_dataset(server, token, dataset_id)[0]["status"] == "completed"
    d = server.get(f"/api/datasets/{dataset_id}", headers=bearer(token)).json()
    assert d["stretch"] == {"kind": "asinh", "cuts": [100, 60000.5]}, d["stretch"]
    # Cuts alone: the default stretch between them.
    _, last = upload(server, token, image.read_bytes(), {"filename": "deep.tif", "cuts": "-5,7"})
    d = server.get(f"/api/datasets/{last.headers['X-Dataset-Id']}", headers=bearer(token)).json()
    assert d["stretch"] == {"kind": "linear", "cuts": [-5, 7]}, d["stretch"]


def test_bad_cuts_are_refused_before_anything_is_stored(server):
    token = register(server)["access_token"]
    for cuts, field in [("100", "cuts"), ("a,b", "cuts"), ("1,2,3", "cuts"), ("5,1", "stretch"), ("3,3", "stretch")]:
        r = create(server, token, 1000, {"filename": "x.tif", "cuts": cuts})
        assert r.status_code == 400, (cuts, r.text)
        assert r.json()["code"] == "validation_error" and r.json()["field"] == field, (cuts, r.json())
    assert not [e for e in server.events("upload_created")]

"""STORAGE_URL=s3://…: sources and pyramid packs live as objects in an S3-compatible store (s3rver on
127.0.0.1); the build copies the source to scratch space and uploads the pack; tiles are served with
ranged reads of the pack object; deleting a dataset deletes its objects; nothing stays in scratch."""
import io
import os
import re
import subprocess

import numpy as np
import requests
from PIL import Image

from support.accounts import register, bearer
from support.server import run_cli
from support import tus
from support.s3 import list_objects


def test_upload_build_and_serve_from_an_object_store(make_server, s3_env):
    s = make_server(env=s3_env)
    token = register(s)["access_token"]
    y, x = np.mgrid[0:900, 0:1500]
    img = np.dstack([x * 255 // 1500, y * 255 // 900, (x + y) * 255 // 2400]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    data = buf.getvalue()
    location, last = tus.upload(s, token, data, {"filename": "remote.png"}, chunk=200_000)
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=60)
    assert status["status"] == "completed", status

    # The upload went to the store as it arrived and became the dataset's source; no fragment stays.
    objects = list_objects(s3_env, "")
    assert any(k.endswith(f"uploads/{upload_id}/source") for k in objects), objects
    assert not any("/frag/" in k for k in objects), objects
    assert any(f"pyramids/{d}/" in k and k.endswith(".pack") for k in objects), objects
    # Nothing of the dataset on local disk: no blobs directory, an empty scratch directory.
    assert not (s.data_dir / "blobs").exists() or not any((s.data_dir / "blobs").rglob("*.pack"))
    assert list((s.data_dir / "tmp").glob("*")) == []

    # Tiles by ranged reads: what the tile shows is that part of the source (JPEG-close).
    dzi = s.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token))
    assert dzi.status_code == 200 and 'Width="1500"' in dzi.text
    tile = s.get(f"/api/datasets/{d}/image_files/11/1_0.jpg", headers=bearer(token))
    assert tile.status_code == 200 and tile.headers["Content-Type"] == "image/jpeg"
    decoded = np.asarray(Image.open(io.BytesIO(tile.content)))
    assert decoded.shape == (256, 256, 3)
    assert np.abs(decoded.astype(int) - img[0:256, 256:512].astype(int)).mean() < 3
    assert s.get(f"/api/datasets/{d}/preview", headers=bearer(token)).status_code == 200
    assert s.get(f"/api/datasets/{d}/image_files/11/9_9.jpg", headers=bearer(token)).status_code == 404
    metrics = s.get("/metrics").text
    assert re.search(r"^astropixel_object_store_requests_total \d+", metrics, re.M)
    assert "astropixel_object_store_breaker_open 0" in metrics
    health = s.get("/api/health").json()
    assert health["storage"]["ok"]

    assert s.request("DELETE", f"/api/datasets/{d}", headers=bearer(token)).status_code == 204
    assert list_objects(s3_env, "") == []


def test_object_store_misconfiguration_is_reported(tmp_path, s3_env):
    env = {**s3_env, "DATA_DIR": str(tmp_path)}
    r = run_cli("serve", env={**env, "AWS_SECRET_ACCESS_KEY": ""})
    assert r.returncode == 2 and "AWS_SECRET_ACCESS_KEY" in r.stderr
    r = run_cli("serve", env={**env, "STORAGE_URL": "s3://Bad_Bucket/x"})
    assert r.returncode == 2 and "STORAGE_URL" in r.stderr
    # A bucket that does not exist: start-up fails with exit code 3 and says why.
    r = run_cli("serve", env={**env, "STORAGE_URL": "s3://no-such-bucket/x"}, timeout=60)
    assert r.returncode == 3 and "storage_unavailable" in r.stderr


def read_object(env, key):
    endpoint = env["S3_ENDPOINT_URL"]
    bucket, _, base = env["STORAGE_URL"][5:].partition("/")
    r = requests.get(f"{endpoint}/{bucket}/{base}/{key}", timeout=60)
    assert r.status_code == 200, r.text
    return r.content


def test_uploads_reach_the_store_as_they_arrive_and_resume_on_another_instance(make_server, s3_env, pg_url,
                                                                                 tmp_path):
    import hashlib
    import secrets
    import signal
    # Two instances sharing only PostgreSQL and the object store: each has its own local disk.
    shared = {**s3_env, "DATABASE_URL": pg_url, "SECRET_KEY": secrets.token_hex(32), "S3_PART_SIZE": str(5 << 20)}
    a = make_server(env=shared, data_dir=tmp_path / "a")
    b = make_server(env=shared, data_dir=tmp_path / "b")
    token = register(a)["access_token"]

    rng = np.random.default_rng(7)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (2000, 2200, 3), dtype=np.uint8)).save(buf, format="PNG", compress_level=1)
    data = buf.getvalue()
    assert len(data) > 12 << 20  # three parts: 5 + 5 + the rest
    r = tus.create(a, token, len(data), {"filename": "noise.png"})
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    upload_id = loc.rstrip("/").rsplit("/", 1)[-1]

    # 7 MiB to A in 1 MiB requests: one 5 MiB part is shipped, the rest is in fragments.
    offset, mib = 0, 1 << 20
    while offset < 7 * mib:
        p = tus.patch(a, token, loc, offset, data[offset:offset + mib])
        assert p.status_code == 204, p.text
        offset = int(p.headers["Upload-Offset"])
    assert offset == 7 * mib
    objects = list_objects(s3_env, f"uploads/{upload_id}/")
    assert len([k for k in objects if "/frag/" in k]) == 2, objects
    spools = list((tmp_path / "a" / "uploads").glob("*.spool"))
    assert len(spools) == 1 and spools[0].stat().st_size == 2 * mib

    # A dies without warning. B reports every acknowledged byte and takes the upload to its end.
    a.stop(signal.SIGKILL)
    h = tus.head(b, token, loc)
    assert h.status_code == 200 and int(h.headers["Upload-Offset"]) == 7 * mib
    while offset < len(data):
        p = tus.patch(b, token, loc, offset, data[offset:offset + 3 * mib])
        assert p.status_code == 204, p.text
        assert int(p.headers["Upload-Offset"]) > offset
        offset = int(p.headers["Upload-Offset"])
    assert b.events("upload_spool_rebuilt")[0]["bytes"] == 2 * mib
    d = p.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(b, token, d, timeout=120)
    assert status["status"] == "completed", status

    source = read_object(s3_env, f"uploads/{upload_id}/source")
    assert hashlib.sha256(source).hexdigest() == hashlib.sha256(data).hexdigest()
    assert list_objects(s3_env, f"uploads/{upload_id}/frag/") == []
    assert list((tmp_path / "b" / "uploads").glob("*")) == []

    # A terminated upload leaves nothing in the store: parts, fragments and the multipart session.
    r = tus.create(b, token, len(data), {"filename": "gone.png"})
    loc2 = r.headers["Location"]
    gone = loc2.rstrip("/").rsplit("/", 1)[-1]
    p = tus.patch(b, token, loc2, 0, data[:6 * mib])
    assert p.status_code == 204 and int(p.headers["Upload-Offset"]) == 6 * mib
    assert list_objects(s3_env, f"uploads/{gone}/") != []
    assert b.request("DELETE", loc2, headers=tus.headers(token)).status_code == 204
    assert list_objects(s3_env, f"uploads/{gone}/") == []
    assert list((tmp_path / "b" / "uploads").glob("*")) == []

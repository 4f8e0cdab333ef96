"""The remote tile cache (REMOTE_TILE_CACHE_BYTES, pyramid/tile_cache.hpp): with STORAGE_URL=s3://...
a tile asked again is answered from memory without a GET to the object store (s3rver on 127.0.0.1),
with the same bytes; access is decided before the cache is consulted, so a cached tile of a dataset
that turned private is 404 to a stranger and to a guest; a cache smaller than one tile still answers."""
import io
import re

import numpy as np
from PIL import Image

from support.accounts import register, bearer
from support import tus

TILE = "/image_files/11/1_0.jpg"


def metric(server, name):
    m = re.search(rf"^{name} (\S+)$", server.get("/metrics").text, re.M)
    assert m, f"{name} is not exported"
    return float(m[1])


def counters(server):
    return {k: metric(server, n) for k, n in (("hits", "astropixel_remote_tile_cache_hits_total"),
                                              ("misses", "astropixel_remote_tile_cache_misses_total"),
                                              ("gets", "astropixel_object_store_requests_total"))}


def delta(before, after):
    return {k: after[k] - before[k] for k in before}


def upload_image(s, token):
    y, x = np.mgrid[0:700, 0:1100]
    img = np.dstack([x * 255 // 1100, y * 255 // 700, (x + y) * 255 // 1800]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    _, last = tus.upload(s, token, buf.getvalue(), {"filename": "cached.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=60)
    assert status["status"] == "completed", status
    open_pack(s, token, d)
    return d, img


def open_pack(s, token, d):
    """The descriptor opens the pack (its footer, metadata and index: a few GETs), so that what is
    counted afterwards is tiles only."""
    assert s.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token)).status_code == 200


def test_a_tile_asked_again_comes_from_memory_and_only_to_who_may_see_it(make_server, s3_env):
    s = make_server(env=s3_env)
    owner = register(s)["access_token"]
    stranger = register(s)["access_token"]
    d, img = upload_image(s, owner)
    assert metric(s, "astropixel_remote_tile_cache_max_bytes") == 256 * 2**20, "the default size"

    before = counters(s)
    first = s.get(f"/api/datasets/{d}{TILE}", headers=bearer(owner))
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/jpeg"
    decoded = np.asarray(Image.open(io.BytesIO(first.content)))
    assert np.abs(decoded.astype(int) - img[0:256, 256:512].astype(int)).mean() < 3
    after_first = counters(s)
    assert delta(before, after_first) == {"hits": 0, "misses": 1, "gets": 1}

    second = s.get(f"/api/datasets/{d}{TILE}", headers=bearer(owner))
    assert second.status_code == 200 and second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]
    after_second = counters(s)
    assert delta(after_first, after_second) == {"hits": 1, "misses": 0, "gets": 0}, "no GET for a cached tile"
    assert metric(s, "astropixel_remote_tile_cache_entries") >= 1
    assert metric(s, "astropixel_remote_tile_cache_bytes") >= len(first.content)

    # Private (the default): the cached tile is 404 to a stranger and a guest, like a missing dataset,
    # and nothing is looked up in the cache for them.
    missing = s.get(f"/api/datasets/{'0' * 32}{TILE}", headers=bearer(stranger))
    for headers in (bearer(stranger), {}):
        r = s.get(f"/api/datasets/{d}{TILE}", headers=headers)
        assert r.status_code == 404, r.text
        assert r.json()["code"] == missing.json()["code"]
        assert first.content not in r.content
    assert delta(after_second, counters(s)) == {"hits": 0, "misses": 0, "gets": 0}

    # Public, a guest's request fills the cache with another tile; private again, that tile is 404 to
    # the guest and the stranger, while the owner still has it from memory.
    assert s.request("PATCH", f"/api/datasets/{d}", headers=bearer(owner),
                     json={"visibility": "public"}).status_code == 200
    other = s.get(f"/api/datasets/{d}/image_files/11/0_1.jpg")
    assert other.status_code == 200
    assert s.request("PATCH", f"/api/datasets/{d}", headers=bearer(owner),
                     json={"visibility": "private"}).status_code == 200
    for headers in (bearer(stranger), {}):
        assert s.get(f"/api/datasets/{d}/image_files/11/0_1.jpg", headers=headers).status_code == 404
    before_owner = counters(s)
    again = s.get(f"/api/datasets/{d}/image_files/11/0_1.jpg", headers=bearer(owner))
    assert again.status_code == 200 and again.content == other.content
    assert delta(before_owner, counters(s)) == {"hits": 1, "misses": 0, "gets": 0}

    # A cache smaller than one tile: another instance on the same store and database answers every
    # request correctly, from the store each time, and keeps nothing.
    s.stop()
    tiny = make_server(env={**s3_env, "REMOTE_TILE_CACHE_BYTES": "100"}, data_dir=s.data_dir)
    open_pack(tiny, owner, d)
    before = counters(tiny)
    for _ in range(2):
        r = tiny.get(f"/api/datasets/{d}{TILE}", headers=bearer(owner))
        assert r.status_code == 200 and r.content == first.content
    assert delta(before, counters(tiny)) == {"hits": 0, "misses": 2, "gets": 2}
    assert metric(tiny, "astropixel_remote_tile_cache_entries") == 0
    assert metric(tiny, "astropixel_remote_tile_cache_bytes") == 0


def test_no_cache_when_the_size_is_zero(make_server, s3_env):
    s = make_server(env={**s3_env, "REMOTE_TILE_CACHE_BYTES": "0"})
    assert "astropixel_remote_tile_cache" not in s.get("/metrics").text
    owner = register(s)["access_token"]
    d, _ = upload_image(s, owner)
    gets = metric(s, "astropixel_object_store_requests_total")
    a = s.get(f"/api/datasets/{d}{TILE}", headers=bearer(owner))
    b = s.get(f"/api/datasets/{d}{TILE}", headers=bearer(owner))
    assert a.status_code == b.status_code == 200 and a.content == b.content
    assert metric(s, "astropixel_object_store_requests_total") - gets == 2


def test_the_size_is_validated(tmp_path, s3_env):
    from support.server import run_cli
    r = run_cli("serve", env={**s3_env, "DATA_DIR": str(tmp_path), "REMOTE_TILE_CACHE_BYTES": "lots"})
    assert r.returncode == 2
    assert "REMOTE_TILE_CACHE_BYTES" in r.stderr

"""PostgreSQL's connection pool under the load the scale-out issue names: pool size 8, sixteen
concurrent resumable uploads, a pyramid build holding its own connection, and tile traffic that asks
the database every time (no tile-directory cache). Nothing fails and no acquisition times out."""
import io
import re
import threading

import numpy as np
import requests
from PIL import Image

from support.accounts import register, bearer
from support import tus


def png(w, h, seed):
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_pool_of_eight_under_uploads_a_build_and_tiles(make_server, pg_url):
    s = make_server(env={"DATABASE_URL": pg_url, "DB_POOL_SIZE": "8", "DB_MAX_OVERFLOW": "0",
                         "DB_POOL_TIMEOUT_MS": "5000", "TILE_CACHE_TTL_MS": "0", "SESSION_CACHE_TTL_MS": "0",
                         "RATE_LIMIT_DEFAULT": "0/60"})
    token = register(s)["access_token"]
    # A finished dataset for tile traffic, then a slow build that holds a connection throughout.
    _, last = tus.upload(s, token, png(1200, 900, 1), {"filename": "tiles.png"})
    tiles_id = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(s, token, tiles_id, timeout=60)
    s.request("POST", "/api/_test/slow-builds?ms=1500")  # 6 strips: ~9 s of building
    _, last = tus.upload(s, token, png(1500, 1500, 2), {"filename": "slow.png"})
    slow_id = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(s, token, slow_id, statuses=("processing",), timeout=30)

    errors, done = [], threading.Event()
    data = [png(600, 400, 10 + i) for i in range(16)]

    def uploader(i):
        try:
            r = tus.create(s, token, len(data[i]), {"filename": f"u{i}.png"})
            assert r.status_code == 201, r.text
            loc, offset = r.headers["Location"], 0
            while offset < len(data[i]):
                p = tus.patch(s, token, loc, offset, data[i][offset:offset + 65536])
                assert p.status_code == 204, (p.status_code, p.text)
                offset = int(p.headers["Upload-Offset"])
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(f"upload {i}: {e}")

    def tiles():
        session = requests.Session()
        n = 0
        while not done.is_set():
            r = session.get(s.url(f"/api/datasets/{tiles_id}/image_files/{9 + n % 3}/0_0.jpg"),
                            headers=bearer(token), timeout=10)
            if r.status_code != 200:
                errors.append(f"tile: {r.status_code} {r.text[:200]}")
            n += 1

    tile_threads = [threading.Thread(target=tiles) for _ in range(4)]
    upload_threads = [threading.Thread(target=uploader, args=(i,)) for i in range(16)]
    for t in tile_threads + upload_threads:
        t.start()
    for t in upload_threads:
        t.join(120)
    build_overlapped = s.get(f"/api/datasets/{slow_id}/status", headers=bearer(token)).json()["status"] == "processing"
    done.set()
    for t in tile_threads:
        t.join(30)
    s.request("POST", "/api/_test/slow-builds?ms=0")
    assert errors == [], errors[:5]
    assert build_overlapped, "the build must hold its connection while the uploads run"
    metrics = s.get("/metrics").text
    assert re.search(r"^astropixel_db_pool_timeouts_total 0$", metrics, re.M), metrics
    assert re.search(r"^astropixel_db_pool_size 8$", metrics, re.M)
    status, _ = tus.wait_for_dataset(s, token, slow_id, timeout=120)
    assert status["status"] == "completed", status
    # Every upload became a dataset.
    listing = s.get("/api/datasets?limit=100", headers=bearer(token)).json()
    assert listing["total"] == 18

"""The IIIF renderer's cache of decoded tiles (IIIF_DECODED_TILE_CACHE_BYTES,
tiles/decoded_tile_cache.hpp): another answer drawn from the same JPEG tiles decodes none of them
again (the hit metric moves), and the answers are the bytes a server without the cache gives."""
import io
import re

import numpy as np
from PIL import Image

from support.accounts import register, bearer
from support import tus


def metric(server, name):
    m = re.search(rf"^{name} (\S+)$", server.get("/metrics").text, re.M)
    assert m, f"{name} is not exported"
    return float(m[1])


def counts(server):
    return (metric(server, "astropixel_iiif_decoded_tile_cache_hits_total"),
            metric(server, "astropixel_iiif_decoded_tile_cache_misses_total"))


def test_a_region_drawn_again_decodes_no_tile_and_answers_the_same(make_server):
    s = make_server(env={"TILE_FORMAT": "jpg"})
    owner = register(s)["access_token"]
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:700, 0:1000]
    img = np.dstack([x % 256, y % 256, (x + y) % 256]) + rng.integers(0, 20, (700, 1000, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="PNG")
    _, last = tus.upload(s, owner, buf.getvalue(), {"filename": "sky.png", "name": "Sky"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, owner, d)
    assert status["status"] == "completed"
    base = f"/iiif/3/{d}-v1"
    assert counts(s) == (0, 0)
    # Full resolution (the answer is wider than half the region): the four 256-px tiles of 0,0,512,512.
    first = s.get(f"{base}/0,0,512,512/400,/0/default.jpg", headers=bearer(owner))
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/jpeg"
    assert counts(s) == (0, 4)
    # Another size of the same region: not in the answer cache, drawn from the decoded tiles.
    second = s.get(f"{base}/0,0,512,512/300,/0/default.jpg", headers=bearer(owner))
    assert second.status_code == 200 and Image.open(io.BytesIO(second.content)).size == (300, 300)
    assert counts(s) == (4, 4)
    assert metric(s, "astropixel_iiif_decoded_tile_cache_entries") == 4
    assert metric(s, "astropixel_iiif_decoded_tile_cache_bytes") >= 4 * 256 * 256 * 3
    assert metric(s, "astropixel_iiif_decoded_tile_cache_max_bytes") == 256 << 20
    others = [f"{base}/{r}/0/default.jpg" for r in ("100,50,700,600/350,", "full/500,", "250,250,300,200/pct:77")]
    cached = [s.get(p, headers=bearer(owner)).content for p in others]

    # Without the cache (same pyramid): no metrics, the same answers byte for byte.
    s.stop()
    plain = make_server(env={"TILE_FORMAT": "jpg", "IIIF_DECODED_TILE_CACHE_BYTES": "0"}, data_dir=s.data_dir)
    assert "astropixel_iiif_decoded_tile_cache" not in plain.get("/metrics").text
    assert plain.get(f"{base}/0,0,512,512/400,/0/default.jpg", headers=bearer(owner)).content == first.content
    assert plain.get(f"{base}/0,0,512,512/300,/0/default.jpg", headers=bearer(owner)).content == second.content
    assert [plain.get(p, headers=bearer(owner)).content for p in others] == cached

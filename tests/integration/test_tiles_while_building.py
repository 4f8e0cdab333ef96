"""A pyramid viewed while it builds (ADR 0034), over HTTP: the status names the build's Deep Zoom
descriptor and the tile rows written so far; those tiles answer 200 under the version's immutable URLs
and are the same bytes once it publishes; a tile not written yet is a 404 without caching headers; other people
see nothing of a private build. With a local store the tiles are read where the pack grows; with an
object store (s3rver) from the pieces the build puts there. Where the source allows it cheaply (float
data, a pyramid TIFF), the build's preview comes before its first tile (ADR 0036)."""
import io
import re
import subprocess

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from support.accounts import register, bearer
from support import tus
from support.live_build import noise_png, storage, wait_for  # noqa: F401 (storage: a fixture)
from support.s3 import list_objects


def slow_build(make_server, storage, body, filename, env=None):
    """A server whose builds take a second a strip (six strips of 256 rows at 1500 rows: six seconds
    at least), an owner, a stranger, and the owner's upload of `body` building: (s, owner, stranger,
    dataset id, status())."""
    s = make_server(env={"WORKERS": "1", **storage, **(env or {})})
    owner = register(s)["access_token"]
    stranger = register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=1000")
    _, last = tus.upload(s, owner, body, {"filename": filename, "name": filename})
    d = last.headers["X-Dataset-Id"]

    def status():
        r = s.get(f"/api/datasets/{d}/status", headers=bearer(owner))
        assert r.status_code == 200
        return r.json()
    return s, owner, stranger, d, status


def test_tiles_are_served_while_the_pyramid_builds_and_never_change(make_server, storage):
    width, height = 1300, 1500
    s, owner, stranger, d, status = slow_build(make_server, storage, noise_png(width, height), "live.png")

    first = wait_for(lambda: (lambda b: b if b and b["tile_rows"][-1] >= 1 else None)(status()["building"]))
    assert first, "no snapshot was announced while the build ran"
    assert first["version"] == 1 and first["dzi"] == f"/api/datasets/{d}/v1/image.dzi"
    top = len(first["tile_rows"]) - 1
    dataset = s.get(f"/api/datasets/{d}", headers=bearer(owner)).json()
    assert dataset["status"] == "processing" and dataset["urls"] is None
    assert dataset["building"]["version"] == 1

    if storage:
        # From the pieces the build put in the store (the pack itself is uploaded at the end).
        keys = [k.rsplit("/", 1)[1] for k in list_objects(storage, f"pyramids/{d}/")]
        assert any(k.endswith(".pack.seg0") for k in keys), keys
        assert not any(k.endswith(".pack") for k in keys), keys

    # The descriptor of the whole image, while it builds.
    dzi = s.get(first["dzi"], headers=bearer(owner))
    assert dzi.status_code == 200
    assert f'Width="{width}"' in dzi.text and f'Height="{height}"' in dzi.text
    base = first["dzi"].replace("image.dzi", "image_files")
    cols = -(-width // 256)
    written = {}
    for row in range(first["tile_rows"][top]):
        for col in range(cols):
            r = s.get(f"{base}/{top}/{col}_{row}.jpg", headers=bearer(owner))
            assert r.status_code == 200, (col, row)
            assert "immutable" in r.headers["Cache-Control"]
            written[(col, row)] = r.content
    # The last row is five strips away: a 404, and nothing that lets a cache keep it.
    last_row = -(-height // 256) - 1
    r = s.get(f"{base}/{top}/0_{last_row}.jpg", headers=bearer(owner))
    assert status()["building"]["tile_rows"][top] <= last_row, "the build outran the test"
    assert r.status_code == 404
    assert "max-age" not in r.headers.get("Cache-Control", "") and "ETag" not in r.headers

    # Others see nothing of a private build: the same 404 as a dataset that does not exist.
    missing = s.get(f"/api/datasets/{'0' * 32}/v1/image.dzi", headers=bearer(stranger))
    for who in (bearer(stranger), {}):
        for url in (first["dzi"], f"{base}/{top}/0_0.jpg"):
            r = s.get(url, headers=who)
            assert r.status_code == 404, url
            assert {k: v for k, v in r.json().items() if k != "request_id"} == \
                {k: v for k, v in missing.json().items() if k != "request_id"}, url
    # Only Deep Zoom shows a version still building.
    assert s.get(f"/iiif/3/{d}-v1/info.json", headers=bearer(owner)).status_code == 404
    assert s.get(f"/api/datasets/{d}/v1/preview", headers=bearer(owner)).status_code == 404

    done, _ = tus.wait_for_dataset(s, owner, d, statuses=("completed",), timeout=180)
    assert done["status"] == "completed"
    final = s.get(f"/api/datasets/{d}", headers=bearer(owner)).json()
    assert final["building"] is None and final["urls"]["dzi"] == first["dzi"]
    for (col, row), body in written.items():
        r = s.get(f"{base}/{top}/{col}_{row}.jpg", headers=bearer(owner))
        assert r.status_code == 200 and r.content == body, (col, row)
    assert s.get(f"{base}/{top}/0_{last_row}.jpg", headers=bearer(owner)).status_code == 200
    # The snapshot (and the pieces in an object store) went with the build; the published pack alone
    # remains. Pieces are removed just after the publish (readers use them until then): wait for it.
    def stored():
        if not storage:
            return sorted(p.name for p in (s.data_dir / "blobs" / "pyramids" / d).iterdir())
        return [k.rsplit("/", 1)[1] for k in list_objects(storage, f"pyramids/{d}/")]

    packs = wait_for(lambda: (lambda names: names if len(names) == 1 else None)(stored())) or stored()
    assert len(packs) == 1 and re.fullmatch(r"v1-[0-9a-f]{8}\.pack", packs[0]), packs


def float_fits(w, h):
    """A float32 FITS whose left half is dark and right half bright, with noise: a preview that covers
    the whole image shows the two halves, down to its last row."""
    rng = np.random.default_rng(3)
    data = rng.normal(100.0, 5.0, (h, w)).astype(np.float32)
    data[:, w // 2:] += 900.0
    buf = io.BytesIO()
    fits.PrimaryHDU(data).writeto(buf)
    return buf.getvalue()


def pyramid_tiff(w, h, tmp_path):
    """An 8-bit RGB tiled TIFF with overview pages (libvips' pyramid, as a cloud-optimised GeoTIFF
    has them), dark on the left and bright on the right."""
    rgb = np.full((h, w, 3), 40, np.uint8)
    rgb[:, w // 2:] = 200
    flat, tiff = tmp_path / "flat.png", tmp_path / "pyramid.tif"
    Image.fromarray(rgb).save(flat)
    subprocess.run(["vips", "tiffsave", str(flat), str(tiff), "--tile", "--pyramid"], check=True)
    return tiff.read_bytes()


@pytest.mark.parametrize("kind", ["fits", "pyramid_tiff"])
def test_a_preview_comes_before_any_tile(make_server, storage, kind, tmp_path):
    """The preview, written before the first tile where the source gives it cheaply (ADR 0036: a
    float image's statistics pass; a pyramid TIFF's overview page): the very first snapshot names
    it, it covers the whole image while no coarse tile exists, it is private like the build's tiles,
    and it is the published preview byte for byte. Right after the status says completed, what only
    a published version answers (a FITS's histogram) answers, though every instance's tile directory
    still holds the building entry (a TTL of a minute here)."""
    body = float_fits(1300, 1500) if kind == "fits" else pyramid_tiff(1300, 1500, tmp_path)
    s, owner, stranger, d, status = slow_build(make_server, storage, body, f"live.{kind}",
                                               env={"TILE_CACHE_TTL_MS": "60000"})
    first = wait_for(lambda: status()["building"])
    assert first, "no snapshot was announced while the build ran"
    # The first snapshot already holds it, before any tile of the coarse levels.
    assert first["preview"] == f"/api/datasets/{d}/v1/preview"
    assert first["tile_rows"][0] == 0
    r = s.get(first["preview"], headers=bearer(owner))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg"
    early = r.content
    image = np.asarray(Image.open(io.BytesIO(early)).convert("L"), dtype=np.float64)
    assert image.shape == (512, 444)  # 1300 × 1500 at 512 px on the long side
    # The whole image, its bottom rows included: dark left, bright right.
    bottom = image[-40:]
    assert bottom[:, 20:200].mean() + 50 < bottom[:, 250:420].mean()
    assert s.get(first["preview"], headers={"If-None-Match": r.headers["ETag"], **bearer(owner)}).status_code == 304
    # As private as the build's tiles.
    for who in (bearer(stranger), {}):
        assert s.get(first["preview"], headers=who).status_code == 404

    done, _ = tus.wait_for_dataset(s, owner, d, statuses=("completed",), timeout=180)
    if kind == "fits":
        r = s.get(f"/api/datasets/{d}/v1/histogram", headers=bearer(owner))
        assert r.status_code == 200, r.text
    final = s.get(f"/api/datasets/{d}", headers=bearer(owner)).json()
    assert final["urls"]["preview"] == first["preview"]
    r = s.get(final["urls"]["preview"], headers=bearer(owner))
    assert r.status_code == 200 and r.content == early

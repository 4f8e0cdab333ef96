"""Colour composites (#15 point 5, docs/adr/0029-colour-composites.md): POST /api/composites makes an RGB
dataset of three single-band datasets on one pixel grid. Each channel's pixels are its original values
through its own stretch and cuts (the live display's mapping) times its weight; the composite keeps the red
channel's WCS and records its recipe. Different sizes or WCSs are refused with a code naming what differs,
channels without a WCS need confirm_alignment, and what the caller may not see is 404 like a missing one."""
import io
import math

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.fits import write_fits

W, H = 600, 400
CRVAL, CRPIX = (83.8221, -5.3911), (300.5, 180.25)
CD = ((-2.5e-4, 1.0e-5), (1.2e-5, 2.5e-4))  # ~0.9″ pixels


def wcs_cards(crval=CRVAL, crpix=CRPIX):
    def v(x):
        return f"{x!r}".upper()
    return [("CTYPE1", "'RA---TAN'"), ("CTYPE2", "'DEC--TAN'"), ("CRVAL1", v(crval[0])), ("CRVAL2", v(crval[1])),
            ("CRPIX1", v(crpix[0])), ("CRPIX2", v(crpix[1])), ("CD1_1", v(CD[0][0])), ("CD1_2", v(CD[0][1])),
            ("CD2_1", v(CD[1][0])), ("CD2_2", v(CD[1][1]))]


def band(seed, w=W, h=H):
    """A float32 image with smooth structure and noise, different per seed (rows bottom-up, as FITS)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    data = 1000 + 400 * np.sin(x / (37.0 + seed)) * np.cos(y / (23.0 + seed)) + rng.normal(0, 30, (h, w))
    return data.astype(np.float32)


@pytest.fixture
def png_server(make_server):
    # Lossless tiles, so the full-resolution tiles can be compared pixel for pixel.
    return make_server(env={"TILE_FORMAT": "png"})


def upload_fits(s, token, tmp_path, name, data, cards):
    src = tmp_path / name
    write_fits(src, data, -32, extra=cards)
    return upload_bytes(s, token, src.read_bytes(), name)


def upload_bytes(s, token, raw, name):
    _, last = tus.upload(s, token, raw, {"filename": name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    assert status["status"] == "completed", status
    return d


def compose(s, token, ids, settings, **extra):
    channels = [{"dataset_id": d, **st} for d, st in zip(ids, settings)]
    return s.request("POST", "/api/composites", json={"name": "M42 in colour", "channels": channels, **extra},
                  headers=bearer(token))


def f32(x):
    return np.float32(x)


def stretch_levels(values, kind, lo, hi):
    """pyramid/stretch.cpp's Stretch::map in numpy: the normalised value in float32 picks one of 65536
    table entries; each entry is apply() at its own point, rounded to 0-255."""
    n = 65536
    scale = 1.0 / (hi - lo)

    def apply(v):  # v: float32 array → levels (double arithmetic, as apply())
        x = np.clip((v.astype(np.float64) - lo) * scale, 0.0, 1.0)
        if kind == "sqrt":
            x = np.sqrt(x)
        elif kind == "log":
            x = np.log10(1000 * x + 1) / np.log10(1001)
        elif kind == "asinh":
            x = np.arcsinh(x / 0.1) / np.arcsinh(1 / 0.1)
        else:
            assert kind == "linear"
        return np.floor(np.clip(x, 0, 1) * 255.0 + 0.5).astype(np.uint8)

    points = (lo + np.arange(n, dtype=np.float64) / (n - 1) / scale).astype(np.float32)
    table = apply(points)
    with np.errstate(invalid="ignore"):
        x = (values.astype(np.float32) - f32(lo)) * f32(scale)
        x = np.where(x > 0, np.where(x < 1, x, f32(1)), f32(0)).astype(np.float32)
        index = (x * f32(n - 1) + f32(0.5)).astype(np.uint32)
    out = table[index]
    out[~np.isfinite(values)] = 0  # blank → black
    return out


def weighted(levels, weight):
    return np.minimum(255, np.floor(weight * levels.astype(np.float64) + 0.5)).astype(np.uint8)


def full_resolution(s, token, d, version, w=W, h=H):
    level = math.ceil(math.log2(max(w, h)))
    rows = []
    for row in range(math.ceil(h / 256)):
        tiles = []
        for col in range(math.ceil(w / 256)):
            r = s.get(f"/api/datasets/{d}/v{version}/image_files/{level}/{col}_{row}.png", headers=bearer(token))
            assert r.status_code == 200, r.text
            tiles.append(np.asarray(Image.open(io.BytesIO(r.content))))
        rows.append(np.concatenate(tiles, axis=1))
    return np.concatenate(rows, axis=0)


SETTINGS = [{"stretch": "linear", "lo": 700, "hi": 1300, "weight": 1.0},
            {"stretch": "sqrt", "lo": 650, "hi": 1500, "weight": 1.6},
            {"stretch": "log", "lo": 600, "hi": 1450, "weight": 0.55}]


def test_composite_pixels_are_each_channels_stretch_times_its_weight(png_server, tmp_path):
    s = png_server
    token = register(s)["access_token"]
    data = [band(seed) for seed in (1, 2, 3)]
    data[1][100:110, 200:230] = np.nan  # blanks in green: black there
    ids = [upload_fits(s, token, tmp_path, f"{c}.fits", data[i], wcs_cards()) for i, c in enumerate("rgb")]
    channels = [s.get(f"/api/datasets/{d}", headers=bearer(token)).json() for d in ids]

    r = compose(s, token, ids, SETTINGS)
    assert r.status_code == 202, r.text
    made = r.json()
    assert made["status"] == "pending" and made["is_owner"] and made["visibility"] == "private"
    assert (made["width"], made["height"], made["bands"]) == (W, H, 3)
    status, _ = tus.wait_for_dataset(s, token, made["id"], timeout=120)
    assert status["status"] == "completed", status
    d = s.get(f"/api/datasets/{made['id']}", headers=bearer(token)).json()

    # The recipe and the red channel's WCS are published with the pyramid.
    recipe = d["pyramid"]["composite"]
    assert recipe["aligned_by"] == "wcs"
    assert [(c["band"], c["dataset_id"], c["version"]) for c in recipe["channels"]] == [
        (b, ch["id"], ch["pyramid_version"]) for b, ch in zip(("red", "green", "blue"), channels)]
    assert [(c["stretch"], c["lo"], c["hi"], c["weight"]) for c in recipe["channels"]] == [
        (st["stretch"], st["lo"], st["hi"], st["weight"]) for st in SETTINGS]
    assert d["pyramid"]["wcs"]["crval"] == channels[0]["pyramid"]["wcs"]["crval"]
    assert d["pyramid"]["wcs"]["reference_points"] == channels[0]["pyramid"]["wcs"]["reference_points"]

    # Expected pixels from numpy: the image top-down (FITS rows run bottom-up).
    expected = np.dstack([weighted(stretch_levels(np.flipud(data[i]), st["stretch"], st["lo"], st["hi"]), st["weight"])
                          for i, st in enumerate(SETTINGS)])
    assert (expected[..., 1] == 255).any() and (expected[..., 2] <= 141).all(), "weights visible in the data"
    # The composite's source (the "original") is the RGB image itself, exactly.
    r = s.get(f"/api/datasets/{d['id']}/original", headers=bearer(token))
    assert r.status_code == 200
    written = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    assert written.shape == expected.shape
    assert (written == expected).all(), np.argwhere(written != expected)[:5]
    # The full-resolution tiles the viewer shows hold the same pixels.
    tiles = full_resolution(s, token, d["id"], d["pyramid_version"])
    assert (tiles[..., :3] == expected).all(), np.argwhere(tiles[..., :3] != expected)[:5]

    # And each channel equals that channel's own live display tile times its weight.
    for i, st in enumerate(SETTINGS):
        r = s.get(f"/api/datasets/{ids[i]}/live/10/1_0.png", params={k: st[k] for k in ("stretch", "lo", "hi")},
                  headers=bearer(token))
        assert r.status_code == 200, r.text
        live = np.asarray(Image.open(io.BytesIO(r.content)))
        grey = live if live.ndim == 2 else live[..., 0]
        assert (weighted(grey, st["weight"]) == tiles[0:256, 256:512, i]).all(), i

    # The composite run stored its image under a key of its own; deleting the dataset leaves nothing of it.
    sources = s.data_dir / "blobs" / "sources" / d["id"]
    assert [p.name for p in sources.iterdir()] and all(p.name.startswith("composite-") for p in sources.iterdir())
    assert s.request("DELETE", f"/api/datasets/{d['id']}", headers=bearer(token)).status_code == 204
    assert not sources.exists() or not any(sources.iterdir())


def test_grids_must_match_or_be_confirmed(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    a = upload_fits(s, token, tmp_path, "a.fits", band(1), wcs_cards())
    b = upload_fits(s, token, tmp_path, "b.fits", band(2), wcs_cards())
    linear = [{"stretch": "linear", "lo": 700, "hi": 1300}] * 3

    # A different size.
    wide = upload_fits(s, token, tmp_path, "wide.fits", band(3, w=W + 1), wcs_cards())
    r = compose(s, token, [a, b, wide], linear)
    assert r.status_code == 422 and r.json()["code"] == "composite_grid_mismatch", r.text
    assert "600 × 400" in r.json()["message"] and "601 × 400" in r.json()["message"]

    # The same size, the grid shifted by two pixels on the sky: refused, even when confirmed.
    shifted = upload_fits(s, token, tmp_path, "shifted.fits", band(3), wcs_cards(crpix=(CRPIX[0] + 2, CRPIX[1])))
    for confirm in (False, True):
        r = compose(s, token, [a, b, shifted], linear, confirm_alignment=confirm)
        assert r.status_code == 422 and r.json()["code"] == "composite_grid_mismatch", r.text
        assert "blue" in r.json()["message"] and "pixels" in r.json()["message"], r.json()

    # A blue channel without a WCS: only with the caller's word that they are aligned.
    bare = upload_fits(s, token, tmp_path, "bare.fits", band(3), [])
    r = compose(s, token, [a, b, bare], linear)
    assert r.status_code == 422 and r.json()["code"] == "composite_alignment_unconfirmed", r.text
    assert "blue (bare)" in r.json()["message"]
    r = compose(s, token, [a, b, bare], linear, confirm_alignment=True)
    assert r.status_code == 202, r.text
    status, _ = tus.wait_for_dataset(s, token, r.json()["id"], timeout=120)
    assert status["status"] == "completed", status
    d = s.get(f"/api/datasets/{r.json()['id']}", headers=bearer(token)).json()
    assert d["pyramid"]["composite"]["aligned_by"] == "confirmation"
    red = s.get(f"/api/datasets/{a}", headers=bearer(token)).json()
    assert d["pyramid"]["wcs"]["reference_points"] == red["pyramid"]["wcs"]["reference_points"]


def test_refusals_name_the_problem(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    a = upload_fits(s, token, tmp_path, "a.fits", band(1), wcs_cards())
    linear = {"stretch": "linear", "lo": 700, "hi": 1300}

    other = register(s)["access_token"]
    private = upload_fits(s, other, tmp_path, "theirs.fits", band(2), wcs_cards())
    for missing in (private, "doesnotexist"):
        r = compose(s, token, [a, a, missing], [linear] * 3)
        assert r.status_code == 404 and r.json()["code"] == "not_found", r.text

    grey8 = io.BytesIO()
    Image.fromarray(np.zeros((H, W), np.uint8)).save(grey8, "PNG")
    png = upload_bytes(s, token, grey8.getvalue(), "grey.png")
    r = compose(s, token, [a, png, a], [linear] * 3)
    assert r.status_code == 422 and r.json()["code"] == "composite_needs_original_values", r.text
    assert "green" in r.json()["message"]

    for bad, code, field in [({"stretch": "curly"}, "invalid_stretch", "channels[1].stretch"),
                             ({"lo": 5, "hi": 5}, "invalid_cuts", "channels[1].hi"),
                             ({"lo": "x"}, "invalid_cuts", "channels[1].lo"),
                             ({"weight": 0}, "invalid_weight", "channels[1].weight"),
                             ({"weight": 10.5}, "invalid_weight", "channels[1].weight"),
                             ({"weight": -1}, "invalid_weight", "channels[1].weight"),
                             ({"weight": "heavy"}, "invalid_weight", "channels[1].weight")]:
        r = compose(s, token, [a, a, a], [linear, {**linear, **bad}, linear])
        assert r.status_code == 400 and r.json()["code"] == code, (bad, r.text)
        assert r.json().get("field") == field, (bad, r.json())
    # A weight past a double's range never becomes an infinite weight.
    body = ('{"name": "x", "channels": [%s, %s, %s]}' %
            tuple('{"dataset_id": "%s", "lo": 700, "hi": 1300, "weight": %s}' % (a, w) for w in ("1", "1e400", "1")))
    r = s.request("POST", "/api/composites", data=body,
                  headers={**bearer(token), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] in ("invalid_json", "invalid_weight"), r.text
    r = s.request("POST", "/api/composites", json={"name": "two", "channels": [{"dataset_id": a, **linear}] * 2},
               headers=bearer(token))
    assert r.status_code == 400 and r.json()["field"] == "channels", r.text
    r = s.request("POST", "/api/composites", json={"channels": [{"dataset_id": a, **linear}] * 3}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["field"] == "name", r.text
    r = s.request("POST", "/api/composites", json={"name": "guest", "channels": [{"dataset_id": a, **linear}] * 3})
    assert r.status_code == 401, r.text
    # Nothing was created by the refusals.
    mine = s.get("/api/datasets", params={"mine": "true"}, headers=bearer(token)).json()
    assert sorted(x["file_name"] for x in mine["items"]) == ["a.fits", "grey.png"]


def test_composite_on_an_object_store(make_server, s3_env, tmp_path):
    """Packs read with ranged GETs, the image written to scratch and moved into the bucket as the
    source, the pyramid built from it as from an upload."""
    s = make_server(env={**s3_env, "TILE_FORMAT": "png"})
    token = register(s)["access_token"]
    data = [band(seed) for seed in (4, 5, 6)]
    ids = [upload_fits(s, token, tmp_path, f"{c}.fits", data[i], wcs_cards()) for i, c in enumerate("rgb")]
    r = compose(s, token, ids, SETTINGS)
    assert r.status_code == 202, r.text
    status, _ = tus.wait_for_dataset(s, token, r.json()["id"], timeout=120)
    assert status["status"] == "completed", status
    d = s.get(f"/api/datasets/{r.json()['id']}", headers=bearer(token)).json()
    expected = np.dstack([weighted(stretch_levels(np.flipud(data[i]), st["stretch"], st["lo"], st["hi"]), st["weight"])
                          for i, st in enumerate(SETTINGS)])
    r = s.get(f"/api/datasets/{d['id']}/original", headers=bearer(token))
    assert r.status_code == 200
    assert (np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")) == expected).all()
    assert (full_resolution(s, token, d["id"], d["pyramid_version"])[..., :3] == expected).all()


def test_the_storage_quota_counts_the_composite(make_server, tmp_path):
    """A composite's source is stored like an upload: asked for with its uncompressed size (3 bytes a
    pixel), past the owner's quota it is 403 quota_exceeded and nothing is created."""
    s = make_server(env={"USER_STORAGE_QUOTA_BYTES": "3200000"})  # the three FITS (~2.9 MB) fit, 720 kB more do not
    token = register(s)["access_token"]
    ids = [upload_fits(s, token, tmp_path, f"{c}.fits", band(i), wcs_cards()) for i, c in enumerate("rgb")]
    r = compose(s, token, ids, SETTINGS)
    assert r.status_code == 403 and r.json()["code"] == "quota_exceeded", r.text
    assert s.get("/api/datasets", params={"mine": "true"}, headers=bearer(token)).json()["total"] == 3

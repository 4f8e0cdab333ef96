"""The data pyramid of original values (docs/adr/0024-data-pyramid-and-live-stretch.md): live display
tiles rendered from it with the stretch and cuts in the URL, equal to what `astropixel tile --stretch
--cuts` builds, and pixel values around a full-resolution position, for a generated and a real FITS
file. Private datasets answer 404 exactly like missing ones."""
import io
import os
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import register
from support.fits import write_fits
from support.pack import Pack
from support.server import BINARY, ROOT

REAL = (pathlib.Path(os.environ.get("ASTROPIXEL_REAL_DATA", ROOT / "build" / "real-data")) / "x" /
        "python3-astroquery/usr/lib/python3/dist-packages/astroquery/ipac/irsa/sha/tests/data/img.fits")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def upload(server, token, path):
    _, last = tus.upload(server, token, path.read_bytes(), {"filename": path.name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    return d


def read_fits(path):
    """The primary HDU of a simple FITS file as a numpy array, rows bottom-up as stored."""
    raw = pathlib.Path(path).read_bytes()
    cards, offset = {}, 0
    while True:
        block = raw[offset:offset + 2880]
        offset += 2880
        done = False
        for i in range(0, 2880, 80):
            card = block[i:i + 80].decode("ascii")
            key = card[:8].strip()
            if key == "END":
                done = True
                break
            if card[8:10] == "= ":
                cards[key] = card[10:].split("/")[0].strip()
        if done:
            break
    assert "BSCALE" not in cards and "BZERO" not in cards
    dtype = {"-32": ">f4", "-64": ">f8", "16": ">i2"}[cards["BITPIX"]]
    w, h = int(cards["NAXIS1"]), int(cards["NAXIS2"])
    return np.frombuffer(raw, dtype=dtype, count=w * h, offset=offset).reshape(h, w), cards


def cli_tile(src, out, *args):
    r = subprocess.run([str(BINARY), "tile", str(src), str(out), "--format", "png", "--progress", "none",
                        *map(str, args)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return Pack(out)


def pixels(img):
    return np.asarray(Image.open(io.BytesIO(img)))


@pytest.fixture
def generated(tmp_path):
    """600 × 400 float32, value(x, y_fits) = x + 1000 y_fits, with a blank block."""
    y, x = np.mgrid[0:400, 0:600]
    data = (x + 1000.0 * y).astype(np.float32)
    data[10:20, 300:320] = np.nan
    src = tmp_path / "gen.fits"
    write_fits(src, data, -32, extra=[("BUNIT", "'ADU'")])
    return src, data


def test_live_tiles_equal_the_cli_and_pixels_are_the_original_values(server, tmp_path, generated):
    src, data = generated
    shown = np.flipud(data)  # FITS rows run bottom-up; the image is shown top-down
    token = register(server)["access_token"]
    d = upload(server, token, src)
    top = 10  # 600 × 400: levels 0-10

    for stretch, lo, hi in [("log", 2000, 350000), ("linear", 0, 600), ("asinh", -5.5, 1e5), ("sqrt", 100, 4e5)]:
        pack = cli_tile(src, tmp_path / f"{stretch}.pack", "--stretch", stretch, "--cuts", f"{lo},{hi}")
        for col, row in [(0, 0), (1, 0), (2, 1)]:
            r = server.get(f"/api/datasets/{d}/live/{top}/{col}_{row}.png",
                           params={"stretch": stretch, "lo": lo, "hi": hi}, headers=auth(token))
            assert r.status_code == 200, r.text
            assert r.headers["Content-Type"] == "image/png"
            live, built = pixels(r.content), pixels(pack.tile(top, col, row))
            # The CLI adds an alpha band to every tile of an image with blanks; the live tile only
            # where the tile holds one. The grey values must be equal everywhere, alpha too.
            if built.ndim == 3 and live.ndim == 2:
                live = np.dstack([live, np.full_like(live, 255)])
            assert live.shape == built.shape, (stretch, col, row)
            assert (live == built).all(), (stretch, col, row, np.argwhere(live != built)[:5])

    # The stretches and colour maps added for the display panel: the same mapping as the CLI's
    # (histeq follows the distribution the build stored), RGB after a colour map.
    for stretch, lo, hi, cmap in [("histeq", 1000, 390000, "viridis"), ("sinh", 0, 400000, "heat_r"),
                                  ("squared", -10, 3e5, "rainbow"), ("histeq", 5e4, 2e5, "grey")]:
        pack = cli_tile(src, tmp_path / f"{stretch}-{cmap}.pack", "--stretch", stretch, "--cuts", f"{lo},{hi}",
                        "--colormap", cmap)
        for col, row in [(0, 0), (1, 0), (2, 1)]:
            r = server.get(f"/api/datasets/{d}/live/{top}/{col}_{row}.png",
                           params={"stretch": stretch, "lo": lo, "hi": hi, "cmap": cmap}, headers=auth(token))
            assert r.status_code == 200, r.text
            live, built = pixels(r.content), pixels(pack.tile(top, col, row))
            bands = 1 if cmap == "grey" else 3
            if (live.ndim == 2 and bands == 1) or (live.ndim == 3 and live.shape[2] == 3):
                live = np.dstack([live, np.full(live.shape[:2], 255, np.uint8)])
            assert built.shape[2] == bands + 1 and live.shape == built.shape, (stretch, cmap, col, row)
            assert (live == built).all(), (stretch, cmap, col, row, np.argwhere(live != built)[:5])
        if cmap != "grey":
            assert (live[..., 0] != live[..., 2]).any(), "coloured, not grey"
    # A versioned URL is immutable; the same settings written differently share the ETag.
    v = server.get(f"/api/datasets/{d}", headers=auth(token)).json()["pyramid_version"]
    r = server.get(f"/api/datasets/{d}/v{v}/live/{top}/0_0.png", params={"stretch": "log", "lo": "2000",
                                                                          "hi": "3.5e5"}, headers=auth(token))
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
    r2 = server.get(f"/api/datasets/{d}/v{v}/live/{top}/0_0.png", params={"stretch": "log", "lo": "2000.0",
                                                                           "hi": "350000"}, headers=auth(token))
    assert r2.headers["ETag"] == r.headers["ETag"] and r2.content == r.content
    # Lower levels come from the mean of the values, blanks ignored.
    r = server.get(f"/api/datasets/{d}/live/{top - 1}/0_0.png", params={"stretch": "linear", "lo": 0,
                                                                          "hi": 400000}, headers=auth(token))
    assert r.status_code == 200
    low = pixels(r.content)
    assert low.shape[:2] == (200, 256)

    # Pixel values: the window around a full-resolution position, from the original data.
    r = server.get(f"/api/datasets/{d}/pixels", params={"x": 301, "y": 385}, headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bunit"] == "ADU" and body["dtype"] == "float32" and body["size"] == 5
    assert (body["width"], body["height"]) == (600, 400)
    assert body["fits_pixel"] == {"x": 302, "y": 400 - 385}
    want = shown[383:388, 299:304]
    got = np.array([[np.nan if v is None else v for v in row] for row in body["values"]], dtype=np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want)) and (np.isnan(want)).any(), "blanks are null"
    assert np.array_equal(got[~np.isnan(got)], want[~np.isnan(want)].astype(np.float64))
    assert body["value"] is None  # (301, 385) lies in the blank block
    # At a corner the window runs off the image: null there.
    body = server.get(f"/api/datasets/{d}/pixels", params={"x": 0, "y": 0, "size": 3}, headers=auth(token)).json()
    assert body["values"][0] == [None, None, None] and body["values"][1] == [None, shown[0, 0], shown[0, 1]]
    # A window across four data tiles.
    body = server.get(f"/api/datasets/{d}/pixels", params={"x": 256, "y": 256, "size": 21},
                      headers=auth(token)).json()
    assert np.array_equal(np.array(body["values"], dtype=np.float64), shown[246:267, 246:267])

    # Hostile and wrong requests: a clear status and code.
    for params, code in [({"x": 600, "y": 0}, "pixel_outside_image"), ({"x": -1, "y": 0}, "pixel_outside_image"),
                         ({"x": "a", "y": 0}, "validation_error"), ({"y": 0}, "validation_error"),
                         ({"x": 1, "y": 1, "size": 4}, "validation_error"),
                         ({"x": 1, "y": 1, "size": 99}, "validation_error")]:
        r = server.get(f"/api/datasets/{d}/pixels", params=params, headers=auth(token))
        assert r.status_code == 400 and r.json()["code"] == code, (params, r.text)
    for params, status, code in [({"stretch": "log", "lo": 5, "hi": 5}, 400, "invalid_cuts"),
                                 ({"stretch": "log", "lo": "nan", "hi": 5}, 400, "invalid_cuts"),
                                 ({"stretch": "log", "hi": 5}, 400, "invalid_cuts"),
                                 ({"stretch": "gamma", "lo": 0, "hi": 5}, 400, "invalid_stretch"),
                                 ({"lo": -1e308, "hi": 1e308}, 400, "invalid_cuts"),
                                 ({"lo": -1e308, "hi": 1e308, "stretch": "histeq"}, 400, "invalid_cuts"),
                                 ({"lo": 0, "hi": 5, "cmap": "jet"}, 400, "invalid_colormap"),
                                 ({"lo": 0, "hi": 5, "cmap": "<b>"}, 400, "invalid_colormap")]:
        r = server.get(f"/api/datasets/{d}/live/{top}/0_0.png", params=params, headers=auth(token))
        assert r.status_code == status and r.json()["code"] == code, (params, r.text)
    r = server.get(f"/api/datasets/{d}/live/{top}/9_0.png", params={"lo": 0, "hi": 1}, headers=auth(token))
    assert r.status_code == 404

    # Private: another user and a guest get the answer a missing dataset gets.
    other = register(server)["access_token"]
    missing = "0" * len(d)
    for path in [f"/live/{top}/0_0.png?lo=0&hi=1", "/pixels?x=1&y=1", "/histogram"]:
        absent = server.get(f"/api/datasets/{missing}{path}", headers=auth(other))
        assert absent.status_code == 404
        for headers in [auth(other), {}]:
            r = server.get(f"/api/datasets/{d}{path}", headers=headers)
            assert r.status_code == 404 and r.json()["code"] == absent.json()["code"], (path, r.text)
            assert r.json()["message"] == absent.json()["message"]


def test_the_build_stores_statistics_and_a_histogram_for_the_display_controls(server, tmp_path, generated):
    src, data = generated
    token = register(server)["access_token"]
    d = upload(server, token, src)
    r = server.get(f"/api/datasets/{d}/histogram", headers=auth(token))
    assert r.status_code == 200, r.text
    stats = r.json()
    finite = np.sort(data[np.isfinite(data)].astype(np.float64))
    n = finite.size  # 240,000 - 200 blanks: small enough to be sampled whole
    assert stats["sample_size"] == n
    assert (stats["min"], stats["max"]) == (finite[0], finite[-1]) == (0, 599 + 1000 * 399)
    assert stats["bunit"] == "ADU" and stats["version"] >= 1
    assert abs(stats["mean"] - finite.mean()) < 1e-6 * finite.mean()
    assert abs(stats["std"] - finite.std()) < 1e-6 * finite.std()
    # Percentiles as the build chooses its cuts: the value at floor(p/100 · (n - 1)) of the sorted values.
    assert set(stats["percentiles"]) == {"0.025", "0.05", "0.1", "0.25", "0.5", "1", "2", "2.5", "5", "10", "90", "95",
                                         "97.5", "98", "99", "99.5", "99.75", "99.9", "99.95", "99.975"}
    for p, v in stats["percentiles"].items():
        assert v == finite[int(float(p) / 100 * (n - 1))], (p, v)
    built = stats["built"]  # the default build: linear between the 0.25 and 99.75 % values
    assert (built["kind"], built["low"], built["high"]) == ("linear", stats["percentiles"]["0.25"],
                                                            stats["percentiles"]["99.75"])
    lo, hi = stats["zscale"]
    assert stats["min"] <= lo < hi <= stats["max"]
    h = stats["histogram"]
    assert (h["low"], h["high"]) == (stats["min"], stats["max"]) and len(h["counts"]) == 256
    want, _ = np.histogram(finite, bins=256, range=(h["low"], h["high"]))
    assert sum(h["counts"]) == n and np.abs(np.array(h["counts"]) - want).max() <= 2  # at most a bin edge rounded apart
    core = stats["core_histogram"]  # between the 0.025 and 99.975 % values, the outliers counted apart
    assert (core["low"], core["high"]) == (stats["percentiles"]["0.025"], stats["percentiles"]["99.975"])
    want, _ = np.histogram(finite[(finite >= core["low"]) & (finite <= core["high"])], bins=256,
                           range=(core["low"], core["high"]))
    assert np.abs(np.array(core["counts"]) - want).max() <= 2
    assert core["below"] == (finite < core["low"]).sum() and core["above"] == (finite > core["high"]).sum()
    assert sum(core["counts"]) + core["below"] + core["above"] == n
    assert "quantiles" not in stats
    # Versioned: immutable; conditional requests answer 304.
    r = server.get(f"/api/datasets/{d}/v{stats['version']}/histogram", headers=auth(token))
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"] and r.json() == stats
    again = server.get(f"/api/datasets/{d}/v{stats['version']}/histogram",
                       headers={**auth(token), "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_the_owner_saves_the_default_display_and_everyone_gets_it(server, tmp_path):
    # Values crowded at the low end (a square of a ramp), so equalising them differs from a linear map.
    y, x = np.mgrid[0:400, 0:600]
    src = tmp_path / "skewed.fits"
    write_fits(src, ((x + 1000.0 * y) ** 2 / 4e5).astype(np.float32), -32)
    owner = register(server)["access_token"]
    d = upload(server, owner, src)
    display = {"stretch": "asinh", "lo": -5, "hi": 3.5e5, "cmap": "inferno_r"}
    r = server.request("PATCH", f"/api/datasets/{d}", json={"display": display, "is_public": True}, headers=auth(owner))
    assert r.status_code == 200, r.text
    assert r.json()["stretch"]["display"] == display
    other = register(server)["access_token"]
    for headers in [auth(other), {}]:  # a reader, and a guest: the viewer opens with it
        assert server.get(f"/api/datasets/{d}", headers=headers).json()["stretch"]["display"] == display
    # Only the owner (or an administrator) changes it.
    r = server.request("PATCH", f"/api/datasets/{d}", json={"display": {**display, "cmap": "grey"}}, headers=auth(other))
    assert r.status_code in (403, 404), r.text
    # Hostile or wrong settings: the field and a code; nothing stored.
    for bad, code in [({"stretch": "gamma", "lo": 0, "hi": 1}, "invalid_stretch"),
                      ({"stretch": "log", "lo": 0, "hi": 1, "cmap": "jet"}, "invalid_colormap"),
                      ({"stretch": "log", "lo": 1, "hi": 1}, "invalid_cuts"),
                      ({"stretch": "log", "lo": -1e308, "hi": 1e308}, "invalid_cuts"),
                      ({"stretch": "log", "lo": "0", "hi": 1}, "validation_error"),
                      ({"stretch": "log", "lo": 0, "hi": 1, "extra": "<script>"}, "validation_error"),
                      ("linear", "validation_error")]:
        r = server.request("PATCH", f"/api/datasets/{d}", json={"display": bad}, headers=auth(owner))
        assert r.status_code == 400 and r.json()["code"] == code, (bad, r.text)
    assert server.get(f"/api/datasets/{d}", headers=auth(owner)).json()["stretch"]["display"] == display
    # A reprocess keeps it; null forgets it.
    r = server.request("POST", f"/api/datasets/{d}/reprocess", json={"stretch": "histeq"}, headers=auth(owner))
    assert r.status_code in (200, 202), r.text
    status, _ = tus.wait_for_dataset(server, owner, d)
    assert status["status"] == "completed", status
    body = server.get(f"/api/datasets/{d}", headers=auth(owner)).json()
    assert body["stretch"]["kind"] == "histeq" and body["stretch"]["display"] == display, body["stretch"]
    # The server's histeq build draws what a live histeq tile with the build's cuts draws (within the
    # built tiles' JPEG error), and not what a linear one draws.
    built = body["pyramid"]["stretch"]
    v, fmt = body["pyramid_version"], body["pyramid"]["tile_format"]
    tile = pixels(server.get(f"/api/datasets/{d}/v{v}/image_files/10/1_0.{fmt}", headers=auth(owner)).content)
    def live(stretch):
        r = server.get(f"/api/datasets/{d}/v{v}/live/10/1_0.png", headers=auth(owner),
                       params={"stretch": stretch, "lo": built["low"], "hi": built["high"]})
        assert r.status_code == 200, r.text
        return pixels(r.content)
    grey = lambda a: (a if a.ndim == 2 else a[..., 0]).astype(np.float64)
    assert np.abs(grey(tile) - grey(live("histeq"))).mean() < 2
    assert np.abs(grey(tile) - grey(live("linear"))).mean() > 5
    r = server.request("PATCH", f"/api/datasets/{d}", json={"display": None}, headers=auth(owner))
    assert r.status_code == 200 and "display" not in r.json()["stretch"], r.text


def test_the_cli_refuses_an_unknown_colour_map(tmp_path, generated):
    src, _ = generated
    for args in [("--colormap", "jet"), ("--colormap", "viridis_r_r"), ("--stretch", "gamma")]:
        r = subprocess.run([str(BINARY), "tile", str(src), str(tmp_path / "x.pack"), "--progress", "none", *args],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (args, r.stderr)
        assert not (tmp_path / "x.pack").exists()
    assert "Unknown colour map" in subprocess.run(
        [str(BINARY), "tile", str(src), str(tmp_path / "x.pack"), "--colormap", "jet"],
        capture_output=True, text=True, timeout=60).stderr


def test_pixel_values_of_a_real_fits_file(server):
    if not REAL.exists():
        pytest.fail(f"{REAL} is missing: scripts/fetch-real-data.sh fetches it")
    data, cards = read_fits(REAL)  # Spitzer (SHA) image, 128 × 128 float32, BUNIT e-/sec
    shown = np.flipud(data)
    token = register(server)["access_token"]
    d = upload(server, token, REAL)
    for x, y in [(0, 0), (64, 64), (127, 127), (10, 100)]:
        r = server.get(f"/api/datasets/{d}/pixels", params={"x": x, "y": y, "size": 3}, headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["bunit"] == "e-/sec"
        want = shown[y, x]
        assert (body["value"] is None and np.isnan(want)) or body["value"] == float(want), (x, y, body["value"], want)
        assert body["values"][1][1] == body["value"]


def test_eight_bit_datasets_have_no_data_pyramid(server, tmp_path):
    token = register(server)["access_token"]
    src = tmp_path / "grey.png"
    Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)).save(src)
    d = upload(server, token, src)
    # (Their values are kept beside the display tiles instead: test_science_values.py.)
    for path in ["/histogram", "/live/6/0_0.png?lo=0&hi=1"]:
        r = server.get(f"/api/datasets/{d}{path}", headers=auth(token))
        assert r.status_code == 404 and r.json()["code"] == "no_data_pyramid", (path, r.text)

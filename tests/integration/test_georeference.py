"""GeoTIFF georeferencing read with libgeotiff: the EPSG code, the geotransform (corner convention,
pixel-is-point shifted by half a pixel), bounds and pixel size, in the pack and in the dataset."""
import io
import subprocess

import numpy as np
from PIL import Image

from support.accounts import register, bearer
from support.pack import Pack
from support.server import BINARY
from support import tus
from support.geotiff import UTM33N, geotiff_bytes

def geotiff(w, h, keys, scale, tie):
    y, x = np.mgrid[0:h, 0:w]
    return geotiff_bytes(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8), keys, scale, tie)


def tile_meta(tmp_path, data):
    src = tmp_path / "in.tif"
    src.write_bytes(data)
    r = subprocess.run([str(BINARY), "tile", str(src), str(tmp_path / "o.pack"), "--progress", "none"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return Pack(tmp_path / "o.pack").meta["meta"]


def test_projected_geotiff(tmp_path):
    geo = tile_meta(tmp_path, geotiff(400, 300, UTM33N, (10.0, 10.0, 0.0), (0, 0, 0, 500000.0, 4600000.0, 0)))["georeference"]
    assert geo["model"] == "projected" and geo["epsg"] == 32633 and geo["crs"] == "EPSG:32633"
    assert geo["geotransform"] == [500000.0, 10.0, 0.0, 4600000.0, 0.0, -10.0]
    assert geo["bounds"] == [500000.0, 4597000.0, 504000.0, 4600000.0]
    assert geo["pixel_size"] == [10.0, 10.0]


def test_geographic_pixel_is_point_geotiff(tmp_path):
    # WGS 84 degrees, the tie point on the first pixel's centre: the corner is half a pixel out.
    keys = [(1024, 0, 1, 2), (1025, 0, 1, 2), (2048, 0, 1, 4326)]
    geo = tile_meta(tmp_path, geotiff(360, 180, keys, (0.5, 0.5, 0.0), (0, 0, 0, -89.75, 44.75, 0)))["georeference"]
    assert geo["model"] == "geographic" and geo["crs"] == "EPSG:4326"
    assert geo["geotransform"] == [-90.0, 0.5, 0.0, 45.0, 0.0, -0.5]
    assert geo["bounds"] == [-90.0, -45.0, 90.0, 45.0]


def test_plain_tiff_has_no_georeference(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((50, 60, 3), np.uint8)).save(buf, format="TIFF")
    assert tile_meta(tmp_path, buf.getvalue())["georeference"] is None


def test_uploaded_geotiff_shows_its_georeference(server):
    token = register(server)["access_token"]
    data = geotiff(700, 500, UTM33N, (2.5, 2.5, 0.0), (0, 0, 0, 350000.0, 5100000.0, 0))
    _, last = tus.upload(server, token, data, {"filename": "field.tif", "category": "earth"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "completed", status
    geo = server.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid"]["georeference"]
    assert geo["crs"] == "EPSG:32633" and geo["pixel_size"] == [2.5, 2.5]
    assert geo["bounds"] == [350000.0, 5098750.0, 351750.0, 5100000.0]

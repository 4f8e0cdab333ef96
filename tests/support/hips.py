"""HiPS test helpers shared by the test_hips*.py files: a FITS image with a celestial WCS, an 8-bit colour
PNG with a .hhh header, the CLI steps that make their HiPS, and an independent reading of a HiPS (the
standard's pixel→cell order, astropy's bilinear sample)."""
import re

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy_healpix import core
from PIL import Image

from support.server import run_cli

S = 9  # 512-pixel tiles
W, H = 2000, 1500


def sky_image(tmp_path, ctype=("RA---TAN", "DEC--TAN"), crval=(83.8, -5.4), radesys="ICRS", equinox=None,
              name="img.fits"):
    y, x = np.mgrid[0:H, 0:W]
    data = (100 + 50 * np.sin(x / 37.0) + 30 * np.cos(y / 23.0) + 0.01 * x).astype(np.float32)
    data[100:140, 300:360] = np.nan  # blanks stay blank
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = ctype
    h["CRVAL1"], h["CRVAL2"] = crval
    h["CRPIX1"], h["CRPIX2"] = 1000.5, 750.5
    scale, angle = 2.0 / 3600, 0.3  # 2″ pixels, rotated
    h["CD1_1"], h["CD1_2"] = -scale * np.cos(angle), scale * np.sin(angle)
    h["CD2_1"], h["CD2_2"] = scale * np.sin(angle), scale * np.cos(angle)
    if radesys:
        h["RADESYS"] = radesys
    if equinox:
        h["EQUINOX"] = equinox
    path = tmp_path / name
    fits.PrimaryHDU(data, h).writeto(path)
    return path, data, h


CW, CH = 1200, 900  # the colour image


def hips_of(server, token, d):
    """Waits for dataset d's HiPS build to end; returns its pyramid's `hips` record (None when it has none)."""
    server.wait_for_event(
        lambda e: e.get("event") in ("hips_published", "hips_failed") and e.get("dataset") == d, timeout=120)
    r = server.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {token}"})
    return r.json()["pyramid"].get("hips")


def colour_image(directory, alpha=False):
    """A smooth RGB(A) sky of CW × CH with a 2″, rotated TAN WCS, as sky.png and a Hipsgen-style sky.hhh
    header beside it (the directory then is Hipsgen's in=)."""
    y, x = np.mgrid[0:CH, 0:CW]
    rgb = np.stack([128 + 100 * np.sin(x / 41.0), 128 + 90 * np.cos(y / 29.0), 20 + 200 * (x + y) / (CW + CH)], -1)
    pixels = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    if alpha:
        a = np.full((CH, CW, 1), 255, np.uint8)
        a[300:360, 500:580] = 0  # a hole: blank in the HiPS where all four neighbours are in it
        pixels = np.concatenate([pixels, a], -1)
    h = fits.Header()
    h["NAXIS"], h["NAXIS1"], h["NAXIS2"] = 2, CW, CH
    h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
    h["CRVAL1"], h["CRVAL2"] = 150.0, 20.0
    h["CRPIX1"], h["CRPIX2"] = CW / 2 + 0.5, CH / 2 + 0.5
    scale, angle = 2.0 / 3600, 0.3
    h["CD1_1"], h["CD1_2"] = -scale * np.cos(angle), scale * np.sin(angle)
    h["CD2_1"], h["CD2_2"] = scale * np.sin(angle), scale * np.cos(angle)
    h["RADESYS"] = "ICRS"
    png = directory / "sky.png"
    Image.fromarray(pixels).save(png)
    hhh = directory / "sky.hhh"
    hhh.write_text(h.tostring(sep="\n", endcard=True, padding=False))
    return png, hhh, pixels, h


def tile_and_hips(tmp_path, image, *extra):
    pack = tmp_path / (image.stem + ".pack")
    r = run_cli("tile", str(image), str(pack), "--format", "png", "--progress", "none", timeout=300)
    assert r.returncode == 0, r.stderr
    out = tmp_path / (image.stem + "-hips")
    return run_cli("hips", str(pack), str(out), "--progress", "none", *extra, timeout=600), out


def spread(v):
    out = 0
    for b in range(32):
        out |= ((v >> b) & 1) << (2 * b)
    return out


def cell_of_pixel(number, row, col):
    """HiPS 1.0 §4.2.1: the row (from the top) is the cell's x in its face (even bits), the column its y."""
    return (number << (2 * S)) | spread(row) | (spread(col) << 1)


def random_pixels(number, order, rng, n):
    """n random pixels of the deepest-order tile `number`: their rows and columns, and their cells'
    centres in degrees (astropy-healpix, the standard's pixel→cell order)."""
    rows, cols = rng.integers(0, 512, n), rng.integers(0, 512, n)
    cells = [cell_of_pixel(number, int(r), int(c)) for r, c in zip(rows, cols)]
    lon, lat = core.healpix_to_lonlat(cells, 2 ** (order + S), order="nested")
    return rows, cols, lon.to(u.deg).value, lat.to(u.deg).value


def bilinear(data, x, y):
    """astropy's 0-based pixel position (y from the bottom row); edges duplicated, blanks left out."""
    h, w = data.shape
    if not (-0.5 <= x <= w - 0.5 and -0.5 <= y <= h - 0.5):
        return np.nan
    i0, j0 = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - i0, y - j0
    total = weight = 0.0
    for dj in (0, 1):
        for di in (0, 1):
            wt = (fx if di else 1 - fx) * (fy if dj else 1 - fy)
            v = data[min(max(j0 + dj, 0), h - 1), min(max(i0 + di, 0), w - 1)]
            if wt > 0 and not np.isnan(v):
                total += wt * v
                weight += wt
    return total / weight if weight > 0 else np.nan


def properties(out):
    return dict(re.findall(r"^(\S+)\s*=\s*(.*)$", (out / "properties").read_text(), re.M))


def tiles_of(out, order, ext="fits"):
    return {int(re.search(r"Npix(\d+)", p.name).group(1)): p for p in out.glob(f"Norder{order}/Dir*/Npix*.{ext}")}

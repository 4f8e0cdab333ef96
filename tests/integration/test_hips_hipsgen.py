"""Our HiPS against Aladin's own Hipsgen (Debian `aladin` 12.001, run headless) on the same FITS image and
order: the same tiles at every order, and at 1,000 random positions of the deepest order the same values
(within float32 rounding) wherever the position is more than 1.5 source pixels from the image's edge or a
blank. There the two differ by design (ADR 0030): Hipsgen gives a blank neighbour a valid neighbour's
value and does not extend the edge pixels by half a pixel; we leave blanks out of the weights."""
import os
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from astropy_healpix import core
import astropy.units as u

from support.hips import S, cell_of_pixel, properties, sky_image, tile_and_hips, tiles_of

HIPSGEN_JAR = "/usr/share/java/aladin.jar"


def hipsgen(image, out, order, cut):
    """Hipsgen as Debian ships it, without a display; 2 threads like this machine."""
    assert shutil.which("java") and os.path.exists(HIPSGEN_JAR), "scripts/install-deps.sh installs aladin"
    r = subprocess.run(["java", "-Xmx1g", "-Djava.awt.headless=true", "-cp", HIPSGEN_JAR, "cds.allsky.HipsGen",
                        f"in={image}", f"out={out}", "creator_did=AstroPixel/P/test", f"hips_order={order}",
                        "hips_pixel_bitpix=-32", f"hips_pixel_cut={cut}", "maxThread=2", "INDEX", "TILES"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and (out / "properties").exists(), r.stdout + r.stderr
    return properties(out)


def near_blank_or_edge(data, margin=2):
    """Pixels within `margin` of a blank one (a square neighbourhood)."""
    blank = np.isnan(data)
    near = blank.copy()
    for dy in range(-margin, margin + 1):
        for dx in range(-margin, margin + 1):
            near |= np.roll(np.roll(blank, dy, 0), dx, 1)
    return near


def test_values_agree_with_hipsgen_at_a_thousand_positions(tmp_path):
    image, data, header = sky_image(tmp_path)
    r, ours = tile_and_hips(tmp_path, image, "--formats", "fits")
    assert r.returncode == 0, r.stderr
    order = int(properties(ours)["hips_order"])
    theirs_props = hipsgen(image, tmp_path / "hipsgen", order, "0 255")
    assert theirs_props["hips_order"] == str(order) and theirs_props["hips_frame"] == "equatorial"
    theirs = tmp_path / "hipsgen"

    # The same tiles at the deepest order and, through the hierarchy, at every lower one.
    for k in range(order + 1):
        assert set(tiles_of(ours, k)) == set(tiles_of(theirs, k)), k

    wcs = WCS(header)
    h, w = data.shape
    near = near_blank_or_edge(data)
    rng = np.random.default_rng(17)
    numbers = sorted(tiles_of(ours, order))
    cache = {}

    def tile(root, n):
        key = (str(root), n)
        if key not in cache:
            cache[key] = fits.getdata(tiles_of(root, order)[n])
        return cache[key]

    compared, excluded, blank_disagree, diffs = 0, 0, 0, []
    while compared < 1000:
        n = numbers[rng.integers(len(numbers))]
        row, col = (int(v) for v in rng.integers(0, 512, 2))
        lon, lat = core.healpix_to_lonlat(cell_of_pixel(n, row, col), 2 ** (order + S), order="nested")
        x, y = (float(v) for v in wcs.world_to_pixel_values(lon.to(u.deg).value, lat.to(u.deg).value))
        if not (1.5 <= x <= w - 2.5 and 1.5 <= y <= h - 2.5) or near[int(round(y)), int(round(x))]:
            excluded += 1
            continue
        compared += 1
        a, b = tile(ours, n)[511 - row, col], tile(theirs, n)[511 - row, col]  # FITS rows bottom-up
        if np.isnan(a) or np.isnan(b):
            blank_disagree += np.isnan(a) != np.isnan(b)
        else:
            diffs.append(abs(float(a) - float(b)))
    print(f"hipsgen: {compared} compared, {excluded} near an edge or blank, max |diff| {max(diffs):.3g}")
    assert blank_disagree == 0
    assert len(diffs) > 900
    assert max(diffs) <= 1e-6 * np.nanmax(np.abs(data)) * 10, max(diffs)  # float32 rounding of both

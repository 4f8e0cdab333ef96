"""`astropixel hips`: a HiPS (IVOA HiPS 1.0) of a FITS image, checked against independent implementations:
astropy-healpix for the HEALPix cells and astropy.wcs for the image's WCS. Every sampled tile pixel must
hold the original image's bilinear value at its cell's centre; lower orders are the means of their children;
properties, Allsky and the MOC are what Aladin reads."""
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
import astropy.units as u
from astropy.coordinates import FK4, SkyCoord
from PIL import Image

from support.hips import H, W, bilinear, properties, random_pixels, run_cli, sky_image, tile_and_hips, tiles_of


def test_tiles_hold_the_images_values_at_their_cells(tmp_path):
    image, data, header = sky_image(tmp_path)
    r, out = tile_and_hips(tmp_path, image)
    assert r.returncode == 0, r.stderr
    props = properties(out)
    order = int(props["hips_order"])
    # 2″ pixels: cells of order 17 (1.6″) are the first finer; 512-px tiles take 9 orders: 8.
    assert order == 8 and props["hips_frame"] == "equatorial" and props["hips_tile_width"] == "512"
    for key in ("creator_did", "obs_title", "dataproduct_type", "hips_version", "hips_release_date", "hips_status",
                "hips_tile_format", "hips_order", "hips_frame"):  # HiPS 1.0's mandatory keys
        assert props.get(key), key
    assert set(props["hips_tile_format"].split()) == {"png", "fits"}

    wcs = WCS(header)
    rng = np.random.default_rng(5)
    deepest = tiles_of(out, order)
    assert deepest and all(p.with_suffix(".png").exists() for p in deepest.values())
    diffs, blanks_disagree, samples = [], 0, 0
    for number, path in sorted(deepest.items()):
        tile = fits.getdata(path)  # FITS rows bottom-up
        assert tile.shape == (512, 512)
        rows, cols, lon, lat = random_pixels(number, order, rng, 150)
        xs, ys = wcs.world_to_pixel_values(lon, lat)
        for r, c, x, y in zip(rows, cols, xs, ys):
            ours, ref = tile[511 - r, c], bilinear(data, float(x), float(y))
            samples += 1
            if np.isnan(ours) or np.isnan(ref):
                blanks_disagree += np.isnan(ours) != np.isnan(ref)
            else:
                diffs.append(abs(float(ours) - ref))
    assert samples > 3000 and len(diffs) > 1500
    assert blanks_disagree == 0
    assert max(diffs) < 1e-4, max(diffs)  # float32 rounding of values near 200

    # Every order down to 0 exists, each tile the NaN-aware mean of its children's 2×2 blocks.
    for k in range(order):
        assert tiles_of(out, k), k
    parents = tiles_of(out, order - 1)
    number, path = next(iter(sorted(parents.items())))
    parent = fits.getdata(path)[::-1]  # top-down
    expected = np.full((512, 512), np.nan)
    for q in range(4):
        child_path = deepest.get(4 * number + q)
        if child_path is None:
            continue
        child = fits.getdata(child_path)[::-1].astype(np.float64)
        blocks = child.reshape(256, 2, 256, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-blank blocks: NaN, as expected
            mean = np.nanmean(blocks, axis=(1, 3))
        r0, c0 = (q & 1) * 256, (q >> 1) * 256
        expected[r0:r0 + 256, c0:c0 + 256] = mean
    both = ~np.isnan(expected)
    assert (np.isnan(parent) == np.isnan(expected)).all()
    assert np.allclose(parent[both], expected[both], rtol=1e-6)

    # PNG tiles: the pyramid's stretch, blanks transparent.
    png = Image.open(next(iter(deepest.values())).with_suffix(".png"))
    assert png.size == (512, 512) and png.mode in ("LA", "RGBA")

    # Allsky: the 768 order-3 tiles at 64 px, 27 to a row; the covered ones are not empty.
    allsky = fits.getdata(out / "Norder3" / "Allsky.fits")[::-1]
    assert allsky.shape == (29 * 64, 27 * 64)
    for number in tiles_of(out, 3):
        block = allsky[number // 27 * 64:(number // 27 + 1) * 64, number % 27 * 64:(number % 27 + 1) * 64]
        assert not np.isnan(block).all(), number
    assert Image.open(out / "Norder3" / "Allsky.png").size == (27 * 64, 29 * 64)

    # The MOC covers exactly the deepest tiles (NUNIQ, siblings merged) and reads as MOC 2.0.
    moc = fits.open(out / "Moc.fits")
    table = moc[1]
    assert table.header["MOCVERS"] == "2.0" and table.header["ORDERING"] == "NUNIQ"
    assert table.header["MOCORD_S"] == order
    covered = set()
    for uniq in table.data["UNIQ"]:
        k = (int(uniq).bit_length() - 3) // 2  # uniq = 4·4^k + n
        n = int(uniq) - 4 * 4 ** k
        covered.update(range(n << 2 * (order - k), (n + 1) << 2 * (order - k)))
    assert covered == set(deepest)


def test_galactic_images_keep_their_frame(tmp_path):
    image, _, _ = sky_image(tmp_path, ctype=("GLON-TAN", "GLAT-TAN"), crval=(120.0, 10.0), radesys=None)
    r, out = tile_and_hips(tmp_path, image, "--formats", "fits")
    assert r.returncode == 0, r.stderr
    props = properties(out)
    assert props["hips_frame"] == "galactic" and props["hips_tile_format"] == "fits"
    assert "hips_initial_ra" not in props  # those are ICRS; a galactic HiPS leaves them out
    assert not list(out.glob("Norder*/Dir*/*.png"))


def test_fk4_images_are_converted_to_icrs(tmp_path):
    """An FK4 B1950 image (old plates and surveys) lands where its stars are: each cell's ICRS centre is
    converted to FK4 B1950 at epoch J2000 (as DS9 and AST assume when the image names none; astropy's
    FK4 with obstime J2000) before the image's WCS. The two frames differ by about 40′ here, so a HiPS
    built as if the image were ICRS fails the comparison by thousands of pixels."""
    image, data, header = sky_image(tmp_path, radesys="FK4", equinox=1950.0)
    r, out = tile_and_hips(tmp_path, image, "--formats", "fits")
    assert r.returncode == 0, r.stderr
    props = properties(out)
    order = int(props["hips_order"])
    assert props["hips_frame"] == "equatorial"
    centre = SkyCoord(float(props["hips_initial_ra"]) * u.deg, float(props["hips_initial_dec"]) * u.deg,
                      frame="icrs").transform_to(FK4(equinox="B1950", obstime="J2000"))
    x, y = WCS(header).world_to_pixel_values(centre.ra.deg, centre.dec.deg)
    assert abs(x - (W - 1) / 2) < 0.01 and abs(y - (H - 1) / 2) < 0.01, (x, y)  # the image's centre

    wcs = WCS(header)
    rng = np.random.default_rng(7)
    diffs, unconverted = [], []
    for number, path in sorted(tiles_of(out, order).items()):
        tile = fits.getdata(path)
        rows, cols, lon, lat = random_pixels(number, order, rng, 100)
        icrs = SkyCoord(lon * u.deg, lat * u.deg, frame="icrs")
        fk4 = icrs.transform_to(FK4(equinox="B1950", obstime="J2000"))
        xs, ys = wcs.world_to_pixel_values(fk4.ra.deg, fk4.dec.deg)
        xi, yi = wcs.world_to_pixel_values(icrs.ra.deg, icrs.dec.deg)
        for r, c, x, y, x0, y0 in zip(rows, cols, xs, ys, xi, yi):
            ours, ref = tile[511 - r, c], bilinear(data, float(x), float(y))
            if np.isnan(ours) or np.isnan(ref):
                continue
            diffs.append(abs(float(ours) - ref))
            unconverted.append(np.hypot(x - x0, y - y0))
    assert len(diffs) > 1000
    # Values change by at most 2.7 per pixel (sky_image): 0.03 is 0.01 px, 0.02″.
    assert max(diffs) < 0.03, max(diffs)
    assert min(unconverted) > 1000, min(unconverted)


@pytest.mark.parametrize("what", ["fk4-1975", "no-wcs", "not-a-pack"])
def test_what_cannot_be_a_hips_is_refused_clearly(tmp_path, what):
    if what == "fk4-1975":
        image, _, _ = sky_image(tmp_path, radesys="FK4", equinox=1975.0)
        r, out = tile_and_hips(tmp_path, image)
        assert r.returncode == 5 and "FK4 of equinox 1975" in r.stderr and "wcs_unsupported" in r.stderr
    elif what == "no-wcs":
        path = tmp_path / "plain.fits"
        fits.PrimaryHDU(np.ones((300, 400), np.float32)).writeto(path)
        r, out = tile_and_hips(tmp_path, path)
        assert r.returncode == 5 and "no_celestial_wcs" in r.stderr
    else:
        junk = tmp_path / "junk.pack"
        junk.write_bytes(b"not a pack at all" * 100)
        out = tmp_path / "junk-hips"
        r = run_cli("hips", str(junk), str(out), "--progress", "none")
        assert r.returncode == 5, r.stderr
    assert not out.exists() or not any(out.rglob("*"))

"""`astropixel hips` of an 8-bit colour image (docs/research/colour-hips-plan.md): a PNG whose WCS is given
as a Hipsgen-style .hhh header file, since a colour image's pack holds none. Checked against an independent
model: astropy-healpix for the cells, astropy.wcs for the image's WCS, bilinear per channel on the source
pixels, rounded as Hipsgen rounds (floor(v + 0.5))."""
import numpy as np
import pytest
from astropy.wcs import WCS
from PIL import Image

from support.hips import bilinear, colour_image, properties, random_pixels, run_cli, tiles_of


def colour_hips(tmp_path, png, *extra):
    pack = tmp_path / "sky.pack"
    r = run_cli("tile", str(png), str(pack), "--format", "png", "--progress", "none", timeout=300)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "sky-hips"
    return run_cli("hips", str(pack), str(out), "--progress", "none", *extra, timeout=600), out


@pytest.mark.parametrize("alpha", [False, True], ids=["rgb", "rgba"])
def test_colour_tiles_hold_the_images_pixels_at_their_cells(tmp_path, alpha):
    png, hhh, pixels, header = colour_image(tmp_path, alpha)
    r, out = colour_hips(tmp_path, png, "--wcs", str(hhh))
    assert r.returncode == 0, r.stderr
    props = properties(out)
    order = int(props["hips_order"])
    assert order == 8
    assert props["dataproduct_subtype"] == "color" and props["hips_tile_format"] == "png"
    assert "hips_pixel_bitpix" not in props and "hips_pixel_cut" not in props
    assert not list(out.rglob("*.fits")) or [p.name for p in out.rglob("*.fits")] == ["Moc.fits"]

    # The model: the source as FITS sees it (rows bottom-up), blanks where alpha is 0.
    bottom_up = pixels[::-1].astype(np.float64)
    planes = [bottom_up[..., ch].copy() for ch in range(3)]
    if alpha:
        for p in planes:
            p[bottom_up[..., 3] == 0] = np.nan
    wcs = WCS(header)
    rng = np.random.default_rng(7)
    deepest = tiles_of(out, order, "png")
    assert deepest
    diffs, samples, blank_disagree, transparent_outside = [], 0, 0, 0
    for number, path in sorted(deepest.items()):
        tile = np.asarray(Image.open(path))
        assert tile.shape == (512, 512, 4)
        rows, cols, lon, lat = random_pixels(number, order, rng, 300)
        xs, ys = wcs.world_to_pixel_values(lon, lat)
        for r, c, x, y in zip(rows, cols, xs, ys):
            ref = [bilinear(p, float(x), float(y)) for p in planes]
            ours = tile[r, c]
            samples += 1
            if np.isnan(ref[0]):
                blank_disagree += ours[3] != 0
                transparent_outside += ours[3] == 0
                continue
            blank_disagree += ours[3] != 255
            diffs.append([abs(int(ours[ch]) - int(np.floor(ref[ch] + 0.5))) for ch in range(3)])
    diffs = np.array(diffs)
    assert samples > 3000 and len(diffs) > 1500 and transparent_outside > 100
    assert blank_disagree == 0
    # Our positions are interpolated to 10⁻³ px, which can tip a rounding: ±1, exact almost everywhere.
    assert diffs.max() <= 1, diffs.max()
    assert (diffs == 0).all(axis=1).mean() >= 0.99, (diffs == 0).all(axis=1).mean()

    # Each parent is the mean of its children's 2×2 blocks, per channel (of their unrounded values, so
    # within a level of the mean of the rounded children), blank only where all four are.
    parents = tiles_of(out, order - 1, "png")
    number, path = next(iter(sorted(parents.items())))
    parent = np.asarray(Image.open(path)).astype(np.float64)
    expected = np.zeros((512, 512, 4))
    for q in range(4):
        child_path = deepest.get(4 * number + q)
        if child_path is None:
            continue
        child = np.asarray(Image.open(child_path)).astype(np.float64).reshape(256, 2, 256, 2, 4)
        valid = child[..., 3] > 0
        count = valid.sum(axis=(1, 3))
        sums = (child[..., :3] * valid[..., None]).sum(axis=(1, 3))
        r0, c0 = (q & 1) * 256, (q >> 1) * 256
        with np.errstate(invalid="ignore", divide="ignore"):
            expected[r0:r0 + 256, c0:c0 + 256, :3] = sums / count[..., None]
        expected[r0:r0 + 256, c0:c0 + 256, 3] = np.where(count > 0, 255, 0)
    assert (parent[..., 3] == expected[..., 3]).all()
    opaque = parent[..., 3] == 255
    assert opaque.sum() > 1000
    assert np.abs(parent[opaque][:, :3] - expected[opaque][:, :3]).max() <= 1

    # Every order down to 0, and the Allsky in colour.
    for k in range(order):
        assert tiles_of(out, k, "png"), k
    allsky = Image.open(out / "Norder3" / "Allsky.png")
    assert allsky.size == (27 * 64, 29 * 64) and allsky.mode == "RGBA"


def test_what_cannot_be_a_colour_hips_is_refused_clearly(tmp_path):
    png, hhh, _, _ = colour_image(tmp_path)
    r, out = colour_hips(tmp_path, png)  # no --wcs: the pack of a PNG holds none
    assert r.returncode == 5 and "no_celestial_wcs" in r.stderr, r.stderr
    r, out = colour_hips(tmp_path, png, "--wcs", str(hhh), "--formats", "fits")
    assert r.returncode == 5 and "PNG tiles only" in r.stderr, r.stderr
    junk = tmp_path / "junk.hhh"
    junk.write_text("SIMPLE  =                    T\nEND\n")
    r, out = colour_hips(tmp_path, png, "--wcs", str(junk))
    assert r.returncode == 5 and "no_celestial_wcs" in r.stderr, r.stderr
    assert not out.exists() or not any(out.rglob("*"))

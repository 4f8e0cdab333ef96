"""HiPS on the server (ADR 0030): publishing a sky image's pyramid queues its HiPS build (a sandboxed
child), whose files land under hips/{id}/v{n}/ in the blob store and whose outcome shows in the dataset's
pyramid info; other images get none; deletion and a new version remove the old files."""
import pytest
import numpy as np
from astropy.io import fits

from support import tus
from support.accounts import bearer, register
from support.hips import hips_of, sky_image
from support.tus import upload_completed as upload


def test_a_sky_image_gets_its_hips_and_loses_it_with_the_dataset(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    image, _, _ = sky_image(tmp_path)
    d = upload(s, token, image)
    hips = hips_of(s, token, d)
    assert hips["status"] == "ready" and hips["order"] == 8 and hips["frame"] == "equatorial", hips
    root = s.data_dir / "blobs" / "hips" / d / "v1"
    # Blob keys are lower case: the strict path grammar makes the mapping one to one.
    assert (root / "properties").exists() and (root / "moc.fits").exists()
    assert (root / "norder3" / "allsky.fits").exists()
    assert len(list(root.glob("norder8/dir*/npix*.fits"))) == 31
    # The job ran in the sandboxed child, not in the server: the server never parsed the header for it.
    assert any(e.get("event") == "hips_published" and e.get("tiles") for e in s.events())

    # A new version (reprocess) drops the old version's HiPS and builds its own.
    r = s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token), json={})
    assert r.status_code in (200, 202), r.text
    s.wait_for_event(lambda e: e.get("event") == "hips_published" and e.get("dataset") == d and e.get("version") == 2,
                     timeout=120)
    assert not root.exists() or not any(root.rglob("*"))
    assert (s.data_dir / "blobs" / "hips" / d / "v2" / "properties").exists()

    assert s.request("DELETE", f"/api/datasets/{d}", headers=bearer(token)).status_code == 204
    assert not any((s.data_dir / "blobs" / "hips").rglob(f"*{d}*"))


def test_images_without_a_sky_get_no_hips_and_unusable_skies_say_why(make_server, tmp_path):
    s = make_server()
    token = register(s)["access_token"]
    plain = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.ones((300, 400), np.float32)).writeto(plain)
    d = upload(s, token, plain)
    assert "hips" not in s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid"]
    assert not (s.data_dir / "blobs" / "hips" / d).exists()
    # FK4 of equinox 1975: a celestial WCS HiPS cannot hold; the dataset stays completed, the HiPS says why.
    image, _, _ = sky_image(tmp_path, radesys="FK4", equinox=1975.0, name="fk4.fits")
    d = upload(s, token, image)
    hips = hips_of(s, token, d)
    assert hips["status"] == "failed" and hips["code"] == "wcs_unsupported", \
        (hips, [e for e in s.events() if e.get("event") in ("hips_failed", "hips_process_died")])
    assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["status"] == "completed"
    # FK4 B1950 is converted to ICRS (test_hips.py checks where it lands).
    image, _, _ = sky_image(tmp_path, radesys="FK4", equinox=1950.0, name="b1950.fits")
    hips = hips_of(s, token, upload(s, token, image))
    assert hips["status"] == "ready" and hips["frame"] == "equatorial", hips


def test_hips_routes_serve_it_with_the_datasets_access_rules(make_server, tmp_path):
    s = make_server()
    owner, stranger = register(s)["access_token"], register(s)["access_token"]
    image, _, _ = sky_image(tmp_path)
    d = upload(s, owner, image)
    assert hips_of(s, owner, d)["status"] == "ready"
    tile = "Norder8/Dir" + next((s.data_dir / "blobs" / "hips" / d / "v1" / "norder8").iterdir()).name[3:]
    npix = sorted((s.data_dir / "blobs" / "hips" / d / "v1" / "norder8").glob("dir*/npix*.fits"))[0].stem[4:]
    tile = f"{tile}/Npix{npix}"
    paths = ["properties", "Moc.fits", "Norder3/Allsky.png", "Norder3/Allsky.fits", tile + ".png", tile + ".fits"]
    for ident in (d, f"{d}-v1"):
        for path in paths:
            r = s.get(f"/hips/{ident}/{path}", headers=bearer(owner))
            assert r.status_code == 200, (path, r.text)
            assert "Access-Control-Allow-Origin" not in r.headers  # private: never to any origin
            # A private dataset: to others, exactly what a missing one answers.
            for headers in ({}, bearer(stranger)):
                hidden, missing = s.get(f"/hips/{ident}/{path}", headers=headers), \
                    s.get(f"/hips/{'f' * 32}/{path}", headers=headers)
                assert hidden.status_code == missing.status_code == 404 and hidden.json() == {
                    **missing.json(), "request_id": hidden.json()["request_id"]}
    props = s.get(f"/hips/{d}/properties", headers=bearer(owner))
    assert props.headers["Content-Type"].startswith("text/plain") and "hips_order" in props.text
    assert s.get(f"/hips/{d}/{tile}.fits", headers=bearer(owner)).headers["Content-Type"] == "application/fits"
    png = s.get(f"/hips/{d}-v1/{tile}.png", headers=bearer(owner))
    assert png.headers["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "immutable" in png.headers["Cache-Control"]  # a versioned URL
    again = s.get(f"/hips/{d}-v1/{tile}.png", headers={**bearer(owner), "If-None-Match": png.headers["ETag"]})
    assert again.status_code == 304
    # Strict paths: one spelling per file; tiles it does not hold and other files are 404.
    for bad in ["Norder08/Dir0/Npix1.png", tile.replace("Npix", "Npix0") + ".png", tile + ".jpg",
                tile.lower() + ".png", "Norder3/Dir0/Npix768.png", "index.html", "properties/x", "..%2Fproperties",
                "Norder8/Dir0/Npix0.png"]:
        assert s.get(f"/hips/{d}/{bad}", headers=bearer(owner)).status_code == 404, bad
    assert s.get(f"/hips/{d}-v2/properties", headers=bearer(owner)).status_code == 404  # not that version

    # Public: open to any origin, as HiPS clients run on other sites.
    r = s.request("PATCH", f"/api/datasets/{d}", headers=bearer(owner), json={"visibility": "public"})
    assert r.status_code == 200, r.text
    pub = s.get(f"/hips/{d}/properties")
    assert pub.status_code == 200 and pub.headers["Access-Control-Allow-Origin"] == "*"
    # A tile it does not hold: a 404 the client on another site can read (not a CORS failure).
    gap = s.get(f"/hips/{d}/Norder8/Dir0/Npix0.png")
    assert gap.status_code == 404 and gap.headers["Access-Control-Allow-Origin"] == "*" and gap.json()["code"] == "not_found"


@pytest.mark.browser
def test_aladin_lite_opens_the_servers_hips(make_server, tmp_path):
    """The real client over our routes: Aladin Lite on another origin loads /hips/{id}/ of a public dataset
    and draws its stars where Aladin's own coordinates put them."""
    import json
    import pathlib
    import subprocess
    from PIL import Image
    from test_hips_aladin import ARTIFACTS, NODE, STARS, W, H, brightness, star_field

    s = make_server(env={"WEB_ROOT": str(pathlib.Path(__file__).resolve().parents[2] / "web" / "dist")})
    token = register(s)["access_token"]
    image, wcs = star_field(tmp_path)
    _, last = tus.upload(s, token, image.read_bytes(), {"filename": image.name, "visibility": "public"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    assert status["status"] == "completed", status
    assert hips_of(s, token, d)["status"] == "ready"

    def world(x, y):
        return [float(v) for v in wcs.pixel_to_world_values(x, y)]

    centre = world(W / 2 - 0.5, H / 2 - 0.5)
    probes = [world(x, y) for x, y in STARS] + [world((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                                                 for a, b in zip(STARS, STARS[1:])]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "aladin-server.png"
    # Aladin opens the URL a user copies from our viewer's "Sky tiles (HiPS)" box.
    spec = {"ra": centre[0], "dec": centre[1], "fov": 0.8, "probes": probes, "viewer": s.url(f"/datasets/{d}")}
    run = subprocess.run(["node", str(NODE / "e2e_aladin.mjs"), s.url(f"/hips/{d}"), str(shot), json.dumps(spec)],
                         capture_output=True, text=True, timeout=240, cwd=NODE)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert "error" not in report and report["webgl2"] and report["drawn"], report
    assert report["viewer_hips_url"] == s.url(f"/hips/{d}"), report
    assert report["viewer_archive"] == s.url(f"/hips/{d}.tar"), report
    for failure in report["failed"]:
        assert failure.startswith("404 ") and "/Npix" in failure, report["failed"]
    served = [e["path"] for e in s.events() if e.get("event") == "request" and e.get("path", "").startswith("/hips/")]
    assert f"/hips/{d}/properties" in served and any("/Npix" in p for p in served), served
    img = Image.open(shot)
    xy = report["probes"]
    stars, middles = xy[:len(STARS)], xy[len(STARS):]
    for p in stars:
        assert brightness(img, *p).mean() > 180, [brightness(img, *q).tolist() for q in stars]
    for p in middles:
        assert brightness(img, *p).mean() < 40, [brightness(img, *q).tolist() for q in middles]


def test_the_hips_downloads_as_one_tar_archive(make_server, tmp_path):
    import io
    import tarfile
    s = make_server()
    owner, stranger = register(s)["access_token"], register(s)["access_token"]
    image, _, _ = sky_image(tmp_path)
    d = upload(s, owner, image)
    assert hips_of(s, owner, d)["status"] == "ready"
    r = s.get(f"/hips/{d}-v1.tar", headers=bearer(owner))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/x-tar" and int(r.headers["Content-Length"]) == len(r.content)
    assert f'filename="hips-{d}-v1.tar"' in r.headers["Content-Disposition"]
    with tarfile.open(fileobj=io.BytesIO(r.content)) as tar:
        names = tar.getnames()
        assert names[0] == f"hips-{d}-v1/properties"
        assert f"hips-{d}-v1/Moc.fits" in names and f"hips-{d}-v1/Norder3/Allsky.png" in names
        tiles = [n for n in names if "/Norder8/Dir" in n and n.endswith(".fits")]
        assert len(tiles) == 31
        # Every member is the file the HiPS routes serve, byte for byte.
        for name in names[:3] + tiles[:3]:
            served = s.get(f"/hips/{d}/{name.split('/', 1)[1]}", headers=bearer(owner))
            assert served.status_code == 200 and tar.extractfile(name).read() == served.content, name
        tar.extractall(tmp_path / "unpacked")  # our own archive: names checked above
    assert (tmp_path / "unpacked" / f"hips-{d}-v1" / "properties").read_text().startswith("creator_did")
    # A resumable download: a byte range is exactly that slice; the ETag answers 304; others get a 404.
    part = s.get(f"/hips/{d}-v1.tar", headers={**bearer(owner), "Range": "bytes=1000-70999"})
    assert part.status_code == 206 and part.content == r.content[1000:71000]
    assert part.headers["Content-Range"] == f"bytes 1000-70999/{len(r.content)}"
    assert s.get(f"/hips/{d}-v1.tar", headers={**bearer(owner), "If-None-Match": r.headers["ETag"]}).status_code == 304
    for headers in ({}, bearer(stranger)):
        assert s.get(f"/hips/{d}.tar", headers=headers).status_code == 404
    # A dataset without a HiPS: 404 as well.
    plain = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.ones((300, 400), np.float32)).writeto(plain)
    assert s.get(f"/hips/{upload(s, owner, plain)}.tar", headers=bearer(owner)).status_code == 404


def test_a_colour_composite_gets_a_colour_hips(make_server, tmp_path):
    """A composite of three sky images (ADR 0029) holds no FITS header of its own: its HiPS is built in
    colour from its exact pixels with the WCS its pyramid records (its red channel's), rebuilt as header
    cards in the sandboxed child; it is served like any HiPS."""
    import io

    from astropy.io import fits as afits
    from astropy.wcs import WCS
    from PIL import Image

    from support.hips import bilinear, random_pixels
    from test_composites import SETTINGS, band, compose, upload_fits, wcs_cards

    s = make_server()
    token = register(s)["access_token"]
    ids = [upload_fits(s, token, tmp_path, f"{c}.fits", band(seed), wcs_cards()) for seed, c in zip((1, 2, 3), "rgb")]
    r = compose(s, token, ids, SETTINGS)
    assert r.status_code == 202, r.text
    d = r.json()["id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    assert status["status"] == "completed", status
    hips = hips_of(s, token, d)
    assert hips["status"] == "ready" and hips["frame"] == "equatorial", \
        (hips, [e for e in s.events() if e.get("event") in ("hips_failed", "hips_process_died")])
    props = s.get(f"/hips/{d}/properties", headers=bearer(token)).text
    assert "dataproduct_subtype  = color" in props and "hips_tile_format     = png\n" in props, props
    order = hips["order"]
    root = s.data_dir / "blobs" / "hips" / d / "v1"
    assert not list(root.rglob("npix*.fits"))
    deepest = sorted(root.glob(f"norder{order}/dir*/npix*.png"))
    assert deepest

    # Its pixels: the composite's own image (its "original") at each cell's centre, through the red
    # channel's WCS, as test_hips_colour checks the CLI's.
    original = s.get(f"/api/datasets/{d}/original", headers=bearer(token))
    assert original.status_code == 200
    rgb = np.asarray(Image.open(io.BytesIO(original.content)).convert("RGB"))[::-1].astype(np.float64)
    header = afits.Header()
    header["NAXIS"], header["NAXIS1"], header["NAXIS2"] = 2, rgb.shape[1], rgb.shape[0]
    for key, value in wcs_cards():
        header[key] = value.strip("'") if value.startswith("'") else float(value)
    wcs = WCS(header)
    rng = np.random.default_rng(3)
    diffs = []
    for path in deepest:
        number = int(path.stem[4:])
        served = s.get(f"/hips/{d}/Norder{order}/Dir{number // 10000 * 10000}/Npix{number}.png", headers=bearer(token))
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
        tile = np.asarray(Image.open(io.BytesIO(served.content)))
        assert tile.shape == (512, 512, 4)
        rows, cols, lon, lat = random_pixels(number, order, rng, 200)
        xs, ys = wcs.world_to_pixel_values(lon, lat)
        for row, col, x, y in zip(rows, cols, xs, ys):
            ref = [bilinear(rgb[..., ch], float(x), float(y)) for ch in range(3)]
            if np.isnan(ref[0]):
                assert tile[row, col, 3] == 0
                continue
            assert tile[row, col, 3] == 255
            diffs.append(max(abs(int(tile[row, col, ch]) - int(np.floor(ref[ch] + 0.5))) for ch in range(3)))
    assert len(diffs) > 200 and max(diffs) <= 1, (len(diffs), max(diffs, default=None))

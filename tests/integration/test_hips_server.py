"""HiPS on the server (ADR 0030): publishing a sky image's pyramid queues its HiPS build (a sandboxed
child), whose files land under hips/{id}/v{n}/ in the blob store and whose outcome shows in the dataset's
pyramid info; other images get none; deletion and a new version remove the old files."""
import numpy as np
from astropy.io import fits

from support import tus
from support.accounts import bearer, register
from support.hips import sky_image


def upload(s, token, path):
    _, last = tus.upload(s, token, path.read_bytes(), {"filename": path.name})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    assert status["status"] == "completed", status
    return d


def hips_of(s, token, d):
    s.wait_for_event(lambda e: e.get("event") in ("hips_published", "hips_failed") and e.get("dataset") == d,
                     timeout=120)
    return s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["pyramid"].get("hips")


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
    # FK4: a celestial WCS HiPS cannot hold; the dataset stays completed, the HiPS says why.
    image, _, _ = sky_image(tmp_path, radesys="FK4", equinox=1950.0, name="fk4.fits")
    d = upload(s, token, image)
    hips = hips_of(s, token, d)
    assert hips["status"] == "failed" and hips["code"] == "wcs_unsupported", \
        (hips, [e for e in s.events() if e.get("event") in ("hips_failed", "hips_process_died")])
    assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["status"] == "completed"

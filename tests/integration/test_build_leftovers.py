"""What a pyramid build viewable while it builds (ADR 0034) leaves behind when it does not publish:
a reprocess or an administrator's cancel in the middle, the dataset deleted under it, the server
killed and the job given up. Its temporary pack, snapshot, pieces and snapshots in an object store and
scratch files are all removed, and the dataset row announces no build that is gone."""
import json
import signal
import sqlite3

import pytest

from support import tus
from support.accounts import bearer, register
from support.live_build import noise_png, storage, wait_for  # noqa: F401 (storage: a fixture)
from support.s3 import list_objects
from test_admin_tables import make_admin


def start_slow_build(s, token):
    """An upload whose build lasts six seconds or more, once its first snapshot is announced."""
    # Six strips of 256 rows, a second each.
    assert s.request("POST", "/api/_test/slow-builds?ms=1000").status_code == 204
    _, last = tus.upload(s, token, noise_png(1300, 1500, seed=11), {"filename": "left.png", "name": "Left"})
    d = last.headers["X-Dataset-Id"]

    def building():
        b = s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["building"]
        return b if b and b["tile_rows"][-1] >= 1 else None

    assert wait_for(building), "no snapshot was announced while the build ran"
    return d


def stored(s, storage, d):
    """What the dataset's pyramids hold in the store, and what of it scratch space holds."""
    if storage:
        blobs = [k.rsplit("/", 1)[1] for k in list_objects(storage, f"pyramids/{d}/")]
    else:
        folder = s.data_dir / "blobs" / "pyramids" / d
        blobs = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    scratch = sorted(p.name for p in (s.data_dir / "tmp").glob(f"{d}-*"))
    return blobs, scratch


def building_column(s, d):
    with sqlite3.connect(s.data_dir / "astropixel.db") as db:
        row = db.execute("SELECT status, building FROM datasets WHERE id = ?", (d,)).fetchone()
    return row[0], json.loads(row[1]) if row[1] else None


def job_finished(s, d, n=1):
    return [e for e in s.events("job_finished") if e.get("subject") == d and e.get("kind") == "build_pyramid"][n - 1:]


def test_a_reprocess_in_the_middle_of_a_build_announces_only_the_new_one(make_server):
    # One worker: the superseded build holds it until it notices the cancel, so the new build has not
    # started (and cleared the row) when the reprocess answers.
    s = make_server(env={"WORKERS": "1"})
    token = register(s)["access_token"]
    d = start_slow_build(s, token)
    r = s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token), json={"stretch": "asinh"})
    assert r.status_code in (200, 202), r.text
    assert r.json()["building"] is None
    # The row itself no longer names the abandoned build's snapshot (every instance's tile
    # directory reads it, whatever the status).
    status, building = building_column(s, d)
    assert building is None or building["version"] == 2, (status, building)

    seen = set()

    def done():
        body = s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()
        if body["building"]:
            seen.add(body["building"]["version"])
        return body["status"] in ("completed", "failed") and body

    final = wait_for(done, timeout=180)
    assert final and final["status"] == "completed" and final["pyramid_version"] == 2, final
    assert seen <= {2}, f"a superseded build was announced: {seen}"
    # The superseded build's files went with it; the published pack alone remains.
    assert wait_for(lambda: len(job_finished(s, d, 2)) == 1)
    blobs, scratch = stored(s, {}, d)
    assert len(blobs) == 1 and blobs[0].startswith("v2-") and blobs[0].endswith(".pack"), blobs
    assert scratch == []


@pytest.mark.parametrize("how", ["cancel", "delete"])
def test_a_build_stopped_in_the_middle_leaves_nothing(make_server, storage, how):
    s = make_server(env={"WORKERS": "1", **storage})
    token = register(s)["access_token"]
    admin = make_admin(s)
    d = start_slow_build(s, token)
    blobs, scratch = stored(s, storage, d)
    assert any(".live" in b or ".seg" in b for b in blobs), blobs  # there is something to remove
    if how == "cancel":
        jobs = s.get("/api/admin/jobs", headers=admin, params={"q": d, "kind": "build_pyramid"}).json()["items"]
        r = s.request("POST", f"/api/admin/jobs/{jobs[0]['id']}/cancel", headers=admin)
        assert r.status_code == 200, r.text
        status, building = building_column(s, d)
        assert status == "failed" and building is None, (status, building)
    else:
        assert s.request("DELETE", f"/api/datasets/{d}", headers=bearer(token)).status_code == 204
    finished = wait_for(lambda: job_finished(s, d))
    assert finished and finished[0]["outcome"] == "cancelled", finished
    # The build child was killed: its temporary pack is not removed by the child itself.
    assert stored(s, storage, d) == ([], [])


def test_a_killed_build_given_up_leaves_nothing(make_server, storage):
    # One attempt: the job that finds its attempt died is given up, and never runs the build again.
    env = {"WORKERS": "1", "JOB_LEASE_SECONDS": "3", "JOB_MAX_ATTEMPTS": "1", **storage}
    s = make_server(env=env)
    token = register(s)["access_token"]
    d = start_slow_build(s, token)
    s.stop(signal.SIGKILL)
    blobs, scratch = stored(s, storage, d)
    assert any(".tmp-" in b for b in blobs + scratch), (blobs, scratch)

    s2 = make_server(env=env, data_dir=s.data_dir)
    status, _ = tus.wait_for_dataset(s2, token, d, statuses=("failed", "completed"), timeout=60)
    assert status["status"] == "failed", status
    assert s2.get(f"/api/datasets/{d}", headers=bearer(token)).json()["building"] is None
    assert stored(s2, storage, d) == ([], [])
    assert [e["removed"] for e in s2.events("build_leftovers_removed") if e["dataset"] == d]


def test_a_tile_of_a_cancelled_build_whose_pieces_are_gone_is_a_404(make_server, s3_env):
    # An instance that read the building row before the cancel keeps its entry (a long directory
    # TTL here; another instance's in production): its pieces are gone, and nothing replaces them.
    s = make_server(env={"WORKERS": "1", "TILE_CACHE_TTL_MS": "600000", **s3_env})
    token = register(s)["access_token"]
    admin = make_admin(s)
    d = start_slow_build(s, token)
    first = s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["building"]
    top = len(first["tile_rows"]) - 1
    base = first["dzi"].replace("image.dzi", "image_files")
    assert s.get(first["dzi"], headers=bearer(token)).status_code == 200
    assert s.get(f"{base}/{top}/0_0.jpg", headers=bearer(token)).status_code == 200
    jobs = s.get("/api/admin/jobs", headers=admin, params={"q": d, "kind": "build_pyramid"}).json()["items"]
    assert s.request("POST", f"/api/admin/jobs/{jobs[0]['id']}/cancel", headers=admin).status_code == 200
    assert wait_for(lambda: job_finished(s, d))
    assert stored(s, s3_env, d) == ([], [])
    # A tile of the snapshot that this instance has not read yet: not a 503 to retry for ever.
    r = s.get(f"{base}/{top}/1_0.jpg", headers=bearer(token))
    assert r.status_code == 404, (r.status_code, r.text)

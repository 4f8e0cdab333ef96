"""Datasets through the real server: listing with filters, search, sort and paging; ownership and
visibility; update, delete, reprocess; disk-space and corrupt-image failures; retention; stats; the
demo dataset."""
import io
import time

import numpy as np
import pytest
import requests
from PIL import Image

from support.accounts import register, bearer
from support import tus


def png_bytes(w=300, h=200, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def new_dataset(server, token, wait=True, data=None, **meta):
    meta.setdefault("filename", "img.png")
    data = data if data is not None else png_bytes(seed=len(meta.get("name", "")))
    _, last = tus.upload(server, token, data, meta)
    dataset_id = last.headers["X-Dataset-Id"]
    if wait:
        tus.wait_for_dataset(server, token, dataset_id)
    return dataset_id


def test_list_filters_search_sort_and_paging(server):
    alice, bob = register(server), register(server)
    a, b = alice["access_token"], bob["access_token"]
    ids = {
        "orion": new_dataset(server, a, name="Orion Nebula", category="space", visibility="public",
                             description="M42 in Hα"),
        "olympus": new_dataset(server, a, name="Olympus Mons", category="mars"),
        "alps": new_dataset(server, b, name="Alps 100% cloud-free", category="earth", visibility="public"),
        "secret": new_dataset(server, b, name="Bob's private", category="space"),
    }
    names = lambda r: [d["name"] for d in r.json()["items"]]  # noqa: E731
    # Guests: public only. Alice: hers + public. Never Bob's private one.
    assert sorted(names(server.get("/api/datasets"))) == ["Alps 100% cloud-free", "Orion Nebula"]
    r = server.get("/api/datasets", headers=bearer(a))
    assert r.json()["total"] == 3 and "Bob's private" not in names(r)
    assert names(server.get("/api/datasets?mine=true", headers=bearer(a))) and \
        all(d["is_owner"] for d in server.get("/api/datasets?mine=true", headers=bearer(a)).json()["items"])
    assert server.get("/api/datasets?mine=true").status_code == 401
    assert names(server.get("/api/datasets?category=mars", headers=bearer(a))) == ["Olympus Mons"]
    assert names(server.get("/api/datasets?q=hα", headers=bearer(a))) == ["Orion Nebula"]  # description, any case
    assert names(server.get("/api/datasets?q=100%25", headers=bearer(a))) == ["Alps 100% cloud-free"]  # % literal
    assert names(server.get("/api/datasets?q=_", headers=bearer(a))) == []  # _ literal
    assert names(server.get("/api/datasets?sort=name", headers=bearer(a))) == \
        ["Alps 100% cloud-free", "Olympus Mons", "Orion Nebula"]
    assert names(server.get("/api/datasets?sort=-name", headers=bearer(a)))[0] == "Orion Nebula"
    page = server.get("/api/datasets?sort=name&limit=2&offset=2", headers=bearer(a)).json()
    assert page["total"] == 3 and [d["name"] for d in page["items"]] == ["Orion Nebula"]
    assert server.get("/api/datasets?status=completed", headers=bearer(a)).json()["total"] == 3
    for bad in ("sort=colour", "limit=0", "limit=x", "status=done", "category=venus", "visibility=all"):
        r = server.get("/api/datasets?" + bad, headers=bearer(a))
        assert r.status_code == 400, bad
        assert r.json()["field"] in bad


def test_other_users_private_dataset_is_invisible(server):
    alice, bob = register(server), register(server)
    d = new_dataset(server, alice["access_token"], name="Mine")
    missing = "0" * 32
    for path in (f"/api/datasets/{d}", f"/api/datasets/{d}/status"):
        r1 = server.get(path, headers=bearer(bob["access_token"]))
        r2 = server.get(path.replace(d, missing), headers=bearer(bob["access_token"]))
        assert r1.status_code == r2.status_code == 404
        assert (r1.json()["message"], r1.json()["code"]) == (r2.json()["message"], r2.json()["code"])
        assert server.get(path).status_code == 404
    assert server.request("PUT", f"/api/datasets/{d}", json={"name": "x"},
                          headers=bearer(bob["access_token"])).status_code == 404
    assert server.request("DELETE", f"/api/datasets/{d}", headers=bearer(bob["access_token"])).status_code == 404
    assert server.request("POST", f"/api/datasets/{d}/reprocess",
                          headers=bearer(bob["access_token"])).status_code == 404


def test_owner_updates_details_and_visibility(server):
    alice, bob = register(server), register(server)
    d = new_dataset(server, alice["access_token"], name="Draft")
    r = server.request("PUT", f"/api/datasets/{d}", headers=bearer(alice["access_token"]),
                       json={"name": "Final", "description": "Seen from Kitt Peak", "category": "space",
                             "is_public": True})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["visibility"]) == ("Final", "public")
    assert server.get(f"/api/datasets/{d}").status_code == 200  # guests now see it
    # Visible but not Bob's: 403, not 404.
    assert server.request("PUT", f"/api/datasets/{d}", json={"name": "Mine now"},
                          headers=bearer(bob["access_token"])).status_code == 403
    for body, field in (({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"category": "pluto"}, "category"),
                        ({"visibility": "world"}, "visibility"), ({"name": 5}, "name"),
                        ({"description": "a\x00b"}, "description")):
        r = server.request("PUT", f"/api/datasets/{d}", json=body, headers=bearer(alice["access_token"]))
        assert r.status_code == 400 and r.json()["field"] == field, body


def test_delete_removes_source_pyramid_and_tiles(server):
    alice = register(server)
    token = alice["access_token"]
    d = new_dataset(server, token, name="Doomed")
    info = server.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    assert server.get(info["urls"]["dzi"], headers=bearer(token)).status_code == 200
    assert list((server.data_dir / "blobs" / "pyramids" / d).iterdir())
    assert server.request("DELETE", f"/api/datasets/{d}", headers=bearer(token)).status_code == 204
    assert server.get(f"/api/datasets/{d}", headers=bearer(token)).status_code == 404
    assert server.get(info["urls"]["dzi"], headers=bearer(token)).status_code == 404
    assert server.get(f"/api/tiles/{d}/0/0/0.jpg", headers=bearer(token)).status_code == 404
    assert not (server.data_dir / "blobs" / "sources" / d / "source").exists()
    assert not list((server.data_dir / "blobs" / "pyramids" / d).glob("*"))


def test_delete_cancels_a_running_build(server):
    token = register(server)["access_token"]
    server.request("POST", "/api/_test/slow-builds?ms=300")
    d = new_dataset(server, token, wait=False, data=png_bytes(2000, 2000), name="Slow")
    # Limits for a sanitizer build on a loaded machine (the waits end at the event, so they cost nothing).
    server.wait_for_event(lambda e: e.get("event") == "job_started" and e.get("subject") == d, timeout=60)
    assert server.request("DELETE", f"/api/datasets/{d}", headers=bearer(token)).status_code == 204
    e = server.wait_for_event(lambda e: e.get("event") == "job_finished" and e.get("subject") == d, timeout=60)
    assert e["outcome"] == "cancelled"
    assert not list((server.data_dir / "blobs" / "pyramids" / d).glob("*"))


def test_reprocess_builds_a_new_version_while_the_old_one_serves(make_server):
    s = make_server(env={"WORKERS": "1"})
    token = register(s)["access_token"]
    d = new_dataset(s, token, name="Stretchy")
    v1 = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    assert v1["pyramid_version"] == 1
    s.request("POST", "/api/_test/slow-builds?ms=200")
    r = s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token), json={"stretch": "asinh"})
    assert r.status_code == 202 and r.json()["stretch"] == {"kind": "asinh"}
    # While version 2 is being built, version 1 keeps serving.
    assert s.get(v1["urls"]["dzi"], headers=bearer(token)).status_code == 200
    s.request("POST", "/api/_test/slow-builds?ms=0")
    status, _ = tus.wait_for_dataset(s, token, d, statuses=("completed",))
    # The status may still say completed from version 1: wait for version 2 itself (5 s of polls was
    # tight for a sanitizer build of it on a loaded machine).
    deadline = time.time() + 60
    while True:
        v2 = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
        if v2["pyramid_version"] == 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert v2["pyramid_version"] == 2
    assert s.get(v2["urls"]["dzi"], headers=bearer(token)).status_code == 200
    assert s.get(v1["urls"]["dzi"], headers=bearer(token)).status_code == 404  # the old version is gone
    packs = list((s.data_dir / "blobs" / "pyramids" / d).iterdir())
    assert len(packs) == 1 and packs[0].name.startswith("v2-")
    for bad in ({"stretch": "gamma"}, {"cuts": [5, 1]}, {"cuts": "x"}):
        r = s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token), json=bad)
        assert r.status_code == 400, bad


def test_build_fails_with_a_clear_reason_when_disk_is_short(make_server):
    s = make_server(env={"DISK_RESERVE_BYTES": "0"})
    token = register(s)["access_token"]
    data = png_bytes(400, 300)
    # Enough for the upload, not for 2× the input the build needs.
    s.request("POST", f"/api/_test/free-bytes?bytes={len(data) + 100}")
    t0 = time.time()
    d = new_dataset(s, token, wait=False, data=data, name="Too big")
    status, _ = tus.wait_for_dataset(s, token, d)
    assert time.time() - t0 < 5
    assert status["status"] == "failed" and status["failure_code"] == "insufficient_disk_space"
    assert str(len(data)) in status["failure_reason"] or "free" in status["failure_reason"]
    assert "needs" in status["failure_reason"] and "free" in status["failure_reason"]
    # Resumable after space is freed: reprocess succeeds.
    s.request("POST", "/api/_test/free-bytes")
    s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token))
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed"


def test_truncated_image_fails_with_corrupt_image(server):
    token = register(server)["access_token"]
    data = png_bytes(600, 400)[:20000]
    d = new_dataset(server, token, wait=False, data=data, name="Broken")
    status, _ = tus.wait_for_dataset(server, token, d)
    assert status["status"] == "failed" and status["failure_code"] == "corrupt_image"
    assert status["failure_reason"]
    assert server.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token)).status_code == 404


def test_private_datasets_expire_after_the_retention_time(make_server):
    # 10.8 s: the retention runs from the upload's creation, so it must outlast one upload and build on a
    # loaded sanitizer run (1.8 s did not: the dataset was gone before the first look at it).
    s = make_server(env={"DATASET_RETENTION_HOURS": "0.003", "MAINTENANCE_INTERVAL": "1"})
    token = register(s)["access_token"]
    public = new_dataset(s, token, name="Kept", visibility="public")
    private = new_dataset(s, token, name="Ephemeral")
    body = s.get(f"/api/datasets/{private}", headers=bearer(token)).json()
    assert body["expires_at"] is not None, body
    assert s.get(f"/api/datasets/{public}", headers=bearer(token)).json()["expires_at"] is None
    s.wait_for_event(lambda e: e.get("event") == "dataset_expired" and e.get("dataset") == private, timeout=40)
    assert s.get(f"/api/datasets/{private}", headers=bearer(token)).status_code == 404
    assert s.get(f"/api/datasets/{public}", headers=bearer(token)).status_code == 200


def test_stats_count_what_the_caller_can_see(server):
    alice, bob = register(server), register(server)
    new_dataset(server, alice["access_token"], name="A", category="space", visibility="public")
    new_dataset(server, bob["access_token"], name="B", category="mars")
    guest = server.get("/api/stats").json()
    assert guest["datasets"] == 1 and guest["by_category"] == {"space": 1}
    mine = server.get("/api/stats", headers=bearer(bob["access_token"])).json()
    assert mine["datasets"] == 2 and mine["by_category"] == {"mars": 1, "space": 1}
    assert mine["by_status"] == {"completed": 2} and mine["total_pixels"] == 2 * 300 * 200


def test_demo_dataset_on_first_start(make_server):
    s = make_server(env={"DEMO_DATASET": "true"})
    s.wait_for_event(lambda e: e.get("event") == "pyramid_published", timeout=60)
    items = s.get("/api/datasets").json()["items"]
    assert len(items) == 1
    demo = items[0]
    assert demo["is_demo"] and demo["is_public"] and demo["status"] == "completed" and demo["width"] > 4000
    assert s.get(demo["urls"]["preview"]).headers["Content-Type"] == "image/jpeg"
    user = register(s)
    assert s.request("DELETE", f"/api/datasets/{demo['id']}", headers=bearer(user["access_token"])).status_code == 403
    # A restart does not add a second one.
    s.stop()
    s2 = make_server(env={"DEMO_DATASET": "true"}, data_dir=s.data_dir)
    assert s2.get("/api/datasets").json()["total"] == 1
    s2.wait_for_event(lambda e: e.get("event") == "demo_present" and e.get("dataset") == demo["id"], timeout=60)
    # The demo decision runs on a thread the server joins on its way out: once it has exited, a second
    # demo would have been created (a fixed 0.5 s wait could not see one: making it takes seconds).
    assert s2.stop() == 0, s2.raw_log()
    assert not s2.events("demo_dataset_created") and not s2.events("demo_dataset_failed"), s2.raw_log()


def test_instances_starting_together_create_one_demo_dataset(make_server, pg_url, s3_env):
    from concurrent.futures import ThreadPoolExecutor
    env = {"DEMO_DATASET": "true", "DATABASE_URL": pg_url, "SECRET_KEY": "k" * 40, "WORKERS": "0", **s3_env}
    servers = [make_server(env=env, start=False) for _ in range(3)]
    with ThreadPoolExecutor(len(servers)) as pool:
        starts = [pool.submit(s.start) for s in servers]
    for f in starts:
        f.result()  # raises when an instance did not start (it once died migrating: duplicate key)
    for s in servers:
        assert s.proc.poll() is None, "\n".join(s.lines)
        assert s.get("/api/health").status_code == 200
    deadline = time.time() + 60
    while time.time() < deadline and not any(s.events("demo_dataset_created") for s in servers):
        time.sleep(0.2)
    assert servers[0].get("/api/datasets").json()["total"] == 1
    # Each instance joins its demo thread on its way out: once all have exited, every one has decided
    # (a fixed 2 s wait was a guess at how long a second one would take to appear).
    for s in servers:
        assert s.stop() == 0, s.raw_log()
    created = [e for s in servers for e in s.events("demo_dataset_created")]
    assert len(created) == 1, created
    assert not any(s.events("demo_dataset_failed") for s in servers), [s.raw_log() for s in servers]

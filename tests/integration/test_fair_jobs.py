"""Per-user fairness and limits (issue 14 item 9, docs/adr/0019-fair-jobs-and-per-user-limits.md):
one user's backlog of builds does not delay another user's build behind all of it, one user's builds
running at once are capped, a storage quota refuses an upload at creation with 403 quota_exceeded
before anything is stored, and reprocessing is rate-limited per user."""
import io
import sqlite3
import time

import numpy as np
import requests
from PIL import Image

from support.accounts import bearer, register
from support.server import run_cli
from support import tus


def png(seed, size=(64, 96)):
    buf = io.BytesIO()
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def upload(server, token, seed, size=(64, 96)):
    _, last = tus.upload(server, token, png(seed, size), {"filename": f"{seed}.png"})
    return last.headers["X-Dataset-Id"]


def wait_all(server, token, ids, timeout=120):
    for d in ids:
        status, _ = tus.wait_for_dataset(server, token, d, timeout=timeout)
        assert status["status"] == "completed", status


def test_one_users_backlog_does_not_delay_another_users_build(make_server):
    # Queued with no worker running, so the order the worker then starts them in is the queue's
    # choice alone: alice's ten first (older), bob's one last.
    s = make_server(env={"WORKERS": "0"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    alices = [upload(s, alice, i) for i in range(10)]
    bobs = upload(s, bob, 100)
    s.stop()

    s2 = make_server(env={"WORKERS": "1"}, data_dir=s.data_dir)
    wait_all(s2, alice, alices)
    wait_all(s2, bob, [bobs])
    # Builds only: the periodic expiry sweeps are jobs too (ADR 0022).
    started = [e["subject"] for e in s2.events("job_started") if e.get("kind") == "build_pyramid"]
    assert sorted(started) == sorted(alices + [bobs])
    # One worker: alice's oldest job, then bob's (fewer running, never served), then alice's others.
    # First-in-first-out would have started bob's 11th.
    assert started.index(bobs) == 1, started
    assert [d for d in started if d != bobs] == alices  # FIFO within one user
    with sqlite3.connect(s.data_dir / "astropixel.db") as db:
        finished = [r[0] for r in db.execute("SELECT subject FROM jobs WHERE kind = 'build_pyramid' "
                                                 "ORDER BY finished_at, claimed_at")]
    assert finished.index(bobs) == 1, finished


def test_one_users_builds_running_at_once_are_capped(make_server):
    s = make_server(env={"WORKERS": "3", "MAX_BUILDS_PER_USER": "1", "JOB_LEASE_SECONDS": "30"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    # Bob's job must arrive while alice still has one waiting, or there is no backlog for it to skip.
    # With 150 ms strips her builds could all be done before four uploads were (a sanitizer build on a
    # loaded machine uploads slowly): the builds started during the uploads are slow (3 s strips, so
    # alice's first holds her cap well past bob's upload), the later ones quick again.
    assert s.request("POST", "/api/_test/slow-builds?ms=3000").status_code == 204
    alices = [upload(s, alice, i, size=(1200, 300)) for i in range(3)]
    bobs = upload(s, bob, 100, size=(1200, 300))
    db = sqlite3.connect(s.data_dir / "astropixel.db")
    waiting = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND subject IN (?, ?, ?)",
                         alices).fetchone()[0]
    assert s.request("POST", "/api/_test/slow-builds?ms=150").status_code == 204
    assert waiting >= 1, "alice's builds were not waiting when bob's arrived: the test proves nothing"
    most, both_seen = {}, False
    deadline = time.time() + 120
    try:
        # Every look at the table is a fact about that moment: two of alice's jobs running at
        # once, however briefly seen, is the cap broken (without it three workers run all three).
        while time.time() < deadline:
            rows = db.execute("SELECT fairness_key, COUNT(*) FROM jobs WHERE state = 'running' "
                              "GROUP BY fairness_key").fetchall()
            for key, n in rows:
                most[key] = max(most.get(key, 0), n)
            both_seen = both_seen or len(rows) == 2
            if db.execute("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')").fetchone()[0] == 0:
                break
            time.sleep(0.02)
        keys = dict(db.execute("SELECT subject, fairness_key FROM jobs").fetchall())
    finally:
        db.close()
    wait_all(s, alice, alices)
    wait_all(s, bob, [bobs])
    alice_key, bob_key = keys[alices[0]], keys[bobs]
    assert alice_key and bob_key and alice_key != bob_key
    assert most.get(alice_key) == 1, most
    # Waiting jobs were not refused: all of alice's built, one after another, and bob's build ran
    # alongside hers on another worker instead of queueing behind her backlog.
    assert both_seen, most


def make_admin(server):
    run_cli("user", "create", "--email", "boss@example.org", "--username", "boss", "--admin", "--password-stdin",
            env={"DATA_DIR": str(server.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"},
            input="admin password here\n")
    r = server.request("POST", "/api/auth/login", json={"login": "boss", "password": "admin password here"})
    return bearer(r.json()["access_token"])


def stored(server):
    """What the server holds: upload rows, partial files and datasets."""
    with sqlite3.connect(server.data_dir / "astropixel.db") as db:
        uploads = db.execute("SELECT COUNT(*) FROM uploads").fetchone()[0]
        datasets = db.execute("SELECT COUNT(*) FROM datasets").fetchone()[0]
    parts = sorted(p.name for p in (server.data_dir / "uploads").glob("*"))
    return uploads, datasets, parts


def test_storage_quota_refuses_an_upload_at_creation_with_403(make_server):
    s = make_server(env={"USER_STORAGE_QUOTA_BYTES": "100000"})
    user = register(s)
    token, user_id = user["access_token"], user["user"]["id"]
    other = register(s)["access_token"]
    first = png(1)
    assert len(first) < 40000
    tus.upload(s, token, first, {"filename": "first.png"})
    assert s.get("/api/storage", headers=bearer(token)).json() == {
        "used_bytes": len(first), "quota_bytes": 100000, "custom": False}
    before = stored(s)

    # tus: the declared length would pass the quota; refused before anything is stored.
    over = 100000 - len(first) + 1
    r = tus.create(s, token, over, {"filename": "big.png"})
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "quota_exceeded"
    assert str(len(first)) in r.json()["detail"] and "100000" in r.json()["detail"]
    assert r.headers["Tus-Resumable"] == "1.0.0"
    # creation-with-upload: the body is not stored either.
    r = tus.create(s, token, over, {"filename": "big.png"}, body=b"\0" * 1000)
    assert r.status_code == 403 and r.json()["code"] == "quota_exceeded", r.text

    # Multipart: a declared Content-Length over the quota, and a chunked body whose bytes are.
    big = png(2, size=(200, 200))
    assert len(big) > 100000 - len(first)
    r = requests.post(s.url("/api/datasets/upload"), headers=bearer(token), files={"file": ("b.png", big)})
    assert r.status_code == 403 and r.json()["code"] == "quota_exceeded", r.text
    body, ctype = requests.models.RequestEncodingMixin._encode_files({"file": ("b.png", big)}, {})
    r = requests.post(s.url("/api/datasets/upload"), data=iter([body[:5000], body[5000:]]),
                      headers={**bearer(token), "Content-Type": ctype})
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 403 and r.json()["code"] == "quota_exceeded", r.text
    assert stored(s) == before

    # An open upload counts with its whole declared length.
    r = tus.create(s, token, 100000 - len(first), {"filename": "fits.png"})
    assert r.status_code == 201, r.text
    r2 = tus.create(s, token, 1, {"filename": "one.png"})
    assert r2.status_code == 403 and r2.json()["code"] == "quota_exceeded", r2.text
    assert requests.delete(s.url(r.headers["Location"]), headers=tus.headers(token)).status_code == 204

    # Another user is not affected; an administrator can raise this user's quota.
    r = requests.post(s.url("/api/datasets/upload"), headers=bearer(other), files={"file": ("c.png", png(3))})
    assert r.status_code == 201, r.text
    admin = make_admin(s)
    path = f"/api/admin/users/{user_id}/storage"
    assert s.request("PUT", path, headers=bearer(token), json={"quota_bytes": 0}).status_code == 403
    assert s.request("PUT", path, headers=admin, json={"quota_bytes": -1}).json()["field"] == "quota_bytes"
    assert s.request("PUT", "/api/admin/users/nobody/storage", headers=admin,
                     json={"quota_bytes": 1}).status_code == 404
    r = s.request("PUT", path, headers=admin, json={"quota_bytes": 10 ** 6})
    assert r.status_code == 200 and r.json() == {"used_bytes": len(first), "quota_bytes": 10 ** 6, "custom": True}
    r = requests.post(s.url("/api/datasets/upload"), headers=bearer(token), files={"file": ("b.png", big)})
    assert r.status_code == 201, r.text
    # Back to the default: over it again.
    r = s.request("PUT", path, headers=admin, json={"quota_bytes": None})
    assert r.json()["custom"] is False and r.json()["quota_bytes"] == 100000
    assert tus.create(s, token, 1, {"filename": "x.png"}).status_code == 403


def test_reprocess_is_rate_limited_per_user(make_server):
    s = make_server(env={"REPROCESS_RATE_LIMIT": "2/3600"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    a, b = upload(s, alice, 1), upload(s, bob, 2)
    wait_all(s, alice, [a])
    wait_all(s, bob, [b])
    for _ in range(2):
        r = s.request("POST", f"/api/datasets/{a}/reprocess", headers=bearer(alice), json={})
        assert r.status_code == 202, r.text
    r = s.request("POST", f"/api/datasets/{a}/reprocess", headers=bearer(alice), json={})
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    # Per user: bob's budget is his own.
    r = s.request("POST", f"/api/datasets/{b}/reprocess", headers=bearer(bob), json={})
    assert r.status_code == 202, r.text

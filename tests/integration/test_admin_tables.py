"""The admin tables through the real server (issue #18 point 7): users with their dataset count and
storage, datasets with owner, size, status and failure reason, jobs with retry and cancel; each
filtered, sorted by its listed columns only and paged. Hostile sort and filter values are refused
with 400, non-admins get 403 (guests 401), as docs/api.md says."""
import io
import json
import pathlib
import shutil
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.server import run_cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "admin-tables"

USER_SORTS = {
    "username": lambda u: u["username"],
    "email": lambda u: u["email"].lower(),
    "role": lambda u: u["role"],
    "created": lambda u: u["created_at"],
    "datasets": lambda u: u["dataset_count"],
    "storage": lambda u: u["storage_bytes"],
}
DATASET_SORTS = {
    "name": lambda d: d["name"].lower(),
    "owner": lambda d: d["owner_username"] or "",
    "status": lambda d: d["status"],
    "size": lambda d: d["source_bytes"],
    "storage": lambda d: d["storage_bytes"],
    "created": lambda d: d["created_at"],
}
# ISO timestamps carry whole seconds or milliseconds; rows made within one unit tie on the key, and
# their order is then the server's id tie-break, which these keys cannot see: compared without ids.
COARSE = {"created", "updated"}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The metadata database: the server's own SQLite file, or a fresh PostgreSQL database (the
    tables' SQL differs between the two only in reading pyramid_info's JSON)."""
    if request.param == "postgresql":
        return {"DATABASE_URL": request.getfixturevalue("pg_url")}
    return {}


def make_admin(server, name="tables_boss"):
    database = {k: v for k, v in server.env.items() if k == "DATABASE_URL"}
    run_cli("user", "create", "--email", f"{name}@example.org", "--username", name, "--admin", "--password-stdin",
            env={"DATA_DIR": str(server.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8", **database},
            input="admin password here\n")
    r = server.request("POST", "/api/auth/login", json={"login": name, "password": "admin password here"})
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


def png(width, height, seed):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (height, width, 3), np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def upload(server, token, data, name, wait=True):
    _, last = tus.upload(server, token, data, {"filename": f"{name}.png", "name": name})
    d = last.headers["X-Dataset-Id"]
    if wait:
        tus.wait_for_dataset(server, token, d)
    return d


def table(server, admin, path, **params):
    r = server.get(f"/api/admin/{path}", headers=admin, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def assert_sorted(items, key, descending, name):
    keys = [key(i) if name in COARSE else (key(i), i["id"]) for i in items]
    assert keys == sorted(keys, reverse=descending), (name, descending, keys)


def test_users_and_datasets_tables_count_storage_sort_filter_and_page(make_server, backend):
    server = make_server(env=backend)
    alice, bob = register(server), register(server)
    a_data = [png(96, 64, 1), png(300, 200, 2)]
    b_data = [png(128, 128, 3)]
    a_ids = [upload(server, alice["access_token"], a_data[0], "Alpha nebula"),
             upload(server, alice["access_token"], a_data[1], "beta cluster")]
    b_ids = [upload(server, bob["access_token"], b_data[0], "Gamma field")]
    admin = make_admin(server)

    # Datasets: owner, source size as uploaded, the published pack's size, status.
    rows = {d["id"]: d for d in table(server, admin, "datasets")["items"]}
    assert set(rows) == set(a_ids + b_ids)
    for d_id, data, owner in [(a_ids[0], a_data[0], alice), (a_ids[1], a_data[1], alice), (b_ids[0], b_data[0], bob)]:
        row = rows[d_id]
        assert row["owner_username"] == owner["user"]["username"] and row["owner_id"] == owner["user"]["id"]
        assert row["status"] == "completed" and row["failure_code"] is None and row["failure_reason"] is None
        assert row["source_bytes"] == len(data)
        packs = list((server.data_dir / "blobs" / "pyramids" / d_id).glob("*.pack"))
        assert len(packs) == 1, packs
        # The build records the bytes it wrote into the pack; the pack file holds them plus its index.
        assert 0 < row["pyramid_bytes"] <= packs[0].stat().st_size, (row, packs[0].stat().st_size)
        assert row["storage_bytes"] == row["source_bytes"] + row["pyramid_bytes"]

    # Users: dataset count and storage of each (an admin without datasets has 0 of both).
    users = {u["username"]: u for u in table(server, admin, "users")["items"]}
    assert len(users) == 3
    a_user, b_user = users[alice["user"]["username"]], users[bob["user"]["username"]]
    assert a_user["dataset_count"] == 2 and b_user["dataset_count"] == 1
    assert a_user["storage_bytes"] == sum(rows[i]["storage_bytes"] for i in a_ids)
    assert b_user["storage_bytes"] == rows[b_ids[0]]["storage_bytes"]
    assert users["tables_boss"]["dataset_count"] == 0 and users["tables_boss"]["storage_bytes"] == 0
    assert users["tables_boss"]["is_admin"] and users["tables_boss"]["role"] == "admin"
    # The Overview's Storage counts the same: sources plus pyramids of every dataset.
    stats = server.get("/api/admin/stats", headers=admin).json()
    assert stats["storage_bytes"] == sum(u["storage_bytes"] for u in users.values())
    assert stats["storage_bytes"] > sum(len(x) for x in a_data + b_data)

    # Sorting by each listed column, both directions, ties broken by id.
    for name, key in USER_SORTS.items():
        for descending in (False, True):
            items = table(server, admin, "users", sort=("-" if descending else "") + name)["items"]
            assert len(items) == 3
            assert_sorted(items, key, descending, name)
    for name, key in DATASET_SORTS.items():
        for descending in (False, True):
            items = table(server, admin, "datasets", sort=("-" if descending else "") + name)["items"]
            assert len(items) == 3
            assert_sorted(items, key, descending, name)
    # The sort means something: storage puts alice's larger image first, bob's owner name orders.
    by_storage = [d["id"] for d in table(server, admin, "datasets", sort="-storage")["items"]]
    assert by_storage[0] == max(rows, key=lambda i: rows[i]["storage_bytes"])

    # Filters: text (name, owner), state; LIKE wildcards are literal.
    assert [d["id"] for d in table(server, admin, "datasets", q="GAMMA")["items"]] == b_ids
    owned = table(server, admin, "datasets", q=alice["user"]["username"])
    assert {d["id"] for d in owned["items"]} == set(a_ids) and owned["total"] == 2
    assert table(server, admin, "datasets", status="completed")["total"] == 3
    assert table(server, admin, "datasets", status="failed")["total"] == 0
    assert table(server, admin, "datasets", owner=bob["user"]["id"])["total"] == 1
    # Each of these would match as a wildcard ("lpha_nebula" is "lpha nebula", "user%0" a username).
    for literal in ("%", "lpha_nebula", "' OR '1'='1", "\\"):
        assert table(server, admin, "datasets", q=literal)["total"] == 0, literal
    for literal in ("%", "user%0", "' OR '1'='1", "\\"):
        assert table(server, admin, "users", q=literal)["total"] == 0, literal
    assert table(server, admin, "datasets", q="lpha nebula")["total"] == 1
    assert table(server, admin, "users", status="admin")["total"] == 1
    assert table(server, admin, "users", status="active")["total"] == 3
    assert table(server, admin, "users", status="disabled")["total"] == 0

    # Paging: one row at a time walks the sorted list without gaps or repeats.
    whole = [d["id"] for d in table(server, admin, "datasets", sort="name")["items"]]
    paged = []
    for offset in range(4):
        page = table(server, admin, "datasets", sort="name", limit=1, offset=offset)
        assert page["total"] == 3 and page["limit"] == 1 and page["offset"] == offset
        paged += [d["id"] for d in page["items"]]
    assert paged == whole

    # Hostile values: 400 validation_error naming the parameter, never SQL.
    hostile = [
        ("datasets", "sort", "name; DROP TABLE users"), ("datasets", "sort", "owner_id"), ("datasets", "sort", "-"),
        ("datasets", "sort", "--name"), ("datasets", "sort", "NAME"), ("datasets", "sort", "name,id"),
        ("datasets", "sort", "1"), ("users", "sort", "password_hash"), ("users", "sort", "(SELECT 1)"),
        ("jobs", "sort", "lease_token"), ("datasets", "status", "completed' OR '1'='1"),
        ("datasets", "status", "COMPLETED"), ("users", "status", "root"), ("jobs", "status", "done"),
        ("jobs", "kind", "build pyramid"), ("jobs", "kind", "x' OR 1=1"), ("users", "limit", "0"),
        ("users", "limit", "201"), ("datasets", "limit", "ten"), ("datasets", "offset", "-1"),
        ("jobs", "offset", "1e3"), ("users", "q", "x" * 201),
    ]
    for path, param, value in hostile:
        r = server.get(f"/api/admin/{path}", headers=admin, params={param: value})
        assert r.status_code == 400, (path, param, value, r.text)
        assert r.json()["code"] == "validation_error" and r.json()["field"] == param, (path, param, r.json())
    assert table(server, admin, "users")["total"] == 3  # still there

    # Only administrators: 401 for guests, 403 for other users (docs/api.md).
    for method, path in [("GET", "/api/admin/users"), ("GET", "/api/admin/datasets"), ("GET", "/api/admin/jobs"),
                         ("POST", "/api/admin/jobs/x/retry"), ("POST", "/api/admin/jobs/x/cancel")]:
        assert server.request(method, path).status_code == 401, path
        r = server.request(method, path, headers=bearer(bob["access_token"]))
        assert r.status_code == 403, (path, r.text)


def wait_for_job(server, admin, dataset_id, states, timeout=60):
    """Polls the jobs table until the dataset's newest build is in one of `states`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        items = table(server, admin, "jobs", q=dataset_id, kind="build_pyramid")["items"]
        if items and items[0]["state"] in states:
            return items[0]
        time.sleep(0.1)
    raise AssertionError(f"the build of {dataset_id} never reached {states}: {items}")


def test_retry_of_a_failed_build_rebuilds_it(make_server, backend):
    s = make_server(env=backend)
    user = register(s)
    token = user["access_token"]
    admin = make_admin(s)
    assert s.request("POST", f"/api/_test/build-fault?kind=network:{s.port}").status_code == 204
    d = upload(s, token, png(64, 48, 4), "Broken build")
    assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["status"] == "failed"

    failed = table(s, admin, "jobs", status="failed")["items"]
    assert [j["dataset_id"] for j in failed] == [d]
    job = failed[0]
    assert job["kind"] == "build_pyramid" and job["dataset_name"] == "Broken build"
    assert job["owner_username"] == user["user"]["username"] and job["finished_at"]
    assert "network" in job["last_error"].lower(), job
    row = table(s, admin, "datasets", status="failed")["items"][0]
    assert row["failure_code"] == "network_attempt" and row["failure_reason"], row

    assert s.request("POST", "/api/_test/build-fault?kind=").status_code == 204
    r = s.request("POST", f"/api/admin/jobs/{job['id']}/retry", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["state"] in ("queued", "running", "succeeded") and r.json()["attempts"] <= 1
    status, _ = tus.wait_for_dataset(s, token, d)
    assert status["status"] == "completed", status
    assert s.get(f"/api/datasets/{d}/image_files/0/0_0.jpg", headers=bearer(token)).status_code == 200
    assert wait_for_job(s, admin, d, ("succeeded",))["id"] == job["id"]
    # Only a failed job can be retried; an unknown one is 404.
    r = s.request("POST", f"/api/admin/jobs/{job['id']}/retry", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "conflict", r.text
    assert s.request("POST", "/api/admin/jobs/no-such-job/retry", headers=admin).status_code == 404


def test_cancel_of_a_queued_and_of_a_running_build(make_server, backend):
    s = make_server(env={"WORKERS": "1", **backend})
    user = register(s)
    token = user["access_token"]
    admin = make_admin(s)
    # The one worker is held by a build that hangs, so the next build waits in the queue.
    assert s.request("POST", "/api/_test/build-fault?kind=hang").status_code == 204
    running = upload(s, token, png(64, 48, 5), "Hanging build", wait=False)
    wait_for_job(s, admin, running, ("running",))
    queued = upload(s, token, png(64, 48, 6), "Waiting build", wait=False)
    job = wait_for_job(s, admin, queued, ("queued",))

    r = s.request("POST", f"/api/admin/jobs/{job['id']}/cancel", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled" and r.json()["finished_at"]
    body = s.get(f"/api/datasets/{queued}", headers=bearer(token)).json()
    assert body["status"] == "failed" and body["failure_code"] == "cancelled", body
    r = s.request("POST", f"/api/admin/jobs/{job['id']}/cancel", headers=admin)
    assert r.status_code == 409, r.text
    assert table(s, admin, "jobs", status="cancelled")["total"] == 1

    # The running one is asked to stop; its worker ends it, and the worker is free again.
    hung = wait_for_job(s, admin, running, ("running",))
    r = s.request("POST", f"/api/admin/jobs/{hung['id']}/cancel", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["cancel_requested"] is True
    assert wait_for_job(s, admin, running, ("cancelled",))["id"] == hung["id"]
    assert s.get(f"/api/datasets/{running}", headers=bearer(token)).json()["failure_code"] == "cancelled"
    assert s.request("POST", "/api/_test/build-fault?kind=").status_code == 204
    fine = upload(s, token, png(64, 48, 7), "Fine build")
    assert s.get(f"/api/datasets/{fine}", headers=bearer(token)).json()["status"] == "completed"

    # A cancelled build can be retried like a failed one: it runs again and the dataset completes.
    r = s.request("POST", f"/api/admin/jobs/{job['id']}/retry", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["state"] in ("queued", "running", "succeeded"), r.json()
    assert wait_for_job(s, admin, queued, ("succeeded",))["id"] == job["id"]
    assert s.get(f"/api/datasets/{queued}", headers=bearer(token)).json()["status"] == "completed"
    assert s.request("POST", f"/api/admin/jobs/{job['id']}/retry", headers=admin).status_code == 409


@pytest.mark.browser
def test_admin_tables_in_a_browser(make_server):
    """tests/node/e2e_admin_tables.mjs in Chromium: sort from the keyboard, filter, cancel, retry."""
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST), "WORKERS": "1"})
    user = register(s, username="tables_user", password="tables user password")
    token = user["access_token"]
    admin = make_admin(s, "tables_admin")
    upload(s, token, png(200, 150, 8), "Andromeda")
    assert s.request("POST", f"/api/_test/build-fault?kind=network:{s.port}").status_code == 204
    broken = upload(s, token, png(64, 48, 9), "Broken")
    assert s.request("POST", "/api/_test/build-fault?kind=hang").status_code == 204
    hanging = upload(s, token, png(64, 48, 10), "Hanging", wait=False)
    wait_for_job(s, admin, hanging, ("running",))
    queued = upload(s, token, png(64, 48, 11), "Queued", wait=False)
    wait_for_job(s, admin, queued, ("queued",))

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    r = subprocess.run(["node", str(NODE / "e2e_admin_tables.mjs"), s.base, "tables_admin", "admin password here",
                        "tables_user", "tables user password", str(ARTIFACTS)], capture_output=True, text=True,
                       timeout=240, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert report["steps"] == ["user-kept-out", "tables", "users-sorted", "datasets-filtered", "cancelled", "retried"]
    assert report["axe"] == [], report["axe"]
    assert report["storage_sort_focus"] == "storage"
    assert report["users_by_storage"] == ["tables_user", "tables_admin"]
    assert "4" in report["user_row"], report["user_row"]  # the dataset count
    assert "Broken" in report["failed_dataset_row"] and "network" in report["failed_dataset_row"].lower(), report
    assert "Andromeda" in report["searched_dataset_row"]
    assert report["name_sort"] == "ascending" and report["state_sort"] == "ascending"
    assert "Broken" in report["failed_job_row"] and "network" in report["failed_job_row"].lower()
    assert len(report["dialogs"]) == 3 and all("?" in d for d in report["dialogs"]), report["dialogs"]
    assert report["job_states"] == sorted(report["job_states"]), report["job_states"]
    assert report["console_errors"] == [], report["console_errors"]
    assert len(list(ARTIFACTS.glob("*.png"))) == 5
    # What the page did happened on the server: the retried build completes.
    status, _ = tus.wait_for_dataset(s, token, broken)
    assert status["status"] == "completed", status
    for d in (hanging, queued):
        assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["failure_code"] == "cancelled"

"""Administration through the real server: statistics, every dataset, the activity feed, force
delete, and deleting a user together with their datasets; all of it closed to non-admins."""
import io

import numpy as np
from PIL import Image

from support.accounts import bearer, register
from support.server import run_cli
from support import tus


def make_admin(server):
    run_cli("user", "create", "--email", "boss@example.org", "--username", "boss", "--admin", "--password-stdin",
            env={"DATA_DIR": str(server.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"},
            input="admin password here\n")
    r = server.request("POST", "/api/auth/login", json={"login": "boss", "password": "admin password here"})
    return bearer(r.json()["access_token"])


def upload(server, token, name):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((64, 96, 3), np.uint8)).save(buf, format="PNG")
    _, last = tus.upload(server, token, buf.getvalue(), {"filename": "a.png", "name": name})
    d = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(server, token, d)
    return d


def test_admin_overview_and_deletions(server):
    alice, bob = register(server), register(server)
    a1 = upload(server, alice["access_token"], "Alice one")
    upload(server, alice["access_token"], "Alice two")
    b1 = upload(server, bob["access_token"], "Bob private")
    admin = make_admin(server)
    for path in ("/api/admin/stats", "/api/admin/datasets", "/api/admin/activity"):
        assert server.get(path).status_code == 401
        assert server.get(path, headers=bearer(bob["access_token"])).status_code == 403
    stats = server.get("/api/admin/stats", headers=admin).json()
    assert stats["users"] == 3 and stats["datasets"] == 3 and stats["by_status"] == {"completed": 3}
    assert stats["storage_bytes"] > 0 and stats["jobs"]["succeeded"] == 3
    listed = server.get("/api/admin/datasets?q=private", headers=admin).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == b1  # admins see private datasets too
    feed = server.get("/api/admin/activity", headers=admin).json()["items"]
    assert {x["kind"] for x in feed} == {"dataset", "user"} and feed[0]["at"] >= feed[-1]["at"]
    # Force delete someone else's dataset: its tiles stop at once (the tile cache is told).
    tile = f"/api/datasets/{b1}/image_files/0/0_0.jpg"
    assert server.get(tile, headers=bearer(bob["access_token"])).status_code == 200
    assert server.request("DELETE", f"/api/admin/datasets/{b1}", headers=bearer(bob["access_token"])).status_code == 403
    assert server.request("DELETE", f"/api/admin/datasets/{b1}", headers=admin).status_code == 204
    assert server.get(f"/api/datasets/{b1}", headers=bearer(bob["access_token"])).status_code == 404
    assert server.get(tile, headers=bearer(bob["access_token"])).status_code == 404
    # Delete a user: their datasets, sources and pyramids go too; their session stops working.
    uid = alice["user"]["id"]
    assert server.request("DELETE", f"/api/admin/users/{uid}", headers=admin).status_code == 204
    assert server.get("/api/auth/me", headers=bearer(alice["access_token"])).status_code == 401
    assert server.get("/api/admin/stats", headers=admin).json()["datasets"] == 0
    assert not (server.data_dir / "blobs" / "sources" / a1).exists()
    assert server.request("DELETE", f"/api/admin/users/{uid}", headers=admin).status_code == 404
    me = server.get("/api/auth/me", headers=admin).json()["id"]
    r = server.request("DELETE", f"/api/admin/users/{me}", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "cannot_modify_self"

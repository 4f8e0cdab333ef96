"""A server killed with -9 in the middle of a pyramid build: nothing partial is ever served, the job
runs again once its lease expires, finishes exactly once, leaves no staging files, and produces the
same pyramid as an undisturbed build."""
import hashlib
import io
import signal
import sqlite3
import subprocess
import time

import numpy as np
from PIL import Image

from support.accounts import register, bearer
from support.server import BINARY
from support import tus


def test_kill_9_during_a_build(make_server, tmp_path):
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (1500, 1800, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    data = buf.getvalue()
    # The lease is renewed every second (WorkerPool's tick, src/jobs/worker_pool.hpp): at 2 s, one renewal
    # late by a second on a loaded sanitizer run loses the lease mid-build, and the job runs once more
    # than counted below. 6 s leaves 5 s of slack and costs the restart only a few seconds.
    env = {"JOB_LEASE_SECONDS": "6"}
    s = make_server(env=env)
    token = register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=250")
    _, last = tus.upload(s, token, data, {"filename": "crash.png"})
    d = last.headers["X-Dataset-Id"]
    # Killed once the build has visibly progressed.
    tus.wait_for_dataset(s, token, d, statuses=("processing",))
    deadline = time.time() + 20
    while time.time() < deadline and s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["progress"] < 5:
        time.sleep(0.1)
    s.stop(signal.SIGKILL)
    pyramids = s.data_dir / "blobs" / "pyramids" / d
    assert any(".tmp-" in p.name for p in pyramids.iterdir()), "the killed build left its staging file behind"
    scratch = lambda: sorted(p.name for p in (s.data_dir / "tmp").glob(".child-*"))  # noqa: E731
    assert scratch(), "the killed build's child left its temporary directory behind"

    # Restarted (same data): nothing partial is visible; the job is re-run after its lease expires.
    s2 = make_server(env=env, data_dir=s.data_dir)
    body = s2.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    assert body["pyramid_version"] == 0 and body["urls"] is None
    assert s2.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token)).status_code == 404
    status, _ = tus.wait_for_dataset(s2, token, d, timeout=60)
    assert status["status"] == "completed"
    published = [e for e in s2.events("pyramid_published") if e["dataset"] == d]
    assert len(published) == 1
    assert not s.events("job_lease_lost") and not s2.events("job_lease_lost"), "a lease ran out while renewed"
    with sqlite3.connect(s.data_dir / "astropixel.db") as db:
        rows = db.execute("SELECT state, attempts FROM jobs WHERE subject = ?", (d,)).fetchall()
    assert rows == [("succeeded", 2)]
    packs = list(pyramids.iterdir())
    assert len(packs) == 1 and packs[0].suffix == ".pack", packs  # no orphaned staging files
    # The re-run's child removed what the killed one left (and its own directory when it ended).
    assert scratch() == [], scratch()
    assert any(e.get("removed") == 1 for e in s2.events("stale_child_scratch_removed"))

    # The same pyramid as an undisturbed build of the same source.
    clean = tmp_path / "clean.pack"
    src = s.data_dir / "blobs" / "sources" / d / "source"
    r = subprocess.run([str(BINARY), "tile", str(src), str(clean), "--progress", "none"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(packs[0]) == digest(clean)


def test_a_crashing_decoder_fails_its_dataset_not_the_server(make_server):
    """Decoders run in a child process: one that crashes (injected here; cfitsio 4.2's Rice decoder
    does it on damaged data, see test_malformed_inputs.py) fails the dataset with decoder_crashed,
    leaves nothing behind, and the server and the next build carry on."""
    s = make_server()
    token = register(s)["access_token"]
    png = io.BytesIO()
    Image.fromarray(np.zeros((300, 400, 3), np.uint8)).save(png, format="PNG")
    assert s.request("POST", "/api/_test/crash-builds?on=true").status_code == 204
    _, last = tus.upload(s, token, png.getvalue(), {"filename": "crash.png"})
    crashed = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, crashed)
    assert status["status"] == "failed", status
    d = s.get(f"/api/datasets/{crashed}", headers=bearer(token)).json()
    assert d["failure_code"] == "decoder_crashed" and "signal 6 (ABRT)" in d["failure_reason"], d
    assert s.events("build_process_died")
    assert list((s.data_dir / "blobs" / "pyramids").rglob("*")) in ([], [s.data_dir / "blobs" / "pyramids" / crashed])

    # The same server builds the next upload.
    assert s.request("POST", "/api/_test/crash-builds?on=false").status_code == 204
    assert s.get("/api/health").status_code == 200
    _, last = tus.upload(s, token, png.getvalue(), {"filename": "fine.png"})
    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"])
    assert status["status"] == "completed", status
    metrics = s.get("/metrics").text
    assert 'astropixel_pyramid_build_rss_bytes{phase="build_process_peak"}' in metrics


def test_the_build_process_holds_none_of_the_servers_sockets(make_server):
    """The child that decodes gets stdin, stdout, stderr and the files it opens itself: a client
    connection or the listening socket held by a long build would not close when the server closes it."""
    import os
    s = make_server()
    token = register(s)["access_token"]
    y, x = np.mgrid[0:2000, 0:1500]
    png = io.BytesIO()
    Image.fromarray(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)).save(png, format="PNG")
    assert s.request("POST", "/api/_test/slow-builds?ms=300").status_code == 204
    _, last = tus.upload(s, token, png.getvalue(), {"filename": "slow.png"})
    deadline, child = time.time() + 20, None
    while time.time() < deadline and child is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = open(f"/proc/{pid}/stat").read()
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == s.proc.pid and b"_build" in cmdline:
                child = pid
        time.sleep(0.05)
    assert child, "no build process seen"
    targets = [os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd") if int(fd) > 2]
    assert not [t for t in targets if t.startswith("socket:")], targets
    assert s.request("POST", "/api/_test/slow-builds?ms=0").status_code == 204
    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"], timeout=120)
    assert status["status"] == "completed", status

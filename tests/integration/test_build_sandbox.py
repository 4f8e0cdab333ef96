"""The processes that decode uploads (header probes and builds, docs/adr/0018) run sandboxed: without the
server's secrets, without network, with a deadline. A probe that crashes or hangs answers 422 and the
server carries on; a build that hangs fails its dataset with build_timeout, once."""
import io
import os
import time

import numpy as np
from PIL import Image

from support import tus
from support.accounts import bearer, register

SECRET = "s3cr3t-" + "k" * 40
STORE_SECRET = "store-secret-never-in-a-child"


def png_bytes(w=400, h=300):
    y, x = np.mgrid[0:h, 0:w]
    buf = io.BytesIO()
    Image.fromarray(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def children(pid, command):
    """Processes whose parent is `pid` and whose command line holds `command`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        if ppid == pid and command.encode() in cmdline:
            found.append(int(entry))
    return found


def test_a_build_process_has_no_secrets_no_network_and_limits(make_server):
    s = make_server(env={"SECRET_KEY": SECRET, "AWS_SECRET_ACCESS_KEY": STORE_SECRET})
    token = register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=400")
    _, last = tus.upload(s, token, png_bytes(1500, 1200), {"filename": "slow.png"})
    deadline = time.time() + 30
    pids = []
    while not pids and time.time() < deadline:
        pids = children(s.proc.pid, "_build")
        time.sleep(0.05)
    assert pids, "no build process seen"
    pid = pids[0]
    with open(f"/proc/{pid}/environ", "rb") as f:
        environ = f.read()
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    with open(f"/proc/{pid}/limits") as f:
        limits = f.read()
    net_child, net_server = os.readlink(f"/proc/{pid}/ns/net"), os.readlink(f"/proc/{s.proc.pid}/ns/net")
    s.request("POST", "/api/_test/slow-builds?ms=0")

    assert SECRET.encode() not in environ and b"SECRET_KEY" not in environ
    assert STORE_SECRET.encode() not in environ and b"DATA_DIR" not in environ
    assert b"PATH=" in environ
    assert "Seccomp:\t2" in status, status
    assert net_child != net_server, "the build shares the server's network namespace"
    assert any(line.startswith("Max open files") and "256" in line for line in limits.splitlines()), limits
    assert any(line.startswith("Max cpu time") and "unlimited" not in line for line in limits.splitlines()), limits

    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"])
    assert status["status"] == "completed", status


def test_a_build_process_cannot_reach_the_network(make_server):
    s = make_server()
    token = register(s)["access_token"]
    assert s.request("POST", f"/api/_test/build-fault?kind=network:{s.port}").status_code == 204
    _, last = tus.upload(s, token, png_bytes(), {"filename": "net.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d)
    body = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    assert body["failure_code"] == "network_attempt", body
    # seccomp refuses the socket itself (EACCES); the server's port is never reached.
    assert "socket refused: Permission denied" in body["failure_reason"], body


def test_a_hung_build_fails_with_build_timeout_once(make_server):
    # The deadline also binds the normal build that follows (the same server): 2 s of wall time for a
    # sanitizer build's child to start, decode and tile on a loaded machine was tight. 8 s is ample for
    # that 400x300 image and still what the hung build waits out.
    s = make_server(env={"BUILD_TIMEOUT_BASE_S": "8", "BUILD_TIMEOUT_PER_MEGAPIXEL_MS": "0"})
    token = register(s)["access_token"]
    assert s.request("POST", "/api/_test/build-fault?kind=hang").status_code == 204
    _, last = tus.upload(s, token, png_bytes(), {"filename": "hang.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=60)
    assert status["status"] == "failed", status
    body = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    assert body["failure_code"] == "build_timeout", body
    assert "stopped after 8 s" in body["failure_reason"], body
    assert len(s.events("build_process_stopped")) == 1
    assert not children(s.proc.pid, "_build"), "the hung build process is still there"

    # Not re-run: the job failed for good, and the next build on the same worker works.
    assert s.request("POST", "/api/_test/build-fault?kind=").status_code == 204
    _, last = tus.upload(s, token, png_bytes(), {"filename": "fine.png"})
    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"])
    assert status["status"] == "completed", status
    assert len(s.events("build_process_stopped")) == 1
    assert s.get(f"/api/datasets/{d}", headers=bearer(token)).json()["status"] == "failed"


def test_a_crashing_or_hanging_header_probe_answers_422(make_server):
    # The deadline also binds the normal probe at the end: 2 s for a sanitizer child to start and read a
    # PNG header on a loaded machine was tight; 6 s is what the hanging probe waits out.
    s = make_server(env={"PROBE_TIMEOUT_S": "6"})
    token = register(s)["access_token"]
    data = png_bytes()
    for kind, code in (("crash", "decoder_crashed"), ("hang", "probe_timeout")):
        assert s.request("POST", f"/api/_test/probe-fault?kind={kind}").status_code == 204
        r = tus.create(s, token, len(data), {"filename": f"{kind}.png"})
        r = tus.patch(s, token, r.headers["Location"], 0, data)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == code, r.json()
        assert s.get("/api/health").status_code == 200
    assert not children(s.proc.pid, "_probe")

    assert s.request("POST", "/api/_test/probe-fault?kind=").status_code == 204
    _, last = tus.upload(s, token, data, {"filename": "fine.png"})
    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"])
    assert status["status"] == "completed", status


def test_a_build_process_writes_only_to_its_output_and_cannot_read_the_server(make_server, tmp_path):
    """Landlock confines the decoder's writes to its output's directory; the server is not dumpable
    and the child keeps no capability, so the server's /proc/<pid>/environ stays closed to it."""
    s = make_server(env={"SECRET_KEY": SECRET})
    token = register(s)["access_token"]
    outside = tmp_path / "escaped"
    for fault, expected in ((f"write:{outside}", "write refused: Permission denied"),
                            ("environ", "read refused: Permission denied")):
        assert s.request("POST", f"/api/_test/build-fault?kind={fault}").status_code == 204
        _, last = tus.upload(s, token, png_bytes(), {"filename": "escape.png"})
        d = last.headers["X-Dataset-Id"]
        status, _ = tus.wait_for_dataset(s, token, d)
        body = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
        assert body["failure_code"] == "sandbox_escape_attempt", body
        assert expected in body["failure_reason"], body
    assert not outside.exists()
    assert not s.events("sandbox_restriction_unavailable")

    # The output directory stays writable: a normal build still completes.
    assert s.request("POST", "/api/_test/build-fault?kind=").status_code == 204
    _, last = tus.upload(s, token, png_bytes(), {"filename": "fine.png"})
    status, _ = tus.wait_for_dataset(s, token, last.headers["X-Dataset-Id"])
    assert status["status"] == "completed", status

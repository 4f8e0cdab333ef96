"""Several instances behind nginx, as deploy/ describes: PostgreSQL, Redis, an S3-compatible store
(s3rver), two `serve` instances without workers, one `astropixel worker`, and nginx configured by
deploy/nginx.conf (only addresses and paths substituted). An upload through nginx is built by the
worker and its tiles read through either instance; both instances count one client against one
quota; killing the instance holding an upload mid-way loses nothing. The processes share nothing on
disk: each has its own data directory."""
import hashlib
import io
import pathlib
import re
import signal
import socket
import subprocess
import time

import numpy as np
import pytest
import requests
from PIL import Image

from support.accounts import bearer
from support import tus
from support.worker import Worker

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    """deploy/nginx.conf with the instance addresses, the listening address and file paths replaced."""

    def __init__(self, work, ports):
        self.port = free_port()
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        conf = conf.replace("server 127.0.0.1:8081", f"server 127.0.0.1:{ports[0]}")
        conf = conf.replace("server 127.0.0.1:8082", f"server 127.0.0.1:{ports[1]}")
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        conf = conf.replace("pid /run/nginx-astropixel.pid;", f"pid {work}/nginx.pid;\nerror_log {work}/error.log;")
        temp = "".join(f"  {k}_temp_path {work}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        conf = conf.replace("http {\n", "http {\n" + temp, 1)
        assert conf.count(f"127.0.0.1:{ports[0]}") == 2 and conf.count(f"127.0.0.1:{ports[1]}") == 2
        work.mkdir(parents=True, exist_ok=True)
        (work / "nginx.conf").write_text(conf)
        subprocess.run(["nginx", "-t", "-q", "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")], check=True)
        subprocess.run(["nginx", "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")], check=True)
        self.pidfile = work / "nginx.pid"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, **kw):
        return requests.get(self.url(path), timeout=10, **kw)

    def request(self, method, path, **kw):
        return requests.request(method, self.url(path), timeout=30, **kw)

    def stop(self):
        if self.pidfile.exists():
            subprocess.run(["kill", self.pidfile.read_text().strip()], check=False)


@pytest.fixture
def cluster(make_server, pg_url, redis_url, s3_env, tmp_path):
    # Blobs and uploads in the object store, state in PostgreSQL, a signing key from the environment.
    import secrets
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url + "/3", "WORKERS": "0", "TRUSTED_PROXIES": "127.0.0.1",
           "RATE_LIMIT_DEFAULT": "5000/86400", "SECRET_KEY": secrets.token_hex(32), "S3_PART_SIZE": str(5 << 20),
           **s3_env}
    a = make_server(env=env, data_dir=tmp_path / "a")
    b = make_server(env=env, data_dir=tmp_path / "b")
    worker = Worker({"DATA_DIR": str(tmp_path / "worker"), "DATABASE_URL": pg_url, **s3_env})
    proxy = Nginx(tmp_path / "nginx", [a.port, b.port])
    yield a, b, worker, proxy
    proxy.stop()
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(20) == 0, "".join(worker.lines)


def image_bytes():
    rng = np.random.default_rng(11)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (1800, 2000, 3), dtype=np.uint8)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def handled_by(instances, upload_id, timeout=30):  # returns at the first line found: no cost when it works
    """Which instances logged a PATCH of the upload (the log line follows the response: wait for it)."""
    deadline = time.time() + timeout
    while True:
        found = [i for i, s in enumerate(instances)
                 if any(e.get("event") == "request" and upload_id in e.get("path", "") and e.get("method") == "PATCH"
                        for e in s.events())]
        if found or time.time() > deadline:
            return found
        time.sleep(0.05)


def test_upload_through_nginx_survives_losing_an_instance(cluster, s3_env):
    a, b, worker, proxy = cluster
    r = proxy.request("POST", "/api/auth/register", json={"email": "m@example.org", "username": "multi",
                                                           "password": "a long enough password"})
    assert r.status_code == 201, r.text
    token = r.json()["access_token"]

    data = image_bytes()
    half = len(data) // 2
    created = tus.create(proxy, token, len(data), {"filename": "cluster.png", "name": "Cluster"})
    assert created.status_code == 201, created.text
    loc = created.headers["Location"]
    upload_id = loc.rsplit("/", 1)[1]
    first = tus.patch(proxy, token, loc, 0, data[:half])
    assert first.status_code == 204 and int(first.headers["Upload-Offset"]) == half
    owners = handled_by([a, b], upload_id)
    assert len(owners) == 1, "every PATCH of one upload goes to one instance"
    # The instance holding the upload dies; nginx sends the rest to the other one.
    dead, alive = (a, b) if owners[0] == 0 else (b, a)
    dead.stop(signal.SIGKILL)
    offset = int(tus.head(proxy, token, loc).headers["Upload-Offset"])
    assert offset == half, "acknowledged bytes survive the instance"
    last = tus.patch(proxy, token, loc, offset, data[offset:])
    assert last.status_code == 204, last.text
    assert handled_by([alive], upload_id) == [0], "the surviving instance took the upload over"
    dataset = last.headers["X-Dataset-Id"]

    status, _ = tus.wait_for_dataset(proxy, token, dataset, timeout=90)
    assert status["status"] == "completed", status
    # Built by the worker, not by a serve instance.
    assert any(e.get("phase") == "after_tiling" for e in worker.events("job_memory"))
    assert not any(e.get("event") == "job_memory" for e in a.events() + b.events())
    # The stored source, read back from the object store, is the uploaded file.
    endpoint, (bucket, _, prefix) = s3_env["S3_ENDPOINT_URL"], s3_env["STORAGE_URL"][5:].partition("/")
    stored = requests.get(f"{endpoint}/{bucket}/{prefix}/uploads/{upload_id}/source", timeout=10)
    assert stored.status_code == 200 and hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(data).hexdigest()

    # Tiles through nginx and straight from the surviving instance: the same bytes.
    path = f"/api/datasets/{dataset}/image_files/11/0_0.jpg"
    via_proxy = proxy.get(path, headers=bearer(token))
    direct = alive.get(path, headers=bearer(token))
    assert via_proxy.status_code == direct.status_code == 200
    assert via_proxy.content == direct.content


def test_instances_share_one_quota_behind_nginx(cluster, redis_url):
    a, b, _, proxy = cluster
    # The client is known by X-Forwarded-For (nginx is a trusted proxy); one counter in Redis. The
    # policy gives one request back every 17 s (5000/86400), counted from a fresh counter: with
    # 1000/60 one came back every 60 ms, and six requests on a loaded machine saw a refill.
    cluster_db = redis_url + "/3"  # the cluster's REDIS_URL
    keys = subprocess.run(["redis-cli", "-u", cluster_db, "--scan", "--pattern", "astropixel:rl:default:*"],
                          capture_output=True, text=True, check=True).stdout.split()
    if keys:
        subprocess.run(["redis-cli", "-u", cluster_db, "del", *keys], capture_output=True, check=True)
    remaining = []
    for _ in range(6):
        r = proxy.get("/api/nothing-here")
        remaining.append(int(re.search(r";r=(\d+);", r.headers["RateLimit"]).group(1)))
    assert remaining == list(range(4999, 4993, -1)), remaining
    # The instances' log lines reach us through pipes read by other threads, after the answers: wait
    # for them (a fixed 0.3 s could be too short for a loaded sanitizer build).
    deadline, served = time.time() + 30, set()
    while time.time() < deadline and served != {0, 1}:
        time.sleep(0.05)
        served = {i for i, s in enumerate([a, b])
                  if any(e.get("path") == "/api/nothing-here" for e in s.events("request"))}
    assert served == {0, 1}, "nginx spread the requests over both instances"

"""What every case of the reliability report shares: a registry of cases, a context that starts real
servers (the integration harness in tests/support) and stops them with a crash check, and small
measuring helpers. A case is a function taking the context and returning (what was done, the
figure, passed); every number in the figure comes from the run."""
import io
import os
import pathlib
import socket
import subprocess
import time

import numpy as np
from PIL import Image

from support.server import BINARY, Server

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = []


def case(name, quick=False, needs=()):
    """Registers a case. quick: part of the CI-sized subset. needs: services it cannot run without
    ('pg', 'redis', 's3', 'root')."""
    def register(fn):
        CASES.append({"name": name, "fn": fn, "quick": quick, "needs": tuple(needs)})
        return fn
    return register


def until(condition, what, timeout=60):
    """Waits for an observable condition instead of a fixed pause (a sanitizer build on a loaded machine
    takes far longer than any pause chosen on a fast one); raises Failed after `timeout` s."""
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise Failed("timed out waiting for " + what)
        time.sleep(0.02)


def requests_in_flight(server):
    """Requests the server is handling now, not counting the /metrics request that asks."""
    for line in server.get("/metrics").text.splitlines():
        if line.startswith("astropixel_http_requests_in_flight "):
            return float(line.split()[-1]) - 1
    raise Failed("astropixel_http_requests_in_flight missing from /metrics")


class Failed(Exception):
    """A check inside a case failed; the message becomes the figure."""


def check(condition, message):
    if not condition:
        raise Failed(message)


class Context:
    def __init__(self, work, quick):
        self.work = pathlib.Path(work)
        self.quick = quick
        self.servers = []
        self.cleanups = []
        self._n = 0

    def dir(self, name):
        self._n += 1
        d = self.work / f"{self._n:03d}-{name}"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def server(self, env=None, data_dir=None, start=True):
        # A directory the server creates itself, as on a first start (it sets the modes).
        s = Server(data_dir or self.dir("server") / "data", env=env)
        self.servers.append(s)
        return s.start(timeout=30) if start else s

    def finish(self):
        """Stops what the case started; returns crash reports (a signal other than our SIGKILL,
        or a sanitizer report, in any server the case ran)."""
        problems = []
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # a cleanup must not hide the case's result
                problems.append(f"cleanup failed: {e}")
        for s in self.servers:
            if s.proc is None:
                continue
            s.stop()
            log = s.raw_log()
            code = s.proc.returncode or 0
            if "Sanitizer" in log or "runtime error:" in log or (code < 0 and code not in (-9, -15)):
                problems.append(f"server exit {code}: " + log[-400:])
        self.servers, self.cleanups = [], []
        return problems


# -- images ------------------------------------------------------------------------------------------

def png(w, h, seed=0, noise=True):
    rng = np.random.default_rng(seed)
    if noise:
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    else:
        # uint8 all the way: a 6000² int64 grid would take gigabytes.
        x = (np.arange(w) % 256).astype(np.uint8)[None, :]
        y = (np.arange(h) % 256).astype(np.uint8)[:, None]
        img = np.empty((h, w, 3), np.uint8)
        img[:, :, 0], img[:, :, 1], img[:, :, 2] = x, y, x + y
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


# -- measuring ---------------------------------------------------------------------------------------

def rss_kib(pid, field="VmRSS"):
    """Resident memory of a process in KiB (VmHWM: its peak so far)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def connect(port, source="127.0.0.1", timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s, timeout=10):
    """Reads until the server closes, the timeout passes or the connection is reset."""
    s.settimeout(timeout)
    chunks = []
    while True:
        try:
            c = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not c:
            break
        chunks.append(c)
    return b"".join(chunks)


def raw(port, data, timeout=5, source="127.0.0.1"):
    s = connect(port, source, timeout)
    try:
        s.sendall(data)
        return read_response(s, timeout)
    finally:
        s.close()


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def header_lines(data):
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def tile_cli(*args, timeout=120):
    return subprocess.run([str(BINARY), "tile", *map(str, args)], capture_output=True, text=True, timeout=timeout)


class S3rver:
    """An s3rver of our own on a fixed port, so it can be stopped and started again (an outage)."""

    def __init__(self, work):
        self.dir = pathlib.Path(work)
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = None
        self.bucket = "hardening"

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        log = open(self.dir / "s3rver.log", "a")
        self.proc = subprocess.Popen([str(ROOT / "tests/node/node_modules/.bin/s3rver"), "-d", str(self.dir / "data"),
                                      "-a", "127.0.0.1", "-p", str(self.port), "--silent",
                                      "--configure-bucket", self.bucket], stdout=log, stderr=log)
        import requests
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(f"{self.endpoint}/{self.bucket}", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise Failed("s3rver did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def env(self, prefix):
        return {"STORAGE_URL": f"s3://{self.bucket}/{prefix}", "S3_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}

    def keys(self, prefix):
        import re
        import requests
        r = requests.get(f"{self.endpoint}/{self.bucket}", params={"list-type": "2", "prefix": prefix}, timeout=10)
        return sorted(re.findall(r"<Key>([^<]+)</Key>", r.text))


def shared_s3_env(prefix):
    endpoint, bucket = os.environ.get("ASTROPIXEL_TEST_S3_ENDPOINT"), os.environ.get("ASTROPIXEL_TEST_S3_BUCKET")
    return {"STORAGE_URL": f"s3://{bucket}/{prefix}", "S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}

"""Faults: kill -9 during uploads and builds, disk full, database and object-store outages, SIGTERM,
instances starting together, a wrong upload checksum."""
import base64
import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time

import requests

from common import S3rver, case, check, png, requests_in_flight, shared_s3_env, until
from support import tus
from support.accounts import bearer, register
from support.postgres import PgCluster, fresh_database


def _patch_killed_midway(ctx, s, token, loc, path, offset, end, env):
    """Sends bytes [offset, end) of `path` in one PATCH, holds the body once a random part of them is
    sent, and kills the server with -9 when it has written that part; returns the restarted server."""
    kill_at = random.randint((end - offset) // 4, 3 * (end - offset) // 4)
    on_wire = threading.Event()
    killed = threading.Event()
    sent = [0]

    def body():
        with open(path, "rb") as f:
            f.seek(offset)
            while offset + sent[0] < end:
                block = f.read(min(1 << 20, end - offset - sent[0]))
                yield block
                sent[0] += len(block)
                if sent[0] >= kill_at and not on_wire.is_set():
                    on_wire.set()
                    killed.wait(120)  # the rest of the body never reaches this server

    def send():
        try:
            tus.patch(s, token, loc, offset, body())
        except requests.RequestException:
            pass
        on_wire.set()

    t = threading.Thread(target=send)
    t.start()
    on_wire.wait(120)
    # Mid-body whatever the machine's speed (a fixed 50 ms could let the whole PATCH end, or kill
    # before any of it arrived): the server has written what was sent (HEAD counts written bytes on
    # local disk).
    until(lambda: not t.is_alive() or int(tus.head(s, token, loc).headers["Upload-Offset"]) >= offset + sent[0],
          "the server to write the PATCH's bytes sent so far")
    s.stop(signal.SIGKILL)
    killed.set()
    t.join(60)
    return ctx.server(env=env, data_dir=s.data_dir)


@case("kill9_during_upload", quick=True)
def kill9_during_upload(ctx):
    """kill -9 the server repeatedly in the middle of PATCH bodies of one tus upload, restart it on
    the same data, resume from HEAD; compare the stored source's SHA-256 with the file's."""
    size = (64 << 20) if ctx.quick else (2 << 30)
    kills = 2 if ctx.quick else 5
    chunk = size // (2 * kills + 2)
    path = ctx.dir("src") / "big.png"
    head = png(400, 300, seed=5)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        f.write(head)
        h.update(head)
        left = size - len(head)
        while left:
            block = os.urandom(min(64 << 20, left))
            f.write(block)
            h.update(block)
            left -= len(block)
    digest = h.hexdigest()
    env = {}
    s = ctx.server(env=env)
    token = register(s)["access_token"]
    loc = tus.create(s, token, size, {"filename": "big.png"}).headers["Location"]
    acked, offsets, lost, regressions, killed, last, patches = 0, [], 0, 0, 0, None, 0
    t0 = time.time()
    while True:
        off = int(tus.head(s, token, loc).headers["Upload-Offset"])
        if offsets and off < offsets[-1]:
            regressions += 1
        lost += max(0, acked - off)
        offsets.append(off)
        if off >= size:
            break
        end = min(size, off + chunk)
        patches += 1
        if killed < kills and patches % 2 == 0:  # every other PATCH dies with the server
            s = _patch_killed_midway(ctx, s, token, loc, path, off, end, env)
            killed += 1
            continue
        with open(path, "rb") as f:
            f.seek(off)
            last = tus.patch(s, token, loc, off, f.read(end - off))
        check(last.status_code == 204, f"PATCH answered {last.status_code}: {last.text[:200]}")
        acked = int(last.headers["Upload-Offset"])
        if offsets and acked < offsets[-1]:
            regressions += 1
        offsets.append(acked)
        if acked >= size:
            break
    elapsed = time.time() - t0
    d = last.headers["X-Dataset-Id"]
    stored = tus.sha256(s.data_dir / "blobs" / "sources" / d / "source")
    passed = killed == kills and lost == 0 and regressions == 0 and stored == digest
    return (f"tus upload of {size >> 20} MiB (PNG + random bytes) on local disk, kill -9 {kills} times mid-PATCH, "
            "restart, resume from HEAD",
            f"{killed} kills; acknowledged bytes lost {lost}; offset regressions {regressions}; "
            f"SHA-256 {'equal' if stored == digest else 'DIFFERENT'}; {size / 2**20 / elapsed:.0f} MiB/s overall",
            passed)


@case("kill9_during_build", quick=True)
def kill9_during_build(ctx):
    """kill -9 the server while it builds a pyramid; restart; poll the dataset until it completes."""
    env = {"JOB_LEASE_SECONDS": "2"}
    s = ctx.server(env=env)
    token = register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=250")
    _, last = tus.upload(s, token, png(1800, 1500, seed=7), {"filename": "crash.png"})
    d = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(s, token, d, statuses=("processing",))
    deadline = time.time() + 30
    while time.time() < deadline and s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["progress"] < 5:
        time.sleep(0.1)
    progress_at_kill = s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["progress"]
    s.stop(signal.SIGKILL)
    pyramids = s.data_dir / "blobs" / "pyramids" / d
    staging_at_kill = len([p for p in pyramids.iterdir() if ".tmp-" in p.name])
    t0 = time.time()
    s2 = ctx.server(env=env, data_dir=s.data_dir)
    partial_served, polls = 0, 0
    while time.time() - t0 < 120:
        st = s2.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()
        dzi = s2.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token)).status_code
        polls += 1
        if st["status"] != "completed" and dzi != 404:
            partial_served += 1
        if st["status"] in ("completed", "failed"):
            break
        time.sleep(0.1)
    recovered = time.time() - t0
    published = len([e for e in s2.events("pyramid_published") if e["dataset"] == d])
    with sqlite3.connect(s.data_dir / "astropixel.db") as db:
        rows = db.execute("SELECT state, attempts FROM jobs WHERE subject = ?", (d,)).fetchall()
    left = [p.name for p in pyramids.iterdir() if p.suffix != ".pack"]
    passed = st["status"] == "completed" and published == 1 and partial_served == 0 and not left
    return ("1800×1500 PNG build slowed to 250 ms/step, kill -9 at {}% progress, restart (lease 2 s)".format(
                progress_at_kill),
            f"completed {recovered:.1f} s after restart; completions {published}; jobs {rows}; partial pyramid served "
            f"{partial_served} of {polls} polls; staging files at kill {staging_at_kill}, left after {len(left)}",
            passed)


def _mount_tmpfs(ctx, size_mb):
    where = ctx.dir("tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(where)],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"mount failed: {r.stderr.strip()}")
    ctx.cleanups.append(lambda: subprocess.run(["umount", "-l", str(where)], check=True))
    return where


def _fill(where, leave_bytes):
    """Writes a filler file so that about `leave_bytes` stay free; returns it."""
    st = os.statvfs(where)
    free = st.f_bavail * st.f_frsize
    filler = where / "filler"
    with open(filler, "ab") as f:
        n = max(0, free - leave_bytes)
        while n:
            k = min(n, 1 << 20)
            f.write(b"\0" * k)
            n -= k
    return filler


def _free(where):
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize


@case("disk_full_during_upload", quick=True, needs=("root",))
def disk_full_during_upload(ctx):
    """DATA_DIR on a 64 MiB tmpfs: an upload larger than the free space is refused at creation; the
    disk then fills up under an upload that fitted; space is freed and the upload resumes."""
    where = _mount_tmpfs(ctx, 64)
    env = {"DISK_RESERVE_BYTES": str(2 << 20)}
    s = ctx.server(env=env, data_dir=where / "data")
    token = register(s)["access_token"]
    t0 = time.time()
    r = tus.create(s, token, 200 << 20, {"filename": "huge.png"})
    precheck_ms = (time.time() - t0) * 1000
    precheck = (r.status_code, r.json().get("code"))
    data = png(300, 200, seed=3) + os.urandom(12 << 20)
    loc = tus.create(s, token, len(data), {"filename": "fits.png"}).headers["Location"]
    first = tus.patch(s, token, loc, 0, data[:4 << 20])
    check(first.status_code == 204, f"first PATCH {first.status_code}")
    filler = _fill(where, 6 << 20)  # someone else fills the disk: 8 MiB more will not fit
    t0 = time.time()
    try:
        r = tus.patch(s, token, loc, 4 << 20, data[4 << 20:])
        full = (r.status_code, (r.json() if r.headers.get("Content-Type", "").startswith("application/json")
                                else {}).get("code"))
    except requests.RequestException as e:
        full = ("connection error", type(e).__name__)
    full_s = time.time() - t0
    health = s.get("/api/health").status_code
    kept = int(tus.head(s, token, loc).headers["Upload-Offset"])
    filler.unlink()
    r = tus.patch(s, token, loc, kept, data[kept:])
    resumed = r.status_code
    status = None
    if resumed == 204:
        status, _ = tus.wait_for_dataset(s, token, r.headers["X-Dataset-Id"], timeout=60)
    passed = (precheck == (507, "insufficient_disk_space") and precheck_ms <= 1000 and isinstance(full[0], int)
              and 400 <= full[0] < 600 and full[1] not in (None, "internal") and health == 200
              and kept >= 4 << 20 and resumed == 204 and status and status["status"] == "completed")
    return ("64 MiB tmpfs DATA_DIR; create 200 MiB upload; fill the disk while a 12 MiB upload is sent; free it; "
            "resume",
            f"pre-check {precheck[0]} {precheck[1]} in {precheck_ms:.0f} ms; disk full -> {full[0]} {full[1]} in "
            f"{full_s:.1f} s; health meanwhile {health}; kept {kept} B; resume -> {resumed}, dataset "
            f"{status['status'] + ' ' + str(status.get('failure_reason') or '') if status else '-'}",
            passed)


@case("disk_full_during_tiling", needs=("root",))
def disk_full_during_tiling(ctx):
    """DATA_DIR on a 32 MiB tmpfs filled to 3 MiB free; a small PNG whose pyramid needs far more is
    built; space is freed and the dataset reprocessed."""
    import io
    import numpy as np
    from PIL import Image
    where = _mount_tmpfs(ctx, 48)
    env = {"DISK_RESERVE_BYTES": str(1 << 20)}
    s = ctx.server(env=env, data_dir=where / "data")
    token = register(s)["access_token"]
    # Every row the same random row: PNG's Up filter makes it ~20 KB, the JPEG tiles of its
    # vertical stripes take tens of MB.
    row = np.random.default_rng(9).integers(0, 256, (1, 6000, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(np.repeat(row, 6000, axis=0)).save(buf, format="PNG")
    filler = _fill(where, 3 << 20)
    free_before = _free(where)
    _, last = tus.upload(s, token, buf.getvalue(), {"filename": "stripes.png"})
    d = last.headers["X-Dataset-Id"]
    t0 = time.time()
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    failed_s = time.time() - t0
    health = s.get("/api/health").status_code
    leftovers = [p.name for p in (s.data_dir / "blobs" / "pyramids").rglob("*") if p.is_file()]
    filler.unlink()
    s.request("POST", f"/api/datasets/{d}/reprocess", headers=bearer(token))
    again, _ = tus.wait_for_dataset(s, token, d, timeout=180)
    passed = (status["status"] == "failed" and status.get("failure_code") not in (None, "internal")
              and health == 200 and not leftovers and again["status"] == "completed")
    return ("48 MiB tmpfs DATA_DIR filled to 3 MiB free; build a 6000×6000 PNG (20 KB file, tens of MB of tiles); "
            "free the space; reprocess",
            f"{free_before >> 10} KiB free; build {status['status']} ({status.get('failure_code')}: "
            f"{(status.get('failure_reason') or '')[:60]}) after {failed_s:.1f} s; health {health}; pyramid files "
            f"left {len(leftovers)}; after freeing: {again['status']}",
            passed)


@case("database_outage_under_load", quick=True)
def database_outage_under_load(ctx):
    """PostgreSQL stopped under API load, then started again; the server is not restarted."""
    outage = 5 if ctx.quick else 20
    pg = PgCluster()
    ctx.cleanups.append(pg.destroy)
    # The per-address rate limit would answer this load 429 within the minute: not what is measured.
    s = ctx.server(env={"DATABASE_URL": pg.url, "DB_POOL_TIMEOUT_MS": "1000", "RATE_LIMIT_DEFAULT": "100000/60"})
    token = register(s)["access_token"]
    samples, stop = [], threading.Event()

    def load():
        while not stop.is_set():
            t = time.time()
            try:
                r = s.get("/api/datasets", headers=bearer(token), timeout=30)
                samples.append((t, time.time() - t, r.status_code, r.headers.get("Retry-After")))
            except requests.RequestException:
                samples.append((t, time.time() - t, "error", None))
            time.sleep(0.05)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1)  # a second of traffic with the database up: the scenario, not synchronisation
    pg.stop()
    down_at = time.time()
    time.sleep(outage)  # the outage under test
    pg.start()
    up_at = time.time()
    recovered = None
    while time.time() - up_at < 30:
        if s.get("/api/health").status_code == 200 and s.get("/api/datasets", headers=bearer(token)).status_code == 200:
            recovered = time.time() - up_at
            break
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    during = [x for x in samples if down_at + 0.5 < x[0] < up_at]
    answers = {}
    for _, _, code, _ in during:
        answers[code] = answers.get(code, 0) + 1
    bad = [x for x in during if x[2] not in (200, 503) or (x[2] == 503 and not x[3])]
    worst = max((x[1] for x in during), default=0)
    passed = (not bad and answers.get(503, 0) > 0 and worst <= 3 and recovered is not None and recovered <= 5
              and s.proc.poll() is None)
    return (f"4 clients listing datasets; PostgreSQL stopped for {outage} s, started again; server left running",
            f"{len(during)} answers during the outage {answers}; without Retry-After or other status {len(bad)}; "
            f"slowest {worst * 1000:.0f} ms; recovered {recovered if recovered is None else round(recovered, 1)} s "
            "after PostgreSQL returned",
            passed)


@case("object_store_outage", quick=True)
def object_store_outage(ctx):
    """The object store is killed as a build starts and brought back after the outage; the build
    must complete with exactly its objects, and the breaker must answer fast while it is open."""
    # The gauge's own sample line: its HELP text ("1 while the circuit breaker is open") contains
    # the same words, and matching it made every request count as "open".
    breaker_open = re.compile(r"^astropixel_object_store_breaker_open 1(\.0)?$", re.M)
    outage = 10 if ctx.quick else 60
    s3 = S3rver(ctx.dir("s3")).start()
    ctx.cleanups.append(s3.stop)
    env = s3.env("hard")
    s = ctx.server(env=env)
    token = register(s)["access_token"]
    _, last = tus.upload(s, token, png(1200, 900, seed=1), {"filename": "before.png"})
    ready = last.headers["X-Dataset-Id"]
    check(tus.wait_for_dataset(s, token, ready)[0]["status"] == "completed", "first build failed")
    s.request("POST", "/api/_test/slow-builds?ms=100")
    _, last = tus.upload(s, token, png(1500, 1100, seed=2), {"filename": "during.png"})
    d = last.headers["X-Dataset-Id"]
    s.wait_for_event(lambda e: e.get("event") == "job_started" and e.get("subject") == d, timeout=20)
    s3.stop()
    down = time.time()
    s.request("POST", "/api/_test/slow-builds?ms=0")
    closed_latencies, open_latencies, codes = [], [], {}
    while time.time() - down < outage:
        # Before the breaker opens, requests wait for retries with backoff; once it is open, fast.
        is_open = bool(breaker_open.search(s.get("/metrics").text))
        t = time.time()
        r = s.get(f"/api/datasets/{ready}/image_files/0/0_0.jpg", headers=bearer(token), timeout=30)
        (open_latencies if is_open else closed_latencies).append(time.time() - t)
        codes[r.status_code] = codes.get(r.status_code, 0) + 1
        time.sleep(0.2)
    s3.start()
    back = time.time()
    status, _ = tus.wait_for_dataset(s, token, d, timeout=300)
    done_after = time.time() - back
    # The status says completed at the publish; the build's snapshot pieces (ADR 0034) are removed
    # just after it and before the job logs `pyramid_published`. Listing at once raced that removal;
    # listing after the event makes any piece still there a leak.
    if status["status"] == "completed":
        s.wait_for_event(lambda e: e.get("event") == "pyramid_published" and e.get("dataset") == d, timeout=30)
    keys = s3.keys(f"hard/pyramids/{d}/")
    sources = s3.keys("hard/uploads/")
    frags = [k for k in sources if "/frag/" in k]
    passed = (status["status"] == "completed" and len([k for k in keys if k.endswith(".pack")]) == 1
              and len(keys) == 1 and not frags and open_latencies and max(open_latencies) <= 0.1)
    return (f"s3rver killed as a build starts, back after {outage} s; a published dataset's tile requested "
            "every 0.2 s meanwhile",
            f"tile answers while down {codes}, slowest "
            f"{'%.0f ms' % (max(closed_latencies) * 1000) if closed_latencies else '-'} while the breaker was closed, "
            f"{max(open_latencies, default=0) * 1000:.0f} ms while open ({len(open_latencies)} requests); "
            f"build {status['status']} "
            f"({status.get('failure_code')} {(status.get('failure_reason') or '')[:80]}) "
            f"{done_after:.1f} s after the store returned; objects {len(keys)}"
            f"{'' if len(keys) == 1 else ' ' + str([k.rsplit('/', 1)[-1] for k in keys])}; fragments left {len(frags)}",
            passed)


@case("sigterm_with_requests_in_flight", quick=True)
def sigterm_with_requests_in_flight(ctx):
    """SIGTERM while a 2 s request runs and an upload PATCH is half sent; the PATCH then sends the rest."""
    s = ctx.server()
    token = register(s)["access_token"]
    data = png(300, 200) + os.urandom(8 << 20)
    loc = tus.create(s, token, len(data), {"filename": "term.png"}).headers["Location"]
    results = {}
    half = threading.Event()
    go = threading.Event()

    def body():
        yield data[:4 << 20]
        half.set()
        go.wait(10)
        for i in range(4 << 20, len(data), 1 << 20):
            yield data[i:i + (1 << 20)]

    def upload():
        results["patch"] = tus.patch(s, token, loc, 0, body())

    def sleeper():
        results["sleep"] = s.get("/api/_test/sleep?ms=2000", timeout=30)

    threads = [threading.Thread(target=upload), threading.Thread(target=sleeper)]
    threads[0].start()
    half.wait(10)
    # The PATCH's first half written (local disk: HEAD counts written bytes), then the 2 s request
    # started and seen in flight with it: the signal comes while both run (were they started together,
    # a slow first half could outlast the 2 s). The rest of the body only once the server shuts down.
    until(lambda: int(tus.head(s, token, loc).headers["Upload-Offset"]) >= 4 << 20, "the PATCH's first half")
    threads[1].start()
    until(lambda: requests_in_flight(s) >= 2, "the slow request and the PATCH in flight")
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    s.wait_for_event(lambda e: e.get("event") == "shutdown_requested", timeout=60)
    go.set()
    code = s.proc.wait(60)
    exit_s = time.time() - t0
    for t in threads:
        t.join(10)
    patch, sleep = results.get("patch"), results.get("sleep")
    s2 = ctx.server(data_dir=s.data_dir)
    kept = int(tus.head(s2, token, loc).headers.get("Upload-Offset", -1))
    passed = (code == 0 and exit_s <= 30 and sleep is not None and sleep.status_code == 200 and patch is not None
              and patch.status_code == 204 and kept == len(data))
    return ("SIGTERM with a 2 s request and a half-sent 8 MiB upload PATCH in flight",
            f"exit code {code} after {exit_s:.1f} s; slow request {sleep.status_code if sleep else 'none'}; "
            f"PATCH {patch.status_code if patch else 'none'}; bytes kept after restart {kept} of {len(data)}",
            passed)


@case("instances_start_together", quick=True, needs=("pg",))
def instances_start_together(ctx):
    """Three instances started at the same moment on one empty PostgreSQL database (issue 14 item 2)."""
    url = fresh_database(os.environ["ASTROPIXEL_TEST_PG_URL"])
    servers = [ctx.server(env={"DATABASE_URL": url, "DEMO_DATASET": "false"}, start=False) for _ in range(3)]
    errors = []

    def start(sv):
        try:
            sv.start(timeout=60)
        except Exception as e:
            errors.append(str(e)[-300:])

    threads = [threading.Thread(target=start, args=(sv,)) for sv in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    healthy = sum(1 for sv in servers if sv.port and sv.get("/api/health").status_code == 200)
    failed_migrations = sum(1 for sv in servers if "migration_failed" in sv.raw_log())
    return ("3 `serve` processes started at once on one fresh PostgreSQL database",
            f"{healthy} of 3 healthy; migration_failed logged {failed_migrations}; start errors {len(errors)}",
            healthy == 3 and not errors and failed_migrations == 0)


@case("wrong_checksum_is_refused", quick=True, needs=("s3",))
def wrong_checksum_is_refused(ctx):
    """A PATCH whose Upload-Checksum does not match its body, on the object store (issue 14 item 1)."""
    rounds = 3 if ctx.quick else 10
    s = ctx.server(env={**shared_s3_env("hard-sum-" + os.urandom(4).hex()), "S3_PART_SIZE": str(5 << 20)})
    token = register(s)["access_token"]
    answers, moved = {}, 0
    for i in range(rounds):
        data = png(300, 200, seed=i) + os.urandom(6 << 20)
        loc = tus.create(s, token, len(data) + 10, {"filename": "sum.png"}).headers["Location"]
        bad = bytearray(data)
        bad[random.randrange(len(bad))] ^= 1 << random.randrange(8)
        digest = base64.b64encode(hashlib.sha1(bytes(bad)).digest()).decode()
        r = tus.patch(s, token, loc, 0, data, Upload_Checksum=f"sha1 {digest}")
        key = (r.status_code, r.json().get("code") if r.status_code != 204 else None)
        answers[key] = answers.get(key, 0) + 1
        moved += int(tus.head(s, token, loc).headers["Upload-Offset"]) != 0
    return (f"{rounds} uploads on s3rver, each a 6 MiB PATCH with a one-bit-off SHA-1 in Upload-Checksum",
            f"answers {answers}; offsets moved {moved}",
            answers == {(460, "checksum_mismatch"): rounds} and moved == 0)


@case("kill9_worker_during_build", quick=True, needs=("pg",))
def kill9_worker_during_build(ctx):
    """A `serve` instance without workers and a separate `astropixel worker` on PostgreSQL; the
    worker is killed with -9 mid-build and a second worker takes the job over after its lease."""
    from support.worker import Worker
    url = fresh_database(os.environ["ASTROPIXEL_TEST_PG_URL"])
    env = {"DATABASE_URL": url, "WORKERS": "0", "JOB_LEASE_SECONDS": "2"}
    s = ctx.server(env=env)
    token = register(s)["access_token"]
    _, last = tus.upload(s, token, png(6000, 6000, noise=False), {"filename": "worker.png"})
    d = last.headers["X-Dataset-Id"]
    # The workers share the server's data directory (local blob storage), as in test_worker.py.
    wenv = {"DATA_DIR": str(s.data_dir), "DATABASE_URL": url, "JOB_LEASE_SECONDS": "2"}
    first = Worker(wenv)
    ctx.cleanups.append(lambda: first.proc.poll() is None and first.proc.kill())
    deadline = time.time() + 60
    while time.time() < deadline and not first.events("job_started"):
        time.sleep(0.02)
    # Killed at once (no pause: the job is claimed and running): on an idle machine this build takes
    # about a second.
    before = s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()
    first.proc.kill()
    first.wait(10)
    killed_at = time.time()
    second = Worker(wenv)
    ctx.cleanups.append(lambda: (second.proc.send_signal(signal.SIGTERM), second.wait(30)))
    status, _ = tus.wait_for_dataset(s, token, d, timeout=180)
    took = time.time() - killed_at
    second.proc.send_signal(signal.SIGTERM)
    code = second.wait(30)
    finished = [e for e in second.events("job_finished") if e.get("subject") == d]
    from support.postgres import psql
    jobs = psql(url, f"SELECT state, attempts FROM jobs WHERE subject = '{d}'").split()
    dzi = s.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token)).status_code
    passed = (before["status"] != "completed" and status["status"] == "completed" and len(finished) == 1
              and dzi == 200 and code == 0)
    return ("serve (WORKERS=0) + `astropixel worker` on PostgreSQL; the worker is killed with -9 while it builds a "
            "6000×6000 PNG; a new worker is started (lease 2 s)",
            f"killed at {before['status']} {before['progress']}%; dataset {status['status']} {took:.1f} s after the "
            f"kill; runs finished by the new worker {len(finished)}; jobs row {jobs}; dzi {dzi}; new worker exit "
            f"{code}",
            passed)

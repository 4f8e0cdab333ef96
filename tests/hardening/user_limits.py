"""Resource abuse by a signed-in user (issue 14 items 9 and 12): one user's backlog and another's
build, builds running at once per user, the storage quota (issue 14: "a clear 507/403 answer"), the
reprocess rate, a build that hangs,
and what a decoding process can see and reach."""
import os
import sqlite3
import time

from common import case, png
from support import tus
from support.accounts import bearer, register


def _upload(s, token, seed, size=(96, 64)):
    _, last = tus.upload(s, token, png(*size, seed=seed), {"filename": f"{seed}.png"})
    return last.headers["X-Dataset-Id"]


@case("fair_queue_between_users", quick=True)
def fair_queue_between_users(ctx):
    """Alice queues 10 builds, then Bob 1, with no worker running; one worker then starts."""
    s = ctx.server(env={"WORKERS": "0"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    alices = [_upload(s, alice, i) for i in range(10)]
    bobs = _upload(s, bob, 100)
    s.stop()
    s2 = ctx.server(env={"WORKERS": "1"}, data_dir=s.data_dir)
    t0 = time.time()
    done_at = {}
    for d, tok in [(d, alice) for d in alices] + [(bobs, bob)]:
        st, _ = tus.wait_for_dataset(s2, tok, d, timeout=120)
        done_at[d] = (st["status"], time.time() - t0)
    started = [e["subject"] for e in s2.events("job_started")]
    position = started.index(bobs) + 1 if bobs in started else None
    all_done = all(v[0] == "completed" for v in done_at.values())
    return ("10 builds queued by one user, then 1 by another, with no worker; then one worker",
            f"the other user's build started {position} of {len(started)} (first-in-first-out: 11); all completed "
            f"{all_done}",
            position is not None and position <= 2 and all_done)


@case("builds_per_user_capped", quick=True)
def builds_per_user_capped(ctx):
    """3 workers, MAX_BUILDS_PER_USER=1: one user's 3 slowed builds and another's 1; the jobs table
    is sampled every 20 ms for builds running at once per user."""
    s = ctx.server(env={"WORKERS": "3", "MAX_BUILDS_PER_USER": "1"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=150")
    alices = [_upload(s, alice, i, size=(1200, 300)) for i in range(3)]
    bobs = _upload(s, bob, 100, size=(1200, 300))
    most, both = {}, False
    with sqlite3.connect(s.data_dir / "astropixel.db") as db:
        deadline = time.time() + 120
        while time.time() < deadline:
            rows = db.execute("SELECT fairness_key, COUNT(*) FROM jobs WHERE state = 'running' "
                              "GROUP BY fairness_key").fetchall()
            for key, n in rows:
                most[key] = max(most.get(key, 0), n)
            both = both or len(rows) == 2
            if db.execute("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')").fetchone()[0] == 0:
                break
            time.sleep(0.02)
    states = [tus.wait_for_dataset(s, t, d)[0]["status"] for t, d in [(alice, x) for x in alices] + [(bob, bobs)]]
    return ("3 workers, cap 1 build per user: 3 slowed builds of one user and 1 of another",
            f"most builds running at once per user {sorted(most.values(), reverse=True)}; both users' builds ran "
            f"together {both}; finished {states.count('completed')}/4 completed",
            most and max(most.values()) == 1 and both and states.count("completed") == 4)


@case("storage_quota", quick=True)
def storage_quota(ctx):
    """USER_STORAGE_QUOTA_BYTES=100000: a stored image, then an upload declared past the quota,
    then one that fits while another is open."""
    s = ctx.server(env={"USER_STORAGE_QUOTA_BYTES": "100000"})
    token = register(s)["access_token"]
    first = png(96, 64, seed=1)
    tus.upload(s, token, first, {"filename": "first.png"})
    t0 = time.time()
    r = tus.create(s, token, 100000 - len(first) + 1, {"filename": "big.png"})
    ms = (time.time() - t0) * 1000
    over = (r.status_code, r.json().get("code"))
    uploads_left = len(list((s.data_dir / "uploads").glob("*")))
    fits = tus.create(s, token, 100000 - len(first), {"filename": "fits.png"})
    second = tus.create(s, token, 1, {"filename": "one.png"})
    return ("quota 100000 B: an upload declared 1 byte past it; one that fits; then another while that one is open",
            f"past it -> {over[0]} {over[1]} in {ms:.0f} ms, files left {uploads_left}; fitting -> "
            f"{fits.status_code}; one more byte while it is open -> {second.status_code} {second.json().get('code')}",
            over[0] in (403, 507) and over[1] == "quota_exceeded" and uploads_left == 0 and fits.status_code == 201
            and second.status_code == over[0])


@case("reprocess_rate_per_user", quick=True)
def reprocess_rate_per_user(ctx):
    """REPROCESS_RATE_LIMIT=3/3600: one user reprocesses a dataset 5 times; another user once."""
    s = ctx.server(env={"REPROCESS_RATE_LIMIT": "3/3600"})
    alice, bob = register(s)["access_token"], register(s)["access_token"]
    a, b = _upload(s, alice, 1), _upload(s, bob, 2)
    tus.wait_for_dataset(s, alice, a)
    tus.wait_for_dataset(s, bob, b)
    codes = []
    for _ in range(5):
        r = s.request("POST", f"/api/datasets/{a}/reprocess", headers=bearer(alice), json={})
        codes.append(r.status_code)
    retry = r.headers.get("Retry-After")
    other = s.request("POST", f"/api/datasets/{b}/reprocess", headers=bearer(bob), json={}).status_code
    return ("5 reprocess requests by one user (limit 3 per hour), then 1 by another user",
            f"answers {codes} (Retry-After {retry} s); other user {other}",
            codes == [202, 202, 202, 429, 429] and retry and other == 202)


@case("hung_build_deadline", quick=True)
def hung_build_deadline(ctx):
    """A build process that hangs (injected), with BUILD_TIMEOUT_BASE_S=2; then a normal build."""
    s = ctx.server(env={"BUILD_TIMEOUT_BASE_S": "2", "BUILD_TIMEOUT_PER_MEGAPIXEL_MS": "0"})
    token = register(s)["access_token"]
    s.request("POST", "/api/_test/build-fault?kind=hang")
    t0 = time.time()
    d = _upload(s, token, 5, size=(400, 300))
    st, _ = tus.wait_for_dataset(s, token, d, timeout=60)
    took = time.time() - t0
    body = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    s.request("POST", "/api/_test/build-fault?kind=")
    d2 = _upload(s, token, 6, size=(400, 300))
    st2, _ = tus.wait_for_dataset(s, token, d2)
    stopped = len(s.events("build_process_stopped"))
    return ("a build that hangs, under a 2 s build deadline; then an ordinary build on the same server",
            f"hung build {st['status']} {body.get('failure_code')} after {took:.1f} s; processes stopped {stopped}; "
            f"next build {st2['status']}",
            st["status"] == "failed" and body.get("failure_code") == "build_timeout" and took < 15
            and stopped == 1 and st2["status"] == "completed")


def _children(pid, command):
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


@case("decoder_sandbox", quick=True)
def decoder_sandbox(ctx):
    """What a build process holds: its environment, seccomp, network namespace and limits, read from
    /proc while it runs; a build told to connect to the server; a probe that crashes and one that hangs."""
    secret, store_secret = "s3cr3t-" + "k" * 40, "store-secret-never-in-a-child"
    s = ctx.server(env={"SECRET_KEY": secret, "AWS_SECRET_ACCESS_KEY": store_secret, "PROBE_TIMEOUT_S": "2"})
    token = register(s)["access_token"]
    s.request("POST", "/api/_test/slow-builds?ms=400")
    d = _upload(s, token, 7, size=(1500, 1200))
    pids, deadline = [], time.time() + 30
    while not pids and time.time() < deadline:
        pids = _children(s.proc.pid, "_build")
        time.sleep(0.05)
    seen = {}
    if pids:
        pid = pids[0]
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read()
            status = open(f"/proc/{pid}/status").read()
            seen["secrets in environment"] = sum(x in environ for x in (secret.encode(), store_secret.encode(),
                                                                        b"DATABASE_URL", b"DATA_DIR"))
            seen["seccomp"] = "Seccomp:\t2" in status
            seen["own network namespace"] = os.readlink(f"/proc/{pid}/ns/net") != os.readlink(
                f"/proc/{s.proc.pid}/ns/net")
        except OSError as e:
            seen["read /proc"] = str(e)
    s.request("POST", "/api/_test/slow-builds?ms=0")
    tus.wait_for_dataset(s, token, d)
    s.request("POST", f"/api/_test/build-fault?kind=network:{s.port}")
    n = _upload(s, token, 8)
    tus.wait_for_dataset(s, token, n)
    net = s.get(f"/api/datasets/{n}", headers=bearer(token)).json().get("failure_code")
    s.request("POST", "/api/_test/build-fault?kind=")
    probes = []
    data = png(300, 200, seed=9)
    for kind in ("crash", "hang"):
        s.request("POST", f"/api/_test/probe-fault?kind={kind}")
        loc = tus.create(s, token, len(data), {"filename": f"{kind}.png"}).headers["Location"]
        t0 = time.time()
        r = tus.patch(s, token, loc, 0, data)
        probes.append(f"{kind} -> {r.status_code} {r.json().get('code')} in {time.time() - t0:.1f} s")
    s.request("POST", "/api/_test/probe-fault?kind=")
    alive = s.get("/api/health").status_code
    passed = (seen.get("secrets in environment") == 0 and seen.get("seccomp") and seen.get("own network namespace")
              and net == "network_attempt" and all(" 422 " in p for p in probes) and alive == 200)
    return ("a running build process read from /proc; a build told to connect to the server's port; header "
            "probes made to crash and to hang (PROBE_TIMEOUT_S=2)",
            f"{seen}; network attempt -> {net}; probes: {'; '.join(probes)}; health {alive}",
            passed)

"""Hostile and heavy clients: slowloris, slow bodies and slow readers next to normal traffic; one
address holding many connections; many uploads with a build and tile traffic."""
import http.client
import socket
import struct
import threading
import time

from common import case, check, connect, percentile, png, raw, rss_kib, status_of
from support import tus
from support.accounts import bearer, register


def established(port):
    """Peer addresses of the server's established connections (what the server still holds), read
    from /proc/net/tcp: the server's side of each connection has the server's port as local port."""
    peers = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state != "01" or int(local.split(":")[1], 16) != port:
                continue
            ip = bytes.fromhex(remote.split(":")[0])[::-1]
            peers.append(".".join(str(b) for b in ip))
    return peers


class Timer:
    """Latency of normal requests on a keep-alive connection from one address."""

    def __init__(self, port, source="127.0.0.1"):
        self.port, self.source = port, source
        self.conn = None

    def get(self, path, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                       source_address=(self.source, 0))
            t = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=headers or {})
                r = self.conn.getresponse()
                r.read()
                return r.status, time.perf_counter() - t
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    return "error", time.perf_counter() - t


def _dataset(s, token, w=1024, h=1024):
    _, last = tus.upload(s, token, png(w, h, seed=4), {"filename": "tiles.png"})
    d = last.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(s, token, d, timeout=120)
    check(status["status"] == "completed", f"dataset build {status}")
    return d


@case("slow_clients", quick=True)
def slow_clients(ctx):
    """Slowloris, slow bodies and slow readers against a server with default settings while normal
    clients use the API and tiles."""
    duration = 14 if ctx.quick else 80
    n = 20 if ctx.quick else 40
    s = ctx.server(env={"LOG_LEVEL": "info"})
    token = register(s)["access_token"]
    d = _dataset(s, token)
    tile = f"/api/datasets/{d}/image_files/10/0_0.jpg"
    groups = {"slowloris": "127.0.2.", "slow body": "127.0.3.", "slow read": "127.0.4."}
    socks, stop = [], threading.Event()
    for i in range(n):
        c = connect(s.port, groups["slowloris"] + str(i + 1))
        c.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        socks.append(("slowloris", c))
        c = connect(s.port, groups["slow body"] + str(i + 1))
        c.sendall(b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        socks.append(("slow body", c))
        c = connect(s.port, groups["slow read"] + str(i + 1))
        c.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
        c.sendall(f"GET {tile} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode() * 200)
        socks.append(("slow read", c))

    def trickle():
        while not stop.is_set():
            for kind, c in socks:
                try:
                    if kind == "slowloris":
                        c.sendall(b"X-a: b\r\n")
                    elif kind == "slow body":
                        c.sendall(b"0123456789")
                except OSError:
                    pass
            stop.wait(1)

    cut_at = {k: None for k in groups}
    held_max = {k: 0 for k in groups}
    t0 = time.time()

    def watch():
        while not stop.is_set():
            peers = established(s.port)
            for kind, prefix in groups.items():
                held = sum(1 for p in peers if p.startswith(prefix))
                held_max[kind] = max(held_max[kind], held)
                if held == 0 and cut_at[kind] is None and time.time() - t0 > 0.5:
                    cut_at[kind] = time.time() - t0
            stop.wait(0.5)

    latencies, statuses = [], {}

    def normal(source):
        timer = Timer(s.port, source)
        while not stop.is_set():
            for path, h in (("/api/health", None), (tile, bearer(token)), ("/api/datasets", bearer(token))):
                code, dt = timer.get(path, h)
                latencies.append(dt)
                statuses[code] = statuses.get(code, 0) + 1
            # ~4 listings a second per client: inside the default 600/60 rate limit for the 80 s run.
            time.sleep(0.25)

    threads = [threading.Thread(target=trickle), threading.Thread(target=watch),
               threading.Thread(target=normal, args=("127.0.0.1",)), threading.Thread(target=normal, args=("127.0.0.9",))]
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    for _, c in socks:
        c.close()
    p99 = percentile(latencies, 99)
    normal_ok = set(statuses) == {200}
    if ctx.quick:
        cut_ok = cut_at["slowloris"] is not None
    else:
        cut_ok = all(v is not None for v in cut_at.values())
    cuts = ", ".join(f"{k}: {held_max[k]} held, " + (f"all cut by {v:.0f} s" if v else f"still held at {duration} s")
                     for k, v in cut_at.items())
    return (f"{n} slowloris (a header line/s), {n} slow bodies (10 B/s), {n} slow readers (200 pipelined tiles, "
            f"4 KiB window), from {3 * n} addresses, for {duration} s; 2 normal clients meanwhile; default settings",
            f"normal requests {sum(statuses.values())} {statuses}, p99 {p99 * 1000:.0f} ms; {cuts}",
            normal_ok and p99 <= 0.5 and cut_ok)


@case("one_address_many_connections", quick=True)
def one_address_many_connections(ctx):
    """One address opens more idle connections than the server has slots (default settings)."""
    n = 300 if ctx.quick else 1100
    s = ctx.server(env={"LOG_LEVEL": "info"})
    held = []
    refused_fast = 0
    t0 = time.time()
    for _ in range(n):
        try:
            held.append(connect(s.port, "127.0.5.1", timeout=5))
        except OSError:
            refused_fast += 1
    opened_s = time.time() - t0

    def held_by_server():
        return sum(1 for p in established(s.port) if p == "127.0.5.1")
    # The kernel completes every handshake before the server accepts; the server then answers the
    # excess 429 and closes them. How long until it holds no more than its cap (a fixed pause could
    # end before a loaded server got to them):
    kept = held_by_server()
    while kept > 64 and time.time() - t0 < 10:
        time.sleep(0.05)
        kept = held_by_server()
    capped_s = time.time() - t0
    others, lat = [], []
    for i in range(20):
        t = time.time()
        data = raw(s.port, b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                   source=f"127.0.6.{i + 1}")
        lat.append(time.time() - t)
        others.append(status_of(data))
    # The excess ones: answered 429 at once, or closed unanswered, or left waiting?
    excess = {"429": 0, "closed": 0, "waiting": 0}
    for c in held[64:]:
        c.settimeout(0.05)
        try:
            first = c.recv(64)
            excess["429" if status_of(first) == 429 else "closed" if not first else "other"] = \
                excess.get("429" if status_of(first) == 429 else "closed" if not first else "other", 0) + 1
        except socket.timeout:
            excess["waiting"] += 1
        except OSError:
            excess["closed"] += 1
    # The held ones said nothing: the first-byte deadline (HTTP_FIRST_BYTE_TIMEOUT, 5 s) frees them.
    released = None
    while time.time() - t0 < 30:
        if not any(p == "127.0.5.1" for p in established(s.port)):
            released = time.time() - t0
            break
        time.sleep(0.2)
    for c in held:
        c.close()
    ok_others = others.count(200)
    return (f"{n} idle TCP connections from 127.0.5.1, then /api/health from 20 other addresses, then a request on "
            "the last 20 of the idle ones",
            f"opened in {opened_s:.1f} s; server holds {kept} of them (after {capped_s:.1f} s); other addresses {ok_others}/20 answered 200 "
            f"(slowest {max(lat) * 1000:.0f} ms); excess {excess}; the silent held ones "
            f"released {'after %.1f s' % released if released else 'NOT within 30 s'}",
            ok_others == 20 and kept <= 64 and max(lat) <= 1 and released is not None and released <= 10)


@case("load_uploads_build_tiles", quick=True)
def load_uploads_build_tiles(ctx):
    """Concurrent tus uploads (each then built) while 4 clients read tiles of a finished dataset."""
    uploads = 4 if ctx.quick else 16
    s = ctx.server(env={"LOG_LEVEL": "info"})
    token = register(s)["access_token"]
    d = _dataset(s, token, 2048, 2048)
    info = s.get(f"/api/datasets/{d}/image.dzi", headers=bearer(token))
    check(info.status_code == 200, "dzi")
    tiles = [f"/api/datasets/{d}/image_files/{lvl}/{c}_{r}.jpg" for lvl, n in ((11, 8), (10, 4), (9, 2))
             for c in range(n) for r in range(n)]
    stop = threading.Event()
    lat, codes, errors = [], {}, []
    images = [png(1000, 800, seed=100 + i) for i in range(uploads)]

    def reader(i):
        timer = Timer(s.port, f"127.0.7.{i + 1}")
        k = i
        while not stop.is_set():
            code, dt = timer.get(tiles[k % len(tiles)], bearer(token))
            k += 7
            lat.append(dt)
            codes[code] = codes.get(code, 0) + 1

    datasets = []

    def uploader(i):
        try:
            _, last = tus.upload(s, token, images[i], {"filename": f"load{i}.png"}, chunk=1 << 20)
            datasets.append(last.headers["X-Dataset-Id"])
        except Exception as e:
            errors.append(f"upload {i}: {e}")

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in readers:
        t.start()
    t0 = time.time()
    ups = [threading.Thread(target=uploader, args=(i,)) for i in range(uploads)]
    for t in ups:
        t.start()
    for t in ups:
        t.join()
    uploaded_s = time.time() - t0
    built = {}
    for dd in datasets:
        st, _ = tus.wait_for_dataset(s, token, dd, timeout=600)
        built[st["status"]] = built.get(st["status"], 0) + 1
    total_s = time.time() - t0
    stop.set()
    for t in readers:
        t.join()
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    passed = not errors and set(codes) == {200} and built == {"completed": uploads} and p99 <= 0.2
    return (f"{uploads} concurrent tus uploads of ~2.4 MB PNGs in 1 MiB PATCHes, all built, while 4 clients read "
            "tiles of a 2048² dataset",
            f"upload errors {len(errors)}; builds {built} in {total_s:.0f} s (uploads {uploaded_s:.1f} s); "
            f"tiles {sum(codes.values())} {codes}, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms",
            passed)


@case("trickling_upload_keeps_its_bytes", quick=True)
def trickling_upload_keeps_its_bytes(ctx):
    """A tus PATCH that sends 64 KiB, then 10 bytes a second: it is cut for its rate, and what
    arrived stays in the upload (tus resumes from it)."""
    env = {"HTTP_BODY_TIMEOUT": "3"} if ctx.quick else {}
    s = ctx.server(env=env)
    token = register(s)["access_token"]
    data = png(300, 200) + bytes(200_000)
    loc = tus.create(s, token, len(data), {"filename": "trickle.png"}).headers["Location"]
    c = connect(s.port)
    c.sendall((f"PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {token}\r\n"
               f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {len(data)}"
               "\r\n\r\n").encode())
    sent = 65536
    c.sendall(data[:sent])
    t0, cut = time.time(), None
    while time.time() - t0 < 120 and cut is None:
        time.sleep(1)  # the slow body's pace under test, not synchronisation
        try:
            c.sendall(data[sent:sent + 10])
            sent += 10
        except OSError:
            cut = time.time() - t0
            break
        if not any(p == "127.0.0.1" for p in established(s.port)):
            cut = time.time() - t0
    c.close()
    deadline = time.time() + 5
    kept = 0
    while time.time() < deadline:
        kept = int(tus.head(s, token, loc).headers["Upload-Offset"])
        if kept >= 65536:
            break
        time.sleep(0.1)
    r = tus.patch(s, token, loc, kept, data[kept:])
    return (f"tus PATCH: 64 KiB, then 10 B/s ({'HTTP_BODY_TIMEOUT=3' if ctx.quick else 'default settings'}); "
            "then resumed from HEAD",
            f"cut after {cut if cut is None else round(cut, 1)} s having sent {sent} B; kept {kept} B; resume -> "
            f"{r.status_code}",
            cut is not None and 65536 <= kept <= sent and r.status_code == 204)


def _reset(sock):
    """Closes with a TCP RST (SO_LINGER 0): the server's next write fails with EPIPE/ECONNRESET, the
    write that raises SIGPIPE in a process that does not refuse it."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@case("broken_pipes", quick=True)
def broken_pipes(ctx):
    """Clients that vanish mid-answer (RST while a large download and tiles stream to them), and the
    rate limiter's Redis killed with -9 under traffic and started again: every write into a dead socket
    must be an error the server handles, never a SIGPIPE that ends it."""
    from support.redis import start_redis  # a private Redis: this case kills it
    work = ctx.dir("redis")
    redis = start_redis(work)
    ctx.cleanups.append(redis.stop)
    s = ctx.server(env={"REDIS_URL": redis.url, "RATE_LIMIT_DEFAULT": "100000/60"})
    token = register(s)["access_token"]
    d = _dataset(s, token, 2048, 2048)
    auth = f"Authorization: Bearer {token}\r\n".encode()
    original = f"GET /api/datasets/{d}/original HTTP/1.1\r\nHost: x\r\n".encode() + auth + b"\r\n"
    tiles = b"".join(f"GET /api/datasets/{d}/v1/image_files/11/{c}_{r}.jpg HTTP/1.1\r\nHost: x\r\n".encode()
                     + auth + b"\r\n" for c in range(8) for r in range(8))
    aborted = 0

    def vanish(request, read):
        nonlocal aborted
        for _ in range(25):
            try:
                c = connect(s.port)
                c.sendall(request)
                c.recv(read)
                _reset(c)
                aborted += 1
            except OSError:
                pass

    threads = [threading.Thread(target=vanish, args=(original, 65536)) for _ in range(4)]
    threads += [threading.Thread(target=vanish, args=(tiles, 4096)) for _ in range(4)]
    for t in threads:
        t.start()
    # Meanwhile the limiter's Redis dies and comes back on the same port.
    statuses = []
    for i in range(30):
        if i == 5:
            redis.kill()
        if i == 20:
            redis.start()
        statuses.append(s.get("/api/datasets", headers=bearer(token)).status_code)
        time.sleep(0.1)
    for t in threads:
        t.join(120)
    alive = s.proc.poll() is None
    after = s.get("/api/health").status_code if alive else None
    downloaded = s.get(f"/api/datasets/{d}/original", headers=bearer(token)) if alive else None
    # The server's own account: downloads it could not finish, i.e. writes that met a reset socket.
    size = len(downloaded.content) if downloaded is not None else 0
    cut = sum(1 for e in s.events() if e.get("event") == "request" and e.get("route", "").endswith("/original")
              and e.get("bytes", size) < size)
    ok = alive and after == 200 and downloaded is not None and downloaded.status_code == 200 and \
        all(code == 200 for code in statuses) and cut >= 50
    return ("200 clients reset the connection (RST) mid-answer: 100 while the original (a 2048² PNG) downloads, 100 "
            "after 4 KiB of 64 pipelined tiles; meanwhile Redis (the rate limiter) is killed with -9 and restarted",
            f"{aborted} connections reset, {cut} downloads of {size} B cut short by the server's failed writes; "
            f"server {'alive' if alive else 'DEAD: ' + str(s.proc.returncode)}; "
            f"requests during the Redis outage {sorted(set(statuses))} ({len(statuses)}); afterwards health {after}, "
            f"a full download {downloaded.status_code if downloaded is not None else 'none'}",
            ok)


def _render_wave(s, token, paths, net, magic):
    """Every path asked at the same instant, each from its own address (net.1, net.2, ...), while
    another client lists datasets; answers (status, Retry-After, body starts with magic), listing
    latencies and their status codes."""
    n = len(paths)
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=120, source_address=(f"{net}.{i + 1}", 0))
             for i in range(n)]
    for c in conns:
        c.connect()
    gate = threading.Barrier(n + 1)
    answers = [None] * n

    def render(i):
        gate.wait()
        conns[i].request("GET", paths[i], headers=bearer(token))
        r = conns[i].getresponse()
        body = r.read()
        answers[i] = (r.status, r.getheader("Retry-After"), body[:len(magic)] == magic)

    threads = [threading.Thread(target=render, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    timer = Timer(s.port, "127.0.9.1")
    lat, codes = [], set()
    gate.wait()
    while any(t.is_alive() for t in threads):
        code, dt = timer.get("/api/datasets", bearer(token))
        lat.append(dt)
        codes.add(code)
        time.sleep(0.02)
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    return answers, lat, codes


@case("iiif_render_flood", quick=True)
def iiif_render_flood(ctx):
    """64 distinct IIIF region renders sent at the same instant while another client lists datasets."""
    # The render pool's size set, not one per core: on a machine with many cores 64 would fit.
    render_threads, render_queue = 2, 8
    s = ctx.server(env={"IIIF_RENDER_THREADS": str(render_threads), "IIIF_RENDER_QUEUE": str(render_queue)})
    token = register(s)["access_token"]
    d = _dataset(s, token, 4096, 4096)
    n = 64
    # Distinct regions (nothing served from the answer cache), each 2048² drawn at 1024²: every
    # render decodes a megapixel of tiles.
    paths = [f"/iiif/3/{d}/{16 * i},{8 * i},2048,2048/1024,/0/default.jpg" for i in range(n)]
    hwm_before = rss_kib(s.proc.pid, "VmHWM")
    answers, lat, codes = _render_wave(s, token, paths, "127.0.8", b"\xff\xd8")
    grown_mb = (rss_kib(s.proc.pid, "VmHWM") - hwm_before) / 1024
    drawn = sum(1 for a in answers if a[0] == 200 and a[2])
    busy = [a for a in answers if a[0] == 503]
    # The refused ones, asked again one at a time as Retry-After says, are drawn.
    later = [s.get(paths[i], headers=bearer(token)).status_code for i, a in enumerate(answers) if a[0] == 503]
    p99 = percentile(lat, 99)
    # Then what a few IIIF viewers ask when the format is not the pyramid's: 64 distinct tiles (256²,
    # on the tile grid) as PNG, at the same instant. Each costs an eighth of a large render, so the
    # same pool draws them all rather than refusing most.
    tiles = [f"/iiif/3/{d}/{256 * (i % 16)},{256 * (i // 16)},256,256/256,/0/default.png" for i in range(n)]
    tile_answers, _, _ = _render_wave(s, token, tiles, "127.0.10", b"\x89P")
    tiles_drawn = sum(1 for a in tile_answers if a[0] == 200 and a[2])
    passed = (drawn + len(busy) == n and len(busy) >= n - render_threads * (1 + render_queue) and all(a[1] == "1" for a in busy)
              and set(later) <= {200}
              and codes == {200} and p99 <= 0.5 and grown_mb <= 256 and tiles_drawn == n)
    return (f"{n} connections each ask a different 2048² region drawn at 1024² at the same instant (4096² dataset) "
            "while another client lists datasets; the refused ones asked again afterwards",
            f"{drawn} drawn, {len(busy)} answered 503 (Retry-After {sorted({a[1] for a in busy})}), other "
            f"{n - drawn - len(busy)}; asked again: {sorted(set(later))}; listings {len(lat)} {sorted(codes)}, p99 "
            f"{p99 * 1000:.0f} ms; server peak memory grew {grown_mb:.0f} MB; then {n} tile-sized PNG renders at once: "
            f"{tiles_drawn} drawn, {sorted({a[0] for a in tile_answers})}",
            passed)

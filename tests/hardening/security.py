"""Security probes: forged and stale tokens, CSRF, other users' objects (IDOR), response-header
injection, login lockout and guessing, a sign-in flood, what errors and files reveal."""
import os
import socket
import stat
import threading
import time
import urllib.parse

import requests

from common import case, header_lines, percentile, png, raw, requests_in_flight, status_of, until
from support import tus
from support.accounts import bearer, register
from support.server import run_cli


@case("forged_and_stale_tokens", quick=True)
def forged_and_stale_tokens(ctx):
    """alg=none, other algorithms, tampered, wrongly signed, expired, not-yet-valid, oversized and
    garbage access tokens; tokens from before a logout and a password change."""
    from test_auth import SECRET, _bad_tokens
    s = ctx.server(env={"SECRET_KEY": SECRET, "HTTP_HEADER_LIMIT": "65536"})
    u = register(s)
    bad = _bad_tokens(u["access_token"])
    refused = {}
    for kind, token in bad.items():
        r = s.get("/api/auth/me", headers=bearer(token))
        refused[kind] = r.status_code == 401 and 'error="invalid_token"' in r.headers.get("WWW-Authenticate", "")
    # Logout ends the access token at once; a password change ends the other sessions' tokens.
    old = u["access_token"]
    s.request("POST", "/api/auth/logout", headers=bearer(old))
    refused["after logout"] = s.get("/api/auth/me", headers=bearer(old)).status_code == 401
    v = register(s, username="changer_h")
    other = s.request("POST", "/api/auth/login", json={"login": "changer_h", "password": v["password"]})
    other_token = other.json().get("access_token") if other.status_code == 200 else None
    r = s.request("PUT", "/api/auth/me", headers=bearer(v["access_token"]),
                  json={"current_password": v["password"], "new_password": "a brand new passphrase"})
    if other_token and r.status_code == 200:
        refused["other session after password change"] = (
            s.get("/api/auth/me", headers=bearer(other_token)).status_code == 401)
    else:
        refused[f"password change answered {r.status_code}, second login {other.status_code}"] = False
    wrong = [k for k, ok in refused.items() if not ok]
    return ("11 forged/stale token kinds on /api/auth/me; a token used after logout; a session's token after the "
            "password was changed in another",
            f"{len(refused) - len(wrong)}/{len(refused)} refused with 401 invalid_token"
            + (f"; accepted: {', '.join(wrong)}" if wrong else ""),
            not wrong)


@case("csrf_probes", quick=True)
def csrf_probes(ctx):
    """Cookie-authenticated writes without the CSRF header or from another Origin; sign-in and
    sign-up as a cross-site form would send them (text/plain, urlencoded, foreign Origin)."""
    s = ctx.server()
    browser = requests.Session()
    u = register(s, username="csrf_h", session=browser)
    csrf = browser.cookies.get("ap_csrf")
    probes = {}
    r = browser.put(s.url("/api/auth/me"), json={"full_name": "X"})
    probes["cookie write without token -> 403 csrf_failed"] = r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = browser.put(s.url("/api/auth/me"), json={"full_name": "X"}, headers={"X-CSRF-Token": "0" * len(csrf or "x")})
    probes["cookie write with a wrong token -> 403"] = r.status_code == 403
    r = browser.put(s.url("/api/auth/me"), json={"full_name": "Y"},
                    headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    probes["cookie write from another Origin -> 403"] = r.status_code == 403
    r = browser.post(s.url("/api/auth/logout"))
    probes["cookie logout without token -> 403"] = r.status_code == 403
    body = '{"login": "csrf_h", "password": "%s"}' % u["password"]
    for path in ("/api/auth/login", "/api/auth/register"):
        for ctype in ("text/plain", "application/x-www-form-urlencoded"):
            r = s.request("POST", path, data=body, headers={"Content-Type": ctype})
            probes[f"{path} as {ctype} -> 415, no cookie"] = r.status_code == 415 and "Set-Cookie" not in r.headers
        r = s.request("POST", path, data=body, headers={"Content-Type": "application/json",
                                                       "Origin": "https://evil.example"})
        probes[f"{path} from another Origin -> 403, no cookie"] = r.status_code == 403 and "Set-Cookie" not in r.headers
    ok = browser.put(s.url("/api/auth/me"), json={"full_name": "Z"}, headers={"X-CSRF-Token": csrf})
    probes["control: same browser with its token -> 200"] = ok.status_code == 200
    wrong = [k for k, v in probes.items() if not v]
    return ("cross-site request shapes against cookie sessions and the sign-in routes",
            f"{len(probes) - len(wrong)}/{len(probes)} answered as required" + (f"; wrong: {'; '.join(wrong)}"
                                                                               if wrong else ""),
            not wrong)


def _strip(r):
    """An answer without what differs per request (request id, date)."""
    try:
        body = {k: v for k, v in r.json().items() if k != "request_id"}
    except ValueError:
        body = r.content
    return r.status_code, body, r.headers.get("Content-Type")


@case("other_users_objects", quick=True)
def other_users_objects(ctx):
    """Another user (and a guest) asks for a user's private dataset, its tiles, preview, IIIF,
    annotations, and an open upload, by every route; each answer is compared with the one for an
    id that does not exist."""
    s = ctx.server()
    alice, bob = register(s), register(s)
    a, b = alice["access_token"], bob["access_token"]
    _, last = tus.upload(s, a, png(600, 400), {"filename": "private.png", "name": "Private"})
    d = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(s, a, d)
    s.request("POST", f"/api/datasets/{d}/annotations", headers=bearer(a),
              json={"kind": "point", "geometry": {"x": 1, "y": 2}, "label": "secret"})
    up = tus.create(s, a, 1000, {"filename": "open.png"}, body=b"\1" * 10).headers["Location"].rsplit("/", 1)[1]
    missing = "0123456789abcdef" * 2
    routes = [("GET", "/api/datasets/{}"), ("GET", "/api/datasets/{}/status"), ("GET", "/api/datasets/{}/image.dzi"),
              ("GET", "/api/datasets/{}/image_files/0/0_0.jpg"), ("GET", "/api/datasets/{}/preview"),
              ("GET", "/api/tiles/{}/0/0/0.jpg"), ("GET", "/api/datasets/{}/annotations"),
              ("GET", "/api/datasets/{}/annotations/export?format=csv"), ("PUT", "/api/datasets/{}"),
              ("DELETE", "/api/datasets/{}"), ("POST", "/api/datasets/{}/reprocess"),
              ("POST", "/api/datasets/{}/annotations")]
    same, differ = 0, []
    for who, auth in (("bob", bearer(b)), ("guest", {})):
        for method, tpl in routes:
            kw = {"json": {"kind": "point", "geometry": {"x": 1, "y": 2}, "label": "x"}} if "annotations" in tpl \
                and method == "POST" else {"json": {"name": "x"}} if method == "PUT" else {}
            r1 = s.request(method, tpl.format(d), headers=auth, **kw)
            r2 = s.request(method, tpl.format(missing), headers=auth, **kw)
            if _strip(r1) == _strip(r2) and r1.status_code in (401, 404):
                same += 1
            else:
                differ.append(f"{who} {method} {tpl}: {r1.status_code} vs {r2.status_code}")
        for method in ("HEAD", "PATCH", "DELETE", "GET"):
            h = tus.headers(b if who == "bob" else None, Upload_Offset=10,
                            Content_Type="application/offset+octet-stream")
            body = b"x" if method == "PATCH" else None
            r1 = requests.request(method, s.url(f"/api/uploads/{up}"), headers=h, data=body, timeout=10)
            r2 = requests.request(method, s.url(f"/api/uploads/{missing}"), headers=h, data=body, timeout=10)
            if _strip(r1) == _strip(r2) and r1.status_code in (401, 404):
                same += 1
            else:
                differ.append(f"{who} {method} upload: {r1.status_code} vs {r2.status_code}")
    still = s.get(f"/api/datasets/{d}", headers=bearer(a)).status_code
    total = same + len(differ)
    return (f"bob and a guest: {len(routes)} dataset routes and 4 upload methods on alice's private objects, each "
            "compared with a missing id",
            f"{same}/{total} identical to a missing object (status, body, type); owner still sees the dataset: {still}"
            + (f"; differ: {'; '.join(differ[:4])}" if differ else ""),
            not differ and still == 200)


@case("response_header_injection", quick=True)
def response_header_injection(ctx):
    """CR/LF and other control characters in every input that reaches a response header."""
    s = ctx.server()
    token = register(s)["access_token"]
    injected, probes, codes = 0, 0, {}

    def probe(target):
        nonlocal injected, probes
        data = raw(s.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        probes += 1
        codes[status_of(data)] = codes.get(status_of(data), 0) + 1
        injected += any(l.lower().startswith((b"set-cookie", b"x-injected")) for l in header_lines(data))

    for payload in ("%0d%0aSet-Cookie:%20pwn=1", "%0aX-Injected:%201", "%0dX-Injected:%201", "%00", "%e5%98%8a%e5%98%8d"
                    "X-Injected:%201"):
        probe(f"/iiif/3/x{payload}")
        probe(f"/iiif/3/x{payload}/info.json")
        probe(f"/api/datasets/x{payload}/annotations/export?format=csv")
        probe(f"/api/datasets/x{payload}/image.dzi")
    for value in ("a\r\nSet-Cookie: pwn=1", "a\nX-Injected: 1", "a\rb", "a\0b", "a\x01b", "a\x7fb"):
        probe("/api/_test/echo-header?value=" + urllib.parse.quote(value, safe=""))
    # Upload-Metadata: echoed base64-encoded; a raw control character in a key is refused.
    r = tus.create(s, token, 10, {"note": "a\r\nSet-Cookie: pwn=1"})
    h = tus.head(s, token, r.headers["Location"])
    probes += 1
    injected += "Set-Cookie" in h.headers or "\n" in h.headers.get("Upload-Metadata", "")
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall((f"POST /api/uploads HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {token}\r\n"
               "Upload-Length: 10\r\nUpload-Metadata: file\x01name eA==\r\nConnection: close\r\n\r\n").encode())
    from common import read_response
    data = read_response(c)
    c.close()
    probes += 1
    injected += status_of(data) != 400
    return (f"{probes} requests putting CR, LF, NUL, DEL and UTF-8 look-alikes into IIIF identifiers, dataset ids, "
            "a header-echoing test route and Upload-Metadata",
            f"answers {codes}; injected or unrefused header lines {injected}",
            injected == 0 and all(c < 500 or c == 500 for c in codes))


@case("login_lockout_and_guessing", quick=True)
def login_lockout_and_guessing(ctx):
    """Default login limits: an attacker guesses an account's password from one network, then from
    20 networks; the owner signs in from theirs meanwhile."""
    s = ctx.server(env={"TRUSTED_PROXIES": "127.0.0.1"})
    owner = register(s, username="owner_h", email="owner_h@example.org")

    def login(name, password, client):
        r = s.request("POST", "/api/auth/login", json={"login": name, "password": password},
                      headers={"X-Forwarded-For": client})
        return r.status_code, r.headers.get("Retry-After")

    one_net = [login(("owner_h", "OWNER_H@example.org")[i % 2], "wrong guess!", f"203.0.113.{i + 1}")
               for i in range(30)]
    evaluated_one = sum(1 for c, _ in one_net if c == 401)
    limited = [ra for c, ra in one_net if c == 429]
    owner_ok = [login("owner_h", owner["password"], "198.51.100.7")[0] for _ in range(3)]
    many = [login("owner_h", "wrong guess!", f"10.{n}.0.{i + 1}")[0] for n in range(20) for i in range(10)]
    evaluated_many = many.count(401)
    owner_after = login("owner_h", owner["password"], "198.51.100.7")[0]
    # 60 KB login names are refused before they become limiter keys: never a 429 from the account limit.
    huge = [login("x" * 60000 + str(i % 2), "wrong guess!", "192.0.2.1")[0] for i in range(8)]
    passed = (evaluated_one <= 5 and limited and all(ra and int(ra) >= 1 for ra in limited)
              and owner_ok == [200, 200, 200] and owner_after == 200 and 429 not in huge)
    return ("30 wrong passwords for one account from one /24 (username and email alternating); owner signs in from "
            "their network; then 10 guesses from each of 20 networks; owner signs in again; 60 KB login names",
            f"one network: {evaluated_one} guesses evaluated, {len(limited)} answered 429 (Retry-After "
            f"{limited[0] if limited else '-'} s); owner {owner_ok}; 20 networks: {evaluated_many} of 200 guesses "
            f"evaluated; owner afterwards {owner_after}; 8 sign-ins with 60 KB names: {sorted(set(huge))}",
            passed)


@case("sign_in_flood")
def sign_in_flood(ctx):
    """40 concurrent sign-ins with production-cost argon2id while another client lists datasets."""
    s = ctx.server(env={"ARGON2_OPSLIMIT": "2", "ARGON2_MEMLIMIT_MIB": "64", "LOGIN_RATE_LIMIT_IP": "10000/60",
                        "LOGIN_RATE_LIMIT_ACCOUNT": "10000/60", "RATE_LIMIT_AUTH": "10000/60"})
    register(s, username="flooded_h")
    lat = []
    done = []
    t_start = time.time()

    def login():
        r = s.request("POST", "/api/auth/login", json={"login": "flooded_h", "password": "wrong password!"},
                      timeout=120)
        done.append((r.status_code, time.time() - t_start))

    threads = [threading.Thread(target=login) for _ in range(40)]
    for t in threads:
        t.start()
    # Every sign-in has reached the server (in flight or answered) before the listings are measured.
    until(lambda: requests_in_flight(s) + len(done) >= 40, "the 40 sign-ins at the server")
    while len(done) < 30:
        t0 = time.time()
        code = s.get("/api/datasets").status_code
        lat.append((time.time() - t0, code))
        time.sleep(0.05)
    for t in threads:
        t.join()
    p99 = percentile([x for x, _ in lat], 99)
    codes = {c for _, c in lat}
    hashed = sorted(t for c, t in done if c == 401)
    busy = [t for c, t in done if c == 503]
    # Each admitted sign-in is answered when its own hash is done (they come one after another), and
    # the ones past the hashing queue's bound are refused at once.
    return ("40 concurrent sign-ins (argon2id 64 MiB, t=2) while another client lists datasets",
            f"{len(lat)} listings during the flood, statuses {sorted(codes)}, p99 {p99 * 1000:.0f} ms; sign-ins: "
            f"{len(hashed)} evaluated (first answered at {hashed[0] if hashed else 0:.2f} s, last at "
            f"{hashed[-1] if hashed else 0:.2f} s), "
            f"{len(busy)} answered 503 (slowest {max(busy, default=0) * 1000:.0f} ms)",
            codes == {200} and p99 <= 0.5 and len(hashed) + len(busy) == 40 and len(hashed) >= 2
            and hashed[0] < hashed[-1] / 2)


@case("errors_and_files_reveal_nothing", quick=True)
def errors_and_files_reveal_nothing(ctx):
    """An internal error's answer; the modes of the data directory, database and key; --print-config
    with passwords in DATABASE_URL."""
    s = ctx.server()
    r = s.get("/api/_test/throw")
    leaks = [w for w in ("/", ".cpp", "SELECT", "std::", "injected") if w in r.json().get("message", "")
             + r.json().get("detail", "")]
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    modes = {p: oct(mode(s.data_dir / p)) for p in ("", "astropixel.db", "secret_key") if (s.data_dir / p).exists()}
    loose = [p for p, m in modes.items() if int(m, 8) & 0o077]
    shown = []
    for url in ("postgresql://app:p@ss@127.0.0.1/astro", "postgresql://127.0.0.1/astro?user=app&password=hunter2"):
        out = run_cli("serve", "--print-config", env={"DATA_DIR": str(ctx.dir("cfg")), "DATABASE_URL": url})
        shown.append("hunter2" in out.stdout or "p@ss" in out.stdout)
    return ("GET a route that throws; stat the data directory, SQLite file and secret key; --print-config with "
            "passwords in DATABASE_URL (user:pass@ and ?password=)",
            f"500 body leaks {leaks or 'nothing'}; modes {modes}; group/world-readable {len(loose)}; passwords "
            f"printed {sum(shown)}/2",
            r.status_code == 500 and not leaks and not loose and not any(shown))


@case("cache_and_metrics_exposure", quick=True)
def cache_and_metrics_exposure(ctx):
    """What shared caches may keep: a public dataset's versioned tile, the same after the dataset
    turns private, IIIF info.json; /metrics behind METRICS_TOKEN; the generated signing key."""
    s = ctx.server(env={"METRICS_TOKEN": "m" * 40})
    token = register(s)["access_token"]
    _, last = tus.upload(s, token, png(600, 400), {"filename": "c.png", "visibility": "public"})
    d = last.headers["X-Dataset-Id"]
    tus.wait_for_dataset(s, token, d)
    info = s.get(f"/api/datasets/{d}", headers=bearer(token)).json()
    tile = info["urls"]["dzi"].replace("image.dzi", "image_files/0/0_0.jpg") if info.get("urls") else None
    public_cc = s.get(tile, headers=bearer(token)).headers.get("Cache-Control", "") if tile else "no urls"
    s.request("PUT", f"/api/datasets/{d}", headers=bearer(token), json={"is_public": False})
    private_cc = s.get(tile, headers=bearer(token)).headers.get("Cache-Control", "") if tile else "no urls"
    guest_after = s.get(tile).status_code if tile else 0
    iiif = s.get(f"/iiif/3/{d}/info.json", headers=bearer(token), allow_redirects=True)
    metrics = (s.get("/metrics").status_code, s.get("/metrics", headers=bearer("m" * 40)).status_code)
    key = s.data_dir / "secret_key"
    key_bytes = len(key.read_bytes().strip()) if key.exists() else 0
    shared_hours = None
    for part in public_cc.split(","):
        if part.strip().startswith("s-maxage="):
            shared_hours = int(part.strip().split("=")[1]) / 3600
    passed = (shared_hours is not None and shared_hours <= 1 and "public" not in private_cc and guest_after == 404
              and metrics == (401, 200) and key_bytes >= 32 and iiif.headers.get("Vary", "") .find("Host") >= 0)
    return ("versioned tile of a public dataset, then of the same dataset made private; IIIF info.json; /metrics "
            "with METRICS_TOKEN set; the signing key generated on first start",
            f"public tile: '{public_cc}' (shared caches {shared_hours} h); after private: '{private_cc}', guest "
            f"{guest_after}; info.json Vary '{iiif.headers.get('Vary')}'; /metrics without/with token {metrics}; "
            f"secret_key {key_bytes} bytes",
            passed)


@case("login_answers_alike")
def login_answers_alike(ctx):
    """Sign-in with a wrong password and with an unknown account, production argon2id cost,
    interleaved: the answers and their median times."""
    import statistics
    s = ctx.server(env={"LOGIN_RATE_LIMIT_IP": "10000/60", "LOGIN_RATE_LIMIT_ACCOUNT": "10000/60",
                        "RATE_LIMIT_AUTH": "10000/60", "RATE_LIMIT_DEFAULT": "10000/60",
                        "ARGON2_OPSLIMIT": "2", "ARGON2_MEMLIMIT_MIB": "64"})
    register(s, username="real_h")
    wrong, unknown, bodies = [], [], set()
    for i in range(30):
        for login, out in (("real_h", wrong), (f"ghost_{i}", unknown)):
            t0 = time.perf_counter()
            r = s.request("POST", "/api/auth/login", json={"login": login, "password": "wrong password!"})
            out.append(time.perf_counter() - t0)
            bodies.add((r.status_code, tuple(sorted((k, v) for k, v in r.json().items() if k != "request_id"))))
    mw, mu = statistics.median(wrong), statistics.median(unknown)
    gap = abs(mw - mu) / max(mw, mu)
    return ("30 sign-ins with a wrong password for a real account and 30 for unknown accounts, interleaved, "
            "argon2id 64 MiB t=2",
            f"distinct answers {len(bodies)} (status {sorted({b[0] for b in bodies})}); median {mw * 1000:.0f} ms vs {mu * 1000:.0f} ms ({gap:.0%} apart)",
            len(bodies) == 1 and gap < 0.2)

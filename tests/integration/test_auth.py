"""Accounts and sessions through HTTP: sign-up, sign-in, tokens, refresh, sign-out, profile, CSRF."""
import sqlite3
import statistics
import time

import pytest
import requests

from support.accounts import bearer, claims_of, forge, register

SECRET = "integration-test-secret-" * 3


@pytest.fixture
def auth_server(make_server):
    return make_server(env={"SECRET_KEY": SECRET})


# -- registration --------------------------------------------------------------------------------

def test_register_signs_in_and_stores_an_argon2id_hash(make_server, tmp_path):
    s = make_server(env={"ARGON2_OPSLIMIT": "2", "ARGON2_MEMLIMIT_MIB": "64"}, data_dir=tmp_path / "d")
    r = s.request("POST", "/api/auth/register",
                  json={"email": "Ada@Example.org", "username": "Ada_L", "password": "analytical engine",
                        "full_name": "Ada Lovelace"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user"]["username"] == "ada_l"
    assert body["user"]["email"] == "Ada@Example.org"
    assert body["user"]["role"] == "user"
    assert "password" not in r.text and "argon2" not in r.text
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800
    cookies = r.headers["Set-Cookie"]
    assert "ap_access=" in cookies and "HttpOnly" in cookies and "SameSite=Lax" in cookies
    assert "ap_refresh=" in cookies and "Path=/api/auth" in cookies and "SameSite=Strict" in cookies
    assert "Secure" not in cookies, "plain HTTP on loopback: no Secure flag"
    me = s.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["full_name"] == "Ada Lovelace"
    db = sqlite3.connect(tmp_path / "d" / "astropixel.db")
    (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$v=19$m=65536,t=2,")


@pytest.mark.parametrize("payload,status,reason,field", [
    ({"email": "not-an-email", "username": "valid_name", "password": "longenough"}, 400, "invalid_email", "email"),
    ({"email": "a@b", "username": "valid_name", "password": "longenough"}, 400, "invalid_email", "email"),
    ({"email": "a@b.org", "username": "ab", "password": "longenough"}, 400, "invalid_username", "username"),
    ({"email": "a@b.org", "username": "bad-name!", "password": "longenough"}, 400, "invalid_username", "username"),
    ({"email": "a@b.org", "username": "x" * 65, "password": "longenough"}, 400, "invalid_username", "username"),
    ({"email": "a@b.org", "username": "valid_name", "password": "short"}, 400, "password_too_short", "password"),
    ({"email": "a@b.org", "username": "valid_name", "password": "p" * 1025}, 400, "password_too_long", "password"),
    ({"email": "a@b.org", "username": "valid_name"}, 400, "missing_field", "password"),
    ({"email": 5, "username": "valid_name", "password": "longenough"}, 400, "validation_error", "email"),
])
def test_register_validation_names_the_field(auth_server, payload, status, reason, field):
    r = auth_server.request("POST", "/api/auth/register", json=payload)
    assert r.status_code == status, r.text
    assert r.json()["code"] == reason
    assert r.json()["field"] == field


def test_register_rejects_non_json(auth_server):
    r = auth_server.request("POST", "/api/auth/register", data=b"{not json",
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"


def test_duplicates_are_409_with_the_field_named(auth_server):
    register(auth_server, username="taken_name", email="taken@example.org")
    r = auth_server.request("POST", "/api/auth/register",
                            json={"email": "TAKEN@example.org", "username": "other", "password": "longenough"})
    assert r.status_code == 409 and r.json()["code"] == "email_taken" and r.json()["field"] == "email"
    r = auth_server.request("POST", "/api/auth/register",
                            json={"email": "new@example.org", "username": "Taken_Name", "password": "longenough"})
    assert r.status_code == 409 and r.json()["code"] == "username_taken" and r.json()["field"] == "username"


# -- login ---------------------------------------------------------------------------------------

def test_login_by_email_or_username(auth_server):
    u = register(auth_server, username="stargazer", email="star@example.org")
    for login in ("stargazer", "STAR@example.org", "Stargazer"):
        r = auth_server.request("POST", "/api/auth/login", json={"login": login, "password": u["password"]})
        assert r.status_code == 200, login
        assert r.json()["user"]["id"] == u["user"]["id"]
    legacy = auth_server.request("POST", "/api/auth/login", json={"username": "stargazer", "password": u["password"]})
    assert legacy.status_code == 200


def test_unknown_account_and_wrong_password_answer_identically(make_server):
    # Hashing must dominate each attempt as it does in production, or scheduler noise decides the
    # comparison: 32 MiB / t=3 costs ~15-20 ms here (production: 64 MiB / t=2).
    s = make_server(env={"LOGIN_RATE_LIMIT_IP": "1000/60", "LOGIN_RATE_LIMIT_ACCOUNT": "1000/60",
                         "ARGON2_OPSLIMIT": "3", "ARGON2_MEMLIMIT_MIB": "32"})
    register(s, username="real_user")

    def attempt(login):
        t0 = time.perf_counter()
        r = s.request("POST", "/api/auth/login", json={"login": login, "password": "wrong password!"})
        return r, time.perf_counter() - t0

    wrong, _ = attempt("real_user")
    unknown, _ = attempt("no_such_user")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k != "request_id"}
    assert strip(wrong) == strip(unknown)
    assert wrong.json()["code"] == "invalid_credentials"
    # Timing: medians over 200 tries each, interleaved so machine noise hits both alike.
    t_wrong, t_unknown = [], []
    for i in range(200):
        t_wrong.append(attempt("real_user")[1])
        t_unknown.append(attempt(f"ghost_{i}")[1])
    m_wrong, m_unknown = statistics.median(t_wrong), statistics.median(t_unknown)
    # A skipped hash would make one side several times faster; 20 % leaves room for a loaded CI
    # machine (seen: 13 % while a compiler ran on both cores) without hiding that.
    assert abs(m_wrong - m_unknown) / max(m_wrong, m_unknown) < 0.20, (m_wrong, m_unknown)


def test_login_throttling_per_account_and_per_address(make_server):
    s = make_server(env={"LOGIN_RATE_LIMIT_ACCOUNT": "3/60", "LOGIN_RATE_LIMIT_IP": "100/60"})
    u = register(s, username="victim")
    codes = [s.request("POST", "/api/auth/login", json={"login": "victim", "password": "guess guess"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = s.request("POST", "/api/auth/login", json={"login": "victim", "password": u["password"]})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    # Another account from the same address is unaffected by the per-account limit.
    other = register(s, username="bystander")
    assert s.request("POST", "/api/auth/login", json={"login": "bystander", "password": other["password"]}
                     ).status_code == 200

    s2 = make_server(env={"LOGIN_RATE_LIMIT_ACCOUNT": "100/60", "LOGIN_RATE_LIMIT_IP": "3/60"})
    codes = [s2.request("POST", "/api/auth/login", json={"login": f"n{i}", "password": "guess guess"}).status_code
             for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_unknown_accounts_are_throttled_like_real_ones(make_server):
    s = make_server(env={"LOGIN_RATE_LIMIT_ACCOUNT": "2/60"})
    codes = [s.request("POST", "/api/auth/login", json={"login": "nobody", "password": "guess guess"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]


def test_no_default_account_exists(auth_server):
    for login, password in [("admin", "admin"), ("admin", "admin123"), ("admin@astropixel.local", "admin")]:
        r = auth_server.request("POST", "/api/auth/login", json={"login": login, "password": password})
        assert r.status_code == 401


# -- tokens --------------------------------------------------------------------------------------

def _bad_tokens(valid):
    c = claims_of(valid)
    now = int(time.time())
    base = {"sub": c["sub"], "sid": c["sid"], "typ": "access", "iat": now, "nbf": now, "exp": now + 600}
    header, payload, sig = valid.split(".")
    tampered = dict(c, sub="someone-else")
    import base64, json
    tampered_b64 = base64.urlsafe_b64encode(json.dumps(tampered).encode()).rstrip(b"=").decode()
    return {
        "alg_none": forge(SECRET, base, header={"alg": "none", "typ": "JWT"}).rsplit(".", 1)[0] + ".",
        "hs512": forge(SECRET, base, alg="HS512", header={"alg": "HS512", "typ": "JWT"}),
        "rs256": forge(SECRET, base, header={"alg": "RS256", "typ": "JWT"}),
        "tampered_payload": f"{header}.{tampered_b64}.{sig}",
        "bad_signature": f"{header}.{payload}.{sig[:-2]}AA",
        "other_key": forge("another-secret-" * 4, base),
        "expired": forge(SECRET, dict(base, iat=now - 7200, nbf=now - 7200, exp=now - 3600)),
        "not_yet_valid": forge(SECRET, dict(base, iat=now + 3600, nbf=now + 3600, exp=now + 7200)),
        "missing_exp": forge(SECRET, {k: v for k, v in base.items() if k != "exp"}),
        "huge": "a" * 16384,
        "garbage": "not.a.token",
    }


def test_good_forge_helper_is_accepted(auth_server):
    u = register(auth_server)
    c = claims_of(u["access_token"])
    now = int(time.time())
    token = forge(SECRET, {"sub": c["sub"], "sid": c["sid"], "typ": "access", "iat": now, "nbf": now, "exp": now + 60})
    assert auth_server.get("/api/auth/me", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("kind", ["alg_none", "hs512", "rs256", "tampered_payload", "bad_signature", "other_key",
                                  "expired", "not_yet_valid", "missing_exp", "huge", "garbage"])
def test_bad_tokens_are_401_with_www_authenticate(make_server, kind):
    s = make_server(env={"SECRET_KEY": SECRET, "HTTP_HEADER_LIMIT": "65536"})
    u = register(s)
    token = _bad_tokens(u["access_token"])[kind]
    r = s.get("/api/auth/me", headers=bearer(token))
    assert r.status_code == 401, (kind, r.text)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_guest_gets_401_with_www_authenticate(auth_server):
    r = auth_server.get("/api/auth/me")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="astropixel"'
    assert r.json()["code"] == "not_authenticated"
    assert auth_server.get("/api/auth/verify").status_code == 401


def test_verify(auth_server):
    u = register(auth_server)
    r = auth_server.get("/api/auth/verify", headers=bearer(u["access_token"]))
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["user"]["id"] == u["user"]["id"]


# -- sessions ------------------------------------------------------------------------------------

def test_logout_ends_access_and_refresh_at_once(auth_server):
    u = register(auth_server)
    r = auth_server.request("POST", "/api/auth/logout", headers=bearer(u["access_token"]))
    assert r.status_code == 204
    assert "ap_access=;" in r.headers["Set-Cookie"]
    assert auth_server.get("/api/auth/me", headers=bearer(u["access_token"])).status_code == 401
    again = auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": u["refresh_token"]})
    assert again.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(auth_server):
    u = register(auth_server)
    r1 = auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": u["refresh_token"]})
    assert r1.status_code == 200, r1.text
    fresh = r1.json()
    assert fresh["refresh_token"] != u["refresh_token"]
    assert auth_server.get("/api/auth/me", headers=bearer(fresh["access_token"])).status_code == 200
    # The first refresh token was rotated away; presenting it again means a copy leaked.
    reuse = auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": u["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_reused"
    assert auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": fresh["refresh_token"]}
                               ).status_code == 401
    assert auth_server.get("/api/auth/me", headers=bearer(fresh["access_token"])).status_code == 401


def test_refresh_with_garbage_is_401(auth_server):
    for token in ["", "x" * 64, "y" * 5000]:
        r = auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": token})
        assert r.status_code == 401


def test_password_change_needs_current_password_and_ends_other_sessions(auth_server):
    u = register(auth_server, username="changer")
    other = auth_server.request("POST", "/api/auth/login", json={"login": "changer", "password": u["password"]}).json()
    wrong = auth_server.request("PUT", "/api/auth/me", headers=bearer(u["access_token"]),
                                json={"current_password": "not it at all", "new_password": "brand new password"})
    assert wrong.status_code == 401 and wrong.json()["field"] == "current_password"
    missing = auth_server.request("PUT", "/api/auth/me", headers=bearer(u["access_token"]),
                                  json={"new_password": "brand new password"})
    assert missing.status_code == 400
    ok = auth_server.request("PUT", "/api/auth/me", headers=bearer(u["access_token"]),
                             json={"current_password": u["password"], "new_password": "brand new password"})
    assert ok.status_code == 200
    assert auth_server.get("/api/auth/me", headers=bearer(u["access_token"])).status_code == 200, "this one stays"
    assert auth_server.get("/api/auth/me", headers=bearer(other["access_token"])).status_code == 401
    assert auth_server.request("POST", "/api/auth/refresh", json={"refresh_token": other["refresh_token"]}
                               ).status_code == 401
    assert auth_server.request("POST", "/api/auth/login", json={"login": "changer", "password": u["password"]}
                               ).status_code == 401
    assert auth_server.request("POST", "/api/auth/login",
                               json={"login": "changer", "password": "brand new password"}).status_code == 200


def test_profile_update_validates(auth_server):
    u = register(auth_server)
    h = bearer(u["access_token"])
    ok = auth_server.request("PUT", "/api/auth/me", headers=h,
                             json={"full_name": "Henrietta Leavitt", "avatar_url": "https://example.org/h.png"})
    assert ok.status_code == 200 and ok.json()["full_name"] == "Henrietta Leavitt"
    bad = auth_server.request("PUT", "/api/auth/me", headers=h, json={"avatar_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and bad.json()["field"] == "avatar_url"


# -- browser cookies and CSRF ---------------------------------------------------------------------

def test_cookie_session_with_csrf(auth_server):
    browser = requests.Session()
    u = register(auth_server, session=browser)
    assert browser.get(auth_server.url("/api/auth/me")).status_code == 200, "cookie authenticates GETs"
    no_token = browser.put(auth_server.url("/api/auth/me"), json={"full_name": "X"})
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf_failed"
    csrf = browser.cookies.get("ap_csrf")
    assert csrf == u["csrf_token"]
    ok = browser.put(auth_server.url("/api/auth/me"), json={"full_name": "X"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    cross = browser.put(auth_server.url("/api/auth/me"), json={"full_name": "Y"},
                        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    same = browser.put(auth_server.url("/api/auth/me"), json={"full_name": "Z"},
                       headers={"X-CSRF-Token": csrf, "Origin": auth_server.base})
    assert same.status_code == 200
    # Refresh from the cookie also needs the CSRF header; logout too.
    assert browser.post(auth_server.url("/api/auth/refresh")).status_code == 403
    refreshed = browser.post(auth_server.url("/api/auth/refresh"), headers={"X-CSRF-Token": csrf})
    assert refreshed.status_code == 200
    csrf = browser.cookies.get("ap_csrf")
    assert browser.post(auth_server.url("/api/auth/logout")).status_code == 403
    assert browser.post(auth_server.url("/api/auth/logout"), headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get(auth_server.url("/api/auth/me")).status_code == 401


def test_secure_cookies_behind_a_trusted_https_proxy(make_server):
    s = make_server(env={"TRUSTED_PROXIES": "127.0.0.1"})
    r = s.request("POST", "/api/auth/register", headers={"X-Forwarded-Proto": "https"},
                  json={"email": "tls@example.org", "username": "tls_user", "password": "longenough"})
    assert r.status_code == 201
    assert all("Secure" in c for c in r.headers["Set-Cookie"].split(", ap_"))


def test_login_rehashes_when_the_parameters_change(make_server, tmp_path):
    data = tmp_path / "rehash"
    s = make_server(data_dir=data)
    u = register(s, username="old_hash")
    s.stop()
    db_path = data / "astropixel.db"
    before = sqlite3.connect(db_path).execute("SELECT password_hash FROM users").fetchone()[0]
    assert "m=8192,t=1" in before
    s2 = make_server(data_dir=data, env={"ARGON2_OPSLIMIT": "2", "ARGON2_MEMLIMIT_MIB": "16"})
    assert s2.request("POST", "/api/auth/login", json={"login": "old_hash", "password": u["password"]}
                      ).status_code == 200
    after = sqlite3.connect(db_path).execute("SELECT password_hash FROM users").fetchone()[0]
    assert "m=16384,t=2" in after


def test_sign_in_needs_json_and_this_sites_origin(server):
    """Login CSRF: a cross-site form can post text/plain or urlencoded bodies without a preflight,
    never JSON; and a browser says where the page was. Either refusal keeps the cookies unset."""
    import json as _json
    register(server, username="victim2", password="correct horse battery")
    body = _json.dumps({"login": "victim2", "password": "correct horse battery"})
    for path in ("/api/auth/login", "/api/auth/register"):
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
            headers = {"Content-Type": ctype} if ctype else {}
            r = server.request("POST", path, data=body, headers=headers)
            assert r.status_code == 415 and r.json()["code"] == "json_required", (path, ctype, r.text)
            assert "Set-Cookie" not in r.headers
        r = server.request("POST", path, data=body,
                           headers={"Content-Type": "application/json", "Origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["code"] == "csrf_failed", (path, r.text)
        assert "Set-Cookie" not in r.headers
    host = server.base.split("//", 1)[1]
    for origin in (None, f"http://{host}"):
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if origin:
            headers["Origin"] = origin
        r = server.request("POST", "/api/auth/login", data=body, headers=headers)
        assert r.status_code == 200, (origin, r.text)


def test_someone_guessing_elsewhere_cannot_lock_the_owner_out(make_server):
    """Failures count per account and client network (IPv4 /24, IPv6 /64), successes not at all;
    the username and the email of one account are one key."""
    s = make_server(env={"LOGIN_RATE_LIMIT_ACCOUNT": "3/300", "LOGIN_RATE_LIMIT_IP": "1000/60",
                         "TRUSTED_PROXIES": "127.0.0.1"})
    owner = register(s, username="owner1", email="owner1@example.org")

    def login(name, password, client):
        return s.request("POST", "/api/auth/login", json={"login": name, "password": password},
                         headers={"X-Forwarded-For": client}).status_code

    # The owner signs in again and again: successes count for nothing.
    assert [login("owner1", owner["password"], "198.51.100.7") for _ in range(6)] == [200] * 6
    # An attacker elsewhere exhausts the account's failures from their network, by username and
    # email alike (one key), also from a neighbour in the same /24.
    codes = [login(name, "wrong guess!", ip) for name, ip in
             (("owner1", "203.0.113.5"), ("OWNER1@example.org", "203.0.113.9"), ("owner1", "203.0.113.200"),
              ("owner1@example.org", "203.0.113.5"))]
    assert codes == [401, 401, 401, 429], codes
    assert login("owner1", owner["password"], "203.0.113.77") == 429  # that network waits
    # The owner, from their own network, still gets in; so does IPv6 from another /64.
    assert login("owner1", owner["password"], "198.51.100.7") == 200
    assert login("owner1", owner["password"], "2001:db8:1:2::5") == 200
    codes = [login("owner1", "wrong guess!", f"2001:db8:9:9::{i}") for i in range(1, 5)]
    assert codes == [401, 401, 401, 429], codes  # one /64 is one network
    assert login("owner1", owner["password"], "2001:db8:9:8::1") == 200


def test_a_huge_login_is_refused_before_it_is_counted(make_server):
    s = make_server(env={"LOGIN_RATE_LIMIT_ACCOUNT": "1/300"})
    huge = "x" * 60000
    codes = [s.request("POST", "/api/auth/login", json={"login": huge, "password": "pw pw pw pw"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 401]  # not keyed, so never 429 from the account limit


def test_a_sign_in_flood_does_not_stall_other_requests(make_server):
    """Password hashing runs on a pool of its own: while logins queue for one hashing slot, the rest
    of the API (whose database work runs on the shared blocking pool) keeps answering. That queue is
    bounded (8 waiting per hashing thread): the logins past it are answered 503 with Retry-After at
    once instead of waiting behind all the others."""
    import threading
    # Costly hashes (~0.5 s each here): the 9 admitted logins take seconds one after another, a
    # wide window for the lists to be answered in while some still wait.
    s = make_server(env={"ARGON2_OPSLIMIT": "6", "ARGON2_MEMLIMIT_MIB": "64", "PASSWORD_HASH_CONCURRENCY": "1",
                         "BLOCKING_THREADS": "4", "LOGIN_RATE_LIMIT_IP": "10000/60",
                         "LOGIN_RATE_LIMIT_ACCOUNT": "10000/60", "RATE_LIMIT_AUTH": "10000/60"})
    register(s, username="flooded")
    hashed, busy = [], []
    lock = threading.Lock()

    def login():
        # The last queued hash can take far longer than the default 10 s on a loaded machine.
        r = s.request("POST", "/api/auth/login", json={"login": "flooded", "password": "wrong password!"},
                      timeout=300)
        with lock:
            if r.status_code == 503:
                busy.append((r.headers.get("Retry-After"), r.json()["code"]))
            else:
                assert r.status_code == 401, r.text
                hashed.append(time.perf_counter())

    threads = [threading.Thread(target=login) for _ in range(30)]
    for t in threads:
        t.start()

    def logins_arrived():
        # /metrics counts itself among the requests in flight; a login is either in flight or done.
        metrics = s.get("/metrics").text
        in_flight = next(float(line.split()[-1]) for line in metrics.splitlines()
                         if line.startswith("astropixel_http_requests_in_flight "))
        with lock:
            return in_flight - 1 + len(hashed) + len(busy) >= 30
    # Every login has reached the server before the lists are asked (a fixed pause could end first on a
    # loaded machine, and the lists then proved nothing).
    deadline = time.time() + 60
    while not logins_arrived():
        assert time.time() < deadline, "the 30 logins did not all reach the server"
        time.sleep(0.02)
    finished_with = []
    for _ in range(5):
        assert s.get("/api/datasets").status_code == 200
        with lock:
            finished_with.append(len(hashed))
    for t in threads:
        t.join()
    assert len(hashed) + len(busy) == 30
    # At least the slot and its 8 waiting places were taken; the rest were refused, not queued.
    assert len(hashed) >= 9 and busy, (len(hashed), busy)
    assert set(busy) == {("1", "service_unavailable")}, busy
    # Every list answered while admitted logins were still waiting for the hashing slot (each login
    # is answered when its own hash is done, so some have been by then).
    assert max(finished_with) < len(hashed), (finished_with, len(hashed))
    # Once the flood is over, the owner signs in.
    assert s.request("POST", "/api/auth/login",
                     json={"login": "flooded", "password": "correct horse battery"}).status_code == 200

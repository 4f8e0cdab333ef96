"""The account page's server side through HTTP (#18 point 5): changing one's password ends the other
sessions, signing out everywhere, deleting one's account with its datasets (and their files), the
last administrator kept, and the wrong-password, missing-body and concurrent cases."""
import concurrent.futures
import io

import numpy as np
import requests
from PIL import Image

from support import tus
from support.accounts import bearer, register
from support.server import run_cli

FAST_HASH = {"ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"}


def login(server, login, password):
    return server.request("POST", "/api/auth/login", json={"login": login, "password": password})


def refresh(server, token):
    return server.request("POST", "/api/auth/refresh", json={"refresh_token": token})


def upload_png(server, token, name):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((64, 96, 3), np.uint8)).save(buf, format="PNG")
    _, last = tus.upload(server, token, buf.getvalue(), {"filename": "a.png", "name": name})
    d = last.headers["X-Dataset-Id"]
    assert tus.wait_for_dataset(server, token, d)[0]["status"] == "completed"
    return d


def files_of(server, dataset_id):
    return [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file() and dataset_id in str(p)]


def test_password_change_ends_the_other_sessions_and_keeps_this_one(make_server):
    s = make_server(env=FAST_HASH)
    first = register(s, username="carol")
    second = login(s, "carol", first["password"]).json()
    assert s.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 200

    r = s.request("POST", "/api/auth/password", headers=bearer(first["access_token"]),
                  json={"current_password": first["password"], "new_password": "a brand new secret"})
    assert r.status_code == 204, r.text

    # The other sign-in is over: its access token is refused (every request checks its session) and
    # its refresh token no longer renews it.
    other = s.get("/api/auth/me", headers=bearer(second["access_token"]))
    assert other.status_code == 401 and other.json()["code"] == "session_revoked", other.text
    assert refresh(s, second["refresh_token"]).status_code == 401
    # This one goes on, both ways.
    assert s.get("/api/auth/me", headers=bearer(first["access_token"])).status_code == 200
    assert refresh(s, first["refresh_token"]).status_code == 200
    # The new password signs in, the old one no longer does.
    assert login(s, "carol", "a brand new secret").status_code == 200
    assert login(s, "carol", first["password"]).status_code == 401


def test_password_change_refusals_have_codes(make_server):
    s = make_server(env=FAST_HASH)
    u = register(s, username="dave")
    h = bearer(u["access_token"])
    r = s.request("POST", "/api/auth/password", headers=h,
                  json={"current_password": "not my password", "new_password": "whatever long"})
    # 403, not 401: the session is good, the typed password is not.
    assert r.status_code == 403 and r.json()["code"] == "wrong_password", r.text
    assert r.json()["field"] == "current_password"
    r = s.request("POST", "/api/auth/password", headers=h,
                  json={"current_password": u["password"], "new_password": "short"})
    assert r.status_code == 400 and r.json()["code"] == "password_too_short" and r.json()["field"] == "new_password"
    r = s.request("POST", "/api/auth/password", headers=h, json={"new_password": "long enough here"})
    assert r.status_code == 400 and r.json()["code"] == "missing_field" and r.json()["field"] == "current_password"
    r = s.request("POST", "/api/auth/password", json={"current_password": "x", "new_password": "long enough"})
    assert r.status_code == 401
    # Nothing above changed the password or ended the session.
    assert s.get("/api/auth/me", headers=h).status_code == 200
    assert login(s, "dave", u["password"]).status_code == 200


def test_password_guesses_share_the_sign_in_limit(make_server):
    s = make_server(env=FAST_HASH)
    u = register(s, username="erin")
    h = bearer(u["access_token"])
    codes = []
    for i in range(6):
        r = s.request("POST", "/api/auth/password", headers=h,
                      json={"current_password": f"guess number {i}", "new_password": "long enough here"})
        codes.append(r.status_code)
    # Five wrong guesses per account and client network (as at the sign-in form), then 429.
    assert codes == [403] * 5 + [429], codes
    # The same counter as sign-in: the right password at the sign-in form waits too.
    assert login(s, "erin", u["password"]).status_code == 429
    r = s.request("DELETE", "/api/auth/me", headers=h, json={"password": u["password"]})
    assert r.status_code == 429
    assert s.get("/api/auth/me", headers=h).status_code == 200


def test_logout_all_ends_every_session_and_clears_cookies(make_server):
    s = make_server(env=FAST_HASH)
    browser = requests.Session()
    u = register(s, username="frank", session=browser)
    other = login(s, "frank", u["password"]).json()
    csrf = browser.cookies.get("ap_csrf")
    r = browser.post(s.url("/api/auth/logout-all"), headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 204, r.text
    cleared = r.headers["Set-Cookie"]
    assert "ap_access=;" in cleared and "ap_refresh=;" in cleared and "Max-Age=0" in cleared
    for token in (u["access_token"], other["access_token"]):
        assert s.get("/api/auth/me", headers=bearer(token)).status_code == 401
    for token in (u["refresh_token"], other["refresh_token"]):
        assert refresh(s, token).status_code == 401
    # A cookie-authenticated call without the CSRF header is refused, as for any write.
    b2 = requests.Session()
    register(s, username="frank2", session=b2)
    r = b2.post(s.url("/api/auth/logout-all"), timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"


def test_delete_account_removes_datasets_files_and_sessions(make_server):
    s = make_server(env=FAST_HASH)
    u = register(s, username="grace")
    h = bearer(u["access_token"])
    other = login(s, "grace", u["password"]).json()
    d1 = upload_png(s, u["access_token"], "mine one")
    d2 = upload_png(s, u["access_token"], "mine two")
    r = s.request("POST", f"/api/datasets/{d1}/annotations", headers=h,
                  json={"kind": "point", "geometry": {"x": 3, "y": 4}, "label": "star"})
    assert r.status_code == 201, r.text
    # Someone else's dataset stays.
    bystander = register(s, username="heidi")
    kept = upload_png(s, bystander["access_token"], "not grace's")
    # An upload in progress (half its bytes sent).
    created = tus.create(s, u["access_token"], 1000, {"filename": "b.png"})
    assert created.status_code == 201
    assert tus.patch(s, u["access_token"], created.headers["Location"], 0, b"\x89PNG\r\n\x1a\n" + b"\0" * 492).status_code == 204
    partial = list((s.data_dir / "uploads").glob("*.part"))
    assert len(partial) == 1 and partial[0].stat().st_size == 500
    for d in (d1, d2):
        assert files_of(s, d), "the dataset's source and pyramid are on disk"

    # Wrong password, no body, a body without the password: refused, nothing lost.
    r = s.request("DELETE", "/api/auth/me", headers=h, json={"password": "not it at all"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_password" and r.json()["field"] == "password"
    r = s.request("DELETE", "/api/auth/me", headers=h)
    assert r.status_code == 400, r.text
    r = s.request("DELETE", "/api/auth/me", headers=h, json={})
    assert r.status_code == 400 and r.json()["code"] == "missing_field" and r.json()["field"] == "password"
    assert s.get(f"/api/datasets/{d1}", headers=h).status_code == 200

    r = s.request("DELETE", "/api/auth/me", headers=h, json={"password": u["password"]})
    assert r.status_code == 204, r.text
    assert "ap_access=;" in r.headers["Set-Cookie"]
    for d in (d1, d2):
        assert not files_of(s, d), files_of(s, d)
        assert s.get(f"/api/datasets/{d}", headers=bearer(bystander["access_token"])).status_code == 404
    assert files_of(s, kept)
    assert not list((s.data_dir / "uploads").glob("*.part")), "the upload in progress is removed too"
    assert s.get(f"/api/datasets/{kept}", headers=bearer(bystander["access_token"])).status_code == 200
    for token in (u["access_token"], other["access_token"]):
        assert s.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert refresh(s, other["refresh_token"]).status_code == 401
    assert login(s, "grace", u["password"]).status_code == 401
    # The name is free again.
    register(s, username="grace")


def test_concurrent_deletes_of_one_account(make_server):
    s = make_server(env=FAST_HASH)
    u = register(s, username="ivan")
    d = upload_png(s, u["access_token"], "one")
    h = bearer(u["access_token"])
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(
            lambda _: s.request("DELETE", "/api/auth/me", headers=h, json={"password": u["password"]}),
            range(4)))
    codes = sorted(a.status_code for a in answers)
    # At least one did it; the others either also finished (204) or found the session gone (401).
    assert 204 in codes and set(codes) <= {204, 401}, [a.text for a in answers]
    assert not files_of(s, d)
    assert login(s, "ivan", u["password"]).status_code == 401
    assert "Sanitizer" not in s.raw_log()


def make_admin(server, username, password):
    run_cli("user", "create", "--email", f"{username}@example.org", "--username", username, "--admin",
            "--password-stdin", env={"DATA_DIR": str(server.data_dir), **FAST_HASH}, input=password + "\n")
    r = login(server, username, password)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_last_admin_cannot_delete_their_account(make_server):
    s = make_server(env=FAST_HASH)
    boss = make_admin(s, "boss", "admin password here")
    r = s.request("DELETE", "/api/auth/me", headers=bearer(boss["access_token"]),
                  json={"password": "admin password here"})
    assert r.status_code == 409 and r.json()["code"] == "last_admin", r.text
    assert s.get("/api/auth/me", headers=bearer(boss["access_token"])).status_code == 200
    # With a second administrator, the first may go.
    make_admin(s, "deputy", "deputy password here")
    r = s.request("DELETE", "/api/auth/me", headers=bearer(boss["access_token"]),
                  json={"password": "admin password here"})
    assert r.status_code == 204, r.text
    deputy = login(s, "deputy", "deputy password here").json()
    r = s.request("DELETE", "/api/auth/me", headers=bearer(deputy["access_token"]),
                  json={"password": "deputy password here"})
    assert r.status_code == 409 and r.json()["code"] == "last_admin"


def test_email_change_needs_the_password_and_a_free_address(make_server):
    s = make_server(env=FAST_HASH)
    u = register(s, username="judy")
    taken = register(s, username="kim")
    h = bearer(u["access_token"])
    r = s.request("PUT", "/api/auth/me", headers=h, json={"email": "judy.new@example.org"})
    assert r.status_code == 400 and r.json()["code"] == "missing_field" and r.json()["field"] == "current_password"
    r = s.request("PUT", "/api/auth/me", headers=h,
                  json={"email": "judy.new@example.org", "current_password": "not the password"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_password"
    r = s.request("PUT", "/api/auth/me", headers=h, json={"email": "nope", "current_password": u["password"]})
    assert r.status_code == 400 and r.json()["code"] == "invalid_email"
    r = s.request("PUT", "/api/auth/me", headers=h,
                  json={"email": taken["user"]["email"].upper(), "current_password": u["password"]})
    assert r.status_code == 409 and r.json()["code"] == "email_taken" and r.json()["field"] == "email"
    r = s.request("PUT", "/api/auth/me", headers=h,
                  json={"email": "Judy.New@example.org", "current_password": u["password"], "full_name": "Judy"})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "Judy.New@example.org" and r.json()["full_name"] == "Judy"
    assert login(s, "judy.new@example.org", u["password"]).status_code == 200
    assert login(s, u["user"]["email"], u["password"]).status_code == 401

"""Roles and the `astropixel user` commands; admin-only routes obey the policy."""
import sqlite3

import pytest

from support.accounts import bearer, register
from support.server import run_cli


def cli_env(server):
    return {"DATA_DIR": str(server.data_dir), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"}


def login(server, name, password):
    return server.request("POST", "/api/auth/login", json={"login": name, "password": password})


def test_admin_created_from_the_cli_with_a_generated_password(server):
    r = run_cli("user", "create", "--email", "root@example.org", "--username", "root", "--admin", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    password = [l for l in r.stdout.splitlines() if l.startswith("password: ")][0].split(": ", 1)[1]
    assert len(password) >= 16
    body = login(server, "root", password).json()
    assert body["user"]["role"] == "admin"


def test_password_from_stdin_and_role_changes(server):
    env = cli_env(server)
    r = run_cli("user", "create", "--email", "bob@example.org", "--username", "bob", "--password-stdin", env=env,
                input="bobs secret password\n")
    assert r.returncode == 0, r.stderr
    assert "password:" not in r.stdout
    assert login(server, "bob", "bobs secret password").json()["user"]["role"] == "user"
    assert run_cli("user", "set-role", "bob", "admin", env=env).returncode == 0
    assert login(server, "bob", "bobs secret password").json()["user"]["role"] == "admin"
    bad = run_cli("user", "set-role", "bob", "emperor", env=env)
    assert bad.returncode != 0


def test_cli_validation_and_duplicates(server):
    env = cli_env(server)
    r = run_cli("user", "create", "--email", "bad", "--username", "x", env=env)
    assert r.returncode == 1 and "invalid_email" in r.stderr
    run_cli("user", "create", "--email", "c@example.org", "--username", "carol", env=env)
    dup = run_cli("user", "create", "--email", "C@example.org", "--username", "carol2", env=env)
    assert dup.returncode == 1 and "email_taken" in dup.stderr
    missing = run_cli("user", "disable", "nobody", env=env)
    assert missing.returncode == 1 and "not_found" in missing.stderr


def test_disable_ends_sessions_and_blocks_sign_in(server):
    u = register(server, username="dora")
    assert run_cli("user", "disable", "dora", env=cli_env(server)).returncode == 0
    assert server.get("/api/auth/me", headers=bearer(u["access_token"])).status_code == 401
    right = login(server, "dora", u["password"])
    assert right.status_code == 403 and right.json()["code"] == "account_disabled"
    wrong = login(server, "dora", "not the password")
    assert wrong.status_code == 401, "a wrong password reveals nothing about the account"
    assert run_cli("user", "enable", "dora", env=cli_env(server)).returncode == 0
    assert login(server, "dora", u["password"]).status_code == 200


def test_reset_password_ends_sessions(server):
    u = register(server, username="eve")
    r = run_cli("user", "reset-password", "eve", "--password-stdin", env=cli_env(server), input="a whole new one\n")
    assert r.returncode == 0, r.stderr
    assert server.get("/api/auth/me", headers=bearer(u["access_token"])).status_code == 401
    assert login(server, "eve", "a whole new one").status_code == 200


def test_admin_routes_401_for_guests_403_for_users_200_for_admins(server):
    user = register(server, username="plain")
    assert server.get("/api/admin/users").status_code == 401
    assert server.get("/api/admin/users", headers=bearer(user["access_token"])).status_code == 403
    run_cli("user", "create", "--email", "adm@example.org", "--username", "adm", "--admin", "--password-stdin",
            env=cli_env(server), input="admin password here\n")
    admin = login(server, "adm", "admin password here").json()
    r = server.get("/api/admin/users?q=PLA", headers=bearer(admin["access_token"]))
    assert r.status_code == 200
    assert r.json()["total"] == 1 and r.json()["items"][0]["username"] == "plain"
    # Grant and revoke roles; disable through the API; never lock yourself out.
    h = bearer(admin["access_token"])
    uid = user["user"]["id"]
    assert server.request("PATCH", f"/api/admin/users/{uid}", headers=h, json={"role": "admin"}).json()["role"] == "admin"
    assert server.request("PATCH", f"/api/admin/users/{uid}", headers=h, json={"disabled": True}).json()["disabled"]
    assert server.get("/api/auth/me", headers=bearer(user["access_token"])).status_code == 401
    me = admin["user"]["id"]
    selfie = server.request("PATCH", f"/api/admin/users/{me}", headers=h, json={"disabled": True})
    assert selfie.status_code == 409 and selfie.json()["code"] == "cannot_modify_self"
    assert server.request("PATCH", "/api/admin/users/nope", headers=h, json={"role": "user"}).status_code == 404

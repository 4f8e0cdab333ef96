"""The account page in a browser (#18 point 5): tests/node/e2e_account.mjs signs up, opens /account
from the header, renames, changes the email (with the password), changes the password (a wrong current one first; a second browser is signed
out by it), signs in again with the new one, signs out everywhere, and deletes the account through
its dialog (a wrong password first). Screenshots in test-artifacts/web/account/."""
import pytest
import json
import pathlib
import shutil
import subprocess

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "account"


def test_account_page_in_a_browser(make_server):
    # Not a silent skip: scripts/test.sh builds the web app before the integration tests.
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    s = make_server(env={"WEB_ROOT": str(DIST), "ARGON2_OPSLIMIT": "1", "ARGON2_MEMLIMIT_MIB": "8"})
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    r = subprocess.run(["node", str(NODE / "e2e_account.mjs"), s.base, str(ARTIFACTS)], capture_output=True,
                       text=True, timeout=240, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report
    assert report["steps"] == ["signup", "account", "rename", "wrong-current-password", "password-changed",
                               "signed-in-with-new-password", "signed-out-everywhere", "delete-dialog", "deleted"]
    assert report["avatar"] == "HL" and report["avatar_after_rename"] == "HL"
    assert "needs your current password" in report["email_needs_password"]
    assert report["focused_for_email"] == "acc-email-password"
    profile = report["profile"]
    assert "@example.org" in profile and "Member since" in profile and "Storage used" in profile, profile
    assert "0 B" in profile, profile  # nothing uploaded
    assert "The password is wrong" in report["wrong_password_alert"], report
    assert report["focused_after_wrong"] == "acc-current" and report["url_after_wrong"] == "/account"
    assert report["other_after_change"] == "/login"
    assert "Wrong username/email or password" in report["old_password_alert"] or \
        "Invalid credentials" in report["old_password_alert"], report["old_password_alert"]
    assert report["other_after_logout_all"] == "/login"
    assert report["delete_text"].startswith("You have no datasets"), report["delete_text"]
    assert report["focused_in_dialog"] == "acc-delete-password"
    assert report["focus_back"] == "Delete my account…"
    assert "The password is wrong" in report["delete_wrong_alert"]
    assert "Invalid credentials" in report["after_delete_login"] or "Wrong" in report["after_delete_login"]
    assert report["axe"] == {"page": [], "dialog": []}, report["axe"]
    assert report["console_errors"] == [], report["console_errors"]
    assert (ARTIFACTS / "09-deleted.png").exists()
    # Nothing of the account is left.
    r = s.request("POST", "/api/auth/login", json={"login": "acct", "password": "second password 456"})
    assert r.status_code == 401

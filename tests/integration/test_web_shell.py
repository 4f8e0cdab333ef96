"""The web app's frame in real Chromium (#18 point 9): the error screen for unexpected failures with the
request id, the phone-width menu, and the light/dark theme that follows the system unless the user
chooses. Drives tests/node/e2e_shell.mjs; screenshots in test-artifacts/web/shell/."""
import json
import pathlib
import subprocess

import pytest

# Chromium drives the web app: run once, with the release binary (scripts/test.sh).
pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web" / "shell"

DARK_BG = "rgb(11, 16, 32)"  # --bg in styles.css, dark
LIGHT_BG = "rgb(245, 247, 251)"  # --bg, light


@pytest.fixture
def web_server(make_server):
    assert (DIST / "index.html").exists(), "web/dist is missing: run scripts/build-web.sh"
    return make_server(env={"WEB_ROOT": str(DIST), "DEMO_DATASET": "true"})


def test_error_screen_menu_and_theme_in_a_browser(web_server):
    s = web_server
    s.wait_for_event(lambda e: e.get("event") == "pyramid_published", timeout=60)  # the list has an item
    r = subprocess.run(["node", str(NODE / "e2e_shell.mjs"), s.base, str(ARTIFACTS)], capture_output=True, text=True,
                       timeout=180, cwd=NODE)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["ok"], report.get("error", report)

    es = report["error_screen"]
    # The id shown is the one the real server gave the request that failed, and Copy puts it on the clipboard.
    assert es["real_request_id"], es
    assert es["shown_id"] == es["real_request_id"] == es["clipboard"], es
    assert es["title"] == "Something went wrong on the server"
    assert "GET /api/datasets failed with 500 Internal Server Error" in es["text"], es["text"]
    assert es["after_retry_hidden"], "Try again reloads into the working page"
    assert "503 Service Unavailable" in es["status_503_text"] and "light-theme-req" in es["status_503_text"]
    assert es["network_title"] == "The server cannot be reached" and es["network_has_id"] == 0
    assert es["home_clears"]
    assert es["script_title"] == "Something went wrong in this page"
    assert "an unexpected state in the test" in es["script_text"]
    assert es["dismissed"]
    assert es["not_found_hidden"], "a 404 keeps its own page"
    # The viewer's prefetch is quiet: the page says its failure (with the request id), not the screen.
    assert es["prefetch"]["screen_hidden"], es["prefetch"]
    assert "The dataset cannot be loaded" in es["prefetch"]["box"] and "prefetch-req" in es["prefetch"]["box"], es
    # A busy server (503 service_unavailable) is said in the sign-in form, which keeps what was typed.
    assert es["busy_sign_in"] == {"text": "The server is busy; try again in a moment.", "screen_hidden": True,
                                  "kept": ["someone", "typed password"]}, es["busy_sign_in"]

    m = report["menu"]
    assert m["closed"] == {"expanded": "false", "links_visible": False}, m
    assert m["controls"] == "main-menu" and m["controls_exists"] == 1
    assert m["open"]["expanded"] == "true" and m["open"]["links_visible"], m
    assert m["open"]["focus"] == "Datasets", "opening moves the focus to the first link"
    assert m["open"]["overflow"] <= 1
    assert m["after_escape"] == {"expanded": "false", "links_visible": False, "focus_on_toggle": True}, m
    assert m["keyboard_opens"] == "true"
    assert m["after_navigation"] == {"path": "/compare", "expanded": "false", "links_visible": False}, m
    assert m["outside_click_closes"] == "false"
    assert m["desktop"] == {"toggle_visible": False, "links_visible": True, "navigated": "/compare"}, m

    t = report["theme"]
    assert t["system_dark"] == {"theme": "dark", "background": DARK_BG, "stored": None, "choice": "system"}, t
    assert t["system_follows_live"]["theme"] == "light" and t["system_follows_live"]["background"] == LIGHT_BG
    assert t["chose_light"] == {"theme": "light", "background": LIGHT_BG, "stored": "light", "choice": "light"}, t
    assert t["light_after_reload"] == t["chose_light"], "the choice is remembered over a dark system setting"
    assert t["other_tab"] == t["chose_light"], "another open tab follows the choice, its select too"
    assert t["back_to_system"] == t["system_dark"]
    assert t["system_light"] == {"theme": "light", "background": LIGHT_BG, "stored": None, "choice": "system"}, t
    assert t["chose_dark"] == {"theme": "dark", "background": DARK_BG, "stored": "dark", "choice": "dark"}, t
    # The error screen in both themes and the open menu in both: no serious or critical axe violation.
    assert set(report["axe"]) == {"error_screen_dark", "error_screen_light", "menu_open_light", "menu_open_dark"}
    assert all(v == [] for v in report["axe"].values()), report["axe"]
    assert report["console_errors"] == [], report["console_errors"]

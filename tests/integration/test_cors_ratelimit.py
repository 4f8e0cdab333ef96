"""CORS allow-list and per-client rate limiting."""
import requests

ALLOWED = "https://app.example.org"


def test_listed_origin_gets_credentials_and_exact_echo(make_server):
    s = make_server(env={"CORS_ORIGINS": ALLOWED})
    r = s.get("/api/health", headers={"Origin": ALLOWED})
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers["Vary"]


def test_unlisted_origin_gets_no_cors_headers(make_server):
    s = make_server(env={"CORS_ORIGINS": ALLOWED})
    r = s.get("/api/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_preflight_allowed_and_refused(make_server):
    s = make_server(env={"CORS_ORIGINS": ALLOWED})
    ok = s.request("OPTIONS", "/api/uploads", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "tus-resumable, upload-offset, content-type"})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PATCH" in ok.headers["Access-Control-Allow-Methods"]
    assert ok.headers["Access-Control-Allow-Headers"] == "tus-resumable, upload-offset, content-type"
    bad = s.request("OPTIONS", "/api/uploads", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"})
    assert bad.status_code == 403
    assert "Access-Control-Allow-Origin" not in bad.headers
    assert bad.json()["code"] == "forbidden"


def test_wildcard_origin_is_a_startup_error(tmp_path):
    from support.server import run_cli
    r = run_cli("serve", env={"CORS_ORIGINS": "*", "DATA_DIR": str(tmp_path)})
    assert r.returncode == 2
    assert "CORS_ORIGINS" in r.stderr


def test_rate_limit_answers_429_with_headers(make_server):
    s = make_server(env={"RATE_LIMIT_DEFAULT": "5/60"})
    answers = [s.get("/api/nothing-here") for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [404] * 5
    limited = answers[5]
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Policy"] == '"default";q=5;w=60'
    assert limited.headers["RateLimit"].startswith('"default";r=0;')
    assert answers[0].headers["RateLimit"].startswith('"default";r=4;')


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_server):
    untrusted = make_server(env={"RATE_LIMIT_DEFAULT": "2/60"})
    codes = [untrusted.get("/api/x", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert codes[-1] == 429, "spoofed X-Forwarded-For must not dodge the limit"

    proxied = make_server(env={"RATE_LIMIT_DEFAULT": "2/60", "TRUSTED_PROXIES": "127.0.0.1"})
    codes = [proxied.get("/api/x", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert codes == [404, 404, 404], "behind a trusted proxy each client has its own quota"
    line = proxied.wait_for_event(lambda e: e.get("event") == "request" and e.get("client_ip") == "10.0.0.2")
    assert line["status"] == 404


def test_health_and_metrics_are_not_held_to_the_default_limit(make_server):
    s = make_server(env={"RATE_LIMIT_DEFAULT": "1/60"})
    assert all(s.get("/api/health").status_code == 200 for _ in range(5))
    assert all(s.get("/metrics").status_code == 200 for _ in range(3))


def test_health_has_its_own_per_client_limit(make_server):
    # Issue 14 item 13: /api/health was public and unthrottled. It keeps a generous limit of its own
    # (load balancers probe it), counted per client address apart from the API's default.
    s = make_server(env={"RATE_LIMIT_DEFAULT": "1/60", "RATE_LIMIT_HEALTH": "3/60"})
    codes = [s.get("/api/health").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = s.get("/api/health")
    assert r.json()["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    assert r.headers["RateLimit-Policy"] == '"health";q=3;w=60'
    assert s.get("/metrics").status_code == 200, "metrics are not counted"

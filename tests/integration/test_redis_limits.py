"""Rate limits shared through Redis: two instances count one client against one quota, login
throttling included; with Redis unreachable the configured failure mode answers."""
import socket

from support.accounts import register


def unreachable_redis():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"redis://127.0.0.1:{port}"


def test_two_instances_share_one_quota(make_server, redis_url):
    env = {"REDIS_URL": redis_url + "/1", "RATE_LIMIT_DEFAULT": "6/60"}
    a, b = make_server(env=env), make_server(env=env)
    codes = []
    for i in range(4):
        codes.append(a.get("/api/nothing-here").status_code)
        codes.append(b.get("/api/nothing-here").status_code)
    assert codes == [404] * 6 + [429, 429], codes
    limited = b.get("/api/nothing-here")
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Policy"] == '"default";q=6;w=60'


def test_login_throttling_is_shared_too(make_server, redis_url, pg_url):
    # Instances as deployed: one database (failures count per account, found there) and one Redis.
    env = {"REDIS_URL": redis_url + "/2", "LOGIN_RATE_LIMIT_ACCOUNT": "3/60", "DATABASE_URL": pg_url}
    a, b = make_server(env=env), make_server(env=env)
    register(a, username="target")
    attempt = lambda s: s.request("POST", "/api/auth/login", json={"login": "target", "password": "wrong guess"})
    codes = [attempt(a).status_code, attempt(b).status_code, attempt(a).status_code, attempt(b).status_code]
    assert codes == [401, 401, 401, 429], codes


def test_unreachable_redis_fails_open_by_default_and_closed_when_asked(make_server):
    url = unreachable_redis()
    open_ = make_server(env={"REDIS_URL": url, "RATE_LIMIT_DEFAULT": "1/60"})
    assert [open_.get("/api/nothing-here").status_code for _ in range(3)] == [404] * 3
    open_.wait_for_event(lambda e: e.get("event") == "rate_limiter_unavailable")
    assert "astropixel_ratelimit_backend_failures_total 3" in open_.get("/metrics").text

    closed = make_server(env={"REDIS_URL": url, "RATE_LIMIT_FAILURE": "closed"})
    r = closed.get("/api/nothing-here")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert closed.get("/api/health").status_code == 200, "unlimited routes never ask Redis"


def test_a_bad_redis_url_is_a_configuration_error(tmp_path):
    from support.server import run_cli
    r = run_cli("serve", env={"DATA_DIR": str(tmp_path), "REDIS_URL": "rediss://secure:6379"})
    assert r.returncode == 2 and "REDIS_URL" in r.stderr
    r = run_cli("serve", env={"DATA_DIR": str(tmp_path), "REDIS_URL": "redis://h", "RATE_LIMIT_FAILURE": "maybe"})
    assert r.returncode == 2 and "RATE_LIMIT_FAILURE" in r.stderr

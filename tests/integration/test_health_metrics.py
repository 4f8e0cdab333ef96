"""GET /api/health and GET /metrics through the real binary."""
import json
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from support.postgres import PgCluster


def test_health_reports_every_dependency(server):
    r = server.get("/api/health")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert isinstance(body["uptime_s"], int)
    assert body["database"]["ok"] is True and body["database"]["backend"] == "sqlite"
    assert body["database"]["latency_ms"] >= 0
    assert body["database"]["schema_version"] >= 1
    assert body["storage"]["ok"] is True and body["storage"]["free_bytes"] > 0


def test_health_is_503_with_retry_after_while_postgres_is_down_and_recovers(make_server):
    pg = PgCluster()
    try:
        s = make_server(env={"DATABASE_URL": pg.url, "DB_POOL_TIMEOUT_MS": "1000"})
        assert s.get("/api/health").json()["database"]["backend"] == "postgresql"
        pg.stop()
        t0 = time.time()
        r = s.get("/api/health")
        assert r.status_code == 503
        assert time.time() - t0 < 6
        assert int(r.headers["Retry-After"]) > 0
        body = r.json()
        assert body["status"] == "unavailable"
        assert body["database"]["ok"] is False
        assert "127.0.0.1" not in r.text, "connection details stay in the log"
        pg.start()
        deadline = time.time() + 5
        while time.time() < deadline and s.get("/api/health").status_code != 200:
            time.sleep(0.2)
        assert s.get("/api/health").status_code == 200, "recovers without a restart"
    finally:
        pg.destroy()


def test_metrics_are_prometheus_text_that_promtool_accepts(server):
    server.get("/api/health")
    server.get("/api/nope")
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = r.text
    for family in ["astropixel_http_requests_total", "astropixel_http_request_duration_seconds_bucket",
                   "astropixel_http_requests_in_flight", "process_resident_memory_bytes", "process_open_fds",
                   "astropixel_data_dir_free_bytes", "astropixel_db_pool_size", "astropixel_db_pool_connections",
                   "astropixel_db_pool_waiting", "astropixel_build_info"]:
        assert family in text, family
    assert 'astropixel_http_requests_total{method="GET",route="/api/health",status="2xx"} 1' in text
    assert 'route="/api/nope"' not in text, "raw paths never become labels"
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is installed by scripts/install-deps.sh"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # Prometheus' naming rules: counters and only counters end in _total.
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    for name, kind in types.items():
        assert (kind == "counter") == name.endswith("_total"), (name, kind)
    for name in ("astropixel_jobs_finished_total", "astropixel_db_pool_timeouts_total", "process_cpu_seconds_total"):
        assert types.get(name) == "counter", name
    # The standard process metrics, with plausible values.
    value = lambda name: float(re.search(rf"^{name} (\S+)$", text, re.M)[1])
    assert 0 < value("process_cpu_seconds_total") < 600
    assert time.time() - 3600 < value("process_start_time_seconds") <= time.time() + 1
    assert value("process_max_fds") > value("process_open_fds") > 0
    assert value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes") > 0


def metric_names_in(expr_text):
    return set(re.findall(r"\b((?:astropixel|process)_[a-z_]+)", expr_text))


def test_alert_rules_and_dashboard_name_metrics_that_exist(server):
    """deploy/prometheus/alerts.yml passes promtool, and every metric it or the Grafana dashboard
    uses is one the server exports (names cannot drift apart)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    rules = root / "deploy" / "prometheus" / "alerts.yml"
    check = subprocess.run([shutil.which("promtool"), "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    dashboard = json.loads((root / "deploy" / "grafana" / "astropixel.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 8
    server.get("/api/health")
    text = server.get("/metrics").text
    exported = set(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    families = {name for name, _ in exported}
    for suffix in ("_bucket", "_sum", "_count"):
        families |= {name + suffix for name, kind in exported if kind == "histogram"}
    # Exported only when there is an object store or Redis (the deployments that use them).
    optional = {"astropixel_object_store_failures_total", "astropixel_object_store_breaker_open",
                "astropixel_object_store_requests_total", "astropixel_object_store_retries_total",
                "astropixel_ratelimit_backend_failures_total"}
    used = metric_names_in(rules.read_text()) | metric_names_in("\n".join(exprs))
    assert used - families - optional == set(), used - families - optional


def test_metrics_can_be_restricted_to_a_bearer_token(make_server):
    token = "scrape-" + "x" * 24
    s = make_server(env={"METRICS_TOKEN": token})
    assert s.get("/metrics").status_code == 401
    r = s.get("/metrics", headers={"Authorization": "Bearer " + token[:-1] + "y"})
    assert r.status_code == 401 and r.json()["code"] == "metrics_token_required"
    r = s.get("/metrics", headers={"Authorization": "Bearer " + token})
    assert r.status_code == 200 and "astropixel_http_requests_total" in r.text
    assert s.get("/api/health").status_code == 200  # health stays public (load balancers probe it)

"""Prometheus conventions of /metrics (ADR 0028), checked with Prometheus' own tools: promtool on a
scrape of the real server, and a real Prometheus server scraping it and evaluating every alert rule
of deploy/prometheus/astropixel.rules.yml and every query of deploy/grafana/astropixel.json."""
import json
import pathlib
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "astropixel.rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "astropixel.json"
# Route names that are not patterns: fixed names for what no route matched (http/pipeline.hpp).
FIXED_ROUTE_NAMES = {"unmatched", "static", "preflight", "method_not_allowed"}
# Exported only where an object store or Redis is configured (test_s3_storage and test_redis_limits
# see them there); here it is checked that the server still names them.
OPTIONAL = {"astropixel_object_store_failures_total", "astropixel_object_store_breaker_open",
            "astropixel_object_store_requests_total", "astropixel_object_store_retries_total",
            "astropixel_ratelimit_backend_failures_total"}
TOKEN = "scrape-" + "t" * 30


def promtool():
    path = shutil.which("promtool")
    assert path, "promtool (Debian package prometheus) is installed by scripts/install-deps.sh"
    return path


def types_in(text):
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))


def samples(text):
    """(name, labels dict, value) of every sample line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        assert m, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m[2] or ""))
        out.append((m[1], labels, float(m[3])))
    return out


def value(text, name):
    values = [v for n, labels, v in samples(text) if n == name and not labels]
    assert len(values) == 1, name
    return values[0]


def scrape(server):
    r = server.get("/metrics", headers={"Authorization": "Bearer " + TOKEN})
    assert r.status_code == 200, r.text
    return r.text


def some_traffic(server, ids):
    """Requests that reach many routes with ids the server has never seen (all answer 404/401)."""
    for i in ids:
        server.get(f"/api/datasets/{i}")
        server.get(f"/api/datasets/{i}/image_files/0/0_0.jpg")
        server.get(f"/iiif/3/{i}/info.json")
        server.get(f"/no/such/page/{i}")  # the web app's fallback or unmatched
    server.get("/api/health")
    server.request("OPTIONS", "/api/datasets", headers={"Origin": "https://elsewhere.example",
                                                        "Access-Control-Request-Method": "GET"})
    server.request("DELETE", "/api/health")  # method_not_allowed


@pytest.fixture
def server(make_server):
    # Scraped with a bearer token, as README's Prometheus configuration does.
    # No per-address limit: 800 requests from one address in a second would otherwise add 429 series.
    return make_server(env={"METRICS_TOKEN": TOKEN, "RATE_LIMIT_DEFAULT": "0/60",
                            "CORS_ORIGINS": "https://elsewhere.example"})


def test_a_scrape_follows_prometheus_naming_rules(server):
    some_traffic(server, [uuid.uuid4().hex for _ in range(3)])
    text = scrape(server)
    check = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "" and check.stderr.strip() == "", \
        check.stdout + check.stderr
    types = types_in(text)
    # Counters and only counters end in _total (a running total exported as a gauge breaks rate()).
    for name, kind in types.items():
        assert (kind == "counter") == name.endswith("_total"), (name, kind)
    for name in ("astropixel_http_requests_total", "astropixel_jobs_finished_total",
                 "astropixel_db_pool_timeouts_total", "process_cpu_seconds_total"):
        assert types.get(name) == "counter", name
    # Base units in the name: seconds and bytes, never ms/us/kb/mib.
    for name in types:
        assert not re.search(r"_(ms|milliseconds|us|micros|kb|kib|mb|mib|gb|gib|percent)(_|$)", name), name
    assert types.get("astropixel_http_request_duration_seconds") == "histogram"
    # The renamed totals are gone (ADR 0028 lists them for dashboards).
    for old in ("astropixel_jobs_finished", "astropixel_db_pool_timeouts"):
        assert old not in types, old


def test_the_standard_process_metrics_are_plausible(server):
    before = time.time()
    text = scrape(server)
    types = types_in(text)
    for name, kind in (("process_cpu_seconds_total", "counter"), ("process_start_time_seconds", "gauge"),
                       ("process_max_fds", "gauge"), ("process_open_fds", "gauge"),
                       ("process_resident_memory_bytes", "gauge"), ("process_virtual_memory_bytes", "gauge")):
        assert types.get(name) == kind, (name, types.get(name))
    started = value(text, "process_start_time_seconds")
    assert before - 120 < started <= time.time() + 1, "the server started moments ago, in Unix seconds"
    assert 0 < value(text, "process_cpu_seconds_total") < 120
    assert value(text, "process_max_fds") > value(text, "process_open_fds") > 2
    # Ours and the kernel's figure of the same process agree.
    status = pathlib.Path(f"/proc/{server.proc.pid}/status").read_text()
    vm_rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]) * 1024
    rss = value(text, "process_resident_memory_bytes")
    assert vm_rss / 2 < rss < vm_rss * 2, (rss, vm_rss)
    assert value(text, "process_virtual_memory_bytes") >= rss
    # CPU time only grows.
    for _ in range(50):
        server.get("/api/health")
    assert value(scrape(server), "process_cpu_seconds_total") >= value(text, "process_cpu_seconds_total")


def test_route_labels_hold_patterns_so_ids_do_not_create_series(server):
    some_traffic(server, [uuid.uuid4().hex for _ in range(3)])
    scrape(server)  # the /metrics route's own series exist from here on
    before = samples(scrape(server))
    ids = [uuid.uuid4().hex for _ in range(200)]
    some_traffic(server, ids)
    text = scrape(server)
    after = samples(text)
    key = lambda s: (s[0], tuple(sorted(s[1].items())))
    assert {key(s) for s in after} == {key(s) for s in before}, \
        "200 more dataset ids added series: " + repr({key(s) for s in after} - {key(s) for s in before})
    assert not any(i in text for i in ids), "an id became a label value"
    # Each route label is a route pattern of the OpenAPI document, or one of the fixed names.
    paths = set(server.get("/api/openapi.json").json()["paths"])
    routes = {labels["route"] for name, labels, _ in after if "route" in labels}
    assert {"/api/datasets/{id}", "/iiif/3/{ident}/info.json", "preflight", "method_not_allowed"} <= routes, routes
    for route in routes - FIXED_ROUTE_NAMES:
        assert re.sub(r"\{(\w+):\w+\}", r"{\1}", route) in paths, route
    # Latency is labelled like the request count: route, method and status class.
    latency = [labels for name, labels, _ in after if name == "astropixel_http_request_duration_seconds_count"]
    assert latency and all(set(l) == {"route", "method", "status"} for l in latency), latency
    assert {l["status"] for l in latency} <= {"1xx", "2xx", "3xx", "4xx", "5xx", "other"}
    counts = {(l["route"], l["method"], l["status"]): v for n, l, v in after
              if n == "astropixel_http_request_duration_seconds_count"}
    assert counts[("/api/datasets/{id}", "GET", "4xx")] >= 203


def test_the_alert_rules_pass_promtool():
    check = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS" in check.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(what, fetch, done, timeout=60):
    """Calls fetch until done(result) holds; fails with the last result after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fetch()
            if done(last):
                return last
        except requests.RequestException as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"{what}: still not there after {timeout} s: {last!r}")


@pytest.fixture
def prometheus(server, tmp_path):
    binary = shutil.which("prometheus")
    assert binary, "prometheus (Debian package) is installed by scripts/install-deps.sh"
    rules = tmp_path / "astropixel.rules.yml"
    shutil.copy(RULES, rules)
    config = tmp_path / "prometheus.yml"
    # The configuration README describes, with a short interval so the test waits seconds, not minutes.
    config.write_text(json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [{"job_name": "astropixel",
                            "authorization": {"credentials": TOKEN},
                            "static_configs": [{"targets": [f"127.0.0.1:{server.port}"]}]}],
    }))
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        port = free_port()
        log = open(tmp_path / f"prometheus{attempt}.log", "w+")
        proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"

        def ready():
            if proc.poll() is not None:
                return "exited"
            return requests.get(base + "/-/ready", timeout=5).status_code == 200

        state = poll("prometheus ready", ready, lambda r: r in (True, "exited"), timeout=60)
        if state is True:
            break
        log.seek(0)
        failure = log.read()
        assert "address already in use" in failure, failure
    else:
        raise AssertionError("no free port for prometheus")
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def query(base, expr):
    r = requests.get(base + "/api/v1/query", params={"query": expr}, timeout=10)
    return r.status_code, r.json()


def metric_names(expr):
    # Identifiers with our prefixes; label values such as job="astropixel" have no underscore.
    return set(re.findall(r"\b((?:astropixel|process)_[a-z_]+)\b", expr))


def test_a_real_prometheus_scrapes_us_and_evaluates_every_rule_and_dashboard_query(server, prometheus):
    some_traffic(server, [uuid.uuid4().hex for _ in range(5)])
    targets = poll("target up", lambda: requests.get(prometheus + "/api/v1/targets", timeout=10).json(),
                   lambda t: [a["health"] for a in t["data"]["activeTargets"]] == ["up"])
    assert targets["data"]["activeTargets"][0]["labels"]["job"] == "astropixel"
    # Two scrapes with traffic between them, so rate() over our counters has something to say.
    poll("a request rate", lambda: query(prometheus, "sum(rate(astropixel_http_requests_total[5m]))")[1],
         lambda r: r["data"]["result"])

    names = set(requests.get(prometheus + "/api/v1/label/__name__/values", timeout=10).json()["data"])
    # Their owners register them: the object store client and the Redis limiter.
    owners = "".join((ROOT / "src" / f).read_text() for f in ("storage/s3/s3_metrics.cpp", "ratelimit/redis_metrics.cpp"))
    assert all(f'"{n}"' in owners for n in OPTIONAL), "the optional metrics are still exported somewhere"

    rules_doc = requests.get(prometheus + "/api/v1/rules", timeout=10).json()
    rule_exprs = {r["name"]: r["query"] for g in rules_doc["data"]["groups"] for r in g["rules"]}
    dashboard = json.loads(DASHBOARD.read_text())
    panel_exprs = {f'{p["title"]} [{t["refId"]}]': t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])}
    assert len(rule_exprs) >= 10 and len(panel_exprs) >= 15
    for title, expr in [*rule_exprs.items(), *panel_exprs.items()]:
        status, body = query(prometheus, expr)
        assert status == 200 and body["status"] == "success", (title, expr, body)
        unknown = metric_names(expr) - names - OPTIONAL
        assert not unknown, f"{title} uses metrics /metrics does not export: {unknown}"

    # Prometheus itself evaluated every rule without error (health 'ok' after its first evaluation).
    def evaluated():
        doc = requests.get(prometheus + "/api/v1/rules", timeout=10).json()
        return [r for g in doc["data"]["groups"] for r in g["rules"]]
    rules = poll("every rule evaluated", evaluated,
                 lambda rs: all(r.get("lastEvaluation", "").startswith("20") for r in rs))
    assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]

    # A few answers that must hold on a healthy idle server.
    assert query(prometheus, 'up{job="astropixel"}')[1]["data"]["result"][0]["value"][1] == "1"
    firing = query(prometheus, 'ALERTS{alertstate="firing"}')[1]["data"]["result"]
    assert not firing, firing
    assert query(prometheus, "max(astropixel_jobs_queued)")[1]["data"]["result"][0]["value"][1] == "0"

"""X-Request-ID, traceparent and the structured access log."""
import json
import re


def test_well_formed_request_id_is_kept(server):
    r = server.get("/api/health", headers={"X-Request-ID": "client-abc_123"})
    assert r.headers["X-Request-ID"] == "client-abc_123"


def test_missing_or_hostile_request_id_is_replaced(server):
    r1 = server.get("/api/health")
    assert re.fullmatch(r"[0-9a-f]{32}", r1.headers["X-Request-ID"])
    r2 = server.get("/api/health", headers={"X-Request-ID": "bad id\"}{"})
    assert re.fullmatch(r"[0-9a-f]{32}", r2.headers["X-Request-ID"])
    assert r1.headers["X-Request-ID"] != r2.headers["X-Request-ID"]


def test_every_line_is_json_and_access_log_has_the_fields(server):
    server.get("/api/health", headers={"X-Request-ID": "rid-1",
                                       "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    line = server.wait_for_event(lambda e: e.get("event") == "request" and e.get("request_id") == "rid-1")
    assert line["method"] == "GET"
    assert line["route"] == "/api/health"
    assert line["status"] == 200
    assert line["bytes"] > 0
    assert line["duration_us"] >= 0
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert line["span_id"] == "b7ad6b7169203331"
    for raw in server.raw_log().splitlines():
        json.loads(raw)  # one JSON event per line, nothing else


def test_query_strings_cookies_and_tokens_never_reach_the_log(server):
    server.get("/api/health?token=supersecret-query", headers={
        "Authorization": "Bearer supersecret-bearer", "Cookie": "session=supersecret-cookie",
        "X-Request-ID": "rid-secret"})
    server.wait_for_event(lambda e: e.get("request_id") == "rid-secret")
    assert "supersecret" not in server.raw_log()


def test_log_injection_is_escaped(server):
    server.get("/api/x%22%0A%7B%22event%22:%22forged%22%7D")
    server.wait_for_event(lambda e: e.get("event") == "request" and e.get("status") == 404)
    assert not server.events("forged")

"""The error contract: JSON bodies, 404/405, and the error boundary with DEBUG off and on."""
import json


def assert_error_body(r, code):
    body = r.json()
    assert set(body) == {"message", "detail", "code", "request_id"}
    assert body["code"] == code
    assert body["request_id"] == r.headers["X-Request-ID"]
    return body


def test_unknown_api_route_is_json_404(server):
    r = server.get("/api/does-not-exist")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert_error_body(r, "not_found")


def test_wrong_method_is_405_with_allow(server):
    r = server.request("DELETE", "/api/health")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert_error_body(r, "method_not_allowed")


def test_head_answers_like_get_without_body(server):
    r = server.request("HEAD", "/api/health")
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) > 0
    assert r.content == b""


def test_exception_becomes_opaque_500_and_server_keeps_serving(server):
    r = server.get("/api/_test/throw", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500
    body = assert_error_body(r, "internal")
    assert body == {"message": "Internal server error", "detail": "An error occurred", "code": "internal",
                    "request_id": "boom-1"}
    assert "secret" not in r.text and "SELECT" not in r.text
    # Logged exactly once, with the request id and the real cause.
    server.wait_for_event(lambda e: e.get("event") == "request" and e.get("request_id") == "boom-1")
    logged = [e for e in server.events("unhandled_exception") if e.get("request_id") == "boom-1"]
    assert len(logged) == 1
    assert "injected failure" in logged[0]["error"]
    assert server.get("/api/health").status_code == 200


def test_debug_shows_exception_text(make_server):
    s = make_server(env={"DEBUG": "true"})
    r = s.get("/api/_test/throw")
    assert r.status_code == 500
    body = r.json()
    assert body["message"] == "Internal server error"
    assert "injected failure" in body["detail"]


def test_no_request_can_switch_debug_on(server):
    r = server.get("/api/_test/throw?debug=true", headers={"X-Debug": "true", "DEBUG": "true"})
    assert r.json()["detail"] == "An error occurred"

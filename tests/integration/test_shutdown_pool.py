"""Graceful shutdown and database-pool exhaustion, through the real binary."""
import signal
import socket
import threading
import time

import requests


def _until(condition, what, timeout=30):
    """Waits for an observable condition instead of a fixed sleep (a sanitizer build on a loaded machine
    can take far longer than any sleep chosen on a fast one)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def _gauge(server, line_start):
    for line in server.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    raise AssertionError(line_start + " missing from /metrics")


def _in_flight_besides_this_one(server):
    # /metrics counts itself among the requests in flight.
    return _gauge(server, "astropixel_http_requests_in_flight") - 1


def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_sigterm_lets_in_flight_requests_finish_then_exits_0(server):
    result = {}

    def slow():
        # Long enough to outlast the checks below on a slow sanitizer build.
        result["r"] = requests.get(server.url("/api/_test/sleep?ms=4000"), timeout=30)

    t = threading.Thread(target=slow)
    t.start()
    # The slow request must be in flight before the signal (a fixed 0.3 s need not be enough for a
    # sanitizer build on a loaded machine to read it; the request would then meet a closed port).
    _until(lambda: _in_flight_besides_this_one(server) >= 1, "the slow request to be in flight")
    server.proc.send_signal(signal.SIGTERM)
    server.wait_for_event(lambda e: e.get("event") == "shutdown_requested", timeout=30)
    # New connections are refused once shutdown has begun: the acceptor closes right after that log line.
    _until(lambda: _refused(server.port), "the listening socket to close", timeout=10)
    assert t.is_alive(), "the port closed while the slow request was still being served"
    t.join(30)
    assert result["r"].status_code == 200
    assert result["r"].json() == {"slept_ms": 4000}
    assert server.proc.wait(10) == 0
    server.wait_for_event(lambda e: e.get("event") == "shutdown_complete")


def test_idle_keep_alive_connections_do_not_delay_shutdown(server):
    s = requests.Session()
    assert s.get(server.url("/api/health")).status_code == 200  # leaves an idle keep-alive connection
    t0 = time.time()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(10) == 0
    assert time.time() - t0 < 3


def test_shutdown_deadline_bounds_the_wait(make_server):
    s = make_server(env={"SHUTDOWN_TIMEOUT": "1"})
    threading.Thread(target=lambda: _ignore(lambda: requests.get(s.url("/api/_test/sleep?ms=20000"), timeout=30)),
                     daemon=True).start()
    _until(lambda: _in_flight_besides_this_one(s) >= 1, "the slow request to be in flight")
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(10) == 0
    assert time.time() - t0 < 4
    s.wait_for_event(lambda e: e.get("event") == "shutdown_deadline_reached")


def test_second_signal_exits_at_once(server):
    threading.Thread(target=lambda: _ignore(lambda: requests.get(server.url("/api/_test/sleep?ms=20000"), timeout=30)),
                     daemon=True).start()
    _until(lambda: _in_flight_besides_this_one(server) >= 1, "the slow request to be in flight")
    server.proc.send_signal(signal.SIGTERM)
    # The second signal must reach a server that is already draining (two signals close together
    # could otherwise be taken as one).
    server.wait_for_event(lambda e: e.get("event") == "shutdown_requested", timeout=30)
    t0 = time.time()
    server.proc.send_signal(signal.SIGINT)
    code = server.proc.wait(5)
    assert time.time() - t0 < 2
    assert code != 0


def _ignore(fn):
    try:
        fn()
    except Exception:
        pass


def _holding_the_connection(s):
    # The hold-db request is in flight and a connection is taken (the pool has only one).
    return (_in_flight_besides_this_one(s) >= 1
            and _gauge(s, 'astropixel_db_pool_connections{state="in_use"}') >= 1)


def _exhaust_then_probe(s):
    held = {}
    holder = threading.Thread(target=lambda: held.setdefault("r", requests.get(s.url("/api/_test/hold-db?ms=3000"),
                                                                               timeout=30)))
    holder.start()
    _until(lambda: _holding_the_connection(s), "the hold-db request to take the connection")
    t0 = time.time()
    r = s.get("/api/health")
    waited = time.time() - t0
    holder.join()
    # If the holder itself timed out on the pool (the job poller had the connection at that moment),
    # say so: the probe's answer would mean nothing then.
    assert held["r"].status_code == 200, held["r"].text
    return r, waited


def test_pool_exhaustion_is_503_within_the_acquire_timeout_sqlite(make_server):
    s = make_server(env={"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT_MS": "400"})
    r, waited = _exhaust_then_probe(s)
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) >= 1
    assert 0.3 < waited < 2.5
    m = s.get("/metrics").text
    # At least this request's wait gave up (the job poller may have waited too).
    timeouts = [l for l in m.splitlines() if l.startswith("astropixel_db_pool_timeouts_total ")]
    assert timeouts and float(timeouts[0].split()[1]) >= 1
    assert s.get("/api/health").status_code == 200, "recovers once the connection is returned"


def test_pool_exhaustion_is_503_within_the_acquire_timeout_postgres(make_server, pg_url):
    s = make_server(env={"DATABASE_URL": pg_url, "DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0",
                         "DB_POOL_TIMEOUT_MS": "400"})
    r, waited = _exhaust_then_probe(s)
    assert r.status_code == 503
    assert 0.3 < waited < 2.5


def test_overflow_connections_are_used_then_closed(make_server):
    s = make_server(env={"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "1", "DB_POOL_TIMEOUT_MS": "400"})
    holder = threading.Thread(target=lambda: requests.get(s.url("/api/_test/hold-db?ms=1500"), timeout=30))
    holder.start()
    _until(lambda: _holding_the_connection(s), "the hold-db request to take the connection")
    assert s.get("/api/health").status_code == 200, "the overflow connection serves the second caller"
    holder.join()
    m = s.get("/metrics").text
    assert 'astropixel_db_pool_connections{state="in_use"} 0' in m
    idle = [l for l in m.splitlines() if l.startswith('astropixel_db_pool_connections{state="idle"}')]
    assert idle == ['astropixel_db_pool_connections{state="idle"} 1'], "overflow connection closed when idle"

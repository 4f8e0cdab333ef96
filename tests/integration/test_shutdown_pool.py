"""Graceful shutdown and database-pool exhaustion, through the real binary."""
import signal
import socket
import threading
import time

import requests


def test_sigterm_lets_in_flight_requests_finish_then_exits_0(server):
    result = {}

    def slow():
        result["r"] = requests.get(server.url("/api/_test/sleep?ms=1500"), timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    server.wait_for_event(lambda e: False, timeout=0.3) if False else time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # New connections are refused once shutdown has begun.
    refused = False
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    except OSError:
        refused = True
    assert refused
    t.join(10)
    assert result["r"].status_code == 200
    assert result["r"].json() == {"slept_ms": 1500}
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
    time.sleep(0.3)
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(10) == 0
    assert time.time() - t0 < 4
    s.wait_for_event(lambda e: e.get("event") == "shutdown_deadline_reached")


def test_second_signal_exits_at_once(server):
    threading.Thread(target=lambda: _ignore(lambda: requests.get(server.url("/api/_test/sleep?ms=20000"), timeout=30)),
                     daemon=True).start()
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
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


def _exhaust_then_probe(s):
    holder = threading.Thread(target=lambda: _ignore(lambda: requests.get(s.url("/api/_test/hold-db?ms=3000"),
                                                                          timeout=10)))
    holder.start()
    time.sleep(0.5)
    t0 = time.time()
    r = s.get("/api/health")
    waited = time.time() - t0
    holder.join()
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
    holder = threading.Thread(target=lambda: requests.get(s.url("/api/_test/hold-db?ms=1500"), timeout=10))
    holder.start()
    time.sleep(0.4)
    assert s.get("/api/health").status_code == 200, "the overflow connection serves the second caller"
    holder.join()
    m = s.get("/metrics").text
    assert 'astropixel_db_pool_connections{state="in_use"} 0' in m
    idle = [l for l in m.splitlines() if l.startswith('astropixel_db_pool_connections{state="idle"}')]
    assert idle == ['astropixel_db_pool_connections{state="idle"} 1'], "overflow connection closed when idle"

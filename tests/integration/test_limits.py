"""Transport limits: body size per route, header size, malformed framing, slow clients, connection cap."""
import socket
import threading
import time

import requests


def raw(server, data, timeout=5, read_all=True):
    """Sends raw bytes and returns everything the server answers before closing (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
            if not read_all:
                break
        return b"".join(chunks)
    finally:
        s.close()


def status_of(response_bytes):
    return int(response_bytes.split(b" ", 2)[1])


def test_declared_oversized_body_is_413_before_any_body_byte(server):
    # Only the header is sent: the 413 must arrive without the server waiting for 10 GB.
    t0 = time.time()
    out = raw(server, b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 10737418240\r\n\r\n")
    assert status_of(out) == 413
    assert time.time() - t0 < 3
    assert b'"code":"payload_too_large"' in out
    assert b"Connection: close" in out or b"connection: close" in out.lower()


def test_chunked_body_over_the_limit_is_413_after_reading_no_more_than_the_limit(server):
    # 1 MiB route limit; the client streams 4 MiB chunked. The server answers 413 and hangs up.
    sent = {"bytes": 0}
    s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    s.sendall(b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    try:
        for _ in range(64):
            s.sendall(b"10000\r\n" + chunk + b"\r\n")
            sent["bytes"] += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            c = s.recv(65536)
            if not c:
                break
            answer += c
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    assert status_of(answer) == 413
    ev = server.wait_for_event(lambda e: e.get("event") == "request" and e.get("status") == 413)
    assert ev["route"] == "/api/_test/echo-size"


def test_body_within_limit_streams_through(server):
    r = requests.post(server.url("/api/_test/echo-size"), data=b"a" * 1000000, timeout=10)
    assert r.json() == {"bytes": 1000000}

    def gen():
        for _ in range(10):
            yield b"b" * 1000

    r = requests.post(server.url("/api/_test/echo-size"), data=gen(), timeout=10)
    assert r.json() == {"bytes": 10000}


def test_expect_100_continue(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    s.sendall(b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    first = s.recv(4096)
    assert first.startswith(b"HTTP/1.1 100 Continue")
    s.sendall(b"hello")
    rest = b""
    while b'"bytes":5' not in rest:
        c = s.recv(4096)
        if not c:
            break
        rest += c
    s.close()
    assert b"200 OK" in rest and b'{"bytes":5}' in rest


def test_oversized_header_block_is_431(server):
    out = raw(server, b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    assert status_of(out) == 431
    assert b'"code":"header_too_large"' in out


def test_conflicting_content_length_and_transfer_encoding_is_400(server):
    out = raw(server, b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert status_of(out) == 400


def test_bad_chunk_encoding_is_400(server):
    out = raw(server, b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz\r\nhello\r\n0\r\n\r\n")
    assert status_of(out) == 400


def test_garbage_request_line_is_400(server):
    assert status_of(raw(server, b"HELLO\r\n\r\n")) == 400


def test_keep_alive_serves_several_requests_on_one_connection(server):
    c = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    for i in range(3):
        c.sendall(f"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Request-ID: ka-{i}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += c.recv(65536)
        head, body = data.split(b"\r\n\r\n", 1)
        length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
        while len(body) < length:
            body += c.recv(65536)
        assert head.startswith(b"HTTP/1.1 200")
        assert f"X-Request-ID: ka-{i}".encode() in head
    c.close()


def test_slowloris_is_cut_off_while_others_are_served(make_server):
    s = make_server(env={"HTTP_HEADER_TIMEOUT": "2"})
    slow = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    slow.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    closed = False
    while time.time() - t0 < 8:
        assert s.get("/api/health", timeout=2).status_code == 200  # normal traffic flows meanwhile
        try:
            slow.sendall(b"X-a: b\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(0.5)  # the slowloris's pace under test, not synchronisation
    slow.close()
    assert closed, "a client trickling its header forever must be disconnected"
    assert time.time() - t0 < 6


def test_slow_body_is_cut_off(make_server):
    s = make_server(env={"HTTP_BODY_TIMEOUT": "1"})
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    t0 = time.time()
    data = c.recv(4096)
    c.close()
    assert time.time() - t0 < 5
    assert data == b"" or status_of(data) == 400


def test_connection_cap_answers_503(make_server):
    s = make_server(env={"MAX_CONNECTIONS": "2"})
    # No wait needed here: the listener accepts in arrival order, so both held connections are counted
    # before the third is looked at.
    held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(2)]
    out = raw(s, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(out) == 503
    assert b"Retry-After: 1" in out
    for h in held:
        h.close()
    # The server frees the slots when it reads the clients' EOF, which a loaded sanitizer build may do
    # later than any fixed sleep: wait for the first 200 (each 503 is the cap still counting them).
    deadline, code = time.time() + 30, None
    while time.time() < deadline and code != 200:
        if code is not None:
            time.sleep(0.05)  # poll interval
        code = status_of(raw(s, b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        assert code in (200, 503), code
    assert code == 200, "the slots of closed connections are given back"

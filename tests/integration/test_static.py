"""The web app's static files: caching, ranges, SPA fallback, and no escape from the web root."""
import os

import pytest


@pytest.fixture
def web(make_server, tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>AstroPixel app</title>")
    (root / "assets" / "app-3f9a1c.js").write_text("console.log('hi');" * 100)
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    os.symlink(tmp_path / "secret.txt", root / "leak.txt")
    return make_server(env={"WEB_ROOT": str(root)})


def test_index_and_spa_fallback(web):
    r = web.get("/")
    assert r.status_code == 200 and "AstroPixel app" in r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"
    deep = web.get("/datasets/abc/view")
    assert deep.status_code == 200 and "AstroPixel app" in deep.text


def test_hashed_assets_cache_for_a_year_with_etag_and_304(web):
    r = web.get("/assets/app-3f9a1c.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = r.headers["ETag"]
    again = web.get("/assets/app-3f9a1c.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert web.get("/favicon.svg").headers["Content-Type"] == "image/svg+xml"


def test_ranges(web):
    full = web.get("/assets/app-3f9a1c.js").content
    r = web.get("/assets/app-3f9a1c.js", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    assert r.content == full[10:20]
    tail = web.get("/assets/app-3f9a1c.js", headers={"Range": "bytes=-5"})
    assert tail.content == full[-5:]
    bad = web.get("/assets/app-3f9a1c.js", headers={"Range": f"bytes={len(full)}-"})
    assert bad.status_code == 416
    assert bad.headers["Content-Range"] == f"bytes */{len(full)}"


def test_missing_asset_is_404_not_the_app(web):
    assert web.get("/assets/nope-123.js").status_code == 404
    assert web.get("/nope.png").status_code == 404


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                                  "/leak.txt", "/.%2e/secret.txt", "/%2e%2e%2fsecret.txt", "//etc/passwd",
                                  "/assets/%00.js", "/..\\secret.txt"])
def test_no_path_escapes_the_web_root(web, path):
    import socket
    s = socket.create_connection(("127.0.0.1", web.port), timeout=5)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    assert b"TOP SECRET" not in data
    assert b"root:" not in data


def test_placeholder_page_without_a_built_web_app(server):
    r = server.get("/")
    assert r.status_code == 200
    assert "AstroPixel" in r.text


def test_answers_leave_without_waiting_for_the_clients_ack(web):
    """A file's answer leaves in several writes (its header, then its chunks). With Nagle's algorithm on,
    the second waits for the client's delayed ACK: ~40 ms on every kept-alive request for a script (the
    web app's first script paid it). The server's end of the connection must have TCP_NODELAY; read
    from the server's own socket (pidfd_getfd), not timed."""
    import ctypes
    import socket

    client = socket.create_connection(("127.0.0.1", web.port))
    client.sendall(b"GET /favicon.svg HTTP/1.1\r\nHost: x\r\n\r\n")
    assert client.recv(65536).startswith(b"HTTP/1.1 200")
    # The server's socket for this connection: the one whose peer is our local port.
    ours = "%04X" % client.getsockname()[1]
    inode = None
    for line in open(f"/proc/{web.proc.pid}/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        if fields[2].endswith(":" + ours) and fields[1].startswith("0100007F:"):
            inode = fields[9]
    assert inode, "the server's end of the connection is in its /proc/net/tcp"
    fd = next(int(name) for name in os.listdir(f"/proc/{web.proc.pid}/fd")
              if os.readlink(f"/proc/{web.proc.pid}/fd/{name}") == f"socket:[{inode}]")
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(web.proc.pid)
    copy = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd (Linux 5.6)
    assert copy >= 0, os.strerror(ctypes.get_errno())
    server_end = socket.socket(fileno=copy)
    try:
        assert server_end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server_end.detach()
        os.close(copy)
        os.close(pidfd)
        client.close()

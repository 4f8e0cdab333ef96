"""The disk reserve across open uploads (issue 14 item 11), on a real small disk: uploads that each
fit but not together, a chunked multipart upload with no declared length, and the reserve kept
while bytes are written."""
import os
import re
import time

import requests

from common import case, connect, read_response, status_of
from faults import _fill, _free, _mount_tmpfs
from support import tus
from support.accounts import register


@case("disk_reserved_across_uploads", quick=True, needs=("root",))
def disk_reserved_across_uploads(ctx):
    """64 MiB tmpfs DATA_DIR with a 4 MiB reserve: two tus uploads declared at 60 % of the free
    space each; a chunked multipart upload bigger than what is left; an upload whose disk fills."""
    where = _mount_tmpfs(ctx, 64)
    reserve = 4 << 20
    s = ctx.server(env={"DISK_RESERVE_BYTES": str(reserve)}, data_dir=where / "data")
    token = register(s)["access_token"]
    share = int(_free(where) * 0.6)
    a = tus.create(s, token, share, {"filename": "a.png"})
    b = tus.create(s, token, share, {"filename": "b.png"})
    # An image's first bytes (uploads of anything else are refused at their first bytes, #18) and noise.
    big = b"\x89PNG\r\n\x1a\n" + os.urandom(share - 8)

    def gen():
        for i in range(0, len(big), 1 << 20):
            yield big[i:i + (1 << 20)]
    # A multipart body with no Content-Length (chunked): before item 11 it skipped the free-space
    # check. Sent on a raw socket, so an answer that comes before the body ends is still read.
    boundary = "hardeningboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.png\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + big + f"\r\n--{boundary}--\r\n".encode()
    c = connect(s.port)
    t0 = time.time()
    c.sendall((f"POST /api/datasets/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
               ).encode())
    sent = 0
    try:
        for i in range(0, len(body), 1 << 20):
            piece = body[i:i + (1 << 20)]
            c.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sent += len(piece)
        c.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    answer = read_response(c, timeout=30)
    c.close()
    chunked_s = time.time() - t0
    code = re.search(rb'"code":"([a-z_]+)"', answer)
    chunked = (status_of(answer), code.group(1).decode() if code else None)
    free_after = _free(where)
    # Writing re-checks: the disk fills (someone else's file) under the open upload A.
    requests.delete(s.url(b.headers["Location"]), headers=tus.headers(token)) if b.status_code == 201 else None
    filler = _fill(where, reserve + (3 << 20))
    r = tus.patch(s, token, a.headers["Location"], 0, big[:8 << 20])
    written = (r.status_code, r.json().get("code") if r.status_code != 204 else None)
    free_written = _free(where)
    filler.unlink()
    ok = (a.status_code == 201 and b.status_code == 507 and chunked[0] == 507 and free_after >= reserve
          and written[0] == 507 and free_written >= reserve)
    return (f"64 MiB tmpfs, reserve {reserve >> 20} MiB: two tus uploads declared {share >> 20} MiB each; a chunked "
            f"multipart upload of {share >> 20} MiB; a PATCH while the disk fills",
            f"first -> {a.status_code}, second -> {b.status_code} {b.json().get('code') if b.status_code != 201 else ''}"
            f"; chunked multipart -> {chunked[0]} {chunked[1]} after {sent >> 20} MiB sent, {chunked_s:.1f} s; free "
            "afterwards "
            f"{free_after >> 10} KiB; 8 MiB PATCH with {(reserve >> 20) + 3} MiB free -> {written[0]} {written[1]}, "
            f"free afterwards {free_written >> 10} KiB",
            ok)

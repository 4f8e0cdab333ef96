"""Decompression bombs and images that must be decoded whole (issue 14 item 10): a real 10 GB
PNG of zeros, a few hundred bytes claiming 1.6 Gpx, and large progressive JPEG / interlaced PNG,
through uploads and through `astropixel tile` with its peak memory measured."""
import io
import subprocess
import time

from PIL import Image

from bad_input import _png_bomb, _png_zero_bomb
from common import case, rss_kib
from support import tus
from support.accounts import register
from support.server import BINARY

sys_time = "/usr/bin/time"


def _interlaced_png(w, h):
    """A complete, valid Adam7-interlaced grey PNG of zeros."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    z = zlib.compressobj(1)
    out = []
    for x0, y0, dx, dy in passes:
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        if pw and ph:
            row = bytes(1 + pw)
            out.extend(z.compress(row) for _ in range(ph))
    out.append(z.flush())
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1))
            + chunk(b"IDAT", b"".join(out)) + chunk(b"IEND", b""))


def _progressive_jpeg(w, h):
    buf = io.BytesIO()
    Image.new("L", (w, h), 40).save(buf, "JPEG", progressive=True)
    return buf.getvalue()


@case("bombs_refused_from_the_header", quick=True)
def bombs_refused_from_the_header(ctx):
    """A valid 100000×100000 PNG of zeros (10^10 pixels in ~10 MB) and a 40000² RGB claim of a
    few hundred bytes, uploaded; the time to the answer and the server's peak RSS."""
    s = ctx.server()
    token = register(s)["access_token"]
    before = rss_kib(s.proc.pid, "VmHWM")
    results, ok = [], True
    for name, data, want in (("100000² zero PNG", _png_zero_bomb(100000), "pixel_limit_exceeded"),
                             ("40000² RGB claim", _png_bomb(40000, 40000), "decompression_bomb")):
        loc = tus.create(s, token, len(data), {"filename": "bomb.png"}).headers["Location"]
        t0 = time.time()
        r = tus.patch(s, token, loc, 0, data)
        took = time.time() - t0
        code = r.json().get("code") if r.status_code != 204 else "admitted"
        ok = ok and r.status_code == 422 and code == want and took <= 2
        results.append(f"{name} ({len(data) >> 10} KiB) -> {r.status_code} {code} in {took * 1000:.0f} ms")
    extra = (rss_kib(s.proc.pid, "VmHWM") - before) / 1024
    return ("uploads of a real 10 GB-decoded PNG bomb (1e10 pixels) and of a 40000² claim",
            "; ".join(results) + f"; server peak RSS +{extra:.0f} MB",
            ok and extra <= 128)


@case("whole_image_decodes_bounded", quick=True)
def whole_image_decodes_bounded(ctx):
    """A 17000² interlaced PNG and a 12000² progressive JPEG (each needs ~290 MB decoded whole):
    uploaded, and tiled by `astropixel tile` under /usr/bin/time."""
    tmp = ctx.dir("large")
    files = {"interlaced.png": _interlaced_png(17000, 17000), "progressive.jpg": _progressive_jpeg(12000, 12000)}
    tiny = tmp / "tiny.png"
    tiny.write_bytes(_interlaced_png(16, 16))

    def tile(path):
        r = subprocess.run([sys_time, "-f", "maxrss_kb=%M", str(BINARY), "tile", str(path), str(tmp / "out.pack"),
                            "--progress", "none"], capture_output=True, text=True, timeout=300)
        (tmp / "out.pack").unlink(missing_ok=True)
        return r.returncode, int(r.stderr.rsplit("maxrss_kb=", 1)[1]), r.stderr

    _, base_kb, _ = tile(tiny)
    s = ctx.server()
    token = register(s)["access_token"]
    results, ok = [], True
    for name, data in files.items():
        path = tmp / name
        path.write_bytes(data)
        code, kb, err = tile(path)
        loc = tus.create(s, token, len(data), {"filename": name}).headers["Location"]
        r = tus.patch(s, token, loc, 0, data)
        answer = r.json().get("code") if r.status_code != 204 else "admitted"
        extra = (kb - base_kb) / 1024
        ok = ok and code == 5 and extra <= 128 and r.status_code == 422
        results.append(f"{name}: CLI exit {code}, {extra:+.0f} MB peak RSS over a 16² image's; upload -> {r.status_code} {answer}")
    return ("17000² interlaced PNG and 12000² progressive JPEG through `astropixel tile` and through uploads",
            "; ".join(results), ok)

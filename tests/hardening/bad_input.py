"""Bad input: every MUST of tus 1.0, malformed HTTP framing, path traversal (watched with strace),
decompression bombs, and a corpus of damaged images through the CLI and through uploads."""
import concurrent.futures
import os
import shutil
import signal
import struct
import subprocess
import time
import zlib

import requests

from common import ROOT, case, check, png, raw, rss_kib, status_of, tile_cli, until
from support import tus
from support.accounts import bearer, register


@case("tus_protocol_musts", quick=True)
def tus_protocol_musts(ctx):
    """The MUSTs of tus 1.0 core, creation, termination and expiration, each checked for its
    answer and for nothing having changed."""
    s = ctx.server(env={"UPLOAD_EXPIRE_SECONDS": "2", "MAINTENANCE_INTERVAL": "1", "MAX_UPLOAD_SIZE": "1000000"})
    token = register(s)["access_token"]
    data = png(200, 100)
    results = {}
    loc = tus.create(s, token, len(data), {"filename": "x.png"}).headers["Location"]
    tus.patch(s, token, loc, 0, data[:500])
    r = requests.patch(s.url(loc), headers={**bearer(token), "Upload-Offset": "500",
                                            "Content-Type": "application/offset+octet-stream"}, data=b"x")
    results["no Tus-Resumable -> 412 + Tus-Version"] = r.status_code == 412 and r.headers.get("Tus-Version") == "1.0.0"
    results["Tus-Resumable 0.2.2 -> 412"] = tus.create(s, token, 10, Tus_Resumable="0.2.2").status_code == 412
    r = tus.patch(s, token, loc, 400, data[400:600])
    results["wrong offset -> 409, offset unchanged"] = (
        r.status_code == 409 and tus.head(s, token, loc).headers["Upload-Offset"] == "500")
    r = tus.patch(s, token, loc, 500, data[500:] + b"extra")
    results["past Upload-Length -> 413, unchanged"] = (
        r.status_code == 413 and tus.head(s, token, loc).headers["Upload-Offset"] == "500")
    results["Upload-Length over max -> 413"] = tus.create(s, token, 1000001).status_code == 413
    r = requests.patch(s.url(loc), headers=tus.headers(token, Upload_Offset=500, Content_Type="text/plain"), data=b"x")
    results["wrong Content-Type -> 415"] = r.status_code == 415
    h = tus.head(s, token, loc)
    results["HEAD Cache-Control no-store, Upload-Length"] = (
        h.headers.get("Cache-Control") == "no-store" and h.headers.get("Upload-Length") == str(len(data)))
    o = s.request("OPTIONS", "/api/uploads")
    results["OPTIONS Tus-Version/Extension/Max-Size"] = (
        o.status_code == 204 and "termination" in o.headers.get("Tus-Extension", "")
        and o.headers.get("Tus-Max-Size") == "1000000")
    r = requests.delete(s.url(loc), headers=tus.headers(token))
    results["termination -> 204, then 404"] = r.status_code == 204 and tus.head(s, token, loc).status_code == 404
    loc2 = tus.create(s, token, 100, body=b"\1" * 10).headers["Location"]
    deadline = time.time() + 15
    while time.time() < deadline and tus.head(s, token, loc2).status_code != 410:
        time.sleep(0.2)
    results["expired upload -> 410 on HEAD and PATCH"] = (
        tus.head(s, token, loc2).status_code == 410 and tus.patch(s, token, loc2, 10, b"x").status_code == 410)
    failed = [k for k, ok in results.items() if not ok]
    return ("tus requests breaking each MUST: versions, offsets, lengths, content type, HEAD, OPTIONS, "
            "termination, expiry",
            f"{len(results) - len(failed)}/{len(results)} answered as tus 1.0 requires"
            + (f"; wrong: {'; '.join(failed)}" if failed else ""),
            not failed)


@case("http_framing_and_traversal", quick=True)
def http_framing_and_traversal(ctx):
    """Malformed HTTP framing, and path traversal in every path parameter while strace records
    every file the server opens."""
    s = ctx.server()
    token = register(s)["access_token"]
    framing = {
        "40 KB header -> 431": (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n", 431),
        "Content-Length + Transfer-Encoding -> 400": (
            b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n0\r\n\r\n", 400),
        "bad chunk size -> 400": (b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                                  b"\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        "two Content-Lengths -> 400": (b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                       b"Content-Length: 6\r\n\r\nhello!", 400),
        "garbage request line -> 400": (b"HELLO\r\n\r\n", 400),
        "10 GB declared body -> 413 at once": (b"POST /api/_test/echo-size HTTP/1.1\r\nHost: x\r\n"
                                               b"Content-Length: 10737418240\r\n\r\n", 413),
    }
    wrong = [name for name, (req, want) in framing.items() if status_of(raw(s.port, req)) != want]
    trace = ctx.dir("strace") / "open.log"
    # strace comes with scripts/install-deps.sh; without it the answers are still checked.
    st = shutil.which("strace") and subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2,stat,newfstatat,access",
                           "-o", str(trace), "-p", str(s.proc.pid)], stderr=subprocess.DEVNULL)
    if st:
        # Attached to every thread of the server (each one's TracerPid is set) before the first request.
        tasks = f"/proc/{s.proc.pid}/task"

        def traced():
            try:
                return all(open(f"{tasks}/{t}/status").read().split("TracerPid:")[1].split()[0] != "0"
                           for t in os.listdir(tasks))
            except OSError:
                return False
        until(lambda: traced() or st.poll() is not None, "strace to attach")
    dots = ["..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "....//....//etc/passwd",
            "..%5c..%5cetc%5cpasswd", "%252e%252e%252fetc%252fpasswd", "/etc/passwd", "..", "%00"]
    templates = ["/api/datasets/{}", "/api/datasets/{}/image.dzi", "/api/datasets/{}/image_files/0/{}.jpg",
                 "/api/datasets/{}/preview", "/api/tiles/{}/0/0/0.jpg", "/iiif/3/{}/info.json",
                 "/iiif/3/{}/full/max/0/default.jpg", "/api/uploads/{}", "/api/datasets/{}/annotations",
                 "/{}", "/assets/{}", "/api/datasets/{}/status"]
    codes, leaked, served = {}, 0, []
    for tpl in templates:
        for dot in dots:
            path = tpl.replace("{}", dot)
            data = raw(s.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                                "Connection: close\r\n\r\n".encode())
            code = status_of(data)
            codes[code] = codes.get(code, 0) + 1
            leaked += b"root:x:" in data
            # Paths outside /api that match no route (also /iiif/3/a/b/…) get the web app's shell (index.html).
            if not (400 <= code < 500 or (code == 200 and not tpl.startswith("/api")
                                          and b"<!doctype html>" in data)):
                served.append(f"{path} -> {code}")
    # No pause before stopping strace: it writes a call's line at the call's exit, before the server
    # goes on to answer, and flushes when interrupted.
    attached = bool(st) and st.poll() is None
    if st:
        st.send_signal(signal.SIGINT)
        st.wait(10)
    lines = trace.read_text(errors="replace").splitlines() if st else []
    outside = []
    for line in lines:
        if "passwd" not in line or '"' not in line:
            continue
        path = os.path.normpath(line.split('"')[1])
        if not path.startswith(str(s.data_dir)):
            outside.append(path)
    traced = len(lines) if st else "not traced (no strace)"
    n = len(templates) * len(dots)
    passed = not wrong and not leaked and not outside and not served and (not st or attached)
    return (f"{len(framing)} malformed framings; {n} traversal paths ({len(dots)} encodings × {len(templates)} "
            "routes) under strace -f",
            f"framing answered as specified {len(framing) - len(wrong)}/{len(framing)}"
            + (f" (wrong: {', '.join(wrong)})" if wrong else "")
            + f"; traversal answers {codes} (200: the web app's shell){'; wrong: ' + ', '.join(served[:3]) if served else ''}; /etc/passwd in a body {leaked}; file calls traced {traced}, naming "
            f"passwd {len(outside)}",
            passed)


# -- decompression bombs ------------------------------------------------------------------------------

def _png_bomb(w, h):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = zlib.compress(b"\0" * (1 + w) * 4, 9)  # the first rows of zeros; the rest is missing
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def _png_zero_bomb(side):
    """A complete, valid grey PNG of side² zero pixels (10^10 for side 100000: ~10 MB). Compressing
    10 GB would take minutes; after a full flush zlib emits the same bytes for each identical block
    of zeros, so three blocks are compressed and the third repeated."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row = side + 1  # filter byte + pixels, all zero
    rows_per_block = 10
    blocks, rest = divmod(side, rows_per_block)
    check(rest == 0, "side must be a multiple of 10")
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(row * rows_per_block)
    parts = [co.compress(block) + co.flush(zlib.Z_FULL_FLUSH) for _ in range(3)]
    check(parts[1] == parts[2], "zlib output of repeated blocks is not stable")
    stream = parts[0] + parts[1] * (blocks - 1) + co.flush(zlib.Z_FINISH)
    total = row * side
    adler = ((total % 65521) << 16) | 1  # Adler-32 of `total` zero bytes
    idat = b"\x78\xda" + stream + struct.pack(">I", adler)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _tiff_bomb(w, h):
    data = zlib.compress(b"\0" * 65536, 9)
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 8), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, len(data))]
    ifd_at = 8 + len(data)
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHI", tag, typ, count) + (struct.pack("<HH", value, 0) if typ == 3 else
                                                       struct.pack("<I", value))
    return b"II*\0" + struct.pack("<I", ifd_at) + data + ifd + b"\0\0\0\0"


def _jpeg_bomb(w, h):
    sof = struct.pack(">BHHB", 8, h, w, 1) + bytes([1, 0x11, 0])
    dqt = b"\0" + bytes([1] * 64)
    return (b"\xff\xd8" + b"\xff\xdb" + struct.pack(">H", len(dqt) + 2) + dqt
            + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9")


def _fits_bomb(w, h):
    cards = ["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    2",
             f"NAXIS1  = {w:>20}", f"NAXIS2  = {h:>20}", "END"]
    header = "".join(c.ljust(80) for c in cards).ljust(2880).encode()
    return header + b"\0" * 2880


BOMBS = {"PNG 200000²": (_png_bomb, 200000, "png"), "TIFF 200000²": (_tiff_bomb, 200000, "tif"),
         "FITS 200000²": (_fits_bomb, 200000, "fits"), "PNG 100001²": (_png_bomb, 100001, "png")}


@case("decompression_bombs", quick=True)
def decompression_bombs(ctx):
    """Files of a few KB whose headers claim 10^10 pixels and more, uploaded through tus; the
    server's peak RSS is read from /proc before and after."""
    s = ctx.server()
    token = register(s)["access_token"]
    hwm_before = rss_kib(s.proc.pid, "VmHWM")
    outcomes, slowest, ok = [], 0.0, True
    for name, (make, side, ext) in BOMBS.items():
        data = make(side, side)
        loc = tus.create(s, token, len(data), {"filename": f"bomb.{ext}"}).headers["Location"]
        t0 = time.time()
        r = tus.patch(s, token, loc, 0, data)
        code = r.json().get("code") if r.status_code != 204 else None
        if r.status_code == 204:  # admitted: the build must refuse it
            st, _ = tus.wait_for_dataset(s, token, r.headers["X-Dataset-Id"], timeout=120)
            code = f"dataset {st['status']} {st.get('failure_code')}"
            refused = st["status"] == "failed"
        else:
            refused = 400 <= r.status_code < 500
        took = time.time() - t0
        slowest = max(slowest, took)
        ok = ok and refused and took <= 2
        outcomes.append(f"{name} ({len(data)} B) -> {r.status_code} {code} in {took * 1000:.0f} ms")
    extra_mb = (rss_kib(s.proc.pid, "VmHWM") - hwm_before) / 1024
    alive = s.get("/api/health").status_code == 200
    return ("tus uploads of bombs: " + ", ".join(BOMBS),
            "; ".join(outcomes) + f"; server peak RSS +{extra_mb:.0f} MB; health after {200 if alive else 'DOWN'}",
            ok and extra_mb <= 128 and alive)


def _tiled(paths):
    """Every file through `astropixel tile`, two at a time: (exit codes counted, files that crashed,
    hung or left a sanitizer report, the slowest seconds, exit code by file name)."""
    def run(path):
        t0 = time.time()
        try:
            r = tile_cli(path, path.with_suffix(".pack"), "--progress", "none", timeout=120)
        except subprocess.TimeoutExpired:
            return path, "hang", "", time.time() - t0
        return path, r.returncode, r.stderr, time.time() - t0

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, paths))
    exits, bad, slowest, by_file = {}, [], 0, {}
    for path, code, err, took in results:
        exits[code] = exits.get(code, 0) + 1
        slowest = max(slowest, took)
        by_file[path] = code
        if code not in (0, 4, 5) or "Sanitizer" in err or "runtime error:" in err:
            bad.append(f"{path.name}: {code}")
    return exits, bad, slowest, by_file


def _uploaded(ctx, paths, filename):
    """Each file uploaded with tus to a fresh server: it must end in a 4xx with a code, or a
    dataset that completes or fails with a code and a reason, never naming a server path.
    → (outcomes counted, unclear outcomes, answers naming a path, health after)."""
    s = ctx.server()
    token = register(s)["access_token"]
    outcomes, unclear, path_leaks = {}, [], 0
    for p in paths:
        data = p.read_bytes()
        loc = tus.create(s, token, len(data), {"filename": filename(p)}).headers["Location"]
        r = tus.patch(s, token, loc, 0, data)
        if r.status_code == 204:
            st, _ = tus.wait_for_dataset(s, token, r.headers["X-Dataset-Id"], timeout=120)
            key = st["status"] if st["status"] == "completed" else f"failed {st.get('failure_code')}"
            if st["status"] == "failed" and not (st.get("failure_code") and st.get("failure_reason")):
                unclear.append(p.name)
            path_leaks += "/" in (st.get("failure_reason") or "")
        else:
            key = f"{r.status_code} {r.json().get('code')}"
            path_leaks += "/" in r.json().get("message", "") + r.json().get("detail", "")
            if not 400 <= r.status_code < 500:
                unclear.append(f"{p.name}: {r.status_code}")
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes, unclear, path_leaks, s.get("/api/health").status_code == 200


@case("damaged_image_corpus", quick=True)
def damaged_image_corpus(ctx):
    """The integration tests' corpus of damaged files (every format, cut short and with bytes
    overwritten) through `astropixel tile`, and a sample of it through tus uploads."""
    from test_malformed_inputs import KNOWN_LIBRARY_BUGS, damaged, sources
    tmp = ctx.dir("corpus")
    srcs = sources(tmp)
    if ctx.quick:
        srcs = {k: v for k, v in srcs.items() if k in ("rgb.png", "progressive.jpg", "tiled-lzw.tif", "float.fits")}
    corpus = []
    for i, (name, data) in enumerate(srcs.items()):
        for kind, b in damaged(data, seed=i):
            if (name, kind.split("-")[0]) in KNOWN_LIBRARY_BUGS:
                continue
            p = tmp / f"{kind}-{name}"
            p.write_bytes(b)
            corpus.append(p)

    exits, bad, slowest, _ = _tiled(corpus)
    leftovers = [p.name for p in tmp.glob("*.pack*") if ".tmp" in p.name]
    sample = [p for p in corpus if p.name.startswith(("cut-50", "flip-0"))]
    http_outcomes, http_bad, path_leaks, alive = _uploaded(ctx, sample, lambda p: p.name.split("-", 2)[-1])
    return (f"{len(corpus)} damaged files ({len(srcs)} formats × cut/overwritten) through `astropixel tile`; "
            f"{len(sample)} of them uploaded",
            f"CLI exits {exits} (0 ok, 4 unsupported, 5 bad image), slowest {slowest:.1f} s, crashes/hangs {len(bad)}"
            f", staging left {len(leftovers)}; uploads {http_outcomes}, unclear {len(http_bad)}, naming a path "
            f"{path_leaks}; health "
            f"{200 if alive else 'DOWN'}",
            not bad and not leftovers and not http_bad and not path_leaks and alive)


# Image test data other projects test their own decoders with, as Debian ships it (unpacked by
# scripts/fetch-real-data.sh): Go's PngSuite copy, its damaged PNGs and JPEGs (invalid CRC, zlib
# stream, palette, no IEND, truncated progressive), golang.org/x/image's TIFF variants (CCITT G3/G4,
# PackBits, paletted, 16-bit, tiled, no RowsPerStrip) and WebP, and libjxl's JPEGs (4:4:0, 4:1:1,
# non-interleaved and partially interleaved scans, progressive).
THIRD_PARTY = {
    "golang-1.19-src": ("usr/share/go-1.19/src/image",),
    "golang-golang-x-image-dev": ("usr/share/gocode/src/golang.org/x/image",),
    "libjxl-testdata": ("usr/share/libjxl-testdata",),
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}


@case("third_party_image_corpus", quick=False)
def third_party_image_corpus(ctx):
    """Every PNG, JPEG, TIFF and WebP file in the test data of Go's image packages and libjxl (as
    Debian packages them) through `astropixel tile`; PngSuite's valid images must all tile; the
    damaged ones and one file per format through tus uploads."""
    real = ROOT / "build" / "real-data"
    subprocess.run([str(ROOT / "scripts" / "fetch-real-data.sh"), str(real)], check=True, capture_output=True)
    tmp = ctx.dir("third-party")
    corpus = []
    for package, folders in THIRD_PARTY.items():
        for folder in folders:
            for f in sorted((real / "x" / package / folder).rglob("*")):
                if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and "/font/" not in str(f):
                    # A copy, so the pack goes beside it in our directory; the name keeps its origin.
                    p = tmp / f"{package}--{f.relative_to(real / 'x' / package / folder)}".replace("/", "--")
                    shutil.copyfile(f, p)
                    corpus.append(p)
    check(len(corpus) > 150, f"only {len(corpus)} files found under {real}/x")
    exits, bad, slowest, by_file = _tiled(corpus)
    leftovers = [p.name for p in tmp.glob("*.pack*") if ".tmp" in p.name]
    pngsuite = [p for p in corpus if "--pngsuite--" in p.name]
    pngsuite_failed = [p.name.split("--")[-1] for p in pngsuite if by_file[p] != 0]
    per_format = {}
    for p in corpus:
        per_format.setdefault(p.suffix.lower(), []).append(p)
    damaged = [p for p in corpus if any(w in p.name for w in ("invalid", "truncated"))]
    sample = damaged + [ps[0] for ps in per_format.values()]
    outcomes, unclear, path_leaks, alive = _uploaded(ctx, sample, lambda p: p.name.split("--")[-1])
    refused = {p.name.split("--")[-1]: by_file[p] for p in damaged}
    return (f"{len(corpus)} files from {', '.join(THIRD_PARTY)} through `astropixel tile` "
            f"({', '.join(f'{len(v)} {k}' for k, v in sorted(per_format.items()))}); {len(sample)} uploaded",
            f"CLI exits {exits} (0 ok, 4 unsupported, 5 bad image), slowest {slowest:.1f} s, crashes/hangs "
            f"{len(bad)} {bad[:3]}, staging left {len(leftovers)}; PngSuite {len(pngsuite) - len(pngsuite_failed)}/"
            f"{len(pngsuite)} tiled {pngsuite_failed[:5]}; damaged files' exits {refused}; uploads {outcomes}, "
            f"unclear {len(unclear)}, naming a path {path_leaks}; health {200 if alive else 'DOWN'}",
            not bad and not leftovers and not pngsuite_failed and pngsuite and not unclear and not path_leaks
            and alive)

"""IIIF request lists for bench/iiif.sh, and its result table.

  iiif_requests.py make W H SEED N OUT [EXCLUDE]   N distinct random requests, one per line:
        "/{region}/{size}/0/default.jpg WIDTH HEIGHT" (the answer's size by IIIF Image API 3 rules),
        none of them in EXCLUDE (another list), in a fixed order from SEED
  iiif_requests.py table RESULTS                   median req/s, p50, p99 per variant and server; ratios

Every request is valid in IIIF Image API 2 and 3 alike, so IIPImage (whose iipsrv 1.1 speaks 2) and
we answer the same paths: region x,y,w,h or full; size w, or !w,h or pct:n, never above the region
(3 needs ^ for that, 2 has no ^ and upscales !w,h to fill a larger box); never 'max' or 'full' as a size, whose meanings differ between the
two versions and exceed both servers' limits at full resolution. Outputs stay within 1024 px a side
(our maxArea is 2048², iipsrv's MAX_CVT 5000).
"""
import math
import statistics
import sys

import numpy as np


def log_uniform(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def one(rng, W, H):
    k = rng.random()
    if k < 0.15:
        # Whole-image overviews at thumbnail sizes, as a viewer's navigator or a gallery asks.
        ow = int(rng.integers(64, 513))
        return f"/full/{ow},/0/default.jpg", ow, round(H * ow / W)
    rw = log_uniform(rng, 128, 8192)
    rh = max(64, min(H, int(round(rw * math.exp(rng.uniform(math.log(0.5), math.log(2)))))))
    rw = min(rw, W)
    x = int(rng.integers(0, W - rw + 1))
    y = int(rng.integers(0, H - rh + 1))
    region = f"{x},{y},{rw},{rh}"
    if k < 0.65:
        ow = log_uniform(rng, 64, min(1024, rw))
        oh = round(rh * ow / rw)
        if not 1 <= oh <= min(1024, rh):
            return None
        return f"/{region}/{ow},/0/default.jpg", ow, oh
    if k < 0.85:
        # A box within the region's own size: IIIF 2's !w,h upscales to fill a larger box, 3's does not.
        bw = int(rng.integers(min(128, rw), min(1024, rw) + 1))
        bh = int(rng.integers(min(128, rh), min(1024, rh) + 1))
        s = min(bw / rw, bh / rh, 1.0)
        return f"/{region}/!{bw},{bh}/0/default.jpg", max(1, math.floor(rw * s + 1e-9)), max(1, math.floor(rh * s + 1e-9))
    top = min(100, math.floor(1024 * 100 / max(rw, rh)))
    n = int(rng.integers(1, top + 1))
    ow, oh = round(rw * n / 100), round(rh * n / 100)
    if ow < 1 or oh < 1:
        return None
    return f"/{region}/pct:{n}/0/default.jpg", ow, oh


def make(W, H, seed, n, out, exclude=None):
    rng = np.random.default_rng(seed)
    seen = set()
    if exclude:
        seen = {line.split()[0] for line in open(exclude) if line.strip()}
    rows = []
    while len(rows) < n:
        r = one(rng, W, H)
        if r is None or r[0] in seen:
            continue
        seen.add(r[0])
        rows.append(r)
    with open(out, "w") as f:
        for path, w, h in rows:
            f.write(f"{path} {w} {h}\n")


def table(path):
    runs = {}
    for line in open(path):
        if not line.strip():
            continue
        d = dict(x.split("=", 1) for x in line.split())
        runs.setdefault((d["variant"], d["server"]), []).append(d)
    print("| variant | server | median req/s | p50 ms | p99 ms | errors | server CPU ms/request | load avg (1 min) per run |")
    print("|---|---|---|---|---|---|---|---|")
    med = {}
    for (variant, server), rs in sorted(runs.items()):
        m = {k: statistics.median(float(r.get(k, "nan")) for r in rs)
             for k in ("rps", "p50_ms", "p99_ms", "errors", "cpu_ms_per_request")}
        med[(variant, server)] = m
        loads = ", ".join(r["load"] for r in rs)
        print(f"| {variant} | {server} | {m['rps']:.0f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['errors']:.0f} | {m['cpu_ms_per_request']:.2f} | {loads} |")
    print()
    for variant in sorted({v for v, _ in med}):
        ours, peer = med.get((variant, "astropixel")), med.get((variant, "iipsrv"))
        if ours and peer and peer["rps"] > 0:
            print(f"ratio astropixel/iipsrv requests/s, {variant}: {ours['rps'] / peer['rps']:.2f}; "
                  f"CPU per request iipsrv/astropixel: {peer['cpu_ms_per_request'] / ours['cpu_ms_per_request']:.2f}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6],
             sys.argv[7] if len(sys.argv) > 7 else None)
    elif cmd == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)

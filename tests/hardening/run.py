#!/usr/bin/env python3
"""The reliability report (issue 14): runs the load, fault, bad-input and security cases of
../shared/design/targets.md against the real binary and prints one table: case, what was done, the
figure measured, pass/fail. Exits 1 if any case fails. --quick runs the CI-sized subset.

Run it through scripts/hardening.sh, which builds the binary and starts PostgreSQL, Redis and s3rver
on 127.0.0.1 (ASTROPIXEL_TEST_* variables, as for the integration tests)."""
import argparse
import os
import pathlib
import resource
import shutil
import sys
import tempfile
import textwrap
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))                  # support.*
sys.path.insert(0, str(HERE.parent / "integration"))  # the malformed-file corpus of the integration tests
sys.path.insert(0, str(HERE))

from common import CASES, Context, Failed  # noqa: E402
import faults  # noqa: E402,F401  (each module registers its cases)
import clients  # noqa: E402,F401
import bad_input  # noqa: E402,F401
import security  # noqa: E402,F401
import user_limits  # noqa: E402,F401
import decode_limits  # noqa: E402,F401
import disk_reservation  # noqa: E402,F401

SERVICE_VARS = {"pg": "ASTROPIXEL_TEST_PG_URL", "redis": "ASTROPIXEL_TEST_REDIS_URL", "s3": "ASTROPIXEL_TEST_S3_ENDPOINT"}


def run_case(c, work, quick):
    for need in c["needs"]:
        if need == "root" and os.geteuid() != 0:
            return "not run", "needs root (tmpfs mount)", False
        if need in SERVICE_VARS and not os.environ.get(SERVICE_VARS[need]):
            return "not run", f"{SERVICE_VARS[need]} is not set", False
    ctx = Context(work / c["name"], quick)
    t0 = time.time()
    try:
        what, figure, passed = c["fn"](ctx)
    except Failed as e:
        what, figure, passed = getattr(c["fn"], "__doc__", "") or c["name"], f"FAILED CHECK: {e}", False
    except Exception as e:  # a broken case is a failed case, with its reason in the table
        traceback.print_exc(file=sys.stderr)
        what, figure, passed = getattr(c["fn"], "__doc__", "") or c["name"], f"ERROR {type(e).__name__}: {e}", False
    problems = ctx.finish()
    if problems:
        figure += "; CRASH: " + " | ".join(problems)
        passed = False
    figure += f" [{time.time() - t0:.1f} s]"
    return " ".join(what.split()), figure, passed


def table(rows):
    widths = (24, 58, 70, 4)
    out = []
    head = ("case", "what was done", "figure (measured)", "pass")
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.append(sep)
    out.append("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    out.append(sep.replace("-", "="))
    for row in rows:
        cols = [textwrap.wrap(str(text), w) or [""] for text, w in zip(row, widths)]
        for i in range(max(len(c) for c in cols)):
            out.append("| " + " | ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(cols, widths)) + " |")
        out.append(sep)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the CI-sized subset (a few minutes on 2 cores)")
    ap.add_argument("--only", action="append", default=[], help="run only cases whose name contains this")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    selected = [c for c in CASES if (c["quick"] or not args.quick)
                and (not args.only or any(o in c["name"] for o in args.only))]
    if args.list:
        for c in selected:
            print(c["name"], "(quick)" if c["quick"] else "")
        return 0
    # Hundreds of client sockets at once (the connection-cap case).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    work = pathlib.Path(tempfile.mkdtemp(prefix="astropixel-hardening."))
    os.chmod(work, 0o755)
    rows, t0 = [], time.time()
    try:
        for c in selected:
            print(f"== {c['name']}", file=sys.stderr, flush=True)
            what, figure, passed = run_case(c, work, args.quick)
            print(f"   {'pass' if passed else 'FAIL'}: {figure}", file=sys.stderr, flush=True)
            rows.append((c["name"], what, figure, "pass" if passed else "FAIL"))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r[0] for r in rows if r[3] != "pass"]
    print(f"AstroPixel reliability report ({'quick subset' if args.quick else 'full run'}), "
          f"binary {os.environ.get('ASTROPIXEL_BIN', 'build/release/astropixel')}, "
          f"{len(rows)} cases in {time.time() - t0:.0f} s, {len(rows) - len(failed)} passed, {len(failed)} failed")
    print(table(rows))
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

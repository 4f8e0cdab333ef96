"""Every real FITS file in Debian's astronomy packages goes through `astropixel tile`.

The files were written by real instruments and real astronomy software (HST, Spitzer, SDO, UKIRT,
IRAF, CASA, ...), not by us: scripts/fetch-real-data.sh unpacks the packages, and every file whose
bytes start like FITS (plainly or gzip-compressed, whatever its name) is tiled. Each one must render
or be refused with its true code, as checked in in real_fits_outcomes.tsv; never a crash, a sanitizer
report, or a decoder's warning on the terminal. A file found that the table lacks fails the test too,
so a new package version is looked at rather than passed over.

To rewrite the table after a reviewed change: ASTROPIXEL_REAL_FITS_WRITE=1 pytest this file.
"""
import concurrent.futures
import gzip
import json
import os
import pathlib
import subprocess

import pytest

from support import tus
from support.accounts import register
from support.pack import Pack
from support.server import BINARY, ROOT

DATA = pathlib.Path(os.environ.get("ASTROPIXEL_REAL_DATA", ROOT / "build" / "real-data")) / "x"
TABLE = pathlib.Path(__file__).with_name("real_fits_outcomes.tsv")
MAGIC = b"SIMPLE  ="


def is_fits(path):
    try:
        with open(path, "rb") as f:
            head = f.read(9)
        if head == MAGIC:
            return True
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as g:
                return g.read(9) == MAGIC
    except (OSError, EOFError, gzip.BadGzipFile):
        pass
    return False


def corpus():
    if not DATA.is_dir():
        pytest.fail(f"{DATA} is missing: scripts/test.sh fetches it with scripts/fetch-real-data.sh")
    files = []
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size >= 2880 // 10 and is_fits(path):
            files.append(path)
    return files


def outcome(path, out):
    """'ok WxH hdu=H planes=P wcs=PROJ' or 'error CODE', from the CLI's JSON events and the pack."""
    r = subprocess.run([str(BINARY), "tile", "--progress", "json", str(path), str(out)],
                       capture_output=True, text=True, timeout=600)
    problems = []
    if r.returncode < 0:
        problems.append(f"ended with signal {-r.returncode}")
    for marker in ("Sanitizer", "runtime error:", "GLib", "WARNING **", "CRITICAL **"):
        if marker in r.stderr:
            problems.append(f"stderr holds {marker!r}")
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    last = events[-1] if events else {}
    if r.returncode == 0 and last.get("event") == "done":
        meta = Pack(out).meta
        extra = meta["meta"]
        fits = extra.get("fits", {})
        wcs = extra.get("wcs") or {}
        text = (f"ok {meta['width']}x{meta['height']} hdu={fits.get('hdu')} planes={fits.get('planes')} "
                f"wcs={wcs.get('projection', '-')}")
        out.unlink()
    elif last.get("event") == "error":
        text = f"error {last['code']}"
        if r.returncode == 0:
            problems.append("an error event with exit status 0")
    else:
        text = f"exit {r.returncode}"
        problems.append(f"no done or error event: {r.stdout[-500:]!r}")
    if problems:
        text += " PROBLEM: " + "; ".join(problems) + "\n" + r.stderr[-3000:]
    return text


def read_table():
    expected = {}
    for line in TABLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            path, result = line.split("\t")[:2]
            expected[path] = result
    return expected


def test_every_real_fits_file_renders_or_is_refused_for_its_true_reason(tmp_path):
    files = corpus()
    # Enough files that a broken fetch cannot pass as an empty corpus.
    assert len(files) > 200, f"only {len(files)} FITS files under {DATA}"
    jobs = max(2, os.cpu_count() or 2)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = dict(zip(files, pool.map(lambda ip: outcome(ip[1], tmp_path / f"{ip[0]}.pack"),
                                           enumerate(files))))
    actual = {str(p.relative_to(DATA)): r for p, r in results.items()}
    if os.environ.get("ASTROPIXEL_REAL_FITS_WRITE"):
        old = TABLE.read_text().splitlines() if TABLE.exists() else []
        header = [line for line in old if line.startswith("#")]
        TABLE.write_text("\n".join(header + [f"{k}\t{v}" for k, v in sorted(actual.items())]) + "\n")
    expected = read_table()
    wrong = [f"{k}: expected {expected.get(k, '(not in the table)')!r}, got {v!r}"
             for k, v in sorted(actual.items()) if expected.get(k) != v]
    gone = [f"{k}: in the table, not in the corpus" for k in sorted(expected.keys() - actual.keys())]
    crashed = [k for k, v in actual.items() if "PROBLEM" in v]
    assert not crashed, "crashes or warnings:\n" + "\n".join(f"{k}: {actual[k]}" for k in crashed)
    assert not wrong and not gone, f"{len(wrong) + len(gone)} of {len(actual)} files:\n" + "\n".join(wrong + gone)


def upload_outcome(server, token, path):
    """The same outcome string as outcome(), through the HTTP API: a tus upload, then the build."""
    data = path.read_bytes()
    r = tus.create(server, token, len(data), {"filename": path.name})
    if r.status_code != 201:
        return f"error {r.json().get('code')} (at creation: {r.status_code})"
    r = tus.patch(server, token, r.headers["Location"], 0, data)
    if r.status_code != 204:
        # Refused when the upload completed: the probe read the headers.
        return f"error {r.json().get('code')}"
    d = r.headers["X-Dataset-Id"]
    status, _ = tus.wait_for_dataset(server, token, d, timeout=600)
    if status["status"] != "completed":
        return f"error {status['failure_code']}"
    body = server.get(f"/api/datasets/{d}", headers={"Authorization": f"Bearer {token}"}).json()
    fits = body["pyramid"].get("fits") or {}
    wcs = body["pyramid"].get("wcs") or {}
    return (f"ok {body['width']}x{body['height']} hdu={fits.get('hdu')} planes={fits.get('planes')} "
            f"wcs={wcs.get('projection', '-')}")


def test_every_real_fits_file_uploaded_through_the_api_ends_as_the_cli_says(make_server):
    """The web app's path: tus upload, probe at completion, build in a child process, the dataset's
    JSON. Each file must end completed, or refused/failed with the code the CLI gives."""
    files = corpus()
    server = make_server(env={"RATE_LIMIT_DEFAULT": "1000000/60", "WORKERS": "2"})
    token = register(server)["access_token"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        actual = dict(zip(files, pool.map(lambda p: upload_outcome(server, token, p), files)))
    expected = read_table()
    wrong = [f"{p.relative_to(DATA)}: expected {expected.get(str(p.relative_to(DATA)))!r}, got {v!r}"
             for p, v in sorted(actual.items()) if expected.get(str(p.relative_to(DATA))) != v]
    assert not wrong, f"{len(wrong)} of {len(actual)} files:\n" + "\n".join(wrong)

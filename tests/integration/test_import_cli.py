"""`astropixel import DIR --owner LOGIN [--public]` (#18 point 8): a folder of images becomes the owner's
datasets through the upload path (probe, refusal codes, build jobs run by the server), files already
imported are skipped by content, each refusal is reported with its code, and any refusal makes the exit
status non-zero. A progress bar on a terminal, plain lines otherwise."""
import os
import pty
import shutil
import subprocess
import time

import numpy as np
from PIL import Image

from support.accounts import bearer, register
from support.server import BINARY, run_cli


def cli_env(server):
    return {"DATA_DIR": str(server.data_dir), "LOG_LEVEL": "warn"}


def owned(server, token):
    r = server.get("/api/datasets?mine=true&limit=100", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def wait_built(server, token, count, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        items = owned(server, token)
        if len(items) == count and all(d["status"] in ("completed", "failed") for d in items):
            return items
        time.sleep(0.2)
    raise AssertionError(f"not built: {owned(server, token)}")


def lines(out, word):
    return [l for l in out.splitlines() if f"] {word} " in l]


def test_import_a_folder_skip_what_is_there_and_report_refusals(server, tmp_path):
    ada = register(server, username="ada")
    folder = tmp_path / "night"
    folder.mkdir()
    rng = np.random.default_rng(8)
    Image.fromarray(rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)).save(folder / "m31.png")
    Image.fromarray(rng.integers(0, 65535, (200, 260), dtype=np.uint16)).save(folder / "m42.tif")
    (folder / "notes.png").write_text("observing notes, not an image\n" * 20)
    (folder / ".DS_Store").write_bytes(b"\0" * 64)  # hidden: not offered
    (folder / "sub").mkdir()  # subfolders are not walked
    Image.fromarray(rng.integers(0, 256, (50, 50, 3), dtype=np.uint8)).save(folder / "sub" / "deep.png")

    r = run_cli("import", str(folder), "--owner", "ada", "--public", env=cli_env(server))
    assert r.returncode == 1, (r.stdout, r.stderr)  # one file was refused
    assert "\r" not in r.stdout + r.stderr, "no bar when nobody watches a terminal"
    assert [l.split("] ", 1)[1].split(" as ")[0] for l in lines(r.stdout, "imported")] == \
        ["imported m31.png", "imported m42.tif"], r.stdout
    refused = lines(r.stdout, "refused")
    assert len(refused) == 1 and "notes.png" in refused[0] and refused[0].endswith("(unsupported_format)"), r.stdout
    assert r.stdout.strip().splitlines()[-1] == "2 imported, 0 skipped, 1 refused"
    assert r.stdout.startswith("[1/3] ")

    # Built by the server's workers like uploads, public, owned by ada; nothing else appeared.
    items = wait_built(server, ada["access_token"], 2)
    assert sorted(d["file_name"] for d in items) == ["m31.png", "m42.tif"]
    assert all(d["status"] == "completed" and d["visibility"] == "public" for d in items), items
    by_name = {d["file_name"]: d for d in items}
    assert (by_name["m31.png"]["width"], by_name["m31.png"]["height"]) == (500, 300)
    assert server.get(f"/api/datasets/{by_name['m42.tif']['id']}").status_code == 200  # a guest sees it
    # Nothing left in the uploads folder, and the sources in the folder are untouched.
    assert not [p for p in (server.data_dir / "uploads").glob("import-*")]
    assert (folder / "m31.png").exists() and (folder / "m42.tif").exists()

    # Again, with a renamed copy and a new file: only the new file is imported.
    shutil.copy(folder / "m31.png", folder / "m31-copy.png")
    (folder / "notes.png").unlink()
    Image.fromarray(rng.integers(0, 256, (120, 80, 3), dtype=np.uint8)).save(folder / "new.png")
    again = run_cli("import", str(folder), "--owner", "ada", env=cli_env(server))
    assert again.returncode == 0, (again.stdout, again.stderr)
    skipped = lines(again.stdout, "skipped")
    assert [l.split("] ", 1)[1].split(":")[0] for l in skipped] == ["skipped m31-copy.png", "skipped m31.png",
                                                                     "skipped m42.tif"], again.stdout
    assert f"already imported as {by_name['m31.png']['id']}" in skipped[0]
    assert again.stdout.strip().splitlines()[-1] == "1 imported, 3 skipped, 0 refused"
    items = wait_built(server, ada["access_token"], 3)
    new = [d for d in items if d["file_name"] == "new.png"]
    assert new and new[0]["visibility"] == "private"

    # The same files for another owner are theirs to import; two files of one content, once.
    register(server, username="bob")
    bob = run_cli("import", str(folder), "--owner", "bob", env=cli_env(server))
    assert bob.returncode == 0 and bob.stdout.strip().splitlines()[-1] == "3 imported, 1 skipped, 0 refused", bob.stdout


def test_import_refuses_an_unknown_owner_or_folder(server, tmp_path):
    r = run_cli("import", str(tmp_path), "--owner", "nobody", env=cli_env(server))
    assert r.returncode == 2 and "no account nobody" in r.stderr, r.stderr
    register(server, username="ada")
    r = run_cli("import", str(tmp_path / "missing"), "--owner", "ada", env=cli_env(server))
    assert r.returncode == 2 and "not a directory" in r.stderr, r.stderr


def test_import_shows_a_progress_bar_on_a_terminal(server, tmp_path):
    register(server, username="ada")
    Image.fromarray(np.zeros((64, 64, 3), dtype=np.uint8)).save(tmp_path / "dark.png")
    main, other = pty.openpty()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **cli_env(server)}
    p = subprocess.Popen([str(BINARY), "import", str(tmp_path), "--owner", "ada"], env=env, stdout=subprocess.PIPE,
                         stderr=other, text=True)
    os.close(other)
    out, _ = p.communicate(timeout=60)
    bar = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        bar += chunk
    os.close(main)
    assert p.returncode == 0, out
    assert b"\r[" in bar and b"100.0%" in bar and b"1/1" in bar, bar
    assert out.strip().splitlines()[-1] == "1 imported, 0 skipped, 0 refused"

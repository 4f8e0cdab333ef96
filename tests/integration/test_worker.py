"""`astropixel worker`: serve instances with WORKERS=0 leave jobs in the table; a separate worker
process (no HTTP) claims and runs them, on SQLite and on PostgreSQL; SIGTERM stops it cleanly."""
import io
import signal

import numpy as np
import pytest
from PIL import Image

from support.accounts import register, bearer
from support import tus
from support.worker import Worker


def png_bytes(w=900, h=700):
    rng = np.random.default_rng(3)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_jobs_run_in_a_separate_worker(make_server, backend, request):
    env = {"WORKERS": "0"}
    if backend == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("pg_url")
    s = make_server(env=env)
    token = register(s)["access_token"]
    _, last = tus.upload(s, token, png_bytes(), {"filename": "remote.png"})
    d = last.headers["X-Dataset-Id"]
    # No pause to see that nothing builds: the server's log is checked for job starts once the worker
    # has built the dataset, which covers the whole test rather than a guessed 1.5 s.
    assert s.get(f"/api/datasets/{d}/status", headers=bearer(token)).json()["status"] == "pending"

    worker = Worker({"DATA_DIR": str(s.data_dir), **{k: v for k, v in env.items() if k == "DATABASE_URL"}})
    try:
        status, _ = tus.wait_for_dataset(s, token, d, timeout=60)
        assert status["status"] == "completed", status
        assert s.get(f"/api/datasets/{d}/image_files/0/0_0.jpg", headers=bearer(token)).status_code == 200
        memory = worker.events("job_memory")
        assert {e["phase"] for e in memory} >= {"before_tiling", "after_tiling"}, worker.lines
    finally:
        worker.proc.send_signal(signal.SIGTERM)
        code = worker.wait(20)
    assert code == 0, "".join(worker.lines)
    # (Its periodic expiry sweeps run in every process; WORKERS=0 is about builds.)
    assert not [e for e in s.events("job_started") if e["kind"] != "expire_uploads" and e["kind"] != "expire_datasets"], \
        "a server without workers must not build"
    assert [e["subject"] for e in worker.events("job_started") if e["kind"] == "build_pyramid"] == [d], worker.lines
    assert worker.events("worker_starting")[0]["workers"] == 1
    assert worker.events("shutdown_complete")
    assert not any("Sanitizer" in l or "runtime error:" in l for l in worker.lines)

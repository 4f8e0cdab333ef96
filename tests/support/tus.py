"""tus 1.0 clients for the tests: a request-level helper (precise control over every header), a curl
client (a separate, real HTTP implementation, one process per request) and a driver for the real
tus-js-client in Node."""
import base64
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile
import time

import requests

TUS = {"Tus-Resumable": "1.0.0"}
NODE_DIR = pathlib.Path(__file__).resolve().parents[1] / "node"


def encode_metadata(meta):
    parts = []
    for k, v in meta.items():
        parts.append(k if v is None else f"{k} {base64.b64encode(v.encode()).decode()}")
    return ",".join(parts)


def headers(token=None, **extra):
    h = dict(TUS)
    if token:
        h["Authorization"] = f"Bearer {token}"
    for k, v in extra.items():
        h[k.replace("_", "-")] = str(v)
    return h


def create(server, token, length, meta=None, body=None, **extra):
    h = headers(token, Upload_Length=length, **extra)
    if meta is not None:
        h["Upload-Metadata"] = encode_metadata(meta)
    if body is not None:
        h["Content-Type"] = "application/offset+octet-stream"
    return requests.post(server.url("/api/uploads"), headers=h, data=body, timeout=30)


def patch(server, token, location, offset, data, **extra):
    h = headers(token, Upload_Offset=offset, Content_Type="application/offset+octet-stream", **extra)
    return requests.patch(server.url(location), headers=h, data=data, timeout=60)


def head(server, token, location):
    return requests.head(server.url(location), headers=headers(token), timeout=10)


def upload(server, token, data, meta, chunk=None):
    """Creates an upload and sends `data` in chunks; returns the final PATCH response."""
    r = create(server, token, len(data), meta)
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    chunk = chunk or max(1, len(data))
    offset = 0
    last = None
    while offset < len(data) or last is None:
        last = patch(server, token, loc, offset, data[offset:offset + chunk])
        assert last.status_code == 204, last.text
        offset = int(last.headers["Upload-Offset"])
        if len(data) == 0:
            break
    return loc, last


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def curl_upload(base, token, path, meta, chunk):
    """A tus upload done by curl alone: POST, then PATCHes of `chunk` bytes read from the file."""
    size = os.path.getsize(path)
    auth = ["-H", f"Authorization: Bearer {token}", "-H", "Tus-Resumable: 1.0.0"]
    out = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "POST", *auth,
                          "-H", f"Upload-Length: {size}", "-H", f"Upload-Metadata: {encode_metadata(meta)}",
                          base + "/api/uploads"], capture_output=True, text=True, check=True).stdout
    location = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.lower().startswith("location:"))
    offset, dataset_id = 0, None
    with open(path, "rb") as f, tempfile.TemporaryDirectory() as tmp:
        piece = pathlib.Path(tmp) / "piece"
        while offset < size:
            f.seek(offset)
            piece.write_bytes(f.read(chunk))
            out = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "PATCH", *auth,
                                  "-H", f"Upload-Offset: {offset}", "-H", "Content-Type: application/offset+octet-stream",
                                  "--data-binary", f"@{piece}", base + location],
                                 capture_output=True, text=True, check=True).stdout
            hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in out.splitlines() if ":" in l}
            assert out.startswith("HTTP/1.1 204"), out
            offset = int(hdrs["upload-offset"])
            dataset_id = hdrs.get("x-dataset-id", dataset_id)
    return location, dataset_id


def node_upload(base, token, path, meta, chunk=256 * 1024, timeout=120):
    """Uploads with tus-js-client; returns (progress events, final event)."""
    r = subprocess.run(["node", str(NODE_DIR / "tus_upload.mjs"), base + "/api/uploads", str(path), token,
                        json.dumps(meta), str(chunk)], capture_output=True, text=True, timeout=timeout,
                       cwd=NODE_DIR)
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return [e for e in events if "progress" in e], events[-1]


def upload_completed(server, token, path, timeout=120):
    """Uploads the file at `path` (its name as filename) and waits for its dataset to complete; returns its id."""
    _, last = upload(server, token, path.read_bytes(), {"filename": path.name})
    d = last.headers["X-Dataset-Id"]
    status, _ = wait_for_dataset(server, token, d, timeout=timeout)
    assert status["status"] == "completed", status
    return d


def wait_for_dataset(server, token, dataset_id, statuses=("completed", "failed"), timeout=60):
    """Polls the status endpoint; returns (final status body, progress values seen)."""
    seen = []
    deadline = time.time() + timeout
    h = {"Authorization": f"Bearer {token}"} if token else {}
    while time.time() < deadline:
        r = server.get(f"/api/datasets/{dataset_id}/status", headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        seen.append(body["progress"])
        if body["status"] in statuses:
            return body, seen
        time.sleep(0.1)
    raise AssertionError(f"dataset {dataset_id} did not reach {statuses}: {body}")

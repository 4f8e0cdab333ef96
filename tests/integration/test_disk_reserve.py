"""The disk reserve holds against every way of writing an upload (#14 item 11): free space minus the
room promised to open uploads minus DISK_RESERVE_BYTES admits a new upload, and it is re-checked as
bytes arrive, so a chunked form upload that declared nothing, or a tus upload whose room went to
something else, stops before the disk that holds the database fills. Bytes a tus upload wrote
before the stop are kept (the client resumes).

Two ways of making the disk small: the server's test hook (`/api/_test/free-bytes`, a fixed figure),
and a real tmpfs mounted as DATA_DIR, where written bytes really use the space."""
import os
import subprocess
import uuid

import pytest
import requests

from support.accounts import register, bearer
from support import tus

MiB = 1 << 20


@pytest.fixture(params=["local", "object_store"])
def storage(request):
    if request.param == "local":
        return {}
    return {**request.getfixturevalue("s3_env"), "S3_PART_SIZE": str(5 << 20)}


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MiB tmpfs (root may mount one; the test needs a disk whose free space writes really use)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mount)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def free_on(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def set_free(server, n=None):
    path = "/api/_test/free-bytes" + ("" if n is None else f"?bytes={n}")
    assert server.request("POST", path).status_code == 204


def test_creation_counts_the_room_promised_to_other_open_uploads(make_server, storage):
    s = make_server(env={**storage, "DISK_RESERVE_BYTES": "1000"})
    token = register(s)["access_token"]
    set_free(s, 20_000)  # 19,000 usable
    first = tus.create(s, token, 12_000)
    assert first.status_code == 201
    # Free space alone would admit it; the first upload's unwritten 12,000 bytes are promised.
    r = tus.create(s, token, 12_000)
    assert r.status_code == 507 and r.json()["code"] == "insufficient_disk_space", r.text
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert tus.create(s, token, 7_000).status_code == 201
    # Terminating an upload gives its room back.
    assert requests.delete(s.url(first.headers["Location"]), headers=tus.headers(token)).status_code == 204
    assert tus.create(s, token, 12_000).status_code == 201


def test_an_append_whose_room_is_gone_stops_and_the_upload_resumes_later(make_server, storage):
    s = make_server(env={**storage, "DISK_RESERVE_BYTES": "1000"})
    token = register(s)["access_token"]
    set_free(s, 1_000_000)
    loc = tus.create(s, token, 100_000).headers["Location"]
    assert tus.patch(s, token, loc, 0, b"\x89PNG\r\n\x1a\n" + os.urandom(29_992)).status_code == 204
    set_free(s, 1_500)  # something else filled the disk: 500 bytes above the reserve
    r = tus.patch(s, token, loc, 30_000, os.urandom(20_000))
    assert r.status_code == 507 and r.json()["code"] == "insufficient_disk_space", r.text
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert tus.head(s, token, loc).headers["Upload-Offset"] == "30000"  # nothing acknowledged is lost
    set_free(s)
    set_free(s, 1_000_000)
    r = tus.patch(s, token, loc, 30_000, os.urandom(20_000))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "50000"


def test_a_chunked_form_upload_is_checked_while_it_streams(small_disk, make_server):
    reserve = 16 * MiB
    s = make_server(data_dir=small_disk, env={"DISK_RESERVE_BYTES": str(reserve), "MAX_UPLOAD_SIZE": str(64 * MiB)})
    token = register(s)["access_token"]
    assert free_on(small_disk) > reserve + 6 * MiB
    boundary = uuid.uuid4().hex

    def body():  # no Content-Length: Transfer-Encoding: chunked
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.fits\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        yield b"SIMPLE  =                    T"  # starts like FITS: past the early format check
        for _ in range(20):
            yield os.urandom(MiB // 2)
        yield f"\r\n--{boundary}--\r\n".encode()
    r = requests.post(s.url("/api/datasets/upload"), data=body(), timeout=60,
                      headers={**bearer(token), "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 507 and r.json()["code"] == "insufficient_disk_space", r.text
    assert free_on(small_disk) >= reserve
    assert [p.name for p in (small_disk / "uploads").iterdir()] == [], "the partial file is removed"


def test_a_tus_append_stops_at_the_reserve_mid_request_and_keeps_what_arrived(small_disk, make_server):
    reserve = 12 * MiB
    s = make_server(data_dir=small_disk, env={"DISK_RESERVE_BYTES": str(reserve)})
    token = register(s)["access_token"]
    r = tus.create(s, token, 5 * MiB)
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    # Another process takes most of the room the upload was promised.
    (small_disk / "filler").write_bytes(b"\0" * (free_on(small_disk) - reserve - 2 * MiB))
    r = tus.patch(s, token, loc, 0, b"\x89PNG\r\n\x1a\n" + os.urandom(5 * MiB - 8))
    assert r.status_code == 507 and r.json()["code"] == "insufficient_disk_space", r.text
    kept = int(tus.head(s, token, loc).headers["Upload-Offset"])
    assert 0 < kept < 5 * MiB, "the bytes before the stop are kept, the rest refused"
    assert free_on(small_disk) >= reserve
    # Room again: the client resumes where the server stopped.
    (small_disk / "filler").unlink()
    r = tus.patch(s, token, loc, kept, os.urandom(MiB))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(kept + MiB)

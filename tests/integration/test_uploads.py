"""tus 1.0 uploads through the real server: real clients (curl, tus-js-client), every MUST of the
protocol we implement, limits, ownership, expiry, and resuming after kill -9. Every test runs twice:
bytes staged on local disk, and bytes going to an object store as they arrive (s3rver)."""
import hashlib
import io
import os
import re
import signal
import socket
import time

import numpy as np
import pytest
import requests
from PIL import Image

from support.accounts import register, bearer
from support import tus


def png_bytes(w=700, h=500, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack([x % 256, y % 256, rng.integers(0, 256, (h, w))]).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(params=["local", "object_store"])
def storage(request):
    if request.param == "local":
        return {}
    return {**request.getfixturevalue("s3_env"), "S3_PART_SIZE": str(5 << 20)}


@pytest.fixture
def make_server(make_server, storage):
    def make(env=None, **kw):
        return make_server(env={**storage, **(env or {})}, **kw)
    return make


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def user(server):
    return register(server)


def object_store(server):
    url = server.env.get("STORAGE_URL", "")
    if not url.startswith("s3://"):
        return None
    bucket, _, prefix = url[5:].partition("/")
    return server.env["S3_ENDPOINT_URL"], bucket, prefix


def objects(server, prefix):
    endpoint, bucket, base = object_store(server)
    r = requests.get(f"{endpoint}/{bucket}", params={"list-type": "2", "prefix": f"{base}/{prefix}"}, timeout=10)
    assert r.status_code == 200, r.text
    return sorted(k[len(base) + 1:] for k in re.findall(r"<Key>([^<]+)</Key>", r.text))


def stored_source_digests(server, dataset_id):
    """SHA-256 of the dataset's stored source (object store: of every stored source in this test's prefix)."""
    if not object_store(server):
        return {tus.sha256(server.data_dir / "blobs" / "sources" / dataset_id / "source")}
    endpoint, bucket, base = object_store(server)
    return {hashlib.sha256(requests.get(f"{endpoint}/{bucket}/{base}/{k}", timeout=60).content).hexdigest()
            for k in objects(server, "") if k.endswith("/source")}


def upload_leftovers(server, upload_id=""):
    """What an upload keeps while open: its local file, or its spool plus its objects in the store."""
    local = [p.name for p in (server.data_dir / "uploads").iterdir() if p.name.startswith(upload_id)]
    if not object_store(server):
        return local
    return local + [k for k in objects(server, f"uploads/{upload_id}") if not k.endswith("/source")]


def test_options_advertise_the_protocol(make_server):
    s = make_server(env={"MAX_UPLOAD_SIZE": "123456789"})
    r = s.request("OPTIONS", "/api/uploads")
    assert r.status_code == 204
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Tus-Version"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) >= {"creation", "creation-with-upload", "termination",
                                                           "expiration"}
    assert r.headers["Tus-Max-Size"] == "123456789"


def test_curl_client_uploads_in_chunks_and_the_dataset_is_built(server, user, tmp_path):
    data = png_bytes()
    path = tmp_path / "nebula.png"
    path.write_bytes(data)
    location, dataset_id = tus.curl_upload(server.base, user["access_token"], path,
                                           {"filename": "nebula.png", "name": "Nebula", "category": "space"},
                                           chunk=100_000)
    assert dataset_id, "the final PATCH names the new dataset"
    status, _ = tus.wait_for_dataset(server, user["access_token"], dataset_id)
    assert status["status"] == "completed" and status["progress"] == 100
    d = server.get(f"/api/datasets/{dataset_id}", headers=bearer(user["access_token"])).json()
    assert (d["name"], d["category"], d["visibility"], d["format"]) == ("Nebula", "space", "private", "png")
    assert (d["width"], d["height"], d["bands"], d["bit_depth"], d["file_size"]) == (700, 500, 3, 8, len(data))
    assert hashlib.sha256(data).hexdigest() in stored_source_digests(server, dataset_id)
    # HEAD on the finished upload: complete, pointing at the dataset.
    h = tus.head(server, user["access_token"], location)
    assert h.status_code == 200 and h.headers["Upload-Offset"] == str(len(data))
    assert h.headers["X-Dataset-Id"] == dataset_id and h.headers["Cache-Control"] == "no-store"
    # The dataset's tiles answer in all three protocols.
    auth = bearer(user["access_token"])
    assert server.get(d["urls"]["dzi"], headers=auth).status_code == 200
    assert server.get(f"/api/tiles/{dataset_id}/0/0/0.jpg", headers=auth).headers["Content-Type"] == "image/jpeg"
    assert server.get(d["urls"]["iiif"], headers=auth).json()["width"] == 700


def test_tus_js_client_uploads_with_progress(server, user, tmp_path):
    data = png_bytes(900, 300, seed=3)
    path = tmp_path / "m31.png"
    path.write_bytes(data)
    progress, done = tus.node_upload(server.base, user["access_token"], path,
                                     {"filename": "m31.png", "name": "Andromeda ☆", "visibility": "public"},
                                     chunk=64 * 1024)
    assert len(progress) >= 3 and progress[-1]["progress"] == len(data)
    assert done["dataset_id"]
    status, _ = tus.wait_for_dataset(server, user["access_token"], done["dataset_id"])
    assert status["status"] == "completed"
    d = server.get(f"/api/datasets/{done['dataset_id']}").json()  # public: guests see it
    assert d["name"] == "Andromeda ☆" and d["is_public"] is True
    assert hashlib.sha256(data).hexdigest() in stored_source_digests(server, done["dataset_id"])


def test_creation_with_upload_and_head(server, user):
    data = png_bytes(300, 200)
    r = tus.create(server, user["access_token"], len(data), {"filename": "a.png"}, body=data[:1000])
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "1000"
    assert r.headers["Upload-Expires"].endswith("GMT")
    loc = r.headers["Location"]
    h = tus.head(server, user["access_token"], loc)
    assert h.headers["Upload-Offset"] == "1000" and h.headers["Upload-Length"] == str(len(data))
    assert h.headers["Cache-Control"] == "no-store"
    assert "filename" in h.headers["Upload-Metadata"]
    r = tus.patch(server, user["access_token"], loc, 1000, data[1000:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert r.headers["X-Dataset-Id"]


def test_protocol_errors(server, user):
    token = user["access_token"]
    data = png_bytes(200, 100)
    r = tus.create(server, token, len(data), {"filename": "x.png"})
    loc = r.headers["Location"]
    tus.patch(server, token, loc, 0, data[:500])
    # No or another tus version: 412 with the versions we speak.
    r = requests.patch(server.url(loc), headers={**bearer(token), "Upload-Offset": "500",
                                                 "Content-Type": "application/offset+octet-stream"}, data=b"x")
    assert r.status_code == 412 and r.headers["Tus-Version"] == "1.0.0"
    assert tus.create(server, token, 10, Tus_Resumable="0.2.2").status_code == 412
    # Wrong offset: 409, nothing changes.
    r = tus.patch(server, token, loc, 400, data[400:600])
    assert r.status_code == 409 and r.json()["code"] == "offset_mismatch"
    assert tus.head(server, token, loc).headers["Upload-Offset"] == "500"
    # Wrong content type: 415.
    r = requests.patch(server.url(loc), headers=tus.headers(token, Upload_Offset=500, Content_Type="text/plain"),
                       data=b"x")
    assert r.status_code == 415
    # A body past Upload-Length: 413 before reading, nothing changes.
    r = tus.patch(server, token, loc, 500, data[500:] + b"extra")
    assert r.status_code == 413 and r.json()["code"] == "past_upload_length"
    assert tus.head(server, token, loc).headers["Upload-Offset"] == "500"
    # Missing or malformed headers: 400.
    assert tus.create(server, token, "ten").status_code == 400
    r = requests.post(server.url("/api/uploads"), headers=tus.headers(token), timeout=10)
    assert r.status_code == 400
    assert tus.patch(server, token, loc, "-1", b"x").status_code == 400
    # Malformed metadata and invalid fields: 400 naming the problem, nothing stored.
    r = requests.post(server.url("/api/uploads"), headers=tus.headers(token, Upload_Length=10,
                                                                      Upload_Metadata="filename !!!"))
    assert r.status_code == 400 and r.json()["code"] == "invalid_upload_metadata"
    r = tus.create(server, token, 10, {"category": "jupiter"})
    assert r.status_code == 400 and r.json()["field"] == "category"
    r = tus.create(server, token, 10, {"visibility": "everyone"})
    assert r.status_code == 400 and r.json()["field"] == "visibility"


def test_size_limits(make_server):
    s = make_server(env={"MAX_UPLOAD_SIZE": "100000", "MAX_CHUNK_SIZE": "20000"})
    token = register(s)["access_token"]
    r = tus.create(s, token, 100001)
    assert r.status_code == 413 and r.json()["code"] == "upload_too_large"
    assert upload_leftovers(s) == []
    r = tus.create(s, token, 50000)
    loc = r.headers["Location"]
    r = tus.patch(s, token, loc, 0, b"\0" * 20001)  # over MAX_CHUNK_SIZE, declared: refused unread
    assert r.status_code == 413
    assert tus.head(s, token, loc).headers["Upload-Offset"] == "0"
    # Chunked (no declared length): stopped after the limit; what arrived before is kept. (It
    # starts like a PNG: the early format check would refuse zeros first.)
    def body():
        yield b"\x89PNG\r\n\x1a\n" + b"\0" * 992
        for _ in range(29):
            yield b"\0" * 1000
    r = requests.patch(s.url(loc), headers=tus.headers(token, Upload_Offset=0,
                                                        Content_Type="application/offset+octet-stream"),
                       data=body(), timeout=30)
    assert r.status_code == 413
    kept = int(tus.head(s, token, loc).headers["Upload-Offset"])
    assert 0 < kept <= 20000


def test_insufficient_disk_space_is_507(server, user):
    assert server.request("POST", "/api/_test/free-bytes?bytes=5000").status_code == 204
    r = tus.create(server, user["access_token"], 10_000)
    assert r.status_code == 507 and r.json()["code"] == "insufficient_disk_space"
    server.request("POST", "/api/_test/free-bytes")
    assert tus.create(server, user["access_token"], 10_000).status_code == 201


def test_uploads_belong_to_their_creator(server, user):
    other = register(server)
    r = tus.create(server, user["access_token"], 1000, {"filename": "mine.png"})
    loc = r.headers["Location"]
    missing = "/api/uploads/" + "0" * 32
    for token in (other["access_token"],):
        for loc_ in (loc, missing):
            assert tus.head(server, token, loc_).status_code == 404
            assert tus.patch(server, token, loc_, 0, b"x").status_code == 404
            assert requests.delete(server.url(loc_), headers=tus.headers(token)).status_code == 404
    # Byte-for-byte like a missing one.
    a = requests.get(server.url(loc), headers=tus.headers(other["access_token"])).json()
    b = requests.get(server.url(missing), headers=tus.headers(other["access_token"])).json()
    assert (a["code"], a["message"]) == (b["code"], b["message"])
    assert requests.head(server.url(loc), headers=tus.TUS).status_code == 401
    assert tus.create(server, None, 10).status_code == 401


def test_termination(server, user):
    token = user["access_token"]
    r = tus.create(server, token, 1000, body=b"\x89PNG\r\n\x1a\n" + b"\1" * 92)
    loc = r.headers["Location"]
    upload_id = loc.rsplit("/", 1)[1]
    assert upload_leftovers(server, upload_id) != []
    r = requests.delete(server.url(loc), headers=tus.headers(token))
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert tus.head(server, token, loc).status_code == 404
    assert tus.patch(server, token, loc, 100, b"x").status_code == 404
    assert upload_leftovers(server, upload_id) == []


def test_unfinished_uploads_expire(make_server):
    s = make_server(env={"UPLOAD_EXPIRE_SECONDS": "1", "MAINTENANCE_INTERVAL": "1"})
    token = register(s)["access_token"]
    r = tus.create(s, token, 1000, body=b"\1" * 10)
    loc = r.headers["Location"]
    upload_id = loc.rsplit("/", 1)[1]
    s.wait_for_event(lambda e: e.get("event") == "upload_expired" and e.get("upload") == upload_id, timeout=10)
    assert tus.head(s, token, loc).status_code == 410
    assert tus.patch(s, token, loc, 10, b"x").status_code == 410
    assert upload_leftovers(s, upload_id) == []


@pytest.mark.parametrize("content,status,code", [
    (b"just some text, not an image\n" * 100, 415, "unsupported_format"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, 422, "corrupt_image"),
])
def test_bytes_that_are_not_an_accepted_image_are_refused_and_removed(server, user, content, status, code):
    token = user["access_token"]
    r = tus.create(server, token, len(content), {"filename": "image.png"})
    loc = r.headers["Location"]
    r = tus.patch(server, token, loc, 0, content)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert tus.head(server, token, loc).status_code == 404
    assert upload_leftovers(server) == []
    assert server.get("/api/datasets", headers=bearer(token)).json()["total"] == 0


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(20)
TEXT = b"SIMPLE = T / not quite a FITS card, just text\n"


@pytest.mark.parametrize("head", [PDF, ZIP, TEXT], ids=["pdf", "zip", "text"])
def test_a_file_that_is_no_image_is_refused_at_its_first_bytes(server, user, head):
    """A large upload of a PDF/ZIP/text file is stopped at its first PATCH, long before its last
    byte: 415 unsupported_format, the upload and every byte of it gone, a later PATCH answers 404
    as for any forgotten upload."""
    token = user["access_token"]
    length = 64 << 20
    first = (head + os.urandom(256 << 10))[:256 << 10]
    r = tus.create(server, token, length, {"filename": "scan.png"})
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    r = tus.patch(server, token, loc, 0, first)
    assert r.status_code == 415, r.text
    assert r.json()["code"] == "unsupported_format"
    assert tus.head(server, token, loc).status_code == 404
    r = tus.patch(server, token, loc, len(first), os.urandom(4096))
    assert r.status_code == 404, r.text
    assert upload_leftovers(server) == []
    assert server.get("/api/datasets", headers=bearer(token)).json()["total"] == 0


def test_the_head_is_sniffed_across_requests_and_with_creation(server, user):
    token = user["access_token"]
    # Five bytes say nothing yet: taken; the next request completes the head and is refused.
    r = tus.create(server, token, 1 << 20, {"filename": "a.png"})
    loc = r.headers["Location"]
    r = tus.patch(server, token, loc, 0, PDF[:5])
    assert r.status_code == 204, r.text
    r = tus.patch(server, token, loc, 5, PDF[5:] + bytes(4096))
    assert r.status_code == 415 and r.json()["code"] == "unsupported_format", r.text
    assert tus.head(server, token, loc).status_code == 404
    # The first bytes in the creating request (creation-with-upload).
    r = tus.create(server, token, 1 << 20, {"filename": "b.png"}, body=ZIP + bytes(8192))
    assert r.status_code == 415 and r.json()["code"] == "unsupported_format", r.text
    # A real image's head passes, and a file shorter than the signatures is judged whole.
    image = png_bytes(64, 48)
    r = tus.create(server, token, len(image), {"filename": "c.png"})
    loc = r.headers["Location"]
    assert tus.patch(server, token, loc, 0, image[:100]).status_code == 204
    assert tus.patch(server, token, loc, 100, image[100:]).status_code == 204
    r = tus.create(server, token, 3, {"filename": "d.png"})
    r = tus.patch(server, token, r.headers["Location"], 0, b"abc")
    assert r.status_code == 415 and r.json()["code"] == "unsupported_format", r.text
    assert upload_leftovers(server) == []
    assert server.get("/api/datasets", headers=bearer(token)).json()["total"] == 1


def test_pixel_limit_is_checked_when_the_upload_finishes(make_server):
    s = make_server(env={"MAX_IMAGE_PIXELS": "10000"})
    token = register(s)["access_token"]
    data = png_bytes(200, 100)
    r = tus.create(s, token, len(data), {"filename": "big.png"})
    r = tus.patch(s, token, r.headers["Location"], 0, data)
    assert r.status_code == 422 and r.json()["code"] == "pixel_limit_exceeded"


def slow_patch(port, token, location, offset, length, payload, stop_after):
    """Sends a PATCH declaring `length` bytes but only `stop_after` of them, then leaves the socket open."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: Bearer {token}\r\nUpload-Offset: {offset}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {length}\r\n\r\n")
    sock.sendall(head.encode())
    sock.sendall(payload[:stop_after])
    return sock


def wait_until_written(server, token, location, at_least, timeout=60):
    """Waits until a PATCH in flight has written the bytes up to `at_least` (below the first part on an
    object store). On local disk HEAD tells (each byte counts once written); on an object store bytes
    count only when their request ends, and until then they are in the upload's local spool file."""
    spool = server.data_dir / "uploads" / (location.rsplit("/", 1)[1] + ".spool")

    def written():
        if object_store(server):
            return spool.stat().st_size if spool.exists() else 0
        return int(tus.head(server, token, location).headers["Upload-Offset"])
    deadline = time.time() + timeout
    while (n := written()) < at_least:
        assert time.time() < deadline, f"the PATCH in flight wrote {n} of {at_least} bytes"
        time.sleep(0.05)


def test_resume_after_kill_9_keeps_every_acknowledged_byte(make_server, tmp_path):
    data = os.urandom(3_000_000)
    # A valid image made big by appending random bytes after the PNG end (decoders ignore them).
    image = png_bytes(400, 300) + data
    digest = hashlib.sha256(image).hexdigest()
    s = make_server()
    data_dir = s.data_dir
    token = register(s)["access_token"]
    r = tus.create(s, token, len(image), {"filename": "resume.png"})
    loc = r.headers["Location"]
    # First chunk acknowledged.
    r = tus.patch(s, token, loc, 0, image[:1_000_000])
    assert r.status_code == 204
    acked = int(r.headers["Upload-Offset"])
    offsets = [acked]
    # Second PATCH dies mid-body with the server.
    sock = slow_patch(s.port, token, loc, acked, len(image) - acked, image[acked:], 700_000)
    wait_until_written(s, token, loc, acked + 700_000)  # the kill lands mid-body, after bytes were written
    s.stop(signal.SIGKILL)
    sock.close()
    s2 = make_server(data_dir=data_dir)
    for _ in range(3):
        h = tus.head(s2, token, loc)
        assert h.status_code == 200
        offsets.append(int(h.headers["Upload-Offset"]))
        assert offsets[-1] >= acked
        r = tus.patch(s2, token, loc, offsets[-1], image[offsets[-1]:offsets[-1] + 900_000])
        assert r.status_code == 204
        offsets.append(int(r.headers["Upload-Offset"]))
        if offsets[-1] == len(image):
            break
    assert offsets == sorted(offsets), "the offset never goes backwards"
    assert offsets[-1] == len(image)
    dataset_id = r.headers["X-Dataset-Id"]
    assert digest in stored_source_digests(s2, dataset_id)


def test_single_request_multipart_upload(make_server):
    s = make_server(env={"MAX_UPLOAD_SIZE": "2000000"})
    token = register(s)["access_token"]
    data = png_bytes(500, 300, seed=9)
    r = requests.post(s.url("/api/datasets/upload"), headers=bearer(token),
                      data={"name": "Form upload", "category": "mars", "visibility": "public"},
                      files={"file": ("olympus.png", data, "image/png")}, timeout=30)
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["name"], d["category"], d["is_public"], d["file_name"], d["file_size"]) == \
        ("Form upload", "mars", True, "olympus.png", len(data))
    assert r.headers["Location"] == f"/api/datasets/{d['id']}"
    status, _ = tus.wait_for_dataset(s, token, d["id"])
    assert status["status"] == "completed"
    assert hashlib.sha256(data).hexdigest() in stored_source_digests(s, d["id"])

    def post(**kw):
        return requests.post(s.url("/api/datasets/upload"), headers={**bearer(token), **kw.pop("headers", {})},
                             timeout=30, **kw)
    r = post(data={"name": "no file"}, files={"other": ("x", b"y")})
    assert r.status_code == 400 and r.json()["field"] == "other"
    r = post(files={"name": (None, "only a name")})
    assert r.status_code == 400 and r.json()["field"] == "file"
    assert post(json={"name": "x"}).status_code == 415
    assert post(data=b"--x\r\n", headers={"Content-Type": "multipart/form-data; boundary=x"}).status_code == 400
    r = post(files={"file": ("big.png", b"\0" * 2_100_000)})
    assert r.status_code == 413
    r = post(files={"file": ("notes.png", b"plain text, not an image" * 10)})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_format"
    r = post(data={"category": "venus"}, files={"file": ("a.png", data)})
    assert r.status_code == 400 and r.json()["field"] == "category"
    assert requests.post(s.url("/api/datasets/upload"), files={"file": ("a.png", data)}).status_code == 401
    assert upload_leftovers(s) == [], "refused uploads leave nothing behind"


def test_a_new_patch_takes_over_from_a_stalled_one(server, user):
    """Two PATCHes never interleave: the newer one wins, the stalled one's later bytes are refused."""
    token = user["access_token"]
    image = png_bytes(400, 300) + os.urandom(600_000)
    r = tus.create(server, token, len(image), {"filename": "race.png"})
    loc = r.headers["Location"]
    stalled = slow_patch(server.port, token, loc, 0, len(image), image, 200_000)
    # The stalled request has taken the upload (it writes only after that) before the new one comes.
    wait_until_written(server, token, loc, 200_000)
    # Bytes count once they are in the store, which is when a request ends: on an object store the
    # stalled one's 200 kB are not acknowledged, and the client starts again from 0. On local disk each
    # byte counts once written (and is made durable when the request ends).
    expected = 0 if object_store(server) else 200_000
    offset = int(tus.head(server, token, loc).headers["Upload-Offset"])
    assert offset == expected
    r = tus.patch(server, token, loc, offset, image[offset:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(image))
    # The stalled request wakes up and sends the rest of its (now stale) body: refused.
    stalled.sendall(image[200_000:260_000])
    stalled.settimeout(10)
    answer = stalled.recv(4096).decode(errors="replace")
    stalled.close()
    assert answer.startswith("HTTP/1.1 409") and "upload_taken_over" in answer, answer
    dataset_id = r.headers["X-Dataset-Id"]
    assert hashlib.sha256(image).hexdigest() in stored_source_digests(server, dataset_id)


def test_checksums_are_verified_and_a_mismatch_discards_the_request(server, user):
    import base64

    def checksum(algorithm, data):
        return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"

    token = user["access_token"]
    o = server.request("OPTIONS", "/api/uploads")
    assert "checksum" in o.headers["Tus-Extension"].split(",")
    assert "sha1" in o.headers["Tus-Checksum-Algorithm"].split(",")
    # More than one 5 MiB part: on an object store the bytes must not reach a part before they are verified.
    data = png_bytes(300, 200) + os.urandom(7 << 20)
    loc = tus.create(server, token, len(data), {"filename": "sum.png"}).headers["Location"]
    first = data[:6 << 20]
    # A flipped bit always makes a different body. (Replacing the last byte with b"x" did not when
    # that random byte already was b"x": 1 run in 256 sent a right checksum and rightly got 204.)
    corrupted = first[:-1] + bytes([first[-1] ^ 0x01])
    r = tus.patch(server, token, loc, 0, first, Upload_Checksum=checksum("sha1", corrupted))
    assert r.status_code == 460 and r.json()["code"] == "checksum_mismatch", r.text
    assert tus.head(server, token, loc).headers["Upload-Offset"] == "0"
    assert upload_leftovers(server, loc.rsplit("/", 1)[1]) in ([], [f"{loc.rsplit('/', 1)[1]}.part"],
                                                               [f"{loc.rsplit('/', 1)[1]}.spool"])
    for header, code in [("crc32 AAAAAA==", "checksum_algorithm_unsupported"), ("sha1 not-base64!", "bad_request"),
                         ("sha1", "bad_request")]:
        r = tus.patch(server, token, loc, 0, first, Upload_Checksum=header)
        assert r.status_code == 400 and r.json()["code"] == code, (header, r.text)
    r = tus.patch(server, token, loc, 0, first, Upload_Checksum=checksum("sha256", first))
    assert r.status_code == 204 and int(r.headers["Upload-Offset"]) == len(first)
    r = tus.patch(server, token, loc, len(first), data[len(first):], Upload_Checksum=checksum("md5", data[len(first):]))
    assert r.status_code == 204 and int(r.headers["Upload-Offset"]) == len(data), r.text
    dataset_id = r.headers["X-Dataset-Id"]
    assert hashlib.sha256(data).hexdigest() in stored_source_digests(server, dataset_id)

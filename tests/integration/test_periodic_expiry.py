"""Expiry as durable periodic jobs (#19 step 5): with several instances on one PostgreSQL, each
period's sweep is queued once and run by one instance, so an expired upload is removed once."""
import signal
import time

from support import tus
from support.accounts import register

PERIODIC_UPLOADS = "periodic:expire_uploads:"


def sweeps(servers):
    """The expire_uploads runs each instance started, by job id (one id per period)."""
    return [e["job"] for s in servers for e in s.events("job_started") if e.get("job", "").startswith(PERIODIC_UPLOADS)]


def test_two_instances_remove_an_expired_upload_once(make_server, pg_url, s3_env):
    env = {"DATABASE_URL": pg_url, **s3_env, "SECRET_KEY": "k" * 64,
           "UPLOAD_EXPIRE_SECONDS": "1", "MAINTENANCE_INTERVAL": "1"}
    a, b = make_server(env=env), make_server(env=env)
    token = register(a)["access_token"]
    r = tus.create(a, token, 1000, body=b"\1" * 10)
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    upload_id = loc.rsplit("/", 1)[1]

    def expired():
        return [s for s in (a, b) for e in s.events("upload_expired") if e.get("upload") == upload_id]

    deadline = time.time() + 15
    while not expired() and time.time() < deadline:
        time.sleep(0.1)
    assert expired(), "the upload never expired"
    # Let a few more periods pass on both instances: nobody removes it again.
    seen = len(sweeps((a, b)))
    deadline = time.time() + 15
    while len(sweeps((a, b))) < seen + 3 and time.time() < deadline:
        time.sleep(0.1)
    assert len(expired()) == 1
    runs = sweeps((a, b))
    assert len(runs) >= seen + 3, runs
    assert len(runs) == len(set(runs)), f"a period's sweep ran twice: {runs}"
    assert tus.head(b, token, loc).status_code == 410
    assert tus.head(a, token, loc).status_code == 410


def test_an_instance_killed_mid_sweep_hands_the_sweep_to_another(make_server, pg_url, s3_env):
    """A sweep's job is durable: the instance running it dies (kill -9, holding its lease), and
    another instance takes over that very job when the lease runs out and removes the upload."""
    env = {"DATABASE_URL": pg_url, **s3_env, "SECRET_KEY": "k" * 64, "UPLOAD_EXPIRE_SECONDS": "1",
           "MAINTENANCE_INTERVAL": "1", "JOB_LEASE_SECONDS": "3"}
    a = make_server(env=env)
    assert a.request("POST", "/api/_test/hold-sweeps?kind=expire_uploads").status_code == 204
    token = register(a)["access_token"]
    r = tus.create(a, token, 1000, body=b"\1" * 10)
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    upload_id = loc.rsplit("/", 1)[1]
    # While a run of the kind is held no other is offered (jobs/periodic.hpp), by any instance.
    held = a.wait_for_event(lambda e: e.get("event") == "sweep_held" and e.get("kind") == "expire_uploads",
                            timeout=30)
    assert held, "no expire_uploads sweep was held"
    b = make_server(env=env)
    a.stop(signal.SIGKILL)
    removed = b.wait_for_event(lambda e: e.get("event") == "upload_expired" and e.get("upload") == upload_id,
                               timeout=60)
    assert removed, "the other instance never removed the expired upload"
    assert not [e for e in a.events("upload_expired")], "the killed instance removed it before it died"
    # The job the dead instance held was taken over, not lost behind a lease nobody renews.
    assert held["job"] in [e["job"] for e in b.events("job_started")], (held, sweeps((b,)))
    assert tus.head(b, token, loc).status_code == 410

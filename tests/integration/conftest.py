import os
import sys
import pathlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from support.server import Server  # noqa: E402
from support.postgres import fresh_database  # noqa: E402


@pytest.fixture
def make_server(tmp_path):
    started = []

    def make(env=None, args=(), start=True, data_dir=None):
        s = Server(data_dir or tmp_path / f"data{len(started)}", env=env, args=args)
        started.append(s)
        return s.start() if start else s

    yield make
    problems = []
    for s in started:
        s.stop()
        log = s.raw_log()
        # A sanitizer report or a crash anywhere in the server's life fails the test that ran it.
        if "Sanitizer" in log or "runtime error:" in log or (s.proc.returncode or 0) < -1 and s.proc.returncode != -9:
            problems.append(f"exit code {s.proc.returncode}\n" + log[-20000:])
    if problems:
        pytest.fail("server crashed or a sanitizer reported:\n" + "\n---\n".join(problems))


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def pg_url():
    base = os.environ.get("ASTROPIXEL_TEST_PG_URL")
    if not base:
        pytest.fail("ASTROPIXEL_TEST_PG_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
    return fresh_database(base)


@pytest.fixture
def redis_url():
    url = os.environ.get("ASTROPIXEL_TEST_REDIS_URL")
    if not url:
        pytest.fail("ASTROPIXEL_TEST_REDIS_URL is not set: run the tests through scripts/test.sh, which starts Redis")
    return url


@pytest.fixture
def s3_env():
    """Settings for a fresh prefix in the test bucket of the s3rver that scripts/test.sh starts."""
    import secrets
    endpoint, bucket = os.environ.get("ASTROPIXEL_TEST_S3_ENDPOINT"), os.environ.get("ASTROPIXEL_TEST_S3_BUCKET")
    if not endpoint or not bucket:
        pytest.fail("ASTROPIXEL_TEST_S3_ENDPOINT/_BUCKET are not set: run the tests through scripts/test.sh")
    return {"STORAGE_URL": f"s3://{bucket}/it-{secrets.token_hex(4)}", "S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}


def pytest_configure(config):
    # Tests that drive the web app in Chromium. scripts/test.sh runs them once, with the release
    # binary: what the sanitizer run checks is our C++, and every route they call is also called by
    # the API tests it runs (test_openapi tries every documented operation).
    config.addinivalue_line("markers", "browser: drives the web app in real Chromium")

"""The test s3rver seen from outside the server: what keys a test's prefix holds."""
import re

import requests


def list_objects(env, prefix):
    """Sorted keys under `prefix` of the store that `env` (conftest's s3_env) points a server at."""
    endpoint = env["S3_ENDPOINT_URL"]
    bucket, _, base = env["STORAGE_URL"][5:].partition("/")
    r = requests.get(f"{endpoint}/{bucket}", params={"list-type": "2", "prefix": f"{base}/{prefix}"}, timeout=10)
    assert r.status_code == 200, r.text
    return sorted(re.findall(r"<Key>([^<]+)</Key>", r.text))

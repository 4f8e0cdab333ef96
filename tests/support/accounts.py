"""Helpers for tests that need accounts and tokens."""
import base64
import hashlib
import hmac
import itertools
import json
import time

import requests

_counter = itertools.count()


def register(server, username=None, password="correct horse battery", email=None, session=None):
    n = next(_counter)
    username = username or f"user_{n}_{int(time.time() * 1000) % 100000}"
    email = email or f"{username}@example.org"
    http = session or requests
    r = http.post(server.url("/api/auth/register"),
                  json={"email": email, "username": username, "password": password}, timeout=10)
    assert r.status_code == 201, r.text
    body = r.json()
    body["password"] = password
    return body


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(secret, payload, header=None, alg="HS256"):
    """Signs a token exactly like the server: HMAC-SHA-256 under a key derived from SECRET_KEY."""
    header = header or {"alg": alg, "typ": "JWT"}
    key = hashlib.blake2b(secret.encode(), digest_size=32, key=b"astropixel access token v1").digest()
    signing_input = b64(json.dumps(header, separators=(",", ":"))) + "." + b64(json.dumps(payload, separators=(",", ":")))
    digest = hashlib.sha512 if alg == "HS512" else hashlib.sha256
    sig = hmac.new(key, signing_input.encode(), digest).digest()
    return signing_input + "." + b64(sig)


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

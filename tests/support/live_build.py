"""Shared by the tests of builds viewable while they run (ADR 0034): a PNG that compresses badly (so a
slowed build takes its time over many strips), a poll that ends at its condition, and the two stores."""
import io
import time

import numpy as np
import pytest
from PIL import Image


def noise_png(w, h, seed=7):
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def wait_for(predicate, timeout=120):
    # Ends at the condition; the limit is for a sanitizer build on a loaded machine.
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture(params=["local", "object_store"])
def storage(request):
    """A local store, or s3rver (conftest's s3_env)."""
    return {} if request.param == "local" else request.getfixturevalue("s3_env")

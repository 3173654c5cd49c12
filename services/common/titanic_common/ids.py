"""Identifiers minted on the request path.

`os.urandom` (which `uuid.uuid4` calls) is a system call per id; on the prediction path
two of them (request id, prediction id) were about 5% of a request's CPU. These ids only
have to be unique, not unguessable: 128 bits from a Mersenne Twister seeded from the OS
(at start-up and in every forked child) are as unlikely to collide.
"""

from __future__ import annotations

import os
import random
import uuid

# A private generator: a random.seed() elsewhere in the process cannot make ids repeat.
# Unlike the module's own, it is not reseeded in a forked child: do that here.
_rng = random.Random()
os.register_at_fork(after_in_child=_rng.seed)
_bits = _rng.getrandbits


def request_id() -> str:
    """32 hex digits for X-Request-ID."""
    return f"{_bits(128):032x}"


def prediction_id() -> uuid.UUID:
    """A random (version 4) UUID."""
    return uuid.UUID(int=_bits(128), version=4)

"""The sliding window of live observations, kept in Redis.

A capped list holds the newest observations as JSON (LPUSH + LTRIM in one MULTI, so the
cap always holds); a counter that only grows numbers every observation ever accepted.
A check is due when an intake crosses a multiple of `check_every`: because INCRBY is
atomic, exactly one intake (on any replica) sees each crossing, with no lock and no
reset. Everything lives in Redis, so restarts lose nothing and replicas share the window.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from titanic_common.features import PassengerFeatures

KEY_PREFIX = "drift:window"
OBSERVATIONS_KEY = f"{KEY_PREFIX}:observations"
TOTAL_KEY = f"{KEY_PREFIX}:total"


@dataclass(frozen=True)
class Intake:
    """What one batch did to the window."""

    accepted: int
    window_observations: int
    total_observations: int
    check_due: bool


def crossed(before: int, after: int, every: int) -> bool:
    """True when counting from `before` to `after` passes a multiple of `every`."""
    return after // every > before // every


class RedisWindow:
    """A capped, shared window of passenger_features observations."""

    def __init__(self, redis: Redis, size: int, check_every: int, min_window: int) -> None:
        self.redis = redis
        self.size = size
        self.check_every = check_every
        self.min_window = min_window
        self.list_key = OBSERVATIONS_KEY
        self.count_key = TOTAL_KEY

    async def add(self, observations: Sequence[PassengerFeatures]) -> Intake:
        """Append a batch (newest first in Redis) and say whether a check is due."""
        payload = [o.model_dump_json() for o in observations]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self.list_key, *payload)
            pipe.ltrim(self.list_key, 0, self.size - 1)
            pipe.incrby(self.count_key, len(payload))
            pipe.llen(self.list_key)
            _, _, total, length = await pipe.execute()
        due = length >= self.min_window and crossed(total - len(payload), total, self.check_every)
        return Intake(len(payload), length, total, due)

    async def observations(self) -> list[dict]:
        """Every observation in the window, oldest first."""
        raw = await self.redis.lrange(self.list_key, 0, self.size - 1)
        return [json.loads(item) for item in reversed(raw)]

    async def length(self) -> int:
        """How many observations the window holds now (at most `size`)."""
        return min(int(await self.redis.llen(self.list_key)), self.size)

    async def clear(self) -> None:
        """Empty the window (the total counter keeps counting)."""
        await self.redis.delete(self.list_key)

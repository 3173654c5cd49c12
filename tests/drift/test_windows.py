"""The window in a real Redis: capped, ordered, shared between replicas, checks due
exactly once per N observations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from drift_service.windows import RedisWindow, crossed
from tests.drift.demo import demo_features

ROWS = demo_features()


@pytest.fixture
async def redis(drift_redis) -> AsyncIterator[Redis]:
    client = Redis.from_url(drift_redis.url.replace("/0", "/1"))
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


def test_crossing_a_multiple_is_seen_once():
    assert crossed(49, 50, 50) and crossed(40, 120, 50)
    assert not crossed(50, 99, 50) and not crossed(0, 0, 50)


async def test_the_window_is_capped_and_oldest_first(redis):
    window = RedisWindow(redis, size=20, check_every=10, min_window=10)
    await window.add(ROWS[:15])
    intake = await window.add(ROWS[15:30])
    assert intake.window_observations == 20 and intake.total_observations == 30
    assert await window.observations() == [r.model_dump() for r in ROWS[10:30]]


async def test_no_check_before_the_window_is_full_enough(redis):
    window = RedisWindow(redis, size=100, check_every=10, min_window=30)
    dues = [(await window.add(ROWS[i : i + 10])).check_due for i in range(0, 50, 10)]
    assert dues == [False, False, True, True, True]


async def test_replicas_share_the_window_and_each_check_is_due_once(redis):
    replicas = [RedisWindow(redis, size=500, check_every=50, min_window=50) for _ in range(4)]
    batches = [ROWS[i : i + 7] for i in range(0, 7 * 40, 7)]
    intakes = await asyncio.gather(*(replicas[i % 4].add(batch) for i, batch in enumerate(batches)))
    assert sum(i.check_due for i in intakes) == (7 * 40) // 50
    assert await replicas[0].length() == await replicas[3].length() == 7 * 40

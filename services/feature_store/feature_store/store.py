"""Online store over Redis: pipelined writes and reads of one hash per entity.

Every batch goes through one pipeline so a request costs one round trip, not one per
entity. Pushes use MULTI/EXEC so a push is applied whole or not at all, even if Redis
fails half-way; reads skip it (no atomicity needed, less work per command).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from redis.asyncio import Redis

from feature_store import keys
from feature_store.schema import EncodedRow, FeatureView

# Drop expired ids from a TTL view's index atomically, so a re-push racing the prune
# (which moves the id's expiry score forward) never loses its index entry.
_PRUNE_SCRIPT = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
  redis.call('ZREM', KEYS[2], unpack(ids))
end
return #ids
"""
PRUNE_BATCH = 1000
EXPORT_PAGE = 500

RawRow = dict[bytes, bytes]


class OnlineStore:
    """Reads and writes feature rows of registered views."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._prune = redis.register_script(_PRUNE_SCRIPT)

    async def push(self, view: FeatureView, rows: Sequence[EncodedRow]) -> int:
        """Write validated rows and index them; returns the view's entity count after."""
        name, version, ttl = view.name, view.version, view.spec.ttl_seconds
        pipe = self._redis.pipeline(transaction=True)
        for row in rows:
            key = keys.entity_key(name, version, row.entity_id)
            pipe.hset(key, mapping=row.mapping)
            if row.nulls:
                pipe.hdel(key, *row.nulls)
            if ttl:
                pipe.expire(key, ttl)
        index = keys.index_key(name, version)
        pipe.zadd(index, {row.entity_id: row.entity_id for row in rows})
        if ttl:
            expires_at = time.time() + ttl
            pipe.zadd(keys.expiry_key(name, version), {r.entity_id: expires_at for r in rows})
        pipe.zcard(index)
        results = await pipe.execute()
        return int(results[-1])

    async def read(
        self, view: FeatureView, entity_ids: Sequence[int], names: Sequence[str] | None = None
    ) -> list[RawRow | None]:
        """Raw hashes of the given entities in order; None where the entity is absent."""
        pipe = self._redis.pipeline(transaction=False)
        if names is None:
            for entity_id in entity_ids:
                pipe.hgetall(keys.entity_key(view.name, view.version, entity_id))
            return [raw or None for raw in await pipe.execute()]
        # The timestamp field rides along: it tells "absent" from "every value null".
        fields = [*names, keys.TIMESTAMP_FIELD]
        encoded = [f.encode() for f in fields]
        for entity_id in entity_ids:
            pipe.hmget(keys.entity_key(view.name, view.version, entity_id), fields)
        return [
            dict(zip(encoded, values, strict=True)) if values[-1] is not None else None
            for values in await pipe.execute()
        ]

    async def read_one(self, view: FeatureView, entity_id: int) -> RawRow | None:
        """One entity's raw hash, or None."""
        raw = await self._redis.hgetall(keys.entity_key(view.name, view.version, entity_id))
        return raw or None

    async def count(self, view: FeatureView) -> int:
        """Number of live entities in the view (ZCARD of its index)."""
        await self.prune_expired(view)
        return int(await self._redis.zcard(keys.index_key(view.name, view.version)))

    async def page_ids(
        self, view: FeatureView, after: int | None, limit: int
    ) -> tuple[list[int], bool, int]:
        """Up to `limit` ids greater than `after`, whether more follow, and the total."""
        await self.prune_expired(view)
        index = keys.index_key(view.name, view.version)
        low = "-inf" if after is None else f"({after}"
        pipe = self._redis.pipeline(transaction=False)
        pipe.zrangebyscore(index, low, "+inf", start=0, num=limit + 1)
        pipe.zcard(index)
        members, total = await pipe.execute()
        ids = [int(m) for m in members]
        return ids[:limit], len(ids) > limit, int(total)

    async def iter_pages(
        self, view: FeatureView, page_size: int = EXPORT_PAGE
    ) -> AsyncIterator[list[tuple[int, RawRow]]]:
        """Pages of (id, raw hash) in id order; only one page is ever held in memory."""
        after: int | None = None
        while True:
            ids, more, _ = await self.page_ids(view, after, page_size)
            raws = await self.read(view, ids) if ids else []
            # An id listed but gone by the time it is read expired or was removed: skip it.
            yield [(i, raw) for i, raw in zip(ids, raws, strict=True) if raw is not None]
            if not more:
                return
            after = ids[-1]

    async def prune_expired(self, view: FeatureView) -> int:
        """Remove ids whose TTL has passed from the index; returns how many."""
        if not view.spec.ttl_seconds:
            return 0
        index = keys.index_key(view.name, view.version)
        expiry = keys.expiry_key(view.name, view.version)
        removed = 0
        while True:
            n = int(await self._prune(keys=[index, expiry], args=[time.time(), PRUNE_BATCH]))
            removed += n
            if n < PRUNE_BATCH:
                return removed

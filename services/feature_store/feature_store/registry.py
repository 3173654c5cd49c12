"""Feature view registry stored in Redis, cached in-process.

View versions are immutable once registered, so a cached definition never goes stale;
only "which version is latest" can change, and the cache is reloaded when a lookup
misses or when it is older than `refresh_seconds`.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from feature_store import keys
from feature_store.schema import FeatureView, FeatureViewSpec, builtin_view_spec
from titanic_common.errors import ConflictError, NotFoundError
from titanic_common.logging import get_logger

log = get_logger(__name__)


class ViewRegistry:
    """Register, find and list feature views; ensures the built-in view exists."""

    def __init__(self, redis: Redis, refresh_seconds: float = 5.0) -> None:
        self._redis = redis
        self._refresh_seconds = refresh_seconds
        self._views: dict[tuple[str, int], FeatureView] = {}
        self._loaded_at = float("-inf")

    async def load(self) -> None:
        """Read every definition from Redis, registering the built-in view if absent."""
        builtin = builtin_view_spec()
        created = await self._redis.hsetnx(
            keys.views_key(),
            keys.view_field(builtin.name, builtin.version),
            builtin.model_dump_json(),
        )
        if created:
            log.info("feature_view_registered", view=builtin.name, version=builtin.version)
        stored = await self._redis.hgetall(keys.views_key())
        views = {}
        for raw in stored.values():
            spec = FeatureViewSpec.model_validate_json(raw)
            key = (spec.name, spec.version)
            # Keep compiled views: their validators are costly to build and never change.
            views[key] = self._views.get(key) or FeatureView(spec)
        self._views = views
        self._loaded_at = time.monotonic()

    async def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self._refresh_seconds:
            await self.load()

    async def register(self, spec: FeatureViewSpec) -> tuple[FeatureView, bool]:
        """Store a new view version; same definition again is a no-op, another is a 409."""
        field = keys.view_field(spec.name, spec.version)
        created = await self._redis.hsetnx(keys.views_key(), field, spec.model_dump_json())
        if not created:
            raw = await self._redis.hget(keys.views_key(), field)
            existing = FeatureViewSpec.model_validate_json(raw)
            if existing != spec:
                raise ConflictError(
                    f"feature view {spec.name} version {spec.version} is registered with "
                    "another schema; register a new version",
                    details={"feature_view": spec.name, "version": spec.version},
                )
        else:
            log.info("feature_view_registered", view=spec.name, version=spec.version)
        view = self._views.get((spec.name, spec.version)) or FeatureView(spec)
        self._views[(spec.name, spec.version)] = view
        return view, bool(created)

    async def get(self, name: str, version: int | None = None) -> FeatureView:
        """A view version, or its latest version; NotFoundError if absent."""
        await self._fresh()
        view = self._find(name, version)
        if view is None:
            await self.load()
            view = self._find(name, version)
        if view is None:
            what = f"feature view {name!r}" + (f" version {version}" if version else "")
            raise NotFoundError(f"{what} is not registered", details={"feature_view": name})
        return view

    async def all_views(self) -> list[FeatureView]:
        """Every registered view version, by name then version."""
        await self._fresh()
        return [self._views[k] for k in sorted(self._views)]

    def is_latest(self, view: FeatureView) -> bool:
        """Whether `view` is the newest known version of its name."""
        latest = self._find(view.name, None)
        return latest is not None and latest.version == view.version

    def names(self) -> list[str]:
        """Distinct registered view names."""
        return sorted({name for name, _ in self._views})

    def _find(self, name: str, version: int | None) -> FeatureView | None:
        if version is not None:
            return self._views.get((name, version))
        versions = [v for (n, v) in self._views if n == name]
        return self._views[(name, max(versions))] if versions else None

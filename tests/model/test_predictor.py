"""ModelHolder: load, swap, and keep serving when a new artifact is broken (pure logic)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from model_service.predictor import NO_MODEL, ModelHolder, ProductionRef


class FakeModel:
    def __init__(self, ref: ProductionRef):
        self.ref, self.version, self.algorithm = ref, ref.version, ref.algorithm


def ref(version: int, sha: str = "a" * 64) -> ProductionRef:
    return ProductionRef(version, "random_forest", f"gs://b/models/v{version}", sha)


class Registry:
    """What the registry says, changed by the test; counts artifact loads."""

    def __init__(self) -> None:
        self.production: ProductionRef | None = None
        self.broken: set[int] = set()
        self.loads: list[int] = []
        self.down = False

    async def fetch(self) -> ProductionRef | None:
        if self.down:
            raise ConnectionError("registry down")
        return self.production

    def load(self, r: ProductionRef) -> FakeModel:
        self.loads.append(r.version)
        if r.version in self.broken:
            raise ValueError("sha256 mismatch")
        return FakeModel(r)


def failures(version: int) -> float:
    return REGISTRY.get_sample_value("model_load_failures_total", {"version": str(version)}) or 0


async def test_not_ready_until_a_production_model_exists():
    registry = Registry()
    holder = ModelHolder(registry.fetch, registry.load)
    await holder.refresh()
    result = await holder.readiness()
    assert not result.ok
    assert result.detail == NO_MODEL

    registry.production = ref(1)
    await holder.refresh()
    result = await holder.readiness()
    assert result.ok and "version 1" in result.detail
    assert holder.current.version == 1
    info = {"version": "1", "algorithm": "random_forest"}
    assert REGISTRY.get_sample_value("model_info", info) == 1


async def test_promotion_swaps_and_unchanged_registry_does_not_reload():
    registry = Registry()
    registry.production = ref(1)
    holder = ModelHolder(registry.fetch, registry.load)
    await holder.refresh()
    in_flight = holder.current
    await holder.refresh()
    registry.production = ref(2)
    await holder.refresh()
    assert registry.loads == [1, 2]
    assert holder.current.version == 2
    assert in_flight.version == 1, "a request holding the old model keeps it"
    assert (
        REGISTRY.get_sample_value("model_info", {"version": "1", "algorithm": "random_forest"})
        is None
    )


async def test_broken_artifact_keeps_serving_and_is_reported():
    registry = Registry()
    registry.production = ref(10)
    holder = ModelHolder(registry.fetch, registry.load, retry_failed_seconds=3600)
    await holder.refresh()
    before = failures(11)
    registry.production, registry.broken = ref(11), {11}
    await holder.refresh()
    await holder.refresh()  # not retried on every poll

    assert holder.current.version == 10
    assert registry.loads == [10, 11]
    assert failures(11) - before == 1
    result = await holder.readiness()
    assert result.ok
    assert "version 11 failed to load" in result.detail and "sha256 mismatch" in result.detail


async def test_broken_artifact_is_retried_and_swapped_once_fixed():
    registry = Registry()
    registry.production, registry.broken = ref(20), {20}
    holder = ModelHolder(registry.fetch, registry.load, retry_failed_seconds=0)
    await holder.refresh()
    result = await holder.readiness()
    assert not result.ok and "version 20 failed to load" in result.detail

    registry.broken = set()
    await holder.refresh()
    assert holder.current.version == 20
    assert (await holder.readiness()).detail == "serving version 20"


async def test_registry_outage_before_any_model_is_named_in_readiness():
    registry = Registry()
    registry.down = True
    holder = ModelHolder(registry.fetch, registry.load)
    await holder.refresh()
    result = await holder.readiness()
    assert not result.ok and "registry unreachable" in result.detail


async def test_registry_outage_keeps_the_current_model():
    registry = Registry()
    registry.production = ref(30)
    holder = ModelHolder(registry.fetch, registry.load)
    await holder.refresh()
    registry.down = True
    await holder.refresh()
    assert holder.current.version == 30
    assert (await holder.readiness()).ok

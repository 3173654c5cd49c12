"""Feature-store benchmark: HTTP service vs raw redis-py, side by side in one run.

    uv run python benchmarks/feature_store_bench.py [--rows 100000] [--quick]

Starts its own redis-server and titanic-feature-store process, then measures
1. lookup of 1 000 entities: POST /get-online-features vs one pipelined HGETALL batch;
2. push of 100 000 rows: the client's batched pushes vs pipelined HSET batches;
3. single-entity lookup latency (p50/p99) over HTTP at a fixed request rate.
Each pair runs interleaved, repeated, and compared by medians, so the (shared, noisy)
machine's load hits both sides alike. Results are printed and written to the
"## Feature store" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report import machine, write_section  # benchmarks/ is the script folder

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Feature store"
LOOKUP_IDS = 1000
BATCHES = (1000, 5000)


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Pair:
    """Timings of the HTTP side and the raw side of one measure, round by round."""

    def __init__(self, http: list[float], raw: list[float]) -> None:
        self.http, self.raw = http, raw

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.http) / statistics.median(self.raw)

    @property
    def best_ratio(self) -> float:
        """Fastest round of each side: the least disturbed by other load on the machine."""
        return min(self.http) / min(self.raw)


def interleaved(http: Callable[[], object], raw: Callable[[], object], rounds: int, each: int):
    """Alternate rounds of both sides so load drifts on a shared machine hit both."""
    th, tr = [], []
    for _ in range(rounds):
        th.append(median_seconds(http, each))
        tr.append(median_seconds(raw, each))
    return Pair(th, tr)


def raw_push(redis, rows: list[dict], prefix: str, batch: int) -> None:
    """The baseline: the same rows as pipelined HSETs, `batch` per round trip."""
    for start in range(0, len(rows), batch):
        pipe = redis.pipeline(transaction=False)
        for row in rows[start : start + batch]:
            mapping = {k: v for k, v in row.items() if v is not None and k != "passenger_id"}
            pipe.hset(f"{prefix}:{row['passenger_id']}", mapping=mapping)
        pipe.execute()


def raw_lookup(redis, keys: list[str]) -> None:
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.hgetall(key)
    pipe.execute()


async def fixed_rate_latencies(url: str, ids: list[int], rate: float, seconds: float):
    """Open-loop load: request i is due at start + i/rate; latency counts from that due
    time, so a slow answer that delays the next ones is not hidden."""
    from titanic_common.feature_client import AsyncFeatureStoreClient

    total = int(rate * seconds)
    latencies: list[float] = []
    failures: list[str] = []
    async with AsyncFeatureStoreClient(url, timeout=10) as client:
        await client.get_features(ids[0])  # warm the connection
        start = time.perf_counter()

        async def one(i: int) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                await client.get_features(ids[i % len(ids)])
            except Exception as exc:  # counted and reported, not hidden
                failures.append(type(exc.__cause__ or exc).__name__)
                return
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    if not latencies:
        return float("nan"), float("nan"), float("nan"), 0.0, failures
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return pct(0.50), pct(0.99), latencies[-1], len(latencies) / elapsed, failures


def failure_kinds(failures: list[str]) -> str:
    if not failures:
        return ""
    kinds = {k: failures.count(k) for k in sorted(set(failures))}
    return " (" + ", ".join(f"{k}: {n}" for k, n in kinds.items()) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0, help="requests/s for latency")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    host = machine()  # before the run, so the load average is the machine's, not ours
    sys.path.insert(0, str(ROOT))  # the tests' process helpers start redis and the service
    import httpx
    import redis as redis_py

    from tests.conftest import ADMIN_TOKEN
    from tests.feature_store.support import passenger_row, start_feature_store
    from tests.support.procs import start_redis
    from titanic_common.feature_client import FeatureStoreClient

    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-"))
    redis_proc, port = start_redis(tmp)
    service = None
    try:
        service = start_feature_store(f"redis://127.0.0.1:{port}/0", tmp, LOG_LEVEL="WARNING")
        raw = redis_py.Redis(port=port)
        client = FeatureStoreClient(service.url, token=ADMIN_TOKEN, timeout=30)
        rows = [passenger_row(i) for i in range(1, args.rows + 1)]

        # 1. push: whole data set through each side, alternating rounds.
        pushes = {
            batch: interleaved(
                lambda b=batch: client.store_batch_features(rows, batch_size=b),
                lambda b=batch: raw_push(raw, rows, "bench:raw", b),
                rounds=3,
                each=1,
            )
            for batch in BATCHES
        }

        # 2. lookup of 1000 entities (already stored by the pushes above).
        ids = list(range(1, args.rows + 1, max(1, args.rows // LOOKUP_IDS)))[:LOOKUP_IDS]
        body = {"feature_view": "passenger_features", "entities": {"passenger_id": ids}}
        http = httpx.Client(base_url=service.url, timeout=30)
        raw_keys = [f"fs:passenger_features:v1:e:{i}" for i in ids]
        lookups = interleaved(
            lambda: http.post("/get-online-features", json=body).json(),
            lambda: raw_lookup(raw, raw_keys),
            rounds=7,
            each=10,
        )
        via_client = interleaved(
            lambda: client.get_batch_features(ids), lambda: raw_lookup(raw, raw_keys), 7, 10
        )

        # 3. single-entity latency at a fixed rate. Drop the 100k rows first and freeze
        # what is left, so a full GC in this load generator cannot pass for service time.
        rows.clear()
        gc.collect()
        gc.freeze()
        p50, p99, slowest, achieved, failures = asyncio.run(
            fixed_rate_latencies(service.url, ids, args.rate, args.seconds)
        )
        http.close()
        client.close()
    finally:
        if service is not None:
            service.stop()
        redis_proc.stop()

    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731

    def line(label: str, pair: Pair, unit: str, target: float | None) -> str:
        scale, fmt = (1, "{:.2f} s") if unit == "s" else (1000, "{:.1f} ms")
        http = fmt.format(statistics.median(pair.http) * scale)
        raw_ = fmt.format(statistics.median(pair.raw) * scale)
        goal = f"<= {target:g}x ({verdict(pair.median_ratio <= target)})" if target else ""
        return (
            f"| {label} | {http} | {raw_} | {pair.median_ratio:.2f}x "
            f"| {pair.best_ratio:.2f}x | {goal} |"
        )

    table = "\n".join(
        [
            *(
                line(f"push {args.rows:,} rows, batches of {b}", p, "s", 2)
                for b, p in pushes.items()
            ),
            line(f"lookup {LOOKUP_IDS} entities, POST /get-online-features", lookups, "ms", 3),
            line("same lookup via FeatureStoreClient.get_batch_features", via_client, "ms", 3),
        ]
    )
    http_rate = args.rows / statistics.median(pushes[BATCHES[0]].http)
    raw_rate = args.rows / statistics.median(pushes[BATCHES[0]].raw)
    text = f"""{SECTION}
`uv run python benchmarks/feature_store_bench.py`: own redis-server {redis_version()} and
service process on 127.0.0.1, each pair interleaved, medians of rounds.
Machine: {host}.

| measure | HTTP (median) | raw (median) | ratio, medians | ratio, best rounds | target |
|---|---|---|---|---|---|
{table}

Raw side: pipelined HSET of the same rows (nulls dropped), pipelined HGETALL of the same
keys, sync redis-py with hiredis, one process. HTTP side: FeatureStoreClient pushes
(orjson bodies), the service validates every row and writes each push atomically (one
Lua call). Throughput of the medians, batches of {BATCHES[0]}: push {http_rate:,.0f} rows/s
over HTTP vs {raw_rate:,.0f} rows/s raw.

Single-entity lookup (AsyncFeatureStoreClient.get_features, keep-alive), open loop at a
fixed {args.rate:.0f} req/s for {args.seconds:.0f} s, latency counted from each request's due time:
p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {slowest * 1000:.1f} ms;
achieved {achieved:.0f} req/s, failed requests: {len(failures)}{failure_kinds(failures)}.
"""
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


def redis_version() -> str:
    import subprocess

    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    return next((p.split("=")[1] for p in out.split() if p.startswith("v=")), "?")


if __name__ == "__main__":
    main()

"""Drift benchmark: cost of one check per backend, and observation intake over HTTP.

    uv run python benchmarks/drift_bench.py [--quick]

1. One check of a 1 000-observation window against the 1 309 demo passengers, for the
   scipy and alibi backends (encoding the window included; median of repeats), plus the
   one-off cost of building each detector (alibi's includes its import).
2. Intake: POST /observations in batches of 100 to a real titanic-drift process (own
   redis-server, own database, real feature store holding the reference), with checks
   off and with the default check every 50 observations on a 1 000 window.
Results are printed and written to the "## Drift" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report import machine, write_section  # benchmarks/ is the script folder

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Drift"
WINDOW = 1000
BATCH = 100


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_checks(repeats: int) -> dict[str, dict[str, float]]:
    """Median seconds per check, and detector build seconds, per backend."""
    import numpy as np

    from drift_service.detectors import build_detector
    from drift_service.encoding import encode
    from tests.drift.demo import demo_features, demo_rows

    reference = encode(demo_features())
    rows = demo_rows()
    rng = np.random.default_rng(0)
    window_rows = [rows[i] for i in rng.choice(len(rows), WINDOW)]
    detectors, builds = {}, {}
    for backend in ("scipy", "alibi"):
        start = time.perf_counter()
        detectors[backend] = build_detector(backend, reference, 0.05)
        detectors[backend].check(reference[:10])  # warm-up: lazy imports happen here
        builds[backend] = time.perf_counter() - start
    # Interleaved, so the shared machine's load changes hit both backends alike.
    checks: dict[str, list[float]] = {b: [] for b in detectors}
    for _ in range(repeats):
        for backend, detector in detectors.items():
            checks[backend].append(timed(lambda d=detector: d.check(encode(window_rows))))
    return {b: {"build_s": builds[b], "check_s": statistics.median(checks[b])} for b in detectors}


def bench_intake(batches: int, check_every: int, tmp: Path) -> float:
    """Observations per second through POST /observations in batches of 100."""
    import httpx

    from tests.conftest import ADMIN_TOKEN
    from tests.drift.conftest import DriftProcess, drift_env, promote, ready, wait_until
    from tests.drift.conftest import start_service as start
    from tests.drift.demo import demo_export_rows, demo_rows
    from tests.support.db import create_migrated_database, drop_database
    from tests.support.procs import free_port, start_redis

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    redis_proc, port = start_redis(tmp)
    dsn = create_migrated_database("titanic_drift_bench")
    base = {"APP_ENV": "test", "ADMIN_TOKEN": ADMIN_TOKEN, "LOG_LEVEL": "WARNING"}
    redis_url = f"redis://127.0.0.1:{port}/0"
    fs_env = {
        **base,
        "REDIS_URL": redis_url,
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
    }
    fs = start("titanic-feature-store", "FEATURE_STORE_URL", fs_env, tmp)
    drift = None
    try:
        push = {"feature_view": "passenger_features", "rows": demo_export_rows()}
        httpx.post(f"{fs.url}/push", json=push, headers=headers, timeout=60).raise_for_status()
        promote(dsn, 1)
        env = {
            **drift_env(base, redis_url, dsn, fs.url),
            "DRIFT_WINDOW": str(WINDOW),
            "DRIFT_CHECK_EVERY": str(check_every),
        }
        drift = DriftProcess(env, tmp).start()
        wait_until(lambda: ready(drift.url), what="drift ready")
        rows = demo_rows()
        payloads = [
            {"observations": [rows[(i * BATCH + j) % len(rows)] for j in range(BATCH)]}
            for i in range(batches)
        ]
        with httpx.Client(base_url=drift.url, headers=headers, timeout=30) as client:
            for body in payloads[:5]:  # warm-up
                client.post("/observations", json=body).raise_for_status()
            start = time.perf_counter()
            for body in payloads:
                client.post("/observations", json=body).raise_for_status()
            elapsed = time.perf_counter() - start
        return batches * BATCH / elapsed
    finally:
        if drift is not None:
            drift.stop()
        fs.stop()
        redis_proc.stop()
        drop_database(dsn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and batches")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the tests' helpers start redis and the services
    repeats, batches = (5, 30) if args.quick else (20, 100)
    header = machine()
    checks = bench_checks(repeats)
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as tmp:
        no_checks = bench_intake(batches, 100_000, Path(tmp))
        with_checks = bench_intake(batches, 50, Path(tmp))
    rows = "\n".join(
        f"| {b} | {c['check_s'] * 1000:.1f} ms | {c['build_s']:.2f} s |" for b, c in checks.items()
    )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = f"""{SECTION}

`uv run python benchmarks/drift_bench.py` ({header}; {when})

One check: window of {WINDOW} observations vs 1 309 reference rows (demo passengers),
median of {repeats} (backends interleaved), encoding the window included.

| backend | time per check | detector build incl. library import (once per process) |
|---|---|---|
{rows}

Intake over HTTP, POST /observations in batches of {BATCH} ({batches} batches, one client,
real titanic-drift process, Redis window of {WINDOW}):

| checks | observations/s |
|---|---|
| off (DRIFT_CHECK_EVERY=100000) | {no_checks:,.0f} |
| every 50 observations (default; one check per batch) | {with_checks:,.0f} |

On a shared machine these numbers move with its load (the header shows it): compare
rows of one run, not runs.
"""
    print(text)
    write_section(SECTION, text)


if __name__ == "__main__":
    main()

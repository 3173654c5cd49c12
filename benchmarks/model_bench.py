"""Model-service benchmark: ONNX Runtime vs scikit-learn, and /predict vs a bare endpoint.

    uv run python benchmarks/model_bench.py [--seconds 10] [--rate 200] [--no-write]

1. In-process inference of one row: the served ONNX graph vs the same sklearn pipeline
   (interleaved rounds, medians): the ratio.
2. HTTP throughput: POST /predict on the real titanic-model process vs a bare FastAPI
   endpoint returning constant JSON, both run by uvicorn the same way (one worker,
   uvloop, httptools, no access log) and driven by the same wrk settings in the same run.
   Target: /predict >= 0.6 of the bare endpoint. A third server, the "floor" (the common
   app factory and the prediction route class, constant answer), splits the gap into what the
   framework costs and what the prediction work costs.
3. Latency of POST /predict at a fixed request rate (open loop, counted from each
   request's due time): p50 / p99.

It starts what it needs itself: a migrated throw-away database on the local PostgreSQL,
a gcp-storage-emulator, and the model service with a trained production model. The drift
service is left out (observations queue, retry and are counted as dropped), as in a
drift outage. Results go to the "## Model service" section of benchmarks/RESULTS.md.
"""

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from loadgen import fixed_rate  # benchmarks/ is the script folder
from report import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Model service"
BODY = {
    "pclass": 1,
    "sex": "female",
    "age": 29,
    "sibsp": 0,
    "parch": 0,
    "fare": 211.3,
    "embarked": "S",
    "name": "Allen, Miss. Elisabeth Walton",
    "cabin": "B5",
}
CONSTANT = {
    "survival_probability": 0.5,
    "survived": True,
    "model_version": 1,
    "prediction_id": "00000000-0000-0000-0000-000000000000",
}
ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"


def bare_app():
    """The baseline: FastAPI, one POST route, constant JSON, nothing else."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/predict")
    async def predict_constant() -> dict:
        """Constant answer."""
        return CONSTANT

    return app


def floor_app():
    """What every request pays before any model work: the common app factory (request ids,
    body limit, HTTP metrics, error handlers) and the prediction routes' own route class
    (body validated in one pydantic-core pass, short path past FastAPI's stack)."""
    from fastapi import APIRouter
    from fastapi.responses import JSONResponse

    from model_service.routes.predict import PredictRoute
    from model_service.schemas import PredictRequest
    from titanic_common.app import create_app
    from titanic_common.settings import CommonSettings

    router = APIRouter(route_class=PredictRoute)

    @router.post("/predict")
    async def predict_constant(body: PredictRequest) -> JSONResponse:
        """Constant answer after validating the body."""
        return JSONResponse(CONSTANT)

    return create_app(service="floor", title="floor", settings=CommonSettings(), routers=[router])


def serve_baseline(port: int, factory: str) -> None:
    """Run a baseline app the way titanic_common.server.serve runs a service."""
    import uvicorn

    uvicorn.run(
        f"benchmarks.model_bench:{factory}",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


def per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def interleaved(
    a: Callable[[], object], b: Callable[[], object], rounds: int = 7, calls: int = 200
) -> tuple[float, float]:
    """Median seconds per call of a and b, alternating rounds so load drifts hit both."""
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(per_call(a, calls))
        tb.append(per_call(b, calls))
    return statistics.median(ta), statistics.median(tb)


def wrk(url: str, seconds: float, connections: int, tmp: Path) -> float:
    """Requests per second of POST url with BODY, from wrk (one thread)."""
    script = tmp / "post.lua"
    body = json.dumps(BODY).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        f'wrk.method = "POST"\nwrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def train_production_size() -> tuple[object, bytes, list]:
    """The training pipeline at its default size, fitted on the demo passengers."""
    from model_service.frame import feature_frame
    from model_service.onnx_io import to_onnx
    from model_service.training import TrainConfig, build_pipeline
    from tests.support.models import demo_labels, demo_rows

    rows = list(demo_rows().values())
    pipeline = build_pipeline(TrainConfig()).set_params(clf__max_depth=7, clf__min_samples_leaf=4)
    pipeline.fit(feature_frame(rows), demo_labels())
    return pipeline, to_onnx(pipeline), rows


def in_process(pipeline, onnx_bytes: bytes, row) -> dict[str, float]:
    """Seconds per one-row prediction: ONNX Runtime (as served) vs sklearn, and explain."""
    from model_service.explain import TreeExplainer
    from model_service.frame import feature_frame
    from model_service.inference import OnnxModel

    onnx = OnnxModel(onnx_bytes)
    explainer = TreeExplainer(pipeline)
    rows = [row]
    t_onnx, t_sklearn = interleaved(
        lambda: onnx.predict_proba(rows),
        lambda: pipeline.predict_proba(feature_frame(rows)),
        rounds=5,
        calls=50,
    )
    t_explain = statistics.median(per_call(lambda: explainer.explain(rows), 20) for _ in range(3))
    t_batch = statistics.median(
        per_call(lambda: onnx.predict_proba([row] * 1000), 3) for _ in range(3)
    )
    return {"onnx": t_onnx, "sklearn": t_sklearn, "explain": t_explain, "batch1000": t_batch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0, help="req/s for latency")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "FACTORY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.serve:
        serve_baseline(int(args.serve[0]), args.serve[1])
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the throughput part: apt-get install wrk")

    from tests.support.db import create_migrated_database, drop_database
    from tests.support.gcs import start_gcs_emulator
    from tests.support.models import publish_production
    from tests.support.procs import Proc, free_port, start_service, wait_for_http, wait_for_port

    started = machine()
    tmp = Path(tempfile.mkdtemp(prefix="model-bench-"))
    dsn = create_migrated_database("titanic_bench")
    gcs, gcs_url = start_gcs_emulator(tmp, bucket="titanic-bench")
    env = {
        "APP_ENV": "test",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "DATABASE_URL": dsn,
        "LOG_LEVEL": "WARNING",
        "STORAGE_EMULATOR_HOST": gcs_url,
        "GCS_PROJECT": "titanic-bench",
        "MODEL_ARTIFACT_URI": "gs://titanic-bench/models",
        "MODEL_URL": f"http://127.0.0.1:{free_port()}",
        # No drift service or feature store: observations queue, retry, are counted dropped.
        "DRIFT_URL": f"http://127.0.0.1:{free_port()}",
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
    }
    procs = [gcs]
    try:
        pipeline, onnx_bytes, rows = train_production_size()
        single = in_process(pipeline, onnx_bytes, rows[0])
        print(
            f"in-process one row: onnx {single['onnx'] * 1e6:.0f} us, "
            f"sklearn {single['sklearn'] * 1e6:.0f} us",
            flush=True,
        )
        publish_production(env, pipeline, onnx_bytes, len(rows), "benchmark")

        service = start_service("titanic-model", "MODEL_URL", env, tmp)
        procs.append(service.proc)
        wait_for_http(f"{service.url}/readyz", timeout=120)
        urls = {"predict": f"{service.url}/predict"}
        for name in ("bare_app", "floor_app"):
            port = free_port()
            argv = [sys.executable, __file__, "--serve", str(port), name]
            procs.append(
                Proc(name, argv, {"ADMIN_TOKEN": ADMIN_TOKEN}, tmp / f"{name}.log").start()
            )
            wait_for_port(port, timeout=60)
            urls[name] = f"http://127.0.0.1:{port}/predict"

        for url in urls.values():  # warm-up
            wrk(url, 2, args.connections, tmp)
        results: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, url in urls.items():
                results[name].append(wrk(url, args.seconds, args.connections, tmp))
            print("round:", {n: round(r[-1]) for n, r in results.items()}, flush=True)
        rps, floor_rps, bare_rps = (
            statistics.median(results[n]) for n in ("predict", "floor_app", "bare_app")
        )
        per_round = ", ".join(
            f"{p / b:.2f}" for p, b in zip(results["predict"], results["bare_app"], strict=True)
        )
        predict_url = urls["predict"]
        load = asyncio.run(
            fixed_rate(predict_url, json.dumps(BODY).encode(), args.rate, args.seconds)
        )
        if load["errors"]:
            raise RuntimeError(f"{load['errors']} requests failed at the fixed rate")
        p50, p99, achieved = load["p50"], load["p99"], load["rate"]
    finally:
        for proc in reversed(procs):
            proc.stop()
        drop_database(dsn)
    shutil.rmtree(tmp, ignore_errors=True)  # kept when the run failed: the services' logs

    ratio = rps / bare_rps
    speedup = single["sklearn"] / single["onnx"]
    verdict = "met" if ratio >= 0.6 else "NOT met"
    onnx_us = single["onnx"] * 1e6
    latency = f"p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms ({achieved:.0f} req/s achieved)"
    text = f"""{SECTION}
`uv run python benchmarks/model_bench.py` (needs `wrk`: apt-get install wrk). Model: the
training pipeline at its default size (150 trees, max_depth 7) fitted on the 1309 demo
passengers. Machine: {started}.

| measure | result |
|---|---|
| one row in-process, ONNX Runtime (as served, with input building) | {onnx_us:,.0f} us |
| one row in-process, scikit-learn predict_proba | {single["sklearn"] * 1e6:,.0f} us |
| ONNX speed-up over scikit-learn | {speedup:.1f}x |
| 1000 rows in one ONNX call | {single["batch1000"] * 1e3:.1f} ms |
| explanation of one row (sklearn trees, exact contributions) | {single["explain"] * 1e3:.1f} ms |
| POST /predict throughput (real service, uvicorn, 1 worker) | {rps:,.0f} req/s |
| bare FastAPI endpoint, constant JSON (same uvicorn settings) | {bare_rps:,.0f} req/s |
| floor: common app factory + prediction route class, constant JSON | {floor_rps:,.0f} req/s |
| ratio /predict / bare | {ratio:.2f} (target >= 0.6: {verdict}; rounds: {per_round}) |
| ratio floor / bare (the framework's share) | {floor_rps / bare_rps:.2f} |
| ratio /predict / floor (the prediction work's share) | {rps / floor_rps:.2f} |
| POST /predict at a fixed {args.rate:.0f} req/s for {args.seconds:.0f} s | {latency} |

wrk: 1 thread, {args.connections} connections, {args.rounds} alternating rounds of
{args.seconds:.0f} s per endpoint after a 2 s warm-up each; medians. The three servers run
side by side, one uvicorn worker each (uvloop, httptools, no access log). Latency: open
loop (counted from each request's due time, so queueing shows) over 32 keep-alive
connections of a minimal asyncio HTTP/1.1 client. The /predict runs include everything a
real request does: validation, feature computation, ONNX inference (concurrent requests
share one ONNX run), metrics, and handing the record to the feed (prediction_log COPY
into PostgreSQL; no drift service, so its queue fills and drops are counted).

Where the time goes: the floor server (the common app factory and the prediction route
class, constant answer) keeps {floor_rps / bare_rps:.2f} of the bare endpoint: the
prediction routes take the app's short path (titanic_common/direct.py) past FastAPI's
telemetry check, body-limit layers, error and exception middleware, exit stack,
router matching and per-route wrapper, which cost more than our own request middleware
and one-pass body validation. The prediction work is the rest ({rps / floor_rps:.2f} of
the floor): feature computation, the coalesced ONNX run (about 16 rows per call at 16
connections, about 6 us per row), the response, the prediction counter and the feed
(prediction_log COPY rows formatted in one pass). Young-generation GC every 10 000
allocations and ids without a system call each took about 5% each.
"""
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()

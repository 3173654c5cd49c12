"""Sustained load on /predict: 60 s at a fixed rate through the UI (form post, the path
people use) and directly against the model service, same stack, same run.

    uv run python benchmarks/load_bench.py [--rates 20 40] [--seconds 60]

Starts its own trained stack (PostgreSQL database, Redis, GCS emulator, the four
services) like the tests do. Zero errors is part of the result. Results go to the
"## Load" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
from loadgen import fixed_rate  # benchmarks/ is the script folder
from report import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Load"
TOKEN = "load-bench-token-0123456789abcdef"
PASSENGER = {
    "pclass": "3", "sex": "male", "age": "30", "sibsp": "0", "parch": "0",
    "fare": "8.05", "embarked": "S",
}  # fmt: skip


def form_session(ui_url: str) -> tuple[bytes, dict[str, str]]:
    """A form body with a valid CSRF token and the cookie it belongs to, as a browser has."""
    page = httpx.get(f"{ui_url}/", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    return urlencode({**PASSENGER, "csrf_token": token}).encode(), {"Cookie": cookie}


def run(args: argparse.Namespace) -> dict[tuple[str, float], dict[str, float]]:
    sys.path.insert(0, str(ROOT))  # the tests' helpers start the stack
    from tests.support.gcs import start_gcs_emulator
    from tests.support.stack import trained_stack

    tmp = Path(tempfile.mkdtemp(prefix="load-bench-"))
    gcs, gcs_url = start_gcs_emulator(tmp, bucket="titanic-bench")
    gcs_env = {
        "STORAGE_EMULATOR_HOST": gcs_url,
        "GCS_BUCKET": "titanic-bench",
        "GCS_PROJECT": "titanic-bench",
        "MODEL_ARTIFACT_URI": "gs://titanic-bench/models",
    }
    try:
        with trained_stack(TOKEN, gcs_env, tmp) as (_services, env):
            body, headers = form_session(env["UI_URL"])
            raw = {k: float(v) if k in {"age", "fare"} else v for k, v in PASSENGER.items()}
            raw.update(pclass=3, sibsp=0, parch=0)
            results = {}
            for rate in args.rates:
                results["UI form post -> model", rate] = asyncio.run(
                    fixed_rate(
                        f"{env['UI_URL']}/predict",
                        body,
                        rate,
                        args.seconds,
                        content_type="application/x-www-form-urlencoded",
                        headers=headers,
                    )
                )
                results["model /predict directly", rate] = asyncio.run(
                    fixed_rate(
                        f"{env['MODEL_URL']}/predict",
                        json.dumps(raw).encode(),
                        rate,
                        args.seconds,
                    )
                )
            return results  # fmt: skip
    finally:
        gcs.stop()


def render(
    results: dict[tuple[str, float], dict[str, float]], args: argparse.Namespace, host: str
) -> str:
    rates = " ".join(f"{r:g}" for r in args.rates)
    lines = [
        SECTION,
        "",
        f"`uv run python benchmarks/load_bench.py --rates {rates} --seconds "
        f"{args.seconds:g}` ({host}). Open-loop load at a fixed rate; latency from each "
        "request's due time. The UI path posts the form (CSRF token and cookie as a browser "
        "has them), fetches the header's model and drift state, asks the model with "
        "explain=true and renders the result page.",
        "",
        "| path | rate asked / achieved | sent | errors | p50 | p99 |",
        "|---|---|---|---|---|---|",
    ]
    for (path, rate), r in results.items():
        lines.append(
            f"| {path} | {rate:g} / {r['rate']:.1f} req/s | {r['sent']} | {r['errors']} "
            f"| {r['p50'] * 1000:.1f} ms | {r['p99'] * 1000:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[20.0, 40.0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    host = machine()
    results = run(args)
    text = render(results, args, host)
    print(text)
    write_section(SECTION, text)
    return 0 if all(r["errors"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

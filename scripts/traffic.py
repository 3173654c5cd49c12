"""`make traffic`: realistic prediction traffic, then a drifted batch, so the dashboards
and the drift page have something to show.

    uv run python scripts/traffic.py [--normal 400] [--drifted 300] [--rate 40]

Normal traffic replays demo passengers (by raw attributes, and every fifth one by
passenger id); the drifted batch sends only third-class men twenty years older than the
passengers they are drawn from.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import httpx
from rich.progress import Progress

from titanic_common.demo_data import load_demo_passengers

FIELDS = {
    "Pclass": "pclass",
    "Sex": "sex",
    "Age": "age",
    "SibSp": "sibsp",
    "Parch": "parch",
    "Fare": "fare",
    "Embarked": "embarked",
    "Name": "name",
    "Cabin": "cabin",
}


def raw_attributes(passenger: dict) -> dict:
    """A demo row in the Kaggle contract -> the /predict body (empty values left out)."""
    body = {}
    for src, dst in FIELDS.items():
        value = passenger.get(src)
        if value in (None, ""):
            continue
        body[dst] = float(value) if dst in {"age", "fare"} else value
    for key in ("pclass", "sibsp", "parch"):
        body[key] = int(body.get(key, 0))
    return body


def drifted(body: dict, rng: random.Random) -> dict:
    """Third-class men, twenty years older: a shift the drift service must catch."""
    age = body.get("age") or rng.uniform(20, 40)
    return {
        **body,
        "pclass": 3,
        "sex": "male",
        "age": min(age + 20, 120),
        "fare": round(rng.uniform(5, 9), 2),
        "name": None,
        "cabin": None,
    }


def send(client: httpx.Client, bodies: list[dict], rate: float, label: str) -> tuple[int, int]:
    ok = failed = 0
    with Progress() as progress:
        task = progress.add_task(label, total=len(bodies))
        for body in bodies:
            started = time.monotonic()
            response = client.post(
                "/predict", json={k: v for k, v in body.items() if v is not None}
            )
            ok, failed = (ok + 1, failed) if response.is_success else (ok, failed + 1)
            progress.advance(task)
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    return ok, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normal", type=int, default=400)
    parser.add_argument("--drifted", type=int, default=300)
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    passengers = load_demo_passengers()
    normal = []
    for _ in range(args.normal):
        passenger = rng.choice(passengers)
        use_id = rng.random() < 0.2
        normal.append(
            {"passenger_id": int(passenger["PassengerId"])} if use_id else raw_attributes(passenger)
        )
    shifted = [drifted(raw_attributes(rng.choice(passengers)), rng) for _ in range(args.drifted)]
    model_url = os.environ.get("MODEL_URL", "http://127.0.0.1:8002")
    with httpx.Client(base_url=model_url, timeout=5.0) as client:
        ok, failed = send(client, normal, args.rate, "normal traffic")
        d_ok, d_failed = send(client, shifted, args.rate, "drifted batch")
    print(f"normal: {ok} ok, {failed} failed; drifted: {d_ok} ok, {d_failed} failed")
    print(f"drift status: {os.environ.get('DRIFT_URL', 'http://127.0.0.1:8003')}/drift/status")
    return 0 if failed + d_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

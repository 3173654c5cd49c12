"""POST /predict and /predict/batch on real processes: model, feature store, drift service.

One model-service process serves the whole module; the feature store and the drift
service are stopped and restarted by the outage tests, so those come last.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from sklearn.pipeline import Pipeline

from model_service.frame import feature_frame
from model_service.onnx_io import to_onnx
from model_service.predictor import NO_MODEL
from model_service.training import TrainConfig, build_pipeline
from tests.support.db import create_migrated_database, drop_database
from tests.support.models import demo_labels, demo_rows, publish_production
from tests.support.procs import Service, free_port, start_redis, start_service
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import (
    FEATURE_NAMES,
    FEATURE_VIEW,
)

pytestmark = pytest.mark.slow

FAST_FEED = {
    "MODEL_POLL_SECONDS": "0.5",
    "FEED_FLUSH_SECONDS": "0.1",
    "FEED_RETRY_MAX_SECONDS": "0.5",
    "FEED_SHUTDOWN_SECONDS": "3",
}


def train_model(seed: int) -> tuple[Pipeline, bytes, int]:
    """A small forest of the training pipeline on the demo data, and its ONNX export."""
    labels = demo_labels()
    pipeline = build_pipeline(TrainConfig(n_estimators=30, seed=seed))
    pipeline.set_params(clf__max_depth=6).fit(feature_frame(list(demo_rows().values())), labels)
    return pipeline, to_onnx(pipeline), len(labels)


def publish_model(
    env: dict[str, str], seed: int, trained: tuple[Pipeline, bytes, int] | None = None
) -> int:
    """Publish a trained model's artifacts, register it and promote it."""
    pipeline, onnx_bytes, training_rows = trained or train_model(seed)
    return publish_production(env, pipeline, onnx_bytes, training_rows, f"test model, seed {seed}")


class Stack:
    """The processes of this module, restartable on their fixed ports."""

    def __init__(self, env: dict[str, str], tmp: Path):
        self.env, self.tmp = env, tmp
        self.services: dict[str, Service] = {}
        self.first_version = 0
        self.before_model: tuple[httpx.Response, httpx.Response] | None = None

    def start(self, script: str, url_var: str) -> Service:
        self.services[script] = start_service(script, url_var, self.env, self.tmp)
        return self.services[script]

    def stop(self, script: str) -> None:
        self.services.pop(script).stop()

    def stop_all(self) -> None:
        for script in list(self.services):
            self.stop(script)


@pytest.fixture(scope="module")
def stack(base_env, gcs_emulator, artifacts_dir, admin_headers) -> Iterator[Stack]:
    """Own database (model versions start at 1), feature store with the demo passengers,
    a production model, the drift service and the model service."""
    tmp = artifacts_dir / "model-predict"
    database_url = create_migrated_database("titanic_predict")
    redis, redis_port = start_redis(tmp)
    env = {
        **base_env,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        **gcs_emulator,
        **FAST_FEED,
        "MODEL_URL": f"http://127.0.0.1:{free_port()}",
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
        "DRIFT_URL": f"http://127.0.0.1:{free_port()}",
    }
    stack = Stack(env, tmp)
    scripts = {
        "titanic-feature-store": "FEATURE_STORE_URL",
        "titanic-drift": "DRIFT_URL",
        "titanic-model": "MODEL_URL",
    }
    try:
        # Start-up is mostly imports: the processes start together while the model trains.
        with ThreadPoolExecutor(len(scripts)) as pool:
            started = [pool.submit(stack.start, s, var) for s, var in scripts.items()]
            trained = train_model(seed=0)
            for future in started:
                future.result()
        model_url = env["MODEL_URL"]
        stack.before_model = (
            httpx.get(f"{model_url}/readyz", timeout=5),
            httpx.post(f"{model_url}/predict", json={"pclass": 1, "sex": "male"}, timeout=5),
        )
        stack.first_version = publish_model(env, seed=0, trained=trained)
        rows = [{"passenger_id": pid, **f.model_dump()} for pid, f in demo_rows().items()]
        pushed = httpx.post(
            f"{env['FEATURE_STORE_URL']}/push",
            json={"feature_view": FEATURE_VIEW, "rows": rows},
            headers=admin_headers,
            timeout=30,
        )
        pushed.raise_for_status()
        wait_until(lambda: httpx.get(f"{env['MODEL_URL']}/readyz", timeout=5).is_success, 60)
        yield stack
    finally:
        stack.stop_all()
        redis.stop()
        drop_database(database_url)


@pytest.fixture(scope="module")
def api(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.env["MODEL_URL"], timeout=10.0) as client:
        yield client


def attributes(passenger: dict) -> dict:
    """A demo passenger's contract fields as /predict takes them."""
    keys = ("pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "name", "cabin")
    lower = {k.lower(): v for k, v in passenger.items()}
    return {k: lower[k] for k in keys if lower[k] is not None}


@pytest.fixture(scope="module")
def passengers() -> list[dict]:
    return load_demo_passengers()


def metric(base_url: str, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include `labels`, from /metrics."""
    total = 0.0
    for line in httpx.get(f"{base_url}/metrics", timeout=5).text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        head = series.split("{", 1)[0]
        if head == name and all(f'{k}="{v}"' in series for k, v in labels.items()):
            total += float(value)
    return total


def wait_until(check, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_not_ready_and_503_before_any_model_is_promoted(stack):
    readiness, prediction = stack.before_model
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["model"]["detail"] == NO_MODEL
    assert prediction.status_code == 503
    assert prediction.json()["error"]["message"] == NO_MODEL


def test_ready_with_the_production_model(api):
    wait_until(lambda: api.get("/readyz").status_code == 200)
    assert "serving version 1" in api.get("/readyz").json()["checks"]["model"]["detail"]


def test_raw_and_id_predictions_agree(api, passengers):
    for passenger in passengers[:25]:
        by_attrs = api.post("/predict", json=attributes(passenger))
        by_id = api.post("/predict", json={"passenger_id": passenger["PassengerId"]})
        assert by_attrs.status_code == by_id.status_code == 200, by_attrs.text + by_id.text
        a, b = by_attrs.json(), by_id.json()
        assert a["survival_probability"] == b["survival_probability"]
        assert a["survived"] == (a["survival_probability"] >= 0.5)
        assert a["model_version"] == b["model_version"] == 1
        assert a["prediction_id"] != b["prediction_id"]
        assert "explanation" not in a


def test_batch_equals_single(api, passengers):
    chosen = passengers[100:160]
    items = [
        {"passenger_id": p["PassengerId"]} if i % 2 else attributes(p) for i, p in enumerate(chosen)
    ]
    batch = api.post("/predict/batch", json={"passengers": items})
    assert batch.status_code == 200, batch.text
    results = batch.json()["predictions"]
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        single = api.post("/predict", json=item).json()
        assert result["survival_probability"] == single["survival_probability"]
        assert result["survived"] == single["survived"]


@pytest.mark.parametrize("how", ["query", "body"])
def test_explanation_sums_to_the_probability(api, passengers, how):
    body = attributes(passengers[3])
    if how == "body":
        response = api.post("/predict", json={**body, "explain": True})
    else:
        response = api.post("/predict", params={"explain": "true"}, json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    explanation = result["explanation"]
    assert set(explanation["contributions"]) == set(FEATURE_NAMES)
    total = explanation["base_value"] + sum(explanation["contributions"].values())
    assert total == pytest.approx(result["survival_probability"], abs=1e-5)


def test_batch_explanations_sum_to_their_probabilities(api, passengers):
    items = [attributes(p) for p in passengers[200:210]]
    response = api.post("/predict/batch", params={"explain": "true"}, json={"passengers": items})
    for result in response.json()["predictions"]:
        explanation = result["explanation"]
        total = explanation["base_value"] + sum(explanation["contributions"].values())
        assert total == pytest.approx(result["survival_probability"], abs=1e-5)


VALID = {
    "pclass": 1,
    "sex": "female",
    "age": 29,
    "sibsp": 0,
    "parch": 0,
    "fare": 211.3,
    "embarked": "S",
    "name": "Allen, Miss. Elisabeth",
    "cabin": "B5",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pclass": 0}, "pclass"),
        ({"pclass": 4}, "pclass"),
        ({"pclass": "first"}, "pclass"),
        ({"pclass": None}, "pclass"),
        ({"sex": "unknown"}, "sex"),
        ({"age": -1}, "age"),
        ({"age": 121}, "age"),
        ({"age": "old"}, "age"),
        ({"sibsp": -1}, "sibsp"),
        ({"sibsp": 1.5}, "sibsp"),
        ({"parch": -2}, "parch"),
        ({"fare": -0.01}, "fare"),
        ({"embarked": "X"}, "embarked"),
        ({"name": "x" * 201}, "name"),
        ({"cabin": "c" * 101}, "cabin"),
        ({"explain": "perhaps"}, "explain"),
        ({"ticket_class": 1}, "ticket_class"),
    ],
)
def test_every_invalid_field_gives_422_naming_it(api, change, field):
    response = api.post("/predict", json={**VALID, **change})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"]["fields"] == [field]
    assert field in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sex": "male"}, "pclass"),
        ({"pclass": 2}, "sex"),
        ({"passenger_id": 0}, "passenger_id"),
        ({"passenger_id": "seven"}, "passenger_id"),
        ({"passenger_id": 7, "pclass": 1}, "pclass"),
    ],
)
def test_missing_or_mixed_fields_give_422_naming_them(api, body, field):
    response = api.post("/predict", json=body)
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"passengers": [VALID, VALID, VALID, {**VALID, "age": -3}]}, "passengers.3.age"),
        ({"passengers": [VALID, {"passenger_id": -1}]}, "passengers.1.passenger_id"),
        ({"passengers": []}, "passengers"),
        ({"passengers": [VALID] * 1001}, "passengers"),
        ({}, "passengers"),
    ],
)
def test_invalid_batches_give_422_naming_the_item_field(api, body, field):
    response = api.post("/predict/batch", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == [field]


def test_unknown_passenger_id_is_404(api):
    response = api.post("/predict", json={"passenger_id": 999_999})
    assert response.status_code == 404
    assert "999999" in response.json()["error"]["message"]
    batch = api.post(
        "/predict/batch", json={"passengers": [{"passenger_id": 1}, {"passenger_id": 888_888}]}
    )
    assert batch.status_code == 404
    assert batch.json()["error"]["details"]["passenger_ids"] == [888_888]


def test_predictions_are_counted_and_logged(stack, api):
    before = metric(api.base_url, "prediction_count_total", source="raw", model_version="1")
    ids = [api.post("/predict", json=VALID).json()["prediction_id"] for _ in range(5)]
    after = metric(api.base_url, "prediction_count_total", source="raw", model_version="1")
    assert after - before == 5
    assert metric(api.base_url, "model_info", version="1") == 1
    assert metric(api.base_url, "prediction_latency_seconds_count") > 0

    def logged() -> bool:
        with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
            rows = conn.execute(
                "SELECT source, model_version, features->>'sex' FROM prediction_log"
                " WHERE id = ANY(%s::uuid[])",
                [ids],
            ).fetchall()
        return len(rows) == 5 and set(rows) == {("raw", 1, "female")}

    wait_until(logged)


def test_feature_store_down_fails_id_requests_only(stack, api):
    stack.stop("titanic-feature-store")
    try:
        by_id = api.post("/predict", json={"passenger_id": 1})
        assert by_id.status_code == 503
        assert by_id.json()["error"]["details"]["dependency"] == "feature-store"
        assert api.post("/predict", json=VALID).status_code == 200
    finally:
        stack.start("titanic-feature-store", "FEATURE_STORE_URL")
    assert api.post("/predict", json={"passenger_id": 1}).status_code == 200


def test_drift_outage_loses_nothing_uncounted(stack, api):
    def feed_total() -> float:
        sent = metric(api.base_url, "drift_observations_sent_total")
        return sent + metric(api.base_url, "drift_observations_dropped_total")

    def predicted() -> float:
        total = metric(api.base_url, "prediction_count_total")
        return total - metric(api.base_url, "prediction_count_total", outcome="error")

    wait_until(lambda: predicted() == feed_total())
    stack.stop("titanic-drift")
    sent_before = metric(api.base_url, "drift_observations_sent_total")
    total_before = feed_total()
    for _ in range(40):
        assert api.post("/predict", json=VALID).status_code == 200
    batch = api.post("/predict/batch", json={"passengers": [VALID] * 20})
    assert batch.status_code == 200
    assert metric(api.base_url, "drift_observations_sent_total") == sent_before

    drift = stack.start("titanic-drift", "DRIFT_URL")
    wait_until(lambda: feed_total() - total_before == 60)
    delivered = metric(api.base_url, "drift_observations_sent_total") - sent_before
    assert delivered == 60, "nothing had to be dropped in a short outage"
    assert metric(drift.url, "drift_observations_total") == delivered


def test_promotion_during_a_stream_fails_no_request(stack, api):
    versions: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=stack.env["MODEL_URL"], timeout=10.0) as client:
            while not stop.is_set():
                response = client.post("/predict", json=VALID)
                if response.status_code != 200:
                    failures.append(response.text)
                else:
                    versions.append(response.json()["model_version"])

    worker = threading.Thread(target=stream)
    worker.start()
    try:
        new_version = publish_model(stack.env, seed=1)
        wait_until(lambda: versions and versions[-1] == new_version)
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join(15)
    assert failures == []
    switch = versions.index(new_version)
    assert switch > 0, "requests were served before the promotion too"
    assert set(versions[switch:]) == {new_version}
    assert new_version not in versions[:switch]
    assert metric(api.base_url, "model_info", version=str(new_version)) == 1


def test_shutdown_flushes_the_feed(stack):
    """Records still waiting for their batch when the service stops are delivered."""
    stack.stop("titanic-model")
    stack.env = {**stack.env, "FEED_FLUSH_SECONDS": "60"}
    model = stack.start("titanic-model", "MODEL_URL")
    drift_url = stack.services["titanic-drift"].url
    wait_until(lambda: httpx.get(f"{model.url}/readyz", timeout=5).is_success)
    accepted_before = metric(drift_url, "drift_observations_total")
    ids = [
        httpx.post(f"{model.url}/predict", json=VALID, timeout=10).json()["prediction_id"]
        for _ in range(12)
    ]
    stack.stop("titanic-model")  # SIGTERM: the lifespan flushes the feed

    assert metric(drift_url, "drift_observations_total") - accepted_before == 12
    with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
        (logged,) = conn.execute(
            "SELECT count(*) FROM prediction_log WHERE id = ANY(%s::uuid[])", [ids]
        ).fetchone()
    assert logged == 12

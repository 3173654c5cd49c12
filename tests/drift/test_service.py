"""The drift service as users run it: a real process over real Redis, PostgreSQL and a
real feature store holding the production model's training features."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from drift_service.detectors import ScipyDetector
from drift_service.encoding import encode
from tests.drift.conftest import CHECK_EVERY, WINDOW, DriftProcess, promote, wait_until
from tests.drift.demo import demo_features, demo_rows


def third_class_males(n: int) -> list[dict]:
    rows = [r for r in demo_rows() if r["pclass"] == 3 and r["sex"] == "male"]
    return rows[:n]


def sample(n: int, seed: int) -> list[dict]:
    rows = demo_rows()
    rng = np.random.default_rng(seed)
    return [rows[i] for i in rng.choice(len(rows), n, replace=False)]


def post(client: httpx.Client, rows: list[dict], **extra) -> httpx.Response:
    return client.post("/observations", json={"observations": rows, **extra})


def test_observations_need_the_admin_token(drift: DriftProcess):
    response = httpx.post(f"{drift.url}/observations", json={"observations": sample(1, 0)})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age": -5}, "observations.2.age"),
        ({"pclass": 4}, "observations.2.pclass"),
        ({"sex": "unknown"}, "observations.2.sex"),
        ({"fare": "cheap"}, "observations.2.fare"),
        ({"colour": "red"}, "observations.2.colour"),
    ],
)
def test_a_bad_row_is_rejected_by_index_and_field_and_nothing_enters(client, change, field):
    rows = sample(4, 1)
    rows[2] = {**rows[2], **change}
    response = post(client, rows)
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]["fields"]
    assert client.get("/drift/status").json()["window_observations"] == 0


def test_a_missing_feature_is_named(client):
    rows = sample(2, 2)
    del rows[1]["title"]
    response = post(client, rows)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["observations.1.title"]


def test_checks_run_every_n_observations_not_per_observation(client):
    first = post(client, sample(CHECK_EVERY - 1, 3)).json()
    assert first["check"] is None
    assert first["accepted"] == first["window_observations"] == CHECK_EVERY - 1
    second = post(client, sample(1, 4)).json()
    assert second["check"] is not None
    assert second["check"]["window_size"] == CHECK_EVERY
    third = post(client, sample(10, 5)).json()
    assert third["check"] is None
    assert third["window_observations"] == CHECK_EVERY + 10


def test_the_window_keeps_only_the_newest_observations(client):
    post(client, sample(WINDOW, 6))
    response = post(client, sample(30, 7)).json()
    assert response["window_observations"] == WINDOW
    assert client.get("/drift/status").json()["window_observations"] == WINDOW


def test_third_class_males_are_drift_recorded_and_exported(client):
    response = post(client, third_class_males(WINDOW), model_version=1).json()
    check = response["check"]
    assert check["is_drift"] is True
    assert min(check["p_values"], key=check["p_values"].get) in {"pclass", "sex", "fare"}

    status = client.get("/drift/status").json()
    assert status["is_drift"] is True
    assert status["p_values"] == check["p_values"]
    assert status["threshold"] == pytest.approx(0.05 / 11)
    assert status["reference_version"] == 1
    assert status["reference_rows"] == 1309
    assert status["detector"] == "scipy"

    latest = client.get("/drift/events", params={"limit": 1}).json()["events"][0]
    assert latest["id"] == check["id"] and latest["is_drift"] is True

    metrics = client.get("/metrics").text
    assert 'drift_count_total{model_version="1"}' in metrics
    assert "drift_detected 1.0" in metrics
    assert 'drift_p_value{feature="pclass"}' in metrics


def test_a_window_like_the_reference_is_not_drift(client):
    check = client.post("/observations", json={"observations": sample(WINDOW, 8)}).json()["check"]
    assert check["is_drift"] is False
    assert client.get("/drift/status").json()["is_drift"] is False
    assert "drift_detected 0.0" in client.get("/metrics").text


def test_a_restart_between_two_halves_keeps_the_whole_window(client, drift: DriftProcess):
    rows = third_class_males(WINDOW // 2) + sample(WINDOW // 2, 9)
    post(client, rows[: WINDOW // 2])
    drift.restart()
    check = post(client, rows[WINDOW // 2 :]).json()["check"]
    assert check["window_size"] == WINDOW

    expected = ScipyDetector(encode(demo_features()), 0.05).check(encode(rows))
    for feature, p in expected.p_values.items():
        assert check["p_values"][feature] == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_events_page_newest_first(client):
    post(client, sample(CHECK_EVERY, 10))
    ids = [client.post("/drift/check").json()["id"] for _ in range(3)]
    first = client.get("/drift/events", params={"limit": 2}).json()
    assert [e["id"] for e in first["events"]] == ids[::-1][:2]
    second = client.get("/drift/events", params={"limit": 2, "before_id": first["next_before_id"]})
    assert second.json()["events"][0]["id"] == ids[0]


def test_bad_paging_parameters_name_the_field(client):
    response = client.get("/drift/events", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["limit"]


def test_a_manual_check_on_a_too_small_window_says_why(client):
    post(client, sample(5, 11))
    response = client.post("/drift/check")
    assert response.status_code == 409
    assert "at least 50" in response.json()["error"]["message"]


def test_a_manual_check_needs_the_admin_token(drift: DriftProcess):
    assert httpx.post(f"{drift.url}/drift/check").status_code == 401


def test_reference_summary_compares_reference_and_window(client):
    post(client, third_class_males(60))
    summary = client.get("/drift/reference/summary").json()
    assert summary["reference_rows"] == 1309 and summary["window_observations"] == 60
    pclass = summary["features"]["pclass"]
    assert pclass["bins"] == ["1", "2", "3"]
    assert pclass["current"] == [0, 0, 60]
    assert sum(pclass["reference"]) == 1309
    age = summary["features"]["age"]
    assert age["kind"] == "numeric" and age["bins"][-1] == "missing"
    assert sum(age["reference"]) == 1309 and sum(age["current"]) == 60
    assert age["reference"][-1] == 263  # demo passengers without an age


def test_a_promotion_reloads_the_reference(client, drift: DriftProcess):
    promote(drift.env["DATABASE_URL"], 2)
    wait_until(
        lambda: client.get("/drift/status").json()["reference_version"] == 2,
        what="reference version 2",
    )
    check = post(client, third_class_males(CHECK_EVERY), model_version=2).json()["check"]
    assert check["model_version"] == 2
    assert 'drift_count_total{model_version="2"}' in client.get("/metrics").text


def test_an_oversized_batch_is_refused_whole(client):
    response = post(client, sample(1000, 12) + sample(1, 13))
    assert response.status_code == 413
    assert "at most 1000" in response.json()["error"]["message"]
    assert client.get("/drift/status").json()["window_observations"] == 0


def test_an_empty_batch_is_a_named_error(client):
    response = post(client, [])
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["observations"]

"""Feature push (pure logic, recording writer) and metrics pushed to a real Pushgateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.procs import Proc, free_port, wait_for_http
from titanic_common.features import RawPassenger, compute_features
from titanic_common.ingest.metrics import push_ingest_metrics, push_train_metrics
from titanic_common.ingest.push import push_features
from titanic_common.ingest.validate import validate_file


class RecordingWriter:
    """Stands in for FeatureStoreClient: keeps what it was asked to store."""

    def __init__(self) -> None:
        self.calls: list[list[dict]] = []

    def store_batch_features(self, rows: list[dict], batch_size: int = 1000) -> int:
        self.calls.append(rows)
        return len(rows)


def test_pushed_features_equal_the_feature_function_of_each_row(
    good_csv: Path, tmp_path: Path
) -> None:
    valid = tmp_path / "valid.csv"
    validate_file(good_csv, valid, tmp_path / "rejects.csv")
    writer = RecordingWriter()
    assert push_features(valid, writer, batch_size=1) == 4
    rows = {r["passenger_id"]: r for call in writer.calls for r in call}
    braund = RawPassenger(pclass=3, sex="male", age=22, sibsp=1, parch=0, fare=7.25,
                          embarked="S", name="Braund, Mr. Owen Harris")  # fmt: skip
    assert rows[1] == {"passenger_id": 1, **compute_features(braund).model_dump()}
    assert rows[4]["title"] == "Master" and rows[4]["age"] is None
    assert rows[2]["has_cabin"] == 1 and rows[3]["is_alone"] == 1


@pytest.fixture(scope="module")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    tmp = tmp_path_factory.mktemp("pgw")
    proc = Proc(
        "pushgateway",
        ["/usr/bin/prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}"],
        {},
        tmp / "pushgateway.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/-/ready", timeout=20, proc=proc.popen)
    yield url
    proc.stop()


def test_ingest_and_train_metrics_reach_the_pushgateway(pushgateway: str) -> None:
    assert push_ingest_metrics(pushgateway, rows_loaded=891, rows_rejected=3)
    assert push_train_metrics(pushgateway, now=1_700_000_000.0)
    text = httpx.get(f"{pushgateway}/metrics").text
    assert 'ingest_rows{instance="",job="titanic_ingest",status="loaded"} 891' in text
    assert 'ingest_rows{instance="",job="titanic_ingest",status="rejected"} 3' in text
    assert "ingest_last_success_timestamp_seconds{" in text
    assert 'train_last_success_timestamp_seconds{instance="",job="titanic_train"} 1.7e+09' in text


def test_metrics_are_skipped_without_url_and_survive_an_unreachable_gateway() -> None:
    assert push_ingest_metrics(None, 1, 0) is False
    assert push_ingest_metrics(f"http://127.0.0.1:{free_port()}", 1, 0) is False

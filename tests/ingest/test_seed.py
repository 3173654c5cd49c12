"""The seed command uploads a user's CSV unchanged, or the converted demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ingest.conftest import HEADER
from tests.support.procs import ROOT
from titanic_common.ingest.validate import validate_file
from titanic_common.storage import gcs_filesystem


def seed(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_user_file_unchanged_and_demo_data_keep_the_contract(
    gcs_emulator: dict[str, str], good_csv: Path, tmp_path: Path
) -> None:
    env = {**gcs_emulator, "GCS_PREFIX": "seed-test/"}
    fs = gcs_filesystem(env["GCS_PROJECT"], env["STORAGE_EMULATOR_HOST"])

    assert "gs://titanic-test/seed-test/good.csv" in seed(env, str(good_csv))
    assert fs.cat("titanic-test/seed-test/good.csv") == good_csv.read_bytes()

    seed(env)
    demo = tmp_path / "demo.csv"
    demo.write_bytes(fs.cat("titanic-test/seed-test/demo.csv"))
    assert demo.read_text().splitlines()[0] == HEADER
    summary = validate_file(demo, tmp_path / "valid.csv", tmp_path / "rejects.csv")
    assert (summary.rows_total, summary.rows_rejected) == (1309, 0)


def test_missing_file_is_a_clear_error(gcs_emulator: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), "/nonexistent.csv"],
        env={**os.environ, **gcs_emulator},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no such file: /nonexistent.csv" in done.stderr

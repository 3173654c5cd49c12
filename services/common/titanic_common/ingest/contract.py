"""The input CSV contract (Kaggle Titanic columns) as one pydantic model.

`PassengerRow` extends the feature code's `RawPassenger`, so a row that passes the
contract is always accepted by `compute_features`: the bounds live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from titanic_common.features import RawPassenger

# CSV column -> model field, in the order rows are written to PostgreSQL.
COLUMNS: dict[str, str] = {
    "PassengerId": "passenger_id",
    "Survived": "survived",
    "Pclass": "pclass",
    "Name": "name",
    "Sex": "sex",
    "Age": "age",
    "SibSp": "sibsp",
    "Parch": "parch",
    "Ticket": "ticket",
    "Fare": "fare",
    "Cabin": "cabin",
    "Embarked": "embarked",
}
OPTIONAL_COLUMNS = frozenset({"Survived"})
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)
FIELD_TO_COLUMN = {field: column for column, field in COLUMNS.items()}


class PassengerRow(RawPassenger):
    """One row of the input CSV; empty cells mean missing."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)

    passenger_id: int = Field(gt=0, le=2**31 - 1)
    survived: int | None = Field(default=None, ge=0, le=1)
    name: str = Field(min_length=1, max_length=200)
    ticket: str = Field(min_length=1, max_length=100)
    sibsp: int = Field(ge=0, le=20)
    parch: int = Field(ge=0, le=20)

    def as_record(self) -> tuple:
        """Values in `FIELDS` order, for COPY."""
        # The validated values without a serialisation pass: every field is a plain int,
        # float, str or None.
        values = self.__dict__
        return tuple(values[field] for field in FIELDS)


# Field order of validated files and of their COPY column list: the CSV contract's own
# column order, so a canonical source block can be written to the valid file unchanged.
FIELDS: tuple[str, ...] = tuple(COLUMNS.values())
assert set(FIELDS) == set(PassengerRow.model_fields)


def row_data(fields: Iterable[str | None], cells: Iterable[str]) -> dict[str, Any]:
    """Cells by field name; empty or blank cells are left out, which means missing."""
    return {
        f: c for f, c in zip(fields, cells, strict=True) if f is not None and c and not c.isspace()
    }


class HeaderError(ValueError):
    """The header breaks the contract; the whole file is refused."""


def map_header(header: list[str]) -> list[str | None]:
    """Field name for each header cell (None for extra columns), or HeaderError.

    Column names match case-insensitively and in any order.
    """
    by_lower = {c.lower(): c for c in COLUMNS}
    seen: set[str] = set()
    mapped: list[str | None] = []
    for cell in header:
        column = by_lower.get(cell.strip().lower())
        if column in seen:
            raise HeaderError(f"header repeats column {column}")
        if column:
            seen.add(column)
        mapped.append(COLUMNS[column] if column else None)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise HeaderError(f"header is missing required column(s): {', '.join(missing)}")
    return mapped


def describe_row_error(exc: ValidationError) -> str:
    """'Age: Input should be less than or equal to 120; Sex: ...' in CSV column names."""
    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "row"
        parts.append(f"{FIELD_TO_COLUMN.get(field, field)}: {err['msg']}")
    return "; ".join(parts)

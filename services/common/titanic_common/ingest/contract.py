"""The input CSV contract (Kaggle Titanic columns) as one pydantic model.

`PassengerRow` extends the feature code's `RawPassenger`, so a row that passes the
contract is always accepted by `compute_features`: the bounds live in one place.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

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
FIELDS: tuple[str, ...] = tuple(COLUMNS.values())
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

    @model_validator(mode="before")
    @classmethod
    def _empty_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (None if v is None or str(v).strip() == "" else v) for k, v in data.items()}
        return data

    def as_record(self) -> tuple:
        """Values in `FIELDS` order, for COPY."""
        return tuple(getattr(self, f) for f in FIELDS)


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

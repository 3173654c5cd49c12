"""Request and response models of the prediction routes.

A passenger is given either by raw attributes (the CSV contract's fields and ranges, via
titanic_common.features.RawPassenger) or by {"passenger_id": n}; which one is decided by
the presence of passenger_id, so a 422 names the wrong field, not a union branch.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from titanic_common.features import RawPassenger

MAX_BATCH = 1000
# Pydantic puts these in error locations; routes.predict strips them again.
BY_ID, BY_ATTRIBUTES = "by_passenger_id", "by_attributes"
UNION_TAGS = frozenset({BY_ID, BY_ATTRIBUTES})


class PassengerAttributes(RawPassenger):
    """A passenger by raw attributes; unknown fields are refused, not silently ignored."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "pclass": 1,
                    "sex": "female",
                    "age": 29,
                    "sibsp": 0,
                    "parch": 0,
                    "fare": 211.3,
                    "embarked": "S",
                    "name": "Allen, Miss. Elisabeth",
                }
            ]
        },
    )

    explain: bool = False


class PassengerRef(BaseModel):
    """A passenger known to the feature store."""

    model_config = ConfigDict(extra="forbid")

    passenger_id: int = Field(gt=0, le=2_147_483_647)
    explain: bool = False


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return BY_ID if "passenger_id" in value else BY_ATTRIBUTES
    return BY_ID if isinstance(value, PassengerRef) else BY_ATTRIBUTES


PredictRequest = Annotated[
    Annotated[PassengerRef, Tag(BY_ID)] | Annotated[PassengerAttributes, Tag(BY_ATTRIBUTES)],
    Discriminator(_kind),
]


class BatchPredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passengers: list[PredictRequest] = Field(min_length=1, max_length=MAX_BATCH)
    explain: bool = False


class ExplanationOut(BaseModel):
    """base_value + sum(contributions) = survival_probability (up to float32 rounding)."""

    base_value: float
    contributions: dict[str, float]


class PredictionOut(BaseModel):
    survival_probability: float = Field(ge=0, le=1)
    survived: bool
    model_version: int
    prediction_id: uuid.UUID
    explanation: ExplanationOut | None = None


class BatchPredictionOut(BaseModel):
    model_version: int
    predictions: list[PredictionOut]

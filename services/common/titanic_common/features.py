"""The one definition of passenger features, used by ingestion, training and serving.

Train/serve skew is designed out: every path turns a raw passenger (the CSV contract's
fields) into `PassengerFeatures` through `compute_features`, and nothing else.
Missing values stay missing here; imputation is a fitted step inside the model pipeline.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FEATURE_VIEW = "passenger_features"
FEATURE_VIEW_VERSION = 1

Sex = Literal["male", "female"]
Port = Literal["C", "Q", "S"]
Title = Literal["Mr", "Mrs", "Miss", "Master", "Rare"]

# Feature name -> (type, nullable). The feature store's view schema is built from this.
FEATURE_SCHEMA: dict[str, tuple[str, bool]] = {
    "pclass": ("int", False),
    "sex": ("string", False),
    "age": ("float", True),
    "fare": ("float", True),
    "embarked": ("string", True),
    "sibsp": ("int", False),
    "parch": ("int", False),
    "family_size": ("int", False),
    "is_alone": ("int", False),
    "has_cabin": ("int", False),
    "title": ("string", False),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURE_SCHEMA)
NUMERIC_FEATURES: tuple[str, ...] = ("age", "fare", "sibsp", "parch", "family_size")
CATEGORICAL_FEATURES: tuple[str, ...] = (
    "pclass",
    "sex",
    "embarked",
    "is_alone",
    "has_cabin",
    "title",
)

_TITLE_ALIASES = {"Mme": "Mrs", "Mrs": "Mrs", "Mlle": "Miss", "Ms": "Miss", "Miss": "Miss"}
_TITLE_RE = re.compile(r",\s*([^.]+)\.")


class RawPassenger(BaseModel):
    """A passenger as a person would describe them (the CSV contract's fields)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    pclass: int = Field(ge=1, le=3, description="Ticket class: 1, 2 or 3")
    sex: Sex
    age: float | None = Field(default=None, ge=0, le=120)
    sibsp: int = Field(default=0, ge=0, le=20, description="Siblings and spouses aboard")
    parch: int = Field(default=0, ge=0, le=20, description="Parents and children aboard")
    fare: float | None = Field(default=None, ge=0, le=10_000)
    embarked: Port | None = None
    name: str | None = Field(default=None, max_length=200)
    cabin: str | None = Field(default=None, max_length=100)


class PassengerFeatures(BaseModel):
    """passenger_features v1."""

    model_config = ConfigDict(extra="forbid")

    pclass: int = Field(ge=1, le=3)
    sex: Sex
    age: float | None = Field(default=None, ge=0, le=120)
    fare: float | None = Field(default=None, ge=0, le=10_000)
    embarked: Port | None = None
    sibsp: int = Field(ge=0, le=20)
    parch: int = Field(ge=0, le=20)
    family_size: int = Field(ge=1, le=41)
    is_alone: int = Field(ge=0, le=1)
    has_cabin: int = Field(ge=0, le=1)
    title: Title


def title_from_name(name: str | None, sex: str, age: float | None) -> str:
    """Mr/Mrs/Miss/Master from the honorific in 'Surname, Title. Given'; Rare otherwise.

    Without a name (the web form makes it optional) the title is inferred from sex and
    age the way the honorifics were used in 1912.
    """
    if name:
        match = _TITLE_RE.search(name)
        if match:
            raw = match.group(1).strip().split()[-1]
            if raw in ("Mr", "Master"):
                return raw
            return _TITLE_ALIASES.get(raw, "Rare")
    if sex == "male":
        return "Master" if age is not None and age < 13 else "Mr"
    return "Miss" if age is not None and age < 18 else "Mrs"


def compute_features(raw: RawPassenger) -> PassengerFeatures:
    """The feature function: raw passenger in, passenger_features v1 out."""
    family_size = raw.sibsp + raw.parch + 1
    return PassengerFeatures(
        pclass=raw.pclass,
        sex=raw.sex,
        age=raw.age,
        fare=raw.fare,
        embarked=raw.embarked,
        sibsp=raw.sibsp,
        parch=raw.parch,
        family_size=family_size,
        is_alone=int(family_size == 1),
        has_cabin=int(bool(raw.cabin)),
        title=title_from_name(raw.name, raw.sex, raw.age),
    )

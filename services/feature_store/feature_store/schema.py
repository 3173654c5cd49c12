"""Feature view definitions, and the typed encoding of their rows in Redis hashes.

A view version is immutable: its name, version, typed features and TTL never change once
registered. Values are stored one hash field per feature as text (int/float as their
shortest round-trip text, bool as 1/0, strings as UTF-8); a null is an absent field;
`_ts` holds the row's event timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal, NotRequired, Required

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from feature_store.keys import TIMESTAMP_FIELD
from titanic_common.features import FEATURE_SCHEMA, FEATURE_VIEW, FEATURE_VIEW_VERSION

ENTITY_KEY = "passenger_id"
EVENT_TIMESTAMP = "event_timestamp"
RESERVED_NAMES = frozenset({ENTITY_KEY, EVENT_TIMESTAMP})
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"

FeatureType = Literal["int", "float", "string", "bool"]

_PY_TYPES: dict[str, type] = {"int": int, "float": float, "string": str, "bool": bool}
Decoder = Callable[[bytes], Any]
_DECODERS: dict[str, Decoder] = {
    "int": int,
    "float": float,
    "string": bytes.decode,
    "bool": lambda raw: raw == b"1",
}


class FeatureSpec(BaseModel):
    """One feature of a view: its type and whether null is allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: FeatureType
    nullable: bool = False


class FeatureViewSpec(BaseModel):
    """A feature view version as registered: name, version, typed features, optional TTL."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    version: int = Field(ge=1, le=1_000_000)
    features: dict[str, FeatureSpec] = Field(min_length=1, max_length=500)
    ttl_seconds: int | None = Field(default=None, ge=1, le=10 * 365 * 86_400)
    description: str = Field(default="", max_length=1000)

    @field_validator("features")
    @classmethod
    def _check_feature_names(cls, value: dict[str, FeatureSpec]) -> dict[str, FeatureSpec]:
        import re

        for name in value:
            if not re.fullmatch(NAME_PATTERN, name) or name in RESERVED_NAMES:
                raise ValueError(
                    f"feature name {name!r} must match {NAME_PATTERN} and not be "
                    f"one of {sorted(RESERVED_NAMES)}"
                )
        return value


def builtin_view_spec() -> FeatureViewSpec:
    """passenger_features v1, straight from titanic_common.features.FEATURE_SCHEMA."""
    return FeatureViewSpec(
        name=FEATURE_VIEW,
        version=FEATURE_VIEW_VERSION,
        features={
            name: FeatureSpec(type=kind, nullable=nullable)  # type: ignore[arg-type]
            for name, (kind, nullable) in FEATURE_SCHEMA.items()
        },
        description="Passenger features computed by titanic_common.features.compute_features.",
    )


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RowError:
    """One problem in one pushed row."""

    row: int
    field: str
    message: str
    type: str

    def as_detail(self) -> dict:
        return {
            "field": f"rows.{self.row}.{self.field}",
            "row": self.row,
            "message": self.message,
            "type": self.type,
        }


@dataclass(frozen=True)
class EncodedRow:
    """A validated row ready for Redis: fields to set, null fields to delete."""

    entity_id: int
    mapping: dict[str, Any]
    nulls: tuple[str, ...]


@dataclass(frozen=True)
class FeatureView:
    """A registered view version with its row validator and codecs built once."""

    spec: FeatureViewSpec
    _decoders: tuple[tuple[str, bytes, Decoder], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        decoders = tuple(
            (name, name.encode(), _DECODERS[f.type]) for name, f in self.spec.features.items()
        )
        object.__setattr__(self, "_decoders", decoders)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def version(self) -> int:
        return self.spec.version

    @cached_property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.spec.features)

    @cached_property
    def _bool_features(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.spec.features.items() if f.type == "bool")

    @cached_property
    def _nullable_features(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.spec.features.items() if f.nullable)

    @cached_property
    def _rows_adapter(self) -> TypeAdapter:
        # A TypedDict validates to plain dicts: about half the cost of model instances.
        fields: dict[str, Any] = {
            ENTITY_KEY: Required[Annotated[int, Field(ge=0, le=2**53)]],
            EVENT_TIMESTAMP: NotRequired[Annotated[datetime | None, Field(strict=False)]],
        }
        for name, spec in self.spec.features.items():
            kind = _PY_TYPES[spec.type]
            fields[name] = NotRequired[kind | None] if spec.nullable else Required[kind]
        row_type = TypedDict(f"{self.name}_v{self.version}_row", fields)  # type: ignore[misc]
        row_type.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]
        return TypeAdapter(list[row_type])

    def validate_rows(
        self, rows: list[dict[str, Any]], now: datetime
    ) -> tuple[list[EncodedRow], list[RowError]]:
        """Check every row against the schema; encode them only if all are valid."""
        try:
            valid = self._rows_adapter.validate_python(rows)
        except ValidationError as exc:
            return [], [_row_error(err) for err in exc.errors()]
        errors = _duplicate_ids(row[ENTITY_KEY] for row in valid)
        if errors:
            return [], errors
        default_ts = format_timestamp(now)
        return [self._encode(row, default_ts) for row in valid], []

    def _encode(self, row: dict[str, Any], default_ts: str) -> EncodedRow:
        # hiredis writes int and float as their shortest round-trip text; only bool
        # needs mapping to 1/0 (the decoders mirror this). Nulls become deletions.
        entity_id = row.pop(ENTITY_KEY)
        stamp = row.pop(EVENT_TIMESTAMP, None)
        mapping = {k: v for k, v in row.items() if v is not None}
        for name in self._bool_features:
            if name in mapping:
                mapping[name] = int(mapping[name])
        nulls = tuple(n for n in self._nullable_features if n not in mapping)
        mapping[TIMESTAMP_FIELD] = format_timestamp(stamp) if stamp else default_ts
        return EncodedRow(entity_id, mapping, nulls)

    def decoders(self, names: Iterable[str] | None = None) -> list[tuple[bytes, Decoder]]:
        """(hash field, decoder) of the named features (default: all), in that order."""
        by_name = {name: (key, decoder) for name, key, decoder in self._decoders}
        return [by_name[n] for n in (self.feature_names if names is None else names)]

    def decode(self, raw: Mapping[bytes, bytes]) -> dict[str, Any]:
        """Typed features from an HGETALL answer; absent fields are null."""
        out: dict[str, Any] = {}
        for name, key, decoder in self._decoders:
            value = raw.get(key)
            out[name] = None if value is None else decoder(value)
        return out


def _row_error(err: Any) -> RowError:
    loc = err.get("loc", ())
    row = loc[0] if loc and isinstance(loc[0], int) else -1
    name = ".".join(str(p) for p in loc[1:]) or "row"
    message = err.get("msg", "")
    if err.get("type") == "extra_forbidden":
        message = f"unknown feature {name!r}"
    return RowError(row, name, message, err.get("type", "value_error"))


def _duplicate_ids(ids: Iterable[int]) -> list[RowError]:
    first_row: dict[int, int] = {}
    errors = []
    for index, entity_id in enumerate(ids):
        if entity_id in first_row:
            errors.append(
                RowError(
                    index,
                    ENTITY_KEY,
                    f"duplicate {ENTITY_KEY} {entity_id} (first at row {first_row[entity_id]})",
                    "duplicate_entity",
                )
            )
        else:
            first_row[entity_id] = index
    return errors

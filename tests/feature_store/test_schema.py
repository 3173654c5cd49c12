"""Row validation and typed encoding, without Redis or HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from feature_store.keys import TIMESTAMP_FIELD
from feature_store.schema import FeatureSpec, FeatureView, FeatureViewSpec, builtin_view_spec
from tests.feature_store.support import passenger_row
from titanic_common.features import FEATURE_SCHEMA

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
VIEW = FeatureView(builtin_view_spec())


def test_builtin_view_is_the_shared_feature_schema() -> None:
    spec = builtin_view_spec()
    assert (spec.name, spec.version) == ("passenger_features", 1)
    assert {n: (f.type, f.nullable) for n, f in spec.features.items()} == FEATURE_SCHEMA


def test_valid_row_is_encoded_with_nulls_separate() -> None:
    rows, errors = VIEW.validate_rows([passenger_row(7, age=None, embarked=None)], NOW)
    assert errors == []
    (row,) = rows
    assert row.entity_id == 7
    assert set(row.nulls) == {"age", "embarked"}
    assert "age" not in row.mapping
    assert row.mapping[TIMESTAMP_FIELD] == "2024-05-01T12:00:00Z"


def test_event_timestamp_is_kept_in_utc() -> None:
    stamped = passenger_row(1, event_timestamp="2020-01-02T03:04:05+02:00")
    rows, _ = VIEW.validate_rows([stamped], NOW)
    assert rows[0].mapping[TIMESTAMP_FIELD] == "2020-01-02T01:04:05Z"


@pytest.mark.parametrize(
    ("row", "field", "kind"),
    [
        (passenger_row(1, favourite_colour="red"), "favourite_colour", "extra_forbidden"),
        (passenger_row(1, pclass="1"), "pclass", "int_type"),
        (passenger_row(1, pclass=1.5), "pclass", "int_type"),
        (passenger_row(1, sex=0), "sex", "string_type"),
        (passenger_row(1, age="old"), "age", "float_type"),
        (passenger_row(1, title=None), "title", "string_type"),
        (
            {k: v for k, v in passenger_row(1).items() if k != "passenger_id"},
            "passenger_id",
            "missing",
        ),
        ({k: v for k, v in passenger_row(1).items() if k != "sex"}, "sex", "missing"),
        (passenger_row(-1), "passenger_id", "greater_than_equal"),
    ],
)
def test_schema_violation_names_row_and_field(row: dict, field: str, kind: str) -> None:
    rows, errors = VIEW.validate_rows([passenger_row(0), row], NOW)
    assert rows == []
    assert [(e.row, e.field, e.type) for e in errors] == [(1, field, kind)]


def test_duplicate_entity_ids_are_rejected_with_both_rows() -> None:
    rows, errors = VIEW.validate_rows([passenger_row(3), passenger_row(4), passenger_row(3)], NOW)
    assert rows == []
    assert [(e.row, e.field) for e in errors] == [(2, "passenger_id")]
    assert "first at row 0" in errors[0].message


def test_decode_restores_types() -> None:
    spec = FeatureViewSpec(
        name="typed",
        version=1,
        features={
            "i": FeatureSpec(type="int"),
            "f": FeatureSpec(type="float"),
            "s": FeatureSpec(type="string"),
            "b": FeatureSpec(type="bool"),
            "n": FeatureSpec(type="float", nullable=True),
        },
    )
    view = FeatureView(spec)
    raw = {b"i": b"3", b"f": b"2.5", b"s": b"x y", b"b": b"1"}
    assert view.decode(raw) == {"i": 3, "f": 2.5, "s": "x y", "b": True, "n": None}
    assert type(view.decode(raw)["i"]) is int


@pytest.mark.parametrize("name", ["passenger_id", "event_timestamp", "Bad", "_ts", "a-b"])
def test_view_spec_rejects_reserved_or_malformed_feature_names(name: str) -> None:
    with pytest.raises(ValidationError):
        FeatureViewSpec(name="v", version=1, features={name: FeatureSpec(type="int")})

"""Feast-shaped answers and feature references, without Redis or HTTP."""

from __future__ import annotations

import pytest

from feature_store.online import online_response, resolve_features
from feature_store.schema import FeatureView, builtin_view_spec
from titanic_common.errors import InvalidInputError

VIEW = FeatureView(builtin_view_spec())


def test_response_is_columnar_with_entity_column_first() -> None:
    raws = [{b"age": b"30.0", b"sex": b"male", b"_ts": b"2024-01-01T00:00:00Z"}, None]
    body = online_response(VIEW, [1, 2], ["age", "sex"], raws)
    assert body["metadata"]["feature_names"] == ["passenger_id", "age", "sex"]
    entity, age, sex = body["results"]
    assert entity["values"] == [1, 2]
    assert entity["statuses"] == ["PRESENT", "PRESENT"]
    assert age == {
        "values": [30.0, None],
        "statuses": ["PRESENT", "NOT_FOUND"],
        "event_timestamps": ["2024-01-01T00:00:00Z", None],
    }
    assert sex["values"] == ["male", None]


def test_a_null_feature_of_a_stored_entity_is_present() -> None:
    raws = [{b"sex": b"male", b"_ts": b"2024-01-01T00:00:00Z"}]
    body = online_response(VIEW, [1], ["age"], raws)
    assert body["results"][1]["values"] == [None]
    assert body["results"][1]["statuses"] == ["PRESENT"]


def test_features_accept_plain_names_and_feast_references() -> None:
    assert resolve_features(VIEW, ["age", "passenger_features:sex"]) == ["age", "sex"]
    assert resolve_features(VIEW, None) == list(VIEW.feature_names)


def test_unknown_or_foreign_features_name_their_position() -> None:
    with pytest.raises(InvalidInputError) as caught:
        resolve_features(VIEW, ["age", "height", "other_view:age"])
    assert caught.value.details["fields"] == ["features.1", "features.2"]

"""The Redis key layout is a contract with data already stored: pin it exactly."""

from feature_store import keys


def test_views_key() -> None:
    assert keys.views_key() == "fs:views"
    assert keys.view_field("passenger_features", 1) == "passenger_features:1"


def test_entity_key() -> None:
    assert keys.entity_key("passenger_features", 1, 42) == "fs:passenger_features:v1:e:42"
    assert keys.entity_key("passenger_features", 12, 0) == "fs:passenger_features:v12:e:0"


def test_index_and_expiry_keys() -> None:
    assert keys.index_key("passenger_features", 1) == "fs:passenger_features:v1:index"
    assert keys.expiry_key("passenger_features", 2) == "fs:passenger_features:v2:expiry"


def test_versions_never_share_keys() -> None:
    assert keys.entity_key("v", 1, 1) != keys.entity_key("v", 11, 1)
    assert keys.index_key("v", 1) != keys.index_key("v", 2)

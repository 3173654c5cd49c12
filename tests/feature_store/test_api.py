"""The feature store as its users see it: a real service process over a real Redis."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.feature_store.support import passenger_row, unique_view
from titanic_common.features import FEATURE_SCHEMA


def push(
    fs: httpx.Client, headers: dict, rows: list[dict], view: str = "passenger_features", **extra
) -> httpx.Response:
    return fs.post("/push", json={"feature_view": view, "rows": rows, **extra}, headers=headers)


def lookup(fs: httpx.Client, ids: list[int], view: str = "passenger_features", **extra) -> dict:
    body = {"feature_view": view, "entities": {"passenger_id": ids}, **extra}
    response = fs.post("/get-online-features", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def register(
    fs: httpx.Client, headers: dict, name: str, features: dict, version: int = 1, **extra
) -> httpx.Response:
    body = {"name": name, "version": version, "features": features, **extra}
    return fs.post("/feature-views", json=body, headers=headers)


def test_builtin_view_is_registered_at_start(fs: httpx.Client) -> None:
    views = fs.get("/feature-views").json()["feature_views"]
    builtin = next(v for v in views if v["name"] == "passenger_features" and v["version"] == 1)
    schema = {n: (f["type"], f["nullable"]) for n, f in builtin["features"].items()}
    assert schema == FEATURE_SCHEMA


def test_single_round_trip_preserves_types_and_nulls(fs: httpx.Client, admin_headers) -> None:
    row = passenger_row(101, age=None, fare=7.0, embarked=None)
    assert push(fs, admin_headers, [row]).json() == {"written": 1}
    body = fs.get("/feature-views/passenger_features/entities/101").json()
    features = body["features"]
    assert features == {k: v for k, v in row.items() if k != "passenger_id"}
    assert type(features["pclass"]) is int and type(features["fare"]) is float
    assert body["event_timestamp"].endswith("Z")


def test_absent_entity_is_a_json_404(fs: httpx.Client) -> None:
    response = fs.get("/feature-views/passenger_features/entities/987654321")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_batch_lookup_marks_missing_entities_not_found(fs: httpx.Client, admin_headers) -> None:
    push(fs, admin_headers, [passenger_row(i) for i in (201, 202, 203)]).raise_for_status()
    body = lookup(fs, [201, 999_999, 203])
    assert body["metadata"]["feature_names"] == ["passenger_id", *FEATURE_SCHEMA]
    entity, *columns = body["results"]
    assert entity["values"] == [201, 999_999, 203]
    for column in columns:
        assert column["statuses"] == ["PRESENT", "NOT_FOUND", "PRESENT"]
    ages = dict(zip(body["metadata"]["feature_names"], body["results"], strict=True))["age"]
    assert ages["values"] == [passenger_row(201)["age"], None, passenger_row(203)["age"]]


def test_lookup_of_selected_features_by_feast_reference(fs: httpx.Client, admin_headers) -> None:
    push(fs, admin_headers, [passenger_row(301)]).raise_for_status()
    body = lookup(fs, [301], features=["passenger_features:sex", "title"])
    assert body["metadata"]["feature_names"] == ["passenger_id", "sex", "title"]
    assert [c["values"][0] for c in body["results"]] == [301, "female", "Mrs"]


def test_unknown_feature_in_lookup_is_422(fs: httpx.Client) -> None:
    body = {
        "feature_view": "passenger_features",
        "features": ["height"],
        "entities": {"passenger_id": [1]},
    }
    response = fs.post("/get-online-features", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["features.0"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (passenger_row(402, height=1.8), "rows.1.height"),
        (passenger_row(402, pclass="first"), "rows.1.pclass"),
        (passenger_row(402, is_alone=True), "rows.1.is_alone"),
        (passenger_row(402, sex=None), "rows.1.sex"),
        (
            {k: v for k, v in passenger_row(402).items() if k != "passenger_id"},
            "rows.1.passenger_id",
        ),
        (passenger_row(401), "rows.1.passenger_id"),
    ],
    ids=["unknown", "wrong-type", "bool-for-int", "null-required", "missing-id", "duplicate-id"],
)
def test_rejected_push_names_row_and_field_and_writes_nothing(
    fs: httpx.Client, admin_headers, bad: dict, field: str
) -> None:
    before = fs.get("/feature-views/passenger_features").json()["entities"]
    response = push(fs, admin_headers, [passenger_row(401), bad])
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]["fields"]
    assert fs.get("/feature-views/passenger_features/entities/401").status_code == 404
    assert fs.get("/feature-views/passenger_features").json()["entities"] == before


def test_push_needs_the_admin_token(fs: httpx.Client) -> None:
    response = fs.post(
        "/push", json={"feature_view": "passenger_features", "rows": [passenger_row(1)]}
    )
    assert response.status_code == 401
    bad = {"Authorization": "Bearer not-the-token"}
    assert push(fs, bad, [passenger_row(1)]).status_code == 401


def test_paging_returns_each_of_10000_ids_exactly_once(fs: httpx.Client, admin_headers) -> None:
    view = unique_view("paging")
    register(fs, admin_headers, view, {"x": {"type": "int"}}).raise_for_status()
    ids = list(range(5, 50_005, 5))  # 10 000 ids, not contiguous
    assert push(fs, admin_headers, [{"passenger_id": i, "x": i} for i in ids], view).json() == {
        "written": 10_000
    }
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 777, **({"cursor": cursor} if cursor else {})}
        page = fs.get(f"/feature-views/{view}/entities", params=params).json()
        assert page["total"] == 10_000
        seen += page["entity_ids"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert pages == 13


def test_export_streams_exactly_what_was_pushed(fs: httpx.Client, admin_headers) -> None:
    view = unique_view("export")
    features = {
        "n": {"type": "int"},
        "f": {"type": "float", "nullable": True},
        "s": {"type": "string"},
        "b": {"type": "bool"},
    }
    register(fs, admin_headers, view, features).raise_for_status()
    rows = [
        {
            "passenger_id": i,
            "n": -i,
            "f": None if i % 7 == 0 else i / 3,
            "s": f"é{i}",
            "b": i % 2 == 0,
            "event_timestamp": "2024-03-01T10:00:00Z",
        }
        for i in range(1, 1201)  # more than one export page
    ]
    push(fs, admin_headers, rows, view).raise_for_status()
    with fs.stream("GET", f"/feature-views/{view}/export") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        exported = [
            httpx.Response(200, content=line).json() for line in response.iter_lines() if line
        ]
    expected = [{**r, "event_timestamp": "2024-03-01T10:00:00Z"} for r in rows]
    assert exported == expected


def test_registering_a_view_is_idempotent_and_conflicts_on_new_schema(
    fs: httpx.Client, admin_headers
) -> None:
    view = unique_view("versions")
    assert register(fs, admin_headers, view, {"a": {"type": "int"}}).status_code == 201
    assert register(fs, admin_headers, view, {"a": {"type": "int"}}).status_code == 201
    conflict = register(fs, admin_headers, view, {"a": {"type": "float"}})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict"
    assert register(fs, admin_headers, view, {"a": {"type": "float"}}, version=2).status_code == 201
    detail = fs.get(f"/feature-views/{view}").json()
    assert (detail["version"], detail["versions"]) == (2, [1, 2])
    # Pushes go to the latest version (float) unless told otherwise; v1 still takes ints.
    assert push(fs, admin_headers, [{"passenger_id": 1, "a": 1.5}], view).status_code == 200
    v1 = push(fs, admin_headers, [{"passenger_id": 1, "a": 1.5}], view, feature_view_version=1)
    assert v1.status_code == 422


def test_registration_needs_the_admin_token(fs: httpx.Client) -> None:
    body = {"name": unique_view("noauth"), "version": 1, "features": {"a": {"type": "int"}}}
    assert fs.post("/feature-views", json=body).status_code == 401


def test_unknown_view_is_404(fs: httpx.Client, admin_headers) -> None:
    assert fs.get("/feature-views/no_such_view").status_code == 404
    assert push(fs, admin_headers, [{"passenger_id": 1}], "no_such_view").status_code == 404


def test_ttl_expires_rows_and_their_index_entries(fs: httpx.Client, admin_headers) -> None:
    view = unique_view("ttl")
    register(fs, admin_headers, view, {"a": {"type": "int"}}, ttl_seconds=1).raise_for_status()
    push(fs, admin_headers, [{"passenger_id": 1, "a": 1}], view).raise_for_status()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = lookup(fs, [1], view)["results"][1]["statuses"][0]
        if status == "NOT_FOUND":
            break
        time.sleep(0.25)
    assert status == "NOT_FOUND"
    page = fs.get(f"/feature-views/{view}/entities").json()
    assert page == {"entity_ids": [], "next_cursor": None, "total": 0}


def test_push_above_10000_rows_is_422_naming_rows(fs: httpx.Client, admin_headers) -> None:
    rows = [{"passenger_id": i} for i in range(10_001)]
    response = push(fs, admin_headers, rows)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["rows"]


def test_lookup_above_10000_ids_is_422_naming_the_ids(fs: httpx.Client) -> None:
    body = {"feature_view": "passenger_features", "entities": {"passenger_id": list(range(10_001))}}
    response = fs.post("/get-online-features", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["entities.passenger_id"]


def test_oversized_body_is_413(fs: httpx.Client, admin_headers) -> None:
    body = b'{"feature_view": "passenger_features", "rows": [' + b" " * 9_000_000 + b"]}"
    response = fs.post(
        "/push", content=body, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_bad_cursor_is_422(fs: httpx.Client) -> None:
    response = fs.get("/feature-views/passenger_features/entities", params={"cursor": "abc"})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == ["cursor"]


def metric(fs: httpx.Client, line_prefix: str) -> float:
    for line in fs.get("/metrics").text.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_rows_lookups_and_entities(fs: httpx.Client, admin_headers) -> None:
    written = metric(fs, "feature_store_rows_written_total")
    present = metric(fs, 'feature_store_lookups_total{status="PRESENT"}')
    missing = metric(fs, 'feature_store_lookups_total{status="NOT_FOUND"}')
    push(fs, admin_headers, [passenger_row(501), passenger_row(502)]).raise_for_status()
    lookup(fs, [501, 502, 888_888])
    assert metric(fs, "feature_store_rows_written_total") == written + 2
    assert metric(fs, 'feature_store_lookups_total{status="PRESENT"}') == present + 2
    assert metric(fs, 'feature_store_lookups_total{status="NOT_FOUND"}') == missing + 1
    entities = metric(fs, 'feature_store_entities{feature_view="passenger_features"}')
    assert entities == fs.get("/feature-views/passenger_features").json()["entities"]


def test_readiness_reports_redis(fs: httpx.Client) -> None:
    body = fs.get("/readyz").json()
    assert body == {"ready": True, "checks": {"redis": {"ok": True, "detail": "ok"}}}

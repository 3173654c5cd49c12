"""Request and response bodies of the feature-store API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from feature_store.schema import ENTITY_KEY, NAME_PATTERN, FeatureSpec, FeatureViewSpec

MAX_ROWS = 10_000
MAX_IDS = 10_000

Status = Literal["PRESENT", "NOT_FOUND"]


class PushRequest(BaseModel):
    """Rows to write: passenger_id, every feature, optional event_timestamp (ISO 8601)."""

    model_config = ConfigDict(extra="forbid")

    feature_view: str = Field(pattern=NAME_PATTERN)
    feature_view_version: int | None = Field(default=None, ge=1, description="default: latest")
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)


class PushResponse(BaseModel):
    written: int


class Entities(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passenger_id: list[int] = Field(min_length=1, max_length=MAX_IDS)


class OnlineFeaturesRequest(BaseModel):
    """Feast-style lookup: which view, which features (default all), which entities."""

    model_config = ConfigDict(extra="forbid")

    feature_view: str = Field(pattern=NAME_PATTERN)
    feature_view_version: int | None = Field(default=None, ge=1, description="default: latest")
    features: list[str] | None = Field(
        default=None,
        min_length=1,
        description='feature names, plain ("age") or Feast references ("view:age")',
    )
    entities: Entities


class FeatureColumn(BaseModel):
    values: list[Any]
    statuses: list[Status]
    event_timestamps: list[str | None]


class OnlineFeaturesMetadata(BaseModel):
    feature_names: list[str]


class OnlineFeaturesResponse(BaseModel):
    """Columnar like Feast: one result per feature name, the entity key first."""

    metadata: OnlineFeaturesMetadata
    results: list[FeatureColumn]


class EntityResponse(BaseModel):
    feature_view: str
    feature_view_version: int
    passenger_id: int
    features: dict[str, Any]
    event_timestamp: str | None


class EntityPage(BaseModel):
    entity_ids: list[int]
    next_cursor: str | None
    total: int


class RegisterViewRequest(FeatureViewSpec):
    """A new view version: name, version, features {name: {type, nullable}}, ttl_seconds."""


class FeatureViewInfo(BaseModel):
    name: str
    version: int
    features: dict[str, FeatureSpec]
    ttl_seconds: int | None
    description: str
    entity_key: str = ENTITY_KEY


class FeatureViewDetail(FeatureViewInfo):
    versions: list[int]
    entities: int


class FeatureViewList(BaseModel):
    feature_views: list[FeatureViewInfo]

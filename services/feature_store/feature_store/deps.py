"""Dependencies: the registry, the store and the admin check, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from feature_store.registry import ViewRegistry
from feature_store.settings import get_settings
from feature_store.store import OnlineStore
from titanic_common.auth import admin_dependency


def get_registry(request: Request) -> ViewRegistry:
    return request.app.state.registry


def get_store(request: Request) -> OnlineStore:
    return request.app.state.store


RegistryDep = Annotated[ViewRegistry, Depends(get_registry)]
StoreDep = Annotated[OnlineStore, Depends(get_store)]
require_admin = admin_dependency(lambda: get_settings().ADMIN_TOKEN)

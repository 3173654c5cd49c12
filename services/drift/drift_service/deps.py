"""Dependencies of the drift routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from drift_service.monitor import DriftMonitor
from drift_service.settings import get_settings
from titanic_common.auth import admin_dependency, bearer_dependency


def get_monitor(request: Request) -> DriftMonitor:
    """The monitor built in the lifespan."""
    return request.app.state.monitor


MonitorDep = Annotated[DriftMonitor, Depends(get_monitor)]
AdminDep = Depends(admin_dependency(lambda: get_settings().ADMIN_TOKEN))
# POST /observations: the model service's feed sends SERVICE_TOKEN (or ADMIN_TOKEN).
ServiceDep = Depends(
    bearer_dependency(lambda: (get_settings().ADMIN_TOKEN, get_settings().SERVICE_TOKEN))
)

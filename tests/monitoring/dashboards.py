"""The provisioned Grafana dashboards, read through pydantic models of the parts we use."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tests.monitoring.promql import GRAFANA_DIR

DASHBOARD_DIR = GRAFANA_DIR / "dashboards"


class DataSourceRef(BaseModel):
    type: str
    uid: str


class Target(BaseModel):
    model_config = ConfigDict(extra="allow")

    refId: str = Field(pattern=r"^[A-Z]$")  # Grafana field names are camelCase
    expr: str = Field(min_length=1)
    datasource: DataSourceRef
    instant: bool = False


class GridPos(BaseModel):
    h: int = Field(gt=0)
    w: int = Field(gt=0, le=24)
    x: int = Field(ge=0, lt=24)
    y: int = Field(ge=0)


class Panel(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    type: str
    title: str = Field(min_length=1)
    datasource: DataSourceRef
    gridPos: GridPos
    targets: list[Target] = Field(min_length=1)


class Dashboard(BaseModel):
    model_config = ConfigDict(extra="allow")

    uid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    title: str = Field(min_length=1)
    schemaVersion: int = Field(ge=30)
    tags: list[str]
    panels: list[Panel] = Field(min_length=1)


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARD_DIR.glob("*.json"))


def load_dashboard(path: Path) -> Dashboard:
    return Dashboard.model_validate_json(path.read_text())


def all_targets() -> list[tuple[str, str, Target]]:
    """(dashboard title, panel title, target) for every query of every dashboard."""
    found = []
    for path in dashboard_files():
        board = load_dashboard(path)
        for panel in board.panels:
            found.extend((board.title, panel.title, target) for target in panel.targets)
    return found

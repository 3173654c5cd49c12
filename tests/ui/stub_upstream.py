"""A small real HTTP app that answers like the model and drift services.

Started as its own uvicorn process so the UI is tested over real sockets. The shapes
follow the contracts in ARCHITECTURE.md and the issue briefs.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

VERSION = "7"
ROC_POINTS = [
    {"fpr": 0.0, "tpr": 0.0, "threshold": 1.0},
    {"fpr": 0.05, "tpr": 0.55, "threshold": 0.8},
    {"fpr": 0.12, "tpr": 0.74, "threshold": 0.6},
    {"fpr": 0.25, "tpr": 0.86, "threshold": 0.4},
    {"fpr": 0.5, "tpr": 0.95, "threshold": 0.2},
    {"fpr": 1.0, "tpr": 1.0, "threshold": 0.0},
]
CALIBRATION = [
    {
        "bin_lower": i / 5,
        "bin_upper": (i + 1) / 5,
        "mean_predicted": m,
        "fraction_positive": f,
        "count": n,
    }
    for i, (m, f, n) in enumerate(
        [(0.08, 0.1, 90), (0.3, 0.27, 40), (0.5, 0.55, 25), (0.7, 0.66, 30), (0.9, 0.93, 45)]
    )
]
METRICS = {
    "cv_accuracy_mean": 0.823,
    "cv_accuracy_std": 0.021,
    "holdout_accuracy": 0.817,
    "roc_auc": 0.874,
    "f1": 0.76,
    "brier": 0.134,
    "confusion_matrix": [[140, 22], [26, 74]],
    "calibration_bins": CALIBRATION,
    "roc_points": ROC_POINTS,
}
PRODUCTION = {
    "version": int(VERSION),
    "status": "production",
    "created_at": "2026-11-20T10:00:00Z",
    "promoted_at": "2026-11-20T10:05:00Z",
    "algorithm": "random_forest",
    "metrics": METRICS,
    "training_rows": 1047,
    "ingestion_run_id": 3,
    "feature_view": "passenger_features",
    "feature_view_version": 1,
    "status_reason": None,
}
ARCHIVED = {
    **PRODUCTION,
    "version": "6",
    "status": "archived",
    "promoted_at": None,
    "created_at": "2026-11-19T09:00:00Z",
    "metrics": {"cv_accuracy_mean": 0.80, "holdout_accuracy": 0.79, "roc_auc": 0.85},
}
P_VALUES = {
    "age": 0.41,
    "fare": 0.012,
    "pclass": 0.33,
    "sex": 0.78,
    "embarked": 0.21,
    "sibsp": 0.64,
    "parch": 0.9,
    "family_size": 0.55,
    "is_alone": 0.47,
    "has_cabin": 0.08,
    "title": 0.36,
}


UNTRAINED_PREFIX = "/untrained"


def build_app() -> FastAPI:
    """The stub; under /untrained it plays a model service before any training."""
    app = _stub(no_model=False)
    app.mount(UNTRAINED_PREFIX, _stub(no_model=True))
    return app


def _stub(no_model: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def read_health() -> dict:
        """Liveness."""
        return {"status": "ok", "service": "stub"}

    @app.post("/predict")
    async def predict(body: dict, explain: bool = False) -> JSONResponse:
        """Probability rises for women and first class, like the real model."""
        if no_model or body.get("name") == "Outage, Mr. Simulated":
            error = {"code": "dependency_unavailable", "message": "no production model yet"}
            return JSONResponse({"error": error}, status_code=503)
        if explain and body.get("name") == "Unexplained, Mr. Model":
            error = {"code": "explanation_unavailable", "message": "cannot explain"}
            return JSONResponse({"error": error}, status_code=409)
        if body.get("name") == "Reject, Mr. Upstream":
            errors = [{"field": "age", "message": "too old for this model", "type": "less_than"}]
            error = {
                "code": "validation_error",
                "message": "invalid input: age",
                "details": {"fields": ["age"], "errors": errors},
            }
            return JSONResponse({"error": error}, status_code=422)
        p = 0.2 + 0.5 * (body.get("sex") == "female") + 0.1 * (3 - int(body.get("pclass", 3)))
        contributions = {
            "sex": 0.25 if body.get("sex") == "female" else -0.2,
            "pclass": 0.1 * (2 - int(body.get("pclass", 3))),
            "age": -0.03,
            "fare": 0.02,
            "title": 0.05,
        }
        return JSONResponse(
            {
                "survival_probability": round(min(p, 0.97), 3),
                "survived": p >= 0.5,
                "model_version": int(VERSION),
                "prediction_id": "7f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f",
                "explanation": {"base_value": 0.38, "contributions": contributions}
                if explain
                else None,
            }
        )

    @app.get("/models")
    async def list_models() -> list[dict]:
        """Newest first."""
        return [] if no_model else [PRODUCTION, ARCHIVED]

    @app.get("/models/production")
    async def read_production() -> JSONResponse:
        """The production version (404 before any training)."""
        if no_model:
            error = {"code": "not_found", "message": "no production model"}
            return JSONResponse({"error": error}, status_code=404)
        return JSONResponse(PRODUCTION)

    @app.get("/drift/status")
    async def read_status() -> dict:
        """Drift on fare."""
        return {
            "is_drift": True,
            "p_values": P_VALUES,
            "threshold": 0.05,
            "window_observations": 180,
            "window_size": 200,
            "reference_version": int(VERSION),
            "reference_rows": 1047,
            "detector": "ks",
            "checked_at": "2026-11-26T12:00:00Z",
        }

    @app.get("/drift/events")
    async def list_events(limit: int = Query(20), before_id: int | None = None) -> dict:
        """Two checks, newest first."""
        events = [
            {
                "id": 2,
                "checked_at": "2026-11-26T12:00:00Z",
                "model_version": int(VERSION),
                "window_size": 200,
                "detector": "ks",
                "p_values": P_VALUES,
                "threshold": 0.05,
                "is_drift": True,
            },
            {
                "id": 1,
                "checked_at": "2026-11-25T12:00:00Z",
                "model_version": int(VERSION),
                "window_size": 200,
                "detector": "ks",
                "p_values": {"age": 0.5, "fare": 0.4},
                "threshold": 0.05,
                "is_drift": False,
            },
        ]
        return {"events": events[:limit], "next_before_id": None}

    @app.get("/drift/reference/summary")
    async def read_summary() -> dict:
        """The drift service's ReferenceSummary: counts per labelled bin."""
        features = {
            "fare": {
                "kind": "numeric",
                "bins": ["0-7.75", "7.75-10.5", "10.5-26", "26-52", "52-512", "missing"],
                "edges": [0, 7.75, 10.5, 26, 52, 512],
                "reference": [260, 210, 200, 190, 187, 1],
                "current": [20, 25, 40, 55, 40, 0],
            },
            "sex": {
                "kind": "categorical",
                "bins": ["female", "male"],
                "reference": [372, 675],
                "current": [80, 100],
            },
        }
        return {
            "reference_version": int(VERSION),
            "reference_rows": 1047,
            "window_observations": 180,
            "features": features,
        }

    return app


def command(port: int) -> list[str]:
    """argv that serves this stub on 127.0.0.1:port."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.ui.stub_upstream:build_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]

"""One training run, end to end: data -> search -> evaluation -> artifacts -> registry
-> promotion gate. The CLI and the HTTP job both call `train_and_register`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from pydantic import BaseModel
from sklearn.pipeline import Pipeline

from model_service import registry
from model_service.artifacts import filesystem_for, publish_artifacts, version_uri
from model_service.dataset import FeatureSource, TrainingSet, check_trainable, load_training_set
from model_service.evaluation import cv_accuracy, holdout_metrics, holdout_split
from model_service.inference import OnnxModel
from model_service.onnx_io import to_onnx
from model_service.promotion import PromotionPolicy, decide_promotion
from model_service.settings import Settings
from model_service.training import (
    ALGORITHM,
    PipelineFactory,
    TrainConfig,
    build_pipeline,
    model_params,
    search_model,
)
from titanic_common.features import FEATURE_VIEW, FEATURE_VIEW_VERSION
from titanic_common.logging import get_logger

log = get_logger(__name__)

Progress = Callable[[str], None]
ONNX_TOLERANCE = 1e-5


class TrainResult(BaseModel):
    version: int
    promoted: bool
    reason: str
    metrics: dict[str, Any]


@dataclass(frozen=True)
class Evaluated:
    pipeline: Pipeline
    params: dict[str, Any]
    metrics: dict[str, Any]
    holdout_ids: np.ndarray


def _quiet(_: str) -> None:
    pass


def fit_and_evaluate(
    data: TrainingSet,
    config: TrainConfig,
    make_pipeline_: PipelineFactory = build_pipeline,
    progress: Progress = _quiet,
) -> Evaluated:
    """Search on the development rows, report repeated CV, score the untouched holdout."""
    dev, holdout = holdout_split(data.y, config)
    progress(f"searching {len(dev)} development rows")
    fitted = search_model(data.frame.iloc[dev], data.y[dev], config, make_pipeline_)
    progress("cross-validating the chosen settings")
    mean, std = cv_accuracy(fitted.pipeline, data.frame, data.y, config)
    progress(f"scoring {len(holdout)} holdout rows")
    proba = fitted.pipeline.predict_proba(data.frame.iloc[holdout])[:, 1]
    metrics = {
        "cv_accuracy_mean": mean,
        "cv_accuracy_std": std,
        "cv_folds": config.cv_folds,
        "cv_repeats": config.cv_repeats,
        "cv_rows": len(data.y),
        **holdout_metrics(data.frame.iloc[holdout], data.y[holdout], proba),
        "development_rows": len(dev),
    }
    return Evaluated(fitted.pipeline, model_params(config, fitted), metrics, data.ids[holdout])


def export_onnx(evaluated: Evaluated, data: TrainingSet) -> bytes:
    """ONNX bytes, refused if they disagree with the sklearn pipeline on any training row."""
    onnx_bytes = to_onnx(evaluated.pipeline)
    sklearn_proba = evaluated.pipeline.predict_proba(data.frame)[:, 1]
    diff = float(
        np.abs(OnnxModel(onnx_bytes).predict_proba_frame(data.frame) - sklearn_proba).max()
    )
    if diff > ONNX_TOLERANCE:
        raise RuntimeError(f"ONNX export differs from sklearn by {diff:.2e} > {ONNX_TOLERANCE}")
    return onnx_bytes


def config_from(settings: Settings) -> TrainConfig:
    return TrainConfig(
        seed=settings.TRAIN_SEED,
        n_estimators=settings.TRAIN_N_ESTIMATORS,
        n_jobs=settings.TRAIN_N_JOBS,
        cv_repeats=settings.TRAIN_CV_REPEATS,
    )


def policy_from(settings: Settings) -> PromotionPolicy:
    return PromotionPolicy(
        tolerance=settings.PROMOTION_TOLERANCE,
        min_holdout_accuracy=settings.MIN_HOLDOUT_ACCURACY,
        min_roc_auc=settings.MIN_ROC_AUC,
    )


def register_and_gate(
    settings: Settings, data: TrainingSet, evaluated: Evaluated, onnx_bytes: bytes
) -> TrainResult:
    """Publish artifacts, register a candidate, then promote it if the gate allows."""
    fs = filesystem_for(
        settings.MODEL_ARTIFACT_URI, settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST
    )

    def publish(version: int) -> tuple[str, str]:
        uri = version_uri(settings.MODEL_ARTIFACT_URI, version)
        return uri, publish_artifacts(uri, onnx_bytes, evaluated.pipeline, fs)

    new = registry.NewVersion(
        algorithm=ALGORITHM,
        params=evaluated.params,
        metrics=evaluated.metrics,
        feature_view=FEATURE_VIEW,
        feature_view_version=FEATURE_VIEW_VERSION,
        training_rows=int(evaluated.metrics["development_rows"]),
        ingestion_run_id=data.ingestion_run_id,
    )
    with psycopg.connect(settings.DATABASE_URL, connect_timeout=5, autocommit=True) as conn:
        version = registry.register_version(conn, new, publish)
        production = registry.get_production(conn)
        decision = decide_promotion(
            evaluated.metrics, production.metrics if production else None, policy_from(settings)
        )
        if decision.promote:
            registry.promote(conn, version, decision.reason)
        else:
            registry.record_reason(conn, version, f"not promoted: {decision.reason}")
    log.info("training_done", version=version, promoted=decision.promote, reason=decision.reason)
    return TrainResult(
        version=version,
        promoted=decision.promote,
        reason=decision.reason,
        metrics=evaluated.metrics,
    )


def train_and_register(
    settings: Settings,
    source: FeatureSource,
    config: TrainConfig | None = None,
    progress: Progress = _quiet,
) -> TrainResult:
    """The whole run; raises TrainingDataError when the data cannot train a model."""
    config = config or config_from(settings)
    progress("loading labels and features")
    data = load_training_set(settings.DATABASE_URL, source)
    check_trainable(data, settings.TRAIN_MIN_ROWS, min_per_class=2 * config.cv_folds)
    evaluated = fit_and_evaluate(data, config, progress=progress)
    progress("exporting ONNX")
    onnx_bytes = export_onnx(evaluated, data)
    progress("registering")
    return register_and_gate(settings, data, evaluated, onnx_bytes)

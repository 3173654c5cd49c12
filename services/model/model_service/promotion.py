"""The promotion gate: production only for a candidate that is good enough and not worse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field


class PromotionPolicy(BaseModel):
    tolerance: float = Field(default=0.01, ge=0, le=1)
    min_holdout_accuracy: float = Field(default=0.75, ge=0, le=1)
    min_roc_auc: float = Field(default=0.80, ge=0, le=1)


class PromotionDecision(BaseModel):
    promote: bool
    reason: str


def decide_promotion(
    metrics: Mapping[str, Any],
    production_metrics: Mapping[str, Any] | None,
    policy: PromotionPolicy,
) -> PromotionDecision:
    """Promote only if holdout accuracy and ROC AUC pass the bounds and holdout accuracy
    is at most `tolerance` below production's."""
    accuracy = float(metrics["holdout_accuracy"])
    auc = float(metrics["roc_auc"])
    if accuracy < policy.min_holdout_accuracy:
        return PromotionDecision(
            promote=False,
            reason=f"holdout_accuracy {accuracy:.4f} < minimum {policy.min_holdout_accuracy:.4f}",
        )
    if auc < policy.min_roc_auc:
        return PromotionDecision(
            promote=False, reason=f"roc_auc {auc:.4f} < minimum {policy.min_roc_auc:.4f}"
        )
    if production_metrics is None:
        return PromotionDecision(promote=True, reason="first model passing the minimum bounds")
    floor = float(production_metrics["holdout_accuracy"]) - policy.tolerance
    if accuracy < floor:
        return PromotionDecision(
            promote=False,
            reason=(
                f"holdout_accuracy {accuracy:.4f} < production's "
                f"{production_metrics['holdout_accuracy']:.4f} - tolerance {policy.tolerance:.4f}"
            ),
        )
    return PromotionDecision(
        promote=True,
        reason=(
            f"holdout_accuracy {accuracy:.4f} within {policy.tolerance:.4f} of or above "
            f"production's {production_metrics['holdout_accuracy']:.4f}"
        ),
    )

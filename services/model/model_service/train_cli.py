"""`titanic-train`: one training run from the command line; prints the result as JSON.

Exit status: 0 trained (promoted or not), 2 bad configuration or data, 3 a dependency
is down, 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import closing

from model_service.dataset import ComputedFeatures, FeatureSource, feature_store_source
from model_service.settings import get_settings
from model_service.train_run import train_and_register
from titanic_common.errors import AppError, DependencyUnavailableError
from titanic_common.logging import configure_logging, get_logger

log = get_logger(__name__)


def demo_source() -> FeatureSource:
    """Features computed in-process from the demo passengers (no feature store needed)."""
    from titanic_common.demo_data import load_demo_passengers

    return ComputedFeatures(load_demo_passengers())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="titanic-train", description=__doc__)
    parser.add_argument(
        "--features-from",
        choices=["feature-store", "demo"],
        default="feature-store",
        help="feature source (labels always come from PostgreSQL)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = get_settings()
    configure_logging("train", settings.LOG_LEVEL)
    source = demo_source() if args.features_from == "demo" else feature_store_source(settings)
    try:
        with closing(source):
            result = train_and_register(
                settings, source, progress=lambda message: log.info("progress", step=message)
            )
    except DependencyUnavailableError as exc:
        print(f"training failed: {exc.message}", file=sys.stderr)
        return 3
    except AppError as exc:
        print(f"training failed: {exc.message}", file=sys.stderr)
        return 2
    print(result.model_dump_json(indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

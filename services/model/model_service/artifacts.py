"""Model artifacts in the bucket: {MODEL_ARTIFACT_URI}/v{version}/{model.onnx,
pipeline.joblib, manifest.json}. Every load is checked against a sha256 first."""

from __future__ import annotations

import hashlib
import io
import json
from typing import TYPE_CHECKING, Any

import joblib

from titanic_common.logging import get_logger
from titanic_common.storage import gcs_filesystem

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem
    from sklearn.pipeline import Pipeline

log = get_logger(__name__)

MODEL_FILE = "model.onnx"
PIPELINE_FILE = "pipeline.joblib"
MANIFEST_FILE = "manifest.json"


class ArtifactError(Exception):
    """Base of artifact problems."""


class ArtifactNotFoundError(ArtifactError):
    """An artifact file is missing."""


class ArtifactIntegrityError(ArtifactError):
    """An artifact's checksum differs from the recorded one: it is refused."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def filesystem_for(
    uri: str, project: str = "titanic-local", emulator_host: str | None = None
) -> AbstractFileSystem:
    """gcsfs for gs:// URIs (emulator-aware), the local filesystem for anything else."""
    if uri.startswith("gs://"):
        return gcs_filesystem(project=project, emulator_host=emulator_host)
    import fsspec

    return fsspec.filesystem("file", auto_mkdir=True)


def default_filesystem(uri: str) -> AbstractFileSystem:
    """The filesystem for `uri` configured from the model service's settings."""
    from model_service.settings import get_settings

    settings = get_settings()
    return filesystem_for(uri, settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST)


def version_uri(base_uri: str, version: int) -> str:
    """The folder of one model version."""
    return f"{base_uri.rstrip('/')}/v{version}"


def publish_artifacts(
    uri: str, onnx_bytes: bytes, pipeline: Pipeline, fs: AbstractFileSystem
) -> str:
    """Write model.onnx, pipeline.joblib and manifest.json to `uri`; returns model.onnx's sha256."""
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    files = {MODEL_FILE: onnx_bytes, PIPELINE_FILE: buffer.getvalue()}
    manifest = {"files": {name: sha256_hex(data) for name, data in files.items()}}
    for name, data in files.items():
        fs.pipe(f"{uri}/{name}", data)
    fs.pipe(f"{uri}/{MANIFEST_FILE}", json.dumps(manifest, indent=2).encode())
    log.info("artifacts_published", uri=uri, sha256=manifest["files"][MODEL_FILE])
    return manifest["files"][MODEL_FILE]


def _read(fs: AbstractFileSystem, path: str) -> bytes:
    try:
        return fs.cat(path)
    except FileNotFoundError as exc:
        raise ArtifactNotFoundError(f"artifact {path} does not exist") from exc


def _verify(path: str, data: bytes, expected_sha256: str) -> None:
    actual = sha256_hex(data)
    if actual != expected_sha256:
        log.error("artifact_checksum_mismatch", path=path, expected=expected_sha256, actual=actual)
        raise ArtifactIntegrityError(
            f"checksum mismatch for {path}: expected {expected_sha256}, got {actual}; refusing it"
        )


def load_onnx(
    artifact_uri: str, expected_sha256: str, fs: AbstractFileSystem | None = None
) -> bytes:
    """model.onnx bytes, refused with ArtifactIntegrityError unless the sha256 matches."""
    fs = fs or default_filesystem(artifact_uri)
    path = f"{artifact_uri}/{MODEL_FILE}"
    data = _read(fs, path)
    _verify(path, data, expected_sha256)
    return data


def load_manifest(artifact_uri: str, fs: AbstractFileSystem | None = None) -> dict[str, Any]:
    """The version's manifest: {"files": {name: sha256}}."""
    fs = fs or default_filesystem(artifact_uri)
    path = f"{artifact_uri}/{MANIFEST_FILE}"
    try:
        manifest = json.loads(_read(fs, path))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError("files is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise ArtifactIntegrityError(f"manifest {path} is malformed: {exc}") from exc
    return manifest


def load_pipeline(
    artifact_uri: str,
    expected_sha256: str | None = None,
    fs: AbstractFileSystem | None = None,
) -> Pipeline:
    """The sklearn pipeline, loaded only if its sha256 matches the manifest.

    With `expected_sha256` (the registry's model.onnx checksum) the manifest must also
    belong to that model, so a swapped manifest is refused too.
    """
    fs = fs or default_filesystem(artifact_uri)
    files = load_manifest(artifact_uri, fs)["files"]
    if expected_sha256 is not None and files.get(MODEL_FILE) != expected_sha256:
        raise ArtifactIntegrityError(
            f"manifest at {artifact_uri} does not belong to model sha256 {expected_sha256}"
        )
    path = f"{artifact_uri}/{PIPELINE_FILE}"
    data = _read(fs, path)
    if PIPELINE_FILE not in files:
        raise ArtifactIntegrityError(f"manifest at {artifact_uri} lists no {PIPELINE_FILE}")
    _verify(path, data, files[PIPELINE_FILE])
    # Unpickling is safe only because the bytes match the checksum recorded at publish time.
    return joblib.load(io.BytesIO(data))

"""GCS side of ingestion: list objects not loaded yet, download one with checksums."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel

from titanic_common.logging import get_logger

if TYPE_CHECKING:
    import gcsfs

log = get_logger(__name__)

CHUNK_BYTES = 1024 * 1024
PROBE_TIMEOUT_SECONDS = 5.0


class SourceObject(BaseModel):
    """One object in the bucket, pinned to a generation."""

    uri: str
    generation: str
    size: int
    md5: str | None = None  # base64, as GCS reports it; absent for composite objects
    crc32c: str | None = None  # base64, big-endian
    updated: str | None = None


class DownloadedFile(BaseModel):
    """A verified local copy of a source object."""

    source: SourceObject
    path: str
    sha256: str


class ChecksumMismatchError(RuntimeError):
    """The bytes received are not the bytes GCS holds."""


class StorageUnavailableError(ConnectionError):
    """The GCS endpoint (or emulator) cannot be reached; a later retry may succeed."""


def _unreachable(
    endpoint: str, bucket: str, prefix: str, reason: object
) -> StorageUnavailableError:
    message = f"cannot list gs://{bucket}/{prefix}: GCS storage at {endpoint} is unreachable"
    message += f" ({reason})"
    if "googleapis.com" not in endpoint:
        message += "; is the emulator at STORAGE_EMULATOR_HOST running?"
    return StorageUnavailableError(message)


def _check_reachable(endpoint: str, bucket: str, prefix: str) -> None:
    """Fail fast when nothing accepts connections at the endpoint.

    gcsfs retries a refused connection 6 times over ~35 s inside every call; the Airflow
    task already retries with backoff, so a down endpoint is reported at once instead.
    """
    url = urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=PROBE_TIMEOUT_SECONDS).close()
    except OSError as exc:
        raise _unreachable(endpoint, bucket, prefix, exc) from None


def list_objects(fs: gcsfs.GCSFileSystem, bucket: str, prefix: str) -> list[SourceObject]:
    """Every .csv object under gs://bucket/prefix, oldest first.

    StorageUnavailableError, naming the endpoint, when the storage cannot be reached.
    """
    import aiohttp

    endpoint = getattr(fs, "_location", None)  # gcsfs: the emulator URL or the GCS API
    if isinstance(endpoint, str):
        _check_reachable(endpoint, bucket, prefix)
    try:
        found = fs.find(f"{bucket}/{prefix}", detail=True)
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:  # unreachable after gcsfs retries
        raise _unreachable(str(endpoint or "GCS"), bucket, prefix, exc) from exc
    objects = []
    for path, info in found.items():
        if info.get("type") != "file" or not path.lower().endswith(".csv"):
            log.info("object_skipped", path=path, reason="not a .csv file")
            continue
        objects.append(
            SourceObject(
                uri=f"gs://{path}",
                generation=str(info["generation"]),
                size=int(info["size"]),
                md5=info.get("md5Hash"),
                crc32c=info.get("crc32c"),
                updated=str(info.get("updated") or ""),
            )
        )
    return sorted(objects, key=lambda o: (o.updated or "", o.uri))


def select_new(objects: list[SourceObject], loaded: set[tuple[str, str]]) -> list[SourceObject]:
    """Objects whose (uri, generation) has no successful ingestion run."""
    return [o for o in objects if (o.uri, o.generation) not in loaded]


def _crc32c_b64(data_crc: int) -> str:
    return base64.b64encode(data_crc.to_bytes(4, "big")).decode()


def download(fs: gcsfs.GCSFileSystem, obj: SourceObject, dest: Path) -> DownloadedFile:
    """Stream `obj` to `dest`, verifying GCS's crc32c (or md5 where it has no crc32c);
    records the sha256."""
    import google_crc32c

    dest.parent.mkdir(parents=True, exist_ok=True)
    sha256, crc = hashlib.sha256(), google_crc32c.Checksum()
    # One transfer check is enough; md5 costs more than the C crc32c.
    md5 = hashlib.md5(usedforsecurity=False) if obj.md5 and not obj.crc32c else None
    size = 0
    opened = fs.open(obj.uri, "rb", generation=obj.generation, block_size=CHUNK_BYTES)
    # Written aside and renamed once verified: a partial or corrupt file never looks
    # downloaded, and a new download never writes through a link the validation made to
    # the old one.
    part = dest.with_name(dest.name + ".part")
    with opened as src, part.open("wb") as out:
        while chunk := src.read(CHUNK_BYTES):
            out.write(chunk)
            sha256.update(chunk)
            crc.update(chunk)
            if md5 is not None:
                md5.update(chunk)
            size += len(chunk)
    try:
        _verify(
            obj,
            size,
            base64.b64encode(md5.digest()).decode() if md5 is not None else None,
            _crc32c_b64(int.from_bytes(crc.digest(), "big")),
        )
    except ChecksumMismatchError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)
    log.info("object_downloaded", uri=obj.uri, generation=obj.generation, bytes=size)
    return DownloadedFile(source=obj, path=str(dest), sha256=sha256.hexdigest())


def _verify(obj: SourceObject, size: int, md5: str | None, crc32c: str) -> None:
    problems = []
    if size != obj.size:
        problems.append(f"size {size} != {obj.size}")
    if obj.md5 and md5 is not None and md5 != obj.md5:
        problems.append(f"md5 {md5} != {obj.md5}")
    if obj.crc32c and crc32c != obj.crc32c:
        problems.append(f"crc32c {crc32c} != {obj.crc32c}")
    if problems:
        raise ChecksumMismatchError(f"{obj.uri}#{obj.generation}: " + ", ".join(problems))

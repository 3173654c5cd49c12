"""Google Cloud Storage access through gcsfs, emulator-aware.

gcsfs 2026.x probes for hierarchical-namespace buckets on every call, which against an
emulator waits 60 s per call; the probe is disabled before gcsfs is first imported.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gcsfs


def gcs_filesystem(project: str, emulator_host: str | None = None) -> gcsfs.GCSFileSystem:
    """A GCSFileSystem for `project`; anonymous against the emulator at `emulator_host`."""
    os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    import gcsfs

    if emulator_host:
        return gcsfs.GCSFileSystem(
            project=project, token="anon", endpoint_url=emulator_host, skip_instance_cache=True
        )
    return gcsfs.GCSFileSystem(project=project, skip_instance_cache=True)


def split_uri(uri: str) -> tuple[str, str]:
    """'gs://bucket/a/b' -> ('bucket', 'a/b')."""
    if not uri.startswith("gs://"):
        raise ValueError(f"not a gs:// URI: {uri!r}")
    bucket, _, path = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri!r}")
    return bucket, path.strip("/")

"""The gcp-storage-emulator as a real process for tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.procs import ROOT, Proc, free_port, wait_for_port


def start_gcs_emulator(tmp: Path, bucket: str = "titanic-test") -> tuple[Proc, str]:
    """Start the emulator in memory on a free port with `bucket` created; returns its URL."""
    port = free_port()
    binary = shutil.which("gcp-storage-emulator") or str(ROOT / ".venv/bin/gcp-storage-emulator")
    proc = Proc(
        f"gcs-{port}",
        [
            binary,
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--in-memory",
            "--default-bucket",
            bucket,
            "-q",
        ],
        {},
        tmp / f"gcs-{port}.log",
    ).start()
    wait_for_port(port, timeout=20)
    return proc, f"http://127.0.0.1:{port}"

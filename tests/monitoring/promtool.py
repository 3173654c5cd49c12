"""Running promtool, the Prometheus checker shipped in Debian's `prometheus` package."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def find_promtool() -> str | None:
    """Path of promtool, or None when it is not installed."""
    path = shutil.which("promtool") or "/usr/bin/promtool"
    return path if Path(path).exists() else None


def run_promtool(promtool: str, *args: str | Path) -> str:
    """Run promtool; fail the test with its output unless it succeeds."""
    result = subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"promtool {' '.join(map(str, args))} failed:\n{output}"
    return output

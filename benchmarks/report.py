"""What every benchmark shares: the machine line and its own section of RESULTS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    """CPU count and model, Python, and the load average now (call before measuring)."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}, load at start {load}"
    )


def write_section(section: str, text: str) -> None:
    """Replace only `section` (a '## ...' heading line) of RESULTS.md with `text`."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    lines = current.splitlines(keepends=True)
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip() == section)
    except StopIteration:
        RESULTS.write_text(current.rstrip("\n") + "\n\n" + text)
        return
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    RESULTS.write_text("".join(lines[:begin]) + text + ("\n" + tail if tail else ""))

"""Render supervisord's config and drive supervisord: the stack's process manager."""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import signal
import subprocess
import time
from pathlib import Path

from scripts.stack.programs import VENV_BIN, Program

MARKER = "TITANIC_STACK_RUN_DIR"


def render_config(programs: list[Program], env: dict[str, str], run_dir: Path) -> str:
    """supervisord.conf: one [program:x] per process, each logging to its own file."""
    config = configparser.RawConfigParser()
    config.optionxform = str  # keep key case
    config["supervisord"] = {
        "logfile": str(run_dir / "logs" / "supervisord.log"),
        "pidfile": str(run_dir / "supervisord.pid"),
        "childlogdir": str(run_dir / "logs"),
        "nodaemon": "false",
        "silent": "true",
    }
    config["unix_http_server"] = {"file": str(run_dir / "supervisor.sock"), "chmod": "0700"}
    config["supervisorctl"] = {"serverurl": f"unix://{run_dir / 'supervisor.sock'}"}
    config["rpcinterface:supervisor"] = {
        "supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"
    }
    for program in programs:
        # The marker lets `down` find every descendant, even one that left its group.
        merged = {**env, **program.env, MARKER: str(run_dir)}
        config[f"program:{program.name}"] = {
            "command": " ".join(_quote(a) for a in program.argv),
            "directory": str(run_dir.parent if run_dir.name == ".run" else run_dir),
            "environment": ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(merged.items())),
            "autostart": "true",
            "autorestart": "unexpected",
            "startsecs": str(program.startsecs),
            "startretries": "3",
            # Signal the whole process group: Airflow and uvicorn spawn children.
            "stopasgroup": "true",
            "killasgroup": "true",
            "stopsignal": "TERM",
            "stopwaitsecs": "20",
            "redirect_stderr": "true",
            "stdout_logfile": str(run_dir / "logs" / f"{program.name}.log"),
            "stdout_logfile_maxbytes": "20MB",
            "stdout_logfile_backups": "2",
        }
    buffer = io.StringIO()
    config.write(buffer)
    return buffer.getvalue().replace("%", "%%")


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def supervisord_pid(run_dir: Path) -> int | None:
    """PID of our running supervisord, or None."""
    pidfile = run_dir / "supervisord.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return None
    return pid


def start(conf: Path) -> None:
    """Start supervisord in the background with `conf`."""
    subprocess.run([str(VENV_BIN / "supervisord"), "-c", str(conf)], check=True)


def ctl(conf: Path, *args: str) -> subprocess.CompletedProcess:
    """Run supervisorctl against our supervisord."""
    return subprocess.run(
        [str(VENV_BIN / "supervisorctl"), "-c", str(conf), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def marked_processes(run_dir: Path) -> list[int]:
    """Live processes started by the stack in `run_dir` (found by their environment)."""
    needle = f"{MARKER}={run_dir}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(environ.parent.name))
        except (OSError, IndexError):
            continue
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL stragglers (children that ignored SIGTERM or outlived their parent)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def shutdown(conf: Path, run_dir: Path, timeout: float = 60.0) -> None:
    """Stop every program (process groups), then supervisord itself, and wait."""
    pid = supervisord_pid(run_dir)
    if pid is None:
        return
    ctl(conf, "stop", "all")
    ctl(conf, "shutdown")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    # Nothing of ours may outlive `down`.
    kill_all(marked_processes(run_dir))

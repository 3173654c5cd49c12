"""A private PostgreSQL server for fault tests: its own data directory and port, so a
test can stop and restart it without touching the machine's shared PostgreSQL.

The server runs as an unprivileged OS user (PostgreSQL refuses to run as root) and is
stopped by its PID, never by name.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import sql

from tests.support.procs import free_port

PG_ROOT = Path("/usr/lib/postgresql")
# How the postmaster is asked to stop: fast = roll back open transactions and disconnect
# clients (what a service restart does); immediate = no shutdown checkpoint (a crash).
STOP_SIGNALS = {"fast": signal.SIGINT, "immediate": signal.SIGQUIT}


def pg_bindir() -> Path:
    """bin/ of the newest PostgreSQL under /usr/lib/postgresql (PG_BINDIR overrides)."""
    if configured := os.environ.get("PG_BINDIR"):
        return Path(configured)
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise FileNotFoundError(f"no PostgreSQL server binaries under {PG_ROOT}/*/bin")
    return found[-1]


@dataclass
class PrivatePostgres:
    """One PostgreSQL server in a temp directory on a free port, with trust auth.

    `start()` and `stop()` may be called repeatedly (a restart keeps the data);
    `destroy()` stops it and removes the directory.
    """

    root: Path
    port: int
    bindir: Path
    os_user: str | None = None  # run the server as this user (set when we are root)
    popen: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq URL of `dbname` as the superuser `postgres`."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _popen_kwargs(self) -> dict:
        if self.os_user is None:
            return {}
        entry = pwd.getpwnam(self.os_user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    @classmethod
    def create(cls, port: int | None = None, os_user: str = "postgres") -> PrivatePostgres:
        """initdb a fresh cluster (superuser `postgres`, trust auth); not started yet.

        `os_user` is used only when running as root, where PostgreSQL refuses to run.
        """
        root = Path(tempfile.mkdtemp(prefix="titanic-pg-"))
        user = os_user if os.geteuid() == 0 else None
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(root=root, port=port or free_port(), bindir=pg_bindir(), os_user=user)
        try:
            subprocess.run(
                [
                    str(server.bindir / "initdb"),
                    "-D",
                    str(server.data_dir),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                cwd=root,
                timeout=120,
                **server._popen_kwargs(),
            )
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the postmaster and wait until it accepts connections."""
        if self.alive():
            return
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.root),  # Unix socket here, not in the shared /var/run/postgresql
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "shared_buffers=32MB",
                    "-c",
                    "fsync=off",  # a test cluster; a restart does not lose the OS page cache
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
                **self._popen_kwargs(),
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll until a connection succeeds; fail early if the postmaster exits."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"postgres exited during start:\n{self.log_tail()}")
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                last = str(exc).strip()
            time.sleep(0.1)
        raise TimeoutError(f"postgres on port {self.port} not ready after {timeout}s: {last}")

    def stop(self, mode: Literal["fast", "immediate"] = "fast", timeout: float = 30.0) -> None:
        """Signal the postmaster by PID and wait for it to exit (SIGKILL past `timeout`)."""
        if not self.alive():
            return
        assert self.popen is not None
        self.popen.send_signal(STOP_SIGNALS[mode])
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop, stay down `down_seconds`, start again (same data, same port)."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name`; returns its DSN."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def destroy(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

"""PostgreSQL and Redis: use the ones at DATABASE_URL / REDIS_URL, start local ones if absent."""

from __future__ import annotations

import glob
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import psycopg
import redis

from scripts.stack.programs import Program


class DependencyError(RuntimeError):
    pass


def postgres_up(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=2, dbname="postgres"):
            return True
    except psycopg.OperationalError:
        return False


def ensure_postgres(dsn: str) -> str:
    """Reachable PostgreSQL or a started local cluster; returns what was done."""
    if postgres_up(dsn):
        return "running"
    clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    if not (shutil.which("pg_ctlcluster") and clusters):
        raise DependencyError(
            f"PostgreSQL is not reachable at {dsn} and no local cluster is installed: "
            "install it (apt-get install postgresql) or set DATABASE_URL to a running server"
        )
    version = clusters[-1].split("/")[-2]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
    )
    for _ in range(50):
        if postgres_up(dsn):
            return f"started local cluster {version}/main"
        time.sleep(0.2)
    raise DependencyError(f"started PostgreSQL {version}/main but {dsn} still does not answer")


def redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_program(url: str) -> Program | None:
    """None when Redis answers; else a supervised redis-server on the URL's port."""
    if redis_up(url):
        return None
    binary = shutil.which("redis-server")
    if not binary:
        raise DependencyError(
            f"Redis is not reachable at {url} and redis-server is not installed: "
            "install it (apt-get install redis-server) or set REDIS_URL to a running server"
        )
    port = urlsplit(url).port or 6379
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Program("redis", argv, None)

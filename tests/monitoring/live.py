"""A real Prometheus and Pushgateway for tests: config rendered from the shipped one."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import yaml

from tests.monitoring.promql import PROMETHEUS_DIR
from tests.support.procs import Proc, free_port, wait_for_http

T = TypeVar("T")

# Short intervals so rates and rules have data within seconds in tests.
TEST_INTERVAL = "1s"


def binary(name: str, package: str) -> str:
    """Path of a Debian-packaged binary; its absence is a failure that says what to install."""
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(path).exists():
        raise RuntimeError(f"{name} not found: apt-get install {package}")
    return path


def render_config(targets: dict[str, str], dest: Path) -> Path:
    """The shipped prometheus.yml with `targets` (job -> host:port) and test intervals."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(
        scrape_interval=TEST_INTERVAL,
        scrape_timeout=TEST_INTERVAL,
        evaluation_interval=TEST_INTERVAL,
    )
    config["rule_files"] = [str(PROMETHEUS_DIR / path) for path in config["rule_files"]]
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    dest.write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


def start_pushgateway(tmp: Path) -> tuple[Proc, str]:
    """prometheus-pushgateway on a free port, its state in `tmp`."""
    port = free_port()
    proc = Proc(
        f"pushgateway-{port}",
        [
            binary("prometheus-pushgateway", "prometheus-pushgateway"),
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp / f'pushgateway-{port}.data'}",
        ],
        {},
        tmp / f"pushgateway-{port}.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/-/ready", timeout=30, proc=proc.popen)
    return proc, url


def start_prometheus(targets: dict[str, str], tmp: Path) -> tuple[Proc, str]:
    """Prometheus on a free port scraping `targets` with the shipped rules."""
    port = free_port()
    workdir = tmp / f"prometheus-{port}"
    workdir.mkdir(parents=True)
    config = render_config(targets, workdir / "prometheus.yml")
    proc = Proc(
        f"prometheus-{port}",
        [
            binary("prometheus", "prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        {},
        workdir / "prometheus.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/-/ready", timeout=60, proc=proc.popen)
    except Exception as exc:
        proc.stop()
        raise RuntimeError(f"prometheus did not start: {exc}\n{proc.log_tail()}") from exc
    return proc, url


def api(url: str, path: str, **params: str) -> dict | list:
    """GET a Prometheus HTTP API route and return its `data`."""
    response = httpx.get(f"{url}/api/v1/{path}", params=params, timeout=10)
    body = response.json()
    assert body.get("status") == "success", f"{path} {params}: {body}"
    return body["data"]


def query(url: str, expr: str) -> list[dict]:
    """Evaluate `expr` now; the list of result series (empty means no data)."""
    data = api(url, "query", query=expr)
    assert isinstance(data, dict)
    return data["result"]


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)

"""`python -m scripts.stack up|down|status`: the local stack behind `make up` and `make down`.

Processes run under supervisord (one log file each in .run/logs); `down` stops them by
process group, Airflow's children included, and checks that nothing of ours is left.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from scripts.stack import mainjob, supervisor
from scripts.stack.dependencies import DependencyError, ensure_postgres, redis_program
from scripts.stack.environment import airflow_env, ensure_env_file, load_env
from scripts.stack.programs import AIRFLOW_BIN, ROOT, Program, all_programs
from titanic_common.migrate import apply_migrations, ensure_database

console = Console()


def run_dir() -> Path:
    return Path(os.environ.get("STACK_RUN_DIR", ROOT / ".run")).resolve()


def _conf(rdir: Path) -> Path:
    return rdir / "supervisord.conf"


def _prepare_database(env: dict[str, str]) -> None:
    console.print(f"PostgreSQL: {ensure_postgres(env['DATABASE_URL'])}")
    ensure_database(env["DATABASE_URL"])
    applied = apply_migrations(env["DATABASE_URL"])
    console.print(f"migrations: {', '.join(applied) if applied else 'up to date'}")


def _prepare_airflow(env: dict[str, str], rdir: Path) -> bool:
    setup = ROOT / "airflow" / "setup.sh"
    if not setup.exists():
        return False
    with console.status("Airflow environment (airflow/.venv)"):
        subprocess.run(["bash", str(setup)], check=True, stdout=subprocess.DEVNULL)
    aenv = airflow_env(env, rdir)
    ensure_database(aenv["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("+psycopg", ""))
    with console.status("Airflow metadata database (airflow db migrate)"):
        result = subprocess.run(
            [str(AIRFLOW_BIN / "airflow"), "db", "migrate"],
            env={**os.environ, **env, **aenv},
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise DependencyError(f"airflow db migrate failed:\n{tail}")
    return True


def _wait(programs: list[Program], timeout: float) -> dict[str, bool]:
    """Poll each program's health URL until it answers, with a progress display."""
    status: dict[str, bool] = {}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        tasks = {
            p.name: progress.add_task(f"waiting for {p.name}", total=1)
            for p in programs
            if p.health_url
        }
        deadline = time.monotonic() + timeout
        pending = {p.name: p.health_url for p in programs if p.health_url}
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                try:
                    ok = httpx.get(url, timeout=1.0).status_code < 500
                except httpx.HTTPError:
                    ok = False
                if ok:
                    status[name] = True
                    progress.update(tasks[name], completed=1, description=f"[green]{name} up")
                    del pending[name]
            time.sleep(0.3)
        for name in pending:
            status[name] = False
            progress.update(tasks[name], description=f"[red]{name} did not come up")
    return status


def _print_summary(env: dict[str, str], summary: mainjob.Summary | None) -> None:
    table = Table(title="titanic-mlops is running", show_header=True)
    table.add_column("what")
    table.add_column("value")
    if summary is not None:
        cv = (
            f"{summary.cv_accuracy_mean:.3f} ± {summary.cv_accuracy_std:.3f}"
            if summary.cv_accuracy_mean is not None
            else "n/a"
        )
        table.add_row("Rows loaded / rejected", f"{summary.rows_loaded} / {summary.rows_rejected}")
        table.add_row("Production model", f"version {summary.model_version}")
        table.add_row("CV accuracy (5-fold)", cv)
    rows = [
        ("Web form", env["UI_URL"]),
        ("Model API docs", f"{env['MODEL_URL']}/docs"),
        ("Feature store API docs", f"{env['FEATURE_STORE_URL']}/docs"),
        ("Drift API docs", f"{env['DRIFT_URL']}/docs"),
        ("Airflow", env.get("AIRFLOW_URL", "")),
        ("Prometheus", env.get("PROMETHEUS_URL", "")),
        ("Logs", str(run_dir() / "logs")),
    ]
    for what, url in rows:
        table.add_row(what, url)
    console.print(table)


def up(args: argparse.Namespace) -> int:
    rdir = run_dir()
    (rdir / "logs").mkdir(parents=True, exist_ok=True)
    env_file = Path(os.environ.get("STACK_ENV_FILE", ROOT / ".env"))
    if ensure_env_file(env_file):
        console.print(f"created {env_file} from .env.example with fresh secrets")
    env = load_env(env_file)
    try:
        _prepare_database(env)
        extra = [p for p in [redis_program(env["REDIS_URL"])] if p]
    except DependencyError as exc:
        console.print(f"[red]{exc}")
        return 1
    try:
        with_airflow = not args.no_airflow and _prepare_airflow(env, rdir)
    except DependencyError as exc:
        console.print(f"[red]{exc}")
        return 1
    programs = extra + all_programs(env, rdir, with_airflow=with_airflow)
    if with_airflow:
        aenv = airflow_env(env, rdir)
        programs = [
            Program(p.name, p.argv, p.health_url, aenv, p.startsecs)
            if p.name.startswith("airflow")
            else p
            for p in programs
        ]
    conf = _conf(rdir)
    conf.write_text(supervisor.render_config(programs, env, rdir))
    if supervisor.supervisord_pid(rdir):
        supervisor.ctl(conf, "reread")
        supervisor.ctl(conf, "update")
        supervisor.ctl(conf, "start", "all")
    else:
        supervisor.start(conf)
    status = _wait(programs, timeout=args.timeout)
    failed = [name for name, ok in status.items() if not ok]
    if failed:
        console.print(f"[red]not healthy: {', '.join(failed)}; see {rdir / 'logs'}")
        return 1
    summary = None
    if with_airflow and not args.no_main_job:
        try:
            summary = mainjob.run(env, console)
        except (mainjob.MainJobError, httpx.HTTPError) as exc:
            console.print(f"[red]main job failed: {exc}")
            return 1
    _print_summary(env, summary)
    return 0


def down(_: argparse.Namespace) -> int:
    rdir = run_dir()
    if not supervisor.supervisord_pid(rdir):
        console.print("nothing running")
        return 0
    with console.status("stopping every process"):
        supervisor.shutdown(_conf(rdir), rdir)
    console.print("stopped")
    return 0


def status(_: argparse.Namespace) -> int:
    rdir = run_dir()
    if not supervisor.supervisord_pid(rdir):
        console.print("not running")
        return 1
    console.print(supervisor.ctl(_conf(rdir), "status").stdout)
    return 0


def airflow(args: argparse.Namespace) -> int:
    """Run the Airflow CLI with the settings `up` gives Airflow."""
    env = load_env(Path(os.environ.get("STACK_ENV_FILE", ROOT / ".env")))
    argv = [str(AIRFLOW_BIN / "airflow"), *args.airflow_args]
    return subprocess.run(argv, env={**os.environ, **env, **airflow_env(env, run_dir())}).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start everything and wait until healthy")
    p_up.add_argument("--timeout", type=float, default=420)
    p_up.add_argument("--no-airflow", action="store_true", help="skip Airflow (and the main job)")
    p_up.add_argument(
        "--no-main-job", action="store_true", help="start only; skip seed, ingestion, training"
    )
    p_up.set_defaults(func=up)
    sub.add_parser("down", help="stop everything started by up").set_defaults(func=down)
    sub.add_parser("status", help="show process states").set_defaults(func=status)
    p_af = sub.add_parser("airflow", help="the Airflow CLI with the stack's settings")
    p_af.add_argument("airflow_args", nargs=argparse.REMAINDER)
    p_af.set_defaults(func=airflow)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

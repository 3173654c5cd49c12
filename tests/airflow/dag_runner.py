"""Runs DAGs with dag.test() on request; executed by the Airflow venv's python.

Airflow takes tens of seconds to import and start its in-process API; one long-lived
runner pays that once per test session. Protocol: one JSON command per stdin line,
{"cmd": "parse" | "run", "dag_id", "env", "result"}; the answer is written as JSON to
the "result" path. Task logs go to this process's stdout (the log file given as argv[1]).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "airflow" / "dags"


def _bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def _describe(bag) -> dict:
    dags = {}
    for dag in bag.dags.values():
        dags[dag.dag_id] = {
            "tags": sorted(dag.tags),
            "catchup": dag.catchup,
            "schedule": repr(dag.schedule),
            "start_date_tz": str(dag.start_date.tzinfo),
            "has_doc": bool(dag.doc_md),
            "tasks": {t.task_id: {"retries": t.retries} for t in dag.tasks},
            "outlets": sorted(str(getattr(o, "uri", o)) for t in dag.tasks for o in t.outlets),
        }
    errors = {path: str(err) for path, err in bag.import_errors.items()}
    return {"import_errors": errors, "dags": dags}


def _asset_events(uri: str) -> int:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        query = (
            select(func.count())
            .select_from(AssetEvent)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
        )
        return session.scalar(query.where(AssetModel.uri == uri))


def _run(dag_id: str, log_path: Path) -> dict:
    start = log_path.stat().st_size
    bag = _bag()
    dag_run = bag.dags[dag_id].test()
    sys.stdout.flush()
    sys.stderr.flush()
    with log_path.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    from titanic_common.ingest.lineage import PASSENGERS_ASSET_URI

    return {
        "state": str(getattr(dag_run.state, "value", dag_run.state)),
        "run_id": dag_run.run_id,
        "asset_events": _asset_events(PASSENGERS_ASSET_URI),
        "log": text,
    }


def main() -> None:
    log_path = Path(sys.argv[1])
    for line in sys.stdin:
        command = json.loads(line)
        os.environ.update(command.get("env", {}))
        try:
            if command["cmd"] == "parse":
                answer = _describe(_bag())
            else:
                answer = _run(command["dag_id"], log_path)
        except Exception:
            answer = {"error": traceback.format_exc()}
        result = Path(command["result"])
        result.with_suffix(".tmp").write_text(json.dumps(answer))
        result.with_suffix(".tmp").rename(result)


if __name__ == "__main__":
    main()

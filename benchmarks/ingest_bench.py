"""Ingestion benchmark: our GCS -> PostgreSQL path vs `psql \\copy` of the same file.

    uv run python benchmarks/ingest_bench.py [--rows 1000000] [--push-rows 100000] [--no-write]

Generates a contract CSV, uploads it to its own gcp-storage-emulator, then in one run:
1. `psql \\copy` of the local file into an empty passengers table (the floor: no checks);
2. our stages into another empty, identical database: download (streamed, checksummed),
   validate (every row through the contract), load (COPY into staging + upsert);
3. push_features of the first --push-rows rows to a real feature-store process.
Prints the numbers and writes the "## Ingestion" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, write_section  # benchmarks/ is the script folder

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Ingestion"
HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n"
TOKEN = "bench-admin-token-0123456789abcdef"


def generate(path: Path, rows: int) -> None:
    """A contract CSV with realistic values (quoted names, missing ages and cabins)."""
    rng = random.Random(7)
    titles = ["Mr.", "Mrs.", "Miss.", "Master.", "Dr."]
    with path.open("w") as out:
        out.write(HEADER)
        for pid in range(1, rows + 1):
            sex = rng.choice(("male", "female"))
            age = "" if rng.random() < 0.2 else f"{rng.uniform(0.5, 80):.1f}"
            cabin = f"C{rng.randint(1, 150)}" if rng.random() < 0.23 else ""
            out.write(
                f"{pid},{rng.randint(0, 1)},{rng.randint(1, 3)},"
                f'"Name{pid}, {rng.choice(titles)} X",'
                f"{sex},{age},{rng.randint(0, 4)},{rng.randint(0, 3)},T{pid},"
                f"{rng.uniform(0, 300):.4f},{cabin},{rng.choice('CQS')}\n"
            )


def psql_copy(dsn: str, path: Path) -> float:
    cols = "passenger_id, survived, pclass, name, sex, age, sibsp, parch, ticket, fare, cabin"
    cols += ", embarked"
    command = f"\\copy passengers ({cols}) FROM '{path}' WITH (FORMAT csv, HEADER true)"
    start = time.perf_counter()
    subprocess.run(["psql", dsn, "-v", "ON_ERROR_STOP=1", "-q", "-c", command], check=True)
    return time.perf_counter() - start


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--push-rows", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    host = machine()
    sys.path.insert(0, str(ROOT))  # the tests' helpers start the emulator, Redis, the service
    from tests.support.db import create_migrated_database, drop_database
    from tests.support.gcs import start_gcs_emulator
    from tests.support.procs import free_port, start_redis, start_service
    from titanic_common.feature_client import FeatureStoreClient
    from titanic_common.ingest.load import LoadRequest, load_validated
    from titanic_common.ingest.push import push_features
    from titanic_common.ingest.sources import download, list_objects
    from titanic_common.ingest.validate import validate_file
    from titanic_common.storage import gcs_filesystem

    tmp = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    procs, dbs = [], []
    try:
        src = tmp / "bench.csv"
        generate(src, args.rows)
        size_mb = src.stat().st_size / 1e6
        emulator, url = start_gcs_emulator(tmp, bucket="bench")
        procs.append(emulator)
        fs = gcs_filesystem("bench", url)
        fs.put_file(str(src), "bench/incoming/bench.csv")
        (obj,) = list_objects(fs, "bench", "incoming/")

        copy_db, our_db = (
            create_migrated_database("bench_copy"),
            create_migrated_database("bench_ours"),
        )
        dbs += [copy_db, our_db]
        t_psql = psql_copy(copy_db, src)

        local = tmp / "work" / "source.csv"
        downloaded, t_download = timed(lambda: download(fs, obj, local))
        valid, rejects = tmp / "work" / "valid.csv", tmp / "work" / "rejects.csv"
        summary, t_validate = timed(lambda: validate_file(local, valid, rejects))
        request = LoadRequest(
            dag_run_id="bench",
            source_uri=obj.uri,
            source_generation=obj.generation,
            source_checksum=downloaded.sha256,
            valid_path=str(valid),
            rejects_path=str(rejects),
            rows_total=summary.rows_total,
            rows_valid=summary.rows_valid,
            rows_rejected=summary.rows_rejected,
            passenger_id_min=summary.passenger_id_min,
            passenger_id_max=summary.passenger_id_max,
        )
        _, t_load = timed(lambda: load_validated(our_db, request))
        _, t_reload = timed(lambda: load_validated(our_db, request))  # idempotent no-op

        push_src = tmp / "push.csv"
        with valid.open() as full, push_src.open("w") as part:
            for _, line in zip(range(args.push_rows), full, strict=False):
                part.write(line)
        redis_proc, redis_port = start_redis(tmp)
        procs.append(redis_proc)
        env = {
            "APP_ENV": "test",
            "ADMIN_TOKEN": TOKEN,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
        }
        store = start_service("titanic-feature-store", "FEATURE_STORE_URL", env, tmp)
        procs.append(store.proc)
        with FeatureStoreClient(store.url, token=TOKEN, timeout=30) as client:
            pushed, t_push = timed(lambda: push_features(push_src, client, 1000))
    finally:
        for proc in procs:
            proc.stop()
        for dsn in dbs:
            drop_database(dsn)

    ours = t_download + t_validate + t_load
    rows = summary.rows_valid

    def row(label: str, seconds: float) -> str:
        return f"| {label} | {seconds:.1f} s | {rows / seconds:,.0f} | {seconds / t_psql:.2f}x |"

    lines = [
        row("psql \\copy (no validation, local file)", t_psql),
        row("ours: download from emulator (sha256+md5+crc32c)", t_download),
        row("ours: validate (contract, every row)", t_validate),
        row("ours: load (COPY to staging + upsert, one txn)", t_load),
        row("ours: total", ours),
        row("ours: same file loaded again (no row changes)", t_reload),
    ]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = f"""{SECTION}

`uv run python benchmarks/ingest_bench.py` ({host}; {stamp})

{args.rows:,} generated rows ({size_mb:.0f} MB) in the GCS emulator, loaded into an empty
passengers table; `psql \\copy` of the same file into an identical empty database in the same run.

| step | time | rows/s | vs psql \\copy |
|---|---|---|---|
{chr(10).join(lines)}

push_features: {pushed:,} rows in {t_push:.1f} s = {pushed / t_push:,.0f} rows/s
(feature function + client batches of 1000 to a real titanic-feature-store process).

Where the time goes. Validation runs every row through the pydantic contract model in
one Python process (about half pydantic; the rest line reading, CSV parsing per line and
writing). The load is a COPY into a temporary staging table and one change-only upsert
into passengers in the same transaction, so a re-load or a retry changes nothing and a
half-loaded file never shows; against `psql \\copy` straight into the empty table that
costs the staging pass and an index probe per row. Both ratios depend on the machine's
load: on a busy 2-core machine psql slows more than we do (an earlier run: psql 9.8 s,
load 1.41x, total 4.66x). Reaching 1.5x end to end needs validation to overlap the COPY
(stream validated chunks from worker processes into the staging COPY) and to be a few
times cheaper per row (a vectorised fast path for rows that are certainly valid, the
pydantic model deciding the rest); see issue #4's note.
"""
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()

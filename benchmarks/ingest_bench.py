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
import shutil
import statistics
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
    parser.add_argument("--rounds", type=int, default=5, help="alternating psql/ours rounds")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    host = machine()
    sys.path.insert(0, str(ROOT))  # the tests' helpers start the emulator, Redis, the service
    import psycopg

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

        def settle(dsn: str) -> None:
            # Flush the previous round's dirty pages first, so neither side pays for the
            # other's writes.
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CHECKPOINT")

        def ours(dsn: str, round_dir: Path) -> dict[str, float]:
            local = round_dir / "source.csv"
            downloaded, t_download = timed(lambda: download(fs, obj, local))
            valid, rejects = round_dir / "valid.csv", round_dir / "rejects.csv"
            summary, t_validate = timed(lambda: validate_file(local, valid, rejects))
            request = LoadRequest(
                dag_run_id="bench",
                source_uri=obj.uri,
                source_generation=obj.generation,
                source_checksum=downloaded.sha256,
                valid_path=str(valid),
                rejects_path=str(rejects),
                **summary.model_dump(),  # the counts and the PassengerId range
            )
            settle(dsn)
            _, t_load = timed(lambda: load_validated(dsn, request))
            _, t_reload = timed(lambda: load_validated(dsn, request))  # no row changes
            return {
                "download": t_download,
                "validate": t_validate,
                "load": t_load,
                "total": t_download + t_validate + t_load,
                "reload": t_reload,
                "rows": summary.rows_valid,
            }

        rounds: list[dict[str, float]] = []
        for number in range(args.rounds):
            copy_db = create_migrated_database("bench_copy")
            dbs.append(copy_db)
            settle(copy_db)
            t_psql = psql_copy(copy_db, src)
            our_db = create_migrated_database("bench_ours")
            dbs.append(our_db)
            round_dir = tmp / f"round{number}"
            rounds.append({"psql": t_psql, **ours(our_db, round_dir)})
            for dsn in (copy_db, our_db):
                drop_database(dsn)
            dbs.clear()
            print(" ".join(f"{k}={v:.2f}" for k, v in rounds[-1].items()), flush=True)
        valid = round_dir / "valid.csv"

        push_src = tmp / "push.csv"
        # The valid file's header line, then --push-rows rows.
        with valid.open() as full, push_src.open("w") as part:
            for _, line in zip(range(args.push_rows + 1), full, strict=False):
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
        shutil.rmtree(tmp, ignore_errors=True)

    rows = rounds[0]["rows"]
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    ratios = sorted(r["total"] / r["psql"] for r in rounds)

    def row(label: str, key: str) -> str:
        seconds = median[key]
        return (
            f"| {label} | {seconds:.2f} s | {rows / seconds:,.0f} | "
            f"{seconds / median['psql']:.2f}x |"
        )

    lines = [
        row("psql \\copy (no validation, local file)", "psql"),
        row("ours: download from emulator (sha256 + crc32c)", "download"),
        row("ours: validate (contract, every row)", "validate"),
        row("ours: load (one transaction; COPY into passengers, the id range being new)", "load"),
        row("ours: total", "total"),
        row("ours: same file loaded again (staging + upsert, no row changes)", "reload"),
    ]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = f"""{SECTION}

`uv run python benchmarks/ingest_bench.py` ({host}; {stamp})

{args.rows:,} generated rows ({size_mb:.0f} MB) in the GCS emulator. {args.rounds} rounds, each
`psql \\copy` of the local file into a new, empty, migrated database, then our stages into
another; a CHECKPOINT before each load. Medians of the rounds; the ratio of the totals
per round ranged {ratios[0]:.2f}x to {ratios[-1]:.2f}x.

| step | time | rows/s | vs psql \\copy |
|---|---|---|---|
{chr(10).join(lines)}

push_features: {pushed:,} rows in {t_push:.1f} s = {pushed / t_push:,.0f} rows/s
(feature function + client batches of 1000 to a real titanic-feature-store process).

Where the time goes. Validation reads the file in 8 MB blocks; polars parses each block
and checks every column at once, accepting the rows that are certainly valid (canonical
cells within the bounds read off the pydantic contract model) and handing every other
row to that model, which decides and names the reason. Two blocks are in flight, so
both cores work. A clean file is already its own valid file, so it is hard-linked, not
copied. The load takes one lock, sees that no stored passenger has a PassengerId in the
file's range and COPYs the rows straight into passengers with the run id appended: the
same work as `psql \\copy`. A file that overlaps stored rows (the re-load row) goes
through staging and a change-only upsert instead. Before this design (same machine,
2026-11-26): validate 10.4 s and load 8.0 s, 7.0x; a foreign key check per row alone
cost about 4 s of the load.
"""
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()

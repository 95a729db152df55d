"""Okno's benchmark (`make bench`): prints one JSON line per figure.

    python bench/run.py            SQLite and PostgreSQL (when reachable), 10k and 100k tickets
    python bench/run.py --quick    10k tickets only
    python bench/run.py --db sqlite --tickets 20000

Each (database, size) runs in a child process with its own data directory
(OKNO_DATA_DIR in a temporary folder) and, on PostgreSQL, its own database
(okno_bench, created and dropped here), so the benchmark never touches var/.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("OKNO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "okno_bench"


def emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- child: one database, one size ---------------------------------------------


def child(db: str, tickets: int, runs: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import generate
    from bench.measure import MEASUREMENTS

    call_command("migrate", interactive=False, verbosity=0)
    log(f"  DEBUG={settings.DEBUG} queries logged so far: {len(connection.queries_log)}")
    began = time.perf_counter()
    ctx = generate(tickets, log=log)
    emit(
        {
            "bench": "generate",
            "db": db,
            "tickets": tickets,
            "messages": ctx["messages"],
            "seconds": round(time.perf_counter() - began, 1),
        }
    )
    ctx["runs"] = runs
    for name, measure in MEASUREMENTS:
        try:
            for result in measure(ctx):
                emit({"bench": name, "db": db, "tickets": tickets, **result})
        except Exception as exc:  # a page not built yet must not stop the others
            emit(
                {
                    "bench": name,
                    "db": db,
                    "tickets": tickets,
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                }
            )


# --- parent: orchestration ---------------------------------------------------------


def pg_admin(sql: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)
        return True
    except psycopg.Error as exc:
        log(f"PostgreSQL: {exc}".strip())
        return False


def run_child(db: str, tickets: int, runs: int) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix=f"okno-bench-{db}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        OKNO_DATA_DIR=str(data_dir),
        OKNO_DEBUG="0",
        OKNO_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="okno.settings",
        PYTHONPATH=str(ROOT),
    )
    env.pop("OKNO_QUEUE_IMMEDIATE", None)
    if db == "postgres":
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        if not pg_admin(f"CREATE DATABASE {PG_DB}"):
            return 1
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
    log(f"== {db}, {tickets} tickets ({data_dir})")
    try:
        command = [sys.executable, __file__, "--child", "--db", db]
        command += ["--tickets", str(tickets), "--runs", str(runs)]
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k tickets only")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tickets", type=int, action="append")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db[0], args.tickets[0], args.runs)
        return 0
    sizes = args.tickets or ([10_000] if args.quick else [10_000, 100_000])
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_admin("SELECT 1"):
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    failed = 0
    for db in databases:
        for tickets in sizes:
            failed += run_child(db, tickets, args.runs) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

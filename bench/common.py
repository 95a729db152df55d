"""What every benchmark script shares: JSON lines out, a private data directory and
PostgreSQL database per child process, and the percentile math.

Each script names its own PostgreSQL database (PG_DB in the script), so `make bench`
running them one after another never drops another script's database.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("OKNO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
PG_HOST = PG_ADMIN_URL.rsplit("/", 1)[0]
# Written into a kept data directory once its data is generated (see run_in_sandbox).
KEPT_CONTEXT = "bench-context.json"


def emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- PostgreSQL ----------------------------------------------------------------------


def pg_url(name: str) -> str:
    return f"{PG_HOST}/{name}"


def pg_admin(sql: str, *, quiet: bool = False) -> bool:
    """Run one statement on the maintenance database; False (logged) when it fails."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)
        return True
    except psycopg.Error as exc:
        if not quiet:
            log(f"PostgreSQL: {exc}".strip())
        return False


def pg_reachable() -> bool:
    return pg_admin("SELECT 1")


def pg_drop(name: str) -> bool:
    return pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_recreate(name: str) -> bool:
    pg_drop(name)
    return pg_admin(f'CREATE DATABASE "{name}"')


# --- child processes -------------------------------------------------------------------


def child_env(data_dir: Path | str, **extra: str) -> dict:
    """The environment of a benchmark child: its own data directory, SQLite unless a
    DATABASE_URL is added, no Redis, the real (not immediate) queue, quiet logs."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("OKNO_QUEUE_IMMEDIATE", None)
    env.update(
        OKNO_DATA_DIR=str(data_dir),
        OKNO_DEBUG="0",
        OKNO_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="okno.settings",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run_in_sandbox(
    command: list[str],
    *,
    name: str,
    db: str,
    pg_db: str,
    extra_env: dict | None = None,
    keep: str | None = None,
) -> int:
    """Run `command` with a temporary OKNO_DATA_DIR and, when db is PostgreSQL
    ("postgres"/"postgresql"/"pg"), a fresh database `pg_db` dropped afterwards.

    With `keep` (a name), the data directory and database are named after it and left
    in place, so a later run with the same name reuses the generated data: for
    iterating on one measurement at 100k without generating 100k tickets each time."""
    postgres = db in ("postgres", "postgresql", "pg")
    if keep:
        data_dir = Path(tempfile.gettempdir()) / f"okno-bench-keep-{keep}-{db}"
        data_dir.mkdir(exist_ok=True)
        pg_db = f"okno_keep_{re.sub(r'[^a-z0-9_]', '_', keep.lower())}"
    else:
        data_dir = Path(tempfile.mkdtemp(prefix=f"okno-bench-{name}-{db}-"))
    env = child_env(data_dir, **(extra_env or {}))
    fresh = not (data_dir / KEPT_CONTEXT).exists()
    try:
        if postgres:
            if fresh and not pg_recreate(pg_db):
                return 1
            env["DATABASE_URL"] = pg_url(pg_db)
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
            if postgres:
                pg_drop(pg_db)


def django_setup_and_migrate() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --- percentiles -----------------------------------------------------------------------


def rank(samples: list[float], q: float) -> float:
    """The sample at position int(n * q) of the sorted list (p90, p99 of sla/automation)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def percentiles(samples_ms: list[float], *, upper_middle: bool = False) -> dict:
    """p50 (the median, or the upper middle sample) and nearest-rank p95, in ms."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    p50 = ordered[len(ordered) // 2] if upper_middle else statistics.median(ordered)
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}

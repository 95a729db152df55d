"""Okno's benchmark (`make bench`): prints one JSON line per figure.

    python bench/run.py            SQLite and PostgreSQL (when reachable), 10k and 100k tickets
    python bench/run.py --quick    10k tickets only
    python bench/run.py --smoke    1k tickets, 3 runs (does every measurement start)
    python bench/run.py --db sqlite --tickets 20000
    python bench/run.py --quick --db sqlite --only api_create
    python bench/run.py --db postgres --tickets 100000 --keep pg100k --only ticket_list
        (generates once, then reuses the data: see run_in_sandbox)

Each (database, size) runs in a child process with its own data directory
(OKNO_DATA_DIR in a temporary folder) and, on PostgreSQL, its own database
(okno_bench, created and dropped here), so the benchmark never touches var/.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    KEPT_CONTEXT,
    PG_ADMIN_URL,
    ROOT,
    django_setup_and_migrate,
    emit,
    log,
    pg_reachable,
    run_in_sandbox,
)

PG_DB = "okno_bench"


# --- child: one database, one size ---------------------------------------------


def child(db: str, tickets: int, runs: int, only: list[str] | None = None) -> None:
    django_setup_and_migrate()
    from django.conf import settings
    from django.db import connection

    from bench.generate import generate, load_context, save_context
    from bench.measure import MEASUREMENTS

    log(f"  DEBUG={settings.DEBUG} queries logged so far: {len(connection.queries_log)}")
    kept = Path(settings.DATA_DIR) / KEPT_CONTEXT
    if kept.exists():
        ctx = load_context(kept)
        log(f"  reusing the data kept in {kept.parent}")
    else:
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
        if os.environ.get("OKNO_BENCH_KEEP"):
            save_context(ctx, kept)
    ctx["runs"] = runs
    for name, measure in MEASUREMENTS:
        if only and name not in only:
            continue
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


def run_child(
    db: str, tickets: int, runs: int, only: list[str] | None = None, keep: str | None = None
) -> int:
    log(f"== {db}, {tickets} tickets")
    command = [sys.executable, __file__, "--child", "--db", db]
    command += ["--tickets", str(tickets), "--runs", str(runs)]
    for name in only or []:
        command += ["--only", name]
    if keep:
        keep = f"{keep}-{tickets}"
    return run_in_sandbox(
        command,
        name="core",
        db=db,
        pg_db=PG_DB,
        keep=keep,
        extra_env={"OKNO_BENCH_KEEP": "1"} if keep else None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k tickets only")
    parser.add_argument("--smoke", action="store_true", help="1k tickets, 3 runs: does it start")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tickets", type=int, action="append")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument(
        "--only", action="append", help="run only this measurement (repeatable): ticket_list, ..."
    )
    parser.add_argument(
        "--keep", metavar="NAME", help="keep the generated data under NAME and reuse it next time"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db[0], args.tickets[0], args.runs, args.only)
        return 0
    if args.smoke:
        args.runs = min(args.runs, 3)
    sizes = args.tickets or (
        [1_000] if args.smoke else [10_000] if args.quick else [10_000, 100_000]
    )
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_reachable():
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    failed = 0
    for db in databases:
        for tickets in sizes:
            failed += run_child(db, tickets, args.runs, args.only, args.keep) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

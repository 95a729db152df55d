"""SLA benchmark: prints one JSON line per figure.

    python bench/sla.py                      SQLite and PostgreSQL (when reachable), 100k tickets
    python bench/sla.py --tickets 20000 --db sqlite

Figures (targets of issue 4):
- sla_due_time: computing one due time (Moscow calendar with Russian holidays),
  median < 1 ms;
- sla_check: one periodic warning/breach check with N open tickets, < 200 ms;
- sla_recompute: recomputing every open ticket's clocks after a policy change, < 60 s.

Each database runs in a child process with its own data directory (OKNO_DATA_DIR
in a temporary folder) and, on PostgreSQL, its own database (okno_bench_sla,
created and dropped here).
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    django_setup_and_migrate,
    emit,
    log,
    pg_reachable,
    rank,
    run_in_sandbox,
)

PG_DB = "okno_bench_sla"
MSK = ZoneInfo("Europe/Moscow")
# A Wednesday at 17:00 in Moscow: open tickets were created during the last hour.
NOW = dt.datetime(2026, 3, 11, 17, 0, tzinfo=MSK)
LATE = 50  # tickets whose first response is overdue at NOW


def generate(count: int):
    from okno.contacts.models import Contact
    from okno.sla.models import BusinessCalendar, Metric, SlaPolicy, SlaTarget
    from okno.tickets.models import Priority, StatusCategory, Ticket
    from okno.tickets.services.lifecycle import default_status

    calendar = BusinessCalendar.objects.create(
        name="Moscow", time_zone="Europe/Moscow", country="RU",
        weekly_hours={**{str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)},
                      "5": [], "6": []},
    )  # fmt: skip
    policy = SlaPolicy.objects.create(name="Standard", calendar=calendar)
    minutes = {Metric.FIRST_RESPONSE: 480, Metric.NEXT_RESPONSE: 480, Metric.RESOLUTION: 2400}
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, priority=p, metric=m, minutes=n)
        for p in Priority.values
        for m, n in minutes.items()
    )
    contact = Contact.objects.create(name="Bench")
    status = default_status(StatusCategory.OPEN)
    rng = random.Random(4)
    tickets = []
    for i in range(count):
        if i < LATE:  # Tuesday 09:30: 14.5 business hours before NOW, past the 8 h target
            created = NOW - dt.timedelta(days=1, hours=7, minutes=30)
        else:
            created = NOW - dt.timedelta(seconds=rng.randrange(1, 3600))
        tickets.append(
            Ticket(
                subject=f"Bench {i}",
                status=status,
                state=status.category,
                priority=rng.choice(Priority.values),
                contact=contact,
                created_at=created,
                updated_at=created,
            )  # fmt: skip
        )
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    return policy


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def timed_cpu(call) -> tuple[float, float]:
    """(wall, CPU) seconds: on a shared, loaded machine the CPU time of this process
    (plus the database's, for SQLite in-process) is the steadier figure."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def child(db: str, count: int, runs: int) -> None:
    django_setup_and_migrate()

    from okno.sla.admin_services import policy_update
    from okno.sla.calendar import add
    from okno.sla.models import Metric, SlaState, TicketSla
    from okno.sla.policies import calendar_spec
    from okno.sla.services import sla_check, sla_recompute_open
    from okno.tickets.models import Priority

    base = {"db": db, "tickets": count}
    began = time.perf_counter()
    policy = generate(count)
    seconds, cpu_first = timed_cpu(lambda: sla_recompute_open(at=NOW))
    clocks = TicketSla.objects.filter(state=SlaState.RUNNING).count()
    emit({"bench": "sla_generate", **base, "clocks": clocks,
          "seconds": round(time.perf_counter() - began, 1), "first_compute_s": round(seconds, 2), "first_compute_cpu_s": round(cpu_first, 2)})  # fmt: skip

    # One due time: random starts over two years, targets from 30 min to 3 days.
    spec = calendar_spec(policy.calendar, today=NOW.date())
    rng = random.Random(7)
    start0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    samples = []
    for _ in range(max(runs, 1) * 100):
        start = start0 + dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        duration = dt.timedelta(minutes=rng.choice([30, 120, 480, 960, 2400, 4320]))
        began = time.perf_counter()
        add(spec, start, duration)
        samples.append(time.perf_counter() - began)
    emit({"bench": "sla_due_time", **base, "runs": len(samples),
          "median_ms": round(statistics.median(samples) * 1000, 4),
          "p99_ms": round(rank(samples, 0.99) * 1000, 4),
          "target_ms": 1})  # fmt: skip

    # The periodic check: first the one that announces the LATE breaches, then the
    # steady state (nothing new due), as every minute.
    first = time.perf_counter()
    counts = sla_check(now=NOW)
    first = time.perf_counter() - first
    steady = [timed(lambda: sla_check(now=NOW)) for _ in range(max(runs, 3))]
    emit({"bench": "sla_check", **base, "open_clocks": clocks, "announced": counts,
          "with_announcements_ms": round(first * 1000, 1),
          "median_ms": round(statistics.median(steady) * 1000, 2), "target_ms": 200})  # fmt: skip

    # A policy change: every open ticket's clocks recomputed (what the queued task runs).
    targets = [
        {"priority": p, "metric": m, "minutes": n}
        for p in Priority.values
        for m, n in ((Metric.FIRST_RESPONSE, 240), (Metric.NEXT_RESPONSE, 240),
                     (Metric.RESOLUTION, 1920))
    ]  # fmt: skip
    policy_update(policy=policy, targets=targets)  # the queue is not running: no recompute yet
    seconds, cpu = timed_cpu(lambda: sla_recompute_open(at=NOW))
    changed = TicketSla.objects.filter(state=SlaState.RUNNING, target_minutes=240).count()
    emit({"bench": "sla_recompute", **base, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "clocks_changed": changed,
          "target_s": 60})  # fmt: skip


# --- parent ----------------------------------------------------------------------------


def run_child(db: str, tickets: int, runs: int) -> int:
    log(f"== sla, {db}, {tickets} tickets")
    command = [sys.executable, __file__, "--child", "--db", db]
    command += ["--tickets", str(tickets), "--runs", str(runs)]
    return run_in_sandbox(command, name="sla", db=db, pg_db=PG_DB)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tickets", type=int, help="default 100k (--quick 10k, --smoke 1k)")
    parser.add_argument("--quick", action="store_true", help="10k tickets")
    parser.add_argument("--smoke", action="store_true", help="1k tickets, 3 runs")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db[0], args.tickets, args.runs)
        return 0
    if args.smoke:
        args.runs = min(args.runs, 3)
    args.tickets = args.tickets or (1_000 if args.smoke else 10_000 if args.quick else 100_000)
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_reachable():
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    failed = sum(run_child(db, args.tickets, args.runs) != 0 for db in databases)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

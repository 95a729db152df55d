"""Automation benchmark: prints one JSON line per figure.

    python bench/automation.py                      SQLite and PostgreSQL (when reachable)
    python bench/automation.py --tickets 20000 --db sqlite

Figures (targets of issue 5):
- automation_triggers: with 200 active triggers, what the worker does with the events
  of one new ticket (created + first message): `run_handlers`, i.e. reading the events
  and running every handler in settings.OKNO_EVENT_HANDLERS (real-time, SLA,
  assignment, outbound, notifications, webhooks, automation, CSAT, reports), median
  < 20 ms; with CPU and statements per ticket, and the same for the next round (the
  handlers on the events the rules wrote);
- automation_time_rules: one pass of the time rules (the shipped three plus "new and
  unassigned for 30 minutes") over N open tickets, < 2 s; the first pass acts on
  the due tickets, the steady pass (next minute) finds them done.

Each database runs in a child process with its own data directory (OKNO_DATA_DIR
in a temporary folder) and, on PostgreSQL, its own database (okno_bench_automation,
created and dropped here).
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

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

PG_DB = "okno_bench_automation"
DUE = 100  # pending tickets past the 3-day reminder


def make_triggers(count: int) -> None:
    from okno.automation.models import Trigger

    fields = ["subject", "body", "contact.email", "organization", "tags", "channel"]
    rows = []
    for i in range(count):
        field = fields[i % len(fields)]
        op = "matches" if i % 7 == 0 else "contains"
        value = rf"refund\s+{i}" if op == "matches" else f"word{i}"
        conditions = [
            {"field": "state", "operator": "in", "value": ["new", "open"]},
            {"field": field, "operator": op, "value": value},
        ]
        if i % 50 == 0:  # a few rules match every new ticket and act
            conditions = [{"field": "subject", "operator": "contains", "value": "bench"}]
        rows.append(
            Trigger(
                name=f"Rule {i}",
                position=i,
                events=["created", "customer_replied"],
                conditions=conditions,
                actions=[{"type": "add_tags", "params": {"tags": [f"t{i}"]}}],
            )
        )
    Trigger.objects.bulk_create(rows)
    from okno.automation.ruleset import rules_changed

    rules_changed()  # what the services do on every save


class QueryCounter:
    """Counts the statements sent (a connection execute wrapper), and keeps their SQL
    when `keep` (for --trace)."""

    def __init__(self, keep: bool = False):
        self.count, self.keep, self.sql = 0, keep, []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not self.keep:
            return execute(sql, params, many, context)
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql.append(f"{(time.perf_counter() - began) * 1000:6.2f} ms  {sql}")


def timed_handlers(event_ids: list[int], trace: bool = False) -> tuple[float, float, int]:
    """What the worker's task does with a batch of event ids (`run_handlers`: read the
    events, then every handler in settings.OKNO_EVENT_HANDLERS); wall and CPU seconds
    and the statements sent. With `trace`, each handler's share and SQL go to stderr."""
    from django.db import connection

    from okno.core.events import run_handlers

    if trace:
        return trace_handlers(event_ids)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        began, began_cpu = time.perf_counter(), time.process_time()
        run_handlers(event_ids)
        wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return wall, cpu, counter.count


def trace_handlers(event_ids: list[int]) -> tuple[float, float, int]:
    """run_handlers step by step (the same calls), printing each one's CPU and SQL."""
    from django.conf import settings
    from django.db import connection
    from django.utils.module_loading import import_string

    from okno.tickets.models import TicketEvent

    steps = [
        ("read events", None),
        *((path, import_string(path)) for path in settings.OKNO_EVENT_HANDLERS),
    ]
    events, total = [], [0.0, 0.0, 0]
    for name, handler in steps:
        counter = QueryCounter(keep=True)
        with connection.execute_wrapper(counter):
            began, began_cpu = time.perf_counter(), time.process_time()
            if handler is None:
                qs = TicketEvent.objects.filter(id__in=event_ids).select_related("ticket")
                events = list(qs.order_by("id"))
            else:
                handler(events)
            wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        log(f"-- {name}: {wall * 1000:.2f} ms, CPU {cpu * 1000:.2f} ms, {counter.count} queries")
        for sql in counter.sql:
            log("   " + sql[:160])
        total = [total[0] + wall, total[1] + cpu, total[2] + counter.count]
    return total[0], total[1], total[2]


def bench_triggers(base: dict, runs: int, trace: bool = False) -> None:
    from django.conf import settings

    from okno.contacts.models import Contact
    from okno.tickets.models import Tag, TicketEvent
    from okno.tickets.services import ticket_create

    make_triggers(200)
    contact = Contact.objects.create(name="Bench", email="bench@example.com")
    first, followup = [], []
    for i in range(runs + 3):
        ticket = ticket_create(
            actor=contact, subject=f"Bench ticket {i}", body_text="Please refund my order"
        )
        ids = list(TicketEvent.objects.filter(ticket=ticket).values_list("id", flat=True))
        figures = timed_handlers(ids, trace=trace and i == 3)
        # The rules' own changes (the tags they add) are events too: the worker runs
        # the handlers on them in the next task (the cascade's second round).
        written = TicketEvent.objects.filter(ticket=ticket, id__gt=max(ids))
        more = timed_handlers(list(written.values_list("id", flat=True)))
        if i >= 3:  # the first runs warm caches (compiled patterns, statuses)
            first.append(figures)
            followup.append(more)
    # Counted afresh: ticket_create hands back its ticket with the (empty) tags prefetched.
    tags = Tag.objects.filter(tickets=ticket).count()

    def median(rows, column, scale=1000):
        return round(statistics.median(r[column] for r in rows) * scale, 2)

    emit({"bench": "automation_triggers", **base, "triggers": 200, "runs": len(first),
          "measures": "run_handlers on a new ticket's events (created + first message): "
                      "reading them and every handler in OKNO_EVENT_HANDLERS",
          "handlers": list(settings.OKNO_EVENT_HANDLERS),
          "fired_per_ticket": tags, "median_ms": median(first, 0),
          "p90_ms": round(rank([r[0] for r in first], 0.9) * 1000, 2),
          "median_cpu_ms": median(first, 1), "median_queries": median(first, 2, 1),
          "followup_median_ms": median(followup, 0), "followup_median_cpu_ms": median(followup, 1),
          "followup_median_queries": median(followup, 2, 1), "target_ms": 20})  # fmt: skip


def generate_tickets(count: int, now: dt.datetime) -> None:
    from okno.accounts.models import Group
    from okno.contacts.models import Contact
    from okno.tickets.models import StatusCategory, Ticket
    from okno.tickets.services.lifecycle import default_status

    group = Group.objects.create(name="Bench")
    contact = Contact.objects.create(name="Bench many", email="many@example.com")
    statuses = {c: default_status(c) for c in StatusCategory.values}
    rng = random.Random(5)
    rows = []
    for i in range(count):
        if i < DUE:  # pending, the agent's last answer 3 days and an hour ago
            state, last_agent = "pending", now - dt.timedelta(days=3, hours=1)
        else:
            state = rng.choice(["open", "open", "open", "pending", "new", "solved"])
            last_agent = now - dt.timedelta(minutes=rng.randrange(1, 2 * 24 * 60))
        created = now - dt.timedelta(minutes=rng.randrange(1, 25))
        rows.append(
            Ticket(
                subject=f"Many {i}", status=statuses[state], state=state, contact=contact,
                group=group, created_at=created, updated_at=last_agent,
                last_agent_message_at=last_agent,
                solved_at=last_agent if state == "solved" else None,
            )
        )  # fmt: skip
    Ticket.objects.bulk_create(rows, batch_size=2000)


def warm_up() -> None:
    """Load what a running worker has loaded once (the URL map, for the links in
    reminders; the lemma dictionaries, for indexing their text), so the pass is
    timed, not the process's first import."""
    from django.urls import get_resolver

    from okno.core.text import lemmas

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    lemmas("warm up the dictionaries прогрів словників прогрев словарей")


def bench_time_rules(base: dict, count: int) -> None:
    import time_machine
    from django.utils import timezone

    from okno.automation.models import TimeRule, TimeRuleRun
    from okno.automation.timerules import run_time_rules

    TimeRule.objects.create(
        name="Escalate new unassigned", basis="created_at", minutes=30, position=40,
        conditions=[{"field": "state", "operator": "is", "value": "new"},
                    {"field": "assignee", "operator": "is", "value": ""}],
        actions=[{"type": "set_priority", "params": {"priority": "high"}}],
    )  # fmt: skip
    now = timezone.now()
    began = time.perf_counter()
    generate_tickets(count, now)
    warm_up()
    emit({"bench": "automation_generate", **base, "seconds": round(time.perf_counter() - began, 1)})
    with time_machine.travel(now, tick=False):
        began, began_cpu = time.perf_counter(), time.process_time()
        acted = run_time_rules(now)
        first, first_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    with time_machine.travel(now + dt.timedelta(minutes=1), tick=False):
        steady = []
        for _ in range(3):
            began = time.perf_counter()
            run_time_rules(now + dt.timedelta(minutes=1))
            steady.append(time.perf_counter() - began)
    emit({"bench": "automation_time_rules", **base, "open_tickets": count,
          "acted_first_pass": acted, "runs_recorded": TimeRuleRun.objects.count(),
          "first_pass_s": round(first, 3), "first_pass_cpu_s": round(first_cpu, 3), "steady_pass_s": round(statistics.median(steady), 3),
          "target_s": 2})  # fmt: skip


def child(db: str, count: int, runs: int, trace: bool) -> None:
    django_setup_and_migrate()
    base = {"db": db, "tickets": count}
    bench_triggers(base, runs, trace)
    if not trace:
        bench_time_rules(base, count)


# --- parent ----------------------------------------------------------------------------


def run_child(db: str, tickets: int, runs: int, trace: bool) -> int:
    log(f"== automation, {db}, {tickets} tickets")
    command = [sys.executable, __file__, "--child", "--db", db]
    command += ["--tickets", str(tickets), "--runs", str(runs)] + ["--trace"] * trace
    return run_in_sandbox(
        command,
        name="automation",
        db=db,
        pg_db=PG_DB,
        extra_env={"OKNO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tickets", type=int, help="default 100k (--quick 10k, --smoke 1k)")
    parser.add_argument("--quick", action="store_true", help="10k tickets")
    parser.add_argument("--smoke", action="store_true", help="1k tickets, 3 runs")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--trace", action="store_true", help="print one run's SQL, skip time rules")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db[0], args.tickets, args.runs, args.trace)
        return 0
    if args.smoke:
        args.runs = min(args.runs, 3)
    args.tickets = args.tickets or (1_000 if args.smoke else 10_000 if args.quick else 100_000)
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_reachable():
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    failed = sum(run_child(db, args.tickets, args.runs, args.trace) != 0 for db in databases)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

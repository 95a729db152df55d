"""Reports benchmark: prints one JSON line per figure.

    python bench/reports.py                       SQLite 100k and PostgreSQL 1M tickets
    python bench/reports.py --db sqlite --tickets 20000

Target (issue 7): the 90-day dashboard (`okno.reports.metrics.dashboard`, every
figure of the page) over 1,000,000 tickets on PostgreSQL < 1 s, over 100,000 on
SQLite < 2 s. The data: tickets are copied from one template row in SQL, their
facts bulk-inserted (spread over 365 days, 80 % solved, 5 % reopened), then the
daily counters rebuilt from the facts (`rebuild_daily_stats`, as `okno reports
rebuild` does after recomputing facts from events).
"""

import argparse
import datetime as dt
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
    run_in_sandbox,
)

PG_DB = "okno_bench_reports"
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)
CHANNELS = ["email", "web", "portal", "chat"]


def generate(count: int) -> dict:
    from django.db import connection, transaction

    from okno.accounts.models import Group, User
    from okno.contacts.models import Contact, Organization
    from okno.reports.models_stats import TicketFact
    from okno.tickets.models import Category, Status, Ticket

    groups = [Group.objects.create(name=f"G{i}") for i in range(5)]
    agents = [User.objects.create_user(f"a{i}@bench.test", "x", name=f"A{i}") for i in range(20)]
    orgs = [Organization.objects.create(name=f"O{i}") for i in range(50)]
    categories = [Category.objects.create(name=f"C{i}") for i in range(10)]
    contact = Contact.objects.create(name="C", email="c@bench.test")
    status = Status.objects.filter(category="open").first()
    template = Ticket.objects.create(subject="bench", status=status, state="open", contact=contact)
    started = time.monotonic()
    cols = [f.column for f in Ticket._meta.concrete_fields if f.column != "number"]
    col_list = ", ".join(connection.ops.quote_name(c) for c in cols)
    table = connection.ops.quote_name(Ticket._meta.db_table)
    series = (
        f"generate_series(1, {count - 1})"
        if connection.vendor == "postgresql"
        else f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count - 1}) SELECT i FROM s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {table}, {series} AS g "
            f"WHERE number = %s",
            [template.number],
        )
    if connection.vendor == "postgresql":
        _facts_in_sql(template.number, groups, agents, orgs, categories, contact)
        return _finish(started)
    numbers = (
        Ticket.objects.order_by("number")
        .values_list("number", flat=True)
        .iterator(chunk_size=10000)
    )
    batch = []

    def flush():
        with transaction.atomic():
            TicketFact.objects.bulk_create(batch)
        batch.clear()

    for i, number in enumerate(numbers):
        created = NOW - dt.timedelta(days=i % 365, minutes=(i * 7) % 1440)
        solved = i % 5 != 0
        agent = agents[i % 20]
        first = i % 600
        resolution = 60 + (i * 13) % 4000
        solved_at = created + dt.timedelta(minutes=resolution) if solved else None
        batch.append(
            TicketFact(
                ticket_id=number, created_at=created, created_date=created.date(), created_hour=created.hour,
                group_id=groups[i % 5].pk, assignee_id=agent.pk, category_id=categories[i % 10].pk,
                organization_id=orgs[i % 50].pk, contact_id=contact.pk, channel=CHANNELS[i % 4],
                state="solved" if solved else "open",
                first_response_at=created + dt.timedelta(minutes=first),
                first_response_minutes=first, first_response_business_minutes=first // 2,
                solved_at=solved_at, solved_date=solved_at.date() if solved else None,
                resolution_minutes=resolution if solved else None,
                resolution_business_minutes=resolution // 3 if solved else None,
                reopened_count=1 if i % 20 == 0 else 0,
                reopen_dates=[created.date().isoformat()] if i % 20 == 0 else [],
                agent_replies=1 + i % 3, one_touch=solved and i % 3 == 0,
                solved_by_id=agent.pk if solved else None,
                minutes_new=i % 30, minutes_open=i % 300, minutes_pending=i % 100,
                sla_achieved=1 if i % 7 else 0, sla_breached=0 if i % 7 else 1,
            )
        )  # fmt: skip
        if len(batch) >= 5000:
            flush()
    flush()
    return _finish(started)


def _finish(started: float) -> dict:
    from django.db import connection

    from okno.reports.facts import rebuild_daily_stats

    rows = rebuild_daily_stats()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"generate_seconds": round(time.monotonic() - started, 1), "daily_rows": rows}


def _facts_in_sql(first: int, groups, agents, orgs, categories, contact) -> None:
    """PostgreSQL: the same facts as the Python loop, computed in one INSERT … SELECT."""
    from django.db import connection

    def pick(items):  # items[i % len]
        ids = ",".join(str(x.pk) for x in items)
        return f"(ARRAY[{ids}])[1 + (i % {len(items)})]"

    now = NOW.isoformat()
    sql = f"""
    INSERT INTO reports_ticketfact (
      ticket_id, created_at, created_date, created_hour, group_id, assignee_id, category_id,
      organization_id, contact_id, channel, state, first_response_at, first_response_minutes,
      first_response_business_minutes, solved_at, solved_date, resolution_minutes,
      resolution_business_minutes, reopened_count, reopen_dates, agent_replies, one_touch,
      solved_by_id, minutes_new, minutes_open, minutes_pending, minutes_on_hold, sla_achieved,
      sla_breached, updated_at)
    SELECT number, c, (c AT TIME ZONE 'UTC')::date, extract(hour FROM c AT TIME ZONE 'UTC'),
      {pick(groups)}, {pick(agents)}, {pick(categories)}, {pick(orgs)}, {contact.pk},
      (ARRAY['email','web','portal','chat'])[1 + (i % 4)],
      CASE WHEN i % 5 <> 0 THEN 'solved' ELSE 'open' END,
      c + make_interval(mins => (i % 600)::int), i % 600, (i % 600) / 2,
      CASE WHEN i % 5 <> 0 THEN c + make_interval(mins => (60 + (i * 13) % 4000)::int) END,
      CASE WHEN i % 5 <> 0 THEN ((c + make_interval(mins => (60 + (i * 13) % 4000)::int))
        AT TIME ZONE 'UTC')::date END,
      CASE WHEN i % 5 <> 0 THEN 60 + (i * 13) % 4000 END,
      CASE WHEN i % 5 <> 0 THEN (60 + (i * 13) % 4000) / 3 END,
      CASE WHEN i % 20 = 0 THEN 1 ELSE 0 END,
      CASE WHEN i % 20 = 0 THEN jsonb_build_array(((c AT TIME ZONE 'UTC')::date)::text)
        ELSE '[]'::jsonb END,
      1 + i % 3, (i % 5 <> 0 AND i % 3 = 0),
      CASE WHEN i % 5 <> 0 THEN {pick(agents)} END,
      i % 30, i % 300, i % 100, 0,
      CASE WHEN i % 7 <> 0 THEN 1 ELSE 0 END, CASE WHEN i % 7 <> 0 THEN 0 ELSE 1 END, now()
    FROM (
      SELECT number, number - {first} AS i,
        TIMESTAMPTZ '{now}' - make_interval(days => ((number - {first}) % 365)::int,
          mins => (((number - {first}) * 7) % 1440)::int) AS c
      FROM tickets_ticket
    ) AS t
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)


def child(db: str, count: int, runs: int) -> None:
    django_setup_and_migrate()
    from okno.reports import metrics
    from okno.reports.filters import parse_filters

    info = generate(count)
    emit({"bench": "reports_generate", "db": db, "tickets": count, **info})
    end = NOW.date()
    f = parse_filters({"from": (end - dt.timedelta(days=89)).isoformat(), "to": end.isoformat()})
    target = 1.0 if db == "postgres" else 2.0
    from okno.accounts.models import Group

    by_group = parse_filters({**f.as_query(), "group": str(Group.objects.first().pk)})
    by_org = parse_filters({**f.as_query(), "organization": str(Group.objects.first().pk)})
    for name, filters in (
        ("reports_dashboard_90d", f),
        ("reports_dashboard_90d_group", by_group),
        ("reports_dashboard_90d_org_fallback", by_org),
    ):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            data = metrics.dashboard(filters)
            times.append(time.perf_counter() - started)
        emit({
            "bench": name, "db": db, "tickets": count, "runs": runs,
            "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "target_s": target, "ok": statistics.median(times) < target,
            "created_in_period": data["totals"]["created"],
        })  # fmt: skip
    times = []
    for _ in range(max(1, runs // 3)):
        started = time.perf_counter()
        metrics.agents(f)
        times.append(time.perf_counter() - started)
    emit(
        {
            "bench": "reports_agents_90d",
            "db": db,
            "tickets": count,
            "median_s": round(statistics.median(times), 3),
        }
    )


def run_child(db: str, tickets: int, runs: int) -> int:
    log(f"== reports, {db}, {tickets} tickets")
    command = [sys.executable, __file__, "--child", "--db", db]
    command += ["--tickets", str(tickets), "--runs", str(runs)]
    return run_in_sandbox(command, name="reports", db=db, pg_db=PG_DB)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tickets", type=int, help="default: 100k SQLite, 1M PostgreSQL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10k SQLite, 100k PostgreSQL")
    parser.add_argument("--smoke", action="store_true", help="1k tickets, 1 run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db[0], args.tickets, args.runs)
        return 0
    databases = args.db or ["sqlite", "postgres"]
    if "postgres" in databases and not pg_reachable():
        emit({"bench": "skipped", "db": "postgres", "reason": f"not reachable at {PG_ADMIN_URL}"})
        databases = [d for d in databases if d != "postgres"]
    default = {"sqlite": 100_000, "postgres": 1_000_000}
    if args.quick:
        default = {"sqlite": 10_000, "postgres": 100_000}
    if args.smoke:
        default, args.runs = {"sqlite": 1_000, "postgres": 1_000}, 1
    failed = sum(run_child(db, args.tickets or default[db], args.runs) != 0 for db in databases)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

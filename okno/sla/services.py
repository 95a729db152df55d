"""SLA use cases on tickets: follow ticket events, recompute, check warnings and breaches.

Clock rules live in `okno.sla.clocks` (in memory); this module loads, locks and
saves. Policy and calendar edits are in `okno.sla.admin_services`.
"""

import datetime as dt
import logging
import operator
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from okno.core.actors import SystemActor
from okno.core.events import dispatch_after_commit
from okno.sla.clocks import SAVE_FIELDS, Clock, customer_wrote, respond, sync_clocks
from okno.sla.models import OPEN_STATES, SlaState, TicketSla
from okno.sla.policies import FACT_FIELDS, Rule, facts_from_values, load_rules, match_rule
from okno.tickets.models import ACTIVE_CATEGORIES, Message, Ticket, TicketEvent
from okno.tickets.services.events import record_event

log = logging.getLogger("okno.sla")

SLA_ACTOR = SystemActor(label="SLA")
EVENT_WARNING = "sla_warning"
EVENT_BREACH = "sla_breach"
CHECK_BATCH = 500
RECOMPUTE_BATCH = 2000
# Tickets per transaction in the event handler (row locks held together).
PROCESS_CHUNK = 200
# Clocks per UPDATE on PostgreSQL (column arrays: no parameter limit).
PG_WRITE_CHUNK = 5000


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(" ")


def _write_rows(rows: list, fields: list, statement, chunk: int = 500) -> None:
    """Run `statement(source, names)` per chunk of rows, `source` being a derived
    table `v` of the rows' `pk` and `fields` values.

    Django's bulk_update builds a CASE expression per field and row, and
    bulk_create prepares every value field by field: ~10 µs to ~1 ms of Python a
    row at this size; this costs a few microseconds.
    PostgreSQL gets one array per column (`unnest(%s::type[], …)`): a handful of
    parameters however many rows, where a VALUES list of 6,000 placeholders cost
    psycopg more to parse on every statement than the database took to run it.
    SQLite gets `(VALUES …)`, its rows limited by the parameter limit, and each
    aware datetime as its naive UTC text (what Django writes).
    """
    quote = connection.ops.quote_name
    names = ", ".join(["id", *(quote(f.column) for f in fields)])
    values_of = operator.attrgetter("pk", *(f.attname for f in fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["bigint", *(f.db_type(connection) for f in fields)]
            source = f"unnest({', '.join(f'%s::{t}[]' for t in types)}) AS v({names})"
            for start in range(0, len(rows), PG_WRITE_CHUNK):
                columns = zip(*map(values_of, rows[start : start + PG_WRITE_CHUNK]), strict=True)
                cursor.execute(statement(source, names), [list(c) for c in columns])
            return
        datetimes = [
            i + 1 for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"
        ]
        row_sql = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = []
            for row in part:
                values = list(values_of(row))
                for i in datetimes:
                    if values[i] is not None:
                        values[i] = _sqlite_datetime(values[i])
                params += values
            source = f"(VALUES {', '.join([row_sql] * len(part))}) AS v"
            cursor.execute(statement(source, names), params)


def _bulk_write(rows: list) -> None:
    """UPDATE the engine's SAVE_FIELDS of many clocks (never warned_at / breached_at)."""
    meta = TicketSla._meta
    fields = [meta.get_field(name) for name in SAVE_FIELDS]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assign = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)

    def statement(source, names):
        # Names and types come from the model; every value is a parameter.
        if connection.vendor != "postgresql":  # SQLite names a VALUES list's columns in a CTE
            source = f"v({names}) AS {source.removesuffix(' AS v')}"
            return f"WITH {source} UPDATE {table} SET {assign} FROM v WHERE {table}.id = v.id"  # noqa: S608
        return f"UPDATE {table} SET {assign} FROM {source} WHERE {table}.id = v.id"  # noqa: S608

    _write_rows(rows, fields, statement)


def _bulk_insert(rows: list[TicketSla]) -> None:
    """INSERT many new clocks (their ids are not read back: nothing uses them)."""
    meta = TicketSla._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)

    def statement(source, names):
        # Names and types come from the model; every value is a parameter.
        if connection.vendor != "postgresql":
            source = f"v({names}) AS {source.removesuffix(' AS v')}"
            return f"WITH {source} INSERT INTO {table} ({columns}) SELECT {columns} FROM v"  # noqa: S608
        return f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {source}"  # noqa: S608

    _write_rows(rows, fields, statement, chunk=400)


def _save(created: list[TicketSla], changed: list) -> None:
    if created:
        _bulk_insert(created)
    if changed:
        _bulk_write(changed)


def _needs_tags(rules: list[Rule]) -> bool:
    """Tags only matter to policies that match on them (a query saved otherwise)."""
    return any((r.policy.conditions or {}).get("tags") for r in rules)


def _tags_by_ticket(tickets) -> dict[int, list[str]]:
    """Tag names per ticket number; `tickets` filters the through table."""
    tags = defaultdict(list)
    through = Ticket.tags.through.objects.filter(tickets)
    for number, name in through.values_list("ticket_id", "tag__name"):
        tags[number].append(name)
    return tags


def _clocks_by_ticket(clocks) -> dict[int, list[Clock]]:
    """Every clock (finished ones too) per ticket number, oldest first, as `Clock`s.

    Read with the queryset's SQL on a plain cursor: Django's per-value converters
    (on SQLite: parse, then make aware, each datetime) were a third of a bulk
    recompute. The driver returns datetimes already (SQLite: naive UTC, marked
    here; PostgreSQL: aware) and SQLite booleans as 0/1 (made bool here).
    """
    sql, params = clocks.order_by("id").values_list(*Clock.FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = defaultdict(list)
    if connection.vendor == "sqlite":
        utc = dt.UTC
        for values in fetched:
            values = list(values)
            values[_BUSINESS_TIME] = bool(values[_BUSINESS_TIME])
            for i in _DATETIMES:
                if values[i] is not None:
                    values[i] = values[i].replace(tzinfo=utc)
            rows[values[1]].append(Clock(*values))
    else:
        for values in fetched:
            rows[values[1]].append(Clock(*values))
    return rows


_BUSINESS_TIME = Clock.FIELDS.index("business_time")
_DATETIMES = [
    i
    for i, name in enumerate(Clock.FIELDS)
    if name.endswith("_at")
    and TicketSla._meta.get_field(name).get_internal_type() == "DateTimeField"
]


def _facts(number: int):
    values = Ticket.objects.filter(number=number).values(*FACT_FIELDS).first()
    if values is None:
        return None
    return facts_from_values(values, _tags_by_ticket(Q(ticket_id=number))[number])


def _is_response(event: TicketEvent) -> bool:
    """A public reply written by an agent, not by a rule (an automatic message)."""
    data = event.data or {}
    return (
        event.kind == "message"
        and data.get("author_kind") == "agent"
        and data.get("direction") == "out"
        and event.actor_kind != "rule"
    )


def _is_customer_message(event: TicketEvent) -> bool:
    data = event.data or {}
    return event.kind == "message" and data.get("author_kind") == "contact"


def _opening_message_ids(number: int, events: list[TicketEvent]) -> set[int]:
    """The message a ticket was opened with is neither a response nor a new wait."""
    # The opening message comes with the "created" event, in the same commit.
    if not any(e.kind == "created" for e in events):
        return set()
    first = Message.objects.filter(ticket_id=number).order_by("created_at", "id").first()
    return {first.pk} if first else set()


def _apply_events(facts, rows: list, rule: Rule | None, events, opening: set[int]):
    """One ticket's events, in order, on its clocks in memory; (created, changed)."""
    changed: dict[int, object] = {}
    created: list[TicketSla] = []
    for event in events:
        if (event.data or {}).get("message") in opening:
            continue
        if _is_response(event):
            for row in respond(rows, rule, event.created_at):
                if row.pk is not None:
                    changed[row.pk] = row
        elif _is_customer_message(event):
            row = customer_wrote(facts, rows, rule, event.created_at)
            if row is not None:
                rows.append(row)
                created.append(row)
    at = max(e.created_at for e in events)
    more_created, more_changed = sync_clocks(facts, rows, rule, at)
    for row in more_changed:
        changed[row.pk] = row
    # Rows created above were scheduled by sync too (they are in `rows`).
    return created + more_created, list(changed.values())


def sla_process_events(
    *, events_by_ticket: dict[int, list[TicketEvent]], rules: list[Rule] | None = None
) -> None:
    """Apply committed events, per ticket in order, to the tickets' clocks; then sync.

    One transaction per chunk of tickets, not per ticket: their row locks (taken in
    number order, so two workers cannot deadlock each other), their facts, tags and
    clocks in three queries, and only the clocks that changed are written, in bulk.
    Two workers handling events of the same ticket still take turns. The time of
    each change is its event's time, not now. With no active policy only tickets
    with open clocks (to cancel) are visited: one query for a batch of messages.
    If a chunk's writes fail, its tickets are retried one by one, so one ticket's
    trouble does not stall the others.
    """
    events_by_ticket = {n: e for n, e in events_by_ticket.items() if e}
    if not events_by_ticket:
        return
    rules = load_rules() if rules is None else rules
    numbers = sorted(events_by_ticket)
    if not rules:
        # No ORDER BY: TicketSla's default one sorts by its ticket's, a join for nothing.
        open_clocks = TicketSla.objects.filter(ticket_id__in=numbers, state__in=OPEN_STATES)
        numbers = sorted(set(open_clocks.order_by().values_list("ticket_id", flat=True)))
    for start in range(0, len(numbers), PROCESS_CHUNK):
        chunk = numbers[start : start + PROCESS_CHUNK]
        try:
            _process_chunk(chunk, events_by_ticket, rules)
        except Exception:
            if len(chunk) == 1:
                raise
            log.exception("SLA update of #%s-#%s failed; retrying one by one", chunk[0], chunk[-1])
            for number in chunk:
                try:
                    _process_chunk([number], events_by_ticket, rules)
                except Exception:  # one ticket's trouble must not stall the others
                    log.exception("SLA update of #%s failed", number)


def _process_chunk(numbers: list[int], events_by_ticket, rules: list[Rule]) -> None:
    opening = {n: _opening_message_ids(n, events_by_ticket[n]) for n in numbers}
    with transaction.atomic():
        # The tickets' row locks with their facts (a plain SELECT … FOR UPDATE).
        values = list(
            Ticket.objects.select_for_update()
            .filter(number__in=numbers)
            .order_by("number")
            .values(*FACT_FIELDS)
        )
        if not values:
            return
        tags = _tags_by_ticket(Q(ticket_id__in=numbers)) if _needs_tags(rules) else {}
        clocks = _clocks_by_ticket(
            TicketSla.objects.select_for_update().filter(ticket_id__in=numbers)
        )
        created, changed = [], []
        for value in values:
            number = value["number"]
            try:
                facts = facts_from_values(value, tags.get(number, ()))
                new, updated = _apply_events(
                    facts,
                    clocks[number],
                    match_rule(rules, facts),
                    events_by_ticket[number],
                    opening[number],
                )
            except Exception:  # one ticket's trouble must not stall the others
                log.exception("SLA update of #%s failed", number)
                continue
            created += new
            changed += updated
        _save(created, changed)


def sla_process_ticket_events(
    *, number: int, events: list[TicketEvent], rules: list[Rule] | None = None
) -> None:
    """One ticket's committed events (see `sla_process_events`)."""
    sla_process_events(events_by_ticket={number: events}, rules=rules)


def sla_recompute_ticket(*, number: int, at: dt.datetime | None = None) -> None:
    """Bring one ticket's clocks in line with its current fields and the policies."""
    at = at or timezone.now()
    rules = load_rules()
    with transaction.atomic():
        facts = _facts(number)
        if facts is None:
            return
        rows = _clocks_by_ticket(TicketSla.objects.select_for_update().filter(ticket_id=number))
        _save(*sync_clocks(facts, rows[number], match_rule(rules, facts), at))


def sla_recompute_open(*, batch_size: int = RECOMPUTE_BATCH, at: dt.datetime | None = None) -> int:
    """Recompute the clocks of every open ticket (after a policy or calendar change).

    1. The open tickets' numbers, in one index-only query.
    2. Per batch of numbers, one transaction: the tickets' facts by primary key,
       their tags (only when a policy matches on tags) and clocks by a range of
       ticket numbers (a range scan; rows of tickets outside the batch are skipped
       here). Filtering clocks by "ticket is open" in SQL let SQLite's planner
       walk every open ticket for every batch: quadratic at 100,000 tickets.
    3. Bulk inserts, and bulk updates of only the clocks whose values changed.
    Returns the number of tickets seen.
    """
    at = at or timezone.now()
    rules = load_rules()
    with_tags = _needs_tags(rules)
    seen = 0
    numbers = sorted(
        Ticket.objects.filter(state__in=ACTIVE_CATEGORIES).values_list("number", flat=True)
    )
    for start in range(0, len(numbers), batch_size):
        batch = numbers[start : start + batch_size]
        window = Q(ticket_id__gte=batch[0], ticket_id__lte=batch[-1])
        with transaction.atomic():
            # By primary key only (with the state too SQLite picks the state index);
            # a ticket closed since step 1 is left out here.
            rows = Ticket.objects.filter(number__in=batch).order_by("number").values(*FACT_FIELDS)
            values = [v for v in rows if v["state"] in ACTIVE_CATEGORIES]
            seen += len(values)
            tags = _tags_by_ticket(window) if with_tags else {}
            clocks = TicketSla.objects.select_for_update().filter(window)
            rows_by_ticket = _clocks_by_ticket(clocks)
            created, changed = [], []
            for value in values:
                facts = facts_from_values(value, tags.get(value["number"], ()))
                new, updated = sync_clocks(
                    facts, rows_by_ticket[facts.number], match_rule(rules, facts), at
                )
                if new:
                    created += new
                if updated:
                    changed += updated
            _save(created, changed)
    return seen


# --- the periodic check -------------------------------------------------------------


def _claim(row_id: int, kind: str, now: dt.datetime) -> bool:
    """Atomically mark one clock warned/breached; True only for the one caller that did.

    The conditional UPDATE is the lock: with any number of workers (and after a
    restart) exactly one UPDATE matches the row while the mark is still unset.
    A breach also marks the warning, so a late check never warns after breaching.
    """
    rows = TicketSla.objects.filter(id=row_id, state=SlaState.RUNNING)
    if kind == EVENT_BREACH:
        return bool(
            rows.filter(breached_at__isnull=True, due_at__lte=now).update(
                breached_at=now, warned_at=Coalesce(F("warned_at"), now)
            )
        )
    return bool(rows.filter(warned_at__isnull=True, warn_at__lte=now).update(warned_at=now))


def _emit(row_ids: list[int], kind: str, now: dt.datetime) -> int:
    """Claim and announce a chunk of clocks in one transaction (one commit, one fsync).

    Claims and events commit together: a crash loses both, so a restarted worker
    claims again; a concurrent worker's UPDATE waits for this commit and then finds
    the mark set.
    """
    emitted = []
    with transaction.atomic():
        for row_id in row_ids:
            if not _claim(row_id, kind, now):
                continue
            row = TicketSla.objects.select_related("ticket").get(id=row_id)
            event = record_event(
                ticket_id=row.ticket_id,
                actor=SLA_ACTOR,
                kind=kind,
                version=row.ticket.version,
                data={
                    "sla": row.pk,
                    "metric": row.metric,
                    "policy": row.policy_id,
                    "target_minutes": row.target_minutes,
                    "business_time": row.business_time,
                    "due_at": row.due_at.isoformat() if row.due_at else None,
                },
            )
            emitted.append(event.id)
        # Automation, notifications and escalation follow from the events.
        dispatch_after_commit(emitted)
    return len(emitted)


def sla_check(*, now: dt.datetime | None = None, batch: int = CHECK_BATCH) -> dict[str, int]:
    """Announce the clocks that passed their due time, then those past their warning.

    The candidates come from indexes on (state, breached_at, due_at) and (state,
    warned_at, warn_at): a range scan over unannounced running clocks only, so the
    cost follows the number due now, not the number open.
    """
    now = now or timezone.now()
    counts = {"breached": 0, "warned": 0}
    for kind, key, condition, order in (
        (EVENT_BREACH, "breached", Q(breached_at__isnull=True, due_at__lte=now), "due_at"),
        (EVENT_WARNING, "warned", Q(warned_at__isnull=True, warn_at__lte=now), "warn_at"),
    ):
        while True:
            ids = list(
                TicketSla.objects.filter(condition, state=SlaState.RUNNING)
                .order_by(order)
                .values_list("id", flat=True)[:batch]
            )
            for start in range(0, len(ids), 100):
                counts[key] += _emit(ids[start : start + 100], kind, now)
            if len(ids) < batch:
                break
    return counts


# --- escalation ------------------------------------------------------------------------


def sla_escalate(*, row: TicketSla) -> Ticket | None:
    """After a breach, do what the clock's policy asks: raise priority, reassign."""
    from okno.core.errors import ValidationFailed
    from okno.tickets.models import Priority
    from okno.tickets.services import ticket_update

    policy = row.policy
    if policy is None:
        return None
    ticket = Ticket.objects.filter(number=row.ticket_id, is_deleted=False).first()
    if ticket is None or ticket.is_done:
        return None
    changes: dict = {}
    if policy.raise_priority and ticket.priority < Priority.URGENT:
        changes["priority"] = ticket.priority + 1
    if policy.escalate_to_group_id and policy.escalate_to_group_id != ticket.group_id:
        changes["group"] = policy.escalate_to_group
    user = policy.escalate_to_user
    if user is not None and user.is_active and user.pk != ticket.assignee_id:
        changes["assignee"] = user
    if not changes:
        return None
    try:
        return ticket_update(ticket=ticket, actor=SLA_ACTOR, changes=changes)
    except ValidationFailed:
        log.warning("SLA escalation of #%s refused: %s", ticket.number, changes, exc_info=True)
        return None

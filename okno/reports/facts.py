"""Per-ticket facts derived from the ticket's events, and the daily counters.

A fact is recomputed whole from the ticket's events (a few dozen rows) each time the
ticket gets an event, so it is right after the fact: a reopened ticket's resolution
runs until its last solve, and `reopened_count` counts solved -> active transitions.

`DailyStats` is maintained by difference: the counters a fact contributes
(created on its creation day, solved on its last solve day, reopened on each reopen
day, under the ticket's group/channel/category/assignee) are subtracted for the old
fact and added for the new one, as upserts of small deltas.
"""

import datetime as dt
from collections import Counter
from functools import cache, partial

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from okno.reports.models_stats import DailyStats, TicketFact
from okno.sla.calendar import between
from okno.sla.models import BusinessCalendar, SlaState, TicketSla
from okno.sla.policies import calendar_spec
from okno.tickets.catalog import catalog
from okno.tickets.models import DONE_CATEGORIES, StatusCategory, Ticket, TicketEvent

STATUS_MINUTES = {
    StatusCategory.NEW: "minutes_new",
    StatusCategory.OPEN: "minutes_open",
    StatusCategory.PENDING: "minutes_pending",
    StatusCategory.ON_HOLD: "minutes_on_hold",
}


def _minutes(a: dt.datetime, b: dt.datetime) -> int:
    return int((b - a).total_seconds() // 60)


def status_categories() -> dict[str, str]:
    """Status name -> category: status_changed events carry names. From the
    per-process catalog (versioned: a changed status reloads it), not a query per
    batch of events."""
    return {s.name: s.category for s in catalog("statuses")["statuses"]}


def ticket_spec(ticket: Ticket, default_calendar):
    """The business calendar of the ticket's SLA policy, else the first calendar
    (`default_calendar()`, asked only then)."""
    return ticket_specs([ticket.number], default_calendar)[ticket.number]


def ticket_specs(numbers, default_calendar) -> dict:
    """`ticket_spec` of many tickets in one query (each ticket's first clock decides)."""
    calendars = {}
    clocks = (
        TicketSla.objects.filter(ticket_id__in=numbers, policy__calendar__isnull=False)
        .select_related("policy__calendar")
        .order_by("ticket", "id")
    )
    for clock in clocks:
        calendars.setdefault(clock.ticket_id, clock.policy.calendar)
    specs = {}
    for number in numbers:
        calendar = calendars[number] if number in calendars else default_calendar()
        specs[number] = calendar_spec(calendar) if calendar else None
    return specs


def compute_fact(ticket: Ticket, events, categories: dict, spec_of, now=None) -> TicketFact:
    """`spec_of()` gives the ticket's business calendar (or None); it is asked only
    when a business time is due (a first response, a solve). Walk the events in
    order (steps):
    1. the status category starts as the `created` event's status (else "new");
    2. each status_changed adds the minutes since the last change to the old
       category, marks a solve (done category) or a reopen (done -> active);
    3. public agent messages count replies; the first is the first response;
    4. the current category's time runs until `now` if the ticket is active.
    """
    now = now or timezone.now()
    fact = TicketFact(
        ticket_id=ticket.number,
        created_at=ticket.created_at,
        created_date=ticket.created_at.astimezone(dt.UTC).date(),
        created_hour=ticket.created_at.astimezone(dt.UTC).hour,
        group_id=ticket.group_id,
        assignee_id=ticket.assignee_id,
        category_id=ticket.category_id,
        organization_id=ticket.organization_id,
        contact_id=ticket.contact_id,
        channel=ticket.channel,
        state=ticket.state,
        updated_at=now,
    )
    category, since, solved_at, solved_by = StatusCategory.NEW, ticket.created_at, None, None
    minutes = Counter()
    reopens = []
    for event in events:
        if event.kind == "created":
            category = categories.get((event.data or {}).get("status"), category)
        elif event.kind == "status_changed":
            new = categories.get(event.new, category)
            minutes[category] += _minutes(since, event.created_at)
            since = event.created_at
            if new in DONE_CATEGORIES and category not in DONE_CATEGORIES:
                solved_at, solved_by = event.created_at, event.actor_user_id
            elif category in DONE_CATEGORIES and new not in DONE_CATEGORIES:
                reopens.append(event.created_at.astimezone(dt.UTC).date().isoformat())
                solved_at = solved_by = None
            category = new
        elif event.kind == "message" and (event.data or {}).get("author_kind") == "agent":
            fact.agent_replies += 1
            if fact.first_response_at is None:
                fact.first_response_at = event.created_at
    if category not in DONE_CATEGORIES:
        minutes[category] += _minutes(since, now)
    for cat, field in STATUS_MINUTES.items():
        setattr(fact, field, max(0, minutes[cat]))
    fact.reopened_count, fact.reopen_dates = len(reopens), reopens
    spec = spec_of() if fact.first_response_at or solved_at else None
    if fact.first_response_at:
        fact.first_response_minutes = _minutes(ticket.created_at, fact.first_response_at)
        if spec is not None:
            fact.first_response_business_minutes = int(
                between(spec, ticket.created_at, fact.first_response_at).total_seconds() // 60
            )
    if solved_at:
        fact.solved_at, fact.solved_by_id = solved_at, solved_by
        fact.solved_date = solved_at.astimezone(dt.UTC).date()
        fact.resolution_minutes = _minutes(ticket.created_at, solved_at)
        if spec is not None:
            fact.resolution_business_minutes = int(
                between(spec, ticket.created_at, solved_at).total_seconds() // 60
            )
        fact.one_touch = fact.agent_replies == 1
    return fact


def _sla_counts(ticket_ids) -> dict[int, Counter]:
    counts: dict[int, Counter] = {}
    # No ORDER BY: TicketSla's default one sorts by its ticket's, a join for nothing.
    rows = (
        TicketSla.objects.filter(
            ticket_id__in=ticket_ids, state__in=[SlaState.ACHIEVED, SlaState.BREACHED]
        )
        .order_by()
        .values_list("ticket_id", "state")
    )
    for ticket_id, state in rows:
        counts.setdefault(ticket_id, Counter())[state] += 1
    return counts


def contributions(fact: TicketFact | None) -> Counter:
    """The DailyStats deltas a fact stands for: (date, dims, counter) -> n."""
    out: Counter = Counter()
    if fact is None:
        return out
    dims = (fact.group_id or 0, fact.channel, fact.category_id or 0, fact.assignee_id or 0)
    out[(fact.created_date, *dims, "created")] += 1
    if fact.solved_date:
        out[(fact.solved_date, *dims, "solved")] += 1
    for day in fact.reopen_dates:
        out[(dt.date.fromisoformat(day), *dims, "reopened")] += 1
    return out


def _apply_deltas(deltas: Counter) -> None:
    # In one order everywhere, so two workers' transactions lock rows alike.
    for (day, group, channel, category, assignee, counter), n in sorted(
        deltas.items(), key=lambda item: tuple(str(part) for part in item[0])
    ):
        if not n:
            continue
        key = dict(
            date=day, group_id=group, channel=channel, category_id=category, assignee_id=assignee
        )
        if DailyStats.objects.filter(**key).update(**{counter: F(counter) + n}):
            continue
        try:
            with transaction.atomic():
                DailyStats.objects.create(**key, **{counter: n})
        except IntegrityError:  # created meanwhile by another worker
            DailyStats.objects.filter(**key).update(**{counter: F(counter) + n})


def refresh_facts(ticket_ids) -> None:
    """Recompute the facts of these tickets and move the daily counters by the difference.

    One transaction for the lot: the old facts locked in one SELECT, the counters'
    deltas summed over the tickets (a burst of new chat tickets moves one counter row
    once, not once per ticket), the facts written in bulk."""
    try:
        _refresh_facts(ticket_ids)
    except IntegrityError:  # a twin worker created one of these facts meanwhile
        _refresh_facts(ticket_ids)


def _refresh_facts(ticket_ids) -> None:
    categories = status_categories()
    default_calendar = cache(BusinessCalendar.objects.order_by("pk").first)
    sla = _sla_counts(ticket_ids)
    # Only the events compute_fact reads: a long chat's customer messages stay unloaded.
    # Unordered (sorted below): the default orders would cost their compiling only.
    # Read in the lock's transaction below (lazy querysets), with the tickets.
    counted = TicketEvent.objects.filter(
        Q(kind__in=("created", "status_changed")) | Q(kind="message", data__author_kind="agent"),
        ticket_id__in=ticket_ids,
    ).order_by()
    tickets = Ticket.objects.filter(number__in=ticket_ids).order_by()
    # Read on first need, for the whole batch at once.
    specs = cache(partial(ticket_specs, list(ticket_ids), default_calendar))
    with transaction.atomic():
        olds = {
            fact.ticket_id: fact
            for fact in TicketFact.objects.select_for_update()
            .filter(ticket_id__in=ticket_ids)
            .order_by("ticket_id")
        }
        deltas: Counter = Counter()
        fresh, changed, gone = [], [], []
        tickets = list(tickets)
        by_ticket: dict[int, list] = {}
        for event in counted:
            by_ticket.setdefault(event.ticket_id, []).append(event)
        for ticket in tickets:
            old = olds.get(ticket.number)
            if ticket.is_deleted or ticket.merged_into_id:
                new = None
            else:
                events = by_ticket.get(ticket.number, [])
                events.sort(key=lambda e: (e.created_at, e.pk))
                new = compute_fact(
                    ticket, events, categories, lambda number=ticket.number: specs()[number]
                )
                counts = sla.get(ticket.number, Counter())
                new.sla_achieved = counts[SlaState.ACHIEVED]
                new.sla_breached = counts[SlaState.BREACHED]
            deltas.update(contributions(new))
            deltas.subtract(contributions(old))
            if new is None:
                gone.append(ticket.number)
            else:
                (fresh if old is None else changed).append(new)
        _apply_deltas(deltas)
        if gone:
            TicketFact.objects.filter(ticket_id__in=gone).delete()
        if changed:
            TicketFact.objects.bulk_update(changed, _FACT_FIELDS)
        if fresh:
            TicketFact.objects.bulk_create(fresh)


_FACT_FIELDS = [f.name for f in TicketFact._meta.concrete_fields if not f.primary_key]


def rebuild_daily_stats() -> int:
    """Recount DailyStats from the facts (GROUP BY in SQL; reopen days in Python)."""
    dims = ["group_id", "channel", "category_id", "assignee_id"]
    totals: Counter = Counter()
    for date_field, counter in (("created_date", "created"), ("solved_date", "solved")):
        rows = (
            TicketFact.objects.filter(**{f"{date_field}__isnull": False})
            .values(date_field, *dims)
            .annotate(n=Count("pk"))
        )
        for r in rows:
            key = (r[date_field], r["group_id"] or 0, r["channel"], r["category_id"] or 0)
            totals[(*key, r["assignee_id"] or 0, counter)] += r["n"]
    reopened = TicketFact.objects.filter(reopened_count__gt=0).values_list("reopen_dates", *dims)
    for dates, group, channel, category, assignee in reopened.iterator():
        for day in dates:
            key = (dt.date.fromisoformat(day), group or 0, channel, category or 0, assignee or 0)
            totals[(*key, "reopened")] += 1
    rows: dict = {}
    for (day, group, channel, category, assignee, counter), n in totals.items():
        row = rows.setdefault(
            (day, group, channel, category, assignee),
            DailyStats(
                date=day,
                group_id=group,
                channel=channel,
                category_id=category,
                assignee_id=assignee,
            ),
        )
        setattr(row, counter, n)
    with transaction.atomic():
        DailyStats.objects.all().delete()
        DailyStats.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)


def rebuild_all(chunk: int = 500) -> int:
    """Recompute every fact from events, then the daily counters. Returns the ticket count."""
    TicketFact.objects.all().delete()
    DailyStats.objects.all().delete()
    categories = status_categories()
    default_calendar = cache(BusinessCalendar.objects.order_by("pk").first)
    ids = list(
        Ticket.objects.filter(is_deleted=False, merged_into__isnull=True)
        .order_by("number")
        .values_list("number", flat=True)
    )
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        sla = _sla_counts(part)
        facts = []
        for ticket in Ticket.objects.filter(number__in=part).prefetch_related("events"):
            events = sorted(ticket.events.all(), key=lambda e: (e.created_at, e.pk))
            fact = compute_fact(
                ticket, events, categories, partial(ticket_spec, ticket, default_calendar)
            )
            counts = sla.get(ticket.number, Counter())
            fact.sla_achieved = counts[SlaState.ACHIEVED]
            fact.sla_breached = counts[SlaState.BREACHED]
            facts.append(fact)
        TicketFact.objects.bulk_create(facts)
    rebuild_daily_stats()
    return len(ids)

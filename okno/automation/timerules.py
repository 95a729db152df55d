"""One pass of the time rules.

For each active rule, in order:
1. Ask the database for the tickets whose `basis` timestamp is older than the rule's
   duration, narrowed by the conditions that translate to columns (state, status,
   priority, group, assignee, channel); closed and deleted tickets are left out
   unless the rule asks for closed ones. Read their numbers once, then walk them
   in batches.
2. The episode of a ticket is its basis timestamp: drop the tickets that already
   have a TimeRuleRun for (rule, ticket, episode) — one query per batch.
3. Check every condition in Python on the loaded tickets; for each match, claim
   the run (the unique constraint makes two workers act once) and run the actions
   as the rule, in one savepoint with the claim; up to COMMIT_EVERY tickets share
   a transaction (the events their actions wrote are stamped as the cascade's first
   round together, before it commits), and the pass hands its events to the queue
   in a few tasks.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from okno.automation.conditions import Subject, compile_conditions
from okno.automation.engine import (
    RELATED,
    Cascade,
    batched_events,
    cascade_meta,
    last_event_id,
    run_actions,
    stamp_events,
)
from okno.automation.models import AutomationLog, RuleKind, TimeRule, TimeRuleRun
from okno.tickets.models import Priority, StatusCategory, Ticket

log = logging.getLogger("okno.automation")
BATCH = 500
# Tickets acted on per transaction: few enough that the write lock (one writer at a
# time on SQLite) is held for a moment only.
COMMIT_EVERY = 20


def _column_filter(condition: dict) -> Q | None:
    """The condition as a column filter, or None when only Python can check it."""
    field, op, value = condition["field"], condition["operator"], condition.get("value")
    if op not in ("is", "is_not", "in", "not_in"):
        return None
    values = value if isinstance(value, list) else [value]
    values = [str(v or "").strip() for v in values]
    if field == "state":
        q = Q(state__in=[v.lower() for v in values])
    elif field == "channel":
        q = Q(channel__in=[v.lower() for v in values])
    elif field == "status":
        q = Q(status__name__in=values)
    elif field == "priority":
        q = Q(priority__in=[Priority[v.upper()] for v in values if v.upper() in Priority.names])
    elif field == "group":
        q = Q(group__name__in=[v for v in values if v])
        if "" in values:
            q |= Q(group__isnull=True)
    elif field == "assignee":
        q = Q(assignee__email__in=[v.lower() for v in values if v])
        if "" in values:
            q |= Q(assignee__isnull=True)
    else:
        return None
    return ~q if op in ("is_not", "not_in") else q


def candidates(rule: TimeRule, now: dt.datetime):
    cutoff = now - dt.timedelta(minutes=rule.minutes)
    qs = Ticket.objects.filter(is_deleted=False, **{f"{rule.basis}__lte": cutoff})
    asks_closed = any(c["field"] == "state" for c in rule.conditions)
    if not asks_closed:
        qs = qs.exclude(state=StatusCategory.CLOSED)
    if rule.match == "all":
        for condition in rule.conditions:
            q = _column_filter(condition)
            if q is not None:
                qs = qs.filter(q)
    return qs


def run_rule(rule: TimeRule, now: dt.datetime, batch: int = BATCH) -> int:
    acted = 0
    test = compile_conditions(rule.conditions, rule.match)
    # One read of the candidates, unordered, so the database may take them from an
    # index on the condition's columns (state…) instead of walking the whole table
    # in number order; the rows are two small values each.
    rows = list(candidates(rule, now).order_by().values_list("number", rule.basis))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        episodes = {number: moment.isoformat() for number, moment in chunk}
        done = set(
            TimeRuleRun.objects.filter(rule=rule, ticket_id__in=list(episodes)).values_list(
                "ticket_id", "episode"
            )
        )
        todo = [n for n, episode in episodes.items() if (n, episode) not in done]
        if not todo:
            continue
        tickets = Ticket.objects.select_related(*RELATED).filter(number__in=todo).order_by()
        due = [t for t in tickets if test(Subject(ticket=t, now=now))]
        for first in range(0, len(due), COMMIT_EVERY):
            acted += _act_many(rule, due[first : first + COMMIT_EVERY], episodes)
    return acted


def _act_many(rule: TimeRule, tickets: list[Ticket], episodes: dict) -> int:
    """One transaction for a few tickets (one commit instead of one each), each
    ticket in its own savepoint: one ticket's failure is logged and costs no other.
    The events the actions wrote are stamped as the cascade's first round together,
    at the end (those after the watermark on the tickets acted on)."""
    acted, logs = [], []
    with transaction.atomic():
        watermark = last_event_id()
        for ticket in tickets:
            try:
                if _act(rule, ticket, episodes[ticket.number], logs):
                    acted.append(ticket.number)
            except Exception:
                log.exception("time rule %r on #%s failed", rule.name, ticket.number)
        if acted:
            stamp_events(acted, watermark, cascade_meta(Cascade(depth=0, fired=set()), []))
        AutomationLog.objects.bulk_create(logs)
    return len(acted)


def _act(rule: TimeRule, ticket: Ticket, episode: str, logs: list) -> bool:
    """Claim the run and act; the success log row goes to `logs` once it committed
    to its savepoint."""
    done: list = []
    with transaction.atomic():
        try:
            with transaction.atomic():
                TimeRuleRun.objects.create(rule=rule, ticket=ticket, episode=episode)
        except IntegrityError:  # another worker got here first
            return False
        run_actions(RuleKind.TIME_RULE, rule, ticket, logs=done)
    logs += done
    return True


def run_time_rules(now: dt.datetime | None = None) -> int:
    """One pass; the events the rules wrote go to the queue in a few tasks (one per
    second of the pass), not one per ticket."""
    now = now or timezone.now()
    acted = 0
    with batched_events(seconds=1):
        for rule in TimeRule.objects.filter(active=True).order_by("position", "id"):
            try:
                acted += run_rule(rule, now)
            except Exception:  # a broken rule must not stop the others
                log.exception("time rule %r failed", rule.name)
    return acted

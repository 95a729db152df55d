"""The clock rules, on TicketSla objects in memory (callers load and save them).

One function, `sync_clocks`, brings a ticket's clocks in line with the ticket as it
is now: which policy and targets apply, running or paused, finished when solved. It
is idempotent (running it twice changes nothing) so the event handler and the bulk
recompute after a policy change share it.

Choices:
- Reopening a solved ticket starts a new resolution clock that carries the
  consumed time of the previous one (the customer's wait is cumulative).
- A response clock still open when the ticket is solved ends "cancelled" (nothing
  to measure), unless its breach was already announced: then it ends "breached".
- A clock that comes under a policy later (new policy, changed conditions) counts
  from the ticket's creation (first response, resolution) — the promise was made
  when the customer wrote.
"""

import datetime as dt
import math
import operator

from okno.sla.calendar import add, between
from okno.sla.models import OPEN_STATES, Metric, SlaState, TicketSla
from okno.sla.policies import Rule, TicketFacts
from okno.tickets.models import DONE_CATEGORIES, StatusCategory

ZERO = dt.timedelta(0)

# The fields the engine writes; warned_at and breached_at are only ever set by the
# periodic check's conditional UPDATE, so a concurrent save cannot undo a claim.
SAVE_FIELDS = [
    "policy",
    "target_minutes",
    "business_time",
    "state",
    "resumed_at",
    "consumed_seconds",
    "due_at",
    "warn_at",
    "paused_at",
    "achieved_at",
    "breach_minutes",
]
_COMPARE = ["policy_id", *SAVE_FIELDS[1:]]


class Clock:
    """A stored clock's engine fields as a plain object (what the services load).

    The functions here need only these attributes; a recompute of 100,000 tickets
    builds 200,000 of them, and a model instance costs several times as much to
    build (its signals, descriptors and per-field setattr). New clocks are still
    TicketSla instances (`new_clock`), which `bulk_create` inserts.
    """

    # What the services read (in this order); `_COMPARE` is what the engine writes.
    FIELDS = ("id", "ticket_id", "metric", *_COMPARE, "breached_at")
    __slots__ = ("pk", *FIELDS[1:])

    def __init__(self, *values):
        (
            self.pk,
            self.ticket_id,
            self.metric,
            self.policy_id,
            self.target_minutes,
            self.business_time,
            self.state,
            self.resumed_at,
            self.consumed_seconds,
            self.due_at,
            self.warn_at,
            self.paused_at,
            self.achieved_at,
            self.breach_minutes,
            self.breached_at,
        ) = values


def _spec(row: TicketSla, rule: Rule | None):
    from okno.sla.policies import CALENDAR_TIME

    return rule.spec_for(row.business_time) if rule else CALENDAR_TIME


def _consume_until(row: TicketSla, rule: Rule | None, at: dt.datetime) -> None:
    """Fold the running span [resumed_at, at] into consumed_seconds."""
    if row.state == SlaState.RUNNING and at > row.resumed_at:
        used = between(_spec(row, rule), row.resumed_at, at)
        row.consumed_seconds += int(used.total_seconds())
        row.resumed_at = at


def schedule(row: TicketSla, rule: Rule | None, warning_percent: int) -> None:
    """due_at / warn_at of a running row from its consumed time and target.

    The due time is found by walking on from the warning time (business time adds
    up: add(add(t, a), b) == add(t, a + b) for a, b >= 0), so the calendar is
    walked once, not twice from the start.
    """
    spec = _spec(row, rule)
    consumed = dt.timedelta(seconds=row.consumed_seconds)
    target = dt.timedelta(minutes=row.target_minutes)
    to_warning = target * warning_percent / 100 - consumed
    if to_warning > ZERO:
        row.warn_at = add(spec, row.resumed_at, to_warning)
        row.due_at = add(spec, row.warn_at, target - consumed - to_warning)
    else:
        row.warn_at = add(spec, row.resumed_at, to_warning)
        row.due_at = add(spec, row.resumed_at, target - consumed)


def finish(row: TicketSla, rule: Rule | None, at: dt.datetime) -> None:
    """End the clock at `at`: achieved in time, or breached by how many minutes."""
    _consume_until(row, rule, at)
    late = row.consumed_seconds - row.target_minutes * 60
    row.state = SlaState.BREACHED if late > 0 else SlaState.ACHIEVED
    # Late by a second counts as a minute; early is rounded toward zero.
    row.breach_minutes = math.ceil(late / 60) if late > 0 else -((-late) // 60)
    row.achieved_at = at
    row.paused_at = None


def cancel(row: TicketSla, rule: Rule | None, at: dt.datetime) -> None:
    if row.breached_at is not None:
        finish(row, rule, at)
        return
    _consume_until(row, rule, at)
    row.state = SlaState.CANCELLED
    row.achieved_at = at
    row.paused_at = None


def new_clock(
    ticket_number: int, metric: str, start: dt.datetime, consumed_seconds: int = 0
) -> TicketSla:
    return TicketSla(
        ticket_id=ticket_number,
        metric=metric,
        target_minutes=1,
        state=SlaState.RUNNING,
        started_at=start,
        resumed_at=start,
        consumed_seconds=consumed_seconds,
    )


# The compared values of a clock (a Clock or a TicketSla), in one C call.
_snapshot = operator.attrgetter(*_COMPARE)


def _is_paused(facts: TicketFacts, rule: Rule) -> bool:
    if facts.state == StatusCategory.PENDING:
        return rule.policy.pause_on_pending
    if facts.state == StatusCategory.ON_HOLD:
        return rule.policy.pause_on_on_hold
    return False


def sync_clocks(
    facts: TicketFacts, rows: list[TicketSla], rule: Rule | None, at: dt.datetime
) -> tuple[list[TicketSla], list[TicketSla]]:
    """Bring a ticket's clocks in line with the ticket; return (new rows, changed rows).

    `rows` are all the ticket's clocks (finished ones tell whether a first response
    clock already ran and what a reopened resolution carries over).
    1. Gone (deleted, merged) or no policy: open clocks are cancelled.
    2. Solved/closed: the resolution clock finishes, response clocks are cancelled.
    3. Otherwise missing clocks start (first response once, resolution), then each
       open clock takes its target for the current priority (none: cancelled),
       pauses or resumes with the status, and gets its due and warning times.
    """
    created: list[TicketSla] = []
    changed: dict[int, TicketSla] = {}
    open_rows = {r.metric: r for r in rows if r.state in OPEN_STATES}

    def mark(row):
        if row.pk is not None:
            changed[id(row)] = row

    gone = facts.is_deleted or facts.merged
    if gone or rule is None or facts.state in DONE_CATEGORIES:
        for metric, row in open_rows.items():
            if metric == Metric.RESOLUTION and not gone and facts.state in DONE_CATEGORIES:
                finish(row, rule, at)
            else:
                cancel(row, rule, at)
            mark(row)
        return created, list(changed.values())

    targets = {
        metric: rule.targets.get((facts.priority, metric))
        for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)
    }
    start = facts.created_at or at
    if (
        Metric.FIRST_RESPONSE not in open_rows
        and targets[Metric.FIRST_RESPONSE]
        and facts.first_response_at is None
        and not any(r.metric == Metric.FIRST_RESPONSE for r in rows)
    ):
        row = new_clock(facts.number, Metric.FIRST_RESPONSE, start)
        open_rows[row.metric] = row
        created.append(row)
    if Metric.RESOLUTION not in open_rows and targets[Metric.RESOLUTION]:
        previous = [r for r in rows if r.metric == Metric.RESOLUTION and r.pk is not None]
        if previous:
            last = max(previous, key=lambda r: r.pk)
            row = new_clock(facts.number, Metric.RESOLUTION, at, last.consumed_seconds)
        else:
            row = new_clock(facts.number, Metric.RESOLUTION, start)
        open_rows[row.metric] = row
        created.append(row)

    paused = _is_paused(facts, rule)
    for metric, row in open_rows.items():
        target = targets.get(metric)
        if target is None:
            cancel(row, rule, at)
            mark(row)
            continue
        before = _snapshot(row)
        row.policy_id = rule.policy.pk
        if (row.target_minutes, row.business_time) != target:
            # The consumed time so far is kept in the old row's kind of time.
            _consume_until(row, rule, at)
            row.target_minutes, row.business_time = target
        if paused:
            if row.state == SlaState.RUNNING:
                _consume_until(row, rule, at)
                row.state = SlaState.PAUSED
                row.paused_at = at
            row.due_at = row.warn_at = None
        else:
            if row.state == SlaState.PAUSED:
                row.state = SlaState.RUNNING
                row.resumed_at = max(at, row.paused_at or at)
                row.paused_at = None
            schedule(row, rule, rule.policy.warning_percent)
        if _snapshot(row) != before:
            mark(row)
    return created, list(changed.values())


def respond(rows: list[TicketSla], rule: Rule | None, at: dt.datetime) -> list[TicketSla]:
    """An agent's public reply at `at` ends the open response clocks."""
    done = []
    for row in rows:
        if row.state in OPEN_STATES and row.metric in (
            Metric.FIRST_RESPONSE,
            Metric.NEXT_RESPONSE,
        ):
            finish(row, rule, at)
            done.append(row)
    return done


def customer_wrote(
    facts: TicketFacts, rows: list[TicketSla], rule: Rule | None, at: dt.datetime
) -> TicketSla | None:
    """A customer message starts a next-response clock when none is waiting.

    While the first response is still owed, that clock already covers the wait.
    """
    if rule is None or not rule.targets.get((facts.priority, Metric.NEXT_RESPONSE)):
        return None
    if any(
        r.state in OPEN_STATES and r.metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)
        for r in rows
    ):
        return None
    return new_clock(facts.number, Metric.NEXT_RESPONSE, at)

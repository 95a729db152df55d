"""SLA clocks as people read them: per target, on track / at risk / breached /
paused / achieved, with the time left or how late.

Reads only. `ticket_targets(rows)` works on rows already loaded (one query per
page, see `prefetch_sla`), so lists and the ticket page stay at a flat query count.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from okno.sla.models import Metric, SlaState, TicketSla

METRIC_ORDER = [Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION]


class DisplayState:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    ACHIEVED = "achieved"


STATE_LABELS = {
    DisplayState.ON_TRACK: _("On track"),
    DisplayState.AT_RISK: _("At risk"),
    DisplayState.BREACHED: _("Breached"),
    DisplayState.PAUSED: _("Paused"),
    DisplayState.ACHIEVED: _("Achieved"),
}


@dataclass
class TargetView:
    metric: str
    state: str
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    running: bool
    # Minutes left (running, not yet due); minutes late (positive) once breached:
    # business minutes when the clock has ended, elapsed minutes while it runs.
    remaining_minutes: int | None
    breach_minutes: int | None
    finished_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(Metric(self.metric).label)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def breached(self) -> bool:
        return self.state == DisplayState.BREACHED

    @property
    def paused(self) -> bool:
        return self.state == DisplayState.PAUSED

    @property
    def countdown_text(self) -> str:
        """ "2 h 05 min left", "12 min late"; what sla.js then keeps current."""
        if self.remaining_minutes is not None:
            return gettext("%(time)s left") % {"time": humanize_minutes(self.remaining_minutes)}
        if self.breach_minutes is not None and self.breach_minutes > 0:
            return gettext("%(time)s late") % {"time": humanize_minutes(self.breach_minutes)}
        return ""


def _minutes(delta: dt.timedelta) -> int:
    return math.ceil(delta.total_seconds() / 60)


def target_view(row: TicketSla, now: dt.datetime) -> TargetView:
    """One clock's display state at `now`."""
    remaining = late = None
    if row.state == SlaState.PAUSED:
        state = DisplayState.PAUSED
    elif row.state == SlaState.RUNNING:
        if row.breached_at is not None or (row.due_at is not None and now >= row.due_at):
            state = DisplayState.BREACHED
            late = max(1, _minutes(now - row.due_at)) if row.due_at else None
        else:
            warned = row.warned_at is not None or (row.warn_at is not None and now >= row.warn_at)
            state = DisplayState.AT_RISK if warned else DisplayState.ON_TRACK
            remaining = _minutes(row.due_at - now) if row.due_at else None
    elif row.state == SlaState.BREACHED or (row.breach_minutes or 0) > 0:
        state = DisplayState.BREACHED
        late = row.breach_minutes
    else:
        state = DisplayState.ACHIEVED
        late = row.breach_minutes
    return TargetView(
        metric=row.metric,
        state=state,
        due_at=row.due_at,
        warn_at=row.warn_at,
        running=row.state == SlaState.RUNNING,
        remaining_minutes=remaining,
        breach_minutes=late,
        finished_at=row.achieved_at,
    )


def ticket_targets(rows, now: dt.datetime | None = None) -> list[TargetView]:
    """The current clock of each metric (an open one, else the latest finished one)."""
    now = now or timezone.now()
    latest: dict[str, TicketSla] = {}
    for row in sorted(rows, key=lambda r: r.id):
        if row.state == SlaState.CANCELLED:
            continue
        current = latest.get(row.metric)
        if current is None or row.is_open or not current.is_open:
            latest[row.metric] = row
    return [target_view(latest[m], now) for m in METRIC_ORDER if m in latest]


def sla_queryset():
    return TicketSla.objects.exclude(state=SlaState.CANCELLED).order_by("id")


def sla_rows(ticket) -> list[TicketSla]:
    """A ticket's clocks in one query."""
    return list(sla_queryset().filter(ticket_id=ticket.pk))


def prefetch_sla(tickets) -> None:
    """Load the clocks of many tickets in one query, as `ticket.sla_rows`."""
    prefetch_related_objects(
        list(tickets), Prefetch("sla_clocks", queryset=sla_queryset(), to_attr="sla_rows")
    )


def targets_of(ticket, now: dt.datetime | None = None) -> list[TargetView]:
    """Prefetched rows when there are, else one query."""
    rows = getattr(ticket, "sla_rows", None)
    return ticket_targets(sla_rows(ticket) if rows is None else rows, now)


def humanize_minutes(minutes: int) -> str:
    """ "2 d 3 h", "3 h 05 min", "12 min" (shown next to the live countdown)."""
    minutes = abs(int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
    return gettext("%(m)d min") % {"m": mins}

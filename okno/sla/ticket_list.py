"""The ticket list's SLA vocabulary: the "most urgent" sort and the sla: filters.

"Most urgent" orders by the nearest due time of a ticket's running clocks (late
ones first, as their due time has passed); tickets without a running clock come
last. The key is a subquery annotation served by the index on
(ticket, state, due_at); a far-future constant stands in for "none", so the keyset
cursor compares plain datetimes on SQLite and PostgreSQL alike.
"""

import datetime as dt
import re

from django.db.models import DateTimeField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from okno.sla.models import SlaState, TicketSla

URGENT_KEY = "sla_urgent_at"  # ends in _at: the cursor decodes it as a datetime
NO_SLA = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
_DUE_WITHIN = re.compile(r"^due(\d{1,4})(m|h)$")


def nearest_due():
    running = TicketSla.objects.filter(
        ticket_id=OuterRef("number"), state=SlaState.RUNNING, due_at__isnull=False
    ).order_by("due_at")
    return Coalesce(
        Subquery(running.values("due_at")[:1]),
        Value(NO_SLA, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def annotate_urgency(queryset):
    return queryset.annotate(**{URGENT_KEY: nearest_due()})


def sla_filter(value: str) -> Q | None:
    """sla:breached (a target missed, now or before), sla:due1h / sla:due30m (a
    running target due within that time, not yet late), sla:paused, sla:none."""
    value = value.lower()
    now = timezone.now()
    clocks = TicketSla.objects.values("ticket_id")
    if value == "breached":
        late = Q(state=SlaState.BREACHED) | Q(state=SlaState.RUNNING, due_at__lte=now)
        return Q(number__in=clocks.filter(late))
    if value == "paused":
        return Q(number__in=clocks.filter(state=SlaState.PAUSED))
    if value == "none":
        return ~Q(number__in=clocks.filter(state__in=[SlaState.RUNNING, SlaState.PAUSED]))
    m = _DUE_WITHIN.match(value)
    if m:
        minutes = int(m.group(1)) * (60 if m.group(2) == "h" else 1)
        soon = now + dt.timedelta(minutes=minutes)
        return Q(number__in=clocks.filter(state=SlaState.RUNNING, due_at__gt=now, due_at__lte=soon))
    return None

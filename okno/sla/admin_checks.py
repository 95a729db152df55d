"""Checks the settings pages and the API make before calling `okno.sla.admin_services`.

The engine's services normalize what they are given (touching or overlapping
intervals are merged); an administrator typing 09:00-13:00, 12:00-18:00 more likely
made a typo, so the surfaces refuse overlaps, a week without working time (unless
24/7), and references to rows that do not exist.
"""

from django.utils.translation import gettext as _

from okno.accounts.models import Group
from okno.contacts.models import Organization
from okno.core.errors import NotAllowed, ValidationFailed
from okno.sla.calendar import parse_time
from okno.tickets.models import Category
from okno.tickets.permissions import staff_can_manage

DAYS = [str(day) for day in range(7)]


def require_admin(actor) -> None:
    if not staff_can_manage(actor, "settings"):
        raise NotAllowed(_("Only administrators can change SLA settings."))


def check_intervals(pairs, *, field: str) -> None:
    """Refuse inverted and overlapping intervals (touching ones are fine)."""
    spans = []
    for pair in pairs or []:
        try:
            start, end = parse_time(pair[0]), parse_time(pair[1])
        except (ValueError, TypeError, IndexError, KeyError):
            raise ValidationFailed(_("Hours must look like 09:00-18:00."), field=field)
        if end <= start:
            raise ValidationFailed(_("An interval ends before it starts."), field=field)
        spans.append((start, end))
    spans.sort()
    for (_start, end), (next_start, _end) in zip(spans, spans[1:], strict=False):
        if next_start < end:
            raise ValidationFailed(_("The intervals overlap."), field=field)


def check_week(weekly_hours, *, is_24x7: bool) -> None:
    if not isinstance(weekly_hours, dict):
        return  # the service refuses it with its own message
    for day in DAYS:
        check_intervals(weekly_hours.get(day), field=f"weekly_hours.{day}")
    if not is_24x7 and not any(weekly_hours.get(day) for day in DAYS):
        raise ValidationFailed(
            _("Give at least one working interval, or make the calendar 24/7."),
            field="weekly_hours",
        )


def check_condition_ids(conditions) -> None:
    """Categories, groups and organizations named by id must exist."""
    if not isinstance(conditions, dict):
        return
    for key, model in (("category", Category), ("group", Group), ("organization", Organization)):
        values = conditions.get(key) or []
        if not isinstance(values, list):
            continue
        if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
            raise ValidationFailed(_("Give ids (numbers)."), field=f"conditions.{key}")
        if model.objects.filter(pk__in=values).count() != len(set(values)):
            raise ValidationFailed(_("Some of these do not exist."), field=f"conditions.{key}")

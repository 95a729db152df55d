"""Time tracking: logging time on tickets, the server-side timer, and the time
reports (by agent, organization, activity; the billable summary with rates).

Who may log time: anyone who may write an internal note on the ticket
(`ticket_get_for_user(user, n, action="note")`): agents on tickets they can update,
and light agents too, because their work on a ticket (notes, research) is time a
service company bills. Editing or deleting an entry: its author, supervisors, admins.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.accounts.models import Role
from okno.core.errors import NotAllowed, ValidationFailed
from okno.reports.models_time import ActivityType, OrganizationRate, RunningTimer, TimeEntry
from okno.tickets.models import Ticket

MAX_MINUTES = 24 * 60  # one entry covers at most a day; more is a typo
DEFAULT_CURRENCY = "EUR"  # for organizations without their own rate
CENT = Decimal("0.01")
EDITABLE = ("minutes", "activity", "billable", "note", "started_at")


def is_manager(user) -> bool:
    return user.role in (Role.ADMIN, Role.SUPERVISOR)


def can_edit_entry(user, entry: TimeEntry) -> bool:
    return entry.user_id == user.pk or is_manager(user)


def _clean_minutes(minutes) -> int:
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter the minutes as a whole number."), field="minutes")
    if not 0 < minutes <= MAX_MINUTES:
        raise ValidationFailed(
            _("Minutes must be between 1 and %(max)s.") % {"max": MAX_MINUTES}, field="minutes"
        )
    return minutes


def _clean_activity(activity) -> ActivityType | None:
    if activity is not None and not activity.is_active:
        raise ValidationFailed(_("Choose an active activity type."), field="activity")
    return activity


def entry_create(
    *,
    ticket: Ticket,
    user,
    minutes,
    activity: ActivityType | None = None,
    billable: bool | None = None,
    note: str = "",
    started_at: dt.datetime | None = None,
) -> TimeEntry:
    """Log time; `billable` defaults to the activity's default (else billable)."""
    minutes = _clean_minutes(minutes)
    activity = _clean_activity(activity)
    if billable is None:
        billable = activity.billable if activity else True
    now = timezone.now()
    return TimeEntry.objects.create(
        ticket=ticket,
        user=user,
        minutes=minutes,
        activity=activity,
        billable=billable,
        note=(note or "").strip()[:500],
        started_at=started_at or now - dt.timedelta(minutes=minutes),
        created_at=now,
        updated_at=now,
    )


def entry_update(*, entry: TimeEntry, actor, **changes) -> TimeEntry:
    if not can_edit_entry(actor, entry):
        raise NotAllowed(_("Only the author or a supervisor can change this entry."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("Unknown field %(f)s.") % {"f": sorted(unknown)[0]})
    if "minutes" in changes:
        changes["minutes"] = _clean_minutes(changes["minutes"])
    if "activity" in changes:
        changes["activity"] = _clean_activity(changes["activity"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()[:500]
    for key, value in changes.items():
        setattr(entry, key, value)
    entry.updated_at = timezone.now()
    entry.save(update_fields=[*changes, "updated_at"])
    return entry


def entry_delete(*, entry: TimeEntry, actor) -> None:
    if not can_edit_entry(actor, entry):
        raise NotAllowed(_("Only the author or a supervisor can delete this entry."))
    entry.delete()


# --- the timer --------------------------------------------------------------------------


def timer_get(*, ticket: Ticket, user) -> RunningTimer | None:
    return RunningTimer.objects.filter(ticket=ticket, user=user).first()


def timer_start(*, ticket: Ticket, user) -> RunningTimer:
    """Start the user's timer on the ticket; an already running one keeps running."""
    try:
        with transaction.atomic():
            return RunningTimer.objects.create(ticket=ticket, user=user)
    except IntegrityError:  # started already (another tab): keep the first start time
        return RunningTimer.objects.get(ticket=ticket, user=user)


def timer_stop(
    *,
    ticket: Ticket,
    user,
    activity: ActivityType | None = None,
    billable: bool | None = None,
    note: str = "",
) -> TimeEntry | None:
    """Stop the timer and log its time (at least one minute). None if none ran."""
    now = timezone.now()
    with transaction.atomic():
        timer = RunningTimer.objects.select_for_update().filter(ticket=ticket, user=user).first()
        if timer is None:
            return None
        seconds = (now - timer.started_at).total_seconds()
        minutes = min(MAX_MINUTES, max(1, round(seconds / 60)))
        started_at = timer.started_at
        timer.delete()
        return entry_create(
            ticket=ticket,
            user=user,
            minutes=minutes,
            activity=activity,
            billable=billable,
            note=note,
            started_at=started_at,
        )


def timer_discard(*, ticket: Ticket, user) -> None:
    RunningTimer.objects.filter(ticket=ticket, user=user).delete()


# --- reports ------------------------------------------------------------------------------


def period_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in the current time zone, both days included."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def entries_in(date_from: dt.date, date_to: dt.date):
    start, end = period_bounds(date_from, date_to)
    return TimeEntry.objects.filter(started_at__gte=start, started_at__lt=end)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(CENT, ROUND_HALF_UP)


BY = {
    "agent": ("user_id", "user__name"),
    "organization": ("ticket__organization_id", "ticket__organization__name"),
    "activity": ("activity_id", "activity__name"),
}


def time_by(date_from: dt.date, date_to: dt.date, dimension: str) -> list[dict]:
    """Rows {name, minutes, billable_minutes, hours, entries}, most time first."""
    key, label = BY[dimension]
    rows = (
        entries_in(date_from, date_to)
        .values(key, label)
        .annotate(minutes=Sum("minutes"), entries=Count("id"))
        .order_by("-minutes", label)
    )
    billable = dict(
        entries_in(date_from, date_to)
        .filter(billable=True)
        .values(key)
        .annotate(m=Sum("minutes"))
        .values_list(key, "m")
    )
    return [
        {
            "name": row[label] or _("(none)"),
            "minutes": row["minutes"],
            "billable_minutes": billable.get(row[key], 0),
            "hours": _hours(row["minutes"]),
            "entries": row["entries"],
        }
        for row in rows
    ]


def billable_summary(date_from: dt.date, date_to: dt.date) -> dict:
    """The invoice-ready table: per organization and activity, hours × rate.

    The rate is the organization's own rate if it has one, else the activity's
    default rate. The amount is computed from minutes (minutes × rate / 60, rounded
    to cents per line), so rounding the hours for display never changes money.
    Returns {"rows": [...], "organizations": [{name, currency, minutes, hours, amount}],
    "totals": {currency: amount}}.
    """
    grouped = (
        entries_in(date_from, date_to)
        .filter(billable=True)
        .values(
            "ticket__organization_id",
            "ticket__organization__name",
            "activity_id",
            "activity__name",
            "activity__hourly_rate",
        )
        .annotate(minutes=Sum("minutes"))
        .order_by("ticket__organization__name", "activity__name")
    )
    org_rates = {r.organization_id: r for r in OrganizationRate.objects.all()}
    rows, per_org, totals = [], {}, defaultdict(Decimal)
    for g in grouped:
        org_id = g["ticket__organization_id"]
        own = org_rates.get(org_id)
        rate = own.hourly_rate if own else (g["activity__hourly_rate"] or Decimal("0"))
        currency = own.currency if own else DEFAULT_CURRENCY
        amount = (Decimal(g["minutes"]) * rate / 60).quantize(CENT, ROUND_HALF_UP)
        org_name = g["ticket__organization__name"] or _("(no organization)")
        row = {
            "organization": org_name,
            "activity": g["activity__name"] or _("(none)"),
            "minutes": g["minutes"],
            "hours": _hours(g["minutes"]),
            "rate": rate,
            "currency": currency,
            "amount": amount,
        }
        rows.append(row)
        org = per_org.setdefault(
            (org_name, currency),
            {"name": org_name, "currency": currency, "minutes": 0, "amount": Decimal("0")},
        )
        org["minutes"] += g["minutes"]
        org["amount"] += amount
        totals[currency] += amount
    # Sorted here, not in SQL: databases disagree on where NULL names go.
    rows.sort(key=lambda r: (str(r["organization"]), str(r["activity"])))
    organizations = sorted(per_org.values(), key=lambda o: (str(o["name"]), o["currency"]))
    for org in organizations:
        org["hours"] = _hours(org["minutes"])
    return {"rows": rows, "organizations": organizations, "totals": dict(totals)}


# --- settings: activity types and organization rates ---------------------------------------


def activity_save(*, actor, activity: ActivityType | None = None, **fields) -> ActivityType:
    if not is_manager(actor):
        raise NotAllowed(_("Only supervisors and administrators can change activity types."))
    activity = activity or ActivityType()
    name = (fields.get("name", activity.name) or "").strip()
    if not name:
        raise ValidationFailed(_("Enter a name."), field="name")
    fields["name"] = name
    clash = ActivityType.objects.filter(name__iexact=name).exclude(pk=activity.pk)
    if clash.exists():
        raise ValidationFailed(_("An activity type with this name exists."), field="name")
    for key, value in fields.items():
        setattr(activity, key, value)
    activity.save()
    return activity


def organization_rate_set(*, actor, organization, hourly_rate, currency: str) -> OrganizationRate:
    if not is_manager(actor):
        raise NotAllowed(_("Only supervisors and administrators can change rates."))
    rate, _created = OrganizationRate.objects.update_or_create(
        organization=organization,
        defaults={"hourly_rate": hourly_rate, "currency": (currency or DEFAULT_CURRENCY).upper()},
    )
    return rate

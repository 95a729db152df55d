"""Scheduled report emails: save / delete a schedule, and send the due ones.

A weekly schedule sends on Mondays the previous 7 days; a monthly one on the 1st
the previous month. `last_sent_at` keeps a report from going out twice a period
(the periodic task runs hourly and may run again after a restart).
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.accounts.models import User
from okno.core.errors import ValidationFailed
from okno.reports import exports
from okno.reports.filters import parse_filters
from okno.reports.models_stats import Frequency, ReportSchedule
from okno.reports.tables import TABLES, build_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check(*, kind: str, frequency: str, file_format: str, recipients: list[str]) -> list[str]:
    if kind not in TABLES:
        raise ValidationFailed(_("Unknown report."), field="kind")
    if frequency not in Frequency.values:
        raise ValidationFailed(_("Unknown frequency."), field="frequency")
    if file_format not in ("csv", "xlsx"):
        raise ValidationFailed(_("Choose CSV or XLSX."), field="file_format")
    emails = sorted({e.strip().lower() for e in recipients if e.strip()})
    if not emails:
        raise ValidationFailed(_("Choose at least one recipient."), field="recipients")
    staff = set(
        User.objects.filter(email__in=emails, is_active=True).values_list("email", flat=True)
    )
    strangers = [e for e in emails if e not in staff]
    if strangers:  # reports hold team figures: only to people of the team
        raise ValidationFailed(
            _("Not a member of the team: %(e)s") % {"e": strangers[0]}, field="recipients"
        )
    return emails


def schedule_save(
    *,
    schedule: ReportSchedule | None = None,
    name: str,
    kind: str,
    frequency: str,
    file_format: str,
    recipients: list[str],
    filters: dict | None = None,
) -> ReportSchedule:
    emails = _check(kind=kind, frequency=frequency, file_format=file_format, recipients=recipients)
    clean = {k: v for k, v in (filters or {}).items() if k in ("group", "channel", "category", "organization", "agent", "tag") and v}  # fmt: skip
    parse_filters(clean)  # raises on a bad filter
    schedule = schedule or ReportSchedule()
    schedule.name, schedule.kind, schedule.frequency = name.strip()[:100], kind, frequency
    schedule.file_format, schedule.recipients, schedule.filters = file_format, emails, clean
    if not schedule.name:
        raise ValidationFailed(_("Enter a name."), field="name")
    schedule.save()
    return schedule


def schedule_delete(*, schedule: ReportSchedule) -> None:
    schedule.delete()


def period_for(frequency: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period to send today, or None when this is not a sending day."""
    if frequency == Frequency.WEEKLY and today.weekday() == 0:
        return today - dt.timedelta(days=7), today - dt.timedelta(days=1)
    if frequency == Frequency.MONTHLY and today.day == 1:
        end = today - dt.timedelta(days=1)
        return end.replace(day=1), end
    return None


def schedule_send(schedule: ReportSchedule, start: dt.date, end: dt.date) -> None:
    f = parse_filters({**schedule.filters, "from": start.isoformat(), "to": end.isoformat()})
    title, columns, rows = build_table(schedule.kind, f)
    if schedule.file_format == "csv":
        content, mime = exports.to_csv(columns, rows), "text/csv"
    else:
        content, mime = exports.to_xlsx(columns, rows, title=title), XLSX
    mail = EmailMessage(
        subject=f"{schedule.name}: {start} – {end}",
        body=_("The report %(name)s for %(start)s – %(end)s is attached.")
        % {"name": schedule.name, "start": start, "end": end},
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=schedule.recipients,
    )
    mail.attach(f"okno-{schedule.kind}-{start}-{end}.{schedule.file_format}", content, mime)
    mail.send()


def send_due_reports(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    sent = 0
    for schedule in ReportSchedule.objects.all():
        period = period_for(schedule.frequency, today)
        if period is None or (schedule.last_sent_at and schedule.last_sent_at.date() >= today):
            continue
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.last_sent_at and locked.last_sent_at.date() >= today:
                continue
            schedule_send(locked, *period)
            locked.last_sent_at = now
            locked.save(update_fields=["last_sent_at"])
            sent += 1
    return sent

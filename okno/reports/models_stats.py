"""Pre-aggregated report data: one fact row per ticket, daily counters, schedules.

The dashboard never scans events or messages: `TicketFact` holds what a report needs
of a ticket (derived from its events by `okno.reports.facts`), `DailyStats` the
per-day counters over a few dimensions; both are kept current by the event handler
and rebuilt from events by `okno reports rebuild`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    created_at = models.DateTimeField()
    created_date = models.DateField()  # UTC date: the dashboard groups on it
    created_hour = models.PositiveSmallIntegerField(default=0)  # UTC hour, for the heat map
    group = models.ForeignKey(
        "accounts.Group", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        "tickets.Category", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "contacts.Organization", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=16)
    state = models.CharField(max_length=10)
    first_response_at = models.DateTimeField(null=True)
    first_response_minutes = models.IntegerField(null=True)
    first_response_business_minutes = models.IntegerField(null=True)
    solved_at = models.DateTimeField(null=True)  # the last solve (after reopens)
    solved_date = models.DateField(null=True)
    resolution_minutes = models.IntegerField(null=True)
    resolution_business_minutes = models.IntegerField(null=True)
    reopened_count = models.PositiveIntegerField(default=0)
    reopen_dates = models.JSONField(default=list)  # ISO dates, for the daily counters
    agent_replies = models.PositiveIntegerField(default=0)
    one_touch = models.BooleanField(default=False)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Minutes spent in each status category (the bottleneck view).
    minutes_new = models.IntegerField(default=0)
    minutes_open = models.IntegerField(default=0)
    minutes_pending = models.IntegerField(default=0)
    minutes_on_hold = models.IntegerField(default=0)
    sla_achieved = models.PositiveSmallIntegerField(default=0)
    sla_breached = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["created_date"]),
            models.Index(fields=["solved_date"]),
            models.Index(fields=["assignee", "state"]),
        ]


class DailyStats(models.Model):
    """Counters per UTC day × group × channel × category × assignee."""

    date = models.DateField()
    group_id = models.IntegerField(default=0)  # 0 = none: NULLs would defeat the unique key
    channel = models.CharField(max_length=16)
    category_id = models.IntegerField(default=0)
    assignee_id = models.IntegerField(default=0)
    created = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "group_id", "channel", "category_id", "assignee_id"],
                name="reports_dailystats_dims",
            )
        ]


class ReportKind(models.TextChoices):
    DASHBOARD = "dashboard", _("Dashboard")
    AGENTS = "agents", _("Agents")
    ORGANIZATIONS = "organizations", _("Organizations")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportSchedule(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    file_format = models.CharField(_("format"), max_length=4, default="xlsx")
    recipients = models.JSONField(_("recipients"), default=list)  # emails of staff
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

"""Business calendars, SLA policies with their targets, and each ticket's SLA clocks.

Models hold data and invariants only; `okno.sla.services` (ticket clocks) and
`okno.sla.admin_services` (calendars, policies) make every change.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def default_weekly_hours() -> dict:
    """Monday to Friday, 09:00-18:00 (Monday is "0", as in `date.weekday()`)."""
    week = {str(day): [["09:00", "18:00"]] for day in range(5)}
    week.update({"5": [], "6": []})
    return week


class BusinessCalendar(models.Model):
    """When the team works: a time zone, weekly hours, holidays and extra working days.

    `weekly_hours` maps "0" (Monday) … "6" (Sunday) to a list of ["HH:MM", "HH:MM"]
    intervals; an interval may end at "24:00". Holidays come from the `holidays`
    package for `country` (and `subdivision`), plus this calendar's `CalendarDate` rows.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_24x7 = models.BooleanField(_("24/7"), default=False)
    country = models.CharField(_("holidays of country"), max_length=3, blank=True)
    subdivision = models.CharField(_("region"), max_length=10, blank=True)
    weekly_hours = models.JSONField(_("weekly hours"), default=default_weekly_hours)
    created_at = models.DateTimeField(default=timezone.now)
    # Bumped by every change (its dates included): the key of the per-process cache.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DateKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKING = "working", _("Working day")


class CalendarDate(models.Model):
    """A custom day off, or a working day (e.g. a moved Saturday) with its own hours."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DateKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # For a working day: [["09:00", "18:00"]]; empty means the calendar's Monday hours.
    intervals = models.JSONField(_("hours"), default=list, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendardate_unique")
        ]

    def __str__(self):
        return f"{self.date} {self.kind}"


class SlaPolicy(models.Model):
    """Targets for the tickets its conditions match; the first active match by position wins.

    `conditions` keys, each a list (empty or missing = any): "priority" (ints),
    "category", "group", "organization" (ids), "channel" (codes), "tags" (names, any
    of), and "custom_fields": {key: value} (all must equal).
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # No calendar: calendar time only (every target behaves as 24/7).
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("business calendar"),
    )
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    pause_on_pending = models.BooleanField(_("pause while pending"), default=True)
    pause_on_on_hold = models.BooleanField(_("pause while on hold"), default=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at this percentage of the target"), default=75
    )
    raise_priority = models.BooleanField(_("raise priority on breach"), default=False)
    escalate_to_group = models.ForeignKey(
        "accounts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on breach, move to group"),
    )
    escalate_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on breach, assign to"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1, warning_percent__lte=100),
                name="sla_policy_warning_percent_range",
            )
        ]

    def __str__(self):
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaTarget(models.Model):
    """For one priority under a policy: how many minutes a metric may take."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"))  # okno.tickets.models.Priority
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(_("minutes"))
    business_time = models.BooleanField(_("business hours"), default=True)

    class Meta:
        ordering = ["policy", "-priority", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "metric"], name="sla_target_unique"
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="sla_target_minutes_positive"),
        ]

    def __str__(self):
        return f"{self.metric} {self.minutes} min"


class SlaState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    ACHIEVED = "achieved", _("Achieved")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Not applicable")


OPEN_STATES = (SlaState.RUNNING, SlaState.PAUSED)


class TicketSla(models.Model):
    """One SLA clock of a ticket: one target (metric), from its start to its end.

    Open rows (running or paused) are at most one per ticket and metric; finished
    rows (achieved, breached, cancelled) stay for reports. A running row is late once
    `breached_at` is set (the breach was announced) but stays running until the
    response or the resolution comes, then ends `breached` with `breach_minutes`.

    Clock arithmetic: `consumed_seconds` were used before `resumed_at` (the start of
    the current running span); so `due_at = add(resumed_at, target - consumed)` in
    the row's time (business time of the policy's calendar, or calendar time).
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks"
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_minutes = models.PositiveIntegerField()
    business_time = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.RUNNING)
    started_at = models.DateTimeField()
    resumed_at = models.DateTimeField()
    consumed_seconds = models.BigIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)  # null while paused
    warn_at = models.DateTimeField(null=True, blank=True)  # null while paused
    paused_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)  # when the clock ended
    # Once finished: positive = minutes late, zero or negative = in time (in the
    # target's minutes: business minutes for a business-time target).
    breach_minutes = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticket", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_one_open_clock_per_metric",
            )
        ]
        indexes = [
            # The periodic check: (state = running, mark IS NULL, time <= now) is one
            # range scan. Not partial indexes: SQLite cannot match a partial index's
            # condition against the bound parameters Django sends.
            models.Index(fields=["state", "breached_at", "due_at"], name="sla_check_breach"),
            models.Index(fields=["state", "warned_at", "warn_at"], name="sla_check_warning"),
            # "Most urgent" ordering and "due within" filters of the ticket list.
            models.Index(fields=["ticket", "state", "due_at"], name="sla_ticket_state_due"),
            models.Index(fields=["state", "due_at"], name="sla_state_due"),
        ]

    def __str__(self):
        return f"{self.metric} of #{self.ticket_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def consumed_minutes(self) -> float:
        return self.consumed_seconds / 60

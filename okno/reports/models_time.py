"""Time tracking: activity types, entries, running timers and organization rates."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ActivityType", "OrganizationRate", "RunningTimer", "TimeEntry"]


class ActivityType(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    billable = models.BooleanField(_("billable by default"), default=True)
    hourly_rate = models.DecimalField(
        _("default hourly rate"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationRate(models.Model):
    """An organization's own hourly rate; it overrides the activity's default rate."""

    organization = models.OneToOneField(
        "contacts.Organization", on_delete=models.CASCADE, related_name="hourly_rate"
    )
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    def __str__(self):
        return f"{self.organization}: {self.hourly_rate} {self.currency}"


class TimeEntry(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    activity = models.ForeignKey(
        ActivityType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        verbose_name=_("activity"),
    )
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0), name="time_entry_minutes_positive"
            ),
        ]

    def __str__(self):
        return f"#{self.ticket_id}: {self.minutes} min"


class RunningTimer(models.Model):
    """A started timer, kept on the server so that it survives reloads and devices."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="one_timer_per_user_ticket"),
        ]

    def __str__(self):
        return f"timer #{self.ticket_id}"

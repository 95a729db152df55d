"""Outgoing webhooks: the subscriptions admins configure and the log of every delivery.

Models hold data only; every write goes through `okno.webhooks.services` (and the
delivery engine in `okno.webhooks.delivery`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, blank=True)
    # Stored as is: it signs every request, so it cannot be hashed. It is shown to
    # the admin once (on creation and on rotation) and never again.
    secret = models.CharField(max_length=100)
    include_internal = models.BooleanField(_("include internal notes"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # Hosts the admin explicitly allows although they resolve to loopback, private
    # or link-local addresses (an intranet receiver); the SSRF guard skips them.
    allow_private_hosts = models.JSONField(_("allowed private hosts"), default=list, blank=True)
    failure_count = models.PositiveIntegerField(default=0)  # failed tries in a row
    failed_deliveries = models.PositiveIntegerField(default=0)  # exhausted deliveries in a row
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event sent to one endpoint, with the outcome of its latest try.

    `payload` is the exact document sent (its "id" is `uuid`), built once when the
    event happened so every retry sends the same body.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    url = models.URLField(max_length=500)
    # Only for deliveries without a subscription (a trigger's "call a webhook" URL).
    secret = models.CharField(max_length=100, blank=True)
    allow_private_hosts = models.JSONField(default=list, blank=True)
    event = models.CharField(max_length=40)
    ticket_number = models.BigIntegerField(null=True, blank=True)
    # "<event>:<first ticket event id>" so a re-run handler never sends twice.
    dedup_key = models.CharField(max_length=80, blank=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # the first 2 KB, as text
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True)  # one short entry per try
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "created_at"], name="whdelivery_sub_created"),
            models.Index(fields=["state", "next_retry_at"], name="whdelivery_due"),
            models.Index(fields=["created_at"], name="whdelivery_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="whdelivery_dedup",
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.url}"

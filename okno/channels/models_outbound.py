"""Outbound delivery: one row per piece of mail we owe someone, and one per try.

A `Delivery` is created once (idempotent per message / per acknowledgement), keeps
the Message-ID it will carry on every try, and moves queued -> sending -> sent,
retrying or failed. The ticket's message mirrors that state for the timeline.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Delivery", "DeliveryAttempt", "DeliveryKind", "DeliveryStatus"]


class DeliveryKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    ACKNOWLEDGEMENT = "acknowledgement", _("Request received")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # The reply being sent; empty for notifications that are not ticket messages.
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    kind = models.CharField(max_length=20, choices=DeliveryKind.choices)
    channel = models.CharField(max_length=16, default="email")
    mailbox = models.ForeignKey(
        "okno_channels.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Messenger replies: the connector and chat they go out through (`to` holds the
    # chat id); email deliveries leave both empty.
    connector = models.ForeignKey(
        "okno_channels.Connector",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    # Frozen when the delivery is made, so a retry goes to the same people.
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, default="en")
    mail_id = models.CharField(max_length=255, unique=True)  # the Message-ID, without <>
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A messenger reply goes out in parts (long text split, one message per file): the
    # provider's ids of the parts sent so far, so a retry resumes after them (most
    # providers have no idempotency key to stop a repeat). See helpers.send_parts.
    parts_sent = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind", "channel"],
                condition=models.Q(message__isnull=False),
                name="delivery_one_per_message",
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind", "channel"],
                condition=models.Q(kind="acknowledgement"),
                name="delivery_one_acknowledgement",
            ),
        ]

    def __str__(self):
        return f"{self.kind} delivery {self.pk} on #{self.ticket_id} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_unique")
        ]

    def __str__(self):
        return f"try {self.number} of delivery {self.delivery_id}: {self.status}"

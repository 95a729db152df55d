"""What each staff member should know about, in the app and by email."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNED_TO_ME = "assigned_to_me", _("A ticket is assigned to me")
    NEW_IN_MY_GROUP = "new_in_my_group", _("A new ticket arrives in my group")
    CUSTOMER_REPLIED = "customer_replied_on_my_ticket", _("A customer replies on my ticket")
    MENTION = "mention_in_note", _("Someone mentions me in an internal note")
    SLA_WARNING = "sla_warning", _("An SLA target is about to be missed")
    SLA_BREACH = "sla_breach", _("An SLA target was missed")
    RULE = "rule", _("An automation rule notifies me")


# (in_app, email) when a person has not chosen. SLA emails are already sent by the
# SLA engine itself (okno/sla/notify.py), so the digest does not repeat them.
DEFAULTS: dict[str, tuple[bool, bool]] = {
    Kind.ASSIGNED_TO_ME: (True, True),
    Kind.NEW_IN_MY_GROUP: (True, False),
    Kind.CUSTOMER_REPLIED: (True, True),
    Kind.MENTION: (True, True),
    Kind.SLA_WARNING: (True, False),
    Kind.SLA_BREACH: (True, False),
    Kind.RULE: (True, True),
}


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    text = models.CharField(max_length=500, blank=True)  # free text (automation rules)
    params = models.JSONField(default=dict, blank=True)  # who / what, shown translated
    in_app = models.BooleanField(default=True)
    # Email digest: pending until the digest for (user, ticket) claims and sends it.
    email_pending = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notif_user_unread"),
            models.Index(fields=["user", "ticket", "email_pending"], name="notif_digest"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notifpref_user_kind")]

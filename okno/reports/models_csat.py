"""Customer satisfaction: the admin's survey settings, surveys sent, ratings."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CsatRating", "CsatScale", "CsatSettings", "CsatSurvey"]


class CsatScale(models.TextChoices):
    GOOD_BAD = "good_bad", _("Good / bad")
    ONE_TO_FIVE = "one_to_five", _("1 to 5")


class CsatSettings(models.Model):
    """One row (pk=1): whether and how customers are asked after a solve.

    Off by default so that installing the app sends no mail nobody asked for.
    `texts` holds optional per-language overrides: {"ru": {"subject": …, "body": …}}.
    """

    enabled = models.BooleanField(_("send surveys"), default=False)
    scale = models.CharField(
        _("scale"), max_length=12, choices=CsatScale.choices, default=CsatScale.GOOD_BAD
    )
    delay_minutes = models.PositiveIntegerField(_("delay after solving (minutes)"), default=0)
    texts = models.JSONField(_("email texts per language"), default=dict, blank=True)

    class Meta:
        verbose_name = _("CSAT settings")

    def __str__(self):
        return "CSAT settings"


class CsatSurvey(models.Model):
    """One survey email per solve episode; the unique solve event makes it idempotent."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    solve_event = models.OneToOneField(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"survey #{self.ticket_id}"


class CsatRating(models.Model):
    """The customer's vote on a ticket: good=1 / bad=0, or 1..5 (see `scale`)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="csat_rating"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="csat_ratings"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    scale = models.CharField(_("scale"), max_length=12, choices=CsatScale.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=5), name="csat_score_range"),
        ]

    def __str__(self):
        return f"#{self.ticket_id}: {self.score}"

    @property
    def is_bad(self) -> bool:
        return self.score == 0 if self.scale == CsatScale.GOOD_BAD else self.score <= 2

    @property
    def is_good(self) -> bool:
        return self.score == 1 if self.scale == CsatScale.GOOD_BAD else self.score >= 4

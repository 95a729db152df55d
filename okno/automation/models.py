"""Automation rules as data: triggers (on events), time rules (on durations), macros,
canned responses, auto-greetings, and the log of what the rules did.

Conditions and actions are JSON lists validated by `okno.automation.services`
(see `conditions.py` and `actions.py` for their vocabulary), so they export and
import as they are.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MatchMode(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Trigger(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    events = models.JSONField(_("when"), default=list)  # kinds from conditions.TRIGGER_EVENTS
    match = models.CharField(_("match"), max_length=3, choices=MatchMode.choices, default="all")
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    stop_processing = models.BooleanField(_("stop processing the rest"), default=False)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["active", "position"], name="trigger_active_pos")]

    def __str__(self):
        return self.name


class TimeRule(models.Model):
    """A periodic rule. `basis` is the ticket timestamp the duration is measured from;
    its value is also the episode key, so the rule acts once per ticket until that
    timestamp moves (a new agent message, a new solve)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    basis = models.CharField(_("measured from"), max_length=40)  # conditions.DURATION_BASES
    minutes = models.PositiveIntegerField(_("after (minutes)"))
    match = models.CharField(_("match"), max_length=3, choices=MatchMode.choices, default="all")
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class TimeRuleRun(models.Model):
    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    episode = models.CharField(max_length=40)
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket", "episode"], name="timerulerun_once_per_episode"
            )
        ]


class Macro(models.Model):
    """A one-click bundle: reply text, field changes and tags. No owner = shared."""

    title = models.CharField(_("title"), max_length=200)
    actions = models.JSONField(_("actions"), default=list)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("owner"),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "title", "id"]

    def __str__(self):
        return self.title

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class ResponseTemplate(models.Model):
    """A canned response; `body` maps a language code (ru, uk, en) to its text."""

    title = models.CharField(_("title"), max_length=200)
    body = models.JSONField(_("text per language"), default=dict)
    shortcut = models.SlugField(_("shortcut"), max_length=50, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="response_templates",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        return self.title

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class AutoGreeting(models.Model):
    """The automatic first answer of a new ticket on a channel, or on one mailbox."""

    channel = models.CharField(_("channel"), max_length=16)
    mailbox = models.ForeignKey(
        "okno_channels.Mailbox",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("mailbox"),
    )
    template = models.ForeignKey(
        ResponseTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "mailbox"], name="autogreeting_one_per_mailbox"
            ),
            models.UniqueConstraint(
                fields=["channel"],
                condition=models.Q(mailbox__isnull=True),
                name="autogreeting_one_per_channel",
            ),
        ]


class RuleKind(models.TextChoices):
    TRIGGER = "trigger", _("Trigger")
    TIME_RULE = "time_rule", _("Time rule")
    GREETING = "greeting", _("Auto-greeting")


class AutomationLog(models.Model):
    rule_kind = models.CharField(max_length=10, choices=RuleKind.choices)
    rule_id = models.PositiveBigIntegerField(null=True)
    rule_name = models.CharField(max_length=200, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, on_delete=models.CASCADE, related_name="+"
    )
    ok = models.BooleanField(default=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rule_kind", "rule_id", "created_at"], name="autolog_rule")]


class RulesVersion(models.Model):
    """One row whose random token changes, in the same transaction, whenever the
    triggers or greetings change (`okno.automation.ruleset.rules_changed`); each
    process keeps its compiled rule set until the token it read differs."""

    token = models.CharField(max_length=32)

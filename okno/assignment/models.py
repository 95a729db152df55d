"""Auto-assignment policy: how each group hands out tickets, and each agent's
capacity, skills and work schedule. Whether an agent is away is `User.is_available`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    OFF = "off", _("Off")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Fewest open tickets")
    SKILLS = "skills", _("By skills")


class GroupAssignment(models.Model):
    """A group's assignment settings; its row is also the lock that serializes
    concurrent assignments in the group, and holds the round-robin pointer."""

    group = models.OneToOneField(
        "accounts.Group", on_delete=models.CASCADE, related_name="assignment"
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.OFF)
    capacity = models.PositiveSmallIntegerField(
        _("open tickets per agent"),
        null=True,
        blank=True,
        help_text=_("Empty means no limit. An agent's own capacity overrides it."),
    )
    keep_previous_assignee = models.BooleanField(
        _("returning customers stay with their previous agent"), default=False
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.group}: {self.mode}"


class AgentProfile(models.Model):
    """Capacity, skills and work schedule of one agent (all optional).

    `weekly_hours` is {"0": [["09:00", "18:00"]], …} (Monday = "0") in the user's
    own time zone; an empty schedule means always on shift. `days_off` is a list of
    ISO dates.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    capacity = models.PositiveSmallIntegerField(_("open tickets at most"), null=True, blank=True)
    skill_categories = models.ManyToManyField(
        "tickets.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    skill_tags = models.JSONField(_("tags"), default=list, blank=True)
    weekly_hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    days_off = models.JSONField(_("days off"), default=list, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.user)

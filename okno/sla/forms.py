"""Forms of the SLA settings pages. They parse and shape input; the rules (overlaps,
known countries, one target per priority and metric) live in `admin_services`."""

import re
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.accounts.models import Group, Role, User
from okno.contacts.models import Organization
from okno.sla.admin_checks import DAYS
from okno.sla.admin_services import country_choices, format_intervals
from okno.sla.models import BusinessCalendar, DateKind, Metric
from okno.tickets.models import Category, Channel, Priority

DAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
HOURS_HELP = _("For example 09:00-13:00, 14:00-18:00. Empty: a day off.")
_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min)?)?$", re.IGNORECASE)


def parse_duration(text: str) -> int | None:
    """ "90", "90m", "2h", "1h30m" -> minutes; "" -> None; anything else -> ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    m = _DURATION.match(text)
    if not m or not (m.group(1) or m.group(2)):
        raise ValueError(text)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def format_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}m"
    return f"{hours}h" if hours else f"{rest}m"


def _tz_choices():
    return [(z, z) for z in sorted(zoneinfo.available_timezones())]


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_tz_choices)
    is_24x7 = forms.BooleanField(label=_("24/7: every hour of every day counts"), required=False)
    country = forms.ChoiceField(label=_("Public holidays of"), required=False)
    subdivision = forms.CharField(
        label=_("Region code"),
        max_length=10,
        required=False,
        help_text=_("Optional, e.g. a state; leave empty for national holidays."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("No public holidays"))] + [
            (code, f"{name} ({code})") for code, name in country_choices()
        ]
        for day, label in zip(DAYS, DAY_NAMES, strict=True):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label, required=False, max_length=200, help_text=HOURS_HELP
            )

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict:
        initial = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "is_24x7": calendar.is_24x7,
            "country": calendar.country,
            "subdivision": calendar.subdivision,
        }
        for day in DAYS:
            initial[f"day_{day}"] = format_intervals((calendar.weekly_hours or {}).get(day))
        return initial

    def day_fields(self):
        return [self[f"day_{day}"] for day in DAYS]


class CalendarDateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DateKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    hours = forms.CharField(
        label=_("Working hours"),
        max_length=200,
        required=False,
        help_text=_("For a working day; empty means Monday's hours."),
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    calendar = forms.ModelChoiceField(
        label=_("Business calendar"),
        queryset=BusinessCalendar.objects.all(),
        required=False,
        empty_label=_("None: calendar time only"),
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Priorities"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.all(), required=False
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=Group.objects.all(), required=False
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"), queryset=Organization.objects.order_by("name"), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags (any of)"), max_length=500, required=False, help_text=_("Comma-separated.")
    )
    pause_on_pending = forms.BooleanField(label=_("Pause while pending"), required=False)
    pause_on_on_hold = forms.BooleanField(label=_("Pause while on hold"), required=False)
    warning_percent = forms.IntegerField(
        label=_("Warn at this percentage of the target"), min_value=1, max_value=100, initial=75
    )
    raise_priority = forms.BooleanField(label=_("On breach, raise the priority"), required=False)
    escalate_to_group = forms.ModelChoiceField(
        label=_("On breach, move to group"), queryset=Group.objects.all(), required=False
    )
    escalate_to_user = forms.ModelChoiceField(
        label=_("On breach, assign to"),
        queryset=User.objects.filter(is_active=True).exclude(role=Role.LIGHT_AGENT),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for priority in Priority:
            for metric in Metric:
                self.fields[f"t_{priority.value}_{metric.value}"] = forms.CharField(
                    label=f"{priority.label}: {metric.label}", required=False, max_length=20
                )
                self.fields[f"b_{priority.value}_{metric.value}"] = forms.BooleanField(
                    label=_("business hours"), required=False
                )

    CONDITION_FIELDS = ("priorities", "categories", "groups", "organizations", "channels", "tags")
    TARGET_PREFIXES = ("t_", "b_")

    def main_fields(self):
        skip = {*self.CONDITION_FIELDS}
        return [
            f for f in self if f.name not in skip and not f.name.startswith(self.TARGET_PREFIXES)
        ]

    def condition_fields(self):
        return [self[name] for name in self.CONDITION_FIELDS]

    def target_rows(self):
        """[(priority label, [(minutes field, business field) per metric])], urgent first."""
        return [
            (
                priority.label,
                [
                    (self[f"t_{priority.value}_{m.value}"], self[f"b_{priority.value}_{m.value}"])
                    for m in Metric
                ],
            )
            for priority in reversed(Priority)
        ]

    def clean(self):
        data = super().clean()
        self.targets = []
        for priority in Priority:
            for metric in Metric:
                name = f"t_{priority.value}_{metric.value}"
                try:
                    minutes = parse_duration(data.get(name, ""))
                except ValueError:
                    self.add_error(name, _("Write minutes (90), hours (2h) or both (1h30m)."))
                    continue
                if minutes is not None:
                    self.targets.append(
                        {
                            "priority": priority.value,
                            "metric": metric.value,
                            "minutes": minutes,
                            "business_time": data.get(f"b_{priority.value}_{metric.value}"),
                        }
                    )
        return data

    def conditions(self) -> dict:
        data = self.cleaned_data
        tags = sorted(
            {" ".join(t.split()).lower() for t in (data.get("tags") or "").split(",")} - {""}
        )
        return {
            "priority": data.get("priorities") or [],
            "category": [c.pk for c in data.get("categories") or []],
            "group": [g.pk for g in data.get("groups") or []],
            "organization": [o.pk for o in data.get("organizations") or []],
            "channel": data.get("channels") or [],
            "tags": tags,
        }

    def values(self) -> dict:
        """Keyword arguments of `admin_services.policy_save`."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "active": data["active"],
            "calendar": data["calendar"],
            "conditions": self.conditions(),
            "pause_on_pending": data["pause_on_pending"],
            "pause_on_on_hold": data["pause_on_on_hold"],
            "warning_percent": data["warning_percent"],
            "raise_priority": data["raise_priority"],
            "escalate_to_group": data["escalate_to_group"],
            "escalate_to_user": data["escalate_to_user"],
            "targets": self.targets,
        }

    @staticmethod
    def initial_for(policy) -> dict:
        c = policy.conditions or {}
        initial = {
            "name": policy.name,
            "active": policy.active,
            "calendar": policy.calendar_id,
            "priorities": c.get("priority", []),
            "categories": c.get("category", []),
            "groups": c.get("group", []),
            "organizations": c.get("organization", []),
            "channels": c.get("channel", []),
            "tags": ", ".join(c.get("tags", [])),
            "pause_on_pending": policy.pause_on_pending,
            "pause_on_on_hold": policy.pause_on_on_hold,
            "warning_percent": policy.warning_percent,
            "raise_priority": policy.raise_priority,
            "escalate_to_group": policy.escalate_to_group_id,
            "escalate_to_user": policy.escalate_to_user_id,
        }
        for target in policy.targets.all():
            initial[f"t_{target.priority}_{target.metric}"] = format_duration(target.minutes)
            initial[f"b_{target.priority}_{target.metric}"] = target.business_time
        return initial

    @staticmethod
    def initial_new() -> dict:
        initial = {"active": True, "pause_on_pending": True, "pause_on_on_hold": True}
        initial.update({f"b_{p.value}_{m.value}": True for p in Priority for m in Metric})
        initial["warning_percent"] = 75
        return initial

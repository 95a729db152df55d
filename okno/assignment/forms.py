"""Forms of the assignment settings pages: shape input for the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.assignment.models import AgentProfile, GroupAssignment, Mode
from okno.sla.admin_services import format_intervals, parse_intervals_text
from okno.tickets.models import Category

DAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
HOURS_HELP = _("For example 09:00-13:00, 14:00-18:00. Leave every day empty for no schedule.")


class GroupAssignmentForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    capacity = forms.IntegerField(
        label=_("Open tickets per agent"),
        required=False,
        min_value=0,
        help_text=_("Empty means no limit. An agent's own capacity overrides it."),
    )
    keep_previous_assignee = forms.BooleanField(
        label=_("Returning customers stay with their previous agent"), required=False
    )

    @staticmethod
    def initial_for(row: GroupAssignment | None) -> dict:
        if row is None:
            return {"mode": Mode.OFF}
        return {
            "mode": row.mode,
            "capacity": row.capacity,
            "keep_previous_assignee": row.keep_previous_assignee,
        }


class AgentProfileForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Open tickets at most"),
        required=False,
        min_value=0,
        help_text=_("Empty: the group's limit applies."),
    )
    skill_categories = forms.ModelMultipleChoiceField(
        label=_("Skills: categories"), queryset=Category.objects.all(), required=False
    )
    skill_tags = forms.CharField(
        label=_("Skills: tags"), required=False, help_text=_("Comma-separated tag names.")
    )
    days_off = forms.CharField(
        label=_("Days off"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Dates as YYYY-MM-DD, separated by commas or lines."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(DAY_NAMES):
            self.fields[f"day_{day}"] = forms.CharField(
                label=name, required=False, help_text=HOURS_HELP if day == 0 else ""
            )

    @staticmethod
    def initial_for(profile: AgentProfile | None) -> dict:
        if profile is None:
            return {}
        initial = {
            "capacity": profile.capacity,
            "skill_categories": list(profile.skill_categories.all()),
            "skill_tags": ", ".join(profile.skill_tags or []),
            "days_off": "\n".join(profile.days_off or []),
        }
        for day in range(7):
            initial[f"day_{day}"] = format_intervals((profile.weekly_hours or {}).get(str(day)))
        return initial

    def weekly_hours(self) -> dict:
        return {
            str(day): parse_intervals_text(
                self.cleaned_data.get(f"day_{day}", ""), field=f"day_{day}"
            )
            for day in range(7)
        }

    def tags(self) -> list[str]:
        return [t for t in self.cleaned_data.get("skill_tags", "").split(",") if t.strip()]

    def dates(self) -> list[str]:
        text = self.cleaned_data.get("days_off", "").replace(",", "\n")
        return [d.strip() for d in text.splitlines() if d.strip()]

"""Settings forms. Conditions and actions are edited as JSON (the same shape as the
API and the export), validated by the services, which name the failing entry."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.automation.conditions import DURATION_BASES, TRIGGER_EVENTS
from okno.automation.models import MatchMode
from okno.automation.templating import LANGUAGES
from okno.tickets.models import Channel

JSON_HELP = _('A JSON list, e.g. [{"field": "subject", "operator": "contains", "value": "refund"}]')
ACTIONS_HELP = _('A JSON list, e.g. [{"type": "add_tags", "params": {"tags": ["refund"]}}]')


class JsonListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "code"})

    def prepare_value(self, value):
        return (
            value
            if isinstance(value, str)
            else json.dumps(value or [], ensure_ascii=False, indent=1)
        )

    def to_python(self, value):
        try:
            data = json.loads(value or "[]")
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(data, list):
            raise forms.ValidationError(_("A JSON list is expected."))
        return data


class ItemForm(forms.Form):
    """A settings form of an automation item: `values()` is what the item's service
    takes, `initial_from()` turns the stored values into the form's fields."""

    def values(self) -> dict:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        return values


class TriggerForm(ItemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    events = forms.MultipleChoiceField(
        label=_("When"), choices=list(TRIGGER_EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    match = forms.ChoiceField(label=_("Match"), choices=MatchMode.choices)
    conditions = JsonListField(label=_("Conditions"), required=False, help_text=JSON_HELP)
    actions = JsonListField(label=_("Actions"), help_text=ACTIONS_HELP)
    stop_processing = forms.BooleanField(label=_("Stop processing the rest"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)


class TimeRuleForm(ItemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    basis = forms.ChoiceField(label=_("Measured from"), choices=list(DURATION_BASES.items()))
    minutes = forms.IntegerField(label=_("After (minutes)"), min_value=1)
    match = forms.ChoiceField(label=_("Match"), choices=MatchMode.choices)
    conditions = JsonListField(label=_("Conditions"), required=False, help_text=JSON_HELP)
    actions = JsonListField(label=_("Actions"), help_text=ACTIONS_HELP)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)


class MacroForm(ItemForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    shared = forms.BooleanField(label=_("Shared with the team"), required=False)
    actions = JsonListField(
        label=_("Actions"),
        help_text=_(
            'e.g. [{"type": "reply", "params": {"text": "Hello {{ contact.first_name }}"}}, '
            '{"type": "set_status", "params": {"status": "pending"}}]'
        ),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TemplateForm(ItemForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    shortcut = forms.SlugField(label=_("Shortcut"), required=False, max_length=50)
    shared = forms.BooleanField(label=_("Shared with the team"), required=False)
    body_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    body_ru = forms.CharField(
        label=_("Text (Russian)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    body_uk = forms.CharField(
        label=_("Text (Ukrainian)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def values(self) -> dict:
        data = self.cleaned_data
        body = {code: data[f"body_{code}"] for code in LANGUAGES if data[f"body_{code}"]}
        return {
            "title": data["title"],
            "shortcut": data["shortcut"],
            "shared": data["shared"],
            "body": body,
        }

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        body = values.get("body") or {}
        return {**values, **{f"body_{code}": body.get(code, "") for code in LANGUAGES}}


class GreetingForm(ItemForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    mailbox = forms.ModelChoiceField(label=_("Mailbox"), queryset=None, required=False)
    template = forms.ModelChoiceField(label=_("Template"), queryset=None)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from okno.automation.models import ResponseTemplate
        from okno.channels.models import Mailbox

        super().__init__(*args, **kwargs)
        self.fields["mailbox"].queryset = Mailbox.objects.all()
        self.fields["template"].queryset = ResponseTemplate.objects.filter(owner__isnull=True)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "mailbox": data["mailbox"].pk if data["mailbox"] else None,
            "template": data["template"].pk,
            "active": data["active"],
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (JSON)"))

"""The settings form of a connector: the common fields and only its kind's settings.

The form turns text into the shapes the service takes (lines into lists,
"key = value" lines into objects); every rule lives in
`okno.channels.messengers.services`."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okno.accounts.models import Group
from okno.channels.messengers import services
from okno.channels.models import Connector, ConnectorKind


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=ConnectorKind.choices, widget=forms.RadioSelect
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _pairs(text: str, name: str) -> dict:
    pairs = {}
    for line in _lines(text):
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise forms.ValidationError(
                _("Write each line as “%(example)s”: %(line)s")
                % {"example": "key = value", "line": line},
                code=name,
            )
        pairs[key.strip()] = value.strip()
    return pairs


# A WhatsApp template whose body has the parameter {{1}} (it carries the agent's
# text) is written "en = followup {{1}}" in the form.
PARAMETER_MARK = "{{1}}"


def _template_value(text: str):
    if text.endswith(PARAMETER_MARK):
        return {"name": text.removesuffix(PARAMETER_MARK).strip(), "body_parameter": True}
    return text


def _template_text(value) -> str:
    if isinstance(value, dict):
        mark = f" {PARAMETER_MARK}" if value.get("body_parameter") else ""
        return f"{value.get('name', '')}{mark}"
    return str(value)


def _field(setting: services.Setting, editing: bool) -> forms.Field:
    common = {"label": setting.label, "help_text": setting.help, "required": False}
    if setting.write_only:
        if editing:
            common["help_text"] = _("%(help)s Leave empty to keep the current one.") % {
                "help": setting.help
            }
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        return forms.CharField(max_length=setting.max_length, widget=widget, **common)
    if setting.type == "bool":
        return forms.BooleanField(**common)
    if setting.type == "choice":
        return forms.ChoiceField(choices=services.CHOICES[setting.name], **common)
    if setting.type in ("longtext", "origins", "map", "extensions"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if setting.type == "color":
        return forms.CharField(
            max_length=7, widget=forms.TextInput(attrs={"type": "color"}), **common
        )
    return forms.CharField(max_length=setting.max_length, **common)


class ConnectorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group"),
        queryset=Group.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("New tickets from this channel go to this group."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    reopen_window_hours = forms.IntegerField(
        label=gettext_lazy("A solved ticket reopens for (hours)"),
        min_value=0,
        max_value=services.MAX_REOPEN_HOURS,
        initial=72,
        help_text=gettext_lazy(
            "A message after this opens a new ticket; so does one on a closed ticket."
        ),
    )

    def __init__(self, *args, kind: str, connector: Connector | None = None, **kwargs):
        self.kind = kind
        self.settings = services.settings_for(kind)
        if connector is not None:
            kwargs.setdefault("initial", self.initial_for(connector))
        super().__init__(*args, **kwargs)
        shown = services.connector_settings(connector) if connector is not None else {}
        for setting in self.settings:
            field = _field(setting, editing=connector is not None)
            if setting.write_only and shown.get(setting.name):
                field.widget.attrs["placeholder"] = shown[setting.name]  # ••••abcd
            self.fields[setting.name] = field
        if connector is None:
            for setting in self.settings:
                if setting.type in ("bool", "color") and setting.default:
                    self.fields[setting.name].initial = setting.default

    @staticmethod
    def initial_for(connector: Connector) -> dict:
        initial = {
            "name": connector.name,
            "group": connector.group_id,
            "active": connector.active,
            "reopen_window_hours": connector.reopen_window_hours,
        }
        shown = services.connector_settings(connector)
        for setting in services.settings_for(connector.kind):
            value = shown.get(setting.name)
            if setting.write_only:
                continue  # never put a secret back into the page
            if setting.type == "origins":
                value = "\n".join(value or [])
            elif setting.type == "map":
                value = "\n".join(f"{k} = {_template_text(v)}" for k, v in (value or {}).items())
            elif setting.type == "extensions":
                value = "\n".join(f"{k} = {v}" for k, v in (value or {}).items())
            initial[setting.name] = value
        return initial

    def clean(self):
        data = super().clean()
        for setting in self.settings:
            text = data.get(setting.name)
            try:
                if setting.type == "origins":
                    data[setting.name] = _lines(text)
                elif setting.type == "map":
                    pairs = _pairs(text, setting.name)
                    data[setting.name] = {k: _template_value(v) for k, v in pairs.items()}
                elif setting.type == "extensions":
                    data[setting.name] = _pairs(text, setting.name)
            except forms.ValidationError as error:
                self.add_error(setting.name, error)
        return data

    def values(self) -> dict:
        """What the service takes: common fields and this kind's settings."""
        return dict(self.cleaned_data)

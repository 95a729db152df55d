"""The settings form of a webhook; the rules (URL guard, known events) live in
`okno.webhooks.services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.webhooks.events import EVENTS


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Okno POSTs signed JSON here (http or https)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    include_internal = forms.BooleanField(
        label=_("Include internal notes in “message.created”"), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    allow_private_hosts = forms.CharField(
        label=_("Allowed private hosts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One host a line. Okno refuses hosts that resolve to loopback, private or "
            "link-local addresses; list an intranet receiver here to allow it."
        ),
    )

    @staticmethod
    def initial_for(sub) -> dict:
        return {
            "name": sub.name,
            "url": sub.url,
            "events": sub.events,
            "include_internal": sub.include_internal,
            "active": sub.active,
            "allow_private_hosts": "\n".join(sub.allow_private_hosts),
        }

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["allow_private_hosts"] = data["allow_private_hosts"].split()
        return data

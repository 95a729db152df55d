"""Forms of the contact and organization pages.

Forms only parse what was posted; the services validate the rest and raise
`ValidationFailed(message, field=...)`, which `apply_service_error` shows next to
the field it names.
"""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from okno.accounts.models import Role, User
from okno.contacts.models import IdentityKind, Organization
from okno.core.errors import ServiceError


def apply_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's refusal next to its field, or on top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def timezone_choices(blank: bool = False) -> list[tuple[str, str]]:
    zones = [(z, z) for z in sorted(zoneinfo.available_timezones())]
    return [("", _("Not set")), *zones] if blank else zones


def account_managers():
    return User.objects.filter(is_active=True).exclude(role=Role.LIGHT_AGENT).order_by("name")


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.order_by("name"), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), required=False)
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=User.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices(blank=True)
        self.fields["account_manager"].queryset = account_managers()
        if not creating:
            # Addresses of an existing contact are edited as identities.
            del self.fields["email"]
            del self.fields["phone"]


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IdentityKind.choices)
    value = forms.CharField(label=_("Address"), max_length=254)


class ContactMergeForm(forms.Form):
    target = forms.CharField(label=_("Merge into (email, phone or contact number)"), max_length=254)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    domains = forms.CharField(
        label=_("Email domains, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("New contacts writing from these domains join the organization."),
    )
    shares_tickets = forms.BooleanField(
        label=_("Members see each other's tickets in the portal"), required=False
    )
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=User.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = account_managers()

    def domain_list(self) -> list[str]:
        raw = self.cleaned_data.get("domains") or ""
        return [d for d in raw.replace(",", "\n").split() if d]

"""The mailbox settings form (the save goes through `okno.channels.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.channels.models import Mailbox, RuleAction
from okno.channels.services import MAILBOX_FIELDS


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        # The password is a plain form field so that an empty one never reaches the
        # instance; the service keeps the stored password then.
        fields = [f for f in MAILBOX_FIELDS if f != "password"]

    field_order = [f for f in MAILBOX_FIELDS]

    def validate_unique(self):
        # The service answers "already connected" itself, next to the field.
        pass


class SenderRuleForm(forms.Form):
    """A blocklist or allowlist entry; `sender_rule_save` checks and normalizes it."""

    pattern = forms.CharField(
        label=_("address or domain"),
        max_length=254,
        help_text=_("ann@example.com for one sender, example.com for a whole domain."),
    )
    action = forms.ChoiceField(label=_("action"), choices=RuleAction.choices)
    mailbox = forms.ModelChoiceField(
        label=_("mailbox"),
        queryset=Mailbox.objects.all(),
        required=False,
        empty_label=_("Every mailbox"),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

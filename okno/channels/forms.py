"""The mailbox settings form (the save goes through `okno.channels.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.channels.models import Mailbox
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

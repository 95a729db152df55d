"""Portal forms: parsing and field-level checks only; rules live in the services."""

import secrets

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from okno.tickets.models import Category
from okno.tickets.services import AttachmentInput

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(n)s files.") % {"n": MAX_FILES}, code="too_many"
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def attachment_inputs(files) -> list[AttachmentInput]:
    """Uploaded files as service inputs.

    Reads at most one byte past the size limit: the service then refuses the file
    with its own message, and a huge upload is never held in memory whole.
    """
    limit = settings.OKNO_MAX_ATTACHMENT_SIZE
    return [
        AttachmentInput(filename=f.name, data=f.read(limit + 1), content_type=f.content_type or "")
        for f in files or []
    ]


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class RequestForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=250)
    text = forms.CharField(label=_("How can we help?"), max_length=50_000, widget=forms.Textarea)
    category = forms.ModelChoiceField(
        label=_("Topic"), queryset=Category.objects.all(), required=False, empty_label="—"
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    # Honeypot: hidden from people by CSS, filled in by form-stuffing bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    key = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")],
    )

    def __init__(self, *args, contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contact is not None:  # a logged-in customer is who they are
            del self.fields["name"]
            del self.fields["email"]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if "name" in self.fields:
            self.fields["name"].widget.attrs["autocomplete"] = "name"
            self.fields["email"].widget.attrs["autocomplete"] = "email"

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=50_000, required=False, widget=forms.Textarea
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Text or a file will do (the service says so), but text is what people send.
        self.fields["text"].hide_optional = True

"""Forms of the ticket page and the new-ticket page.

Forms only parse and shape input; the services validate the business rules and
their `ValidationFailed(field=...)` errors are put back next to the field with
`add_service_error`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.core.errors import ServiceError
from okno.tickets.models import CustomField, CustomFieldKind, Priority
from okno.tickets.services import AttachmentInput

CUSTOM_PREFIX = "cf_"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files in one input (Django's FileField takes one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def attachment_inputs(files) -> list[AttachmentInput]:
    return [
        AttachmentInput(filename=f.name, data=f.read(), content_type=f.content_type or "")
        for f in files or []
    ]


def category_choices(categories) -> list[tuple[str, str]]:
    """Categories as an indented tree (one list in, no queries)."""
    by_parent: dict = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    choices = [("", "—")]

    def walk(parent_id, depth):
        for category in by_parent.get(parent_id, []):
            choices.append((str(category.pk), "\u2003" * depth + category.name))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return choices


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def add_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it names (else above the form)."""
    name = exc.field or ""
    if name.startswith("custom_fields."):
        name = CUSTOM_PREFIX + name.split(".", 1)[1]
    aliases = {"body": "body", "public": "mode", "contact": "email", "target": "number"}
    name = aliases.get(name, name)
    form.add_error(name if name in form.fields else None, exc.message)


class ReplyForm(forms.Form):
    MODES = [("reply", _("Public reply")), ("note", _("Internal note"))]

    mode = forms.ChoiceField(choices=MODES, widget=forms.RadioSelect, initial="reply")
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "editor-body"}),
    )
    attachments = MultipleFileField(label=_("Attach files"))
    status = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Where a public reply goes (channels.messengers.outbound.send_via_choices).
    channel = forms.ChoiceField(label=_("Send via"), required=False)

    def __init__(self, *args, can_reply: bool = True, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not can_reply:
            self.fields["mode"].choices = [("note", _("Internal note"))]
            self.fields["mode"].initial = "note"
        self.channels = list(channels)
        self.fields["channel"].choices = self.channels

    @property
    def send_via(self) -> str | None:
        """The chosen channel of a public reply; None: the ticket's own."""
        return (self.cleaned_data.get("channel") or None) if self.public else None

    @property
    def public(self) -> bool:
        return self.cleaned_data.get("mode") == "reply"


class TicketPanelForm(forms.Form):
    """The side panel: every field of a ticket an agent may change, plus the version
    the agent saw (so a save over someone else's change is refused, not lost)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.TypedChoiceField(label=_("Status"), coerce=int)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, choices=Priority.choices)
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, empty_value=None)
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), coerce=int, required=False, empty_value=None
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma separated"), max_length=2000
    )
    parent = forms.IntegerField(label=_("Parent ticket"), required=False, min_value=1)

    def __init__(self, *args, lookups, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups
        self.fields["status"].choices = [(s.pk, s.name) for s in lookups.statuses]
        self.fields["group"].choices = [("", "—")] + [(g.pk, g.name) for g in lookups.groups]
        self.fields["assignee"].choices = [("", "—")] + [(u.pk, u.name) for u in lookups.agents]
        self.fields["category"].choices = category_choices(lookups.categories)
        for definition in lookups.custom_fields:
            self.fields[CUSTOM_PREFIX + definition.key] = custom_form_field(definition)

    @staticmethod
    def initial_for(ticket, tag_names, custom_fields) -> dict:
        initial = {
            "version": ticket.version,
            "status": ticket.status_id,
            "priority": ticket.priority,
            "group": ticket.group_id,
            "assignee": ticket.assignee_id,
            "category": ticket.category_id,
            "tags": ", ".join(tag_names),
            "parent": ticket.parent_id,
        }
        for definition in custom_fields:
            initial[CUSTOM_PREFIX + definition.key] = ticket.custom_fields.get(definition.key)
        return initial

    def custom_field_names(self) -> list[str]:
        return [n for n in self.fields if n.startswith(CUSTOM_PREFIX)]

    def changes(self) -> dict:
        """The cleaned values as `ticket_update` changes (parent resolved by the view)."""
        data = self.cleaned_data
        lookups = self.lookups
        custom = {}
        for definition in lookups.custom_fields:
            value = data.get(CUSTOM_PREFIX + definition.key)
            if definition.kind == CustomFieldKind.DATE and value:
                value = value.isoformat()
            if definition.kind == CustomFieldKind.CHECKBOX:
                value = bool(value)
            custom[definition.key] = value
        changes = {
            "status": lookups.status_by_id[data["status"]],
            "priority": data["priority"],
            "group": lookups.group_by_id.get(data["group"]),
            "assignee": lookups.agent_by_id.get(data["assignee"]),
            "category": lookups.category_by_id.get(data["category"]),
            "tags": split_tags(data["tags"]),
        }
        if custom:
            changes["custom_fields"] = custom
        return changes


def custom_form_field(definition: CustomField) -> forms.Field:
    label = definition.label
    options = [(str(o), str(o)) for o in definition.options]
    kind = definition.kind
    if kind == CustomFieldKind.NUMBER:
        return forms.CharField(
            label=label, required=False, widget=forms.NumberInput(attrs={"step": "any"})
        )
    if kind == CustomFieldKind.DATE:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == CustomFieldKind.SELECT:
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
    if kind == CustomFieldKind.MULTI_SELECT:
        return forms.MultipleChoiceField(
            label=label, required=False, choices=options, widget=forms.CheckboxSelectMultiple
        )
    if kind == CustomFieldKind.CHECKBOX:
        return forms.BooleanField(label=label, required=False)
    return forms.CharField(label=label, required=False, max_length=2000)


class TicketNumberForm(forms.Form):
    """One other ticket by number: merge target, link target, new sub-ticket."""

    number = forms.IntegerField(label=_("Ticket number"), min_value=1)
    kind = forms.CharField(required=False)


class SplitForm(forms.Form):
    messages = forms.TypedMultipleChoiceField(coerce=int, choices=())
    subject = forms.CharField(label=_("Subject of the new ticket"), required=False, max_length=250)

    def __init__(self, *args, message_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["messages"].choices = [(i, i) for i in message_ids]


class NewTicketForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    email = forms.EmailField(label=_("Requester email"), required=False)
    name = forms.CharField(label=_("Requester name"), required=False, max_length=200)
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, empty_value=None)
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Priority.choices, initial=Priority.NORMAL
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma separated"), max_length=2000
    )
    attachments = MultipleFileField(label=_("Attach files"))
    message_from_agent = forms.BooleanField(
        label=_("The first message is from me (an agent), not from the requester"),
        required=False,
    )

    def __init__(self, *args, groups, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "—")] + [(g.pk, g.name) for g in groups]
        self.fields["category"].choices = category_choices(categories)

    def clean(self):
        data = super().clean()
        if not data.get("contact") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter the requester's email."))
        return data

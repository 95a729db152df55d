"""Forms of the settings pages. They parse; okno.*.admin_services / settings validate."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from okno.accounts.models import Group, Role, TicketScope, User
from okno.tickets.models import Category, CustomFieldKind, StatusCategory
from okno.tickets.services.settings import category_tree
from okno.web.forms.directory import timezone_choices


class UserForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.CharField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    ticket_scope = forms.ChoiceField(label=_("Ticket access"), choices=TicketScope.choices)
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        if not creating:
            # Changing a password is its own form, so an edit never resets it by accident.
            del self.fields["password"]


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class StatusForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=StatusCategory.choices)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            # Tickets denormalize their status's category; it stays as created.
            del self.fields["category"]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=Category.objects.all(), required=False, empty_label=_("None")
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show the parent choices as an indented tree, in tree order.
        field = self.fields["parent"]
        field.choices = [("", field.empty_label)] + [
            (c.pk, "— " * depth + c.name) for c, depth in category_tree()
        ]


class CustomFieldForm(forms.Form):
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_("Used in the API and in search; letters, digits and underscores."),
    )
    label = forms.CharField(label=_("Label"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomFieldKind.choices)
    options = forms.CharField(
        label=_("Options, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Only for select and multi-select fields."),
    )
    required_to_solve = forms.BooleanField(label=_("Required to solve"), required=False)
    visible_to_customer = forms.BooleanField(label=_("Visible to customers"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            self.fields["key"].disabled = True
            self.fields["key"].required = False

    def option_list(self) -> list[str]:
        return (self.cleaned_data.get("options") or "").splitlines()


class TagRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=60)


class TagMergeForm(forms.Form):
    target = forms.CharField(label=_("Merge into the tag"), max_length=60)

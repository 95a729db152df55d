"""Forms of the knowledge base pages (the agent editor and the branding settings)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from okno.contacts.models import Organization
from okno.kb.models import KbCategory, Visibility

STATUS_CHOICES = [
    ("", _("Any status")),
    ("published", _("Published")),
    ("draft", _("Draft (never published)")),
    ("changed", _("Published, with a newer draft")),
    ("archived", _("Archived")),
]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Title"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=KbCategory.objects.all(),
        required=False,
        empty_label=_("Any category"),
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *settings.LANGUAGES]
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        required=False,
        choices=[("", _("Any visibility")), *Visibility.choices],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "id": "kb-body", "spellcheck": "true"}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=KbCategory.objects.all(),
        required=False,
        empty_label=_("No category"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_("Who may read it when the visibility is “Selected organizations”."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separated by commas.")
    )
    slug = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=200,
        help_text=_("Made from the title when left empty."),
    )
    note = forms.CharField(label=_("Change note"), required=False, max_length=300)
    translation_of = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # A translation is its own article: the language of an existing one is fixed.
            self.fields["language"].disabled = True
            self.fields["language"].required = False

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class BrandingForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), required=False, max_length=120)
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("As #rrggbb."),
    )
    logo = forms.FileField(label=_("Logo"), required=False, help_text=_("PNG, JPEG, GIF or WebP."))
    clear_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

"""Forms of the knowledge base pages (the agent editor and the branding settings)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from okno.contacts.models import Organization
from okno.kb.models import KbCategory, Visibility
from okno.kb.selectors import categories_tree

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
    category = forms.ModelChoiceField(  # replaced by the tree in __init__
        label=_("Category"), queryset=KbCategory.objects.none(), required=False
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
        # Sections indented under their categories (built per form: it reads the tree).
        self.fields["category"] = CategoryChoiceField(
            label=_("Category"), required=False, empty_label=_("No category")
        )
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


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories as a tree: sections indented under their parents."""

    def __init__(self, *args, exclude: set[int] = frozenset(), **kwargs):
        super().__init__(KbCategory.objects.none(), *args, **kwargs)
        rows = [(row, depth) for row, depth in categories_tree() if row.pk not in exclude]
        self.queryset = KbCategory.objects.filter(pk__in=[row.pk for row, _depth in rows])
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = empty + [(row.pk, "\u2003" * depth + row.name) for row, depth in rows]


def _descendants(category: KbCategory) -> set[int]:
    """The category and everything inside it: never a valid new parent for it."""
    children: dict = {}
    for pk, parent_id in KbCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    out, todo = set(), [category.pk]
    while todo:
        pk = todo.pop()
        out.add(pk)
        todo.extend(children.get(pk, []))
    return out


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Shown in languages that have no name of their own below."),
    )
    slug = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=200,
        help_text=_("Made from the name when left empty."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, category: KbCategory | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        exclude = _descendants(category) if category is not None else set()
        self.fields["parent"] = CategoryChoiceField(
            label=_("Inside"), required=False, empty_label=_("Top level"), exclude=exclude
        )
        for code, language in settings.LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language},
                required=False,
                max_length=200,
            )

    def translation_fields(self):
        return [self[f"name_{code}"] for code, _language in settings.LANGUAGES]

    def name_translations(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"name_{code}"]
            for code, _language in settings.LANGUAGES
            if self.cleaned_data.get(f"name_{code}")
        }

    @staticmethod
    def initial_for(category: KbCategory) -> dict:
        initial = {
            "name": category.name,
            "slug": category.slug,
            "description": category.description,
            "parent": category.parent_id,
        }
        for code, text in (category.name_translations or {}).items():
            initial[f"name_{code}"] = text
        return initial


class CategoryDeleteForm(forms.Form):
    def __init__(self, *args, category: KbCategory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"] = CategoryChoiceField(
            label=_("Move its articles to"),
            required=False,
            empty_label=_("Choose a category"),
            exclude={category.pk},
        )

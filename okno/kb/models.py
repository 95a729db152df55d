"""Knowledge base: categories, articles with versioned Markdown, and what readers do.

An *article* is one language of one piece of content; translations of it share a
`translation_group`. Its text lives in `ArticleVersion` rows: the newest unpublished
version is the draft, `published_version` is what readers see. Counters (views,
votes) sit on the article so lists read them without joins.

Writes go through `okno.kb.services`; reads that depend on who is asking through
`okno.kb.selectors`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (staff only)")
    ORGANIZATIONS = "organizations", _("Selected organizations")


class KbCategory(models.Model):
    """A category (a section when it has a parent) of the help center."""

    name = models.CharField(_("name"), max_length=200)
    # {"ru": "...", "uk": "..."}: the name in other languages; `name` is the fallback.
    name_translations = models.JSONField(_("translated names"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.IntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("knowledge base category")

    def __str__(self):
        return self.name

    def name_in(self, language: str) -> str:
        return (self.name_translations or {}).get(language) or self.name


class KbTag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Article(models.Model):
    category = models.ForeignKey(
        KbCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("category"),
    )
    # The title of the published version (of the draft until the first publish),
    # kept here so lists and the sitemap need no join.
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    translation_group = models.UUIDField(default=uuid.uuid4, db_index=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    organizations = models.ManyToManyField(
        "contacts.Organization",
        blank=True,
        related_name="kb_articles",
        verbose_name=_("organizations"),
    )
    tags = models.ManyToManyField(KbTag, blank=True, related_name="articles")
    position = models.IntegerField(_("position"), default=0)
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)
    views_count = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "slug"], name="kb_article_slug_per_language"
            ),
            models.UniqueConstraint(
                fields=["translation_group", "language"], name="kb_article_one_per_language"
            ),
        ]
        indexes = [models.Index(fields=["visibility", "archived"], name="kb_article_visible")]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None and not self.archived


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    body_markdown = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True)  # rendered and sanitized at save time
    body_text = models.TextField(blank=True)  # plain text: the search index and snippets
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)
    # Set when this version went live; stays set in history after a newer one replaces it.
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number")
        ]

    def __str__(self):
        return f"{self.title} v{self.number}"


class ArticleVote(models.Model):
    """One reader's "was this helpful?" answer; a second answer replaces the first."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    # Exactly one voter key: "u:<id>" (staff), "c:<id>" (contact) or "s:<session>".
    voter = models.CharField(max_length=80)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="kb_vote_once")]


class ArticleView(models.Model):
    """Views per article per day: cheap to write, enough for statistics."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_views")
    date = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "date"], name="kb_view_per_day")]


class PrincipalKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CUSTOMER = "customer", _("Customer")
    ANONYMOUS = "anonymous", _("Visitor")


class KbSearchLog(models.Model):
    query = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300, db_index=True)  # lemmas, for grouping
    results_count = models.PositiveIntegerField()
    principal_kind = models.CharField(max_length=12, choices=PrincipalKind.choices)
    source = models.CharField(max_length=20, default="portal")  # portal, agent, api, suggest
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)


class Deflection(models.Model):
    """A customer read an article from the request form and left without submitting."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=80, blank=True)
    query = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        constraints = [
            # One deflection per article per visit, however often the page reports it.
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=~models.Q(session_key=""),
                name="kb_deflection_once_per_session",
            )
        ]


class KbImage(models.Model):
    """An image uploaded for articles, referenced from Markdown as /kb/images/<key>/<name>.

    Anyone with the address may fetch it (public articles show it to visitors), so the
    address carries a random key rather than the id: a screenshot in an internal
    article cannot be found by counting.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="kb/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)


# --- search index (see okno.kb.search) -----------------------------------------------


class KbSearchText(models.Model):
    """Lemmas of a published article's title and body, the source of the full-text index.

    On SQLite an FTS5 table (title, body) mirrors it through triggers; on PostgreSQL a
    trigger keeps a weighted tsvector column (title A, body B) with a GIN index.
    """

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    title_lemmas = models.TextField()
    body_lemmas = models.TextField()


class KbWord(models.Model):
    """The vocabulary of indexed lemmas, for typo tolerance."""

    word = models.CharField(max_length=100, unique=True)
    doc_count = models.PositiveIntegerField(default=0)


class KbWordDeletion(models.Model):
    """A word with one character deleted (symspell): two words one edit apart share one."""

    word = models.ForeignKey(KbWord, on_delete=models.CASCADE, related_name="+")
    deletion = models.CharField(max_length=100, db_index=True)


# Defined beside its helpers; imported here so the app registry always knows it.
from okno.kb.branding import HelpCenterBranding  # noqa: E402, F401

"""Every write to the knowledge base: one function per use case, keyword-only.

`actor` is the staff user doing it; None means the system (the import command).
A staff actor must be allowed to write (`can_write_kb`: not a light agent).

Versions: the newest version is the *draft* while it is unpublished; saving a draft
edits it in place (autosave does not flood history), and after a publish the next
save starts a new version. Publishing makes the draft the published version;
restoring copies an old version into a new draft (history only grows).
"""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.errors import NotAllowed, ValidationFailed
from okno.kb.markdown import markdown_to_text, render_markdown
from okno.kb.models import (
    Article,
    ArticleVersion,
    ArticleView,
    ArticleVote,
    Deflection,
    KbCategory,
    KbImage,
    KbSearchLog,
    KbTag,
    PrincipalKind,
    Visibility,
)
from okno.kb.search_index import index_article, terms
from okno.kb.selectors import can_write_kb
from okno.kb.slugs import slugify, unique_slug
from okno.tickets.permissions import is_customer, is_staff

MAX_TITLE = 300


def _require_writer(actor) -> None:
    if actor is not None and not can_write_kb(actor):
        raise NotAllowed(_("You may not edit the knowledge base."))


def _author(actor):
    return actor if is_staff(actor) else None


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(_("The title is required."), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    return title


def _clean_language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose a language."), field="language")
    return language


def _clean_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise ValidationFailed(_("Choose a visibility."), field="visibility")
    return visibility


# --- categories -------------------------------------------------------------------


def _category_slug(name: str, slug: str, exclude: KbCategory | None) -> str:
    taken = KbCategory.objects.all()
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if slug:
        slug = slugify(slug)
        if not slug:
            raise ValidationFailed(_("Enter a valid slug."), field="slug")
        if taken.filter(slug=slug).exists():
            raise ValidationFailed(_("This slug is already used."), field="slug")
        return slug
    return unique_slug(name or "category", lambda s: taken.filter(slug=s).exists())


def _check_parent(category: KbCategory | None, parent: KbCategory | None) -> None:
    node = parent
    while node is not None:
        if category is not None and node.pk == category.pk:
            raise ValidationFailed(_("A category cannot be inside itself."), field="parent")
        node = node.parent


def category_create(
    *,
    actor,
    name: str,
    parent: KbCategory | None = None,
    position: int | None = None,
    slug: str = "",
    description: str = "",
    name_translations: dict | None = None,
) -> KbCategory:
    """A new category (a section when `parent` is set), last among its siblings unless
    `position` says otherwise."""
    _require_writer(actor)
    name = _clean_title(name)[:200]
    if position is None:
        last = KbCategory.objects.filter(parent=parent).aggregate(m=Max("position"))["m"]
        position = 0 if last is None else last + 1
    return KbCategory.objects.create(
        name=name,
        slug=_category_slug(name, slug, None),
        parent=parent,
        position=position,
        description=description or "",
        name_translations=_clean_translations(name_translations),
    )


def _clean_translations(value: dict | None) -> dict:
    languages = dict(settings.LANGUAGES)
    return {
        code: " ".join(str(text).split())[:200]
        for code, text in (value or {}).items()
        if code in languages and str(text).strip()
    }


def category_update(*, actor, category: KbCategory, **changes) -> KbCategory:
    """Change any of name, slug, parent, position, description, name_translations."""
    _require_writer(actor)
    if "name" in changes:
        category.name = _clean_title(changes["name"])[:200]
    if "slug" in changes:
        category.slug = _category_slug(category.name, changes["slug"] or "", category)
    if "parent" in changes:
        _check_parent(category, changes["parent"])
        category.parent = changes["parent"]
    if "position" in changes:
        category.position = int(changes["position"] or 0)
    if "description" in changes:
        category.description = changes["description"] or ""
    if "name_translations" in changes:
        category.name_translations = _clean_translations(changes["name_translations"])
    category.save()
    return category


@transaction.atomic
def category_move(*, actor, category: KbCategory, offset: int) -> KbCategory:
    """Move a category `offset` places among its siblings (-1: up, 1: down).

    The siblings are renumbered 0, 1, 2… in their shown order first, so equal or
    sparse positions (from the API or an import) still move one step at a time.
    """
    _require_writer(actor)
    siblings = list(
        KbCategory.objects.select_for_update()
        .filter(parent_id=category.parent_id)
        .order_by("position", "name", "id")
    )
    index = next(i for i, row in enumerate(siblings) if row.pk == category.pk)
    target = max(0, min(len(siblings) - 1, index + int(offset)))
    siblings.insert(target, siblings.pop(index))
    changed = []
    for position, row in enumerate(siblings):
        if row.position != position:
            row.position = position
            changed.append(row)
    KbCategory.objects.bulk_update(changed, ["position"])
    category.position = target
    return category


@transaction.atomic
def category_delete(*, actor, category: KbCategory, move_to: KbCategory | None = None) -> int:
    """Delete a category without sections inside it.

    A category that still holds articles is refused unless `move_to` names where they
    go; returns how many articles were moved.
    """
    _require_writer(actor)
    if category.children.exists():
        raise ValidationFailed(_("Move or delete the sections inside it first."))
    articles = Article.objects.filter(category=category)
    moved = 0
    if articles.exists():
        if move_to is None:
            raise ValidationFailed(
                _("This category holds articles: choose a category to move them to."),
                field="move_to",
            )
        if move_to.pk == category.pk:
            raise ValidationFailed(
                _("Choose another category to move the articles to."), field="move_to"
            )
        moved = articles.update(category=move_to, updated_at=timezone.now())
    category.delete()
    return moved


# --- articles ---------------------------------------------------------------------


def _article_slug(language: str, title: str, slug: str, exclude: Article | None) -> str:
    taken = Article.objects.filter(language=language)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if slug:
        clean = slugify(slug)
        if not clean:
            raise ValidationFailed(_("Enter a valid slug."), field="slug")
        if taken.filter(slug=clean).exists():
            raise ValidationFailed(_("This slug is already used."), field="slug")
        return clean
    return unique_slug(title, lambda s: taken.filter(slug=s).exists())


def _set_tags(article: Article, tags) -> None:
    names = list(dict.fromkeys(" ".join(str(t).split())[:64] for t in tags or () if str(t).strip()))
    rows = []
    for name in names:
        tag = KbTag.objects.filter(name__iexact=name).first() or KbTag.objects.create(name=name)
        rows.append(tag)
    article.tags.set(rows)


def _fill_version(version: ArticleVersion, title: str, body_markdown: str) -> None:
    version.title = title
    version.body_markdown = body_markdown or ""
    version.body_html = render_markdown(version.body_markdown)
    version.body_text = markdown_to_text(version.body_html)


@transaction.atomic
def article_create(
    *,
    actor,
    title: str,
    body_markdown: str = "",
    category: KbCategory | None = None,
    language: str = "en",
    visibility: str = Visibility.PUBLIC,
    organizations=(),
    tags=(),
    slug: str = "",
    translation_of: Article | None = None,
    position: int = 0,
    note: str = "",
    publish: bool = False,
) -> Article:
    """A new article with its first draft (published at once when `publish`)."""
    _require_writer(actor)
    title = _clean_title(title)
    language = _clean_language(language)
    article = Article(
        title=title,
        language=language,
        category=category,
        visibility=_clean_visibility(visibility),
        position=position,
        created_by=_author(actor),
        slug=_article_slug(language, title, slug, None),
    )
    if translation_of is not None:
        if (
            translation_of.language == language
            or Article.objects.filter(
                translation_group=translation_of.translation_group, language=language
            ).exists()
        ):
            raise ValidationFailed(
                _("This article already has a translation into this language."), field="language"
            )
        article.translation_group = translation_of.translation_group
    article.save()
    article.organizations.set(organizations or ())
    _set_tags(article, tags)
    version = ArticleVersion(article=article, number=1, author=_author(actor), note=note[:300])
    _fill_version(version, title, body_markdown)
    version.save()
    if publish:
        article_publish(actor=actor, article=article)
    return article


def _latest(article: Article) -> ArticleVersion | None:
    return article.versions.order_by("-number").first()


@transaction.atomic
def article_save_draft(
    *, actor, article: Article, title: str, body_markdown: str, note: str = ""
) -> ArticleVersion:
    """Save the text as the draft: edit the open draft, or start a new version."""
    _require_writer(actor)
    title = _clean_title(title)
    article = Article.objects.select_for_update().get(pk=article.pk)
    draft = _latest(article)
    now = timezone.now()
    if draft is None or draft.is_published:
        number = (draft.number + 1) if draft else 1
        draft = ArticleVersion(article=article, number=number, created_at=now)
    draft.author = _author(actor)
    draft.note = (note or "")[:300]
    draft.updated_at = now
    _fill_version(draft, title, body_markdown)
    draft.save()
    fields = ["updated_at"]
    article.updated_at = now
    if article.published_version_id is None:
        article.title = title
        fields.append("title")
    article.save(update_fields=fields)
    return draft


@transaction.atomic
def article_publish(*, actor, article: Article) -> ArticleVersion:
    """Make the draft live. With no draft (nothing changed) this is refused."""
    _require_writer(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    draft = _latest(article)
    if draft is None or draft.is_published:
        raise ValidationFailed(_("There is no draft to publish."))
    now = timezone.now()
    draft.is_published = True
    draft.published_at = now
    draft.save(update_fields=["is_published", "published_at"])
    article.published_version = draft
    article.title = draft.title
    article.published_at = now
    article.updated_at = now
    article.save(update_fields=["published_version", "title", "published_at", "updated_at"])
    index_article(article)
    return draft


@transaction.atomic
def article_unpublish(*, actor, article: Article) -> Article:
    """Take the article off the help center; its versions stay."""
    _require_writer(actor)
    article.published_version = None
    article.updated_at = timezone.now()
    article.save(update_fields=["published_version", "updated_at"])
    index_article(article)
    return article


@transaction.atomic
def article_restore_version(
    *, actor, article: Article, version: ArticleVersion, publish: bool = False
) -> ArticleVersion:
    """Copy an old version's text into a new draft (and publish it when asked)."""
    _require_writer(actor)
    if version.article_id != article.pk:
        raise ValidationFailed(_("This version belongs to another article."), field="version")
    latest = _latest(article)
    if latest is not None and not latest.is_published:
        # An open draft would be silently overwritten: keep it in history first.
        latest.note = latest.note or _("Draft replaced by a restore")
        latest.save(update_fields=["note"])
    number = (article.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = ArticleVersion(
        article=article,
        number=number,
        author=_author(actor),
        note=(_("Restored from version %(n)d") % {"n": version.number})[:300],
        title=version.title,
        body_markdown=version.body_markdown,
        body_html=render_markdown(version.body_markdown),
        body_text=version.body_text,
    )
    draft.save()
    if publish:
        article_publish(actor=actor, article=article)
    return draft


_UNSET = object()


@transaction.atomic
def article_update_settings(
    *,
    actor,
    article: Article,
    category=_UNSET,
    visibility=_UNSET,
    organizations=_UNSET,
    tags=_UNSET,
    slug=_UNSET,
    position=_UNSET,
) -> Article:
    """Everything about an article that is not its text (not versioned)."""
    _require_writer(actor)
    if category is not _UNSET:
        article.category = category
    if visibility is not _UNSET:
        article.visibility = _clean_visibility(visibility)
    if slug is not _UNSET:
        article.slug = _article_slug(article.language, article.title, slug or "", article)
    if position is not _UNSET:
        article.position = int(position or 0)
    article.updated_at = timezone.now()
    article.save()
    if organizations is not _UNSET:
        article.organizations.set(organizations or ())
    if tags is not _UNSET:
        _set_tags(article, tags)
    return article


@transaction.atomic
def article_archive(*, actor, article: Article, archived: bool = True) -> Article:
    """Hide an article from readers (or bring it back) without losing anything."""
    _require_writer(actor)
    article.archived = archived
    article.updated_at = timezone.now()
    article.save(update_fields=["archived", "updated_at"])
    index_article(article)
    return article


@transaction.atomic
def article_delete(*, actor, article: Article) -> None:
    _require_writer(actor)
    article.archived = True
    index_article(article)  # drops the index row and un-counts its words
    article.delete()


# --- readers ------------------------------------------------------------------------


def voter_key(principal, session_key: str = "") -> str:
    """Who is voting: a staff user, a contact, or an anonymous browser session."""
    if is_staff(principal):
        return f"u:{principal.pk}"
    if is_customer(principal):
        return f"c:{principal.pk}"
    if session_key:
        return f"s:{session_key[:70]}"
    raise ValidationFailed(_("Cannot tell who is voting."))


@transaction.atomic
def article_vote(*, article: Article, voter: str, helpful: bool) -> Article:
    """Record "was this helpful?"; a reader changing their mind moves their vote."""
    vote = ArticleVote.objects.select_for_update().filter(article=article, voter=voter).first()
    yes, no = (1, 0) if helpful else (0, 1)
    if vote is not None:
        if vote.helpful == helpful:
            return article
        yes, no = (1, -1) if helpful else (-1, 1)
        vote.helpful = helpful
        vote.created_at = timezone.now()
        vote.save(update_fields=["helpful", "created_at"])
    else:
        try:
            with transaction.atomic():
                ArticleVote.objects.create(article=article, voter=voter, helpful=helpful)
        except IntegrityError:  # a double click raced us; the first vote stands
            return article
    Article.objects.filter(pk=article.pk).update(
        helpful_yes=F("helpful_yes") + yes, helpful_no=F("helpful_no") + no
    )
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    return article


def article_record_view(*, article: Article, day: dt.date | None = None) -> None:
    """Count one view: the article's total and the day's row (two cheap updates)."""
    day = day or timezone.localdate()
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(views_count=F("views_count") + 1)
        updated = ArticleView.objects.filter(article=article, date=day).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    ArticleView.objects.create(article=article, date=day, count=1)
            except IntegrityError:
                ArticleView.objects.filter(article=article, date=day).update(count=F("count") + 1)


def principal_kind(principal) -> str:
    if is_staff(principal):
        return PrincipalKind.STAFF
    if is_customer(principal):
        return PrincipalKind.CUSTOMER
    return PrincipalKind.ANONYMOUS


def search_record(
    *, query: str, results_count: int, principal, source: str = "portal", language: str = ""
) -> KbSearchLog | None:
    """Log a search (statistics: popular searches, searches with no results)."""
    query = " ".join((query or "").split())[:300]
    if not query:
        return None
    return KbSearchLog.objects.create(
        query=query,
        normalized=" ".join(sorted(set(terms(query))))[:300],
        results_count=max(0, int(results_count)),
        principal_kind=principal_kind(principal),
        source=source[:20],
        language=(language or "")[:8],
    )


def deflection_record(
    *, article: Article, contact=None, session_key: str = "", query: str = ""
) -> Deflection | None:
    """A customer read `article` from the request form and left without submitting.

    Counted once per article per session; returns None for a repeat report.
    """
    try:
        with transaction.atomic():
            return Deflection.objects.create(
                article=article,
                contact=contact if is_customer(contact) else None,
                session_key=(session_key or "")[:80],
                query=" ".join((query or "").split())[:300],
            )
    except IntegrityError:
        return None


# --- images ----------------------------------------------------------------------------

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
IMAGE_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}
MAX_IMAGE_SIZE = 10 * 1024 * 1024


def _image_name(filename: str, content_type: str) -> str:
    """A readable ASCII file name with the extension of what the bytes really are."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"{slugify(stem)[:60] or 'image'}.{IMAGE_EXTENSIONS[content_type]}"


def image_upload(*, actor, uploaded_file, key: uuid.UUID | None = None) -> KbImage:
    """Store an image for articles.

    The type comes from the bytes (the browser's claim and the file name are ignored)
    and only raster formats are kept: an SVG or HTML file could carry script.
    `key` keeps an imported image at the address its articles already link to.
    """
    import filetype

    _require_writer(actor)
    if uploaded_file.size > MAX_IMAGE_SIZE:
        raise ValidationFailed(
            _("The image is larger than %(n)d MB.") % {"n": MAX_IMAGE_SIZE // (1024 * 1024)},
            field="file",
        )
    head = uploaded_file.read(2048)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise ValidationFailed(_("Upload a PNG, JPEG, GIF or WebP image."), field="file")
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    name = _image_name(uploaded_file.name, kind.mime)
    uploaded_file.name = name  # the stored file's name too: nothing of the upload's own
    return KbImage.objects.create(
        key=key or uuid.uuid4(),
        file=uploaded_file,
        name=name,
        content_type=kind.mime,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=_author(actor),
    )

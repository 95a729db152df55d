"""/kb: knowledge base categories, articles, versions, search and votes.

Who may do what (see okno.kb.selectors):
- read: staff read every article (with `drafts=true`, unpublished and archived ones
  too); customers read public articles and those shared with their organization;
- write (categories, articles, publish, restore): agents, supervisors and admins;
  light agents read only;
- vote: anyone who can read the article, once (a second vote replaces the first).

Handlers stay thin: parse -> access (selectors) -> service -> render.
"""

import datetime as dt
import uuid

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from okno.api.errors import COMMON_ERRORS
from okno.api.pagination import MAX_LIMIT, decode, encode
from okno.api.schemas.common import Id, InSchema
from okno.contacts.models import Organization
from okno.core.errors import NotAllowed, ValidationFailed
from okno.kb import services
from okno.kb.models import Article, KbCategory
from okno.kb.search import search_articles
from okno.kb.selectors import (
    article_draft,
    article_get_for_user,
    article_versions,
    can_write_kb,
    categories_tree,
    staff_articles,
    visible_articles,
)
from okno.tickets.permissions import is_staff

router = Router(tags=["knowledge base"])


# --- schemas --------------------------------------------------------------------------


class KbCategoryOut(Schema):
    id: int
    name: str
    name_translations: dict[str, str]
    description: str
    slug: str
    parent: int | None
    position: int

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


class KbCategoryIn(InSchema):
    name: str = Field(..., max_length=200)
    name_translations: dict[str, str] = {}
    description: str = Field("", max_length=5000)
    slug: str = Field("", max_length=200)
    parent: Id | None = None
    position: int | None = Field(
        None, ge=-(2**31), le=2**31 - 1, description="Last among its siblings when left out"
    )


class KbCategoryPatchIn(InSchema):
    name: str | None = Field(None, max_length=200)
    name_translations: dict[str, str] | None = None
    description: str | None = Field(None, max_length=5000)
    slug: str | None = Field(None, max_length=200)
    parent: Id | None = None
    position: int | None = Field(None, ge=-(2**31), le=2**31 - 1)


class DraftOut(Schema):
    number: int
    title: str
    body_markdown: str
    updated_at: dt.datetime


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    language: str
    translation_group: uuid.UUID
    category: int | None
    tags: list[str]
    body_html: str = Field(description="Sanitized HTML of the published version")
    published: bool
    published_at: dt.datetime | None
    updated_at: dt.datetime
    views_count: int
    helpful_yes: int
    helpful_no: int
    # Staff only (null for customers):
    visibility: str | None = None
    organizations: list[int] | None = None
    archived: bool | None = None
    published_version: int | None = None
    body_markdown: str | None = None
    draft: DraftOut | None = None


class ArticlePage(Schema):
    results: list[ArticleOut]
    next_cursor: str | None


class ArticleIn(InSchema):
    title: str = Field(..., max_length=300)
    body_markdown: str = Field("", max_length=500_000)
    category: Id | None = None
    language: str = Field("en", max_length=8)
    visibility: str = Field("public", max_length=16)
    organizations: list[Id] = Field([], max_length=1000)
    tags: list[str] = Field([], max_length=50)
    slug: str = Field("", max_length=200)
    translation_of: Id | None = None
    publish: bool = False


class ArticlePatchIn(InSchema):
    title: str | None = Field(None, max_length=300)
    body_markdown: str | None = Field(None, max_length=500_000)
    note: str = Field("", max_length=300)
    category: Id | None = None
    visibility: str | None = Field(None, max_length=16)
    organizations: list[Id] | None = Field(None, max_length=1000)
    tags: list[str] | None = Field(None, max_length=50)
    slug: str | None = Field(None, max_length=200)
    publish: bool = Field(False, description="Publish the draft after saving")
    archived: bool | None = None


class VersionOut(Schema):
    number: int
    title: str
    body_markdown: str
    author: int | None
    note: str
    created_at: dt.datetime
    is_published: bool
    published_at: dt.datetime | None

    @staticmethod
    def resolve_author(obj):
        return obj.author_id


class ArticleListQuery(Schema):
    language: str | None = Field(None, max_length=8)
    category: Id | None = None
    drafts: bool = Field(False, description="Staff: include unpublished and archived")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=500)
    language: str | None = Field(None, max_length=8)
    limit: int = Field(10, ge=1, le=50)


class SearchHitOut(Schema):
    article: ArticleOut
    score: float
    title_html: str
    snippet_html: str


class SearchOut(Schema):
    results: list[SearchHitOut]
    corrections: dict[str, list[str]]
    matched_all: bool


class VoteIn(InSchema):
    helpful: bool


# --- helpers ---------------------------------------------------------------------------


def _writer(principal):
    if not can_write_kb(principal):
        raise NotAllowed(_("You may not edit the knowledge base."))
    return principal


def _category(value) -> KbCategory | None:
    if value is None:
        return None
    row = KbCategory.objects.filter(pk=value).first()
    if row is None:
        raise ValidationFailed(_("No such category."), field="category")
    return row


def _category_or_404(pk) -> KbCategory:
    row = KbCategory.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("no such category")
    return row


def _organizations(ids) -> list[Organization]:
    rows = list(Organization.objects.filter(pk__in=set(ids)))
    if len(rows) != len(set(ids)):
        raise ValidationFailed(_("No such organization."), field="organizations")
    return rows


def render_article(article: Article, principal) -> dict:
    version = article.published_version
    out = {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "language": article.language,
        "translation_group": article.translation_group,
        "category": article.category_id,
        "tags": [t.name for t in article.tags.all()],
        "body_html": version.body_html if version else "",
        "published": article.is_published,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "views_count": article.views_count,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
    }
    if is_staff(principal):
        draft = article_draft(article)
        out |= {
            "visibility": article.visibility,
            "organizations": [o.pk for o in article.organizations.all()],
            "archived": article.archived,
            "published_version": version.number if version else None,
            "body_markdown": version.body_markdown if version else None,
            "draft": draft,
        }
    return out


def _get(principal, article_id, *, drafts=False) -> Article:
    return article_get_for_user(principal, article_id, drafts=drafts and is_staff(principal))


# --- categories ---------------------------------------------------------------------------


@router.get("/kb/categories", response={200: list[KbCategoryOut], **COMMON_ERRORS})
def kb_categories_list(request):
    """Parents before children. Customers see the categories holding articles they can read."""
    rows = [row for row, _depth in categories_tree()]
    if is_staff(request.auth):
        return rows
    used = set(visible_articles(request.auth).values_list("category_id", flat=True))
    by_id = {row.pk: row for row in rows}
    keep = set()
    for pk in used:
        while pk is not None and pk not in keep and pk in by_id:
            keep.add(pk)
            pk = by_id[pk].parent_id
    return [row for row in rows if row.pk in keep]


@router.post("/kb/categories", response={201: KbCategoryOut, **COMMON_ERRORS})
def kb_categories_create(request, payload: KbCategoryIn):
    actor = _writer(request.auth)
    category = services.category_create(
        actor=actor,
        name=payload.name,
        parent=_category(payload.parent),
        position=payload.position,
        slug=payload.slug,
        description=payload.description,
        name_translations=payload.name_translations,
    )
    return Status(201, category)


@router.patch("/kb/categories/{int:category_id}", response={200: KbCategoryOut, **COMMON_ERRORS})
def kb_categories_update(request, category_id: Id, payload: KbCategoryPatchIn):
    actor = _writer(request.auth)
    category = _category_or_404(category_id)
    changes = payload.dict(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = _category(changes["parent"])
    return services.category_update(actor=actor, category=category, **changes)


@router.delete("/kb/categories/{int:category_id}", response={204: None, **COMMON_ERRORS})
def kb_categories_delete(request, category_id: Id, move_to: Id | None = None):
    """Delete a category with no sections inside. One that holds articles is refused
    unless `move_to` names the category they move to."""
    actor = _writer(request.auth)
    category = _category_or_404(category_id)
    services.category_delete(actor=actor, category=category, move_to=_category(move_to))
    return HttpResponse(status=204)


# --- articles ---------------------------------------------------------------------------------


@router.get("/kb/articles", response={200: ArticlePage, **COMMON_ERRORS})
def kb_articles_list(request, filters: Query[ArticleListQuery]):
    """Articles you can read, oldest first; follow `next_cursor` for more."""
    principal = request.auth
    rows = staff_articles(principal) if filters.drafts and is_staff(principal) else None
    rows = rows if rows is not None else visible_articles(principal)
    if filters.language:
        rows = rows.filter(language=filters.language)
    if filters.category:
        rows = rows.filter(category_id=filters.category)
    after = decode(filters.cursor)
    if after is not None:
        rows = rows.filter(pk__gt=after[1])
    page = list(
        rows.select_related("published_version")
        .prefetch_related("tags", "organizations")
        .order_by("pk")[: filters.limit + 1]
    )
    next_cursor = encode(["", page[filters.limit - 1].pk]) if len(page) > filters.limit else None
    return {
        "results": [render_article(a, principal) for a in page[: filters.limit]],
        "next_cursor": next_cursor,
    }


@router.post("/kb/articles", response={201: ArticleOut, **COMMON_ERRORS})
def kb_articles_create(request, payload: ArticleIn):
    actor = _writer(request.auth)
    translation_of = None
    if payload.translation_of is not None:
        translation_of = staff_articles(actor).filter(pk=payload.translation_of).first()
        if translation_of is None:
            raise ValidationFailed(_("No such article."), field="translation_of")
    article = services.article_create(
        actor=actor,
        title=payload.title,
        body_markdown=payload.body_markdown,
        category=_category(payload.category),
        language=payload.language,
        visibility=payload.visibility,
        organizations=_organizations(payload.organizations),
        tags=payload.tags,
        slug=payload.slug,
        translation_of=translation_of,
        publish=payload.publish,
    )
    return Status(201, render_article(_get(actor, article.pk, drafts=True), actor))


@router.get("/kb/articles/{int:article_id}", response={200: ArticleOut, **COMMON_ERRORS})
def kb_articles_read(request, article_id: Id):
    """Staff also reach drafts and archived articles here."""
    article = _get(request.auth, article_id, drafts=True)
    return render_article(article, request.auth)


@router.patch("/kb/articles/{int:article_id}", response={200: ArticleOut, **COMMON_ERRORS})
def kb_articles_update(request, article_id: Id, payload: ArticlePatchIn):
    """Text changes go to the draft; `publish: true` makes the draft live."""
    actor = _writer(request.auth)
    article = _get(actor, article_id, drafts=True)
    data = payload.dict(exclude_unset=True)
    if "title" in data or "body_markdown" in data:
        draft = article_draft(article) or article.published_version
        services.article_save_draft(
            actor=actor,
            article=article,
            title=data.get("title") or (draft.title if draft else article.title),
            body_markdown=data["body_markdown"]
            if data.get("body_markdown") is not None
            else (draft.body_markdown if draft else ""),
            note=payload.note,
        )
    settings_changes = {}
    if "category" in data:
        settings_changes["category"] = _category(data["category"])
    if data.get("visibility") is not None:
        settings_changes["visibility"] = data["visibility"]
    if data.get("organizations") is not None:
        settings_changes["organizations"] = _organizations(data["organizations"])
    if data.get("tags") is not None:
        settings_changes["tags"] = data["tags"]
    if data.get("slug") is not None:
        settings_changes["slug"] = data["slug"]
    if settings_changes:
        services.article_update_settings(actor=actor, article=article, **settings_changes)
    if payload.publish:
        services.article_publish(actor=actor, article=article)
    if data.get("archived") is not None:
        services.article_archive(actor=actor, article=article, archived=data["archived"])
    return render_article(_get(actor, article_id, drafts=True), actor)


@router.delete("/kb/articles/{int:article_id}", response={204: None, **COMMON_ERRORS})
def kb_articles_delete(request, article_id: Id):
    actor = _writer(request.auth)
    services.article_delete(actor=actor, article=_get(actor, article_id, drafts=True))
    return HttpResponse(status=204)


@router.get(
    "/kb/articles/{int:article_id}/versions", response={200: list[VersionOut], **COMMON_ERRORS}
)
def kb_versions_list(request, article_id: Id):
    """History, newest first (staff)."""
    if not is_staff(request.auth):
        raise NotAllowed(_("Only staff can see article history."))
    return list(article_versions(_get(request.auth, article_id, drafts=True)))


@router.post(
    "/kb/articles/{int:article_id}/versions/{int:number}/restore",
    response={201: VersionOut, **COMMON_ERRORS},
)
def kb_versions_restore(request, article_id: Id, number: Id, publish: bool = False):
    """Copy an old version into a new draft (published at once with `?publish=true`)."""
    actor = _writer(request.auth)
    article = _get(actor, article_id, drafts=True)
    version = article.versions.filter(number=min(number, 2**31 - 1)).first()
    if version is None:
        raise Http404("no such version")
    draft = services.article_restore_version(
        actor=actor, article=article, version=version, publish=publish
    )
    return Status(201, draft)


@router.post("/kb/articles/{int:article_id}/vote", response={200: ArticleOut, **COMMON_ERRORS})
def kb_articles_vote(request, article_id: Id, payload: VoteIn):
    article = _get(request.auth, article_id)
    services.article_vote(
        article=article, voter=services.voter_key(request.auth), helpful=payload.helpful
    )
    return render_article(_get(request.auth, article_id), request.auth)


# --- search ---------------------------------------------------------------------------------------


@router.get("/kb/search", response={200: SearchOut, **COMMON_ERRORS})
def kb_search(request, query: Query[SearchQuery]):
    """Published articles you can read, best first, with highlighted title and snippet."""
    principal = request.auth
    result = search_articles(principal, query.q, language=query.language, limit=query.limit)
    services.search_record(
        query=query.q,
        results_count=result.count,
        principal=principal,
        source="api",
        language=query.language or "",
    )
    return {
        "results": [
            {
                "article": render_article(hit.article, principal),
                "score": hit.score,
                "title_html": str(hit.title_html),
                "snippet_html": str(hit.snippet_html),
            }
            for hit in result.hits
        ],
        "corrections": result.corrections,
        "matched_all": result.matched_all,
    }

"""What a principal may read in the knowledge base: the one place that decides it.

A principal is a staff `accounts.User`, a customer `contacts.Contact`, or None (an
anonymous visitor of the public help center).

- staff (every role, light agents included) read every live article;
- customers read public articles and those shared with their organization;
- visitors read public articles only.

Writing (articles, categories) is for agents, supervisors and admins; light agents
only read, as they may not answer customers either.

Search, suggestions, the sitemap, the portal pages and the API all start from
`visible_articles`, so an internal or other-organization article cannot leak
through one of them and not the others.
"""

import uuid

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from okno.accounts.models import Role
from okno.kb.models import Article, ArticleVersion, KbCategory, Visibility
from okno.tickets.permissions import is_customer, is_staff


def can_write_kb(principal) -> bool:
    return is_staff(principal) and principal.role != Role.LIGHT_AGENT


def can_read_drafts(principal) -> bool:
    return is_staff(principal)


def visible_articles(principal) -> QuerySet[Article]:
    """Live (published, not archived) articles this principal may read."""
    live = Article.objects.filter(archived=False, published_version__isnull=False)
    if is_staff(principal):
        return live
    scope = Q(visibility=Visibility.PUBLIC)
    if is_customer(principal) and principal.organization_id:
        shared = Article.organizations.through.objects.filter(
            organization_id=principal.organization_id
        ).values("article_id")
        scope |= Q(visibility=Visibility.ORGANIZATIONS, id__in=shared)
    return live.filter(scope)


def staff_articles(principal) -> QuerySet[Article]:
    """Every article, drafts and archived included: the agent editor's list."""
    if not can_read_drafts(principal):
        return Article.objects.none()
    return Article.objects.all()


def article_get_for_user(principal, article_id, *, drafts: bool = False) -> Article:
    """Fetch, scope and authorise in one call; 404 for anything out of reach.

    `drafts=True` (the editor) reaches unpublished and archived articles, for staff only.
    """
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        raise Http404("no such article")
    base = staff_articles(principal) if drafts else visible_articles(principal)
    article = (
        base.select_related("published_version", "category").filter(pk=article_id).first()
        if 0 < article_id < 2**63
        else None
    )
    if article is None:
        raise Http404("no such article")
    return article


def article_get_by_slug(principal, language: str, slug: str) -> Article:
    """A public help-center URL (/help/<language>/<slug>) to a readable article."""
    article = (
        visible_articles(principal)
        .select_related("published_version", "category")
        .filter(language=language, slug=slug)
        .first()
    )
    if article is None:
        raise Http404("no such article")
    return article


def _fallback_order(language: str) -> list[str]:
    default = "en"
    others = [code for code, _name in settings.LANGUAGES if code not in (language, default)]
    return [language, default, *others]


def article_for_language(translation_group, language: str, principal) -> Article | None:
    """The translation to show: the requested language if published and visible,
    else English, else any other language; None if the reader may see none of them."""
    try:
        group = uuid.UUID(str(translation_group))
    except ValueError:
        return None
    rows = {
        a.language: a
        for a in visible_articles(principal)
        .select_related("published_version", "category")
        .filter(translation_group=group)
    }
    for code in _fallback_order(language):
        if code in rows:
            return rows[code]
    return None


def article_translations(article: Article, principal) -> list[Article]:
    """Other languages of this article the principal may read (the language switcher)."""
    return list(
        visible_articles(principal)
        .filter(translation_group=article.translation_group)
        .exclude(pk=article.pk)
        .order_by("language")
    )


def articles_for_language(principal, language: str) -> QuerySet[Article]:
    """One article per translation group, in `language` where it exists, else the
    fallback (English, then any): what a help-center listing shows."""
    visible = visible_articles(principal)
    chosen: dict = {}
    rank = {code: i for i, code in enumerate(_fallback_order(language))}
    for pk, group, lang in visible.values_list("pk", "translation_group", "language"):
        best = chosen.get(group)
        if best is None or rank.get(lang, 99) < rank.get(best[1], 99):
            chosen[group] = (pk, lang)
    return visible.filter(pk__in=[pk for pk, _lang in chosen.values()])


def category_articles(principal, category: KbCategory, language: str) -> QuerySet[Article]:
    return (
        articles_for_language(principal, language)
        .filter(category=category)
        .order_by("position", "title", "id")
    )


def categories_tree() -> list[tuple[KbCategory, int]]:
    """Every category, parents before children, with its depth."""
    rows = list(KbCategory.objects.all())
    children: dict = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[KbCategory, int]] = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            out.append((row, depth))
            walk(row.pk, depth + 1)

    walk(None, 0)
    return out


def sitemap_articles() -> QuerySet[Article]:
    """What the public sitemap lists: public, live articles (an anonymous reader's view)."""
    return visible_articles(None).only("pk", "slug", "language", "updated_at").order_by("pk")


def article_versions(article: Article) -> QuerySet[ArticleVersion]:
    """History, newest first (staff editor)."""
    return article.versions.select_related("author").order_by("-number")


def article_draft(article: Article) -> ArticleVersion | None:
    """The unpublished version newer than the published one, if any."""
    latest = article.versions.order_by("-number").first()
    if latest is None or latest.is_published:
        return None
    return latest

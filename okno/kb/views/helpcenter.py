"""The public help center (/help/): home, categories, articles, votes, search,
request-form suggestions, the sitemap and the theme stylesheet.

Every list and lookup starts from `okno.kb.selectors.visible_articles(reader)`, where
the reader is the portal contact or None: internal and other-organization articles
answer 404 and never appear in search, suggestions or the sitemap.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from okno.kb import selectors, services
from okno.kb.branding import branding_get, theme_color, theme_css
from okno.kb.models import KbCategory
from okno.kb.services_deflection import deflection_cancel, deflection_open
from okno.kb.views.common import language_codes, reader, render_help
from okno.kb.views.searching import search_hits

POPULAR = 10
VOTES_KEY = "kb_votes"  # {article id: true/false}: what this session answered
FROM_FORM = "request-form"


def _label(category: KbCategory | None, language: str) -> str:
    return category.name_in(language) if category else ""


@require_GET
def home(request):
    principal, language = reader(request), request.LANGUAGE_CODE
    articles = selectors.articles_for_language(principal, language)
    counts = dict(
        articles.filter(category__isnull=False)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    categories = []
    for category in KbCategory.objects.filter(parent__isnull=True):
        category.label = category.name_in(language)
        categories.append((category, counts.get(category.pk, 0)))
    popular = articles.order_by("-views_count", "title")[:POPULAR]
    return render_help(
        request, "kb/helpcenter/home.html", {"categories": categories, "popular": popular}
    )


@require_GET
def category(request, slug: str):
    principal, language = reader(request), request.LANGUAGE_CODE
    category = get_object_or_404(KbCategory.objects.select_related("parent"), slug=slug)
    subcategories = list(category.children.all())
    for child in subcategories:
        child.label = child.name_in(language)
    context = {
        "category": category,
        "category_label": category.name_in(language),
        "parent": category.parent,
        "parent_label": _label(category.parent, language),
        "subcategories": subcategories,
        "articles": selectors.category_articles(principal, category, language),
    }
    return render_help(request, "kb/helpcenter/category.html", context)


@require_GET
def article(request, language: str, slug: str):
    if language not in language_codes():
        raise Http404("no such language")
    principal = reader(request)
    item = selectors.article_get_by_slug(principal, language, slug)
    if request.GET.get("from") == FROM_FORM:
        deflection_open(session=request.session, article=item, contact=principal)
    _count_view(request, item)
    voted = request.session.get(VOTES_KEY, {}).get(str(item.pk))
    context = {
        "article": item,
        "body_html": item.published_version.body_html,  # rendered + sanitized by the core
        "category_label": _label(item.category, request.LANGUAGE_CODE),
        "translations": selectors.article_translations(item, principal),
        "tags": list(item.tags.values_list("name", flat=True)),
        "voted": voted,
    }
    return render_help(request, "kb/helpcenter/article.html", context)


def _count_view(request, item) -> None:
    # One view per article per session: reloads and back-and-forth do not inflate it.
    seen = request.session.get("kb_seen", [])
    if item.pk in seen:
        return
    services.article_record_view(article=item)
    request.session["kb_seen"] = (seen + [item.pk])[-200:]


@require_POST
def vote(request, language: str, slug: str):
    principal = reader(request)
    item = selectors.article_get_by_slug(principal, language, slug)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        return HttpResponse(status=400)
    helpful = answer == "yes"
    votes = request.session.get(VOTES_KEY, {})
    # One answer per visitor session: a repeat post changes nothing.
    if str(item.pk) not in votes:
        if not request.session.session_key:
            request.session.save()
        voter = services.voter_key(principal, request.session.session_key)
        services.article_vote(article=item, voter=voter, helpful=helpful)
        votes[str(item.pk)] = helpful
        request.session[VOTES_KEY] = votes
        if not helpful:
            deflection_cancel(session=request.session, article=item)
    return redirect(f"{request.path.rsplit('vote/', 1)[0]}#kb-vote")


@require_GET
def search(request):
    query = " ".join(request.GET.get("q", "").split())[:200]
    hits = (
        search_hits(reader(request), query, request.LANGUAGE_CODE, source="portal") if query else []
    )
    return render_help(request, "kb/helpcenter/search.html", {"query": query, "hits": hits})


@require_GET
def suggest(request):
    """Articles for what the customer is typing in the request form (a fragment)."""
    subject = request.GET.get("subject", "")[:200]
    text = request.GET.get("text", "")[:1000]
    query = " ".join(f"{subject} {text}".split())
    hits = (
        search_hits(
            reader(request), query, request.LANGUAGE_CODE, source="suggest", limit=5, log=False
        )
        if len(query) >= 4
        else []
    )
    return render(request, "kb/helpcenter/_suggest.html", {"articles": hits})


@require_GET
def sitemap(request):
    articles = selectors.sitemap_articles()
    context = {"articles": articles, "base_url": settings.BASE_URL}
    return render(request, "kb/helpcenter/sitemap.xml", context, content_type="application/xml")


@require_GET
def theme(request):
    css = cache.get("kb:theme.css")
    if css is None:
        css = theme_css(theme_color(branding_get()))
        cache.set("kb:theme.css", css, 60)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def logo(request):
    branding = branding_get()
    if not branding.logo or not branding.logo_type:
        raise Http404("no logo")
    response = FileResponse(branding.logo.open("rb"), content_type=branding.logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Disposition"] = "inline"
    return response

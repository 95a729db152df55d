"""The knowledge base in the agent UI (/kb/): list, editor, preview, history.

Every staff role reads (internal articles included); writing is for
`can_write_kb` (not light agents). The services enforce it again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.core.errors import ServiceError
from okno.kb import selectors, services
from okno.kb.forms import ArticleFilterForm, ArticleForm
from okno.kb.markdown import render_markdown
from okno.kb.views.agent_common import filter_articles, message_prefill, staff_required
from okno.kb.views.common import allow_remote_images

PAGE = 100


@login_required
@staff_required
@require_GET
def article_list(request):
    form = ArticleFilterForm(request.GET or None)
    articles = filter_articles(selectors.staff_articles(request.user), form)
    context = {
        "filter_form": form,
        "articles": articles.select_related("category", "published_version")[:PAGE],
        "can_write": selectors.can_write_kb(request.user),
    }
    return render(request, "kb/agent/list.html", context)


def _save(request, form, article=None):
    """Create or update from a valid form; returns the article (raises ServiceError)."""
    data, user = form.cleaned_data, request.user
    publish = "publish" in request.POST
    if article is None:
        translation_of = None
        if data.get("translation_of"):
            translation_of = selectors.article_get_for_user(
                user, data["translation_of"], drafts=True
            )
        return services.article_create(
            actor=user,
            title=data["title"],
            body_markdown=data["body_markdown"],
            category=data["category"],
            language=data["language"],
            visibility=data["visibility"],
            organizations=data["organizations"],
            tags=form.tag_list(),
            slug=data["slug"],
            translation_of=translation_of,
            note=data["note"],
            publish=publish,
        )
    services.article_update_settings(
        actor=user,
        article=article,
        category=data["category"],
        visibility=data["visibility"],
        organizations=data["organizations"],
        tags=form.tag_list(),
        slug=data["slug"] or article.slug,
    )
    draft = selectors.article_draft(article)
    current = draft or article.published_version
    changed = current is None or (
        current.title != data["title"] or current.body_markdown != data["body_markdown"]
    )
    if changed:
        services.article_save_draft(
            actor=user,
            article=article,
            title=data["title"],
            body_markdown=data["body_markdown"],
            note=data["note"],
        )
    if publish:
        services.article_publish(actor=user, article=article)
    return article


def _editor(request, form, article=None, status=200):
    context = {
        "form": form,
        "article": article,
        "draft": selectors.article_draft(article) if article else None,
        "translations": (
            selectors.staff_articles(request.user)
            .filter(translation_group=article.translation_group)
            .exclude(pk=article.pk)
            if article
            else []
        ),
        "can_write": selectors.can_write_kb(request.user),
        "max_image_mb": services.MAX_IMAGE_SIZE // (1024 * 1024),
    }
    return allow_remote_images(render(request, "kb/agent/editor.html", context, status=status))


def _require_writer(request):
    if not selectors.can_write_kb(request.user):
        raise PermissionDenied


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request):
    _require_writer(request)
    if request.method == "GET":
        initial = {"language": request.LANGUAGE_CODE, **message_prefill(request)}
        if request.GET.get("translation_of"):
            source = selectors.article_get_for_user(
                request.user, request.GET["translation_of"], drafts=True
            )
            initial.update(
                translation_of=source.pk,
                category=source.category_id,
                visibility=source.visibility,
                organizations=list(source.organizations.all()),
            )
        return _editor(request, ArticleForm(initial=initial))
    form = ArticleForm(request.POST)
    if not form.is_valid():
        return _editor(request, form, status=400)
    try:
        article = _save(request, form)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _editor(request, form, status=400)
    messages.success(request, _("The article is saved."))
    return redirect("kb_admin:edit", article.pk)


def _initial(article):
    version = selectors.article_draft(article) or article.published_version
    return {
        "title": version.title if version else article.title,
        "body_markdown": version.body_markdown if version else "",
        "category": article.category_id,
        "language": article.language,
        "visibility": article.visibility,
        "organizations": list(article.organizations.all()),
        "tags": ", ".join(article.tags.values_list("name", flat=True)),
        "slug": article.slug,
    }


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    if request.method == "GET":
        return _editor(request, ArticleForm(initial=_initial(article), editing=True), article)
    _require_writer(request)
    form = ArticleForm(request.POST, initial={"language": article.language}, editing=True)
    if not form.is_valid():
        return _editor(request, form, article, status=400)
    try:
        _save(request, form, article)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _editor(request, form, article, status=400)
    if "publish" in request.POST:
        messages.success(request, _("The article is published."))
    else:
        messages.success(request, _("The draft is saved."))
    return redirect("kb_admin:edit", article.pk)


@login_required
@staff_required
@require_POST
def article_preview(request):
    """The Markdown as readers will see it (rendered and sanitized by the core)."""
    html = render_markdown(request.POST.get("body_markdown", ""))
    return render(request, "kb/agent/_preview.html", {"html": html})


@login_required
@staff_required
@require_POST
def article_publish(request, pk: int):
    _require_writer(request)
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    try:
        services.article_publish(actor=request.user, article=article)
        messages.success(request, _("The article is published."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("kb_admin:edit", article.pk)


@login_required
@staff_required
@require_POST
def article_archive(request, pk: int):
    _require_writer(request)
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    archived = request.POST.get("archived") != "0"
    services.article_archive(actor=request.user, article=article, archived=archived)
    messages.success(
        request, _("The article is archived.") if archived else _("The article is back.")
    )
    return redirect("kb_admin:edit", article.pk)


@login_required
@staff_required
@require_GET
def article_history(request, pk: int):
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    context = {
        "article": article,
        "versions": selectors.article_versions(article),
        "can_write": selectors.can_write_kb(request.user),
    }
    return render(request, "kb/agent/history.html", context)


@login_required
@staff_required
@require_GET
def article_version(request, pk: int, number: int):
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    version = get_object_or_404(selectors.article_versions(article), number=number)
    context = {
        "article": article,
        "version": version,
        "can_write": selectors.can_write_kb(request.user),
    }
    return allow_remote_images(render(request, "kb/agent/version.html", context))


@login_required
@staff_required
@require_POST
def article_restore(request, pk: int, number: int):
    _require_writer(request)
    article = selectors.article_get_for_user(request.user, pk, drafts=True)
    version = get_object_or_404(selectors.article_versions(article), number=number)
    services.article_restore_version(
        actor=request.user, article=article, version=version, publish="publish" in request.POST
    )
    messages.success(
        request, _("Version %(n)d is restored as a new draft.") % {"n": version.number}
    )
    return redirect("kb_admin:edit", article.pk)

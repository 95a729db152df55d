"""Category management for KB writers (/kb/categories/): create, rename, translate,
nest, reorder and delete. Light agents and everyone else are refused (403)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.core.errors import ServiceError
from okno.kb import selectors, services
from okno.kb.forms import CategoryDeleteForm, CategoryForm
from okno.kb.models import KbCategory


def writer_required(view):
    """Staff with KB write rights only (light agents may read articles, not this)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.can_write_kb(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@writer_required
@require_GET
def category_list(request):
    counts = dict(KbCategory.objects.annotate(n=Count("articles")).values_list("pk", "n"))
    rows = [(row, depth, counts.get(row.pk, 0)) for row, depth in selectors.categories_tree()]
    return render(request, "kb/agent/categories.html", {"rows": rows, "can_write": True})


def _form_page(request, form, category=None, status=200):
    context = {"form": form, "category": category, "can_write": True}
    if category is not None:
        context["delete_form"] = CategoryDeleteForm(category=category)
        context["article_count"] = category.articles.count()
        context["has_children"] = category.children.exists()
    return render(request, "kb/agent/category_edit.html", context, status=status)


def _save(request, form, category=None):
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "slug": data["slug"],
        "parent": data["parent"],
        "description": data["description"],
        "name_translations": form.name_translations(),
    }
    if category is None:
        return services.category_create(actor=request.user, **fields)
    if not fields["slug"]:
        fields.pop("slug")  # keep the address readers may have bookmarked
    return services.category_update(actor=request.user, category=category, **fields)


@writer_required
@require_http_methods(["GET", "POST"])
def category_new(request):
    if request.method == "GET":
        return _form_page(request, CategoryForm(initial={"parent": request.GET.get("parent")}))
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            _save(request, form)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The category is created."))
            return redirect("kb_admin:categories")
    return _form_page(request, form, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    category = get_object_or_404(KbCategory, pk=pk)
    if request.method == "GET":
        form = CategoryForm(initial=CategoryForm.initial_for(category), category=category)
        return _form_page(request, form, category)
    form = CategoryForm(request.POST, category=category)
    if form.is_valid():
        try:
            _save(request, form, category)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The category is saved."))
            return redirect("kb_admin:categories")
    return _form_page(request, form, category, status=400)


@writer_required
@require_POST
def category_move(request, pk: int):
    category = get_object_or_404(KbCategory, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.category_move(actor=request.user, category=category, offset=offset)
    return redirect("kb_admin:categories")


@writer_required
@require_POST
def category_delete(request, pk: int):
    category = get_object_or_404(KbCategory, pk=pk)
    form = CategoryDeleteForm(request.POST, category=category)
    if not form.is_valid():
        messages.error(request, _("Choose a category to move the articles to."))
        return redirect("kb_admin:category", category.pk)
    try:
        moved = services.category_delete(
            actor=request.user, category=category, move_to=form.cleaned_data["move_to"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("kb_admin:category", category.pk)
    if moved:
        messages.success(
            request,
            ngettext(
                "The category is deleted; %(n)d article moved to %(name)s.",
                "The category is deleted; %(n)d articles moved to %(name)s.",
                moved,
            )
            % {"n": moved, "name": form.cleaned_data["move_to"].name},
        )
    else:
        messages.success(request, _("The category is deleted."))
    return redirect("kb_admin:categories")

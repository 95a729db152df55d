"""Settings › Categories: a tree of ticket categories."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.tickets.models import Category, Ticket
from okno.tickets.services import settings as ticket_settings
from okno.web.forms.admin import CategoryForm
from okno.web.views.admin_common import action, form_page, settings_view


@require_GET
@settings_view
def category_list(request):
    usage = dict(
        Ticket.objects.filter(category__isnull=False)
        .values_list("category_id")
        .annotate(n=Count("number"))
        .order_by()
    )
    rows = [(c, depth, usage.get(c.pk, 0)) for c, depth in ticket_settings.category_tree()]
    return render(request, "web/admin/categories.html", {"rows": rows})


def _save(request, form, category=None):
    data = form.cleaned_data
    ticket_settings.category_save(
        actor=request.user,
        category=category,
        name=data["name"],
        parent=data["parent"],
        position=data.get("position") or 0,
    )


@require_http_methods(["GET", "POST"])
@settings_view
def category_new(request):
    form = CategoryForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    return form_page(
        request,
        form,
        lambda: _save(request, form),
        title=_("New category"),
        back=reverse("web:settings_categories"),
        done=reverse("web:settings_categories"),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def category_edit(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    initial = {"name": category.name, "parent": category.parent_id, "position": category.position}
    form = CategoryForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: _save(request, form, category),
        title=_("Category %(name)s") % {"name": category.name},
        back=reverse("web:settings_categories"),
        done=reverse("web:settings_categories"),
        delete_url=reverse("web:settings_category_delete", args=[category.pk]),
    )


@require_POST
@settings_view
def category_delete(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    return action(
        request,
        lambda: ticket_settings.category_delete(actor=request.user, category=category),
        done=reverse("web:settings_categories"),
        success=_("Category deleted."),
    )

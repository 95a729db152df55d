"""The ticket list: built-in and saved views, search, sort, keyset pages.

One template renders the whole page and its htmx fragments: `results` (the table,
re-fetched on live updates and searches) and `rows` (the next page, appended by
the "More" button).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from okno.accounts.models import Role, User
from okno.tickets.models import Status
from okno.tickets.permissions import ticket_actions
from okno.tickets.search import SORTS
from okno.tickets.selectors import (
    BUILTIN_BY_KEY,
    BUILTIN_VIEWS,
    BadCursor,
    list_tickets,
    saved_views_for,
    view_counts,
)

TEMPLATE = "web/inbox/list.html"
SORT_LABELS = {
    "updated": _("Last updated"),
    "created": _("Newest first"),
    "oldest": _("Oldest first"),
    "priority": _("Priority"),
    "number": _("Number"),
    "urgent": _("Most urgent (SLA)"),
}


def list_params(data: QueryDict) -> dict[str, str]:
    """The list's state as it travels in links, forms and htmx requests."""
    query = data.get("q", "").strip()[:500]
    view = data.get("view", "").strip()
    if not (view in BUILTIN_BY_KEY or (view.startswith("saved-") and view[6:].isdigit())):
        # A search with no view searches everything the agent may see.
        view = "all" if query else "open"
    sort = data.get("sort", "")
    return {"view": view, "q": query, "sort": sort if sort in SORTS else ""}


def list_query(params: dict[str, str]) -> str:
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in params.items() if v})
    return query.urlencode()


def _sidebar(user, current_view: str) -> dict:
    """Views with their counts (a fixed number of queries, however many tickets)."""
    saved = list(saved_views_for(user).select_related("owner"))
    counts = view_counts(user, saved)
    current_saved = next((v for v in saved if f"saved-{v.pk}" == current_view), None)
    return {
        "builtin_views": [(v, counts.get(v.key)) for v in BUILTIN_VIEWS],
        "saved_views": [(v, counts.get(f"saved-{v.pk}"), v.owner_id == user.pk) for v in saved],
        "current_saved": current_saved,
        "can_edit_current": current_saved is not None and current_saved.owner_id == user.pk,
    }


def _bulk_choices(flags: dict) -> dict:
    return {
        "statuses": list(Status.objects.filter(is_active=True)) if flags["can_update"] else [],
        "agents": (
            list(User.objects.filter(is_active=True).exclude(role=Role.LIGHT_AGENT))
            if flags["can_assign"]
            else []
        ),
    }


@login_required
@require_GET
def inbox_view(request):
    params = list_params(request.GET)
    cursor = request.GET.get("cursor") or None
    try:
        page = list_tickets(
            request.user,
            view=params["view"],
            query=params["q"],
            cursor=cursor,
            sort=params["sort"] or None,
        )
    except BadCursor:
        return HttpResponseBadRequest("bad cursor")
    flags = ticket_actions(request.user)
    context = {
        "page": page,
        "params": params,
        "list_query": list_query(params),
        # The search box narrows the view the agent chose; from the landing page
        # (no view picked) it searches everything.
        "search_view": params["view"] if "view" in request.GET else "",
        "sorts": [(key, SORT_LABELS.get(key, key)) for key in SORTS],
        "bulk_enabled": flags["can_assign"] or flags["can_update"] or flags["can_merge"],
        **flags,
    }
    if request.htmx and cursor:
        return render(request, f"{TEMPLATE}#rows", context)
    if request.htmx and request.htmx.target == "results":
        return render(request, f"{TEMPLATE}#results", context)
    context.update(_sidebar(request.user, params["view"]))
    context.update(_bulk_choices(flags))
    return render(request, TEMPLATE, context)

"""Saved views: an agent's named search queries, optionally shared with the team."""

from django.http import Http404
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.tickets.models import SavedView

MAX_VIEWS_PER_USER = 100


def _clean(name: str, query: str) -> tuple[str, str]:
    name = " ".join((name or "").split())[:100]
    query = (query or "").strip()[:500]
    if not name:
        raise ValidationFailed(_("Give the view a name."), field="name")
    if not query:
        raise ValidationFailed(_("A view needs a search query."), field="query")
    return name, query


def saved_view_get_own(user, view_id) -> SavedView:
    """A view this user may change: only its owner may, even when it is shared."""
    try:
        view_id = int(view_id)
    except (TypeError, ValueError):
        raise Http404("no such view")
    view = SavedView.objects.filter(pk=view_id, owner=user).first()
    if view is None:
        raise Http404("no such view")
    return view


def saved_view_create(*, owner, name: str, query: str, shared: bool = False) -> SavedView:
    name, query = _clean(name, query)
    count = SavedView.objects.filter(owner=owner).count()
    if count >= MAX_VIEWS_PER_USER:
        raise ValidationFailed(_("You have too many saved views."), field="name")
    return SavedView.objects.create(
        owner=owner, name=name, query=query, shared=bool(shared), position=count
    )


def saved_view_update(
    *, view: SavedView, name: str, query: str | None = None, shared: bool | None = None
) -> SavedView:
    name, query = _clean(name, view.query if query is None else query)
    view.name, view.query = name, query
    if shared is not None:
        view.shared = bool(shared)
    view.save(update_fields=["name", "query", "shared"])
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()

"""Helpers of the agent KB pages: the staff gate, list filters, reply prefill."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404

from okno.tickets.models import AuthorKind, Message
from okno.tickets.permissions import is_staff, ticket_get_for_user


def staff_required(view):
    """The agent UI is for active staff; anything else is refused (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def filter_articles(articles, form):
    if not form.is_bound or not form.is_valid():
        return articles.order_by("-updated_at", "id")
    data = form.cleaned_data
    if data["q"]:
        articles = articles.filter(title__icontains=data["q"])
    if data["category"]:
        articles = articles.filter(category=data["category"])
    if data["language"]:
        articles = articles.filter(language=data["language"])
    if data["visibility"]:
        articles = articles.filter(visibility=data["visibility"])
    status = data["status"]
    if status == "published":
        articles = articles.filter(published_version__isnull=False, archived=False)
    elif status == "draft":
        articles = articles.filter(published_version__isnull=True, archived=False)
    elif status == "changed":
        # The newest version is newer than the published one: an unpublished draft.
        articles = articles.filter(
            archived=False, versions__number__gt=F("published_version__number")
        ).distinct()
    elif status == "archived":
        articles = articles.filter(archived=True)
    return articles.order_by("-updated_at", "id")


def message_prefill(request) -> dict:
    """Initial editor values from ?ticket=<n>&message=<id>: an agent's reply as a draft.

    The message is reached only through a ticket the agent may see.
    """
    number, message_id = request.GET.get("ticket"), request.GET.get("message")
    if not number or not message_id:
        return {}
    ticket = ticket_get_for_user(request.user, number)
    try:
        message_id = int(message_id)
    except ValueError:
        raise Http404("no such message")
    message = (
        Message.objects.filter(ticket_id=ticket.number, pk=message_id)
        .filter(Q(author_kind=AuthorKind.AGENT))
        .first()
        if 0 < message_id < 2**63
        else None
    )
    if message is None:
        raise Http404("no such message")
    return {"title": ticket.subject, "body_markdown": message.reply_text or message.body_text}

"""The knowledge base card on the agent's ticket page, loaded lazily by htmx
(hx-get on load) so the ticket page itself runs no extra queries."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from okno.kb.models import Visibility
from okno.kb.views.agent_common import staff_required
from okno.kb.views.searching import search_hits
from okno.tickets.models import AuthorKind
from okno.tickets.permissions import ticket_actions, ticket_get_for_user

SUGGESTIONS = 5
QUERY_CHARS = 600


@login_required
@staff_required
@require_GET
def ticket_suggestions(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    last = (
        ticket.messages.filter(author_kind=AuthorKind.CONTACT, public=True)
        .order_by("-created_at", "-id")
        .values_list("reply_text", "body_text")
        .first()
    )
    text = (last[0] or last[1]) if last else ""
    query = f"{ticket.subject} {text}"[:QUERY_CHARS]
    hits = search_hits(
        request.user, query, request.LANGUAGE_CODE, source="agent", limit=SUGGESTIONS, log=False
    )
    for hit in hits:
        article = hit.article
        # A link is only worth inserting when the customer can open it.
        hit.link = (
            settings.BASE_URL + reverse("helpcenter:article", args=[article.language, article.slug])
            if article.visibility != Visibility.INTERNAL
            else ""
        )
        hit.text = article.published_version.body_text
    context = {"ticket": ticket, "hits": hits, **ticket_actions(request.user)}
    return render(request, "web/ticket/_kb_suggestions.html", context)

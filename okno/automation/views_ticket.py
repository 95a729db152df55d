"""The ticket page's tools (loaded lazily by htmx so the page itself stays one set of
queries): apply a macro, and search canned responses from the reply box.

Applying a macro saves its field changes at once as the agent and puts its reply
text into the editor for review; nothing is sent until the agent presses Send.
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from okno.automation import permissions, templating
from okno.automation.macros import macro_run
from okno.automation.models import Macro, ResponseTemplate
from okno.automation.views import staff_view
from okno.core.errors import ServiceError
from okno.tickets.permissions import Action, can, ticket_get_for_user

SEARCH_LIMIT = 20


@require_GET
@staff_view
def ticket_tools(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    macros = permissions.visible_owned(request.user, Macro).filter(active=True)
    context = {
        "ticket": ticket,
        "macros": macros if can(request.user, Action.UPDATE, ticket) else [],
    }
    return render(request, "automation/_ticket_tools_body.html", context)


@require_POST
@staff_view
def ticket_macro_apply(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.UPDATE)
    macro = get_object_or_404(
        permissions.visible_owned(request.user, Macro).filter(active=True),
        pk=request.POST.get("macro") or 0,
    )
    error, text = "", ""
    try:
        text = macro_run(ticket=ticket, macro=macro, actor=request.user)
    except ServiceError as exc:
        error = exc.message
    status = 400 if error else 200
    context = {"ticket": ticket, "macro": macro, "reply_text": text, "error": error}
    return render(request, "automation/_macro_result.html", context, status=status)


@require_GET
@staff_view
def ticket_template_search(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    query = (request.GET.get("q") or "").strip()[:100]
    rows = permissions.visible_owned(request.user, ResponseTemplate)
    if query:
        rows = rows.filter(title__icontains=query) | rows.filter(shortcut__istartswith=query)
    found = []
    for template in rows.order_by("title")[:SEARCH_LIMIT]:
        try:
            text = templating.render_for_ticket(template.body, ticket, request.user)
        except ServiceError as exc:
            text, failed = exc.message, True
        else:
            failed = False
        found.append({"title": template.title, "text": text, "failed": failed})
    return render(request, "automation/_template_results.html", {"found": found, "query": query})

"""Bulk actions on the tickets checked in the list.

Every ticket is fetched through `ticket_get_for_user` with the action's permission;
a ticket outside the agent's scope is refused one by one, never changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from okno.accounts.models import User
from okno.core.errors import ServiceError
from okno.tickets.models import Status
from okno.tickets.permissions import Action, ticket_get_for_user
from okno.tickets.services import ticket_bulk_update, ticket_merge
from okno.web.views.inbox import list_params, list_query

MAX_BULK = 500


def _numbers(values: list[str]) -> list[int]:
    numbers = []
    for value in values[:MAX_BULK]:
        if value.strip().lstrip("#").isdigit():
            numbers.append(int(value.strip().lstrip("#")))
    return list(dict.fromkeys(numbers))


def _fetch(user, numbers: list[int], action: str) -> tuple[list, list[int]]:
    allowed, refused = [], []
    for number in numbers:
        try:
            allowed.append(ticket_get_for_user(user, number, action=action))
        except Http404:
            refused.append(number)
    return allowed, refused


def _assign(request, numbers):
    value = request.POST.get("assignee", "")
    assignee = None
    if value != "none":
        assignee = User.objects.filter(pk=value if value.isdigit() else None).first()
        if assignee is None:
            return None
    tickets, refused = _fetch(request.user, numbers, Action.ASSIGN)
    result = ticket_bulk_update(tickets=tickets, actor=request.user, changes={"assignee": assignee})
    return result, refused


def _status(request, numbers):
    value = request.POST.get("status", "")
    status = Status.objects.filter(pk=value if value.isdigit() else None).first()
    if status is None:
        return None
    tickets, refused = _fetch(request.user, numbers, Action.UPDATE)
    result = ticket_bulk_update(tickets=tickets, actor=request.user, changes={"status": status})
    return result, refused


def _tags(request, numbers):
    names = [n.strip() for n in request.POST.get("tags", "").split(",") if n.strip()]
    if not names:
        return None
    tickets, refused = _fetch(request.user, numbers, Action.UPDATE)
    result = ticket_bulk_update(tickets=tickets, actor=request.user, changes={}, add_tags=names)
    return result, refused


def _merge(request, numbers):
    """Merge every other checked ticket into the chosen one (which must be checked too)."""
    target_number = _numbers([request.POST.get("merge_target", "")])
    if not target_number or target_number[0] not in numbers or len(numbers) < 2:
        return None
    tickets, refused = _fetch(request.user, numbers, Action.MERGE)
    target = next((t for t in tickets if t.number == target_number[0]), None)
    if target is None:  # the target itself is out of reach: merge nothing
        return {"updated": [], "failed": {}}, refused
    done, failed = [], {}
    for source in tickets:
        if source.number == target.number:
            continue
        try:
            ticket_merge(source=source, target=target, actor=request.user)
            done.append(source.number)
        except ServiceError as exc:
            failed[source.number] = exc.message
    return {"updated": done, "failed": failed}, refused


ACTIONS = {"assign": _assign, "status": _status, "tags": _tags, "merge": _merge}


def _report(request, result: dict, refused: list[int]) -> None:
    if result["updated"]:
        count = len(result["updated"])
        messages.success(
            request,
            ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", count) % {"n": count},
        )
    for number, reason in result["failed"].items():
        messages.error(request, _("#%(n)d: %(reason)s") % {"n": number, "reason": reason})
    if refused:
        messages.error(
            request,
            _("Not allowed or not found: %(list)s") % {"list": ", ".join(f"#{n}" for n in refused)},
        )


@login_required
@require_POST
def bulk_view(request):
    back = reverse("web:inbox") + "?" + list_query(list_params(request.POST))
    handler = ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        return HttpResponseBadRequest("unknown action")
    numbers = _numbers(request.POST.getlist("tickets"))
    if not numbers:
        messages.error(request, _("Select some tickets first."))
        return redirect(back)
    outcome = handler(request, numbers)
    if outcome is None:
        messages.error(request, _("Choose what to apply to the selected tickets."))
    else:
        _report(request, *outcome)
    return redirect(back)

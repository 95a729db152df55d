"""Ticket structure from the ticket page: links, sub-tickets, merge, split, delete.

Plain POST forms answered with a redirect back to the page (errors as flash
messages); both tickets of every operation are fetched with `ticket_get_for_user`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from okno.core.errors import ServiceError
from okno.tickets.permissions import Action, ticket_get_for_user
from okno.tickets.services import (
    ticket_delete,
    ticket_link,
    ticket_merge,
    ticket_split,
    ticket_unlink,
    ticket_update,
)
from okno.web.forms.ticket import SplitForm, TicketNumberForm
from okno.web.views.ticket import hx_redirect


def _back(request, number: int):
    return hx_redirect(request, reverse("web:ticket", kwargs={"number": number}))


def _other(request, action: str):
    """The ticket named by the posted number, or None after flashing why not."""
    form = TicketNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a ticket number."))
        return None, form
    try:
        return ticket_get_for_user(request.user, form.cleaned_data["number"], action=action), form
    except Http404:
        messages.error(
            request,
            _("There is no ticket #%(n)s you may change.") % {"n": form.cleaned_data["number"]},
        )
        return None, form


def _attempt(request, done_message: str, call) -> bool:
    try:
        call()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done_message)
    return True


@login_required
@require_POST
def ticket_link_view(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.UPDATE)
    other, form = _other(request, Action.VIEW)
    if other is not None:
        _attempt(
            request,
            _("Linked with #%(n)s.") % {"n": other.number},
            lambda: ticket_link(
                source=ticket,
                target=other,
                actor=request.user,
                kind=form.cleaned_data["kind"] or "related",
            ),
        )
    return _back(request, number)


@login_required
@require_POST
def ticket_unlink_view(request, number: int, other: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.UPDATE)
    target = ticket_get_for_user(request.user, other)
    _attempt(
        request,
        _("Link removed."),
        lambda: ticket_unlink(source=ticket, target=target, actor=request.user),
    )
    return _back(request, number)


@login_required
@require_POST
def ticket_child_add(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.UPDATE)
    child, _form = _other(request, Action.UPDATE)
    if child is not None:
        _attempt(
            request,
            _("#%(n)s is now a sub-ticket.") % {"n": child.number},
            lambda: ticket_update(ticket=child, actor=request.user, changes={"parent": ticket}),
        )
    return _back(request, number)


@login_required
@require_POST
def ticket_child_remove(request, number: int, child: int):
    ticket_get_for_user(request.user, number, action=Action.UPDATE)
    sub = ticket_get_for_user(request.user, child, action=Action.UPDATE)
    if sub.parent_id == number:
        _attempt(
            request,
            _("#%(n)s is no longer a sub-ticket.") % {"n": sub.number},
            lambda: ticket_update(ticket=sub, actor=request.user, changes={"parent": None}),
        )
    return _back(request, number)


@login_required
@require_POST
def ticket_merge_view(request, number: int):
    source = ticket_get_for_user(request.user, number, action=Action.MERGE)
    target, _form = _other(request, Action.MERGE)
    if target is not None and _attempt(
        request,
        _("Ticket #%(a)s was merged into #%(b)s.") % {"a": source.number, "b": target.number},
        lambda: ticket_merge(source=source, target=target, actor=request.user),
    ):
        return _back(request, target.number)
    return _back(request, number)


@login_required
@require_POST
def ticket_split_view(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.MERGE)
    ids = list(ticket.messages.values_list("id", flat=True))
    form = SplitForm(request.POST, message_ids=ids)
    if not form.is_valid():
        messages.error(request, _("Choose the messages to split off."))
        return _back(request, number)
    result = {}

    def split():
        result["ticket"] = ticket_split(
            ticket=ticket,
            message_ids=form.cleaned_data["messages"],
            actor=request.user,
            subject=form.cleaned_data["subject"],
        )

    if _attempt(request, _("The chosen messages are now a new ticket."), split):
        return _back(request, result["ticket"].number)
    return _back(request, number)


@login_required
@require_POST
def ticket_delete_view(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.DELETE)
    ticket_delete(ticket=ticket, actor=request.user)
    messages.success(request, _("Ticket #%(n)s was deleted.") % {"n": ticket.number})
    return hx_redirect(request, reverse("web:inbox"))

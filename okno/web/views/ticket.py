"""The agent's ticket page and its htmx fragments: conversation, one message,
the reply editor and the side panel.

One template (web/ticket/page.html) renders the page; its named partials are the
fragments. Non-htmx posts fall back to a redirect (success) or the whole page with
the bound forms (failure), so nothing typed is lost either way.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from okno.channels.messengers.outbound import send_via_choices
from okno.core.errors import ValidationFailed, VersionConflict
from okno.sla.display import targets_of
from okno.tickets.models import Message, Priority
from okno.tickets.permissions import Action, ticket_actions, ticket_get_for_user
from okno.tickets.services import ticket_mark_viewed, ticket_reply, ticket_update
from okno.web.forms.ticket import (
    ReplyForm,
    TicketPanelForm,
    add_service_error,
    attachment_inputs,
)
from okno.web.views.ticket_display import (
    Lookups,
    contact_url,
    describe_conflict,
    editor_context,
    mark_sender_auth,
    prepare_message,
    relations,
    timeline,
)

TEMPLATE = "web/ticket/page.html"
# Events (HX-Trigger) on which ticket.js refreshes the conversation and the panel
# (the panel only when the agent has not started editing it).
PANEL_SAVED_TRIGGER = "okno:conversation-changed"
REPLIED_TRIGGER = "okno:conversation-changed, okno:panel-changed"


def _tag_names(ticket) -> list[str]:
    return list(ticket.tags.order_by("name").values_list("name", flat=True))


def _panel_form(ticket, lookups, tag_names=None):
    initial = TicketPanelForm.initial_for(
        ticket, _tag_names(ticket) if tag_names is None else tag_names, lookups.custom_fields
    )
    return TicketPanelForm(initial=initial, lookups=lookups)


def _panel_context(request, ticket, lookups, form, conflict=None) -> dict:
    return {
        "ticket": ticket,
        "panel_form": form,
        "conflict": conflict,
        **ticket_actions(request.user),
    }


def _page(request, ticket, *, reply_form=None, panel_form=None, conflict=None, status=200):
    lookups = Lookups.load(ticket)
    tag_names = _tag_names(ticket)
    flags = ticket_actions(request.user)
    context = {
        **_panel_context(
            request,
            ticket,
            lookups,
            panel_form or _panel_form(ticket, lookups, tag_names),
            conflict,
        ),
        **editor_context(
            request,
            ticket,
            lookups,
            reply_form
            or ReplyForm(can_reply=flags["can_reply"], channels=send_via_choices(ticket)),
        ),
        **relations(request.user, ticket),
        "entries": timeline(ticket),
        "tag_names": tag_names,
        "contact_url": contact_url(ticket.contact),
        "sla_targets": targets_of(ticket),
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_GET
def ticket_page(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    ticket_mark_viewed(ticket=ticket, actor=request.user)
    return _page(request, ticket)


@login_required
@require_GET
def ticket_conversation(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    context = {"ticket": ticket, "entries": timeline(ticket), **ticket_actions(request.user)}
    return render(request, f"{TEMPLATE}#conversation", context)


@login_required
@require_GET
def ticket_message(request, number: int, message_id: int):
    """One message again, with remote images when the reader asked for them."""
    ticket = ticket_get_for_user(request.user, number)
    message = get_object_or_404(
        Message.objects.select_related("author_user", "author_contact").prefetch_related(
            "attachments"
        ),
        ticket_id=ticket.number,
        pk=message_id,
    )
    prepare_message(message, load_remote_images=request.GET.get("images") == "1")
    mark_sender_auth([message])
    context = {"ticket": ticket, "m": message, **ticket_actions(request.user)}
    return render(request, f"{TEMPLATE}#message", context)


@login_required
@require_GET
def ticket_panel(request, number: int):
    ticket = ticket_get_for_user(request.user, number)
    lookups = Lookups.load(ticket)
    context = _panel_context(request, ticket, lookups, _panel_form(ticket, lookups))
    return render(request, f"{TEMPLATE}#panel", context)


def _resolve_parent(request, ticket, number):
    if not number:
        return None
    try:
        return ticket_get_for_user(request.user, number)
    except Http404:
        raise ValidationFailed(_("There is no ticket #%(n)s.") % {"n": number}, field="parent")


@login_required
@require_POST
def ticket_update_view(request, number: int):
    ticket = ticket_get_for_user(request.user, number, action=Action.UPDATE)
    lookups = Lookups.load(ticket)
    form = TicketPanelForm(request.POST, lookups=lookups)
    conflict = None
    if form.is_valid():
        try:
            changes = form.changes()
            changes["parent"] = _resolve_parent(request, ticket, form.cleaned_data["parent"])
            if (
                changes["assignee"] != ticket.assignee
                and not ticket_actions(request.user)["can_assign"]
            ):
                raise ValidationFailed(_("You may not assign tickets."), field="assignee")
            ticket = ticket_update(
                ticket=ticket,
                actor=request.user,
                changes=changes,
                expected_version=form.cleaned_data["version"],
            )
        except VersionConflict as exc:
            conflict = _conflict(request, exc, number)
            ticket = conflict["ticket"]
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            if not request.htmx:
                return redirect("web:ticket", number=ticket.number)
            ticket = ticket_get_for_user(request.user, number)
            context = _panel_context(request, ticket, lookups, _panel_form(ticket, lookups))
            response = render(request, f"{TEMPLATE}#panel", context)
            response["HX-Trigger"] = PANEL_SAVED_TRIGGER
            return response
    status = 409 if conflict else 422
    if conflict:
        # Keep every typed value, but carry the version now current: saving again
        # after reading the conflict applies this person's values knowingly.
        data = request.POST.copy()
        data["version"] = str(conflict["ticket"].version)
        form = TicketPanelForm(data, lookups=lookups)
        form.is_valid()
    if not request.htmx:
        return _page(request, ticket, panel_form=form, conflict=conflict, status=status)
    context = _panel_context(request, ticket, lookups, form, conflict)
    return render(request, f"{TEMPLATE}#panel", context, status=status)


def _conflict(request, exc: VersionConflict, number: int) -> dict:
    current = ticket_get_for_user(request.user, number)
    return {
        "message": _("Someone else changed this ticket"),
        "changes": describe_conflict(exc.changes),
        "ticket": current,
        "current": [
            (_("Status"), current.status.name),
            (_("Priority"), Priority(current.priority).label),
            (_("Group"), current.group.name if current.group else "—"),
            (_("Assignee"), current.assignee.name if current.assignee else "—"),
            (_("Category"), current.category.name if current.category else "—"),
            (_("Tags"), ", ".join(_tag_names(current)) or "—"),
        ],
    }


@login_required
@require_POST
def ticket_reply_view(request, number: int):
    public = request.POST.get("mode") == "reply"
    # A light agent posting a public reply gets a 404 like any other forbidden act.
    action = Action.REPLY if public else Action.NOTE
    ticket = ticket_get_for_user(request.user, number, action=action)
    flags = ticket_actions(request.user)
    form = ReplyForm(
        request.POST,
        request.FILES,
        can_reply=flags["can_reply"],
        channels=send_via_choices(ticket),
    )
    if form.is_valid():
        lookups = Lookups.load(ticket)
        new_status = lookups.status_by_id.get(form.cleaned_data["status"])
        if new_status is not None and not flags["can_update"]:
            new_status = None  # changing the status needs the right to update
        try:
            ticket_reply(
                ticket=ticket,
                actor=request.user,
                body_text=form.cleaned_data["body"],
                public=form.public,
                attachments=attachment_inputs(form.cleaned_data["attachments"]),
                new_status=new_status,
                channel=form.send_via,
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            if not request.htmx:
                return redirect("web:ticket", number=ticket.number)
            fresh = ReplyForm(
                can_reply=flags["can_reply"],
                channels=form.channels,
                initial={"mode": form.cleaned_data["mode"], "channel": form.send_via},
            )
            response = render(
                request, f"{TEMPLATE}#editor", editor_context(request, ticket, lookups, fresh)
            )
            response["HX-Trigger"] = REPLIED_TRIGGER
            return response
    if form.files:
        form.add_error("attachments", _("Please choose the files again."))
    if not request.htmx:
        return _page(request, ticket, reply_form=form, status=422)
    context = editor_context(request, ticket, Lookups.load(ticket), form)
    return render(request, f"{TEMPLATE}#editor", context, status=422)


def hx_redirect(request, url: str) -> HttpResponse:
    """A redirect htmx follows with a full page load (and browsers as usual)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)

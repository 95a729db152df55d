"""The customer's requests: list, conversation, reply, mark solved, attachments."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from okno.core.errors import ValidationFailed
from okno.core.text import display_html
from okno.portal.auth import contact_required, current_contact
from okno.portal.forms import ReplyForm, attachment_inputs
from okno.portal.labels import customer_status
from okno.portal.services import ticket_mark_solved
from okno.portal.views.common import add_service_error, render_portal
from okno.tickets.models import DONE_CATEGORIES, AuthorKind, Channel, StatusCategory
from okno.tickets.permissions import Action, can_on_visible, ticket_get_for_user, visible_tickets
from okno.tickets.selectors import attachment_get_for_user, conversation
from okno.tickets.services import ticket_reply
from okno.web.downloads import attachment_response

PAGE_SIZE = 25


@require_GET
@contact_required
def ticket_list(request):
    contact = current_contact(request)
    tickets = visible_tickets(contact).select_related("contact").order_by("-number")
    before = request.GET.get("before", "")
    if before.isdigit():  # keyset page: numbers only grow, so -number is newest first
        tickets = tickets.filter(number__lt=int(before))
    rows = list(tickets[: PAGE_SIZE + 1])
    items = [
        {"ticket": t, "status": customer_status(t.state), "mine": t.contact_id == contact.pk}
        for t in rows[:PAGE_SIZE]
    ]
    next_before = rows[PAGE_SIZE - 1].number if len(rows) > PAGE_SIZE else None
    return render_portal(
        request, "portal/tickets.html", {"items": items, "next_before": next_before}
    )


def _detail(request, contact, ticket, reply_form, *, status=200):
    entries = [
        {
            "message": m,
            "html": display_html(m.body_html),
            "from_support": m.author_kind != AuthorKind.CONTACT,
            "attachments": list(m.attachments.all()),
        }
        for m in conversation(ticket, public_only=True)  # internal notes never leave
    ]
    context = {
        "ticket": ticket,
        "status": customer_status(ticket.state),
        "entries": entries,
        "reply_form": reply_form,
        "can_reply": ticket.state != StatusCategory.CLOSED
        and can_on_visible(contact, Action.REPLY),
        "can_solve": ticket.state not in DONE_CATEGORIES and can_on_visible(contact, Action.SOLVE),
        "is_closed": ticket.state == StatusCategory.CLOSED,
    }
    return render_portal(request, "portal/ticket.html", context, status=status)


@require_GET
@contact_required
def ticket_detail(request, number: int):
    contact = current_contact(request)
    ticket = ticket_get_for_user(contact, number)
    return _detail(request, contact, ticket, ReplyForm())


@require_POST
@contact_required
def ticket_reply_view(request, number: int):
    contact = current_contact(request)
    ticket = ticket_get_for_user(contact, number, action=Action.REPLY)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket_reply(
                ticket=ticket,
                actor=contact,
                body_text=form.cleaned_data["text"],
                attachments=attachment_inputs(form.cleaned_data["attachments"]),
                channel=Channel.PORTAL,
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("portal:ticket", number=ticket.number)
    return _detail(request, contact, ticket, form, status=400)


@require_POST
@contact_required
def ticket_solve(request, number: int):
    contact = current_contact(request)
    ticket = ticket_get_for_user(contact, number, action=Action.SOLVE)
    try:
        ticket_mark_solved(ticket=ticket, contact=contact)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you! We marked your request as solved."))
    return redirect("portal:ticket", number=ticket.number)


@require_GET
@contact_required
def attachment(request, pk: int):
    return attachment_response(attachment_get_for_user(current_contact(request), pk))

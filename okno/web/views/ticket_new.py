"""The new-ticket page: an agent opens a ticket for a requester."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from okno.accounts.models import Group
from okno.contacts.models import Contact
from okno.core.errors import ValidationFailed
from okno.tickets.models import Category
from okno.tickets.permissions import Action, can
from okno.tickets.services import ticket_create
from okno.web.forms.ticket import NewTicketForm, add_service_error, attachment_inputs, split_tags


def _form(request, data=None, files=None):
    groups = list(Group.objects.all())
    categories = list(Category.objects.all())
    if data is not None:
        return NewTicketForm(data, files, groups=groups, categories=categories)
    initial = {"idempotency_key": secrets.token_urlsafe(24)}
    if request.GET.get("contact", "").isdigit():
        initial["contact"] = int(request.GET["contact"])
    mine = request.user.agent_groups.first()
    if mine is not None:
        initial["group"] = mine.pk
    return NewTicketForm(initial=initial, groups=groups, categories=categories)


def _contact(form):
    pk = form.cleaned_data.get("contact")
    if not pk:
        return None
    contact = Contact.objects.filter(pk=pk, merged_into__isnull=True).first()
    if contact is None:
        raise ValidationFailed(_("This contact no longer exists."), field="email")
    return contact


@login_required
def ticket_new(request):
    if not can(request.user, Action.VIEW):
        raise Http404
    if request.method != "POST":
        form = _form(request)
        return render(
            request, "web/ticket/new.html", {"form": form, "contact": _initial_contact(form)}
        )
    form = _form(request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_create(
                actor=request.user,
                subject=data["subject"],
                body_text=data["body"],
                contact=_contact(form),
                contact_email=data["email"],
                contact_name=data["name"],
                group=_lookup(Group, data["group"]),
                priority=data["priority"],
                category=_lookup(Category, data["category"]),
                tags=split_tags(data["tags"]),
                message_from_agent=data["message_from_agent"],
                attachments=attachment_inputs(data["attachments"]),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            if can(request.user, Action.VIEW, ticket):
                return redirect("web:ticket", number=ticket.number)
            messages.success(request, _("Ticket #%(n)s was created.") % {"n": ticket.number})
            return redirect("web:inbox")
    if form.files:
        form.add_error("attachments", _("Please choose the files again."))
    return render(
        request,
        "web/ticket/new.html",
        {"form": form, "contact": _initial_contact(form)},
        status=422,
    )


def _lookup(model, pk):
    return model.objects.filter(pk=pk).first() if pk else None


def _initial_contact(form):
    pk = form["contact"].value()
    if pk and str(pk).isdigit():
        return Contact.objects.filter(pk=int(pk)).first()
    return None

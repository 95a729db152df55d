"""Contacts and organizations: lists, pages, editing, identities and merging.

Every staff member may look at contacts and organizations; only those allowed by
`can_manage_contacts` may change them. The tickets shown on these pages come from
`visible_tickets` of the viewer, so a contact's page never reveals a ticket its
viewer could not open.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.contacts import selectors, services
from okno.contacts.models import Contact, IdentityKind
from okno.core.errors import ServiceError, ValidationFailed
from okno.tickets.permissions import can_manage_contacts, is_staff
from okno.web.forms.directory import (
    ContactForm,
    ContactMergeForm,
    IdentityForm,
    OrganizationForm,
    apply_service_error,
)


def staff_page(*, manage: bool = False):
    """Signed-in staff only; `manage=True` also needs `can_manage_contacts`."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_staff(request.user) or (manage and not can_manage_contacts(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _contact_or_404(pk: int) -> Contact:
    contact = selectors.contact_get(pk)
    if contact is None:
        raise Http404("no such contact")
    return contact


def _organization_or_404(pk: int):
    organization = selectors.organization_get(pk)
    if organization is None:
        raise Http404("no such organization")
    return organization


def _save(form, call) -> object | None:
    """Run a service for a valid form; a refusal lands next to its field."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ServiceError as error:
        apply_service_error(form, error)
        return None


# --- contacts -------------------------------------------------------------------


@require_GET
@staff_page()
def contact_list(request):
    query = request.GET.get("q", "")[:200]
    page = selectors.contact_list(query=query, cursor=request.GET.get("after"))
    context = {"page": page, "q": query, "can_manage": can_manage_contacts(request.user)}
    return render(request, "web/directory/contact_list.html", context)


# A sign per identity kind on the contact card (the label says it in words too).
KIND_ICONS = {
    IdentityKind.EMAIL: "✉",
    IdentityKind.PHONE: "☎",
    IdentityKind.TELEGRAM: "✈",
    IdentityKind.WHATSAPP: "🟢",
    IdentityKind.VIBER: "🟣",
    IdentityKind.VK: "🔵",
    IdentityKind.CHAT: "💬",
    IdentityKind.CUSTOM: "⚙",
}


def _contact_page(request, contact, *, identity_form=None, merge_form=None, status=200):
    identities = selectors.contact_identities(contact)
    for identity in identities:
        identity.icon = KIND_ICONS.get(identity.kind, "•")
    context = {
        "contact": contact,
        "identities": identities,
        "tickets": selectors.contact_history(request.user, contact),
        "suggestions": selectors.merge_suggestions_for(contact),
        "can_manage": can_manage_contacts(request.user),
        "identity_form": identity_form or IdentityForm(initial={"kind": IdentityKind.EMAIL}),
        "merge_form": merge_form or ContactMergeForm(),
    }
    return render(request, "web/directory/contact_detail.html", context, status=status)


@require_GET
@staff_page()
def contact_detail(request, pk: int):
    contact = _contact_or_404(pk)
    if contact.merged_into_id:  # follow the merge to the contact that lives on
        target = contact
        while target.merged_into_id:
            target = target.merged_into
        return redirect("web:contact", pk=target.pk)
    return _contact_page(request, contact)


@require_GET
@staff_page()
def contact_call_card(request, pk: int):
    """The caller's card that pops up on an agent's page during a call (call_card.js):
    name, organization and the open tickets this agent may see."""
    contact = _contact_or_404(pk)
    while contact.merged_into_id:
        contact = contact.merged_into
    context = {
        "contact": contact,
        "outbound": request.GET.get("direction") == "outbound",
        "number": request.GET.get("number", "")[:40],
        "tickets": selectors.open_tickets_for_viewer(request.user, contact),
    }
    return render(request, "web/directory/_call_card.html", context)


@require_http_methods(["GET", "POST"])
@staff_page(manage=True)
def contact_new(request):
    form = ContactForm(request.POST or None, creating=True)
    if request.method == "POST":
        contact = _save(form, lambda data: services.contact_create(actor=request.user, **data))
        if contact is not None:
            return redirect("web:contact", pk=contact.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "title": _("New contact"), "back": reverse("web:contacts")}
    return render(request, "web/directory/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page(manage=True)
def contact_edit(request, pk: int):
    contact = _contact_or_404(pk)
    initial = {
        "name": contact.name,
        "organization": contact.organization_id,
        "language": contact.language,
        "timezone": contact.timezone,
        "account_manager": contact.account_manager_id,
        "notes": contact.notes,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and _save(
        form, lambda data: services.contact_update(contact=contact, actor=request.user, **data)
    ):
        messages.success(request, _("Saved."))
        return redirect("web:contact", pk=contact.pk)
    context = {
        "form": form,
        "title": _("Edit %(name)s") % {"name": contact.display_name},
        "back": reverse("web:contact", args=[contact.pk]),
    }
    return render(request, "web/directory/form.html", context, status=400 if form.errors else 200)


@require_POST
@staff_page(manage=True)
def contact_identity_add(request, pk: int):
    contact = _contact_or_404(pk)
    form = IdentityForm(request.POST)
    # Another contact's address: refused, and the merge is offered on the card.
    if _save(form, lambda data: services.contact_identity_add(contact=contact, **data)):
        return redirect("web:contact", pk=contact.pk)
    return _contact_page(request, contact, identity_form=form, status=400)


def _contact_action(request, pk: int, call):
    """Run a service on the contact; a refusal becomes a message; back to the card."""
    contact = _contact_or_404(pk)
    try:
        call(contact)
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("web:contact", pk=contact.pk)


@require_POST
@staff_page(manage=True)
def contact_suggestion_dismiss(request, pk: int, suggestion_id: int):
    return _contact_action(
        request,
        pk,
        lambda contact: services.merge_suggestion_dismiss(
            contact=contact, suggestion_id=suggestion_id, actor=request.user
        ),
    )


@require_POST
@staff_page(manage=True)
def contact_identity_remove(request, pk: int, identity_id: int):
    return _contact_action(
        request,
        pk,
        lambda contact: services.contact_remove_identity(
            contact=contact, identity_id=identity_id, actor=request.user
        ),
    )


def _merge_target(source: Contact, text: str) -> Contact:
    """The contact named by a number (#12), an email or a phone, live and not `source`."""
    text = (text or "").strip()
    target = None
    if text.lstrip("#").isdigit():
        target = Contact.objects.filter(pk=int(text.lstrip("#"))).first()
    else:
        kind = IdentityKind.EMAIL if "@" in text else IdentityKind.PHONE
        try:
            target = services.contact_find(kind, text)
        except ValidationFailed:
            target = None
    if target is None or target.merged_into_id:
        raise ValidationFailed(_("No contact matches this."), field="target")
    if target.pk == source.pk:
        raise ValidationFailed(_("A contact cannot be merged into itself."), field="target")
    return target


@require_http_methods(["GET", "POST"])
@staff_page(manage=True)
def contact_merge(request, pk: int):
    """Step 1 (GET ?target=…): show both contacts. Step 2 (POST confirm): merge."""
    source = _contact_or_404(pk)
    if source.merged_into_id:
        raise Http404("already merged")
    data = request.POST if request.method == "POST" else request.GET
    form = ContactMergeForm(data)
    target = _save(form, lambda clean: _merge_target(source, clean["target"]))
    if target is None:
        return _contact_page(request, source, merge_form=form, status=400)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        services.contact_merge(source=source, target=target, actor=request.user)
        messages.success(request, _("Contacts merged."))
        return redirect("web:contact", pk=target.pk)
    context = {
        "source": source,
        "target": target,
        "source_identities": selectors.contact_identities(source),
        "target_identities": selectors.contact_identities(target),
        "target_text": form.cleaned_data["target"],
    }
    return render(request, "web/directory/contact_merge.html", context)


# --- organizations --------------------------------------------------------------


@require_GET
@staff_page()
def organization_list(request):
    query = request.GET.get("q", "")[:200]
    page = selectors.organization_list(query=query, cursor=request.GET.get("after"))
    context = {"page": page, "q": query, "can_manage": can_manage_contacts(request.user)}
    return render(request, "web/directory/organization_list.html", context)


@require_GET
@staff_page()
def organization_detail(request, pk: int):
    organization = _organization_or_404(pk)
    members, member_count = selectors.organization_members(organization)
    context = {
        "organization": organization,
        "domains": selectors.organization_domains(organization),
        "members": members,
        "member_count": member_count,
        "tickets": selectors.tickets_for_viewer(request.user, organization=organization),
        "can_manage": can_manage_contacts(request.user),
    }
    return render(request, "web/directory/organization_detail.html", context)


def _organization_form_page(request, organization=None):
    initial = {}
    if organization is not None:
        initial = {
            "name": organization.name,
            "domains": "\n".join(selectors.organization_domains(organization)),
            "shares_tickets": organization.shares_tickets,
            "account_manager": organization.account_manager_id,
            "notes": organization.notes,
        }
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = _save(
            form,
            lambda data: services.organization_save(
                organization=organization,
                actor=request.user,
                name=data["name"],
                shares_tickets=data["shares_tickets"],
                account_manager=data["account_manager"],
                notes=data["notes"],
                domains=form.domain_list(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("web:organization", pk=saved.pk)
    title = (
        _("Edit %(name)s") % {"name": organization.name} if organization else _("New organization")
    )
    back = (
        reverse("web:organization", args=[organization.pk])
        if organization
        else reverse("web:organizations")
    )
    context = {"form": form, "title": title, "back": back}
    return render(request, "web/directory/form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_page(manage=True)
def organization_new(request):
    return _organization_form_page(request)


@require_http_methods(["GET", "POST"])
@staff_page(manage=True)
def organization_edit(request, pk: int):
    return _organization_form_page(request, _organization_or_404(pk))

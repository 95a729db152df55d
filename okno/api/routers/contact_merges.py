"""Merge suggestions and merging contacts: what the contact card's "Possible
duplicates" offers. Every staff member reads them; merging and dismissing need
`can_manage_contacts`, as in the UI; customers get 403."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from okno.api.auth import require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.pagination import PageQuery, newest_page
from okno.api.routers.contacts import contact_editor, contact_or_404
from okno.api.schemas.common import Id
from okno.api.schemas.directory import ContactOut, MergeSuggestionPage
from okno.api.schemas.tickets import MergeIn
from okno.contacts import selectors
from okno.contacts.models import MergeSuggestion
from okno.contacts.services import contact_merge, merge_suggestion_dismiss
from okno.core.errors import ValidationFailed

router = Router(tags=["contacts"])


@router.get("/merge-suggestions", response={200: MergeSuggestionPage, **COMMON_ERRORS})
def suggestions_list(request, params: Query[PageQuery]):
    """Every open suggestion (not dismissed, both contacts live), newest first."""
    require_staff(request.auth)
    rows, next_cursor = newest_page(selectors.open_merge_suggestions(), params.cursor, params.limit)
    return {"results": rows, "next_cursor": next_cursor}


@router.get(
    "/contacts/{int:contact_id}/merge-suggestions",
    response={200: MergeSuggestionPage, **COMMON_ERRORS},
)
def contact_suggestions_list(request, contact_id: Id, params: Query[PageQuery]):
    """The contact's open suggestions, newest first; `match` is the other contact."""
    require_staff(request.auth)
    contact = contact_or_404(contact_id)
    queryset = selectors.open_merge_suggestions(contact)
    rows, next_cursor = newest_page(queryset, params.cursor, params.limit)
    return {"results": selectors.merge_suggestions_for(contact, rows), "next_cursor": next_cursor}


@router.post(
    "/merge-suggestions/{int:suggestion_id}/dismiss", response={204: None, **COMMON_ERRORS}
)
def suggestions_dismiss(request, suggestion_id: Id):
    """Not the same person: the suggestion leaves the contact card (until an agent adds
    the address by hand again)."""
    actor = contact_editor(request.auth)
    suggestion = MergeSuggestion.objects.select_related("contact").filter(pk=suggestion_id).first()
    if suggestion is None:
        raise Http404("no such suggestion")
    merge_suggestion_dismiss(contact=suggestion.contact, suggestion_id=suggestion.pk, actor=actor)
    return HttpResponse(status=204)


@router.post("/contacts/{int:contact_id}/merge", response={200: ContactOut, **COMMON_ERRORS})
def contacts_merge(request, contact_id: Id, payload: MergeIn):
    """Move this contact's identities, tickets, conversations and suggestions to contact
    `into`; this one remains only as a pointer to it. Answers the contact that lives on."""
    actor = contact_editor(request.auth)
    source = contact_or_404(contact_id)
    if source.merged_into_id:
        raise Http404("already merged")
    target = selectors.contact_get(payload.into)
    if target is None or target.merged_into_id:
        raise ValidationFailed(_("No contact matches this."), field="into")
    if target.pk == source.pk:
        raise ValidationFailed(_("A contact cannot be merged into itself."), field="into")
    return contact_merge(source=source, target=target, actor=actor)

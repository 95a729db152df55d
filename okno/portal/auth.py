"""Who the customer in this portal session is.

Customers are contacts, not users: a magic link puts the contact's id in the
session under `SESSION_KEY`, and these helpers read it back.
"""

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from okno.contacts.models import Contact

SESSION_KEY = "portal_contact_id"
LANGUAGE_KEY = "portal_language"  # also read by okno.core.middleware.UserLanguageMiddleware
_CACHE_ATTR = "_portal_contact"


def current_contact(request) -> Contact | None:
    """The logged-in contact, or None. Cached on the request (one query per request)."""
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    contact = None
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is not None:
        contact = Contact.objects.select_related("organization").filter(pk=contact_id).first()
        # A merged contact only points at the survivor; act as the survivor.
        seen = 0
        while contact is not None and contact.merged_into_id and seen < 10:
            contact = (
                Contact.objects.select_related("organization")
                .filter(pk=contact.merged_into_id)
                .first()
            )
            seen += 1
    setattr(request, _CACHE_ATTR, contact)
    return contact


def login_contact(request, contact: Contact) -> None:
    # A new session key on privilege change defeats session fixation.
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk
    request.session.setdefault(LANGUAGE_KEY, contact.language)
    setattr(request, _CACHE_ATTR, contact)


def logout_contact(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    setattr(request, _CACHE_ATTR, None)


def contact_required(view):
    """Send visitors without a portal session to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if current_contact(request) is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:login')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper

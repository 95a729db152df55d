"""Token authentication: `Authorization: Token <key>`.

A token belongs to a staff user or to a customer contact; `request.auth` is that
principal, which every permission check in `okno.tickets.permissions` accepts.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader

from okno.accounts.models import ApiToken, User
from okno.contacts.models import Contact
from okno.core.errors import NotAllowed
from okno.tickets.permissions import is_staff, staff_can_manage

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class TokenAuth(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request, key):
        scheme, _sep, value = (key or "").strip().partition(" ")
        if scheme.lower() != "token" or not value.strip():
            return None
        try:  # the key's hash is unique: get() needs no ORDER BY, unlike first()
            token = (
                ApiToken.objects.for_key(value.strip())
                .select_related("user", "contact", "contact__organization")
                .get()
            )
        except ApiToken.DoesNotExist:
            return None
        principal = _principal(token)
        if principal is None:
            return None
        _touch(token)
        request.api_token = token
        return principal


def _principal(token: ApiToken):
    if token.user_id:
        return token.user if token.user.is_active else None
    contact = token.contact
    if contact.merged_into_id:
        # The person's tickets moved to the surviving contact; act as that one.
        contact = Contact.objects.select_related("organization").get(pk=contact.merged_into_id)
    return contact


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def require_staff(principal) -> User:
    if not is_staff(principal):
        raise NotAllowed(_("Only staff can use this endpoint."))
    return principal


def require_admin(principal) -> User:
    if not staff_can_manage(principal, "settings"):
        raise NotAllowed(_("Only administrators can change this."))
    return principal


def require_manager(principal) -> User:
    """Supervisors and admins (organizations, directory-wide changes)."""
    if not staff_can_manage(principal, "directory"):
        raise NotAllowed(_("Only supervisors and administrators can change this."))
    return principal

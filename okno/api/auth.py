"""Token authentication: `Authorization: Token <key>`.

A token belongs to a staff user or to a customer contact; `request.auth` is that
principal, which every permission check in `okno.tickets.permissions` accepts.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader

from okno.accounts.models import ApiToken, User, hash_token
from okno.contacts.models import Contact
from okno.core.errors import NotAllowed
from okno.core.rawsql import column, db_datetime, raw_first, table
from okno.tickets.permissions import is_staff, staff_can_manage

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class TokenAuth(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request, key):
        scheme, _sep, value = (key or "").strip().partition(" ")
        if scheme.lower() != "token" or not value.strip():
            return None
        key_hash = hash_token(value.strip())
        user = _staff_user(key_hash)
        if user is not None:
            if not user.is_active:
                return None
            if user.okno_token_stale:
                ApiToken.objects.filter(pk=user.okno_token_id).update(last_used_at=timezone.now())
            request.api_token_id = user.okno_token_id
            return user
        try:  # the key's hash is unique: get() needs no ORDER BY, unlike first()
            token = (
                ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True, user=None)
                .select_related("contact", "contact__organization")
                .get()
            )
        except ApiToken.DoesNotExist:
            return None
        _touch(token)
        request.api_token_id = token.pk
        return _principal(token)


def _staff_user(key_hash: str) -> User | None:
    """The user of a live staff token, with the token's id and whether its
    last_used_at is due for a write: one query read every time (a revoked token
    stops at once), its SQL written here rather than built per request (see
    okno.core.rawsql). Customers' tokens take the ORM path above."""
    # Names from the models' metadata, values as parameters.
    sql = (
        f"SELECT u.*, t.{column(ApiToken, 'id')} AS okno_token_id,"  # noqa: S608
        f" (t.{column(ApiToken, 'last_used_at')} IS NULL"
        f" OR t.{column(ApiToken, 'last_used_at')} <= %s) AS okno_token_stale"
        f" FROM {table(ApiToken)} t JOIN {table(User)} u"
        f" ON u.{column(User, 'id')} = t.{column(ApiToken, 'user')}"
        f" WHERE t.{column(ApiToken, 'key_hash')} = %s"
        f" AND t.{column(ApiToken, 'revoked_at')} IS NULL"
    )
    due = db_datetime(timezone.now() - LAST_USED_GRANULARITY)
    return raw_first(User, sql, [due, key_hash])


def _principal(token: ApiToken):
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

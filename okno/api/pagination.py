"""Cursor pagination helpers shared by the list endpoints.

Every list is cut by an opaque keyset cursor (base64 of JSON), never by OFFSET, so a
page costs the same at any depth. Tickets use `okno.tickets.selectors.list_tickets`
and contacts/organizations `okno.contacts.selectors`; this module checks cursors
and pages the small staff lists by (name, id).
"""

import base64
import json

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

from okno.api.errors import ApiError
from okno.api.schemas.common import MAX_ID

MAX_LIMIT = 100


class PageQuery(Schema):
    q: str = Field("", max_length=200)
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


def encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> list | None:
    """The values of a cursor; a malformed one is the client's error (400)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        values = None
    if not isinstance(values, list) or len(values) != 2:
        raise ApiError(400, "bad_cursor", _("The cursor is not valid."), field="cursor")
    try:
        name, pk = str(values[0]), int(values[1])
    except (TypeError, ValueError):
        pk = 0
    if not 1 <= pk <= MAX_ID:
        raise ApiError(400, "bad_cursor", _("The cursor is not valid."), field="cursor")
    return [name, pk]


def name_page(queryset: QuerySet, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page ordered by (name, id), strictly after the cursor."""
    after = decode(cursor)
    if after is not None:
        name, pk = after
        queryset = queryset.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    rows = list(queryset.order_by("name", "pk")[: limit + 1])
    next_cursor = encode([rows[limit - 1].name, rows[limit - 1].pk]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def newest_page(queryset: QuerySet, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page ordered newest first by id (the primary key's index), after the cursor."""
    after = decode(cursor)
    if after is not None:
        queryset = queryset.filter(pk__lt=after[1])
    rows = list(queryset.order_by("-pk")[: limit + 1])
    next_cursor = encode(["", rows[limit - 1].pk]) if len(rows) > limit else None
    return rows[:limit], next_cursor

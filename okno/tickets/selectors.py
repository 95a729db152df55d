"""Reading tickets for lists: built-in views, saved views, keyset pagination, counts.

Shared by the agent UI and the REST API so both list exactly the same tickets.
Pages are cut by a keyset cursor on the sort columns (never OFFSET), and counts are
bounded: a view counts at most `COUNT_CAP` rows, so the sidebar stays cheap at any
size.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from okno.tickets.catalog import fill_related
from okno.tickets.models import Attachment, Message, SavedView, StatusCategory, Ticket
from okno.tickets.permissions import visible_ticket_parts, visible_tickets
from okno.tickets.search import SORTS, search_tickets, sort_queryset

COUNT_CAP = 1000
PAGE_SIZE = 50
ACTIVE = [StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING, StatusCategory.ON_HOLD]


@dataclass(frozen=True)
class BuiltinView:
    key: str
    title: str
    needs_groups: bool = False

    def filter(self, queryset: QuerySet, user) -> QuerySet:
        if self.key == "mine":
            return queryset.filter(
                assignee=user, state__in=[StatusCategory.NEW, StatusCategory.OPEN]
            )
        if self.key == "unassigned":
            return queryset.filter(
                assignee__isnull=True, state__in=[StatusCategory.NEW, StatusCategory.OPEN]
            )
        if self.key == "open":
            return queryset.filter(state__in=[StatusCategory.NEW, StatusCategory.OPEN])
        if self.key == "pending":
            return queryset.filter(state__in=[StatusCategory.PENDING, StatusCategory.ON_HOLD])
        if self.key == "solved":
            return queryset.filter(state=StatusCategory.SOLVED)
        if self.key == "all":
            return queryset
        raise KeyError(self.key)


BUILTIN_VIEWS = [
    BuiltinView("mine", _("My open tickets")),
    BuiltinView("unassigned", _("Unassigned in my groups")),
    BuiltinView("open", _("All open in my groups")),
    BuiltinView("pending", _("Pending")),
    BuiltinView("solved", _("Recently solved")),
    BuiltinView("all", _("All tickets")),
]
BUILTIN_BY_KEY = {v.key: v for v in BUILTIN_VIEWS}


def saved_views_for(user) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).order_by("position", "name")


def capped_count(queryset: QuerySet) -> int:
    """How many rows, counting no further than COUNT_CAP (shown as "1000+")."""
    return capped_counts({"n": queryset})["n"]


def capped_counts(querysets: dict[str, QuerySet | list[QuerySet]]) -> dict[str, int]:
    """Several capped counts in one statement (one round trip, one result row):

        SELECT (SELECT COUNT(*) FROM (SELECT number ... LIMIT 1000) AS c0_0) + (...), ...

    Each count stops at COUNT_CAP rows, so the cost does not grow with the table.
    A name may map to a list of disjoint querysets (`visible_ticket_parts`), counted
    one by one and added: the sum of capped parts reaches the cap exactly when their
    union does, and is exact below it.
    """
    if not querysets:
        return {}
    columns, params = [], []
    for i, parts in enumerate(querysets.values()):
        terms = []
        for queryset in parts if isinstance(parts, list) else [parts]:
            try:
                sql, inner_params = _capped_subquery(queryset)
            except EmptyResultSet:  # a part that cannot match (`.none()`)
                continue
            terms.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{i}_{len(terms)})")  # noqa: S608
            params.extend(inner_params)
        columns.append(" + ".join(terms) or "0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)  # ORM-compiled parts
        row = cursor.fetchone()
    return {name: min(int(n), COUNT_CAP) for name, n in zip(querysets, row, strict=True)}


def _capped_subquery(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.order_by().values("number")[:COUNT_CAP].query.sql_with_params()


def view_counts(user, saved_views: list[SavedView] | None = None) -> dict[str, int]:
    """Capped counts of the built-in views and `saved_views` (default: the user's).

    Each view is counted over the disjoint parts of the user's scope, each part a
    range of one index holding the columns the views filter on, so a count reads
    index entries (at most COUNT_CAP per part), not table rows. A saved view with
    words is counted over the whole scope (see below).
    """
    parts = visible_ticket_parts(user)
    querysets = {
        v.key: [v.filter(part, user) for part in parts] for v in BUILTIN_VIEWS if v.key != "all"
    }
    if saved_views is None:
        saved_views = list(saved_views_for(user))
    for saved in saved_views:
        matches, parsed = search_tickets(Ticket.objects.all(), saved.query, user)
        # Words are matched against the full-text index, not read from the ticket
        # indexes; per part, that work (reading a common word's matches) would be
        # done once for each part: such a view is counted over the whole scope.
        whole = parsed.text.strip()
        querysets[f"saved-{saved.pk}"] = (
            visible_tickets(user) & matches if whole else [part & matches for part in parts]
        )
    return capped_counts(querysets)


def encode_cursor(ticket: Ticket, sort: str) -> str:
    columns = [c.lstrip("-") for c in SORTS[sort]]
    values = []
    for column in columns:
        value = getattr(ticket, column)
        values.append(value.isoformat() if isinstance(value, dt.datetime) else value)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> list | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return None
    columns = [c.lstrip("-") for c in SORTS[sort]]
    if not isinstance(values, list) or len(values) != len(columns):
        return None
    parsed = []
    for column, value in zip(columns, values, strict=True):
        try:
            if column.endswith("_at"):
                parsed.append(dt.datetime.fromisoformat(value))
            else:
                parsed.append(int(value))
                if not -(2**63) <= parsed[-1] < 2**63:  # no database column holds it
                    return None
        except (TypeError, ValueError):
            return None
    return parsed


def _after(sort: str, values: list) -> Q:
    """Rows strictly after `values` in the order of SORTS[sort] (a keyset condition)."""
    ordering = SORTS[sort]
    condition = Q()
    for i in range(len(ordering) - 1, -1, -1):
        column = ordering[i].lstrip("-")
        lookup = "lt" if ordering[i].startswith("-") else "gt"
        step = Q(**{f"{column}__{lookup}": values[i]})
        condition = (
            step if i == len(ordering) - 1 else step | (Q(**{column: values[i]}) & condition)
        )
    return condition


@dataclass
class TicketPage:
    tickets: list[Ticket]
    next_cursor: str | None
    sort: str
    errors: list[str]


class BadCursor(ValueError):
    pass


def list_tickets(
    user,
    *,
    view: str | None = None,
    query: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    sort: str | None = None,
) -> TicketPage:
    """One page of a view (built-in key, `saved-<id>`) narrowed by a search query."""
    queryset = visible_tickets(user)
    if view in BUILTIN_BY_KEY:
        queryset = BUILTIN_BY_KEY[view].filter(queryset, user)
    elif view and view.startswith("saved-") and view[6:].isdigit():
        saved = saved_views_for(user).filter(pk=int(view[6:])).first()
        if saved is not None:
            queryset, _parsed = search_tickets(queryset, saved.query, user)
    queryset, parsed = search_tickets(queryset, query, user)
    sort = sort if sort in SORTS else parsed.sort
    queryset = sort_queryset(queryset, sort)
    if cursor:
        values = _decode_cursor(cursor, sort)
        if values is None:
            raise BadCursor("invalid cursor")
        queryset = queryset.filter(_after(sort, values))
    rows = list(
        queryset.select_related("contact", "organization").prefetch_related("tags")[: limit + 1]
    )
    fill_related(rows)  # status, group, category, assignee: no joins
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return TicketPage(
        tickets=rows[:limit], next_cursor=next_cursor, sort=sort, errors=parsed.errors
    )


def conversation(ticket: Ticket, *, public_only: bool = False) -> list[Message]:
    """A ticket's messages with authors and attachments, in a fixed number of queries."""
    messages = ticket.messages.select_related("author_user", "author_contact").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if public_only:
        messages = messages.filter(public=True)
    return list(messages.order_by("created_at", "id"))


def attachment_get_for_user(principal, attachment_id: int) -> Attachment:
    """An attachment the principal may download (customers: public messages only)."""
    from django.http import Http404

    from okno.tickets.permissions import is_customer

    tickets = visible_tickets(principal).values("number")
    queryset = Attachment.objects.select_related("message").filter(
        pk=attachment_id, message__ticket__in=tickets
    )
    if is_customer(principal):
        queryset = queryset.filter(message__public=True)
    attachment = queryset.first()
    if attachment is None:
        raise Http404("no such attachment")
    return attachment

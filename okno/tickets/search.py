"""Ticket search: the query language and the full-text index.

The query mixes filters and words:
    printer status:open assignee:me group:"Second line" tag:vip from:ivan@example.com
    priority:high category:Billing org:Acme created>2026-01-01 updated<2026-02-01
    is:unassigned is:mine sort:created

Words are reduced to lemmas in Python (`okno.core.text.normalize_word`) both when
indexing and when querying, so SQLite FTS5 and PostgreSQL's 'simple' configuration
find the same Russian, Ukrainian and English word forms.
"""

import datetime as dt
import re
import shlex
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from okno.core.text import lemmas
from okno.tickets.fulltext import match_text
from okno.tickets.models import Priority, StatusCategory, Ticket, TicketSearchText

MAX_INDEXED_CHARS = 200_000

# Inside `indexing_deferred()`: the numbers of the tickets left for a worker to index.
_deferred: ContextVar[set[int] | None] = ContextVar("okno_search_deferred", default=None)


@contextmanager
def indexing_deferred():
    """Collect the tickets to index instead of indexing them; the caller hands the
    yielded numbers to a worker (`index_tickets`). For a process that lives for one
    message (the MTA pipe): the lemmatizer's dictionaries take seconds to load."""
    numbers: set[int] = set()
    token = _deferred.set(numbers)
    try:
        yield numbers
    finally:
        _deferred.reset(token)


def _deferred_for(number: int) -> bool:
    numbers = _deferred.get()
    if numbers is None:
        return False
    numbers.add(number)
    return True


def index_tickets(numbers: list[int]) -> None:
    """Index tickets whose indexing was deferred (in the worker)."""
    for ticket in Ticket.objects.filter(number__in=numbers).select_related("contact"):
        index_ticket(ticket)


def ticket_document(ticket: Ticket, texts: list[str]) -> str:
    contact = ticket.contact
    parts = [ticket.subject, contact.name, contact.email, contact.phone, *texts]
    return " ".join(lemmas(" ".join(p for p in parts if p)))[:MAX_INDEXED_CHARS]


def index_ticket(ticket: Ticket) -> None:
    """Rebuild one ticket's entry from its subject, contact and messages."""
    texts = list(ticket.messages.values_list("body_text", flat=True))
    TicketSearchText.objects.update_or_create(
        ticket_id=ticket.number, defaults={"lemmas": ticket_document(ticket, texts)}
    )


def index_new_ticket(ticket: Ticket, texts: list[str]) -> None:
    """Index a ticket created in this transaction from the texts it was made with:
    one INSERT, without reading back the messages just written (`index_ticket`)."""
    if _deferred_for(ticket.number):
        return
    TicketSearchText.objects.create(ticket_id=ticket.number, lemmas=ticket_document(ticket, texts))


def index_append(ticket_number: int, text: str) -> None:
    """Add a new message's words without re-reading the whole thread."""
    if _deferred_for(ticket_number):
        return
    words = " ".join(lemmas(text))
    if not words:
        return
    row = TicketSearchText.objects.filter(ticket_id=ticket_number).first()
    if row is None:
        TicketSearchText.objects.create(ticket_id=ticket_number, lemmas=words[:MAX_INDEXED_CHARS])
    elif len(row.lemmas) < MAX_INDEXED_CHARS:
        row.lemmas = (row.lemmas + " " + words)[:MAX_INDEXED_CHARS]
        row.save(update_fields=["lemmas"])


def index_append_many(texts: list[tuple[int, str]]) -> None:
    """`index_append` for many (ticket number, text) pairs: one read, one write."""
    words_by_ticket: dict[int, list[str]] = {}
    for number, text in texts:
        if _deferred_for(number):
            continue
        words = " ".join(lemmas(text))
        if words:
            words_by_ticket.setdefault(number, []).append(words)
    if not words_by_ticket:
        return
    rows = {
        row.ticket_id: row
        for row in TicketSearchText.objects.filter(ticket_id__in=list(words_by_ticket))
    }
    changed, fresh = [], []
    for number, words in words_by_ticket.items():
        row = rows.get(number)
        if row is None:
            fresh.append(
                TicketSearchText(ticket_id=number, lemmas=" ".join(words)[:MAX_INDEXED_CHARS])
            )
        elif len(row.lemmas) < MAX_INDEXED_CHARS:
            row.lemmas = " ".join([row.lemmas, *words])[:MAX_INDEXED_CHARS]
            changed.append(row)
    if changed:
        TicketSearchText.objects.bulk_update(changed, ["lemmas"])
    if fresh:
        TicketSearchText.objects.bulk_create(fresh)


@dataclass
class ParsedQuery:
    text: str = ""
    filters: list[Q] = field(default_factory=list)
    sort: str = "updated"
    errors: list[str] = field(default_factory=list)


SORTS = {
    "updated": ("-updated_at", "-number"),
    "created": ("-created_at", "-number"),
    "oldest": ("created_at", "number"),
    "priority": ("-priority", "-updated_at", "-number"),
    "number": ("-number",),
    # Nearest SLA due time first; an annotation (okno.sla.ticket_list, see sort_queryset).
    "urgent": ("sla_urgent_at", "number"),
}


def sort_queryset(queryset: QuerySet, sort: str) -> QuerySet:
    """Add what a sort orders by when it is not a column, then order."""
    if sort == "urgent":
        from okno.sla.ticket_list import annotate_urgency

        queryset = annotate_urgency(queryset)
    return queryset.order_by(*SORTS[sort])


def _parse_date(value: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


_FILTER = re.compile(r"^(?P<key>[a-z_]+)(?P<op>:|>=|<=|>|<)(?P<value>.*)$", re.IGNORECASE)


def _split(query: str) -> list[str]:
    try:
        return shlex.split(query)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return query.replace('"', " ").replace("'", " ").split()


def parse_query(query: str, user) -> ParsedQuery:
    """Turn the search box into filters; unknown keys stay as words."""
    result = ParsedQuery()
    words = []
    for token in _split(query or ""):
        m = _FILTER.match(token)
        if not m or not m.group("value"):
            words.append(token)
            continue
        key, op, value = m.group("key").lower(), m.group("op"), m.group("value")
        q = _filter_for(key, op, value, user)
        if q is None:
            if key in FILTER_KEYS or key == "sort":
                if key == "sort" and value in SORTS:
                    result.sort = value
                else:
                    result.errors.append(token)
            else:
                words.append(token)
        else:
            result.filters.append(q)
    result.text = " ".join(words)
    return result


def _is_ticket_number(value: str) -> bool:
    """ASCII digits within the 64-bit range of the column ("²" is a digit to str.isdigit)."""
    return value.isascii() and value.isdigit() and int(value) < 2**63


FILTER_KEYS = {
    "status",
    "state",
    "assignee",
    "group",
    "tag",
    "from",
    "priority",
    "category",
    "org",
    "organization",
    "created",
    "updated",
    "is",
    "channel",
    "number",
    "sla",
}


def _filter_for(key: str, op: str, value: str, user) -> Q | None:  # noqa: C901 - a flat table
    if key in ("created", "updated"):
        when = _parse_date(value)
        # A day at the edge of the calendar (9999-12-31) has no "next day" to compare to.
        if when is None or when.date() in (dt.date.min, dt.date.max):
            return None
        column = f"{key}_at"
        if op in (">", ">="):
            return Q(**{f"{column}__gte": when if op == ">=" else when + dt.timedelta(days=1)})
        if op in ("<", "<="):
            return Q(**{f"{column}__lt": when + dt.timedelta(days=1) if op == "<=" else when})
        return Q(**{f"{column}__gte": when, f"{column}__lt": when + dt.timedelta(days=1)})
    if op != ":":
        return None
    lowered = value.lower()
    if key in ("status", "state"):
        if lowered in StatusCategory.values:
            return Q(state=lowered)
        if lowered == "active":
            return Q(
                state__in=[
                    StatusCategory.NEW,
                    StatusCategory.OPEN,
                    StatusCategory.PENDING,
                    StatusCategory.ON_HOLD,
                ]
            )
        return Q(status__name__iexact=value)
    if key == "assignee":
        if lowered == "me":
            return Q(assignee_id=getattr(user, "pk", None))
        if lowered in ("none", "nobody"):
            return Q(assignee__isnull=True)
        return Q(assignee__email__iexact=value) | Q(assignee__name__iexact=value)
    if key == "group":
        if lowered == "none":
            return Q(group__isnull=True)
        return Q(group__name__iexact=value)
    if key == "tag":
        return Q(
            number__in=Ticket.tags.through.objects.filter(tag__name__iexact=value).values(
                "ticket_id"
            )
        )
    if key == "from":
        return (
            Q(contact__email__iexact=value) if "@" in value else Q(contact__name__icontains=value)
        )
    if key == "priority":
        try:
            return Q(priority=Priority.from_name(value))
        except KeyError:
            return None
    if key == "category":
        return Q(category__name__iexact=value)
    if key in ("org", "organization"):
        return Q(organization__name__iexact=value)
    if key == "channel":
        return Q(channel=lowered)
    if key == "number" and _is_ticket_number(value.lstrip("#")):
        return Q(number=int(value.lstrip("#")))
    if key == "sla":
        from okno.sla.ticket_list import sla_filter

        return sla_filter(value)
    if key == "is":
        return {
            "unassigned": Q(assignee__isnull=True),
            "mine": Q(assignee_id=getattr(user, "pk", None)),
            "open": Q(state__in=[StatusCategory.NEW, StatusCategory.OPEN]),
        }.get(lowered)
    return None


def search_tickets(queryset: QuerySet, query: str, user) -> tuple[QuerySet, ParsedQuery]:
    parsed = parse_query(query, user)
    for q in parsed.filters:
        queryset = queryset.filter(q)
    text = parsed.text.strip()
    if text.startswith("#") and _is_ticket_number(text[1:]):
        return queryset.filter(number=int(text[1:])), parsed
    return match_text(queryset, text), parsed

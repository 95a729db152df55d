"""Matching tickets against the full-text index, with a plan fit for the word.

Each ticket has one row of lemmas (`TicketSearchText`): SQLite mirrors it in an FTS5
table, PostgreSQL keeps its stripped tsvector in the stored column `document`
(migration 0004) with a GIN index. Either way the matches must meet the tickets'
order and the agent's scope, and how best to do that depends on the word:

- A rare word (a few hundred matches): read the matches from the index, fetch
  those tickets and sort them. Cheap, whatever the order.
- A common word (tens of thousands of matches at 100k tickets): fetching and sorting
  every match was most of a search's time. Instead, walk the tickets the query
  already narrows to (in the list's order, stopping at a page; a view's index,
  stopping at a count's cap) and check each against the index.

The databases do not choose well alone (FTS5 gives SQLite no estimate; PostgreSQL's
default costs price the per-ticket checks as disk reads and scan the whole index
table in ticket order instead), so we pick: fetching costs about one step per match;
walking, about PAGE_STEPS / (share of tickets that match) steps, PAGE_STEPS standing
for a page of 50 among the quarter of the tickets an agent typically sees. They cross
at matches = sqrt(PAGE_STEPS * tickets): ~4,500 matches at 100k tickets, ~1,400 at
10k. Either plan returns the same tickets; only the time differs.
"""

import math

from django.db import connection
from django.db.models import QuerySet

from okno.core.text import lemmas

PAGE_STEPS = 200
# On PostgreSQL a walked ticket's check (index probe, vector read: ~4 µs) costs about
# four times a fetched match.
PG_CHECK_COST = 4
# SQLite counts a word's matches up to this many (reading that much of the index
# costs well under a millisecond); more is common at any size worth a thought.
COMMON_MATCHES_CAP = 20_000


def match_text(queryset: QuerySet, text: str) -> QuerySet:
    """Tickets whose index holds every word of `text` (in any of its forms)."""
    terms = [t for t in dict.fromkeys(lemmas(text)) if t]
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        return _match_postgresql(queryset, " ".join(terms))
    return _match_sqlite(queryset, " ".join('"' + t.replace('"', "") + '"' for t in terms))


def _is_common(matches: float, tickets: float, check_cost: float = 1) -> bool:
    """`check_cost`: a walked ticket's check against a fetched match's cost."""
    return matches >= 1 and matches * matches >= PAGE_STEPS * check_cost * tickets


def _match_postgresql(queryset: QuerySet, words: str) -> QuerySet:
    if _pg_is_common(words):
        # OFFSET 0 keeps EXISTS a per-ticket check (a primary-key probe and a read of
        # the stored vector) instead of a join: as a join, the planner's default
        # costs preferred reading the whole index table in ticket order for a
        # capped count (50 ms for a common word at 100k tickets; checks: ~5 ms).
        return _where(
            queryset,
            "EXISTS (SELECT FROM tickets_ticketsearchtext"
            " WHERE ticket_id = tickets_ticket.number"
            " AND document @@ plainto_tsquery('simple', %s) OFFSET 0)",
            words,
        )
    return _where(
        queryset,
        "tickets_ticket.number IN (SELECT ticket_id FROM tickets_ticketsearchtext"
        " WHERE document @@ plainto_tsquery('simple', %s))",
        words,
    )


def _where(queryset: QuerySet, condition: str, param: str) -> QuerySet:
    """The match as raw SQL: the plan choices above have no ORM spelling. Every
    condition is a constant of this module; the words go as a parameter."""
    return queryset.extra(where=[condition], params=[param])  # noqa: S610


def _pg_is_common(words: str) -> bool:
    """From the planner's statistics (ANALYZE's most common words of `document` and
    their shares): a word missing from them is rare. Words are assumed independent,
    as the planner assumes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH q AS (SELECT lexeme FROM unnest(to_tsvector('simple', %s)))"
            " SELECT (SELECT COUNT(*) FROM q), COUNT(e.share), SUM(ln(e.share)),"
            " (SELECT reltuples FROM pg_class WHERE oid = 'tickets_ticketsearchtext'::regclass)"
            " FROM pg_stats s CROSS JOIN LATERAL unnest("
            "   s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, share)"
            " WHERE s.schemaname = current_schema() AND s.tablename = 'tickets_ticketsearchtext'"
            "   AND s.attname = 'document' AND e.lexeme IN (SELECT lexeme FROM q)",
            [words],
        )
        wanted, known, log_share, tickets = cursor.fetchone()
    if not wanted or known < wanted or not tickets or tickets < 0:
        return False
    return _is_common(math.exp(log_share) * tickets, tickets, PG_CHECK_COST)


def _match_sqlite(queryset: QuerySet, fts_query: str) -> QuerySet:
    # SQLite reads the matches of `IN (SELECT rowid ...)` into a set first. By the
    # primary key it then fetches each match and sorts them all (rare words); with
    # the unary `+` hiding the key from the planner it walks the tickets in the
    # list's order (or a view's index) and keeps those in the set (common words).
    matches = "IN (SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s)"
    key = "+tickets_ticket.number " if _fts_is_common(fts_query) else "tickets_ticket.number "
    return _where(queryset, key + matches, fts_query)


def _fts_is_common(fts_query: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM (SELECT rowid FROM tickets_ticket_fts"
            " WHERE tickets_ticket_fts MATCH %s LIMIT %s)),"
            " (SELECT MAX(ticket_id) FROM tickets_ticketsearchtext)",
            [fts_query, COMMON_MATCHES_CAP],
        )
        matches, tickets = cursor.fetchone()
    return matches >= COMMON_MATCHES_CAP or _is_common(matches, tickets or 0)

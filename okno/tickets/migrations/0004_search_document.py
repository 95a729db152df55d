"""PostgreSQL: a stored tsvector per ticket, with the GIN index on it.

The index was on the expression to_tsvector('simple', lemmas). Whenever the
planner checks candidate tickets one by one (the newest first, stopping at a page,
or a view's tickets for a capped count), that expression parsed each ticket's
whole text again: ~30 µs a row, 50 ms for a count of a common word at 100k
tickets. A stored vector is read, not parsed. It is a generated column, so every
write of `lemmas` (new ticket, reply, merge, split, re-index) keeps it exact
without code; `strip` drops word positions, which plainto_tsquery (an AND of
words) never reads, so the rows stay small. Filling it rewrites the table once.
SQLite keeps its FTS5 table as it is.
"""

from django.db import migrations

from okno.core.migration_sql import postgresql_only

PG_CREATE = [
    "ALTER TABLE tickets_ticketsearchtext ADD COLUMN document tsvector"
    " GENERATED ALWAYS AS (strip(to_tsvector('simple', lemmas))) STORED",
    "CREATE INDEX tickets_searchtext_document ON tickets_ticketsearchtext USING GIN (document)",
    "DROP INDEX IF EXISTS tickets_searchtext_gin",
    # Statistics for the new column now, so the planner can tell a common word from
    # a rare one before autovacuum comes by.
    "ANALYZE tickets_ticketsearchtext",
]
PG_DROP = [
    "CREATE INDEX IF NOT EXISTS tickets_searchtext_gin ON tickets_ticketsearchtext"
    " USING GIN (to_tsvector('simple', lemmas))",
    "DROP INDEX IF EXISTS tickets_searchtext_document",
    "ALTER TABLE tickets_ticketsearchtext DROP COLUMN IF EXISTS document",
]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_custom_channel")]

    operations = [postgresql_only(PG_CREATE, PG_DROP)]

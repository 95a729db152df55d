"""PostgreSQL: the title's own tsvector, kept by the same trigger, with a GIN index.

Search picks the articles to score from the index alone, titles first
(okno.kb.search._rank). Matching titles through the weighted search_vector would
need a weight-restricted query, which GIN answers only by re-reading each
candidate's whole vector; an expression index on to_tsvector(title_lemmas) lets
the planner parse titles row by row. A small stored vector has neither problem.
SQLite answers title-only matches from FTS5 as it is.
"""

from django.db import migrations

from okno.core.migration_sql import postgresql_only

VECTOR_FUNCTION = """CREATE OR REPLACE FUNCTION kb_searchtext_vector() RETURNS trigger AS $$
    BEGIN
      NEW.search_vector :=
        setweight(to_tsvector('simple', coalesce(NEW.title_lemmas, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(NEW.body_lemmas, '')), 'B');
      {title}
      RETURN NEW;
    END $$ LANGUAGE plpgsql"""
TITLE = "NEW.title_vector := to_tsvector('simple', coalesce(NEW.title_lemmas, ''));"

PG_CREATE = [
    "ALTER TABLE kb_kbsearchtext ADD COLUMN title_vector tsvector",
    VECTOR_FUNCTION.replace("{title}", TITLE),
    "UPDATE kb_kbsearchtext SET title_vector = to_tsvector('simple', coalesce(title_lemmas, ''))",
    "CREATE INDEX kb_searchtext_title_gin ON kb_kbsearchtext USING GIN (title_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS kb_searchtext_title_gin",
    VECTOR_FUNCTION.replace("{title}", ""),
    "ALTER TABLE kb_kbsearchtext DROP COLUMN IF EXISTS title_vector",
]


class Migration(migrations.Migration):
    dependencies = [("kb", "0004_kbimage_key")]

    operations = [postgresql_only(PG_CREATE, PG_DROP)]

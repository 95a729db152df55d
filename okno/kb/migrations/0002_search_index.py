"""The full-text index of published articles, per database.

SQLite: an external-content FTS5 table with two columns (title, body) kept in step
with kb_kbsearchtext by triggers; bm25() weighs the columns at query time.
PostgreSQL: a tsvector column Django does not know about, filled by a trigger
(title weight A, body weight B) so ranking reads it instead of re-parsing text,
with a GIN index on it.
"""

from django.db import migrations

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE kb_article_fts USING fts5("
    " title, body, content='kb_kbsearchtext', content_rowid='article_id', tokenize='unicode61')",
    "CREATE TRIGGER kb_fts_ai AFTER INSERT ON kb_kbsearchtext BEGIN"
    " INSERT INTO kb_article_fts(rowid, title, body) VALUES (new.article_id, new.title_lemmas, new.body_lemmas); END",
    "CREATE TRIGGER kb_fts_ad AFTER DELETE ON kb_kbsearchtext BEGIN"
    " INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body)"
    " VALUES('delete', old.article_id, old.title_lemmas, old.body_lemmas); END",
    "CREATE TRIGGER kb_fts_au AFTER UPDATE ON kb_kbsearchtext BEGIN"
    " INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body)"
    " VALUES('delete', old.article_id, old.title_lemmas, old.body_lemmas);"
    " INSERT INTO kb_article_fts(rowid, title, body) VALUES (new.article_id, new.title_lemmas, new.body_lemmas); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_fts_ai",
    "DROP TRIGGER IF EXISTS kb_fts_ad",
    "DROP TRIGGER IF EXISTS kb_fts_au",
    "DROP TABLE IF EXISTS kb_article_fts",
]
PG_INDEX = [
    "ALTER TABLE kb_kbsearchtext ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION kb_searchtext_vector() RETURNS trigger AS $$
    BEGIN
      NEW.search_vector :=
        setweight(to_tsvector('simple', coalesce(NEW.title_lemmas, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(NEW.body_lemmas, '')), 'B');
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER kb_searchtext_vector BEFORE INSERT OR UPDATE ON kb_kbsearchtext"
    " FOR EACH ROW EXECUTE FUNCTION kb_searchtext_vector()",
    "CREATE INDEX kb_searchtext_gin ON kb_kbsearchtext USING GIN (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS kb_searchtext_gin",
    "DROP TRIGGER IF EXISTS kb_searchtext_vector ON kb_kbsearchtext",
    "DROP FUNCTION IF EXISTS kb_searchtext_vector()",
    "ALTER TABLE kb_kbsearchtext DROP COLUMN IF EXISTS search_vector",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_FTS if vendor == "sqlite" else PG_INDEX if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else PG_DROP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]

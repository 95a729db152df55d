"""The full-text index (per database) and the six built-in statuses."""

from django.db import migrations

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5("
    " lemmas, content='tickets_ticketsearchtext', content_rowid='ticket_id', tokenize='unicode61')",
    "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets_ticketsearchtext BEGIN"
    " INSERT INTO tickets_ticket_fts(rowid, lemmas) VALUES (new.ticket_id, new.lemmas); END",
    "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets_ticketsearchtext BEGIN"
    " INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, lemmas) VALUES('delete', old.ticket_id, old.lemmas); END",
    "CREATE TRIGGER tickets_fts_au AFTER UPDATE ON tickets_ticketsearchtext BEGIN"
    " INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, lemmas) VALUES('delete', old.ticket_id, old.lemmas);"
    " INSERT INTO tickets_ticket_fts(rowid, lemmas) VALUES (new.ticket_id, new.lemmas); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_fts_ai", "DROP TRIGGER IF EXISTS tickets_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_fts_au", "DROP TABLE IF EXISTS tickets_ticket_fts",
]
PG_INDEX = (
    "CREATE INDEX tickets_searchtext_gin ON tickets_ticketsearchtext "
    "USING GIN (to_tsvector('simple', lemmas))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FTS:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS tickets_searchtext_gin")


STATUSES = [
    ("New", "new"), ("Open", "open"), ("Pending", "pending"),
    ("On hold", "on_hold"), ("Solved", "solved"), ("Closed", "closed"),
]


def create_statuses(apps, schema_editor):
    Status = apps.get_model("tickets", "Status")
    for position, (name, category) in enumerate(STATUSES):
        Status.objects.get_or_create(name=name, defaults={"category": category, "position": position * 10, "is_default": True})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(create_statuses, migrations.RunPython.noop),
    ]

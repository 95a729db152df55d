"""Wider (group, state, …) and (assignee, state, …) indexes: they also hold the other
scope and view columns, so the sidebar's capped counts read index entries only
(okno.tickets.selectors.view_counts). Same names, same leading columns: the list's
keyset pages use them as before.

SQLite drops an index's statistics with the index. Where the table had statistics
(someone ran ANALYZE), they are taken again for the new indexes: half-analyzed, the
planner would think the unanalyzed indexes very selective and sort whole views
instead of walking the list's index. Where it had none, it keeps none (ANALYZE of a
small new table would pin its row count at that size).
"""

from django.db import migrations, models


def refresh_sqlite_statistics(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'tickets_ticket' LIMIT 1")
        if cursor.fetchone() is not None:
            cursor.execute("ANALYZE tickets_ticket")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_search_document")]

    operations = [
        migrations.RemoveIndex(model_name="ticket", name="ticket_group_state_upd"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_assignee_state_upd"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=[
                    *("group", "state", "updated_at", "number"),
                    *("assignee", "priority", "is_deleted"),
                ],
                name="ticket_group_state_upd",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=[
                    *("assignee", "state", "updated_at", "number"),
                    *("group", "priority", "is_deleted"),
                ],
                name="ticket_assignee_state_upd",
            ),
        ),
        migrations.RunPython(refresh_sqlite_statistics, migrations.RunPython.noop),
    ]

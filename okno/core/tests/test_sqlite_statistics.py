from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.core.tasks import refresh_sqlite_statistics


def test_nightly_task_gives_sqlite_statistics_of_the_tickets(world):
    """On SQLite the task writes the planner's statistics of the tickets table; on
    PostgreSQL, whose autovacuum analyzes by itself, it sends no statement at all."""
    if connection.vendor != "sqlite":
        with CaptureQueriesContext(connection) as queries:
            refresh_sqlite_statistics.call_local()
        assert [q["sql"] for q in queries] == []
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    refresh_sqlite_statistics.call_local()
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'tickets_ticket'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"ticket_upd", "ticket_group_state_upd"} <= indexes

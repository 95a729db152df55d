import pytest
from django.db import connection

from okno.core.tasks import refresh_sqlite_statistics


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL analyzes by itself")
def test_nightly_task_gives_sqlite_statistics_of_the_tickets(world):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    refresh_sqlite_statistics.call_local()
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'tickets_ticket'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"ticket_upd", "ticket_group_state_upd"} <= indexes

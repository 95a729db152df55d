"""A cheaper end for transactional tests that leaves the database as Django's does.

Django ends a `transactional_db` test with `flush`: it empties every table, then sends
`post_migrate`, whose only receivers here (contenttypes and auth) write the content
types and permissions back, one query per app. That rewrite was most of the cost of
a transactional test's teardown. Tests do not change those two tables, so this
teardown empties every other table and leaves them as they are, which is the state
`post_migrate` would rebuild. The guard: their rows are compared with a snapshot, and
if a test did change them the teardown falls back to Django's own flush.
"""

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections
from django.test import TransactionTestCase

KEPT = ("django_content_type", "auth_permission")
SNAPSHOT_SQL = (
    "SELECT id, app_label, model FROM django_content_type ORDER BY id",
    "SELECT id, content_type_id, codename, name FROM auth_permission ORDER BY id",
)


def _snapshot(connection) -> tuple:
    with connection.cursor() as cursor:
        rows = []
        for sql in SNAPSHOT_SQL:
            cursor.execute(sql)
            rows.append(tuple(map(tuple, cursor.fetchall())))
    return tuple(rows)


class FastFlush:
    """Installed for the test session, once the test databases exist."""

    def __init__(self):
        self.original = TransactionTestCase._fixture_teardown
        self.snapshots = {c.alias: _snapshot(c) for c in connections.all()}
        self.tables: dict[str, list[str]] = {}

    def install(self) -> None:
        flush = self

        def _fixture_teardown(test_case):
            if test_case.available_apps is not None or test_case.serialized_rollback:
                return flush.original(test_case)  # Django's special cases, unchanged
            for alias in test_case._databases_names(include_mirrors=False):
                flush.flush(alias)

        TransactionTestCase._fixture_teardown = _fixture_teardown

    def uninstall(self) -> None:
        TransactionTestCase._fixture_teardown = self.original

    def flush(self, alias: str) -> None:
        connection = connections[alias]
        if _snapshot(connection) != self.snapshots[alias]:
            # A test changed them: Django's flush and post_migrate, as TransactionTestCase.
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                database=alias,
                reset_sequences=False,
                allow_cascade=False,
                inhibit_post_migrate=False,
            )
            self.snapshots[alias] = _snapshot(connection)
            return
        if alias not in self.tables:
            names = connection.introspection.django_table_names(
                only_existing=True, include_views=False
            )
            self.tables[alias] = sorted(set(names) - set(KEPT))
        tables = self.tables[alias]
        if connection.vendor == "postgresql":
            sql = _delete_filled(connection, tables)
        else:
            sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=False)
        connection.ops.execute_sql_flush(sql)


def _delete_filled(connection, tables: list[str]) -> list[str]:
    """DELETE the rows of the tables that have any, in one transaction (Django's
    foreign keys are checked at commit). TRUNCATE of all of them, which Django's flush
    sends, makes new files for every table and index: ~170 ms per test here, where a
    test fills a few tables. Neither resets sequences; no table has a DELETE trigger."""
    quote = connection.ops.quote_name  # names from Django's introspection, quoted
    probe = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608
        for i, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(probe)
        filled = [tables[i] for (i,) in cursor.fetchall()]
    return [f"DELETE FROM {quote(table)}" for table in filled]  # noqa: S608

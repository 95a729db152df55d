"""Shared fixtures: the named personas of STYLE.md, on a real database."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _queue_runs_tasks_inline():
    """Queued tasks run at once, in the test's thread, on the test's database
    (huey's immediate mode swaps its storage for memory)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL test sessions commit without waiting for the WAL to reach the disk
    (a test database need not survive a crash), which each commit otherwise waits
    for: migrations and transactional tests commit thousands of times."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.postgresql":
            options = db.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(autouse=True, scope="session")
def _cheap_transactional_flush(django_db_setup, django_db_blocker):
    """Transactional tests end by emptying the tables without rewriting the content
    types and permissions each time (see okno/tests/flush.py)."""
    from okno.tests.flush import FastFlush

    with django_db_blocker.unblock():
        flush = FastFlush()
    flush.install()
    yield
    flush.uninstall()


@pytest.fixture(autouse=True, scope="session")
def _connections_closed_before_teardown(django_db_setup, django_db_blocker):
    """Close every database connection before the test database is dropped, or the
    drop fails and the database is left behind. Threads of the tests (servers,
    consumers, workers) each hold a connection of their own, checked out of the
    PostgreSQL pool, which closing the pool does not close; so each connection made
    during the session is remembered and closed here, whichever thread made it."""
    import weakref

    from django.db import connections
    from django.db.backends.signals import connection_created

    opened = weakref.WeakSet()

    def remember(sender, connection, **kwargs):
        opened.add(connection)

    connection_created.connect(remember, weak=False, dispatch_uid="okno-tests-opened")
    yield
    connection_created.disconnect(dispatch_uid="okno-tests-opened")
    with django_db_blocker.unblock():
        for wrapper in list(opened):
            if wrapper.connection is not None:
                wrapper.connection.close()  # the raw connection: any thread may close it
                wrapper.connection = None
        for connection in connections.all():
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
            if connection.vendor == "postgresql":
                _refuse_and_end_sessions(connection)


def _refuse_and_end_sessions(connection):
    """A thread a test left running (a poller, a consumer) may still connect: the test
    database takes no more connections, and the server ends those still open, each
    named in a warning so the test that left it can be found."""
    import warnings

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(name)} ALLOW_CONNECTIONS false")
        cursor.execute(
            "SELECT application_name, state, query, pg_terminate_backend(pid)"
            " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        for app, state, query, _ended in cursor.fetchall():
            warnings.warn(
                f"a session on {name} was still open ({app} {state}: {query})", stacklevel=1
            )


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    # Argon2 is deliberately slow; tests log in often and prove nothing by it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def world(db):
    """Agents of groups A and B, a supervisor, an admin, a light agent and customers
    of two organizations, with one ticket per customer."""
    from okno.tests.personas import build_world

    return build_world()

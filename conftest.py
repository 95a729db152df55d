"""Shared fixtures: the named personas of STYLE.md, on a real database."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _queue_runs_tasks_inline():
    """Queued tasks run at once, in the test's thread, on the test's database
    (huey's immediate mode swaps its storage for memory)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture(autouse=True, scope="session")
def _pools_closed_before_teardown(django_db_setup, django_db_blocker):
    """PostgreSQL connection pools keep connections open; close them before the test
    database is dropped, or the drop fails and the database is left behind."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()


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

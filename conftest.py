"""Shared fixtures: the named personas of STYLE.md, on a real database."""

import os

import pytest

os.environ.setdefault("OKNO_QUEUE_IMMEDIATE", "1")


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

"""Fuzz every operation of the OpenAPI document: no input may cause a server error.

Schemathesis generates requests (valid and invalid) from /api/v1/openapi.json and
sends them through the real WSGI application with an administrator's token, so the
widest set of operations is reachable. Only `not_a_server_error` is checked: 4xx
answers to nonsense are the point.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from okno.accounts.models import ApiToken

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """The raw WSGI handler closes the database connection after each request,
    which would drop the test's transaction; Django's own test client avoids it
    the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_key(world, keep_test_connection):
    _token, key = ApiToken.issue(user=world.admin, name="fuzz")
    return key


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_server_errors(case, admin_key):
    response = case.call(headers={"Authorization": f"Token {admin_key}"})
    case.validate_response(response, checks=[not_a_server_error])

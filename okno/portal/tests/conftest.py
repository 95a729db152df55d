import re

import pytest

from okno.portal.auth import SESSION_KEY


def portal_login(client, contact):
    """Put a contact in the client's portal session, as a used magic link would."""
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client


def form_key(response) -> str:
    match = re.search(r'name="key" value="([^"]+)"', response.content.decode())
    assert match, "the request form carries an idempotency key"
    return match.group(1)


@pytest.fixture
def acme_client(client, world):
    return portal_login(client, world.customer_acme)

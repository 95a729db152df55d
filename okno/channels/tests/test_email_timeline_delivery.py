"""The agent's ticket page shows each outbound reply's delivery state: queued, sent,
retrying with the server's answer, failed with the server's answer."""

import pytest
from django.urls import reverse

from okno.channels.tests.test_outbound import (  # noqa: F401 - fixtures
    email_ticket,
    mailbox,
    reply,
    smtp,
)
from okno.tests.personas import PASSWORD


def _message_html(client, ticket, message) -> str:
    page = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()
    start = page.index(f'id="message-{message.pk}"')
    return page[start : page.index("</article>", start)]


@pytest.fixture
def agent_client(client, world):
    client.login(username=world.agent_a.email, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("answer", "state", "label", "error"),
    [
        ("", "sent", "Sent", ""),
        ("451 4.3.0 Try again later", "retrying", "Not sent yet, retrying", "Try again later"),
        ("550 5.1.1 Mailbox unavailable", "failed", "Not delivered", "Mailbox unavailable"),
    ],
)
def test_the_reply_shows_how_its_delivery_went(
    world,
    email_ticket,  # noqa: F811
    smtp,  # noqa: F811
    agent_client,
    django_capture_on_commit_callbacks,
    answer,
    state,
    label,
    error,
):
    smtp.data_answer = answer
    message = reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    assert message.delivery_state == state
    html = _message_html(agent_client, email_ticket, message)
    assert f'data-delivery="{state}"' in html and label in html
    if error:
        assert f'<p class="msg-delivery-error" role="status">{message.delivery_error}' in html
        assert error in html
    else:
        assert "msg-delivery-error" not in html


def test_a_reply_waiting_for_the_worker_shows_queued(world, email_ticket, agent_client):  # noqa: F811
    from okno.channels.outbound.delivery import delivery_for_reply
    from okno.tickets.services import ticket_reply

    # Made, but not yet tried: the worker has not taken the task.
    message = ticket_reply(ticket=email_ticket, actor=world.agent_a, body_text="Restart it.")
    delivery_for_reply(message)
    message.refresh_from_db()
    assert message.delivery_state == "queued"
    html = _message_html(agent_client, email_ticket, message)
    assert 'data-delivery="queued"' in html and "Queued for sending" in html
    assert "msg-delivery-error" not in html

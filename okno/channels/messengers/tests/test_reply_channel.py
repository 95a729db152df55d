"""An agent answers on another channel the contact has: the reply box's "Send via"
choices, and the reply reaching a simulated messenger or a real SMTP server."""

import pytest
from django.test import Client

from okno.channels.messengers.outbound import send_via_choices
from okno.channels.messengers.tests.test_custom import AppSimulator, message, post
from okno.channels.models import Connector, Conversation
from okno.channels.tests.outbound_smtp import start
from okno.contacts.models import Identity
from okno.tickets.models import Channel, DeliveryState, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app():
    with AppSimulator() as simulator:
        yield simulator


@pytest.fixture
def smtp(settings):
    controller, collector = start(settings)
    yield collector
    controller.stop()


@pytest.fixture
def connector(world, app):
    return Connector.objects.create(
        kind="custom", name="Our app", group=world.group_a, base_url=app.url
    )


@pytest.fixture
def ivan_in_app(world, connector):
    """Ivan (an email customer, ticket_a) also writes from the company app."""
    post(connector, {"messages": [message("m1", "Hi from the app", chat="chat-9")]})
    chat = Conversation.objects.get()
    app_contact = chat.contact
    Identity.objects.filter(contact=app_contact).update(contact=world.customer_acme)
    Conversation.objects.update(contact=world.customer_acme)
    Ticket.objects.filter(contact=app_contact).update(contact=world.customer_acme)
    return chat


def agent(world):
    client = Client()
    client.force_login(world.agent_a)
    return client


def reply(client, ticket, text, via=None, mode="reply"):
    data = {"mode": mode, "body": text}
    if via:
        data["channel"] = via
    return client.post(f"/tickets/{ticket.number}/reply/", data)


def test_the_choices_are_the_tickets_channel_email_and_live_chats(world, connector, ivan_in_app):
    assert send_via_choices(world.ticket_a) == [("email", "Email"), ("custom", "Custom channel")]
    app_ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    assert [k for k, _ in send_via_choices(app_ticket)] == ["custom", "email"]
    Conversation.objects.update(blocked=True)  # the customer blocked the app
    assert [k for k, _ in send_via_choices(world.ticket_a)] == ["email"]
    Conversation.objects.update(blocked=False)
    Connector.objects.update(active=False)
    assert [k for k, _ in send_via_choices(world.ticket_a)] == ["email"]


def test_the_reply_box_offers_send_via_only_with_a_choice(world, connector, ivan_in_app):
    client = agent(world)
    page = client.get(f"/tickets/{world.ticket_a.number}/").content.decode()
    assert "Send via" in page and '<option value="custom">Custom channel</option>' in page
    client.force_login(world.agent_b)  # Gleb has email only
    page = client.get(f"/tickets/{world.ticket_b.number}/").content.decode()
    assert "Send via" not in page


def test_an_email_ticket_is_answered_in_the_customers_app_chat(
    world, connector, ivan_in_app, app, smtp
):
    response = reply(agent(world), world.ticket_a, "Answered in the app", via="custom")
    assert response.status_code == 302
    sent = app.calls_to("/messages")
    assert len(sent) == 1 and sent[0].json()["chat_id"] == "chat-9"
    assert sent[0].json()["text"] == "Answered in the app"
    assert smtp.received == []  # not also by email
    answer = Message.objects.get(body_text="Answered in the app")
    assert answer.channel == Channel.CUSTOM and answer.delivery_state == DeliveryState.SENT
    page = agent(world).get(f"/tickets/{world.ticket_a.number}/").content.decode()
    assert '<span class="msg-channel">Custom channel</span>' in page  # which way it went


def test_an_app_ticket_is_answered_by_email(world, connector, ivan_in_app, app, smtp):
    app_ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    reply(agent(world), app_ticket, "Answered by mail", via="email")
    assert app.calls_to("/messages") == []
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail.rcpt_tos == ["ivan@acme.test"]
    assert "Answered by mail" in mail.message.get_body(("plain",)).get_content()
    answer = Message.objects.get(body_text="Answered by mail")
    assert answer.channel == Channel.EMAIL and answer.delivery_state == DeliveryState.SENT


def test_the_default_is_the_tickets_own_channel(world, connector, ivan_in_app, app, smtp):
    app_ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    reply(agent(world), app_ticket, "Same channel")
    assert len(app.calls_to("/messages")) == 1 and smtp.received == []


def test_a_channel_the_contact_lacks_is_refused_and_nothing_is_lost(world, connector, app):
    client = Client()
    client.force_login(world.agent_b)
    response = reply(client, world.ticket_b, "Via a bot", via="telegram")
    assert response.status_code == 422
    assert "Via a bot" in response.content.decode()  # the typed text is kept
    assert not Message.objects.filter(body_text="Via a bot").exists()


def test_an_internal_note_ignores_send_via(world, connector, ivan_in_app, app, smtp):
    reply(agent(world), world.ticket_a, "Just a note", via="custom", mode="note")
    note = Message.objects.get(body_text="Just a note")
    assert not note.public and note.channel == world.ticket_a.channel
    assert app.calls_to("/messages") == [] and smtp.received == []

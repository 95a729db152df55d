"""The live chat's HTTP side: tokens, origins, the raw-first intake with the widget's
message ids, uploads, polling, online / offline form and the email continuation."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from okno.assignment.services import agent_set_away
from okno.channels.messengers import chat
from okno.channels.models import (
    Connector,
    Conversation,
    Delivery,
    DeliveryStatus,
    EnvelopeState,
    InboundEnvelope,
)
from okno.channels.outbound.delivery import delivery_attempt
from okno.contacts.models import Identity, IdentityKind
from okno.tests.personas import PASSWORD
from okno.tickets.models import Channel, LinkKind, Ticket
from okno.tickets.services import ticket_link, ticket_reply
from okno.tickets.services.lifecycle import default_status, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example"


@pytest.fixture
def connector(world):
    return Connector.objects.create(
        kind="chat", name="Site chat", group=world.group_a, options={"origins": [SHOP + "/"]}
    )


class Visitor:
    """A widget on SHOP: the same requests the script makes."""

    def __init__(self, connector, origin=SHOP, ip="203.0.113.7"):
        self.connector = connector
        self.client = Client(HTTP_ORIGIN=origin, REMOTE_ADDR=ip)
        self.token = None
        self.count = 0

    def post(self, endpoint, data):
        return self.client.post(
            f"/chat/{self.connector.key}/{endpoint}/", json.dumps(data), content_type="text/plain"
        )

    def start(self, lang="en"):
        response = self.post("start", {"token": self.token, "lang": lang})
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def say(self, text, mid=None, **extra):
        self.count += 1
        mid = mid or f"msg-{self.count:08d}"
        return self.post("send", {"token": self.token, "id": mid, "text": text, **extra})

    def poll(self, after=0, before=0):
        return self.post("poll", {"token": self.token, "after": after, "before": before}).json()


@pytest.fixture
def visitor(connector):
    v = Visitor(connector)
    assert v.start().status_code == 200
    return v


def the_ticket():
    return Ticket.objects.get(channel=Channel.CHAT)


def test_a_visitor_message_opens_a_chat_ticket_in_the_connector_group(world, connector, visitor):
    response = visitor.say("My order is late\nnumber 42", name="Ann")
    assert response.status_code == 202 and response["Access-Control-Allow-Origin"] == SHOP
    ticket = the_ticket()
    assert ticket.subject == "My order is late" and ticket.group == world.group_a
    assert ticket.contact.name == "Ann"
    identity = Identity.objects.get(contact=ticket.contact, kind=IdentityKind.CHAT)
    visitor_id = chat.read_token(visitor.token)[1]
    assert identity.value == f"{connector.pk}:{visitor_id}"
    envelope = InboundEnvelope.objects.get(connector=connector)
    assert envelope.state == EnvelopeState.PROCESSED
    assert json.loads(envelope.raw_bytes())["text"].startswith("My order")


def test_a_resent_message_id_is_stored_once(world, connector, visitor):
    assert visitor.say("Hello", mid="a1b2c3d4e5").json()["duplicate"] is False
    assert visitor.say("Hello", mid="a1b2c3d4e5").json()["duplicate"] is True
    visitor.say("Second")
    assert [m.body_text for m in the_ticket().messages.order_by("id")] == ["Hello", "Second"]
    assert InboundEnvelope.objects.filter(connector=connector).count() == 2
    # Another visitor may use the same widget id: keys are per visitor.
    other = Visitor(connector)
    other.start()
    assert other.say("Hi", mid="a1b2c3d4e5").json()["duplicate"] is False


def test_a_reload_keeps_the_conversation(world, connector, visitor):
    visitor.say("First")
    again = visitor.start()
    assert again.json()["token"] == visitor.token
    assert [m["text"] for m in again.json()["messages"]] == ["First"]
    assert again.json()["messages"][0]["cid"] == "msg-00000001"


def test_a_returning_visitor_sees_the_earlier_tickets_of_the_conversation(
    world, connector, visitor
):
    visitor.say("First <script>alert(1)</script>")
    first = the_ticket()
    ticket_reply(ticket=first, actor=world.agent_a, body_text="Fixed <b>now</b>")
    ticket_reply(ticket=first, actor=world.agent_a, body_text="internal", public=False)
    ticket_update(ticket=first, actor=world.agent_a, changes={"status": default_status("closed")})
    visitor.say("Broken again")
    second = Ticket.objects.exclude(number=first.number).get(channel=Channel.CHAT)
    assert second.links_out.filter(target=first, kind=LinkKind.FOLLOW_UP).exists()
    # Another visitor's ticket an agent links as a "follow-up" stays theirs.
    other = Visitor(connector)
    other.start()
    other.say("Someone else's secret")
    theirs = Ticket.objects.exclude(number__in=[first.number, second.number]).get(
        channel=Channel.CHAT
    )
    ticket_link(source=first, target=theirs, actor=world.agent_a, kind=LinkKind.FOLLOW_UP)

    again = visitor.start().json()
    texts = [m["text"] for m in again["messages"]]
    # Plain text as typed: the widget sets it as textContent, never as markup.
    assert texts == ["First <script>alert(1)</script>", "Fixed <b>now</b>", "Broken again"]
    assert again["more"] is False
    assert [m["from"] for m in again["messages"]] == ["visitor", "agent", "visitor"]


def test_a_long_conversation_pages_back_from_the_newest(world, connector, visitor):
    visitor.say("one")
    ticket = the_ticket()
    for text in ("two", "three", "four", "five"):
        ticket_reply(ticket=ticket, actor=world.agent_a, body_text=text)
    conversation = chat_views_conversation(connector, visitor)
    newest = chat.history(conversation, limit=2)
    assert [m["text"] for m in newest["messages"]] == ["four", "five"] and newest["more"]
    older = chat.history(conversation, before=newest["messages"][0]["id"], limit=2)
    assert [m["text"] for m in older["messages"]] == ["two", "three"] and older["more"]
    oldest = chat.history(conversation, before=older["messages"][0]["id"], limit=2)
    assert [m["text"] for m in oldest["messages"]] == ["one"] and not oldest["more"]
    # Over HTTP: the page before a message id, and a poll after one is not paged back.
    polled = visitor.poll(before=newest["messages"][1]["id"])
    assert [m["text"] for m in polled["messages"]] == ["one", "two", "three", "four"]
    assert visitor.poll(after=newest["messages"][0]["id"])["messages"][0]["text"] == "five"


def test_the_history_costs_three_queries_whatever_its_tickets_and_messages(
    world, connector, visitor, django_assert_num_queries
):
    visitor.say("one")
    first = the_ticket()
    for n in range(5):
        ticket_reply(ticket=first, actor=world.agent_a, body_text=f"answer {n}")
    ticket_update(ticket=first, actor=world.agent_a, changes={"status": default_status("closed")})
    visitor.say("two")
    conversation = chat_views_conversation(connector, visitor)
    # The links, the messages, their attachments: the same for any number of tickets.
    with django_assert_num_queries(3):
        assert len(chat.history(conversation)["messages"]) == 7


def chat_views_conversation(connector, visitor):
    from okno.channels.messengers.chat_views import conversation_of

    return conversation_of(connector, chat.read_token(visitor.token)[1])


def test_other_origins_and_missing_origins_are_refused(world, connector):
    for origin in ("https://evil.example", "http://shop.example", ""):
        stranger = Visitor(connector, origin=origin)
        response = stranger.start()
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response
    assert InboundEnvelope.objects.count() == 0


def test_the_preflight_answers_the_allowed_origin(world, connector):
    response = Client(HTTP_ORIGIN=SHOP).options(f"/chat/{connector.key}/send/")
    assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == SHOP
    assert "Access-Control-Allow-Credentials" not in response


def test_forged_or_foreign_tokens_are_refused(world, connector, visitor):
    other = Connector.objects.create(kind="chat", name="Other", options={"origins": [SHOP]})
    foreign, _ = chat.new_visitor_token(other)
    for token in (visitor.token + "x", foreign, "", None):
        response = visitor.post("send", {"token": token, "id": "abcdefgh1", "text": "hi"})
        assert response.status_code == 401
    assert not Ticket.objects.filter(channel=Channel.CHAT).exists()


def test_an_unknown_or_disabled_widget_is_not_found(world, connector, visitor):
    connector.active = False
    connector.save()
    assert visitor.say("Hello").status_code == 404


def test_hostile_text_is_kept_as_plain_text_and_escaped_for_agents(world, connector, visitor):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    visitor.say(evil, name="<b>Bob</b>")
    ticket = the_ticket()
    message = ticket.messages.get()
    assert message.body_text == evil and "<script" not in message.body_html
    agent = Client()
    agent.login(email=world.agent_a.email, password=PASSWORD)
    page = agent.get(f"/tickets/{ticket.number}/").content.decode()
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)" in page
    assert "<b>Bob</b>" not in page


def test_visitors_are_rate_limited(world, connector, visitor):
    answers = [visitor.say(f"message {i}").status_code for i in range(chat_views_limit() + 1)]
    assert answers[:-1] == [202] * chat_views_limit() and answers[-1] == 429


def chat_views_limit():
    from okno.channels.messengers.chat_views import MESSAGES_PER_MINUTE

    return MESSAGES_PER_MINUTE


def test_an_upload_arrives_as_an_attachment(world, connector, visitor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    response = visitor.client.post(
        f"/chat/{connector.key}/upload/",
        {
            "token": visitor.token,
            "id": "upload-0001",
            "file": SimpleUploadedFile("shot.png", png, "image/png"),
        },
    )
    assert response.status_code == 202
    attachment = the_ticket().messages.get().attachments.get()
    assert attachment.filename == "shot.png" and attachment.file.read() == png


def test_the_agent_reply_reaches_the_poll_with_a_downloadable_file(world, connector, visitor):
    from okno.tickets.services import AttachmentInput

    visitor.say("Hello")
    ticket = the_ticket()
    reply = ticket_reply(
        ticket=ticket,
        actor=world.agent_a,
        body_text="Here is the manual",
        attachments=[
            AttachmentInput(filename="manual.txt", content_type="text/plain", data=b"RTFM")
        ],
    )
    note = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="secret", public=False)
    polled = visitor.poll()["messages"]
    assert [m["text"] for m in polled] == ["Hello", "Here is the manual"]
    assert note.pk not in [m["id"] for m in polled]
    agent_message = polled[1]
    assert agent_message["from"] == "agent" and agent_message["name"] == "Anna Agent"
    assert visitor.poll(after=agent_message["id"])["messages"] == []
    download = visitor.client.get(agent_message["files"][0]["url"].split("testserver")[-1])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"RTFM"
    assert "attachment" in download["Content-Disposition"]
    reply.refresh_from_db()
    assert reply.delivery_state == "sent" and reply.external_id == f"chat-{reply.pk}"


def test_a_file_link_of_another_visitor_is_not_found(world, connector, visitor):
    visitor.say("Hello")
    ticket = the_ticket()
    from okno.tickets.services import AttachmentInput

    ticket_reply(
        ticket=ticket,
        actor=world.agent_a,
        body_text="File",
        attachments=[AttachmentInput(filename="a.txt", content_type="text/plain", data=b"x")],
    )
    attachment_id = ticket.messages.get(body_text="File").attachments.get().pk
    forged = chat.file_link(connector, attachment_id, "somebody-else")
    assert visitor.client.get(forged.split("testserver")[-1]).status_code == 404


def test_a_file_link_expires(world, connector, visitor, time_machine):
    from okno.tickets.services import AttachmentInput

    time_machine.move_to(1_800_000_000, tick=False)
    visitor.say("Hello")
    ticket_reply(
        ticket=the_ticket(),
        actor=world.agent_a,
        body_text="File",
        attachments=[AttachmentInput(filename="a.txt", content_type="text/plain", data=b"x")],
    )
    url = visitor.poll()["messages"][1]["files"][0]["url"].split("testserver")[-1]
    time_machine.shift(chat.FILE_LINK_AGE - 60)
    assert visitor.client.get(url).status_code == 200
    time_machine.shift(120)
    assert visitor.client.get(url).status_code == 404
    # The widget's next poll signs a fresh link.
    fresh = visitor.poll()["messages"][1]["files"][0]["url"].split("testserver")[-1]
    assert fresh != url and visitor.client.get(fresh).status_code == 200


def test_online_means_a_present_agent_of_the_group_who_is_not_away(world, connector, visitor):
    assert visitor.start().json()["online"] is False
    chat.agent_seen(world.agent_b.pk)  # another group
    assert visitor.start().json()["online"] is False
    chat.agent_seen(world.agent_a.pk)
    assert visitor.start().json()["online"] is True
    agent_set_away(user=world.agent_a, away=True)
    assert visitor.start().json()["online"] is False


def test_the_offline_form_makes_a_ticket_answered_by_email(world, connector):
    visitor = Visitor(connector)
    form = {"id": "offline-001", "name": "Ann", "text": "Call me back", "lang": "en"}
    assert visitor.post("offline", {**form, "email": ""}).status_code == 400
    assert visitor.post("offline", {**form, "email": "not-an-email"}).status_code == 400
    assert visitor.post("offline", {**form, "email": "ann@shop.example"}).status_code == 202
    ticket = the_ticket()
    assert ticket.contact.email == "ann@shop.example" and ticket.group == world.group_a
    mail.outbox.clear()
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="We will call at 5")
    email = Delivery.objects.get(message=reply, channel="email")
    assert email.status == DeliveryStatus.SENT  # due at once (the queue runs inline here)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Ann <ann@shop.example>"]
    assert "We will call at 5" in mail.outbox[0].body


def test_the_offline_form_is_rate_limited_per_ip(world, connector):
    visitor = Visitor(connector, ip="198.51.100.9")
    codes = [
        visitor.post(
            "offline", {"id": f"off-{i:06d}", "email": "a@b.example", "text": "x"}
        ).status_code
        for i in range(6)
    ]
    assert codes == [202] * 5 + [429]


def test_a_reply_the_visitor_never_saw_goes_by_email_after_the_wait(world, connector, visitor):
    visitor.say("Hello", email="ann@shop.example", name="Ann")
    ticket = the_ticket()
    assert ticket.contact.email == "ann@shop.example"
    mail.outbox.clear()
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer for you")
    email = Delivery.objects.get(message=reply, channel="email")
    assert email.next_attempt_at > timezone.now() + dt.timedelta(minutes=4)
    delivery_attempt(email.pk)  # too early: not tried
    assert mail.outbox == []
    Delivery.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    delivery_attempt(email.pk)
    assert len(mail.outbox) == 1 and "Answer for you" in mail.outbox[0].body
    assert mail.outbox[0].to == ["Ann <ann@shop.example>"]


def test_a_reply_the_visitor_saw_sends_no_email(world, connector, visitor):
    visitor.say("Hello", email="ann@shop.example")
    reply = ticket_reply(ticket=the_ticket(), actor=world.agent_a, body_text="Seen in the chat")
    assert Delivery.objects.filter(message=reply, channel="email").exists()
    visitor.poll()
    assert not Delivery.objects.filter(message=reply, channel="email").exists()
    assert Delivery.objects.get(message=reply, channel="chat").status == DeliveryStatus.SENT


def test_without_an_email_the_reply_stays_in_the_chat(world, connector, visitor):
    visitor.say("Hello")
    reply = ticket_reply(ticket=the_ticket(), actor=world.agent_a, body_text="Only here")
    assert not Delivery.objects.filter(message=reply, channel="email").exists()


def test_an_email_of_another_contact_still_gets_the_reply_and_suggests_a_merge(
    world, connector, visitor
):
    known = world.customer_acme.email
    visitor.say("Hello", email=known)
    ticket = the_ticket()
    assert ticket.contact != world.customer_acme and not ticket.contact.email
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Hi")
    email = Delivery.objects.get(message=reply, channel="email")
    assert known in email.to[0]


def test_the_widget_script_is_served_for_any_site(world):
    response = Client().get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Client().get("/chat/secret.py").status_code == 404


def test_strings_follow_the_page_language(world, connector):
    visitor = Visitor(connector)
    english = visitor.post("start", {"lang": "en-GB"}).json()["strings"]
    assert english["send"] == "Send"
    assert visitor.post("start", {"lang": "de"}).json()["strings"] == english
    ukrainian = visitor.post("start", {"lang": "uk"}).json()["strings"]
    assert ukrainian["earlier"] == "Попередні повідомлення"


def test_the_conversation_row_is_the_visitor(world, connector, visitor):
    visitor.say("Hello")
    conversation = Conversation.objects.get(connector=connector)
    assert conversation.external_id == chat.read_token(visitor.token)[1]
    assert conversation.ticket == the_ticket()


def test_the_shared_webhook_url_takes_nothing_for_the_chat(world, connector):
    response = Client().post(
        f"/hooks/chat/{connector.key}/",
        json.dumps({"id": "x" * 10, "visitor": "v", "text": "forged"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert InboundEnvelope.objects.count() == 0


def test_a_deactivated_agent_is_not_online(world, connector, visitor):
    chat.agent_seen(world.agent_a.pk)
    world.agent_a.is_active = False
    world.agent_a.save()
    assert visitor.start().json()["online"] is False

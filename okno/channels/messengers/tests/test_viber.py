"""Viber bot connector against a local simulator of the Viber REST bot API."""

import pytest
from django.test import Client, override_settings

from okno.channels.messengers.tests.simulator import Reply
from okno.channels.messengers.tests.viber_sim import ViberSimulator, dumps, message, sign, status
from okno.channels.messengers.viber import ADAPTER, file_link
from okno.channels.models import (
    Connector,
    Conversation,
    Delivery,
    DeliveryStatus,
    EnvelopeState,
    InboundEnvelope,
)
from okno.channels.outbound.delivery import delivery_attempt
from okno.contacts.models import Identity
from okno.tickets.models import Channel, DeliveryState, Ticket
from okno.tickets.services import AttachmentInput, ticket_reply

pytestmark = pytest.mark.django_db(transaction=True)

USER = "01234567890A="


@pytest.fixture
def bot():
    with ViberSimulator() as simulator:
        yield simulator


@pytest.fixture
def connector(world, bot):
    return Connector.objects.create(
        kind="viber",
        name="Support bot",
        group=world.group_a,
        base_url=bot.url,
        token=bot.token,
        secret=bot.token,
    )


def post(connector, payload, *, signature=None):
    body = dumps(payload)
    headers = {}
    if signature is None:
        signature = sign(connector.token, body)
    if signature:
        headers["HTTP_X_VIBER_CONTENT_SIGNATURE"] = signature
    return Client().post(
        f"/hooks/viber/{connector.key}/", body, content_type="application/json", **headers
    )


def viber_ticket():
    return Ticket.objects.get(channel=Channel.VIBER)


def opened(connector):
    post(connector, message(1001, text="Hello"))
    return viber_ticket()


def test_a_text_message_opens_a_ticket_for_the_viber_identity(world, connector):
    assert post(connector, message(1001, text="My order is late")).status_code == 200
    ticket = viber_ticket()
    assert ticket.subject == "My order is late" and ticket.group == world.group_a
    assert ticket.contact.name == "Ann Lee" and ticket.contact.language == "ru"
    assert Identity.objects.filter(contact=ticket.contact, kind="viber", value=USER).exists()
    assert ticket.messages.get().external_id == "1001"
    assert Conversation.objects.get().external_id == USER


def test_duplicate_message_tokens_are_dropped(connector):
    post(connector, message(1001, text="One"))
    post(connector, message(1001, text="One"))
    post(connector, message(1002, text="Two"))
    assert [m.body_text for m in viber_ticket().messages.order_by("id")] == ["One", "Two"]
    assert InboundEnvelope.objects.filter(connector=connector).count() == 2


def test_pictures_and_files_are_downloaded_from_their_media_urls(connector, bot):
    bot.files["p.jpg"] = (b"\xff\xd8\xff jpeg", "image/jpeg")
    bot.files["r.pdf"] = (b"%PDF report", "application/pdf")
    post(connector, message(1, "picture", text="The dent", media=f"{bot.url}/media/p.jpg"))
    post(connector, message(2, "file", media=f"{bot.url}/media/r.pdf", file_name="report.pdf"))
    first, second = viber_ticket().messages.order_by("id")
    assert first.body_text == "The dent"
    picture = first.attachments.get()
    assert picture.content_type == "image/jpeg" and picture.file.read() == b"\xff\xd8\xff jpeg"
    document = second.attachments.get()
    assert document.filename == "report.pdf" and document.content_type == "application/pdf"


def test_a_redirected_media_url_is_followed(connector, bot):
    bot.files["p.jpg"] = (b"\xff\xd8\xff moved", "image/jpeg")
    bot.redirects["/share/p"] = "/media/p.jpg"
    post(connector, message(1, "picture", text="", media=f"{bot.url}/share/p"))
    assert viber_ticket().messages.get().attachments.get().file.read() == b"\xff\xd8\xff moved"


def test_contacts_locations_and_stickers_become_readable(connector, bot):
    bot.files["s.png"] = (b"\x89PNG sticker", "image/png")
    post(connector, message(1, "contact", contact={"name": "Bob", "phone_number": "+79160000000"}))
    post(connector, message(2, "location", location={"lat": 55.75, "lon": 37.61}))
    post(connector, message(3, "sticker", sticker_id=46105, media=f"{bot.url}/media/s.png"))
    first, second, third = viber_ticket().messages.order_by("id")
    assert "Bob" in first.body_text and "+79160000000" in first.body_text
    assert "mlat=55.75" in second.body_text
    assert third.attachments.get().filename == "sticker.png"


def test_bad_or_missing_signatures_are_refused_and_nothing_is_stored(connector, caplog):
    payload = message(1001)
    assert post(connector, payload, signature="").status_code == 401
    assert post(connector, payload, signature=sign("other", dumps(payload))).status_code == 403
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.VIBER).exists()
    assert "refused" in caplog.text


def test_service_events_are_answered_and_not_stored(connector):
    for event in ("webhook", "delivered", "seen", "failed"):
        payload = {"event": event, "timestamp": 1, "message_token": 77, "user_id": USER}
        assert post(connector, payload).status_code == 200
    started = {
        "event": "conversation_started",
        "timestamp": 1,
        "message_token": 78,
        "type": "open",
        "user": {"id": USER, "name": "Ann", "language": "ru"},
        "subscribed": False,
    }
    response = post(connector, started)
    assert response.status_code == 200 and response.content == b""
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.VIBER).exists()


def test_conversation_started_answers_the_welcome_in_the_users_language(connector):
    connector.options = {"welcome": {"en": "Hi!", "ru": "Здравствуйте!"}}
    connector.save()
    started = {
        "event": "conversation_started",
        "message_token": 78,
        "user": {"id": USER, "language": "ru-RU"},
    }
    answer = post(connector, started).json()
    assert answer == {"sender": {"name": "Support bot"}, "type": "text", "text": "Здравствуйте!"}
    assert not Ticket.objects.filter(channel=Channel.VIBER).exists()


def test_unsubscribing_blocks_the_chat_and_subscribing_unblocks_it(connector):
    opened(connector)
    post(connector, {"event": "unsubscribed", "timestamp": 2, "user_id": USER, "message_token": 9})
    assert Conversation.objects.get().blocked
    subscribed = {"event": "subscribed", "user": {"id": USER}, "message_token": 10}
    post(connector, subscribed)
    assert not Conversation.objects.get().blocked
    kinds = InboundEnvelope.objects.filter(connector=connector).values_list("state", flat=True)
    assert sorted(kinds) == [EnvelopeState.IGNORED, EnvelopeState.IGNORED, EnvelopeState.PROCESSED]


def test_a_reply_goes_out_with_the_auth_token(world, connector, bot):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="We are on it")
    (sent,) = bot.sends()
    assert sent["receiver"] == USER and sent["type"] == "text" and sent["text"] == "We are on it"
    assert sent["sender"] == {"name": "Support bot"}
    assert bot.calls_to("/pa/send_message")[0].headers["X-Viber-Auth-Token"] == bot.token
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.external_id == "5001"


def test_files_go_out_as_signed_links_viber_can_fetch(world, connector, bot):
    ticket = opened(connector)
    files = [
        AttachmentInput(
            filename="shot.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xe0 shot"
        ),
        AttachmentInput(filename="terms.pdf", content_type="application/pdf", data=b"%PDF terms"),
    ]
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="", attachments=files)
    picture, document = bot.sends()
    assert picture["type"] == "picture" and picture["text"] == ""
    assert document["type"] == "file" and document["file_name"] == "terms.pdf"
    assert document["size"] == len(b"%PDF terms")
    path = document["media"].split("://", 1)[1].split("/", 1)[1]
    served = Client().get("/" + path)
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF terms"
    assert served["Content-Disposition"].startswith("attachment")
    assert Client().get("/" + path[:-3] + "xyz").status_code == 404  # a forged link
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT


def test_a_link_signed_for_another_connector_serves_nothing(world, connector, bot):
    other = Connector.objects.create(kind="viber", name="Other", token="t", secret="t")
    ticket = opened(connector)
    files = [AttachmentInput(filename="a.pdf", content_type="application/pdf", data=b"%PDF")]
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="x", attachments=files)
    link = file_link(other, reply.attachments.get())
    query = link.split("?", 1)[1]
    assert Client().get(f"/hooks/viber/{connector.key}/?{query}").status_code == 404


def refused(world, connector, bot, failure):
    ticket = opened(connector)
    bot.fail_next(failure)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    return reply


def test_a_rate_limit_retries_and_the_retry_succeeds(world, connector, bot):
    reply = refused(world, connector, bot, status(12, "tooManyRequests"))
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and "slow down" in reply.delivery_error
    assert (delivery.next_attempt_at - delivery.created_at).total_seconds() >= 55
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    delivery_attempt(delivery.pk)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and len(bot.sends()) == 2


def test_an_unsubscribed_user_blocks_the_chat(world, connector, bot):
    reply = refused(world, connector, bot, status(6, "receiverNotSubscribed"))
    assert reply.delivery_state == DeliveryState.FAILED and "unsubscribed" in reply.delivery_error
    assert Conversation.objects.get().blocked


def test_other_statuses_fail_for_good(world, connector, bot):
    reply = refused(world, connector, bot, status(5, "receiverNotRegistered"))
    assert reply.delivery_state == DeliveryState.FAILED and "receiverNotRegistered" in (
        reply.delivery_error
    )
    assert Delivery.objects.get(message=reply).attempts == 1
    assert not Conversation.objects.get().blocked


@override_settings(BASE_URL="https://desk.example.com")
def test_set_webhook_points_viber_at_our_https_address(connector, bot):
    ADAPTER.on_connector_saved(connector)
    (call,) = bot.calls_to("/pa/set_webhook")
    assert call.json()["url"] == f"https://desk.example.com/hooks/viber/{connector.key}/"
    assert "conversation_started" in call.json()["event_types"]


@override_settings(BASE_URL="http://127.0.0.1:8000")
def test_no_webhook_is_set_on_a_plain_http_address(connector, bot):
    ADAPTER.on_connector_saved(connector)
    assert bot.calls_to("/pa/set_webhook") == []


def test_a_viber_id_starting_with_plus_is_an_id_not_a_phone_number(connector):
    # Viber ids are base64: about one in 64 starts with "+".
    assert post(connector, message(1002, text="Hi", user="+AbCdEf0123==")).status_code == 200
    ticket = viber_ticket()
    assert Identity.objects.filter(contact=ticket.contact, kind="viber", value="+AbCdEf0123==")
    assert InboundEnvelope.objects.get().state == EnvelopeState.PROCESSED


def test_a_retry_after_a_failure_half_way_sends_only_the_parts_not_sent(world, connector, bot):
    from okno.channels.messengers.viber import TEXT_LIMIT

    ticket = opened(connector)
    text = "a" * TEXT_LIMIT + "b" * 10
    bot.fail_next(None, Reply(503, b"busy"))  # the second part
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text=text)
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and delivery.parts_sent == ["5001"]
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert delivery_attempt(delivery.pk).status == DeliveryStatus.SENT
    texts = [s["text"] for s in bot.sends()]
    assert texts == ["a" * TEXT_LIMIT, "b" * 10, "b" * 10]  # the failed one, then the retry
    reply.refresh_from_db()
    assert reply.external_id == "5002"

"""VK community messages against a local simulator of the VK API."""

import pytest
from django.test import Client

from okno.channels.messengers.tests.simulator import Reply
from okno.channels.messengers.tests.vk_sim import (
    GROUP_ID,
    VkSimulator,
    dumps,
    error,
    event,
    message_new,
)
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

SECRET = "vk-callback-secret"


@pytest.fixture
def vk():
    with VkSimulator() as simulator:
        yield simulator


@pytest.fixture
def connector(world, vk):
    return Connector.objects.create(
        kind="vk",
        name="Community",
        group=world.group_a,
        base_url=vk.url,
        token=vk.token,
        secret=SECRET,
        options={"group_id": GROUP_ID, "confirmation_code": "a1b2c3d4"},
    )


def post(connector, payload):
    return Client().post(
        f"/hooks/vk/{connector.key}/", dumps(payload), content_type="application/json"
    )


def vk_ticket():
    return Ticket.objects.get(channel=Channel.VK)


def opened(connector):
    post(connector, message_new(1, "Hello", secret=SECRET))
    return vk_ticket()


def test_the_confirmation_request_gets_the_code_as_plain_text(connector):
    response = post(connector, event("confirmation", {}, secret=SECRET))
    assert response.status_code == 200 and response.content == b"a1b2c3d4"
    assert response["Content-Type"].startswith("text/plain")
    assert InboundEnvelope.objects.count() == 0


def test_a_message_opens_a_ticket_named_from_users_get(world, connector, vk):
    response = post(connector, message_new(1, "Где мой заказ?", secret=SECRET))
    assert response.status_code == 200 and response.content == b"ok"
    ticket = vk_ticket()
    assert ticket.subject == "Где мой заказ?" and ticket.group == world.group_a
    assert ticket.contact.name == "Ann Lee"
    assert Identity.objects.filter(contact=ticket.contact, kind="vk", value="501").exists()
    assert ticket.messages.get().external_id == "501:1"
    assert Conversation.objects.get().external_id == "501"
    post(connector, message_new(2, "Ещё", secret=SECRET))
    assert len(vk.calls_to("/method/users.get")) == 1  # a named contact needs no lookup


def test_repeated_events_are_dropped(connector):
    post(connector, message_new(1, "One", secret=SECRET))
    post(connector, message_new(1, "One", secret=SECRET))  # VK retries without our "ok"
    without_event_id = message_new(2, "Two", secret=SECRET)
    del without_event_id["event_id"]
    post(connector, without_event_id)
    post(connector, without_event_id)
    assert [m.body_text for m in vk_ticket().messages.order_by("id")] == ["One", "Two"]
    assert InboundEnvelope.objects.filter(connector=connector).count() == 2


def test_photos_documents_and_voice_messages_are_downloaded(connector, vk):
    vk.files["big.jpg"] = (b"\xff\xd8\xff\xe0 big", "image/jpeg")
    vk.files["small.jpg"] = (b"\xff\xd8\xff\xe0 small", "image/jpeg")
    vk.files["act.pdf"] = (b"%PDF act", "application/pdf")
    vk.files["v.ogg"] = (b"OggS voice", "audio/ogg")
    attachments = [
        {
            "type": "photo",
            "photo": {
                "sizes": [
                    {"type": "s", "url": f"{vk.url}/media/small.jpg", "width": 75, "height": 50},
                    {"type": "z", "url": f"{vk.url}/media/big.jpg", "width": 1080, "height": 720},
                ]
            },
        },
        {"type": "doc", "doc": {"title": "act", "ext": "pdf", "url": f"{vk.url}/media/act.pdf"}},
        {"type": "audio_message", "audio_message": {"link_ogg": f"{vk.url}/media/v.ogg"}},
        {"type": "video", "video": {"id": 1}},
    ]
    geo = {"coordinates": {"latitude": 59.93, "longitude": 30.31}, "place": {"title": "SPb"}}
    post(connector, message_new(1, "See", secret=SECRET, attachments=attachments, geo=geo))
    message = vk_ticket().messages.get()
    files = {a.filename: a.file.read() for a in message.attachments.all()}
    assert files == {
        "photo.jpg": b"\xff\xd8\xff\xe0 big",
        "act.pdf": b"%PDF act",
        "voice.ogg": b"OggS voice",
    }
    assert "video" in message.body_text and "mlat=59.93" in message.body_text


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(connector, caplog):
    assert post(connector, message_new(1, secret="guess")).status_code == 403
    payload = message_new(1, secret=SECRET)
    del payload["secret"]
    assert post(connector, payload).status_code == 403
    assert post(connector, event("confirmation", {}, secret="guess")).status_code == 403
    response = Client().post(f"/hooks/vk/{connector.key}/", b"not json", content_type="text/plain")
    assert response.status_code == 403
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.VK).exists()
    assert "refused" in caplog.text


def test_other_events_are_answered_ok_and_not_stored(connector):
    response = post(connector, event("message_typing_state", {"from_id": 501}, secret=SECRET))
    assert response.status_code == 200 and response.content == b"ok"
    assert InboundEnvelope.objects.count() == 0


def test_message_deny_blocks_the_chat_and_allow_unblocks_it(connector):
    opened(connector)
    post(connector, event("message_deny", {"user_id": 501}, secret=SECRET, event_id="d1"))
    assert Conversation.objects.get().blocked
    post(connector, event("message_allow", {"user_id": 501}, secret=SECRET, event_id="a1"))
    assert not Conversation.objects.get().blocked
    states = InboundEnvelope.objects.filter(connector=connector).values_list("state", flat=True)
    assert sorted(states) == [EnvelopeState.IGNORED, EnvelopeState.IGNORED, EnvelopeState.PROCESSED]


def test_a_reply_is_sent_with_the_delivery_as_random_id(world, connector, vk):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Уже разбираемся")
    (sent,) = vk.sent()
    delivery = Delivery.objects.get(message=reply)
    assert sent["peer_id"] == "501" and sent["message"] == "Уже разбираемся"
    assert sent["random_id"] == str(delivery.pk * 8) and sent["v"] == "5.199"
    assert sent["access_token"] == vk.token
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.external_id == "100"


def test_files_are_uploaded_and_attached(world, connector, vk):
    ticket = opened(connector)
    files = [
        AttachmentInput(
            filename="shot.png", content_type="image/png", data=b"\x89PNG\r\n\x1a\nshot"
        ),
        AttachmentInput(filename="terms.pdf", content_type="application/pdf", data=b"%PDF terms"),
    ]
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Files", attachments=files)
    assert len(vk.uploads) == 2 and b"shot" in vk.uploads[0] and b'name="photo"' in vk.uploads[0]
    assert b'name="file"' in vk.uploads[1]
    (sent,) = vk.sent()
    assert sent["attachment"] == f"photo-{GROUP_ID}_457_k9,doc-{GROUP_ID}_88"
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT


def test_a_long_reply_goes_in_parts_with_their_own_random_ids(world, connector, vk):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="x" * 5000)
    first, second = vk.sent()
    base = Delivery.objects.get(message=reply).pk * 8
    assert (first["random_id"], second["random_id"]) == (str(base), str(base + 1))
    assert len(first["message"]) == 4096 and len(second["message"]) == 904


def refused(world, connector, vk, *failures):
    ticket = opened(connector)
    vk.fail_next(*failures)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    return reply


@pytest.mark.parametrize("code", [6, 9, 29])
def test_rate_limits_retry_and_the_retry_succeeds(world, connector, vk, code):
    reply = refused(world, connector, vk, Reply(200, error(code, "Too many requests")))
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and "slow down" in reply.delivery_error
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    delivery_attempt(delivery.pk)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    assert len(vk.messages) == 1


def test_a_retry_after_a_lost_answer_is_not_sent_twice(world, connector, vk):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Once")
    delivery = Delivery.objects.get(message=reply)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=delivery.created_at
    )  # as if our record of the first try had been lost
    delivery_attempt(delivery.pk)
    assert len(vk.sent()) == 2 and len(vk.messages) == 1


@pytest.mark.parametrize("code", [901, 902])
def test_a_user_who_forbids_messages_blocks_the_chat(world, connector, vk, code):
    reply = refused(world, connector, vk, Reply(200, error(code, "Can't send messages")))
    assert reply.delivery_state == DeliveryState.FAILED and str(code) in reply.delivery_error
    assert Conversation.objects.get().blocked


def test_other_errors_fail_for_good(world, connector, vk):
    reply = refused(world, connector, vk, Reply(200, error(100, "One of the parameters")))
    assert reply.delivery_state == DeliveryState.FAILED and "100" in reply.delivery_error
    assert Delivery.objects.get(message=reply).attempts == 1
    assert not Conversation.objects.get().blocked

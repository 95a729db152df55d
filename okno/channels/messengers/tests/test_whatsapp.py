"""WhatsApp Cloud API connector against a local simulator of the Graph API."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from okno.channels.messengers.tests.whatsapp_sim import (
    WhatsAppSimulator,
    contact,
    dumps,
    error,
    sign,
    text,
    webhook,
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

WA_ID = "79161234567"


@pytest.fixture
def graph():
    with WhatsAppSimulator() as simulator:
        yield simulator


@pytest.fixture
def connector(world, graph):
    return Connector.objects.create(
        kind="whatsapp",
        name="Support number",
        group=world.group_a,
        base_url=graph.url,
        token=graph.token,
        secret="app-secret",
        options={"phone_number_id": graph.phone_number_id, "verify_token": "verify-me"},
    )


def post(connector, payload, *, signature=None):
    body = dumps(payload)
    headers = {}
    if signature is None:
        signature = sign(connector.secret, body)
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return Client().post(
        f"/hooks/whatsapp/{connector.key}/", body, content_type="application/json", **headers
    )


def opened(connector, body="Hello"):
    post(connector, webhook([text("wamid.in-1", body)], contacts=[contact()]))
    return Ticket.objects.get(channel=Channel.WHATSAPP)


def test_the_verify_challenge_echoes_only_for_the_right_token(connector):
    url = f"/hooks/whatsapp/{connector.key}/"
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    good = Client().get(url, {**query, "hub.verify_token": "verify-me"})
    assert good.status_code == 200 and good.content == b"1158201444"
    assert Client().get(url, {**query, "hub.verify_token": "guess"}).status_code == 403
    assert Client().get(url, {"hub.challenge": "1"}).status_code == 403


def test_a_text_message_opens_a_ticket_for_the_whatsapp_identity(world, connector):
    response = post(connector, webhook([text("wamid.in-1", "Order 42 is late")], [], [contact()]))
    assert response.status_code == 200
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    assert ticket.subject == "Order 42 is late" and ticket.group == world.group_a
    assert ticket.contact.name == "Ann Lee"
    assert Identity.objects.filter(contact=ticket.contact, kind="whatsapp", value="+79161234567")
    assert ticket.messages.get().external_id == "wamid.in-1"
    assert Conversation.objects.get().external_id == WA_ID


def test_several_messages_in_one_body_are_split_and_duplicates_dropped(connector):
    body = webhook([text("wamid.a", "One"), text("wamid.b", "Two")], contacts=[contact()])
    post(connector, body)
    post(connector, body)  # Meta retries what it thinks we missed
    post(connector, webhook([text("wamid.b", "Two")]))
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    assert [m.body_text for m in ticket.messages.order_by("id")] == ["One", "Two"]
    assert InboundEnvelope.objects.filter(connector=connector).count() == 2


def test_media_is_fetched_by_id_with_the_token(connector, graph):
    graph.media["media-7"] = (b"\xff\xd8\xff\xe0 jpeg bytes", "image/jpeg")
    graph.media["media-8"] = (b"%PDF-1.7 invoice", "application/pdf")
    image = {
        "from": WA_ID,
        "id": "wamid.img",
        "type": "image",
        "image": {"id": "media-7", "mime_type": "image/jpeg", "caption": "Broken box"},
    }
    document = {
        "from": WA_ID,
        "id": "wamid.doc",
        "type": "document",
        "document": {"id": "media-8", "mime_type": "application/pdf", "filename": "invoice.pdf"},
    }
    post(connector, webhook([image, document], contacts=[contact()]))
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    first, second = ticket.messages.order_by("id")
    assert first.body_text == "Broken box"
    shot = first.attachments.get()
    assert shot.content_type == "image/jpeg" and shot.filename.startswith("image")
    assert shot.file.read() == b"\xff\xd8\xff\xe0 jpeg bytes"
    assert second.attachments.get().filename == "invoice.pdf"
    assert all(c.headers["Authorization"] == "Bearer wa-token" for c in graph.calls)
    assert len(graph.calls_to("/download/media-7")) == 1


def test_a_media_download_failure_keeps_the_envelope_for_a_retry(connector, graph):
    image = {"from": WA_ID, "id": "wamid.img", "type": "image", "image": {"id": "media-9"}}
    post(connector, webhook([image]))  # the simulator does not know media-9
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == EnvelopeState.FAILED and "404" in envelope.error
    assert not Ticket.objects.filter(channel=Channel.WHATSAPP).exists()


def test_location_and_shared_contacts_become_text(connector):
    location = {
        "from": WA_ID,
        "id": "wamid.loc",
        "type": "location",
        "location": {"latitude": 55.75, "longitude": 37.61, "name": "Office"},
    }
    card = {
        "from": WA_ID,
        "id": "wamid.card",
        "type": "contacts",
        "contacts": [{"name": {"formatted_name": "Bob"}, "phones": [{"phone": "+7 916 000"}]}],
    }
    post(connector, webhook([location, card]))
    texts = [
        m.body_text for m in Ticket.objects.get(channel=Channel.WHATSAPP).messages.order_by("id")
    ]
    assert "Office" in texts[0] and "mlat=55.75" in texts[0]
    assert "Bob" in texts[1] and "+7 916 000" in texts[1]


def test_missing_or_wrong_signatures_are_refused_and_nothing_is_stored(connector, caplog):
    payload = webhook([text("wamid.in-1")])
    assert post(connector, payload, signature="").status_code == 401
    assert post(connector, payload, signature=sign("other", dumps(payload))).status_code == 403
    assert post(connector, payload, signature="sha1=abc").status_code == 403
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.WHATSAPP).exists()
    assert "refused" in caplog.text


def test_a_reply_goes_out_as_text_and_is_marked_sent(world, connector, graph):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="We are on it")
    sends = graph.sends()
    assert sends == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "text",
            "text": {"body": "We are on it"},
        }
    ]
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.external_id == "wamid.out-1"


def test_files_are_uploaded_then_sent_by_id(world, connector, graph):
    ticket = opened(connector)
    files = [
        AttachmentInput(filename="label.png", content_type="image/png", data=b"\x89PNG label"),
        AttachmentInput(filename="terms.pdf", content_type="application/pdf", data=b"%PDF terms"),
    ]
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="See", attachments=files)
    assert len(graph.uploads) == 2 and b"\x89PNG label" in graph.uploads[0]
    assert b'name="messaging_product"' in graph.uploads[0]
    sends = graph.sends()
    assert [s["type"] for s in sends] == ["text", "image", "document"]
    assert sends[1]["image"] == {"id": "up-1"}
    assert sends[2]["document"] == {"id": "up-2", "filename": "terms.pdf"}
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT


def test_a_retry_after_a_failure_half_way_sends_only_the_parts_not_sent(world, connector, graph):
    ticket = opened(connector)
    files = [
        AttachmentInput(filename="label.png", content_type="image/png", data=b"\x89PNG label"),
        AttachmentInput(filename="terms.pdf", content_type="application/pdf", data=b"%PDF terms"),
    ]
    # text, upload, image, upload: fine; the document's send fails.
    graph.fail_next(None, None, None, None, error(2, 503, "temporarily unavailable"))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="See", attachments=files)
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and len(delivery.parts_sent) == 2
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert delivery_attempt(delivery.pk).status == DeliveryStatus.SENT
    assert [s["type"] for s in graph.sends()] == ["text", "image", "document", "document"]
    assert len(graph.uploads) == 3  # the picture was not uploaded again
    reply.refresh_from_db()
    assert reply.external_id == Delivery.objects.get(pk=delivery.pk).parts_sent[-1]


@pytest.mark.parametrize(
    "failure", [error(131056, 400), error(130429, 429, **{"Retry-After": "900"})]
)
def test_a_rate_limit_waits_and_the_retry_succeeds(world, connector, graph, failure):
    ticket = opened(connector)
    graph.fail_next(failure)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    delivery = Delivery.objects.get(message=reply)
    reply.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert reply.delivery_state == DeliveryState.RETRYING and "slow down" in reply.delivery_error
    assert (delivery.next_attempt_at - delivery.created_at).total_seconds() >= 55
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    delivery_attempt(delivery.pk)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    assert len(graph.sends()) == 2


def refused(world, connector, graph, failure):
    """An agent's reply whose first try the provider refuses with `failure`."""
    ticket = opened(connector)
    graph.fail_next(failure)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    return reply


def test_a_server_error_retries(world, connector, graph):
    reply = refused(world, connector, graph, error(2, 503, "temporarily unavailable"))
    assert reply.delivery_state == DeliveryState.RETRYING and "503" in reply.delivery_error


def test_an_undeliverable_number_blocks_the_chat(world, connector, graph):
    reply = refused(world, connector, graph, error(131026, 400, "Message undeliverable"))
    assert reply.delivery_state == DeliveryState.FAILED and "cannot deliver" in reply.delivery_error
    assert Conversation.objects.get().blocked


def test_the_providers_window_error_fails_with_the_window_message(world, connector, graph):
    reply = refused(world, connector, graph, error(131047, 400, "Re-engagement message"))
    assert reply.delivery_state == DeliveryState.FAILED and "24-hour" in reply.delivery_error
    assert Delivery.objects.get(message=reply).status == DeliveryStatus.FAILED
    assert not Conversation.objects.get().blocked


def _close_window():
    Conversation.objects.update(last_inbound_at=timezone.now() - dt.timedelta(hours=25))


def test_outside_the_window_without_a_template_the_reply_fails_and_nothing_is_sent(
    world, connector, graph
):
    ticket = opened(connector)
    _close_window()
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Late answer")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED
    assert "window is closed" in reply.delivery_error and "template" in reply.delivery_error
    assert graph.sends() == []


def test_outside_the_window_a_template_with_a_parameter_carries_the_reply(world, connector, graph):
    connector.options["templates"] = {
        "ru": "followup_ru",
        "en_US": {"name": "reply_en", "body_parameter": True},
    }
    connector.save()
    ticket = opened(connector)
    _close_window()
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Fixed.\n\nThanks!")
    (sent,) = graph.sends()
    assert sent["type"] == "template"
    assert sent["template"] == {
        "name": "reply_en",
        "language": {"code": "en_US"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Fixed. Thanks!"}]}
        ],
    }
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT


def test_outside_the_window_a_plain_template_goes_out_and_the_reply_says_it_did_not(
    world, connector, graph
):
    connector.options["templates"] = {"ru": "followup_ru", "en": "followup_en"}
    connector.save()
    ticket = opened(connector)
    ticket.contact.language = "ru"
    ticket.contact.save()
    _close_window()
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Late answer")
    (sent,) = graph.sends()
    assert sent["template"] == {"name": "followup_ru", "language": {"code": "ru"}}
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED
    assert "followup_ru" in reply.delivery_error and "again" in reply.delivery_error
    delivery_attempt(Delivery.objects.get(message=reply).pk)  # permanent: no second template
    assert len(graph.sends()) == 1


def test_a_customer_writing_again_reopens_the_window(world, connector, graph):
    ticket = opened(connector)
    _close_window()
    post(connector, webhook([text("wamid.in-2", "Hello again")]))
    ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Welcome back")
    assert [s["type"] for s in graph.sends()] == ["text"]


def test_receipts_are_stored_and_a_failed_one_marks_the_reply(world, connector, graph):
    ticket = opened(connector)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    receipt = {"id": reply.external_id, "recipient_id": WA_ID, "timestamp": "1763800100"}
    post(connector, webhook(statuses=[{**receipt, "status": "delivered"}]))
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    failed = {
        **receipt,
        "status": "failed",
        "errors": [{"code": 131026, "title": "Message undeliverable"}],
    }
    post(connector, webhook(statuses=[failed]))
    post(connector, webhook(statuses=[failed]))  # a duplicate receipt
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED and "131026" in reply.delivery_error
    assert Conversation.objects.get().blocked
    receipts = InboundEnvelope.objects.filter(idempotency_key__contains="status:")
    assert receipts.count() == 2
    assert set(receipts.values_list("state", flat=True)) == {EnvelopeState.IGNORED}
    assert json.loads(receipts.first().raw_bytes())["status"]["recipient_id"] == WA_ID


def test_outside_the_window_files_cannot_ride_in_a_template(world, connector, graph):
    connector.options["templates"] = {"en": {"name": "reply_en", "body_parameter": True}}
    connector.save()
    ticket = opened(connector)
    _close_window()
    files = [AttachmentInput(filename="a.pdf", content_type="application/pdf", data=b"%PDF a")]
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Here", attachments=files)
    (sent,) = graph.sends()
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "Here"
    assert graph.uploads == []
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED
    assert "reply_en" in reply.delivery_error and "files" in reply.delivery_error

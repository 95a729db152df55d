"""The Telegram bot against a local Bot API simulator: webhook and long polling in,
media fetched with getFile, replies and files out, Telegram's errors and retries."""

import datetime as dt
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from okno.channels.messengers import telegram
from okno.channels.messengers.telegram_poll import PollLoop, TelegramSupervisor, poll_once
from okno.channels.messengers.tests import telegram_sim as sim
from okno.channels.messengers.tests.telegram_sim import TelegramSimulator
from okno.channels.models import (
    Connector,
    Conversation,
    Delivery,
    DeliveryStatus,
    EnvelopeState,
    InboundEnvelope,
)
from okno.channels.outbound import DeliveryError
from okno.channels.outbound.delivery import delivery_attempt
from okno.contacts.models import Identity, MergeSuggestion
from okno.contacts.services import identity_seen
from okno.tests.waiting import wait_for
from okno.tickets.models import Channel, DeliveryState, Ticket
from okno.tickets.services import AttachmentInput, ticket_reply

pytestmark = pytest.mark.django_db(transaction=True)

USER = {"id": 7001, "is_bot": False, "first_name": "Олена", "last_name": "Коваль",
        "language_code": "uk"}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def api():
    with TelegramSimulator() as simulator:
        yield simulator


@pytest.fixture
def connector(world, api):
    return Connector.objects.create(
        kind="telegram", name="Support bot", group=world.group_a, token=sim.TOKEN, base_url=api.url
    )


_ids = iter(range(1, 10**6))


def update(update_id=None, *, edited=False, user=USER, chat_id=None, **content):
    """An Update carrying one private-chat message with `content` (text=..., photo=...)."""
    message = {
        "message_id": next(_ids),
        "from": user,
        "chat": {"id": chat_id or user["id"], "type": "private"},
        "date": int(time.time()),
        **content,
    }
    if edited:
        message["edit_date"] = int(time.time())
    return {
        "update_id": update_id or 100_000 + next(_ids),
        ("edited_message" if edited else "message"): message,
    }


def post(connector, payload, *, secret=None, header=True):
    extra = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret or connector.secret} if header else {}
    return Client().post(
        f"/hooks/telegram/{connector.key}/",
        json.dumps(payload),
        content_type="application/json",
        **extra,
    )


def telegram_ticket() -> Ticket:
    return Ticket.objects.get(channel=Channel.TELEGRAM)


# --- inbound: text, through the webhook and through polling ------------------------


def test_a_webhook_text_message_opens_a_ticket_for_the_telegram_user(world, connector):
    response = post(connector, update(1, text="Не працює оплата\nдеталі"))
    assert response.status_code == 200
    ticket = telegram_ticket()
    assert ticket.subject == "Не працює оплата" and ticket.group == world.group_a
    assert ticket.contact.name == "Олена Коваль" and ticket.contact.language == "uk"
    assert Identity.objects.get(contact=ticket.contact).value == "7001"
    assert Conversation.objects.get().external_id == "7001"
    envelope = InboundEnvelope.objects.get()
    assert envelope.idempotency_key == f"telegram:{connector.pk}:1"
    assert envelope.state == EnvelopeState.PROCESSED


def test_polling_stores_each_update_then_moves_the_offset(world, connector, api):
    api.push(update(41, text="First"))
    api.push(update(42, text="Second"))
    assert poll_once(connector, timeout=0) == 2
    connector.refresh_from_db()
    assert connector.poll_offset == 43
    ticket = telegram_ticket()
    assert [m.body_text for m in ticket.messages.order_by("id")] == ["First", "Second"]
    assert json.loads(InboundEnvelope.objects.order_by("id")[0].raw_bytes())["update_id"] == 41
    assert poll_once(connector, timeout=0) == 0  # Telegram forgot the confirmed ones
    assert api.calls_to("/getUpdates")[-1].json()["offset"] == 43


def test_a_group_chat_keeps_the_chat_id_and_the_sender_identity(world, connector):
    post(connector, update(2, chat_id=-100123, text="From the group"))
    assert Conversation.objects.get().external_id == "-100123"
    assert Identity.objects.get(contact=telegram_ticket().contact).value == "7001"


def test_a_group_that_becomes_a_supergroup_keeps_its_conversation(world, connector, api):
    post(connector, update(chat_id=-4001, text="From the group"))
    ticket = telegram_ticket()
    api.fail_next(sim.server_error())
    waiting = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Waiting")
    # Telegram's two service messages: in the old chat, then in the new supergroup.
    post(connector, update(chat_id=-4001, migrate_to_chat_id=-1004001))
    post(connector, update(chat_id=-1004001, migrate_from_chat_id=-4001))
    conversation = Conversation.objects.get()
    assert conversation.external_id == "-1004001" and conversation.ticket == ticket
    delivery = Delivery.objects.get(message=waiting)
    assert delivery.to == ["-1004001"]  # the retry goes to the supergroup
    due_now(delivery)
    assert api.sent[-1] == {"method": "sendMessage", "chat_id": "-1004001", "text": "Waiting"}
    post(connector, update(chat_id=-1004001, text="From the supergroup"))
    assert [m.body_text for m in telegram_ticket().messages.order_by("id")] == [
        "From the group",
        "Waiting",
        "From the supergroup",
    ]
    ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    assert api.sent[-1]["chat_id"] == "-1004001"


def test_a_reply_to_a_migrated_group_follows_it_to_the_supergroup(world, connector, api):
    post(connector, update(chat_id=-4002, text="From the group"))
    ticket = telegram_ticket()
    api.fail_method("sendMessage", sim.migrated(-1004002))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    assert api.sent == [{"method": "sendMessage", "chat_id": "-1004002", "text": "Answer"}]
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    assert Conversation.objects.get().external_id == "-1004002"
    assert Delivery.objects.get(message=reply).to == ["-1004002"]  # a retry goes there too
    # The supergroup's own service message finds nothing left to move.
    post(connector, update(chat_id=-1004002, migrate_from_chat_id=-4002))
    assert Conversation.objects.get().external_id == "-1004002"


def test_a_supergroup_that_wrote_first_takes_the_old_ticket(world, connector, api):
    post(connector, update(chat_id=-4003, text="From the group"))
    ticket = telegram_ticket()
    Conversation.objects.create(connector=connector, external_id="-1004003", contact=ticket.contact)
    post(connector, update(chat_id=-1004003, migrate_from_chat_id=-4003))
    assert Conversation.objects.get().external_id == "-1004003"
    assert Conversation.objects.get().ticket == ticket


# --- inbound media --------------------------------------------------------------------


def media_content(api, kind):
    """(message content, attachment expected: (filename, bytes) or None, text expected)."""
    data = f"{kind}-bytes".encode()
    file_id = api.add_file(data, f"{kind}/file_1")
    if kind == "photo":
        small = api.add_file(b"small", "photos/small.jpg")
        big = api.add_file(b"big-photo", "photos/big.jpg")
        sizes = [
            {"file_id": small, "file_unique_id": "s", "width": 90, "height": 60},
            {"file_id": big, "file_unique_id": "b", "width": 1280, "height": 853},
            {"file_id": file_id, "file_unique_id": "m", "width": 320, "height": 213},
        ]
        return {"photo": sizes, "caption": "Screen"}, ("photo_b.jpg", b"big-photo"), "Screen"
    if kind == "document":
        doc = {"file_id": file_id, "file_unique_id": "d", "file_name": "act.pdf",
               "mime_type": "application/pdf"}  # fmt: skip
        return {"document": doc}, ("act.pdf", data), ""
    if kind == "voice":
        voice = {"file_id": file_id, "file_unique_id": "v", "duration": 3, "mime_type": "audio/ogg"}
        return {"voice": voice}, ("voice_v.ogg", data), ""
    if kind == "audio":
        audio = {"file_id": file_id, "file_unique_id": "a", "duration": 3}
        return {"audio": audio}, ("audio_a.mp3", data), ""
    if kind == "video":
        video = {"file_id": file_id, "file_unique_id": "w", "width": 1, "height": 1, "duration": 1}
        return {"video": video}, ("video_w.mp4", data), ""
    if kind == "sticker":
        sticker = {"file_id": file_id, "file_unique_id": "k", "emoji": "😀", "is_animated": False,
                   "is_video": False, "type": "regular", "width": 512, "height": 512}  # fmt: skip
        return {"sticker": sticker}, ("sticker_k.webp", data), "[sticker 😀]"
    if kind == "location":
        return {"location": {"latitude": 55.75, "longitude": 37.62}}, None, "55.75, 37.62"
    raise AssertionError(kind)


MEDIA_KINDS = ["photo", "document", "voice", "audio", "video", "sticker", "location"]


@pytest.mark.parametrize("via", ["webhook", "polling"])
@pytest.mark.parametrize("kind", MEDIA_KINDS)
def test_each_kind_of_media_arrives(world, connector, api, kind, via):
    content, attachment, text = media_content(api, kind)
    payload = update(**content)
    if via == "webhook":
        assert post(connector, payload).status_code == 200
    else:
        api.push(payload)
        assert poll_once(connector, timeout=0) == 1
    message = telegram_ticket().messages.get()
    assert text in message.body_text
    files = [(a.filename, a.file.read()) for a in message.attachments.all()]
    assert files == ([attachment] if attachment else [])


def test_a_file_too_large_to_download_is_named_instead(world, connector, api):
    big = {"file_id": "x", "file_unique_id": "x", "file_name": "backup.zip",
           "file_size": 30 * 1024 * 1024}  # fmt: skip
    post(connector, update(document=big, caption="Here"))
    message = telegram_ticket().messages.get()
    assert "backup.zip" in message.body_text and "Here" in message.body_text
    assert not message.attachments.exists() and not api.calls_to("/getFile")


def test_a_media_download_failure_leaves_the_envelope_failed_for_the_sweep(world, connector, api):
    file_id = api.add_file(b"x", "docs/x.pdf")
    api.fail_next(sim.server_error())  # getFile
    post(connector, update(document={"file_id": file_id, "file_name": "x.pdf"}))
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == EnvelopeState.FAILED and sim.TOKEN not in envelope.error
    assert not Ticket.objects.filter(channel=Channel.TELEGRAM).exists()


def test_an_edited_message_is_added_marked_as_edited(world, connector):
    post(connector, update(text="Order 15"))
    post(connector, update(text="Order 51", edited=True))
    texts = [m.body_text for m in telegram_ticket().messages.order_by("id")]
    assert texts[0] == "Order 15" and "Order 51" in texts[1] and "edited" in texts[1]


def test_service_messages_and_other_updates_are_ignored(world, connector):
    post(connector, update(new_chat_members=[USER]))
    post(connector, {"update_id": 9, "callback_query": {"id": "1", "from": USER}})
    assert not Ticket.objects.filter(channel=Channel.TELEGRAM).exists()
    states = set(InboundEnvelope.objects.values_list("state", flat=True))
    assert states == {EnvelopeState.IGNORED}


# --- contacts ---------------------------------------------------------------------


def test_a_shared_own_phone_joins_the_contact(world, connector):
    shared = {"phone_number": "79161112233", "first_name": "Олена", "user_id": USER["id"]}
    post(connector, update(contact=shared))
    ticket = telegram_ticket()
    assert Identity.objects.filter(contact=ticket.contact, kind="phone", value="+79161112233")
    assert "+79161112233" in ticket.messages.get().body_text


def test_a_shared_phone_another_contact_owns_makes_a_merge_suggestion(world, connector):
    identity_seen(contact=world.customer_acme, kind="phone", value="+79161234567")
    shared = {"phone_number": "+79161234567", "first_name": "Ivan", "user_id": USER["id"]}
    post(connector, update(contact=shared))
    ticket = telegram_ticket()
    assert ticket.contact != world.customer_acme
    suggestion = MergeSuggestion.objects.get()
    assert {suggestion.contact_id, suggestion.other_id} == {
        ticket.contact_id,
        world.customer_acme.pk,
    }


def test_someone_elses_contact_card_is_text_only(world, connector):
    shared = {"phone_number": "+79160000000", "first_name": "Friend", "user_id": 999}
    post(connector, update(contact=shared))
    assert not Identity.objects.filter(kind="phone", value="+79160000000").exists()


# --- duplicates and forged webhooks ------------------------------------------------


def test_the_same_update_twice_is_stored_once(world, connector, api):
    first = update(77, text="Once")
    post(connector, first)
    post(connector, first)  # Telegram retrying the webhook
    api.push(first)  # and the same update again by polling
    assert poll_once(connector, timeout=0) == 0
    assert telegram_ticket().messages.count() == 1
    assert InboundEnvelope.objects.count() == 1


def test_polling_redelivering_after_a_crash_is_dropped(world, connector, api):
    """A poller died after storing but before moving the offset: Telegram serves the
    same updates again."""
    api.push(update(51, text="A"))
    poll_once(connector, timeout=0)
    Connector.objects.filter(pk=connector.pk).update(poll_offset=0)
    api.push(update(51, text="A"))
    api.push(update(52, text="B"))
    assert poll_once(connector, timeout=0) == 1
    assert [m.body_text for m in telegram_ticket().messages.order_by("id")] == ["A", "B"]


def test_a_missing_or_wrong_secret_token_is_refused_and_nothing_stored(world, connector, caplog):
    assert post(connector, update(text="x"), header=False).status_code == 401
    assert post(connector, update(text="x"), secret="wrong").status_code == 403
    assert post(connector, update(text="x"), secret=connector.secret + "x").status_code == 403
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.TELEGRAM).exists()
    assert "refused" in caplog.text


def test_a_signed_body_without_an_update_id_is_kept_as_failed(world, connector):
    assert post(connector, {"message": {"text": "no id"}}).status_code == 400
    assert InboundEnvelope.objects.get().state == EnvelopeState.FAILED


# --- outbound ------------------------------------------------------------------------


@pytest.fixture
def ticket(world, connector):
    post(connector, update(text="Help"))
    return telegram_ticket()


def test_the_agent_reply_reaches_the_chat(world, ticket, api):
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Дивимось")
    assert api.sent == [{"method": "sendMessage", "chat_id": "7001", "text": "Дивимось"}]
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.external_id == "1000"


def test_files_go_as_a_photo_and_a_document(world, ticket, api):
    files = [
        AttachmentInput(filename="shot.png", data=PNG, content_type="image/png"),
        AttachmentInput(filename="act.pdf", data=b"%PDF-1.4 x", content_type="application/pdf"),
    ]
    ticket_reply(ticket=ticket, actor=world.agent_a, body_text="See", attachments=files)
    assert [s["method"] for s in api.sent] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert api.sent[1]["photo"] == ("shot.png", PNG, "image/png")
    assert api.sent[2]["document"] == ("act.pdf", b"%PDF-1.4 x", "application/pdf")
    assert {s["chat_id"] for s in api.sent} == {"7001"}


def test_a_picture_telegram_refuses_as_a_photo_goes_as_a_document(world, ticket, api):
    files = [AttachmentInput(filename="tall.png", data=PNG, content_type="image/png")]
    api.fail_next(sim.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS"))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, attachments=files)
    assert [s["method"] for s in api.sent] == ["sendDocument"]
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT


def due_now(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    return delivery_attempt(delivery.pk)


def test_a_rate_limited_reply_waits_retry_after_and_then_goes(world, ticket, api):
    api.fail_next(sim.rate_limited(700))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at - delivery.created_at >= dt.timedelta(seconds=690)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.RETRYING and "700" in reply.delivery_error
    due_now(delivery)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and len(api.sent) == 1


def test_a_user_who_blocked_the_bot_fails_the_reply_and_blocks_the_chat(world, ticket, api):
    api.fail_next(sim.blocked())
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED and "blocked" in reply.delivery_error
    assert Conversation.objects.get().blocked
    assert Delivery.objects.get(message=reply).attempts == 1  # not retried


def test_chat_not_found_fails_at_once(world, ticket, api):
    api.fail_next(sim.chat_not_found())
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED
    assert not Conversation.objects.get().blocked


def test_a_server_error_is_retried_and_then_succeeds(world, ticket, api):
    api.fail_next(sim.server_error())
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and api.sent == []
    assert due_now(delivery).status == DeliveryStatus.SENT
    assert [s["text"] for s in api.sent] == ["Answer"]


def test_a_long_reply_is_split_and_a_retry_does_not_repeat_sent_parts(world, ticket, api):
    paragraphs = [f"Paragraph {n}: " + "слово " * 300 for n in range(5)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 2 * 4096
    api.fail_method("sendMessage", None, sim.rate_limited(1))  # the second part
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text=text)
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING and len(api.sent) == 1
    assert due_now(delivery).status == DeliveryStatus.SENT
    parts = [s["text"] for s in api.sent]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert all(p.startswith("Paragraph") for p in parts[:2])  # cut at paragraph breaks
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_split_text_counts_utf16_units_and_cuts_at_breaks():
    assert telegram.split_text("short") == ["short"]
    emoji = "😀" * 3000  # 6000 UTF-16 units
    parts = telegram.split_text(emoji)
    assert [len(p) for p in parts] == [2048, 952]
    words = telegram.split_text("abc " * 30, limit=20)
    assert all(len(p) <= 20 and not p.startswith(" ") for p in words)
    assert " ".join(words).split() == ["abc"] * 30


# --- webhook mode and the poller ---------------------------------------------------


def test_saving_a_connector_with_a_public_address_sets_the_webhook(world, connector, api, settings):
    settings.BASE_URL = "https://help.example.com"
    telegram.ADAPTER.on_connector_saved(connector)
    assert api.webhook == {
        "url": f"https://help.example.com/hooks/telegram/{connector.key}/",
        "secret_token": connector.secret,
    }
    assert api.calls_to("/setWebhook")[0].json()["allowed_updates"] == ["message", "edited_message"]


def test_a_refused_webhook_is_raised_for_the_admin_page(world, connector, api, settings):
    settings.BASE_URL = "https://help.example.com"
    api.fail_method(
        "setWebhook", sim.error(400, "Bad Request: bad webhook: HTTPS url must be provided")
    )
    with pytest.raises(DeliveryError, match="bad webhook"):
        telegram.ADAPTER.on_connector_saved(connector)


def test_switching_a_webhook_bot_off_removes_the_webhook_and_on_sets_it(
    world, connector, api, settings
):
    from okno.channels.messengers.services import connector_update

    settings.BASE_URL = "https://help.example.com"
    connector_update(actor=world.admin, connector=connector, name="Support bot")
    assert api.webhook["url"].endswith(f"/hooks/telegram/{connector.key}/")
    connector_update(actor=world.admin, connector=connector, active=False)
    assert api.webhook == {} and len(api.calls_to("/deleteWebhook")) == 1
    connector.refresh_from_db()
    assert connector.last_error == ""
    connector_update(actor=world.admin, connector=connector, active=True)
    assert api.webhook["secret_token"] == connector.secret


def test_a_refused_webhook_removal_is_shown_and_the_bot_is_still_switched_off(
    world, connector, api, settings
):
    from okno.channels.messengers.services import connector_update

    settings.BASE_URL = "https://help.example.com"
    connector_update(actor=world.admin, connector=connector, name="Support bot")
    api.fail_method("deleteWebhook", sim.server_error())
    connector_update(actor=world.admin, connector=connector, active=False)
    connector.refresh_from_db()
    assert connector.active is False
    assert connector.last_error.startswith("The webhook could not be removed at Telegram")
    assert api.webhook  # still set at Telegram: the admin sees why
    connector_update(actor=world.admin, connector=connector, name="Renamed")  # tried again
    connector.refresh_from_db()
    assert api.webhook == {} and connector.last_error == ""


def test_without_a_public_address_saving_sets_no_webhook(world, connector, api, settings):
    settings.BASE_URL = "https://127.0.0.1:8000"
    telegram.ADAPTER.on_connector_saved(connector)
    assert not api.calls_to("/setWebhook")
    assert telegram.webhook_mode(connector) is False
    connector.options = {"mode": "webhook"}
    assert telegram.webhook_mode(connector) is True
    settings.BASE_URL = "https://help.example.com"
    connector.options = {"mode": "polling"}
    assert telegram.webhook_mode(connector) is False


def test_the_supervisor_sets_the_webhook_of_a_bot_in_webhook_mode(world, connector, api, settings):
    settings.BASE_URL = "https://help.example.com"
    supervisor = TelegramSupervisor()
    api.fail_next(sim.server_error())
    supervisor.sync()  # refused: recorded, tried again at the next rescan
    assert "setWebhook" in Connector.objects.get(pk=connector.pk).last_error
    supervisor.sync()
    supervisor.sync()  # already set: not again
    assert len(api.calls_to("/setWebhook")) == 2 and api.webhook["secret_token"] == connector.secret
    assert not supervisor.loops and not api.calls_to("/getUpdates")
    assert Connector.objects.get(pk=connector.pk).last_error == ""


@pytest.fixture
def supervisor():
    running = TelegramSupervisor(rescan=0.2, timeout=1, backoff=(0.1, 0.5))
    yield running
    running.stop()


def test_the_supervisor_polls_deletes_a_stale_webhook_and_reconnects(
    world, connector, api, supervisor
):
    api.webhook = {"url": "https://old.example.com/hook"}  # left from an earlier set-up
    api.fail_next(sim.server_error())  # deleteWebhook fails once: backoff, then again
    supervisor.start()
    api.push(update(10, text="Polled in"))
    assert wait_for(lambda: Ticket.objects.filter(subject="Polled in").exists())
    assert api.webhook == {} and len(api.calls_to("/deleteWebhook")) == 2
    assert wait_for(lambda: Connector.objects.get(pk=connector.pk).poll_offset == 11)
    api.fail_next(sim.server_error())
    assert wait_for(lambda: Connector.objects.get(pk=connector.pk).last_error == "")
    api.push(update(11, text="After the outage"))
    assert wait_for(lambda: Ticket.objects.get(subject="Polled in").messages.count() == 2)


def test_the_supervisor_stops_a_switched_off_bot(world, connector, api, supervisor):
    supervisor.start()
    assert wait_for(lambda: connector.pk in supervisor.loops)
    loop = supervisor.loops[connector.pk]
    Connector.objects.filter(pk=connector.pk).update(active=False)
    assert wait_for(lambda: not loop.is_alive())


def test_a_wrong_token_is_recorded_on_the_connector(world, connector, api):
    Connector.objects.filter(pk=connector.pk).update(token="1:wrong")
    connector.refresh_from_db()
    loop = PollLoop(connector, timeout=1, backoff=(5, 5))
    loop.start()
    try:
        assert wait_for(lambda: Connector.objects.get(pk=connector.pk).last_error != "")
    finally:
        loop.stop()
        loop.join(5)
    error = Connector.objects.get(pk=connector.pk).last_error
    assert "401" in error and "1:wrong" not in error


def test_one_poller_per_bot_across_processes(world, connector, api):
    first = PollLoop(connector, timeout=1, lease_wait=0.1)
    second = PollLoop(connector, timeout=1, lease_wait=0.1)
    first.start()
    try:
        assert wait_for(lambda: first.polls >= 1)
        second.start()
        time.sleep(1.0)
        assert second.polls == 0
    finally:
        first.stop()
        second.stop()
        first.join(5)
        second.join(5)

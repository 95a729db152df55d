"""Agent replies leave by SMTP to a real aiosmtpd server: addresses, threading,
parts, attachments, and what happens when the server says no."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from okno.channels.email.ingest import receive_email
from okno.channels.models import (
    Delivery,
    DeliveryAttempt,
    Mailbox,
    OutboundMessageId,
)
from okno.channels.outbound.delivery import MAX_ATTEMPTS, delivery_attempt
from okno.channels.tests.mails import make_email
from okno.channels.tests.outbound_smtp import free_port, start
from okno.contacts.services import contact_get_or_create
from okno.tickets.models import Channel, Message, TicketEvent
from okno.tickets.services import AttachmentInput, ticket_create, ticket_reply

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def smtp(settings):
    controller, collector = start(settings)
    yield collector
    controller.stop()


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(
        address="support@okno.test", name="Acme Support", group=world.group_a, kind="pipe"
    )


@pytest.fixture
def email_ticket(world, mailbox, smtp, django_capture_on_commit_callbacks):
    """Ivan writes to support@, copying Olga; the acknowledgement is cleared away."""
    raw = make_email(
        frm="Ivan Petrov <ivan@acme.test>",
        cc="Olga Sidorova <olga@acme.test>",
        subject="Printer is broken",
        message_id="first@acme.test",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = receive_email(raw, mailbox=mailbox)
    smtp.received.clear()
    return result.ticket


def reply(ticket, actor, callbacks, **kwargs):
    kwargs.setdefault("body_text", "Please restart the printer.")
    with callbacks(execute=True):
        message = ticket_reply(ticket=ticket, actor=actor, **kwargs)
    message.refresh_from_db()
    return message


def parts(msg) -> dict:
    return {part.get_content_type(): part for part in msg.walk() if not part.is_multipart()}


def test_agent_reply_arrives_threaded_from_the_mailbox(
    world, email_ticket, smtp, django_capture_on_commit_callbacks
):
    world.agent_a.signature = "Anna Agent\nFirst line support"
    world.agent_a.save()
    message = reply(
        email_ticket,
        world.agent_a,
        django_capture_on_commit_callbacks,
        body_text="Please restart the printer.",
        body_html="<p>Please <b>restart</b> the printer.</p>",
        attachments=[
            AttachmentInput(filename="steps.pdf", data=PDF, content_type="application/pdf")
        ],
    )

    assert len(smtp.received) == 1
    received = smtp.received[0]
    msg = received.message
    number = email_ticket.number
    assert received.mail_from == "support@okno.test"
    assert sorted(received.rcpt_tos) == ["ivan@acme.test", "olga@acme.test"]
    assert msg["From"].addresses[0].display_name == "Anna Agent (Acme Support)"
    assert msg["From"].addresses[0].addr_spec == "support@okno.test"
    assert msg["Reply-To"].addresses[0].addr_spec == "support@okno.test"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ivan@acme.test"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["olga@acme.test"]
    assert msg["Subject"] == f"Re: Printer is broken [#{number}]"
    assert msg["In-Reply-To"] == "<first@acme.test>"
    assert msg["References"].split()[0] == "<first@acme.test>"
    assert msg["Auto-Submitted"] is None

    # Our Message-ID carries a token recorded for threading and agent authentication.
    mail_id = msg["Message-ID"].strip("<>")
    assert re.fullmatch(rf"okno\.{number}\.{message.pk}\.[0-9a-f]{{32}}@okno\.test", mail_id)
    row = OutboundMessageId.objects.get(message_id=mail_id)
    assert row.token in mail_id and row.ticket_id == number and row.sent_message == message
    assert sorted(row.recipients) == ["ivan@acme.test", "olga@acme.test"]
    assert message.external_id == mail_id

    found = parts(msg)
    text = found["text/plain"].get_content().replace("\r\n", "\n")
    assert "Please restart the printer." in text
    assert "Anna Agent\nFirst line support" in text
    assert f"Ticket #{number}" in text and f"/portal/tickets/{number}/" in text
    assert "<b>restart</b>" in found["text/html"].get_content()
    assert found["application/pdf"].get_filename() == "steps.pdf"
    assert found["application/pdf"].get_content() == PDF

    assert message.delivery_state == "sent" and message.delivery_error == ""
    assert DeliveryAttempt.objects.get(delivery__message=message).status == "sent"
    # A first-try success writes no event: the message itself shows "sent".
    events = TicketEvent.objects.filter(kind__in=["delivered", "delivery_failed"])
    assert not events.filter(data__message=message.pk).exists()


def test_system_texts_follow_the_contact_language(
    world, email_ticket, smtp, django_capture_on_commit_callbacks
):
    from django.utils import translation

    email_ticket.contact.language = "ru"
    email_ticket.contact.save()
    reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    msg = smtp.received[0].message
    assert msg["Content-Language"] == "ru"
    with translation.override("ru"):
        footer = translation.gettext("Ticket #%(number)s. Reply to this email to answer.") % {
            "number": email_ticket.number
        }
    assert footer in parts(msg)["text/plain"].get_content()


def test_internal_notes_and_customer_messages_never_go_out(
    world, email_ticket, smtp, django_capture_on_commit_callbacks
):
    note = reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks, public=False)
    own = reply(email_ticket, world.customer_acme, django_capture_on_commit_callbacks)
    assert smtp.received == []
    assert note.delivery_state == "" and own.delivery_state == ""
    assert not Delivery.objects.filter(kind="reply").exists()


def test_reply_to_a_messenger_ticket_is_not_emailed(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            actor=world.customer_acme, subject="Hi", body_text="hi", channel=Channel.TELEGRAM
        )
    reply(ticket, world.agent_a, django_capture_on_commit_callbacks)
    assert smtp.received == []


def test_without_a_mailbox_mail_leaves_from_the_default_address(
    world, smtp, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Okno Help <help@okno.test>"
    reply(world.ticket_b, world.agent_b, django_capture_on_commit_callbacks)
    msg = smtp.received[0].message
    assert msg["From"].addresses[0].display_name == "Boris Billing (Okno Help)"
    assert msg["From"].addresses[0].addr_spec == "help@okno.test"
    assert msg["Subject"] == f"Re: Invoice is wrong [#{world.ticket_b.number}]"
    assert msg["In-Reply-To"] is None  # it came from the web: no customer Message-ID


def test_a_temporary_refusal_is_retried_until_it_goes_through(
    world, email_ticket, smtp, django_capture_on_commit_callbacks
):
    smtp.data_answer = "451 4.3.0 Try again later"
    message = reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(message=message)
    assert message.delivery_state == "retrying" and "451" in message.delivery_error
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()

    smtp.data_answer = ""
    delivery_attempt(delivery.pk)  # not due yet: nothing happens
    assert smtp.received == [] and delivery.tries.count() == 1
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        delivery_attempt(delivery.pk)

    message.refresh_from_db()
    assert message.delivery_state == "sent" and message.delivery_error == ""
    assert [a.status for a in delivery.tries.all()] == ["retrying", "sent"]
    assert smtp.received[0].message["Message-ID"] == f"<{delivery.mail_id}>"
    assert OutboundMessageId.objects.filter(sent_message=message).count() == 1
    event = TicketEvent.objects.get(kind="delivered", data__message=message.pk)
    assert event.data["message"] == message.pk and event.data["attempts"] == 2


@pytest.mark.parametrize("where", ["data", "rcpt"])
def test_a_permanent_refusal_fails_at_once_and_keeps_the_reply(
    world, email_ticket, smtp, django_capture_on_commit_callbacks, where
):
    answer = "550 5.1.1 Mailbox unavailable"
    setattr(smtp, f"{where}_answer", answer)
    message = reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    assert message.delivery_state == "failed" and "550" in message.delivery_error
    assert Message.objects.get(pk=message.pk).body_text == "Please restart the printer."
    assert Delivery.objects.get(message=message).attempts == 1
    event = TicketEvent.objects.get(kind="delivery_failed")
    assert event.data["message"] == message.pk and event.data["permanent"] is True
    assert "550" in event.data["error"]


def test_a_server_that_is_down_means_retrying_then_failed_after_the_last_try(
    world, email_ticket, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    message = reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    assert message.delivery_state == "retrying"
    assert "Connection" in message.delivery_error or "refused" in message.delivery_error.lower()
    delivery = Delivery.objects.get(message=message)
    started = timezone.now()
    for _ in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
            delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    message.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert message.delivery_state == "failed"
    # The backoff spreads the tries over most of a day, not minutes.
    assert dt.timedelta(hours=20) < delivery.next_attempt_at - started < dt.timedelta(hours=25)
    event = TicketEvent.objects.get(kind="delivery_failed")
    assert event.data["permanent"] is False and event.data["attempts"] == MAX_ATTEMPTS


def test_a_requester_without_email_leaves_the_followers_to_hear(
    world, smtp, django_capture_on_commit_callbacks
):
    caller, _ = contact_get_or_create(kind="phone", value="+380441234567", name="Caller")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            actor=world.agent_a,
            contact=caller,
            subject="Phone call",
            body_text="Called about the printer.",
            channel=Channel.PHONE,
            followers=[world.customer_acme2],
        )
    reply(ticket, world.agent_a, django_capture_on_commit_callbacks)
    assert [r.rcpt_tos for r in smtp.received] == [["olga@acme.test"]]


def tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_an_inline_image_goes_out_with_its_content_id(
    world, email_ticket, smtp, django_capture_on_commit_callbacks
):
    png = tiny_png()
    reply(
        email_ticket,
        world.agent_a,
        django_capture_on_commit_callbacks,
        body_text="See the picture.",
        body_html='<p>See <img src="cid:shot1@okno" alt="shot"></p>',
        attachments=[
            AttachmentInput(
                filename="shot.png", data=png, content_type="image/png", content_id="shot1@okno"
            )
        ],
    )
    msg = smtp.received[0].message
    assert 'src="cid:shot1@okno"' in parts(msg)["text/html"].get_content()
    image = parts(msg)["image/png"]
    assert image["Content-ID"] == "<shot1@okno>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == png


def test_the_mailbox_subject_tag_format_is_used(
    world, mailbox, email_ticket, smtp, django_capture_on_commit_callbacks
):
    mailbox.subject_tag_format = "[Acme-{number}]"
    mailbox.save()
    reply(email_ticket, world.agent_a, django_capture_on_commit_callbacks)
    number = email_ticket.number
    assert smtp.received[0].message["Subject"] == f"Re: Printer is broken [Acme-{number}]"

"""Inbound email end to end through receive_email: store, parse, route, services."""

import datetime as dt

import pytest
from django.utils import timezone

from okno.channels.email.ingest import receive_email, retry_envelope
from okno.channels.models import EnvelopeState, InboundEnvelope, Mailbox, OutboundMessageId
from okno.channels.tests.mails import make_email
from okno.contacts.models import Contact
from okno.tickets.models import LinkKind, Message, StatusCategory, Ticket, TicketLink
from okno.tickets.services import ticket_reply, ticket_update
from okno.tickets.services.lifecycle import default_status


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(
        address="support@okno.test", name="Support", group=world.group_a, kind="pipe"
    )


def first_message_id(ticket: Ticket) -> str:
    return ticket.messages.order_by("id").first().external_id


def test_new_mail_makes_ticket_contact_and_message(mailbox):
    raw = make_email(frm="Nina New <nina@newco.test>", subject="Cannot log in")
    result = receive_email(raw)
    assert result.created and not result.duplicate and result.state == "processed"
    ticket = result.ticket
    assert ticket.subject == "Cannot log in"
    assert ticket.group == mailbox.group and ticket.channel == "email"
    assert ticket.contact.email == "nina@newco.test" and ticket.contact.name == "Nina New"
    message = result.message
    assert message.ticket == ticket and message.author_contact == ticket.contact
    assert "does not print" in message.body_text and message.channel == "email"
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == EnvelopeState.PROCESSED and envelope.mailbox == mailbox
    assert bytes(envelope.raw) == raw and envelope.ticket == ticket
    assert envelope.message == message and envelope.sender == "nina@newco.test"


def test_same_message_twice_makes_one_ticket(mailbox):
    raw = make_email(message_id="twice@client.test")
    first = receive_email(raw)
    second = receive_email(raw)
    assert second.duplicate and not second.created
    assert second.ticket == first.ticket and second.message == first.message
    assert InboundEnvelope.objects.count() == 1
    assert Message.objects.filter(external_id="twice@client.test").count() == 1


def test_message_without_id_is_deduplicated_by_content(mailbox):
    raw = make_email().replace(b"Message-ID:", b"X-Old-ID:")
    assert receive_email(raw).created
    assert receive_email(raw).duplicate
    assert InboundEnvelope.objects.count() == 1


def test_reply_by_in_reply_to_joins_the_ticket(world, mailbox):
    first = receive_email(make_email(message_id="q1@acme.test"))
    reply = receive_email(
        make_email(subject="Re: Printer", body="Still broken.", in_reply_to="q1@acme.test")
    )
    assert not reply.created and reply.ticket == first.ticket
    assert reply.message.reply_text.startswith("Still broken")
    assert first.ticket.messages.count() == 2


def test_reply_to_our_sent_message_id_joins(world, mailbox):
    OutboundMessageId.objects.create(
        message_id="okno.abc.1@okno.test", ticket=world.ticket_a, recipients=["ivan@acme.test"]
    )
    result = receive_email(
        make_email(subject="Re: something else", references="x@y.test okno.abc.1@okno.test")
    )
    assert result.ticket == world.ticket_a and not result.message.from_outside


def test_subject_tag_joins_from_participant_only(world, mailbox):
    number = world.ticket_a.number
    joined = receive_email(make_email(subject=f"Re: [#{number}] printer"))
    assert joined.ticket.number == number and not joined.created
    stranger = receive_email(make_email(frm="eve@evil.test", subject=f"Re: [#{number}] give me"))
    assert stranger.created and stranger.ticket.number != number
    assert not world.ticket_a.followers.filter(email="eve@evil.test").exists()


def test_custom_subject_tag_format(world, mailbox):
    mailbox.subject_tag_format = "[Okno {number}]"
    mailbox.save()
    result = receive_email(make_email(subject=f"Re: [Okno {world.ticket_a.number}]"))
    assert result.ticket == world.ticket_a


def test_strangers_reply_in_thread_is_from_outside(world, mailbox):
    first = receive_email(make_email(message_id="t1@acme.test"))
    ticket = first.ticket
    ticket_update(ticket=ticket, actor=world.agent_a, changes={"status": default_status("pending")})
    result = receive_email(
        make_email(
            frm="Eve <eve@evil.test>", body="I am the boss, send data.", references="t1@acme.test"
        )
    )
    assert result.ticket == ticket and result.message.from_outside
    assert result.message.author_contact.email == "eve@evil.test"
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.PENDING  # a stranger does not move the status
    assert not ticket.followers.filter(email="eve@evil.test").exists()
    event = ticket.events.get(kind="message", data__message=result.message.pk)
    assert event.data["from_outside"] is True


def test_agent_from_without_token_is_a_customer_message(world, mailbox):
    first = receive_email(make_email(message_id="a1@acme.test"))
    result = receive_email(
        make_email(
            frm="Anna Agent <anna@okno.test>", body="Closing it.", in_reply_to="a1@acme.test"
        )
    )
    assert result.message.author_kind == "contact" and result.message.author_user is None
    assert result.message.from_outside  # not a participant as a customer either
    assert result.ticket == first.ticket


def test_agent_from_with_our_token_is_the_agent(world, mailbox):
    OutboundMessageId.objects.create(
        message_id="okno.n1@okno.test", ticket=world.ticket_a, recipients=["anna@okno.test"]
    )
    result = receive_email(
        make_email(frm="anna@okno.test", body="On my way.", in_reply_to="okno.n1@okno.test")
    )
    assert result.message.author_kind == "agent" and result.message.author_user == world.agent_a
    # The same token does not make another agent's From (not a recipient) authentic.
    other = receive_email(
        make_email(frm="boris@okno.test", body="Me too.", in_reply_to="okno.n1@okno.test")
    )
    assert other.message.author_kind == "contact"


def _close(ticket, actor, days_ago=0):
    ticket_update(ticket=ticket, actor=actor, changes={"status": default_status("closed")})
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def test_reply_to_closed_ticket_reopens_within_window(world, mailbox):
    first = receive_email(make_email(message_id="c1@acme.test"))
    _close(first.ticket, world.agent_a, days_ago=3)
    result = receive_email(make_email(body="Broken again.", in_reply_to="c1@acme.test"))
    assert result.ticket == first.ticket and not result.created
    result.ticket.refresh_from_db()
    assert result.ticket.state == StatusCategory.OPEN


def test_reply_to_closed_ticket_after_window_opens_follow_up(world, mailbox):
    first = receive_email(make_email(message_id="c2@acme.test"))
    _close(first.ticket, world.agent_a, days_ago=30)
    result = receive_email(make_email(body="Broken again.", in_reply_to="c2@acme.test"))
    assert result.created and result.ticket != first.ticket
    link = TicketLink.objects.get(source=result.ticket)
    assert link.target == first.ticket and link.kind == LinkKind.FOLLOW_UP
    first.ticket.refresh_from_db()
    assert first.ticket.state == StatusCategory.CLOSED


def test_bounce_marks_our_message_failed_and_makes_no_ticket(world, mailbox):
    from okno.channels.tests.mails import make_bounce

    sent = ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="Try again.")
    OutboundMessageId.objects.create(
        message_id="okno.r1@okno.test", ticket=world.ticket_a, sent_message=sent
    )
    tickets_before = Ticket.objects.count()
    result = receive_email(make_bounce(original_id="okno.r1@okno.test"))
    assert result.state == "processed" and result.ticket == world.ticket_a
    assert Ticket.objects.count() == tickets_before
    sent.refresh_from_db()
    assert sent.delivery_state == "failed" and "5.1.1" in sent.delivery_error
    event = world.ticket_a.events.get(kind="delivery_failed")
    assert event.data["recipients"] == ["gone@acme.test"]


def test_auto_reply_is_stored_and_flagged(world, mailbox):
    result = receive_email(
        make_email(
            subject="Out of office",
            body="I am away until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert result.state == "processed" and result.message is not None
    envelope = result.envelope
    assert envelope.auto_submitted and envelope.auto_reason
    event = result.ticket.events.get(kind="message", data__message=result.message.pk)
    assert event.data["auto_submitted"]


def test_mail_from_our_own_address_is_ignored(mailbox):
    result = receive_email(make_email(frm="support@okno.test"))
    assert result.state == "ignored" and result.ticket is None
    assert "own" in InboundEnvelope.objects.get().error


def test_blocklist_and_allowlist(world, mailbox):
    from okno.channels.models import EmailSenderRule

    EmailSenderRule.objects.create(pattern="spam.test", action="block")
    EmailSenderRule.objects.create(pattern="friend@spam.test", action="allow")
    assert receive_email(make_email(frm="x@mail.spam.test")).state == "ignored"
    assert receive_email(make_email(frm="friend@spam.test")).state == "processed"
    mailbox.only_allowlisted = True
    mailbox.save()
    assert receive_email(make_email(frm="new@acme.test")).state == "ignored"


def test_rate_limit_per_sender_breaks_loops(world, mailbox, settings):
    settings.OKNO_MAIL_RATE_LIMIT = (3, 600)
    states = [receive_email(make_email(frm="loop@robot.test")).state for _ in range(5)]
    assert states == ["processed"] * 3 + ["ignored"] * 2
    assert "rate limit" in InboundEnvelope.objects.filter(state="ignored").first().error
    assert receive_email(make_email(frm="human@acme.test")).state == "processed"


def test_cc_become_followers(world, mailbox):
    result = receive_email(
        make_email(cc="Olga <olga@acme.test>, support@okno.test, anna@okno.test")
    )
    followers = set(result.ticket.followers.values_list("email", flat=True))
    assert followers == {"olga@acme.test"}  # not our own address, not an agent
    reply = receive_email(
        make_email(in_reply_to=first_message_id(result.ticket), cc="petr@acme.test")
    )
    assert reply.ticket == result.ticket
    assert result.ticket.followers.filter(email="petr@acme.test").exists()
    # A follower writing is a participant.
    olga = receive_email(
        make_email(frm="olga@acme.test", in_reply_to=first_message_id(result.ticket))
    )
    assert not olga.message.from_outside


def test_inline_image_keeps_its_content_id(mailbox):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    result = receive_email(
        make_email(
            html='<p>See <img src="cid:shot1"></p>',
            attachments=[("shot.png", png, "image/png", "shot1")],
        )
    )
    attachment = result.message.attachments.get()
    assert attachment.content_id == "shot1" and attachment.filename == "shot.png"


def test_failure_is_kept_and_retry_works(world, mailbox, settings, tmp_path):
    media = settings.MEDIA_ROOT
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker  # the attachment store fails, like a full or broken disk
    raw = make_email(message_id="f1@acme.test", attachments=[("a.txt", b"hi", "text/plain", "")])
    result = receive_email(raw)
    assert result.state == "failed" and result.ticket is None
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == "failed" and "Error" in envelope.error
    assert envelope.attempts == 1 and not Message.objects.filter(external_id="f1@acme.test")
    # Redelivery of the same message does not duplicate the envelope.
    assert receive_email(raw).duplicate
    settings.MEDIA_ROOT = media
    retried = retry_envelope(envelope)
    assert retried.state == "processed" and retried.created
    envelope.refresh_from_db()
    assert envelope.state == "processed" and envelope.attempts == 2
    # Processing again creates nothing more.
    assert retry_envelope(envelope).duplicate
    assert Message.objects.filter(external_id="f1@acme.test").count() == 1


def test_envelope_stuck_in_received_is_processed_on_redelivery(mailbox):
    from okno.channels.email.ingest import store_envelope

    raw = make_email(message_id="stuck@acme.test")
    store_envelope(raw)  # a process that died right after storing
    result = receive_email(raw)
    assert result.state == "processed" and result.ticket is not None
    assert Contact.objects.filter(email="ivan@acme.test").count() == 1


def test_large_raw_goes_to_file_storage(mailbox, settings):
    settings.OKNO_INBOUND_RAW_DB_LIMIT = 100
    raw = make_email(body="x" * 500)
    result = receive_email(raw)
    envelope = result.envelope
    envelope.refresh_from_db()
    assert envelope.raw_file and envelope.raw_bytes() == raw and result.state == "processed"

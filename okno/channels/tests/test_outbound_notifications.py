"""'We received your request #N': once, in the customer's language, never to machines;
and the sweep that picks up deliveries whose queued task was lost."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from okno.channels.email.ingest import receive_email
from okno.channels.models import Delivery, Mailbox
from okno.channels.outbound import tasks
from okno.channels.outbound.delivery import deliveries_overdue
from okno.channels.tests.mails import make_email
from okno.channels.tests.outbound_smtp import start
from okno.contacts.services import contact_get_or_create
from okno.portal.services import request_submit
from okno.tickets.models import Channel, TicketEvent
from okno.tickets.services import ticket_create


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


def portal_ticket(callbacks, *, email="nina@newco.test", language="en"):
    with callbacks(execute=True):
        return request_submit(
            contact=None,
            email=email,
            name="Nina Novak",
            subject="Cannot log in",
            text="The login page says my password is wrong.",
            language=language,
        )


def expected_subject(language: str, ticket) -> str:
    with translation.override(language):
        return translation.gettext("We received your request %(tag)s: %(subject)s") % {
            "tag": f"[#{ticket.number}]",
            "subject": ticket.subject,
        }


def test_a_new_portal_request_is_acknowledged_once_in_the_contact_language(
    world, smtp, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Okno Help <help@okno.test>"
    ticket = portal_ticket(django_capture_on_commit_callbacks, language="ru")
    tasks.send_acknowledgement(ticket.number)  # a second run sends nothing more

    assert len(smtp.received) == 1
    received = smtp.received[0]
    msg = received.message
    assert received.rcpt_tos == ["nina@newco.test"]
    assert msg["From"].addresses[0].addr_spec == "help@okno.test"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Content-Language"] == "ru"
    # Django folds a long encoded subject onto a continuation line; the stdlib
    # parser keeps the fold's space, which mail clients drop.
    assert msg["Subject"].strip() == expected_subject("ru", ticket)
    text = msg.get_body(("plain",)).get_content()
    assert f"#{ticket.number}" in text and f"/portal/tickets/{ticket.number}/" in text
    assert Delivery.objects.filter(ticket=ticket, kind="acknowledgement").count() == 1
    # An acknowledgement is not a ticket message: its trace is one event.
    assert TicketEvent.objects.filter(ticket=ticket, kind="delivered").count() == 1


def test_a_new_email_request_is_acknowledged_in_its_thread(
    world, mailbox, smtp, django_capture_on_commit_callbacks
):
    raw = make_email(frm="Nina <nina@newco.test>", message_id="nina1@newco.test")
    with django_capture_on_commit_callbacks(execute=True):
        result = receive_email(raw, mailbox=mailbox)
    msg = smtp.received[0].message
    assert smtp.received[0].mail_from == "support@okno.test"
    assert msg["From"].addresses[0].display_name == "Acme Support"
    assert msg["In-Reply-To"] == "<nina1@newco.test>"
    assert msg["Subject"] == expected_subject("en", result.ticket)

    # Nina answers the acknowledgement: it threads back into her ticket.
    answer = make_email(
        frm="Nina <nina@newco.test>",
        subject=f"Re: {msg['Subject']}",
        in_reply_to=msg["Message-ID"].strip("<>"),
        message_id="nina2@newco.test",
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = receive_email(answer, mailbox=mailbox)
    assert again.ticket == result.ticket and not again.created
    assert len(smtp.received) == 1  # a follow-up is not acknowledged


@pytest.mark.parametrize(
    "headers, sender",
    [
        ({"Auto-Submitted": "auto-generated"}, "Shop <orders@shop.test>"),
        ({"Precedence": "bulk"}, "News <news@shop.test>"),
        ({}, "noreply@shop.test"),
        ({}, "MAILER-DAEMON@mx.shop.test"),
    ],
)
def test_automatic_mail_is_never_acknowledged(
    world, mailbox, smtp, django_capture_on_commit_callbacks, headers, sender
):
    raw = make_email(frm=sender, headers=headers, subject="Your order has shipped")
    with django_capture_on_commit_callbacks(execute=True):
        result = receive_email(raw, mailbox=mailbox)
    assert result.ticket is not None  # stored as a ticket all the same
    assert smtp.received == []
    assert not Delivery.objects.exists()


def test_the_mailbox_setting_turns_acknowledgements_off(
    world, mailbox, smtp, django_capture_on_commit_callbacks
):
    mailbox.send_acknowledgement = False
    mailbox.save()
    with django_capture_on_commit_callbacks(execute=True):
        receive_email(make_email(frm="nina@newco.test"), mailbox=mailbox)
    assert smtp.received == []


def test_our_own_address_and_agent_tickets_are_not_acknowledged(
    world, mailbox, smtp, django_capture_on_commit_callbacks
):
    portal_ticket(django_capture_on_commit_callbacks, email="support@okno.test")
    own, _ = contact_get_or_create(value="ivan@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=own, subject="From the agent UI", body_text="x", channel=Channel.WEB)
        ticket_create(
            actor=world.agent_a,
            contact=own,
            subject="We call you first",
            body_text="Hello Ivan, we noticed a problem.",
            channel=Channel.PORTAL,
            message_from_agent=True,
        )
    # Only the agent's opening message goes out, as a reply, not as an acknowledgement.
    assert [r.message["Auto-Submitted"] for r in smtp.received] == [None]
    assert not Delivery.objects.filter(kind="acknowledgement").exists()


def test_the_sweep_retries_what_the_queue_lost(world, smtp, django_capture_on_commit_callbacks):
    ticket = portal_ticket(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(ticket=ticket)
    # Pretend the worker died in the middle of a try, long ago.
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    lost = Delivery.objects.create(
        ticket=world.ticket_a, kind="acknowledgement", to=["ivan@acme.test"], mail_id="lost@x"
    )
    # The stale try is released at once; the never-tried one is still young.
    assert deliveries_overdue() == [delivery.pk]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        assert deliveries_overdue() == [delivery.pk, lost.pk]
        tasks.deliveries_sweep.call_local()
    delivery.refresh_from_db()
    lost.refresh_from_db()
    assert delivery.status == "sent" and lost.status == "sent"
    assert len(smtp.received) == 3  # at least once: the interrupted try went out again

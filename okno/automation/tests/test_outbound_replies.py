"""Rules' replies and greetings leave through the one outbound delivery service, to
a real SMTP server on loopback: Delivery rows, retries, the message's delivery
state, Auto-Submitted, and no answer to automatic mail."""

import pytest

from okno.automation import services
from okno.channels.email.ingest import receive_email
from okno.channels.models import Delivery, Mailbox
from okno.channels.tests.mails import make_email
from okno.channels.tests.outbound_smtp import start

REPLY = {
    "en": "Hello {{ contact.first_name }}, we are on #{{ ticket.number }}.",
    "ru": "Здравствуйте, {{ contact.first_name }}! Обращение #{{ ticket.number }} в работе.",
}


@pytest.fixture
def smtp(settings):
    controller, collector = start(settings)
    yield collector
    controller.stop()


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(
        address="support@okno.test",
        name="Acme Support",
        group=world.group_a,
        kind="pipe",
        send_acknowledgement=False,  # only the rule answers here
    )


@pytest.fixture
def reply_rule(world, make_trigger):
    template = services.template_save(
        actor=world.admin, values={"title": "On it", "body": REPLY, "shared": True}
    )
    return make_trigger(
        name="Answer printers",
        events=["created", "customer_replied"],
        conditions=[{"field": "subject", "operator": "contains", "value": "printer"}],
        actions=[
            {"type": "add_tags", "params": {"tags": ["printer"]}},
            {"type": "send_reply", "params": {"template": template.pk}},
        ],
    )


def receive(run, mailbox, **mail):
    return run(receive_email, make_email(**mail), mailbox=mailbox).ticket


def test_a_rules_reply_arrives_by_smtp_threaded_and_auto_submitted(
    world, run, smtp, mailbox, reply_rule
):
    ticket = receive(run, mailbox, subject="Printer is broken", message_id="first@acme.test")
    reply = ticket.messages.get(author_kind="system")
    assert reply.public and reply.delivery_state == "sent"
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == "sent" and delivery.attempts == 1
    [received] = smtp.received
    msg = received.message
    assert received.rcpt_tos == ["ivan@acme.test"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == "<first@acme.test>"
    assert msg["Message-ID"] == f"<{delivery.mail_id}>"
    assert f"[#{ticket.number}]" in msg["Subject"]
    assert f"we are on #{ticket.number}." in msg.get_body(("plain",)).get_content()


def test_a_failing_smtp_server_leaves_the_rules_reply_retrying(
    world, run, smtp, mailbox, reply_rule
):
    smtp.data_answer = "451 4.3.0 Try again later"
    ticket = receive(run, mailbox, subject="Printer is broken")
    reply = ticket.messages.get(author_kind="system")
    assert reply.delivery_state == "retrying" and "451" in reply.delivery_error
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == "retrying" and delivery.tries.count() == 1
    assert smtp.received == []


def test_automatic_mail_is_tagged_but_never_answered(world, run, smtp, mailbox, reply_rule):
    ticket = receive(
        run,
        mailbox,
        subject="Printer is broken: I am out of office",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert list(ticket.tags.values_list("name", flat=True)) == ["printer"]
    assert not ticket.messages.filter(author_kind="system").exists()
    assert smtp.received == []


def test_an_automatic_answer_to_a_later_reply_is_not_answered_either(
    world, run, smtp, mailbox, reply_rule
):
    ticket = receive(run, mailbox, subject="Printer is broken", message_id="one@acme.test")
    smtp.received.clear()
    receive(
        run,
        mailbox,
        subject=f"Re: Printer is broken [#{ticket.number}]",
        in_reply_to="<one@acme.test>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert ticket.messages.filter(author_kind="system").count() == 1  # the first answer only
    receive(
        run,
        mailbox,
        subject=f"Re: Printer is broken [#{ticket.number}]",
        in_reply_to="<one@acme.test>",
    )
    assert ticket.messages.filter(author_kind="system").count() == 2  # a person wrote
    assert len(smtp.received) == 1


def test_a_greeting_goes_out_in_the_contacts_language(world, run, smtp, mailbox):
    world.customer_acme.language = "ru"
    world.customer_acme.save()
    template = services.template_save(
        actor=world.admin, values={"title": "Greeting", "body": REPLY, "shared": True}
    )
    services.greeting_save(
        actor=world.admin,
        values={"channel": "email", "mailbox": mailbox.pk, "template": template.pk},
    )
    ticket = receive(run, mailbox, subject="Счёт")
    [received] = smtp.received
    text = received.message.get_body(("plain",)).get_content()
    assert f"Обращение #{ticket.number} в работе." in text
    assert received.message["Auto-Submitted"] == "auto-replied"
    assert ticket.messages.get(author_kind="system").delivery_state == "sent"

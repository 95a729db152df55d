"""Auto-greetings, macros, actions that talk to other apps, and the dry run."""

from django.core import mail
from django.db import transaction

from okno.automation import services
from okno.automation.dryrun import dry_run
from okno.automation.macros import macro_run
from okno.automation.models import AutoGreeting, Macro, ResponseTemplate
from okno.channels.models import Delivery, Mailbox
from okno.channels.services import message_mark_email
from okno.tickets.models import Priority
from okno.tickets.services import ticket_create, ticket_reply

HELLO = {"en": "Hello {{ contact.first_name }}, your request is #{{ ticket.number }}."}


def _template(world):
    return services.template_save(
        actor=world.admin, values={"title": "Hello", "body": HELLO, "shared": True}
    )


def _mine(ticket):
    """The mail the outbound service sent for this ticket (its Message-ID names it)."""
    mark = f"<okno.{ticket.number}."
    return [m for m in mail.outbox if m.extra_headers.get("Message-ID", "").startswith(mark)]


def test_channel_greeting_once_for_a_new_ticket(world, run):
    services.greeting_save(
        actor=world.admin, values={"channel": "chat", "template": _template(world).pk}
    )
    ticket = run(
        ticket_create, actor=world.customer_acme, subject="Hi", body_text="Hi", channel="chat"
    )
    greeting = ticket.messages.get(author_kind="system")
    assert greeting.body_text == f"Hello Ivan, your request is #{ticket.number}."
    assert ticket.events.get(kind="message", data__message=greeting.pk).actor_kind == "rule"
    run(ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="More")
    assert ticket.messages.filter(author_kind="system").count() == 1


def test_mailbox_greeting_replaces_acknowledgement(world, run):
    mailbox = Mailbox.objects.create(address="help@okno.test", group=world.group_a)
    services.greeting_save(
        actor=world.admin,
        values={"channel": "email", "mailbox": mailbox.pk, "template": _template(world).pk},
    )
    mailbox.refresh_from_db()
    assert mailbox.send_acknowledgement is False
    ticket = run(
        ticket_create,
        actor=world.customer_acme,
        subject="Mail",
        body_text="Hi",
        channel="email",
        group=world.group_a,
    )
    assert ticket.messages.filter(author_kind="system").count() == 1
    assert not Delivery.objects.filter(ticket=ticket, kind="acknowledgement").exists()
    assert len(_mine(ticket)) == 1
    assert _mine(ticket)[0].extra_headers["Auto-Submitted"] == "auto-replied"
    greeting = ticket.messages.get(author_kind="system")
    assert greeting.delivery_state == "sent"
    assert Delivery.objects.get(message=greeting).status == "sent"


def test_no_greeting_to_automatic_mail(world, run):
    services.greeting_save(
        actor=world.admin, values={"channel": "email", "template": _template(world).pk}
    )
    Mailbox.objects.create(
        address="help@okno.test", group=world.group_a, send_acknowledgement=False
    )

    def create_auto_reply():
        with transaction.atomic():
            ticket = ticket_create(
                actor=world.customer_acme,
                subject="Out of office",
                body_text="I am away",
                channel="email",
                group=world.group_a,
            )
            message_mark_email(
                message=ticket.messages.get(), from_outside=False, auto_reason="auto-replied"
            )
        return ticket

    ticket = run(create_auto_reply)
    assert not ticket.messages.filter(author_kind="system").exists()
    assert AutoGreeting.objects.count() == 1


def test_macro_applies_changes_and_returns_reply(world, run):
    macro = services.macro_save(
        actor=world.agent_a,
        values={
            "title": "Need logs",
            "actions": [
                {"type": "reply", "params": {"text": "Hi {{ contact.first_name }}, send logs."}},
                {"type": "set_priority", "params": {"priority": "high"}},
                {"type": "add_tags", "params": {"tags": ["logs"]}},
                {"type": "set_status", "params": {"status": "pending"}},
            ],
        },
    )
    text = run(macro_run, ticket=world.ticket_a, macro=macro, actor=world.agent_a)
    assert text == "Hi Ivan, send logs."
    ticket = world.ticket_a
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH and ticket.state == "pending"
    assert list(ticket.tags.values_list("name", flat=True)) == ["logs"]
    assert ticket.events.get(field="priority").actor_user == world.agent_a
    assert not ticket.messages.filter(author_kind="system").exists()  # the agent sends it


def test_trigger_reply_from_template_and_apply_macro(world, run, make_trigger):
    template = _template(world)
    macro = Macro.objects.create(
        title="Tag", actions=[{"type": "add_tags", "params": {"tags": ["macro"]}}]
    )
    make_trigger(
        actions=[
            {"type": "send_reply", "params": {"template": template.pk}},
            {"type": "apply_macro", "params": {"macro": macro.pk}},
        ]
    )
    ticket = run(ticket_create, actor=world.customer_acme, subject="Q", body_text="Q")
    reply = ticket.messages.get(author_kind="system")
    assert reply.public and f"#{ticket.number}" in reply.body_text
    assert list(ticket.tags.values_list("name", flat=True)) == ["macro"]
    assert len(_mine(ticket)) == 1


def test_notify_and_email_actions(world, run, make_trigger):
    make_trigger(
        actions=[
            {"type": "assign", "params": {"user": world.agent_a.email}},
            {
                "type": "email",
                "params": {"to": "boss@acme.test", "text": "New: {{ ticket.subject }}"},
            },
        ]
    )
    make_trigger(
        name="Tell the assignee",
        events=["assigned"],
        actions=[
            {"type": "notify", "params": {"to": "assignee", "text": "Yours: #{{ ticket.number }}"}}
        ],
    )
    ticket = run(ticket_create, actor=world.customer_acme, subject="Urgent", body_text="Q")
    ticket.refresh_from_db()
    assert ticket.assignee == world.agent_a
    assert any(m.to == ["boss@acme.test"] and m.body == "New: Urgent" for m in mail.outbox)
    from okno.automation.actions import feature

    if feature("okno.notifications.services.notify"):
        from okno.notifications.models import Notification

        assert Notification.objects.filter(user=world.agent_a, text=f"Yours: #{ticket.number}")
    else:
        assert any(m.to == [world.agent_a.email] for m in mail.outbox)


def test_webhook_action_without_the_service_is_an_error_on_the_rule(world, run, make_trigger):
    from okno.automation.actions import WEBHOOK_SERVICE, feature

    trigger = make_trigger(actions=[{"type": "webhook", "params": {"event": "vip"}}])
    run(ticket_create, actor=world.customer_acme, subject="Q", body_text="Q")
    trigger.refresh_from_db()
    assert (trigger.error_count == 0) == (feature(WEBHOOK_SERVICE) is not None), trigger.last_error


def test_dry_run_finds_recent_matches(world):
    found = dry_run(
        events=["created"],
        conditions=[{"field": "body", "operator": "contains", "value": "invoice"}],
    )
    assert [t.number for t in found] == [world.ticket_b.number]
    assert dry_run(events=["customer_replied"], conditions=[]) == []
    assert ResponseTemplate.objects.count() == 0  # read-only

"""Events become notifications for the right people, never for the actor."""

import pytest
from django.core import mail

from okno.assignment.models import Mode
from okno.assignment.tests.helpers import committed, new_ticket, set_mode, update
from okno.notifications.handlers import handle_ticket_events
from okno.notifications.models import Kind, Notification
from okno.notifications.services import DIGEST_DELAY, notify, preferences_save, send_digest
from okno.tickets.services import ticket_reply
from okno.tickets.services.events import record_event

pytestmark = pytest.mark.django_db


def got(kind):
    return sorted(
        n.user.name for n in Notification.objects.filter(kind=kind).select_related("user")
    )


def test_a_new_ticket_tells_its_groups_agents_but_not_light_agents_or_others(world):
    new_ticket(world)
    assert got(Kind.NEW_IN_MY_GROUP) == ["Anna Agent", "Artem Agent"]


def test_auto_assignment_tells_the_assignee(world):
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    ticket = new_ticket(world)
    ticket.refresh_from_db()
    assert got(Kind.ASSIGNED_TO_ME) == [ticket.assignee.name]
    n = Notification.objects.get(kind=Kind.ASSIGNED_TO_ME)
    assert n.ticket_id == ticket.number and n.params["actor"] == "Auto-assignment"


def test_assigning_yourself_notifies_nobody_but_assigning_a_colleague_does(world):
    update(world.ticket_a, world.agent_a, assignee=world.agent_a)
    assert got(Kind.ASSIGNED_TO_ME) == []
    update(world.ticket_a, world.agent_a, assignee=world.agent_a2)
    assert got(Kind.ASSIGNED_TO_ME) == ["Artem Agent"]


def test_a_customer_reply_tells_the_assignee_and_an_agent_reply_does_not(world):
    update(world.ticket_a, world.admin, assignee=world.agent_a)
    with committed():
        ticket_reply(ticket=world.ticket_a, actor=world.customer_acme, body_text="Any news?")
    with committed():
        ticket_reply(ticket=world.ticket_a, actor=world.agent_a2, body_text="Working on it")
    assert got(Kind.CUSTOMER_REPLIED) == ["Anna Agent"]


def test_mentions_in_a_note_reach_staff_who_can_see_the_ticket(world):
    with committed():
        ticket_reply(
            ticket=world.ticket_a,
            actor=world.agent_a,
            public=False,
            body_text="@Artem Agent, @boris@okno.test and @Sofia: see this. @Anna Agent (me)",
        )
    # Boris works in billing and cannot see a first-line ticket; Anna wrote it.
    assert got(Kind.MENTION) == ["Artem Agent", "Sofia Supervisor"]


def test_sla_warning_and_breach_reach_the_assignee_and_supervisors(world):
    update(world.ticket_a, world.admin, assignee=world.agent_a2)
    from okno.sla.services import SLA_ACTOR

    events = [
        record_event(
            ticket_id=world.ticket_a.number,
            actor=SLA_ACTOR,
            kind=kind,
            data={"metric": "first_response"},
        )
        for kind in ("sla_warning", "sla_breach")
    ]
    handle_ticket_events(events)
    assert got(Kind.SLA_WARNING) == ["Artem Agent", "Sofia Supervisor"]
    assert got(Kind.SLA_BREACH) == ["Artem Agent", "Sofia Supervisor"]


def test_three_events_within_a_minute_make_one_email(world):
    update(world.ticket_a, world.admin, assignee=world.agent_a)
    for text in ("one", "two", "three"):
        with committed():
            ticket_reply(ticket=world.ticket_a, actor=world.customer_acme, body_text=text)
    pending = Notification.objects.filter(user=world.agent_a, email_pending=True)
    # assigned + three replies, one digest scheduled DIGEST_DELAY seconds after the first.
    assert pending.count() == 4 and DIGEST_DELAY == 60
    mail.outbox.clear()
    assert send_digest(world.agent_a.pk, world.ticket_a.number) is True
    assert send_digest(world.agent_a.pk, world.ticket_a.number) is False  # sends once
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@okno.test"]
    assert f"#{world.ticket_a.number}" in message.subject and "4" in message.subject
    assert message.body.count("Ivan Petrov replied") == 3


def test_the_digest_speaks_the_readers_language(world):
    world.agent_a.language = "ru"
    world.agent_a.save()
    notify(world.agent_a, kind=Kind.RULE, ticket=world.ticket_a, text="Escalated by rule")
    assert send_digest(world.agent_a.pk, world.ticket_a.number)
    assert "Escalated by rule" in mail.outbox[-1].body


def test_preferences_are_respected(world):
    preferences_save(user=world.agent_a, choices={Kind.ASSIGNED_TO_ME: (False, False)})
    preferences_save(user=world.agent_a2, choices={Kind.ASSIGNED_TO_ME: (True, False)})
    update(world.ticket_a, world.admin, assignee=world.agent_a)
    update(world.ticket_a, world.admin, assignee=world.agent_a2)
    assert got(Kind.ASSIGNED_TO_ME) == ["Artem Agent"]
    assert not Notification.objects.filter(email_pending=True).exists()
    assert notify(world.agent_a, kind=Kind.ASSIGNED_TO_ME, ticket=world.ticket_a) is None


def test_unknown_kinds_are_refused(world):
    with pytest.raises(ValueError):
        notify(world.agent_a, kind="nonsense")


def test_a_batch_of_customer_messages_loads_its_tickets_in_one_query(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okno.tickets.models import TicketEvent

    tickets = [new_ticket(world, subject=f"Help {i}") for i in range(4)]
    for ticket in tickets[:2]:
        update(ticket, world.admin, assignee=world.agent_a2)
    mark = TicketEvent.objects.order_by("id").last().id
    for ticket in tickets:  # handled below, as one dispatch batch
        ticket_reply(ticket=ticket, actor=world.customer_globex, body_text="Any news?")
    events = list(
        TicketEvent.objects.filter(kind="message", id__gt=mark)
        .select_related("ticket")
        .order_by("id")
    )
    with CaptureQueriesContext(connection) as queries:
        handle_ticket_events(events)
    loads = [q for q in queries if q["sql"].startswith('SELECT "tickets_ticket"."number"')]
    assert len(loads) == 1  # the whole batch's tickets (visibility checks are apart)
    assert got(Kind.CUSTOMER_REPLIED) == ["Artem Agent", "Artem Agent"]
    assert {n.ticket_id for n in Notification.objects.filter(kind=Kind.CUSTOMER_REPLIED)} == {
        t.number for t in tickets[:2]
    }

"""50 tickets arriving at once over two workers: evenly spread, none assigned twice,
none left. Each worker is a real thread with its own database connection (on
PostgreSQL two sessions racing for the group's row lock; on SQLite two IMMEDIATE
transactions racing for the write lock)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from okno.assignment.models import Mode
from okno.assignment.services import assign_ticket_automatically
from okno.assignment.tests.helpers import set_mode
from okno.tickets.models import Ticket, TicketEvent
from okno.tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def _worker(tickets, barrier, errors):
    try:
        barrier.wait(timeout=30)
        for ticket in tickets:
            assign_ticket_automatically(ticket)
    except Exception as exc:  # surfaced by the test below
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("mode", [Mode.ROUND_ROBIN, Mode.LEAST_OPEN])
def test_two_workers_spread_fifty_tickets_evenly_and_assign_each_once(mode):
    from okno.tests.personas import build_world

    world = build_world()
    tickets = [
        ticket_create(
            actor=world.customer_globex, subject=f"Rush {i}", body_text="x", group=world.group_a
        )
        for i in range(50)
    ]
    set_mode(world.group_a, mode)
    # Both workers see every ticket (a redelivered event), in opposite orders, so
    # they collide on each one.
    barrier, errors = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_worker, args=(order, barrier, errors))
        for order in (tickets, list(reversed(tickets)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    numbers = [t.number for t in tickets]
    owners = Counter(
        Ticket.objects.filter(number__in=numbers).values_list("assignee__name", flat=True)
    )
    assert None not in owners
    assert set(owners) == {"Anna Agent", "Artem Agent"}
    assert max(owners.values()) - min(owners.values()) <= 1
    per_ticket = Counter(
        TicketEvent.objects.filter(ticket_id__in=numbers, field="assignee").values_list(
            "ticket_id", flat=True
        )
    )
    assert sorted(per_ticket.values()) == [1] * 50

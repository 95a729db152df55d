"""Two workers run the check at the same moment, then a restarted one runs it again:
each warning and breach is announced exactly once (real, separate DB connections)."""

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection

from okno.sla.models import Metric, TicketSla
from okno.sla.services import sla_check
from okno.sla.tests.conftest import at
from okno.tickets.models import TicketEvent
from okno.tickets.services import ticket_create

TICKETS = 15


def run_workers(count: int, moment) -> list[dict]:
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(sla_check(now=moment))
        except Exception as exc:  # reported below: a thread's error must fail the test
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_and_a_restart_announce_once(world, policy):
    with time_machine.travel(at(0), tick=False):
        tickets = [
            ticket_create(actor=world.customer_acme, subject=f"T{i}", body_text="x")
            for i in range(TICKETS)
        ]
    clocks = TicketSla.objects.filter(ticket__in=tickets)
    assert clocks.count() == 2 * TICKETS
    # Tuesday 13:00: every first response is late, every resolution past 75 %.
    moment = at(27 * 60)
    results = run_workers(2, moment)
    assert sum(r["breached"] for r in results) == TICKETS
    assert sum(r["warned"] for r in results) == TICKETS
    results = run_workers(1, moment)  # the restarted worker
    assert results == [{"breached": 0, "warned": 0}]

    events = TicketEvent.objects.filter(kind__in=["sla_warning", "sla_breach"])
    per_clock = Counter((e.kind, e.data["sla"]) for e in events)
    assert set(per_clock.values()) == {1}
    breached = {sla for kind, sla in per_clock if kind == "sla_breach"}
    warned = {sla for kind, sla in per_clock if kind == "sla_warning"}
    assert breached == set(clocks.filter(metric=Metric.FIRST_RESPONSE).values_list("id", flat=True))
    assert warned == set(clocks.filter(metric=Metric.RESOLUTION).values_list("id", flat=True))

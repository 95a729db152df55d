"""Which events recompute a ticket's fact: the fields it copies do, tags do not."""

from okno.accounts.models import Group
from okno.reports.models_stats import TicketFact
from okno.tickets.models import Priority
from okno.tickets.services import ticket_update


def test_a_fact_follows_its_fields_and_ignores_the_others(
    world, django_capture_on_commit_callbacks
):
    ticket = world.ticket_a

    def update(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_update(ticket=ticket, actor=world.agent_a, changes=changes)
        return TicketFact.objects.get(ticket=ticket)

    TicketFact.objects.filter(ticket=ticket).delete()
    update(group=world.group_b)
    fact = TicketFact.objects.get(ticket=ticket)  # recomputed on the group change
    assert fact.group_id == world.group_b.pk
    fact.updated_at = fact.created_at
    fact.save()
    again = update(tags=["vip"], priority=Priority.HIGH, subject="Printer on fire")
    assert again.updated_at == fact.created_at  # not recomputed
    moved = update(group=Group.objects.get(pk=world.group_a.pk))
    assert moved.group_id == world.group_a.pk and moved.updated_at > fact.created_at


def test_a_fact_without_response_or_solve_does_not_read_calendars(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okno.reports.facts import refresh_facts

    TicketFact.objects.filter(ticket=world.ticket_a).delete()
    with CaptureQueriesContext(connection) as queries:
        refresh_facts([world.ticket_a.number])
    assert TicketFact.objects.filter(ticket=world.ticket_a).exists()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "sla_businesscalendar" not in sql and 'UPDATE "reports_ticketfact"' not in sql

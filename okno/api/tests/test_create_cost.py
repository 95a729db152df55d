"""What one POST /api/v1/tickets costs the database: a bounded number of queries
and one write transaction (contact, ticket, message, events and search entry)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.contacts.models import Contact
from okno.tickets.models import Ticket, TicketEvent

NEW_REQUESTER = {
    "subject": "Printer",
    "body": "Принтер не печатает.",
    "contact": {"email": "first.time@example.com", "name": "First Time"},
    "group": "First line",
}


def _create(client, payload):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/tickets", payload)
    assert response.status_code == 201, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries]


def _warm(client):
    """The first request of a process loads the catalog (groups, statuses)."""
    warm = {**NEW_REQUESTER, "contact": {"email": "warm@example.com"}}
    assert client.post("/tickets", warm).status_code == 201


def test_a_new_requesters_ticket_is_one_write_transaction(world, api_as, monkeypatch):
    from huey.contrib.djhuey import HUEY

    client = api_as(world.agent_a)
    _warm(client)
    # As in production: the event handlers (SLA clocks among them) run in a worker.
    monkeypatch.setattr(HUEY, "immediate", False)
    body, sql = _create(client, NEW_REQUESTER)

    # The test runs inside a transaction, so each atomic block is a savepoint: the
    # contact's (nested, for a racing twin) inside the ticket's, and no other.
    outer = [s for s in sql if s.startswith("SAVEPOINT")]
    assert len(outer) == 2, sql
    statements = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # token, identity, org domain, contact, identity, ticket, message, events, search
    assert len(statements) <= 10, statements
    assert body["sla"] == []  # clocks start after commit, in the worker
    ticket = Ticket.objects.get(number=body["id"])
    assert ticket.contact == Contact.objects.get(email="first.time@example.com")
    assert ticket.contact.name == "First Time"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "message"]  # in this order, one INSERT


def test_a_known_requester_is_read_not_written(world, api_as):
    client = api_as(world.agent_a)
    _warm(client)
    payload = {**NEW_REQUESTER, "contact": {"email": world.customer_acme.email}}
    _body, sql = _create(client, payload)
    assert not any('INTO "contacts_' in s for s in sql), sql
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1, sql

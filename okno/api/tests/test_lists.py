"""Cursor pagination and constant query counts of the list endpoints."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.contacts.services import contact_get_or_create
from okno.tickets.services import ticket_create


def make_tickets(world, count, **fields):
    for i in range(count):
        ticket_create(
            actor=world.agent_a,
            subject=f"Ticket {i}",
            body_text=f"body {i}",
            contact=world.customer_acme,
            group=world.group_a,
            tags=["bulk", f"t{i % 3}"],
            assignee=world.agent_a2 if i % 2 else None,
            **fields,
        )


def walk(client, path, params):
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return seen, pages


def test_cursor_pagination_is_complete_without_duplicates(world, api_as):
    make_tickets(world, 120)
    client = api_as(world.supervisor)
    for sort in ("updated", "created", "oldest", "priority", "number"):
        seen, pages = walk(client, "/tickets", {"limit": 25, "sort": sort})
        assert len(seen) == len(set(seen)) == 122, sort
        assert pages == 5


def test_view_and_query_filters(world, api_as):
    make_tickets(world, 6)
    client = api_as(world.agent_a)
    unassigned = client.get("/tickets", {"view": "unassigned"}).json()["results"]
    assert all(t["assignee"] is None for t in unassigned)
    tagged = client.get("/tickets", {"q": "tag:t1"}).json()["results"]
    assert {t["subject"] for t in tagged} == {"Ticket 1", "Ticket 4"}
    assert client.get("/tickets", {"q": "принтер"}).json()["results"][0]["id"] == (
        world.ticket_a.number
    )


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


def test_ticket_list_query_count_does_not_grow(world, api_as):
    staff, customer = api_as(world.agent_a), api_as(world.customer_acme)
    make_tickets(world, 5)
    # Warm up: the token's last_used_at write happens on the first call only.
    staff.get("/tickets"), customer.get("/tickets")
    few = count_queries(staff, "/tickets", {"limit": 100})
    few_customer = count_queries(customer, "/tickets", {"limit": 100})
    make_tickets(world, 45)
    assert count_queries(staff, "/tickets", {"limit": 100}) == few
    assert count_queries(customer, "/tickets", {"limit": 100}) == few_customer


def test_messages_query_count_does_not_grow(world, api_as):
    from okno.tickets.services import AttachmentInput, ticket_reply

    client = api_as(world.agent_a)
    path = f"/tickets/{world.ticket_a.number}/messages"
    client.get(path)

    def add(n):
        for i in range(n):
            ticket_reply(
                ticket=world.ticket_a,
                actor=world.agent_a,
                body_text=f"r{i}",
                attachments=[AttachmentInput(filename="a.txt", data=f"{i}".encode())],
            )

    add(2)
    few = count_queries(client, path)
    add(20)
    assert count_queries(client, path) == few


def test_directory_lists_query_count_does_not_grow(world, api_as):
    client = api_as(world.admin)
    client.get("/me")
    paths = ["/contacts", "/organizations", "/users", "/groups", "/tags", "/statuses"]
    before = {p: count_queries(client, p) for p in paths}
    for i in range(20):
        contact_get_or_create(value=f"person{i}@acme.test", name=f"Person {i}")
    from okno.tests.personas import make_user

    for i in range(10):
        make_user(f"agent{i}@okno.test", f"Agent {i}", groups=[world.group_a, world.group_b])
    after = {p: count_queries(client, p) for p in paths}
    assert after == before


def test_contacts_cursor_walks_everyone(world, api_as):
    for i in range(30):
        contact_get_or_create(value=f"p{i:02}@example.com", name=f"P {i:02}")
    seen, _pages = walk(api_as(world.agent_a), "/contacts", {"limit": 7})
    assert len(seen) == len(set(seen)) == 33

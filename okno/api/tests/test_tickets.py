"""Tickets over the API: the stable contract, changes, locking, access."""

from okno.tickets.models import Channel, Message, Priority, Ticket, TicketEvent
from okno.tickets.services import ticket_update

CONTRACT_KEYS = {
    "id",
    "subject",
    "status",
    "priority",
    "group",
    "assignee",
    "contact",
    "tags",
    "version",
    "created_at",
}


def test_create_ticket_contract(world, api_as):
    """POST /api/v1/tickets exactly as scripts call it."""
    response = api_as(world.agent_a).post(
        "/tickets",
        {
            "subject": "VPN is down",
            "body": "Since this morning the VPN refuses connections.",
            "contact": {"email": "new.person@example.com", "name": "New Person"},
            "group": "First line",
            "priority": "high",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert isinstance(body["id"], int)
    assert body["subject"] == "VPN is down"
    assert body["priority"] == "high"
    assert body["group"] == "First line"
    assert body["assignee"] is None
    assert body["status"] == "New"
    assert body["contact"]["email"] == "new.person@example.com"
    assert body["contact"]["name"] == "New Person"
    assert isinstance(body["contact"]["id"], int)
    assert body["tags"] == []
    assert body["version"] == 1
    ticket = Ticket.objects.get(number=body["id"])
    assert ticket.channel == Channel.API
    assert ticket.priority == Priority.HIGH
    assert ticket.messages.get().body_text.startswith("Since this morning")
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()


def test_create_ticket_optional_fields(world, api_as):
    response = api_as(world.agent_a).post(
        "/tickets",
        {
            "subject": "Laptop",
            "body_html": "<p>Hello <script>alert(1)</script><b>there</b></p>",
            "contact": {"email": "ivan@acme.test", "name": ""},
            "group": world.group_a.pk,
            "priority": "urgent",
            "tags": ["VIP", "hardware"],
            "assignee": "anna@okno.test",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact"]["id"] == world.customer_acme.pk
    assert body["tags"] == ["hardware", "vip"]
    assert body["assignee"]["email"] == "anna@okno.test"
    assert body["organization"]["name"] == "Acme"
    message = Ticket.objects.get(number=body["id"]).messages.get()
    assert "<script>" not in message.body_html


def test_idempotency_key_makes_one_ticket(world, api_as):
    client = api_as(world.agent_a)
    payload = {"subject": "Once", "body": "x", "contact": {"email": "a@example.com", "name": "A"}}
    first = client.post("/tickets", payload, headers={"Idempotency-Key": "k-1"}).json()
    second = client.post("/tickets", payload, headers={"Idempotency-Key": "k-1"}).json()
    third = client.post("/tickets", {**payload, "idempotency_key": "k-1"}).json()
    assert first["id"] == second["id"] == third["id"]
    # Another principal's identical key is its own.
    other = api_as(world.agent_a2).post("/tickets", payload, headers={"Idempotency-Key": "k-1"})
    assert other.json()["id"] != first["id"]


def test_customer_creates_for_itself(world, api_as):
    response = api_as(world.customer_acme).post(
        "/tickets",
        {
            "subject": "From the API",
            "body": "Hello",
            "contact": {"email": "someone.else@example.com", "name": "X"},
            "group": "Billing",
            "priority": "urgent",
        },
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["id"])
    assert ticket.contact == world.customer_acme
    assert ticket.group is None
    assert ticket.priority == Priority.NORMAL
    assert "group" not in response.json()


def test_create_validation_names_the_field(world, api_as):
    client = api_as(world.agent_a)
    base = {"subject": "S", "body": "b", "contact": {"email": "a@example.com", "name": "A"}}
    cases = [
        ({**base, "priority": "enormous"}, "priority"),
        ({**base, "group": "Nope"}, "group"),
        ({**base, "contact": {"email": "not-an-email", "name": "A"}}, "email"),
        ({**base, "subject": "   "}, "subject"),
        ({k: v for k, v in base.items() if k != "contact"}, "contact"),
        ({**base, "contact": {"name": "A"}}, "contact.email"),
        ({**base, "custom_fields": {"nope": 1}}, "custom_fields.nope"),
    ]
    for payload, field in cases:
        response = client.post("/tickets", payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["error"]["field"] == field, response.json()


def test_html_in_subject_is_data(world, api_as):
    subject = '<img src=x onerror="alert(1)"> & <b>bold</b>'
    response = api_as(world.agent_a).post(
        "/tickets",
        {
            "subject": subject,
            "body_html": '<p onclick="x()">hi<iframe src="https://evil"></iframe></p>',
            "contact": {"email": "a@example.com", "name": "A"},
            "group": "First line",
        },
    )
    body = response.json()
    assert body["subject"] == subject
    messages = api_as(world.agent_a).get(f"/tickets/{body['id']}/messages").json()
    html = messages[0]["body_html"]
    assert "onclick" not in html and "iframe" not in html
    assert "hi" in html


def test_get_ticket(world, api_as):
    response = api_as(world.agent_a).get(f"/tickets/{world.ticket_a.number}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == world.ticket_a.number
    assert body["contact"]["email"] == "ivan@acme.test"


def test_agent_b_gets_404_on_ticket_a(world, api_as):
    client = api_as(world.agent_b)
    number = world.ticket_a.number
    assert client.get(f"/tickets/{number}").status_code == 404
    assert client.get(f"/tickets/{number}/messages").status_code == 404
    response = client.patch(f"/tickets/{number}", {"version": 1, "subject": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.post(f"/tickets/{number}/messages", {"body": "hi"}).status_code == 404
    assert client.delete(f"/tickets/{number}").status_code == 404
    assert Ticket.objects.get(number=number).subject == "Printer does not print"


def test_patch_changes_fields_and_bumps_version(world, api_as):
    from okno.tickets.models import CustomField

    CustomField.objects.create(key="asset", label="Asset", kind="text")
    ticket = world.ticket_a
    response = api_as(world.agent_a).patch(
        f"/tickets/{ticket.number}",
        {
            "version": ticket.version,
            "subject": "Printer on floor 2",
            "status": "Open",
            "priority": "urgent",
            "assignee": "artem@okno.test",
            "tags": ["printer"],
            "custom_fields": {"asset": "PR-17"},
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "Printer on floor 2"
    assert body["status"] == "Open"
    assert body["state"] == "open"
    assert body["priority"] == "urgent"
    assert body["assignee"]["email"] == "artem@okno.test"
    assert body["tags"] == ["printer"]
    assert body["custom_fields"] == {"asset": "PR-17"}
    assert body["version"] > ticket.version
    ticket.refresh_from_db()
    assert ticket.assignee == world.agent_a2
    assert TicketEvent.objects.filter(ticket=ticket, field="assignee").exists()


def test_patch_status_by_id_and_unassign(world, api_as):
    from okno.tickets.models import Status

    solved = Status.objects.get(category="solved", is_default=True)
    client = api_as(world.agent_a)
    ticket = world.ticket_a
    first = client.patch(
        f"/tickets/{ticket.number}", {"version": ticket.version, "assignee": world.agent_a.pk}
    ).json()
    second = client.patch(
        f"/tickets/{ticket.number}",
        {"version": first["version"], "assignee": None, "status": solved.pk},
    )
    assert second.status_code == 200, second.content
    assert second.json()["assignee"] is None
    assert second.json()["state"] == "solved"


def test_patch_with_stale_version_is_409(world, api_as):
    ticket = world.ticket_a
    stale = ticket.version
    ticket_update(ticket=ticket, actor=world.agent_a2, changes={"subject": "Changed meanwhile"})
    response = api_as(world.agent_a).patch(
        f"/tickets/{ticket.number}", {"version": stale, "subject": "Mine"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"]["current_version"] == stale + 1
    assert error["details"]["changes"][0]["field"] == "subject"
    ticket.refresh_from_db()
    assert ticket.subject == "Changed meanwhile"


def test_patch_requires_version(world, api_as):
    response = api_as(world.agent_a).patch(f"/tickets/{world.ticket_a.number}", {"subject": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "version"


def test_light_agent_may_not_patch(world, api_as):
    ticket = world.ticket_a
    response = api_as(world.light_agent).patch(
        f"/tickets/{ticket.number}", {"version": ticket.version, "subject": "x"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_delete_needs_the_delete_action(world, api_as):
    number = world.ticket_a.number
    assert api_as(world.agent_a).delete(f"/tickets/{number}").status_code == 403
    assert api_as(world.supervisor).delete(f"/tickets/{number}").status_code == 204
    assert Ticket.objects.get(number=number).is_deleted
    assert api_as(world.supervisor).get(f"/tickets/{number}").status_code == 404


def test_merge_and_link(world, api_as):
    client = api_as(world.supervisor)
    a, b = world.ticket_a.number, world.ticket_b.number
    link = client.post(f"/tickets/{a}/links", {"ticket": b, "kind": "related"})
    assert link.status_code == 201
    assert link.json() == {"source": a, "target": b, "kind": "related"}
    assert client.delete(f"/tickets/{a}/links/{b}").status_code == 204
    merged = client.post(f"/tickets/{a}/merge", {"into": b})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == b
    assert Ticket.objects.get(number=a).merged_into_id == b
    assert Message.objects.filter(ticket_id=b).count() == 2
    self_merge = client.post(f"/tickets/{b}/merge", {"into": b})
    assert self_merge.status_code == 422


def test_merge_into_invisible_ticket_names_the_field(world, api_as):
    response = api_as(world.agent_a).post(
        f"/tickets/{world.ticket_a.number}/merge", {"into": world.ticket_b.number}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "into"

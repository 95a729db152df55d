"""A customer's token sees exactly what the customer sees in the portal."""

from okno.tickets.models import CustomField
from okno.tickets.services import ticket_create, ticket_update


def test_customer_sees_own_tickets_only(world, api_as):
    client = api_as(world.customer_acme)
    numbers = [t["id"] for t in client.get("/tickets").json()["results"]]
    assert numbers == [world.ticket_a.number]
    assert client.get(f"/tickets/{world.ticket_b.number}").status_code == 404
    assert client.get(f"/tickets/{world.ticket_b.number}/messages").status_code == 404
    reply = client.post(f"/tickets/{world.ticket_b.number}/messages", {"body": "hi"})
    assert reply.status_code == 404


def test_colleague_tickets_only_when_organization_shares(world, api_as):
    client = api_as(world.customer_acme2)
    assert client.get(f"/tickets/{world.ticket_a.number}").status_code == 404
    world.org_acme.shares_tickets = True
    world.org_acme.save()
    assert client.get(f"/tickets/{world.ticket_a.number}").status_code == 200


def test_followed_tickets_are_visible(world, api_as):
    world.ticket_b.followers.add(world.customer_acme)
    numbers = {t["id"] for t in api_as(world.customer_acme).get("/tickets").json()["results"]}
    assert numbers == {world.ticket_a.number, world.ticket_b.number}


def test_customer_view_has_no_staff_fields(world, api_as):
    CustomField.objects.create(key="internal_code", label="Code", kind="text")
    CustomField.objects.create(key="order", label="Order", kind="text", visible_to_customer=True)
    ticket_update(
        ticket=world.ticket_a,
        actor=world.agent_a,
        changes={
            "tags": ["angry"],
            "custom_fields": {"internal_code": "X1", "order": "42"},
            "assignee": world.agent_a,
        },
    )
    body = api_as(world.customer_acme).get(f"/tickets/{world.ticket_a.number}").json()
    assert "tags" not in body and "group" not in body
    assert body["custom_fields"] == {"order": "42"}
    assert body["assignee"] == "Anna Agent"
    listed = api_as(world.customer_acme).get("/tickets").json()["results"][0]
    assert listed == body


def test_customer_is_refused_staff_resources(world, api_as):
    client = api_as(world.customer_acme)
    for path in ("/contacts", "/organizations", "/users", "/groups", "/statuses", "/tags"):
        assert client.get(path).status_code == 403, path
    assert (
        client.patch(
            f"/tickets/{world.ticket_a.number}", {"version": 1, "subject": "x"}
        ).status_code
        == 403
    )


def test_customer_custom_fields_on_create(world, api_as):
    CustomField.objects.create(key="secret", label="Secret", kind="text")
    response = api_as(world.customer_acme).post(
        "/tickets", {"subject": "x", "body": "y", "custom_fields": {"secret": "1"}}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "custom_fields.secret"


def test_customer_token_of_merged_contact_acts_as_survivor(world, api_as):
    from okno.contacts.services import contact_merge

    client = api_as(world.customer_acme2)
    contact_merge(source=world.customer_acme2, target=world.customer_acme, actor=world.admin)
    ticket_create(actor=world.customer_acme, subject="Later", body_text="x")
    assert client.get("/me").json()["id"] == world.customer_acme.pk

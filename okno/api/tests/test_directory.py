"""Contacts, organizations, users and the settings catalog over the API."""

from okno.accounts.models import Group, User
from okno.contacts.models import Contact, Identity, MergeSuggestion
from okno.tickets.models import Category, CustomField, Status, Tag


def test_contacts_crud_and_identities(world, api_as):
    client = api_as(world.agent_a)
    created = client.post("/contacts", {"name": "Pavel", "email": "pavel@acme.test"})
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["organization"]["name"] == "Acme"
    found = client.get("/contacts", {"q": "pavel"}).json()["results"]
    assert [c["id"] for c in found] == [contact["id"]]
    changed = client.patch(f"/contacts/{contact['id']}", {"name": "Pavel P.", "notes": "VIP"})
    assert changed.status_code == 200
    assert Contact.objects.get(pk=contact["id"]).notes == "VIP"
    added = client.post(
        f"/contacts/{contact['id']}/identities", {"kind": "telegram", "value": "12345"}
    )
    assert added.status_code == 201
    identities = client.get(f"/contacts/{contact['id']}/identities").json()
    assert {(i["kind"], i["value"]) for i in identities} == {
        ("email", "pavel@acme.test"),
        ("telegram", "12345"),
    }
    taken = client.post(
        f"/contacts/{contact['id']}/identities", {"kind": "email", "value": "ivan@acme.test"}
    )
    assert taken.status_code == 422
    error = taken.json()["error"]
    assert error["code"] == "identity_taken" and error["field"] == "value"
    assert "Ivan Petrov" in error["message"]
    suggestion = MergeSuggestion.objects.get(pk=error["details"]["suggestion"])
    assert error["details"]["contact"] == world.customer_acme.pk
    assert {suggestion.contact_id, suggestion.other_id} == {contact["id"], world.customer_acme.pk}
    assert (suggestion.reason_kind, suggestion.reason_value) == ("email", "ivan@acme.test")
    # Dismissed, then added by hand again: the agent says they may be one person.
    MergeSuggestion.objects.filter(pk=suggestion.pk).update(dismissed=True)
    again = client.post(
        f"/contacts/{contact['id']}/identities", {"kind": "email", "value": "IVAN@acme.test"}
    )
    assert again.json()["error"]["details"]["suggestion"] == suggestion.pk
    assert MergeSuggestion.objects.get(pk=suggestion.pk).dismissed is False
    removed = client.delete(f"/contacts/{contact['id']}/identities/{added.json()['id']}")
    assert removed.status_code == 204
    assert not Identity.objects.filter(value="12345").exists()


def test_light_agent_reads_but_does_not_edit_contacts(world, api_as):
    client = api_as(world.light_agent)
    assert client.get(f"/contacts/{world.customer_acme.pk}").status_code == 200
    response = client.patch(f"/contacts/{world.customer_acme.pk}", {"name": "X"})
    assert response.status_code == 403


def test_organizations(world, api_as):
    client = api_as(world.supervisor)
    created = client.post(
        "/organizations",
        {"name": "Initech", "domains": ["initech.test"], "account_manager": "sofia@okno.test"},
    )
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["domains"] == ["initech.test"]
    assert org["account_manager"]["email"] == "sofia@okno.test"
    changed = client.patch(
        f"/organizations/{org['id']}", {"shares_tickets": True, "domains": ["initech.example"]}
    )
    assert changed.json()["domains"] == ["initech.example"]
    assert changed.json()["shares_tickets"] is True
    clash = client.patch(f"/organizations/{org['id']}", {"domains": ["acme.test"]})
    assert clash.status_code == 422
    assert clash.json()["error"]["field"] == "domains"
    names = [o["name"] for o in client.get("/organizations").json()["results"]]
    assert names == ["Acme", "Globex", "Initech"]


def test_users_list_and_admin_creates(world, api_as):
    listed = api_as(world.agent_a).get("/users", {"limit": 3}).json()
    assert len(listed["results"]) == 3 and listed["next_cursor"]
    payload = {
        "email": "new@okno.test",
        "name": "New Agent",
        "password": "a long enough password",
        "groups": [world.group_a.pk],
    }
    assert api_as(world.agent_a).post("/users", payload).status_code == 403
    created = api_as(world.admin).post("/users", payload)
    assert created.status_code == 201, created.content
    assert created.json()["groups"] == [{"id": world.group_a.pk, "name": "First line"}]
    assert User.objects.get(email="new@okno.test").check_password("a long enough password")


def test_catalog_admin_writes(world, api_as):
    admin = api_as(world.admin)
    group = admin.post("/groups", {"name": "Third line", "members": [world.agent_b.pk]})
    assert group.status_code == 201
    renamed = admin.patch(f"/groups/{group.json()['id']}", {"description": "Hard cases"})
    assert renamed.json()["members"] == [world.agent_b.pk]
    assert Group.objects.get(name="Third line").description == "Hard cases"

    status = admin.post("/statuses", {"name": "Waiting for parts", "category": "on_hold"})
    assert status.status_code == 201
    assert admin.patch(f"/statuses/{status.json()['id']}", {"name": "Parts"}).status_code == 200
    assert Status.objects.filter(name="Parts").exists()

    parent = admin.post("/categories", {"name": "Hardware"}).json()
    child = admin.post("/categories", {"name": "Printers", "parent": parent["id"]})
    assert child.json()["parent"] == parent["id"]
    loop = admin.patch(f"/categories/{parent['id']}", {"parent": child.json()["id"]})
    assert loop.status_code == 422
    assert Category.objects.count() == 2

    tag = admin.post("/tags", {"name": "  Urgent Stuff "})
    assert tag.json()["name"] == "urgent stuff"
    assert admin.patch(f"/tags/{tag.json()['id']}", {"name": "urgent"}).status_code == 200
    assert Tag.objects.filter(name="urgent").exists()

    field = admin.post(
        "/custom-fields",
        {"key": "asset", "label": "Asset", "kind": "select", "options": ["A", "B"]},
    )
    assert field.status_code == 201, field.content
    changed = admin.patch(f"/custom-fields/{field.json()['id']}", {"visible_to_customer": True})
    assert changed.json()["options"] == ["A", "B"]
    assert CustomField.objects.get(key="asset").visible_to_customer


def test_catalog_reads_for_staff_writes_for_admins(world, api_as):
    agent = api_as(world.agent_a)
    for path in ("/groups", "/statuses", "/categories", "/tags", "/custom-fields"):
        assert agent.get(path).status_code == 200, path
    assert agent.post("/statuses", {"name": "x", "category": "open"}).status_code == 403
    assert agent.post("/tags", {"name": "x"}).status_code == 403
    assert agent.post("/categories", {"name": "x"}).status_code == 403

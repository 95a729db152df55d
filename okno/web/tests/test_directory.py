"""Contact and organization pages: scoped tickets, editing rights, merging, escaping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from okno.contacts.models import Contact, Identity, Organization, OrganizationDomain
from okno.contacts.services import contact_get_or_create
from okno.tickets.models import Ticket, TicketEvent
from okno.tickets.services import ticket_create


def login(client, user):
    client.force_login(user)
    return client


def ticket_numbers(response) -> set[int]:
    return {t.number for t in response.context["tickets"]}


# --- who sees what --------------------------------------------------------------


def test_every_staff_member_sees_a_contact_but_only_their_tickets(client, world):
    login(client, world.agent_a)
    response = client.get(reverse("web:contact", args=[world.customer_globex.pk]))
    assert response.status_code == 200
    assert ticket_numbers(response) == set()
    body = response.content.decode()
    assert world.ticket_b.subject not in body
    assert f"#{world.ticket_b.number}<" not in body

    login(client, world.agent_b)
    response = client.get(reverse("web:contact", args=[world.customer_globex.pk]))
    assert ticket_numbers(response) == {world.ticket_b.number}
    assert world.ticket_b.subject in response.content.decode()


def test_organization_page_lists_only_visible_tickets(client, world):
    hidden = ticket_create(
        actor=world.customer_acme2, subject="Salary question", body_text="x", group=world.group_b
    )
    login(client, world.agent_a)
    response = client.get(reverse("web:organization", args=[world.org_acme.pk]))
    assert response.status_code == 200
    assert ticket_numbers(response) == {world.ticket_a.number}
    assert hidden.subject not in response.content.decode()
    assert {m.pk for m in response.context["members"]} == {
        world.customer_acme.pk,
        world.customer_acme2.pk,
    }

    login(client, world.supervisor)
    response = client.get(reverse("web:organization", args=[world.org_acme.pk]))
    assert ticket_numbers(response) == {world.ticket_a.number, hidden.number}


def test_light_agent_may_look_but_not_edit(client, world):
    login(client, world.light_agent)
    assert client.get(reverse("web:contacts")).status_code == 200
    assert client.get(reverse("web:contact", args=[world.customer_acme.pk])).status_code == 200
    assert client.get(reverse("web:contact_new")).status_code == 403
    response = client.post(
        reverse("web:contact_edit", args=[world.customer_acme.pk]),
        {"name": "Hacked", "language": "en"},
    )
    assert response.status_code == 403
    world.customer_acme.refresh_from_db()
    assert world.customer_acme.name == "Ivan Petrov"
    assert client.post(reverse("web:organization_new"), {"name": "X"}).status_code == 403
    assert not Organization.objects.filter(name="X").exists()


def test_strangers_are_sent_to_login(client, world):
    response = client.get(reverse("web:contact", args=[world.customer_acme.pk]))
    assert response.status_code == 302


# --- lists ----------------------------------------------------------------------


def test_contact_search_by_name_email_phone_and_identity(client, world):
    login(client, world.agent_a)
    Identity.objects.create(contact=world.customer_globex, kind="telegram", value="gleb_tg")
    for query, expected in [
        ("petrov", world.customer_acme),
        ("olga@acme", world.customer_acme2),
        ("gleb_tg", world.customer_globex),
    ]:
        response = client.get(reverse("web:contacts"), {"q": query})
        assert [c.pk for c in response.context["page"].rows] == [expected.pk]


def test_contact_list_pages_by_cursor(client, world, settings):
    from okno.contacts import selectors

    for i in range(7):
        contact_get_or_create(value=f"p{i}@example.test", name=f"Page {i}")
    first = selectors.contact_list(query="page", limit=3)
    second = selectors.contact_list(query="page", cursor=first.next_cursor, limit=3)
    third = selectors.contact_list(query="page", cursor=second.next_cursor, limit=3)
    names = [c.name for c in first.rows + second.rows + third.rows]
    assert names == [f"Page {i}" for i in range(7)]
    assert third.next_cursor is None
    login(client, world.agent_a)
    response = client.get(reverse("web:contacts"), {"after": "not-a-cursor"})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["web:contacts", "web:organizations"])
def test_list_query_count_does_not_grow_with_rows(client, world, name):
    login(client, world.agent_a)
    client.get(reverse(name))  # warm up session and caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(15):
        org = Organization.objects.create(name=f"Org {i}")
        OrganizationDomain.objects.create(organization=org, domain=f"org{i}.test")
        contact_get_or_create(value=f"c{i}@org{i}.test", name=f"Contact {i}")
    assert count() == before


# --- editing --------------------------------------------------------------------


def test_agent_creates_a_contact_who_joins_the_organization_of_its_domain(client, world):
    login(client, world.agent_a)
    response = client.post(
        reverse("web:contact_new"),
        {
            "name": "Pavel",
            "email": "Pavel@Acme.test",
            "phone": "+7 916 123-45-67",
            "language": "ru",
        },
    )
    contact = Contact.objects.get(email="pavel@acme.test")
    assert response.status_code == 302
    assert contact.organization == world.org_acme
    assert contact.phone == "+79161234567"
    assert set(contact.identities.values_list("kind", flat=True)) == {"email", "phone"}


def test_new_contact_with_a_taken_email_shows_the_error(client, world):
    login(client, world.agent_a)
    response = client.post(
        reverse("web:contact_new"), {"name": "Copy", "email": "ivan@acme.test", "language": "en"}
    )
    assert response.status_code == 400
    assert "belongs to another contact" in " ".join(response.context["form"].errors["email"])
    assert Contact.objects.filter(name="Copy").count() == 0


def test_agent_edits_a_contact(client, world):
    login(client, world.agent_a)
    response = client.post(
        reverse("web:contact_edit", args=[world.customer_acme.pk]),
        {
            "name": "Ivan P.",
            "organization": world.org_globex.pk,
            "language": "ru",
            "timezone": "Europe/Moscow",
            "account_manager": world.agent_a2.pk,
            "notes": "VIP",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(pk=world.customer_acme.pk)
    assert (contact.name, contact.organization, contact.language) == (
        "Ivan P.",
        world.org_globex,
        "ru",
    )
    assert (contact.timezone, contact.account_manager, contact.notes) == (
        "Europe/Moscow",
        world.agent_a2,
        "VIP",
    )


def test_identities_are_added_and_removed(client, world):
    login(client, world.agent_a)
    contact = world.customer_acme
    url = reverse("web:contact_identity_add", args=[contact.pk])
    assert client.post(url, {"kind": "telegram", "value": "ivan_tg"}).status_code == 302
    identity = Identity.objects.get(kind="telegram", value="ivan_tg")
    assert identity.contact_id == contact.pk

    response = client.post(url, {"kind": "email", "value": "olga@acme.test"})
    assert response.status_code == 400
    assert "Merge the contacts" in " ".join(response.context["identity_form"].errors["value"])

    email = Identity.objects.get(contact=contact, kind="email")
    client.post(reverse("web:contact_identity_remove", args=[contact.pk, email.pk]))
    contact.refresh_from_db()
    assert not Identity.objects.filter(pk=email.pk).exists()
    assert contact.email == ""


def test_contact_merge_asks_then_moves_tickets_and_identities(client, world):
    login(client, world.agent_a)
    source, target = world.customer_acme2, world.customer_acme
    olga_ticket = ticket_create(
        actor=source, subject="From Olga", body_text="x", group=world.group_a
    )
    url = reverse("web:contact_merge", args=[source.pk])

    response = client.get(url, {"target": "ivan@acme.test"})
    assert response.status_code == 200
    assert response.context["target"] == target
    assert Ticket.objects.get(pk=olga_ticket.pk).contact_id == source.pk  # nothing yet

    response = client.post(url, {"target": "ivan@acme.test", "confirm": "1"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=olga_ticket.pk).contact_id == target.pk
    assert Identity.objects.get(value="olga@acme.test").contact_id == target.pk
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert TicketEvent.objects.filter(ticket=olga_ticket, kind="contact_merged").exists()
    # The old page leads to the contact that lives on.
    response = client.get(reverse("web:contact", args=[source.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:contact", args=[target.pk])


def test_contact_merge_refuses_itself_and_unknown_targets(client, world):
    login(client, world.agent_a)
    url = reverse("web:contact_merge", args=[world.customer_acme.pk])
    for target in ("ivan@acme.test", "nobody@nowhere.test", f"#{world.customer_acme.pk}"):
        response = client.post(url, {"target": target, "confirm": "1"})
        assert response.status_code == 400
        assert response.context["merge_form"].errors["target"]
    assert not Contact.objects.filter(merged_into__isnull=False).exists()


def test_organization_create_edit_and_domain_conflict(client, world):
    login(client, world.agent_a)
    response = client.post(
        reverse("web:organization_new"),
        {"name": "Initech", "domains": "initech.test\n@Initech.example", "shares_tickets": "on"},
    )
    org = Organization.objects.get(name="Initech")
    assert response.status_code == 302
    assert org.shares_tickets
    assert set(org.domains.values_list("domain", flat=True)) == {
        "initech.test",
        "initech.example",
    }

    response = client.post(
        reverse("web:organization_edit", args=[org.pk]),
        {"name": "Initech", "domains": "initech.test\nacme.test"},
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["domains"])
    assert "Domain acme.test already belongs to another organization." in errors
    assert "acme.test" in response.content.decode()
    assert set(org.domains.values_list("domain", flat=True)) == {
        "initech.test",
        "initech.example",
    }
    assert OrganizationDomain.objects.get(domain="acme.test").organization == world.org_acme

    response = client.post(reverse("web:organization_new"), {"name": "acme"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    response = client.post(
        reverse("web:organization_edit", args=[org.pk]),
        {"name": "Initech", "domains": "not a domain"},
    )
    assert response.status_code == 400


# --- escaping -------------------------------------------------------------------


def test_contact_name_with_markup_is_escaped(client, world):
    evil, _ = contact_get_or_create(value="evil@example.test", name="<script>alert(1)</script>")
    Organization.objects.create(name="<img src=x onerror=alert(1)>")
    login(client, world.agent_a)
    for url in (
        reverse("web:contact", args=[evil.pk]),
        reverse("web:contacts"),
        reverse("web:organizations"),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
    body = client.get(reverse("web:contact", args=[evil.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body

"""Ticket structure from the page (merge, split, links, sub-tickets, delete), the
new-ticket form and attachment downloads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from okno.tests.personas import PASSWORD
from okno.tickets.models import Message, StatusCategory, Ticket, TicketEvent, TicketLink
from okno.tickets.selectors import attachment_get_for_user
from okno.tickets.services import AttachmentInput, ticket_create, ticket_reply


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def another_a_ticket(world, subject="Scanner too"):
    return ticket_create(
        actor=world.customer_acme2, subject=subject, body_text="Also broken", group=world.group_a
    )


# --- merge, split, links, sub-tickets, delete --------------------------------------------


def test_merge_through_the_page(world, client):
    target = another_a_ticket(world)
    login(client, world.agent_a)
    response = client.post(f"/tickets/{world.ticket_a.number}/merge/", {"number": target.number})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{target.number}/"
    source = Ticket.objects.get(number=world.ticket_a.number)
    assert source.merged_into_id == target.number
    assert source.state == StatusCategory.CLOSED
    assert Message.objects.filter(ticket=target).count() == 2


def test_merge_into_a_ticket_the_agent_cannot_see_is_refused(world, client):
    login(client, world.agent_a)
    response = client.post(
        f"/tickets/{world.ticket_a.number}/merge/", {"number": world.ticket_b.number}
    )
    assert response.status_code == 302
    assert Ticket.objects.get(number=world.ticket_a.number).merged_into_id is None
    assert Message.objects.filter(ticket=world.ticket_b).count() == 1


def test_light_agent_cannot_merge(world, client):
    target = another_a_ticket(world)
    login(client, world.light_agent)
    response = client.post(f"/tickets/{world.ticket_a.number}/merge/", {"number": target.number})
    assert response.status_code == 404
    assert Ticket.objects.get(number=world.ticket_a.number).merged_into_id is None


def test_split_chosen_messages_into_a_new_ticket(world, client):
    moved = ticket_reply(ticket=world.ticket_a, actor=world.customer_acme, body_text="New issue")
    login(client, world.agent_a)
    response = client.post(
        f"/tickets/{world.ticket_a.number}/split/",
        {"messages": [moved.pk], "subject": "Scanner problem"},
    )
    assert response.status_code == 302
    new = Ticket.objects.get(subject="Scanner problem")
    assert response["Location"] == f"/tickets/{new.number}/"
    assert list(Message.objects.filter(ticket=new).values_list("id", flat=True)) == [moved.pk]
    assert Message.objects.filter(ticket=world.ticket_a).count() == 1
    assert TicketEvent.objects.filter(ticket=world.ticket_a, kind="split").exists()


def test_link_and_unlink_through_the_page(world, client):
    other = another_a_ticket(world)
    login(client, world.agent_a)
    client.post(
        f"/tickets/{world.ticket_a.number}/links/", {"number": other.number, "kind": "duplicate"}
    )
    link = TicketLink.objects.get(source=world.ticket_a, target=other)
    assert link.kind == "duplicate"
    # Both ends show the link.
    assert f"#{world.ticket_a.number} Printer" in client.get(f"/tickets/{other.number}/").text
    client.post(f"/tickets/{world.ticket_a.number}/links/{other.number}/delete/")
    assert not TicketLink.objects.exists()
    kinds = set(TicketEvent.objects.filter(ticket=world.ticket_a).values_list("kind", flat=True))
    assert {"linked", "unlinked"} <= kinds


def test_add_and_remove_a_sub_ticket(world, client):
    child = another_a_ticket(world)
    login(client, world.agent_a)
    client.post(f"/tickets/{world.ticket_a.number}/children/", {"number": child.number})
    assert Ticket.objects.get(number=child.number).parent_id == world.ticket_a.number
    html = client.get(f"/tickets/{world.ticket_a.number}/").text
    assert f"/tickets/{world.ticket_a.number}/children/{child.number}/remove/" in html
    client.post(f"/tickets/{world.ticket_a.number}/children/{child.number}/remove/")
    assert Ticket.objects.get(number=child.number).parent_id is None


def test_only_admins_and_supervisors_delete(world, client):
    login(client, world.agent_a)
    assert client.post(f"/tickets/{world.ticket_a.number}/delete/").status_code == 404
    login(client, world.admin)
    response = client.post(f"/tickets/{world.ticket_a.number}/delete/")
    assert response.status_code == 302
    assert Ticket.objects.get(number=world.ticket_a.number).is_deleted
    assert client.get(f"/tickets/{world.ticket_a.number}/").status_code == 404


# --- new ticket ---------------------------------------------------------------------------


def new_ticket_data(world, key):
    return {
        "idempotency_key": key,
        "email": "new.person@example.test",
        "name": "New Person",
        "subject": "Cannot log in",
        "body": "Since this morning.",
        "group": world.group_a.pk,
        "priority": 3,
        "tags": "login, vip",
    }


def test_new_ticket_form_creates_one_ticket_even_when_submitted_twice(world, client):
    login(client, world.agent_a)
    page = client.get("/tickets/new/")
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    assert f'value="{key}"' in page.text
    first = client.post("/tickets/new/", new_ticket_data(world, key))
    second = client.post("/tickets/new/", new_ticket_data(world, key))
    tickets = Ticket.objects.filter(subject="Cannot log in")
    assert tickets.count() == 1
    ticket = tickets.get()
    assert first["Location"] == second["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.contact.email == "new.person@example.test"
    assert ticket.priority == 3
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["login", "vip"]
    assert ticket.messages.get().author_contact == ticket.contact


def test_new_ticket_for_an_existing_contact_written_by_the_agent(world, client):
    login(client, world.agent_a)
    data = new_ticket_data(world, "k-2")
    data.update(email="", contact=world.customer_acme.pk, message_from_agent="on")
    data["attachments"] = [SimpleUploadedFile("notes.txt", b"call log", content_type="text/plain")]
    response = client.post("/tickets/new/", data)
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Cannot log in")
    assert ticket.contact == world.customer_acme
    message = ticket.messages.get()
    assert message.author_user == world.agent_a
    assert [a.filename for a in message.attachments.all()] == ["notes.txt"]


def test_new_ticket_errors_keep_what_was_typed(world, client):
    login(client, world.agent_a)
    data = new_ticket_data(world, "k-3")
    data["email"] = ""
    response = client.post("/tickets/new/", data)
    assert response.status_code == 422
    assert "Since this morning." in response.text
    assert not Ticket.objects.filter(subject="Cannot log in").exists()


# --- downloads ----------------------------------------------------------------------------


def attach(world, name, data, content_type="", public=True, ticket=None):
    message = ticket_reply(
        ticket=ticket or world.ticket_a,
        actor=world.agent_a,
        body_text="see file",
        public=public,
        attachments=[AttachmentInput(filename=name, data=data, content_type=content_type)],
    )
    return message.attachments.get()


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
    ],
)
def test_active_content_is_never_served_inline(world, client, name, data, declared):
    attachment = attach(world, name, data, declared)
    login(client, world.agent_a)
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert name in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == data


def test_images_may_be_shown_inline(world, client):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    attachment = attach(world, "shot.png", png, "image/png")
    login(client, world.agent_a)
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_agent_of_another_group_cannot_download(world, client):
    attachment = attach(world, "a.txt", b"secret", "text/plain")
    login(client, world.agent_b)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_customer_cannot_get_an_internal_note_attachment(world):
    internal = attach(world, "internal.txt", b"internal", "text/plain", public=False)
    public = attach(world, "public.txt", b"public", "text/plain")
    assert attachment_get_for_user(world.customer_acme, public.pk) == public
    with pytest.raises(Http404):
        attachment_get_for_user(world.customer_acme, internal.pk)
    with pytest.raises(Http404):
        attachment_get_for_user(world.customer_globex, public.pk)

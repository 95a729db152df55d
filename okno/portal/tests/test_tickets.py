import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from okno.portal.tests.conftest import portal_login
from okno.tickets.models import Attachment, Channel, Message, StatusCategory, TicketEvent
from okno.tickets.services import AttachmentInput, ticket_create, ticket_reply, ticket_update
from okno.tickets.services.lifecycle import default_status

pytestmark = pytest.mark.django_db


def _ticket_url(ticket):
    return reverse("portal:ticket", args=[ticket.number])


def _set_state(ticket, agent, category):
    return ticket_update(ticket=ticket, actor=agent, changes={"status": default_status(category)})


def test_a_customer_sees_their_own_tickets_and_not_other_peoples(acme_client, world):
    page = acme_client.get(reverse("portal:tickets")).content.decode()

    assert "Printer does not print" in page
    assert "Invoice is wrong" not in page
    assert acme_client.get(_ticket_url(world.ticket_a)).status_code == 200
    assert acme_client.get(_ticket_url(world.ticket_b)).status_code == 404
    assert acme_client.get(reverse("portal:ticket", args=[999_999])).status_code == 404


def test_others_numbers_cannot_be_replied_to_or_solved(acme_client, world):
    n = world.ticket_b.number
    assert acme_client.post(reverse("portal:reply", args=[n]), {"text": "hi"}).status_code == 404
    assert acme_client.post(reverse("portal:solve", args=[n])).status_code == 404
    assert not Message.objects.filter(ticket=world.ticket_b, body_text="hi").exists()


def test_organization_tickets_are_visible_only_when_the_organization_shares(client, world):
    portal_login(client, world.customer_acme2)
    assert client.get(_ticket_url(world.ticket_a)).status_code == 404
    assert "Printer does not print" not in client.get(reverse("portal:tickets")).content.decode()

    world.org_acme.shares_tickets = True
    world.org_acme.save()

    page = client.get(reverse("portal:tickets")).content.decode()
    assert "Printer does not print" in page
    assert "by Ivan Petrov" in page
    assert client.get(_ticket_url(world.ticket_a)).status_code == 200
    assert client.get(_ticket_url(world.ticket_b)).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(_ticket_url(world.ticket_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_internal_notes_never_reach_the_page_but_agent_replies_do(acme_client, world):
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="SECRET NOTE", public=False)
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="We are on it.")

    page = acme_client.get(_ticket_url(world.ticket_a)).content.decode()

    assert "SECRET NOTE" not in page
    assert "We are on it." in page
    assert "Anna Agent" in page


def test_statuses_read_in_customer_words(acme_client, world):
    _set_state(world.ticket_a, world.agent_a, StatusCategory.PENDING)
    assert "Awaiting your reply" in acme_client.get(reverse("portal:tickets")).content.decode()
    _set_state(world.ticket_a, world.agent_a, StatusCategory.ON_HOLD)
    assert "In progress" in acme_client.get(_ticket_url(world.ticket_a)).content.decode()


def test_a_reply_reopens_a_pending_ticket(acme_client, world):
    _set_state(world.ticket_a, world.agent_a, StatusCategory.PENDING)

    response = acme_client.post(
        reverse("portal:reply", args=[world.ticket_a.number]),
        {"text": "Here is the log.", "attachments": [SimpleUploadedFile("log.txt", b"ok")]},
    )

    assert response.status_code == 302
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.state == StatusCategory.OPEN
    message = Message.objects.filter(ticket=world.ticket_a).latest("id")
    assert message.body_text == "Here is the log."
    assert message.author_contact == world.customer_acme
    assert message.channel == Channel.PORTAL
    assert [a.filename for a in message.attachments.all()] == ["log.txt"]
    assert "Your reply was sent." in acme_client.get(response["Location"]).content.decode()


def test_an_empty_reply_is_refused_nicely(acme_client, world):
    response = acme_client.post(reverse("portal:reply", args=[world.ticket_a.number]), {})
    assert response.status_code == 400
    assert "The message is empty." in response.content.decode()


def test_mark_as_solved(acme_client, world):
    response = acme_client.post(reverse("portal:solve", args=[world.ticket_a.number]))

    assert response.status_code == 302
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.state == StatusCategory.SOLVED
    event = TicketEvent.objects.filter(ticket=world.ticket_a, kind="status_changed").get()
    assert event.actor_contact == world.customer_acme
    page = acme_client.get(_ticket_url(world.ticket_a)).content.decode()
    assert "Mark as solved" not in page

    again = acme_client.post(reverse("portal:solve", args=[world.ticket_a.number]))
    assert "already solved" in acme_client.get(again["Location"]).content.decode()


def test_a_closed_ticket_shows_no_reply_form_and_refuses_replies(acme_client, world):
    _set_state(world.ticket_a, world.agent_a, StatusCategory.CLOSED)
    url = reverse("portal:reply", args=[world.ticket_a.number])

    page = acme_client.get(_ticket_url(world.ticket_a)).content.decode()
    assert f'action="{url}"' not in page
    assert "This request is closed." in page

    response = acme_client.post(url, {"text": "Hello?"})
    assert response.status_code == 400
    assert "Please open a new one." in response.content.decode()
    assert not Message.objects.filter(body_text="Hello?").exists()


def test_subject_and_body_are_shown_escaped(acme_client, world):
    ticket = ticket_create(
        actor=world.customer_acme,
        subject="<script>alert('s')</script>",
        body_text="<img src=x onerror=alert('b')>",
    )
    ticket_reply(
        ticket=ticket,
        actor=world.agent_a,
        body_html="<p>ok</p><script>alert('h')</script><a href=\"javascript:alert(1)\">x</a>",
    )

    page = acme_client.get(_ticket_url(ticket)).content.decode()
    listing = acme_client.get(reverse("portal:tickets")).content.decode()

    for html in (page, listing):
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror" in page
    assert "javascript:" not in page


def _attachment(ticket, actor, *, public, name="notes.html", data=b"<script>x</script>"):
    ticket_reply(
        ticket=ticket,
        actor=actor,
        body_text="file",
        public=public,
        attachments=[AttachmentInput(filename=name, data=data, content_type="text/html")],
    )
    return Attachment.objects.latest("id")


def test_the_attachment_of_an_internal_note_is_404_for_the_customer(acme_client, world):
    secret = _attachment(world.ticket_a, world.agent_a, public=False)
    response = acme_client.get(reverse("portal:attachment", args=[secret.pk]))
    assert response.status_code == 404


def test_a_public_attachment_downloads_safely(acme_client, world):
    attachment = _attachment(world.ticket_a, world.agent_a, public=True)
    page = acme_client.get(_ticket_url(world.ticket_a)).content.decode()
    url = reverse("portal:attachment", args=[attachment.pk])
    assert url in page

    response = acme_client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == b"<script>x</script>"


def test_an_image_may_open_inline(acme_client, world):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    attachment = _attachment(world.ticket_a, world.agent_a, public=True, name="a.png", data=png)
    response = acme_client.get(reverse("portal:attachment", args=[attachment.pk]))
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "image/png"


def test_another_customers_attachment_is_404(client, world):
    attachment = _attachment(world.ticket_b, world.agent_b, public=True)
    portal_login(client, world.customer_acme)
    assert client.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404


def test_the_list_pages_newest_first_with_bounded_queries(
    acme_client, world, django_assert_max_num_queries
):
    for i in range(30):
        ticket_create(actor=world.customer_acme, subject=f"Request {i:02d}", body_text="b")

    with django_assert_max_num_queries(8):
        first = acme_client.get(reverse("portal:tickets"))

    html = first.content.decode()
    assert html.index("Request 29") < html.index("Request 28")
    assert "Request 04" not in html
    assert first.context["next_before"] is not None
    second = acme_client.get(reverse("portal:tickets"), {"before": first.context["next_before"]})
    html2 = second.content.decode()
    assert "Request 04" in html2
    assert "Printer does not print" in html2
    assert "Request 29" not in html2

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from okno.contacts.models import Identity
from okno.portal.tests.conftest import form_key, portal_login
from okno.tickets.models import Category, Channel, Message, Ticket

pytestmark = pytest.mark.django_db


def _post(client, key, **overrides):
    data = {
        "name": "Vera Novak",
        "email": "vera@example.test",
        "subject": "Cannot log in",
        "text": "The site says my password is wrong.",
        "category": "",
        "website": "",
        "key": key,
        **overrides,
    }
    return client.post(reverse("portal:home"), data)


def test_the_form_creates_a_ticket_a_contact_and_a_portal_message(client, world):
    category = Category.objects.create(name="Accounts")
    key = form_key(client.get(reverse("portal:home")))

    response = _post(client, key, category=str(category.pk))

    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Cannot log in")
    assert ticket.channel == Channel.PORTAL
    assert ticket.category == category
    assert ticket.contact.name == "Vera Novak"
    assert Identity.objects.filter(value="vera@example.test", contact=ticket.contact).exists()
    message = Message.objects.get(ticket=ticket)
    assert message.channel == Channel.PORTAL
    assert message.author_contact == ticket.contact
    assert message.public
    thanks = client.get(response["Location"])
    assert f"#{ticket.number}" in thanks.content.decode()


def test_a_double_submit_with_the_same_key_makes_one_ticket(client, world):
    key = form_key(client.get(reverse("portal:home")))
    before = Ticket.objects.count()

    _post(client, key)
    _post(client, key)

    assert Ticket.objects.count() == before + 1


def test_every_render_gets_a_fresh_key(client, world):
    first = form_key(client.get(reverse("portal:home")))
    second = form_key(client.get(reverse("portal:home")))
    assert first != second


def test_a_filled_honeypot_makes_no_ticket_but_looks_like_success(client, world):
    key = form_key(client.get(reverse("portal:home")))
    before = Ticket.objects.count()

    response = _post(client, key, website="http://spam.example")

    assert response.status_code == 302
    assert Ticket.objects.count() == before
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you" in thanks.content.decode()


def test_the_honeypot_is_hidden_by_a_css_class_not_an_inline_style(client, world):
    html = client.get(reverse("portal:home")).content.decode()
    assert 'class="p-hp"' in html
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline scripts


def test_more_than_five_requests_from_one_address_answer_429(client, world):
    for i in range(5):
        response = _post(client, form_key(client.get("/portal/")), email=f"u{i}@example.test")
        assert response.status_code == 302
    before = Ticket.objects.count()

    response = _post(client, form_key(client.get("/portal/")), email="u9@example.test")

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert Ticket.objects.count() == before


def test_more_than_five_requests_for_one_email_answer_429_from_any_ip(client, world):
    for i in range(5):
        response = client.post(
            "/portal/",
            {
                "name": "V",
                "email": "vera@example.test",
                "subject": f"S{i}",
                "text": "t",
                "key": f"key-{i}-abcdefghijklmnop",
            },
            REMOTE_ADDR=f"10.0.0.{i}",
        )
        assert response.status_code == 302

    response = client.post(
        "/portal/",
        {"name": "V", "email": "vera@example.test", "subject": "S", "text": "t", "key": "k" * 20},
        REMOTE_ADDR="10.0.0.99",
    )

    assert response.status_code == 429


def test_invalid_input_shows_errors_and_makes_nothing(client, world):
    before = Ticket.objects.count()
    response = _post(client, form_key(client.get("/portal/")), email="not-an-email", subject="")
    assert response.status_code == 400
    assert Ticket.objects.count() == before
    assert 'class="p-error"' in response.content.decode()


def test_attachments_are_stored_and_the_size_limit_comes_from_the_service(client, world, settings):
    key = form_key(client.get("/portal/"))
    files = [
        SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"),
        SimpleUploadedFile("b.txt", b"world", content_type="text/plain"),
    ]
    response = _post(client, key, attachments=files)
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Cannot log in")
    names = sorted(a.filename for m in ticket.messages.all() for a in m.attachments.all())
    assert names == ["a.txt", "b.txt"]

    settings.OKNO_MAX_ATTACHMENT_SIZE = 10
    big = SimpleUploadedFile("big.bin", b"x" * 11, content_type="application/octet-stream")
    response = _post(client, form_key(client.get("/portal/")), subject="Big", attachments=[big])
    assert response.status_code == 400
    assert "big.bin" in response.content.decode()
    assert not Ticket.objects.filter(subject="Big").exists()


def test_a_logged_in_customer_writes_as_their_contact(client, world):
    portal_login(client, world.customer_acme)
    page = client.get("/portal/")
    assert 'name="email"' not in page.content.decode()

    response = client.post(
        "/portal/",
        {"subject": "Toner", "text": "We need toner.", "key": form_key(page), "website": ""},
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Toner")
    assert ticket.contact == world.customer_acme
    assert ticket.organization == world.org_acme

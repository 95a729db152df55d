import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from okno.portal.auth import LANGUAGE_KEY, SESSION_KEY
from okno.portal.models import MagicLink

pytestmark = pytest.mark.django_db


def _request_link(client, email="ivan@acme.test", **extra):
    return client.post(reverse("portal:login"), {"email": email}, **extra)


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _token_from_mail(message) -> str:
    match = re.search(r"/portal/login/([A-Za-z0-9_-]{20,})/", message.body)
    assert match, message.body
    return match.group(1)


def test_a_known_email_gets_a_single_use_link(client, world):
    response = _request_link(client, "IVAN@acme.test")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ivan@acme.test"]
    token = _token_from_mail(mail.outbox[0])
    link = MagicLink.objects.get(contact=world.customer_acme)
    assert token not in link.token_hash  # only the hash is stored
    assert link.expires_at - link.created_at == dt.timedelta(minutes=30)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, world):
    known = client.get(_request_link(client, "ivan@acme.test")["Location"])
    mail.outbox.clear()

    response = _request_link(client, "nobody@example.test")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login_sent")
    assert _without_csrf(client.get(response["Location"])) == _without_csrf(known)
    assert mail.outbox == []
    assert not MagicLink.objects.exclude(contact=world.customer_acme).exists()


def test_opening_the_link_does_not_use_it_pressing_the_button_does(client, world):
    _request_link(client)
    token = _token_from_mail(mail.outbox[0])
    url = reverse("portal:magic", kwargs={"token": token})

    page = client.get(url)
    assert page.status_code == 200
    assert '<form method="post"' in page.content.decode()
    assert MagicLink.objects.get().used_at is None
    assert SESSION_KEY not in client.session

    old_key = client.session.session_key
    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:tickets")
    assert client.session[SESSION_KEY] == world.customer_acme.pk
    assert client.session.session_key != old_key  # rotated on login
    assert MagicLink.objects.get().used_at is not None
    assert client.get(reverse("portal:tickets")).status_code == 200


def test_a_link_works_only_once(client, world):
    _request_link(client)
    url = reverse("portal:magic", kwargs={"token": _token_from_mail(mail.outbox[0])})
    client.post(url)

    other = Client()  # someone who found the link later
    assert other.get(url).status_code == 400
    response = other.post(url)
    assert response.status_code == 400
    assert SESSION_KEY not in other.session


def test_a_link_expires_after_thirty_minutes(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _request_link(client)
        url = reverse("portal:magic", kwargs={"token": _token_from_mail(mail.outbox[0])})
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(url).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))

        assert client.get(url).status_code == 400
        assert client.post(url).status_code == 400
        assert SESSION_KEY not in client.session


def test_a_made_up_token_logs_nobody_in(client, world):
    url = reverse("portal:magic", kwargs={"token": "x" * 43})
    assert client.post(url).status_code == 400
    assert SESSION_KEY not in client.session


def test_login_requests_are_rate_limited(client, world):
    for _i in range(5):
        assert _request_link(client).status_code == 302

    response = _request_link(client)

    assert response.status_code == 429
    assert len(mail.outbox) == 5


def test_the_link_leads_back_to_the_page_that_asked_for_login(client, world):
    ticket_url = reverse("portal:ticket", args=[world.ticket_a.number])
    redirect = client.get(ticket_url)
    assert redirect.status_code == 302
    login_url = redirect["Location"]
    assert login_url.startswith(reverse("portal:login"))

    client.post(login_url, {"email": "ivan@acme.test"})
    url = reverse("portal:magic", kwargs={"token": _token_from_mail(mail.outbox[0])})

    assert client.post(url)["Location"] == ticket_url


def test_logout_ends_the_portal_session(client, world):
    _request_link(client)
    client.post(reverse("portal:magic", kwargs={"token": _token_from_mail(mail.outbox[0])}))

    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("portal:tickets")).status_code == 302


def test_the_mail_is_written_in_the_contacts_language(client, world):
    world.customer_acme.language = "uk"
    world.customer_acme.save()

    _request_link(client, HTTP_ACCEPT_LANGUAGE="en")

    # The visitor browses in English; the mail is for the contact, in theirs.
    assert mail.outbox[0].extra_headers["Content-Language"] == "uk"


def test_the_language_switcher_stores_the_choice_in_the_session(client, world):
    response = client.post(reverse("portal:language"), {"language": "uk", "next": "/portal/login/"})

    assert response["Location"] == "/portal/login/"
    assert client.session[LANGUAGE_KEY] == "uk"
    assert client.get("/portal/login/")["Content-Language"] == "uk"


def test_the_language_switcher_refuses_foreign_redirects(client, world):
    response = client.post(
        reverse("portal:language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("portal:home")
    assert LANGUAGE_KEY not in client.session

"""The agent KB pages: list, editor, publish, history/restore, ticket suggestions,
article from a reply, statistics permissions and branding."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from okno.kb.branding import HelpCenterBranding
from okno.kb.models import Article, Deflection, KbSearchLog, Visibility
from okno.kb.services import article_save_draft
from okno.kb.tests.factories import published
from okno.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def test_light_agent_reads_the_list_but_cannot_create(client, world):
    published(world.agent_a, "Internal howto", "x", visibility=Visibility.INTERNAL)
    client.force_login(world.light_agent)
    assert "Internal howto" in client.get("/kb/").content.decode()
    assert client.get("/kb/new/").status_code == 403
    assert (
        client.post(
            "/kb/new/", {"title": "x", "language": "en", "visibility": "public"}
        ).status_code
        == 403
    )


def test_customers_and_visitors_cannot_open_the_agent_pages(client, world):
    assert client.get("/kb/").status_code == 302  # to the login page
    assert client.get("/kb/stats/").status_code == 302


def test_list_filters_by_status_language_and_visibility(client, world):
    live = published(world.agent_a, "Live article", "x")
    draft = Article.objects.get(pk=published(world.agent_a, "Other", "y").pk)
    article_save_draft(actor=world.agent_a, article=draft, title="Other changed", body_markdown="z")
    client.force_login(world.agent_a)
    html = client.get("/kb/", {"status": "changed"}).content.decode()
    assert "Other" in html and "Live article" not in html
    html = client.get("/kb/", {"language": "ru"}).content.decode()
    assert "Live article" not in html
    html = client.get("/kb/", {"visibility": "public", "status": "published"}).content.decode()
    assert "Live article" in html
    assert live.pk


def _form(**overrides):
    data = {
        "title": "How to reset a password",
        "body_markdown": "Open **Settings**.",
        "category": "",
        "language": "en",
        "visibility": "public",
        "tags": "account, password",
        "slug": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_editor_creates_a_draft_then_publishes_and_restores(client, world):
    client.force_login(world.agent_a)
    response = client.post("/kb/new/", _form())
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kb/{article.pk}/"
    assert article.published_version is None
    assert sorted(article.tags.values_list("name", flat=True)) == ["account", "password"]
    assert client.get(reverse("helpcenter:article", args=["en", article.slug])).status_code == 404

    client.post(f"/kb/{article.pk}/publish/")
    article.refresh_from_db()
    assert article.published_version.number == 1
    assert client.get(reverse("helpcenter:article", args=["en", article.slug])).status_code == 200

    client.post(f"/kb/{article.pk}/", _form(body_markdown="Second text", publish="1"))
    article.refresh_from_db()
    assert article.published_version.number == 2
    assert "Second text" in article.published_version.body_markdown

    history = client.get(f"/kb/{article.pk}/history/").content.decode()
    assert "Restore as draft" in history
    client.post(f"/kb/{article.pk}/history/1/restore/", {"publish": "1"})
    article.refresh_from_db()
    assert article.published_version.number == 3
    assert article.published_version.body_markdown == "Open **Settings**."


def test_editor_refuses_an_invalid_form_and_keeps_the_text(client, world):
    client.force_login(world.agent_a)
    response = client.post("/kb/new/", _form(title=""))
    assert response.status_code == 400
    assert "Open **Settings**." in response.content.decode()
    assert not Article.objects.exists()


def test_organization_visibility_and_translation_through_the_editor(client, world):
    client.force_login(world.agent_a)
    client.post(
        "/kb/new/",
        _form(visibility="organizations", organizations=[world.org_acme.pk], publish="1"),
    )
    source = Article.objects.get()
    assert list(source.organizations.all()) == [world.org_acme]
    page = client.get(f"/kb/new/?translation_of={source.pk}").content.decode()
    assert f'value="{source.pk}"' in page
    client.post(
        "/kb/new/",
        _form(
            title="Как сбросить пароль",
            language="ru",
            translation_of=source.pk,
            visibility="organizations",
            organizations=[world.org_acme.pk],
        ),
    )
    ru = Article.objects.get(language="ru")
    assert ru.translation_group == source.translation_group


def test_preview_renders_sanitized_markdown(client, world):
    client.force_login(world.agent_a)
    html = client.post(
        "/kb/preview/", {"body_markdown": "**b** <script>alert(1)</script>"}
    ).content.decode()
    assert "<strong>b</strong>" in html
    assert "<script>" not in html


def test_stats_page_is_for_supervisors_and_admins(client, world):
    client.force_login(world.agent_a)
    assert client.get("/kb/stats/").status_code == 403
    client.force_login(world.supervisor)
    assert client.get("/kb/stats/").status_code == 200
    client.force_login(world.admin)
    assert client.get("/kb/stats/?days=7").status_code == 200


def test_stats_show_views_votes_empty_searches_and_deflections(client, world):
    article = published(world.agent_a, "Printer setup", "printer cable")
    url = reverse("helpcenter:article", args=["en", article.slug])
    visitor = client.__class__()
    visitor.get(url + "?from=request-form")
    visitor.post(url + "vote/", {"helpful": "yes"})
    visitor.get(reverse("helpcenter:search"), {"q": "quantum fax"})
    Deflection.objects.update(created_at=timezone.now() - dt.timedelta(minutes=31))
    client.force_login(world.supervisor)
    html = client.get("/kb/stats/").content.decode()
    assert "quantum fax" in html
    assert "Printer setup" in html
    assert "100%" in html
    assert KbSearchLog.objects.filter(results_count=0).count() == 1


def test_branding_is_for_admins_and_validates_colour_and_logo(client, world):
    client.force_login(world.supervisor)
    assert client.get("/kb/branding/").status_code == 403
    client.force_login(world.admin)
    bad = client.post("/kb/branding/", {"company_name": "Acme", "primary_color": "red"})
    assert bad.status_code == 400 and not HelpCenterBranding.objects.exists()
    svg = SimpleUploadedFile("logo.svg", b"<svg onload='x'/>", content_type="image/svg+xml")
    bad = client.post(
        "/kb/branding/", {"company_name": "Acme", "primary_color": "#aa0000", "logo": svg}
    )
    assert bad.status_code == 400
    png = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    ok = client.post(
        "/kb/branding/", {"company_name": "Acme", "primary_color": "#AA0000", "logo": png}
    )
    assert ok.status_code == 302
    branding = HelpCenterBranding.objects.get()
    assert (branding.primary_color, branding.logo_type) == ("#aa0000", "image/png")
    assert "#aa0000" in client.get("/help/theme.css").content.decode()
    logo = client.get("/help/logo/")
    assert logo["Content-Type"] == "image/png"


# --- ticket page -------------------------------------------------------------------------


def test_ticket_page_loads_suggestions_lazily(client, world):
    client.force_login(world.agent_a)
    html = client.get(f"/tickets/{world.ticket_a.number}/").content.decode()
    assert f"/kb/ticket/{world.ticket_a.number}/suggestions/" in html
    assert 'hx-trigger="load"' in html


def test_ticket_suggestions_offer_link_and_text(client, world):
    public = published(
        world.agent_a, "Printer does not print", "Check the printer cable and paper."
    )
    internal = published(
        world.agent_a,
        "Printer will not print: escalation",
        "Printer vendor hotline.",
        visibility=Visibility.INTERNAL,
    )
    client.force_login(world.agent_a)
    html = client.get(f"/kb/ticket/{world.ticket_a.number}/suggestions/").content.decode()
    assert "does not" in html and "escalation" in html  # staff see internal articles
    assert reverse("helpcenter:article", args=["en", public.slug]) in html
    assert reverse("helpcenter:article", args=["en", internal.slug]) not in html  # no useless link
    assert "Check the printer cable and paper." in html
    assert "data-kb-insert=" in html


def test_ticket_suggestions_follow_ticket_access(client, world):
    client.force_login(world.agent_b)
    assert client.get(f"/kb/ticket/{world.ticket_a.number}/suggestions/").status_code == 404


def test_ticket_page_query_count_is_unchanged_by_the_card(client, world):
    client.force_login(world.agent_a)
    url = f"/tickets/{world.ticket_a.number}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not any("kb_" in q["sql"] for q in queries.captured_queries)


def test_create_an_article_from_an_agent_reply(client, world):
    message = ticket_reply(
        ticket=world.ticket_a, actor=world.agent_a, body_text="Turn it off and on."
    )
    client.force_login(world.agent_a)
    page = client.get(f"/tickets/{world.ticket_a.number}/").content.decode()
    link = f"/kb/new/?ticket={world.ticket_a.number}&amp;message={message.pk}"
    assert link in page
    editor = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Turn it off and on." in editor
    assert world.ticket_a.subject in editor


def test_article_from_a_reply_needs_access_to_the_ticket(client, world):
    message = ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="Secret fix")
    client.force_login(world.agent_b)
    response = client.get(f"/kb/new/?ticket={world.ticket_a.number}&message={message.pk}")
    assert response.status_code == 404


def test_xss_title_is_escaped_in_agent_pages(client, world):
    evil = published(world.agent_a, "<script>alert(1)</script> printer", "printer")
    client.force_login(world.admin)
    for page in (
        "/kb/",
        f"/kb/{evil.pk}/",
        f"/kb/{evil.pk}/history/",
        f"/kb/{evil.pk}/history/1/",
        f"/kb/ticket/{world.ticket_a.number}/suggestions/",
    ):
        html = client.get(page).content.decode()
        assert "<script>alert" not in html, page


# --- deflection rule ---------------------------------------------------------------------


def _read_from_form(client, article):
    url = reverse("helpcenter:article", args=[article.language, article.slug])
    assert client.get(url + "?from=request-form").status_code == 200


def _submit_request(client):
    from okno.portal.tests.conftest import form_key

    key = form_key(client.get("/portal/"))
    data = {
        "name": "Vera",
        "email": "vera@example.test",
        "subject": "Help",
        "text": "Still broken",
        "category": "",
        "website": "",
        "key": key,
    }
    assert client.post("/portal/", data).status_code == 302


def _counted():
    from okno.kb.services_deflection import counted_deflections

    return counted_deflections().count()


def test_reading_a_suggested_article_and_leaving_counts_after_30_minutes(client, world):
    article = published(world.agent_a, "Printer setup", "x")
    _read_from_form(client, article)
    _read_from_form(client, article)  # once per visit
    assert Deflection.objects.count() == 1
    assert _counted() == 0  # the window is still open
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert _counted() == 1


def test_submitting_a_request_within_30_minutes_cancels_the_deflection(client, world):
    article = published(world.agent_a, "Printer setup", "x")
    _read_from_form(client, article)
    _submit_request(client)
    assert Deflection.objects.count() == 0


def test_a_request_after_the_window_does_not_cancel_a_counted_deflection(client, world):
    article = published(world.agent_a, "Printer setup", "x")
    _read_from_form(client, article)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        _submit_request(client)
        assert _counted() == 1


def test_not_helpful_cancels_and_plain_reading_records_nothing(client, world):
    article = published(world.agent_a, "Printer setup", "x")
    client.get(reverse("helpcenter:article", args=["en", article.slug]))
    assert Deflection.objects.count() == 0
    _read_from_form(client, article)
    client.post(reverse("helpcenter:vote", args=["en", article.slug]), {"helpful": "no"})
    assert Deflection.objects.count() == 0

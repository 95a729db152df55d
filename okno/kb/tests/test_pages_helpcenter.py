"""The public help center: pages, visibility, votes, views, search, sitemap, theme."""

import pytest
from django.urls import reverse

from okno.kb.branding import HelpCenterBranding
from okno.kb.models import ArticleView, ArticleVote, KbCategory, KbSearchLog, Visibility
from okno.kb.services import category_create
from okno.kb.tests.factories import published
from okno.portal.tests.conftest import portal_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(world):
    k = type("KB", (), {})()
    k.category = category_create(actor=world.agent_a, name="Printing", slug="printing")
    k.public = published(
        world.agent_a,
        "Printer setup guide",
        "Connect the **printer** with the cable, then install the driver.",
        category=k.category,
        tags=["printer"],
    )
    k.public_ru = published(
        world.agent_a,
        "Настройка принтера",
        "Подключите принтер кабелем.",
        language="ru",
        translation_of=k.public,
        category=k.category,
    )
    k.internal = published(
        world.agent_a,
        "Printer internal escalation",
        "Call the printer vendor hotline.",
        visibility=Visibility.INTERNAL,
        category=k.category,
    )
    k.acme = published(
        world.agent_a,
        "Printer contract for Acme",
        "Acme printer contract terms.",
        visibility=Visibility.ORGANIZATIONS,
        organizations=[world.org_acme],
        category=k.category,
    )
    return k


def url(article, suffix=""):
    return reverse("helpcenter:article", args=[article.language, article.slug]) + suffix


def test_home_lists_categories_and_public_articles_only(client, world, kb):
    html = client.get("/help/").content.decode()
    assert "Printing" in html
    assert "Printer setup guide" in html
    assert "Printer internal escalation" not in html
    assert "Printer contract for Acme" not in html


def test_category_page_lists_its_public_articles(client, world, kb):
    response = client.get(reverse("helpcenter:category", args=["printing"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Printer setup guide" in html
    assert "Printer internal escalation" not in html
    assert client.get(reverse("helpcenter:category", args=["nope"])).status_code == 404


def test_article_page_renders_the_sanitized_body_and_the_language_switcher(client, world, kb):
    response = client.get(url(kb.public))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>printer</strong>" in html
    assert url(kb.public_ru) in html  # the switcher links the Russian translation
    assert 'hreflang="ru"' in html


def test_internal_and_other_org_articles_404_for_visitors_and_other_customers(client, world, kb):
    assert client.get(url(kb.internal)).status_code == 404
    assert client.get(url(kb.acme)).status_code == 404
    portal_login(client, world.customer_globex)
    assert client.get(url(kb.internal)).status_code == 404
    assert client.get(url(kb.acme)).status_code == 404


def test_a_customer_of_the_organization_reads_its_article_but_not_internal_ones(client, world, kb):
    portal_login(client, world.customer_acme)
    assert client.get(url(kb.acme)).status_code == 200
    assert client.get(url(kb.internal)).status_code == 404
    assert "Printer contract for Acme" in client.get("/help/").content.decode()


def test_staff_see_only_public_articles_in_the_public_center(client, world, kb):
    client.force_login(world.admin)
    assert client.get(url(kb.internal)).status_code == 404


def test_search_highlights_and_never_returns_hidden_articles(client, world, kb):
    response = client.get(reverse("helpcenter:search"), {"q": "printer"})
    html = response.content.decode()
    assert "<mark>" in html
    assert "Printer setup guide" in html or "<mark>Printer</mark> setup guide" in html
    assert "escalation" not in html
    assert "Acme" not in html
    log = KbSearchLog.objects.get()
    assert log.results_count >= 1 and log.source == "portal"


def test_search_for_other_orgs_customer_hides_the_acme_article(client, world, kb):
    portal_login(client, world.customer_globex)
    html = client.get(reverse("helpcenter:search"), {"q": "contract"}).content.decode()
    assert "Acme" not in html
    assert KbSearchLog.objects.get().results_count == 0


def test_suggestions_never_offer_hidden_articles_and_carry_the_marker(client, world, kb):
    response = client.get(
        reverse("helpcenter:suggest"), {"subject": "printer", "text": "contract vendor hotline"}
    )
    html = response.content.decode()
    assert "?from=request-form" in html
    assert "Printer setup guide" in html or "setup guide" in html
    assert "escalation" not in html and "Acme" not in html


def test_sitemap_lists_public_articles_only(client, world, kb):
    response = client.get("/help/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    assert url(kb.public) in xml and url(kb.public_ru) in xml
    assert kb.internal.slug not in xml and kb.acme.slug not in xml


def test_votes_count_once_per_session(client, world, kb):
    vote_url = url(kb.public, "vote/")
    assert client.post(vote_url, {"helpful": "yes"}).status_code == 302
    client.post(vote_url, {"helpful": "yes"})
    client.post(vote_url, {"helpful": "no"})
    kb.public.refresh_from_db()
    assert (kb.public.helpful_yes, kb.public.helpful_no) == (1, 0)
    assert ArticleVote.objects.filter(article=kb.public).count() == 1
    assert "Thank you" in client.get(url(kb.public)).content.decode()


def test_votes_need_post_and_csrf(world, kb):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(url(kb.public, "vote/")).status_code == 405
    assert strict.post(url(kb.public, "vote/"), {"helpful": "yes"}).status_code == 403


def test_a_hidden_article_cannot_be_voted_on(client, world, kb):
    assert client.post(url(kb.internal, "vote/"), {"helpful": "yes"}).status_code == 404


def test_views_are_counted_once_per_session(client, world, kb):
    client.get(url(kb.public))
    client.get(url(kb.public))
    kb.public.refresh_from_db()
    assert kb.public.views_count == 1
    assert ArticleView.objects.get(article=kb.public).count == 1


def test_branding_name_logo_and_colour(client, world, kb):
    HelpCenterBranding.objects.create(pk=1, company_name="Acme Help", primary_color="#112233")
    html = client.get("/help/").content.decode()
    assert "Acme Help" in html
    assert "/help/theme.css" in html
    css = client.get("/help/theme.css")
    assert css["Content-Type"].startswith("text/css")
    assert "#112233" in css.content.decode()


def test_theme_css_refuses_a_colour_that_is_not_rrggbb(client, world):
    # Written around the service, as a broken import or a hand edit could.
    HelpCenterBranding.objects.create(
        pk=1, primary_color="red}a{b"
    )  # 7 characters: fits the column
    css = client.get("/help/theme.css").content.decode()
    assert "red" not in css and "a{b" not in css
    assert "#2457c5" in css


def test_pages_carry_no_inline_script_or_style(client, world, kb):
    for page in ("/help/", url(kb.public), reverse("helpcenter:search") + "?q=printer"):
        html = client.get(page).content.decode()
        assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_portal_links_the_help_center_and_offers_suggestions(client, world):
    html = client.get("/portal/").content.decode()
    assert 'href="/help/"' in html
    assert "data-kb-suggest" in html and "kb/deflect.js" in html


def test_xss_in_a_title_is_escaped_everywhere(client, world):
    category = KbCategory.objects.create(name="<script>cat()</script>", slug="evil")
    evil = published(
        world.agent_a, "<script>alert(1)</script> printer", "printer text", category=category
    )
    pages = [
        "/help/",
        url(evil),
        reverse("helpcenter:category", args=["evil"]),
        reverse("helpcenter:search") + "?q=printer",
        reverse("helpcenter:suggest") + "?subject=printer&text=printer",
        "/help/sitemap.xml",
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert "<script>alert" not in html, page
        assert "<script>cat" not in html, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(url(evil)).content.decode()


def test_article_pages_may_load_remote_https_images_and_nothing_more(client, world):
    article = published(world.agent_a, "Diagram", "![diagram](https://cdn.test/d.png)")
    response = client.get(reverse("helpcenter:article", args=["en", article.slug]))
    assert '<img src="https://cdn.test/d.png"' in response.content.decode()
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"] == "'self' data: blob: https:"
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    client.force_login(world.agent_a)
    editor = client.get(f"/kb/{article.pk}/")
    assert "https:" in editor["Content-Security-Policy"]
    # Elsewhere in the agent UI the site-wide policy stands.
    assert "https:" not in client.get("/kb/")["Content-Security-Policy"]

"""Markdown and snippets never carry active HTML; internal and other-organization
articles never reach a customer."""

from html.parser import HTMLParser

import pytest
from django.http import Http404

from okno.kb.markdown import render_markdown
from okno.kb.models import Visibility
from okno.kb.search import search_articles, snippet, suggest_articles
from okno.kb.selectors import (
    article_for_language,
    article_get_by_slug,
    article_get_for_user,
    articles_for_language,
    sitemap_articles,
    visible_articles,
)
from okno.kb.tests.factories import published

pytestmark = pytest.mark.django_db

XSS_MARKDOWN = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '[x](https://ok.test "t" onmouseover=alert(1))',
    "<iframe src=https://evil.test></iframe>",
    "![x](http://tracker.test/pixel.gif)",
    "![x](//evil.test/pixel.gif)",
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html_text: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html_text)
    return parser.found


@pytest.mark.parametrize("source", XSS_MARKDOWN)
def test_markdown_renders_nothing_active(source):
    # Dangerous text may remain as *text* (escaped); no element may carry it.
    for tag, attrs in elements(render_markdown(source)):
        assert tag in {"p", "a", "img"}, (source, tag)
        assert not any(name.startswith("on") for name in attrs), (source, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "http:", "//")), (source, attrs)


def test_markdown_keeps_formatting_links_and_allowed_images():
    out = render_markdown(
        "# Title\n\n**bold** [docs](https://docs.test/a) ![shot](/kb/images/1/a.png) "
        "![cdn](https://cdn.test/a.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h1>Title</h1>" in out and "<strong>bold</strong>" in out
    assert 'href="https://docs.test/a"' in out and 'rel="noopener noreferrer nofollow"' in out
    assert 'src="/kb/images/1/a.png"' in out and 'src="https://cdn.test/a.png"' in out
    assert "<table>" in out


def test_snippet_escapes_article_text_before_marking():
    text = 'Intro <script>alert("printer")</script> and <b onmouseover=x>printer</b> & more'
    out = snippet(text, {"printer"})
    assert "<script" not in out and "<b " not in out
    assert "&lt;script&gt;" in out and "<mark>printer</mark>" in out and "&amp;" in out


def test_search_hit_with_script_in_article_is_escaped(world):
    published(world.agent_a, "Printer <script>alert(1)</script>", "The `<script>` printer tag")
    hit = search_articles(None, "printer").hits[0]
    assert "<script>" not in hit.title_html and "<mark>Printer</mark>" in hit.title_html
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html


@pytest.fixture
def mixed(world):
    return {
        "public": published(world.agent_a, "Public zebrafish guide", language="en"),
        "internal": published(
            world.agent_a, "Internal zebrafish runbook", visibility=Visibility.INTERNAL
        ),
        "acme": published(
            world.agent_a,
            "Acme zebrafish contract",
            visibility=Visibility.ORGANIZATIONS,
            organizations=[world.org_acme],
        ),
        "globex": published(
            world.agent_a,
            "Globex zebrafish contract",
            visibility=Visibility.ORGANIZATIONS,
            organizations=[world.org_globex],
        ),
    }


def _slugs(hits):
    return {hit.article.slug for hit in hits}


def test_customer_sees_public_and_own_organization_only(world, mixed):
    acme = world.customer_acme
    expected = {mixed["public"].slug, mixed["acme"].slug}
    assert {a.slug for a in visible_articles(acme)} == expected
    assert _slugs(search_articles(acme, "zebrafish").hits) == expected
    assert _slugs(suggest_articles(acme, "my zebrafish question about the contract")) <= expected
    assert {a.slug for a in articles_for_language(acme, "en")} == expected
    for key in ("internal", "globex"):
        with pytest.raises(Http404):
            article_get_for_user(acme, mixed[key].pk)
        with pytest.raises(Http404):
            article_get_by_slug(acme, "en", mixed[key].slug)
        with pytest.raises(Http404):
            article_get_for_user(acme, mixed[key].pk, drafts=True)
        assert article_for_language(mixed[key].translation_group, "en", acme) is None


def test_visitor_sees_public_only_and_sitemap_is_public_only(world, mixed):
    assert _slugs(search_articles(None, "zebrafish").hits) == {mixed["public"].slug}
    assert {a.slug for a in sitemap_articles()} == {mixed["public"].slug}


def test_staff_see_everything_even_light_agents(world, mixed):
    for person in (world.agent_b, world.light_agent):
        assert len(search_articles(person, "zebrafish").hits) == 4


def test_typo_correction_does_not_reveal_internal_articles(world, mixed):
    # "zebrafis" is corrected using every indexed word, but results stay scoped.
    hits = search_articles(world.customer_globex, "zebrafis").hits
    assert _slugs(hits) == {mixed["public"].slug, mixed["globex"].slug}

"""Search quality on a small built-in ru / uk / en help center (tests/data/articles.py)."""

import pytest

from okno.kb.search import damerau_levenshtein_is_one, search_articles, suggest_articles
from okno.kb.tests.data.articles import ARTICLES, QUERIES
from okno.kb.tests.factories import published


@pytest.fixture
def help_center(world):
    by_key = {}
    for key, language, title, body, translation_of in ARTICLES:
        by_key[key] = published(
            world.agent_a,
            title,
            body,
            language=language,
            slug=key,
            translation_of=by_key.get(translation_of),
        )
    return by_key


@pytest.mark.parametrize(("query", "language", "first", "also"), QUERIES)
def test_query_ranks_expected_articles(help_center, query, language, first, also):
    result = search_articles(None, query, language=language)
    top3 = [hit.article.slug for hit in result.hits[:3]]
    assert top3 and top3[0] == first, (query, top3)
    for key in also:
        assert key in top3, (query, top3)


def test_typo_is_reported_as_correction(help_center):
    result = search_articles(None, "пороль", language="ru")
    assert result.corrections == {"пороль": ["пароль"]}
    assert "<mark>пароль</mark>" in result.hits[0].title_html


def test_short_words_are_not_typo_corrected(help_center):
    # "кот" is four letters or fewer from nothing we want: no widening below 5 letters.
    assert search_articles(None, "пар", language="ru").hits == []


def test_suggestions_for_a_long_ticket_text(help_center):
    text = (
        "Здравствуйте! Вчера купили новый принтер, он не печатает документы, "
        "хотя горит зелёная лампочка. Что делать?"
    )
    hits = suggest_articles(None, text, language="ru")
    assert hits and hits[0].article.slug == "ru-printer"


@pytest.mark.parametrize(
    ("a", "b", "one"),
    [
        ("пароль", "пороль", True),
        ("пароль", "парль", True),
        ("пароль", "паролль", True),
        ("пароль", "паорль", True),
        ("пароль", "пароль", False),
        ("пароль", "прооль", False),
        ("printer", "pritner", True),
        ("printer", "pinter", True),
        ("printer", "printers1", False),
    ],
)
def test_damerau_levenshtein_one(a, b, one):
    assert damerau_levenshtein_is_one(a, b) is one


def test_one_hit_per_translation_group_in_the_readers_language(help_center):
    slugs = [hit.article.slug for hit in search_articles(None, "пароль", language="ru").hits]
    assert slugs[0] == "ru-parol" and "uk-parol" not in slugs


def test_with_more_matches_than_candidates_titles_still_come_first(world, monkeypatch):
    from okno.kb import search
    from okno.kb.models import Visibility
    from okno.kb.tests.factories import published

    titled = [published(world.agent_a, f"Scanner guide {i}", "How to use it.") for i in range(2)]
    hidden = published(
        world.agent_a, "Scanner secrets", "Internal.", visibility=Visibility.INTERNAL
    )
    for i in range(4):  # newer, the word in the body only
        published(world.agent_a, f"Other topic {i}", "The scanner is mentioned here.")
    monkeypatch.setattr(search, "CANDIDATES", 3)
    hits = search_articles(None, "scanner").hits
    assert {h.article.pk for h in hits[:2]} == {a.pk for a in titled}
    assert hidden.pk not in {h.article.pk for h in hits}
    assert len(hits) == 3  # two titles, then the newest body match that still fits
    staff_hits = search_articles(world.agent_a, "scanner").hits
    assert hidden.pk in {h.article.pk for h in staff_hits[:3]}


def test_a_word_no_article_uses_is_left_out_instead_of_emptying_the_search(world):
    from okno.kb.tests.factories import published

    article = published(world.agent_a, "Scanner guide", "How to scan.")
    result = search_articles(None, "scanner qwzxv")
    assert [h.article.pk for h in result.hits] == [article.pk]
    assert result.matched_all is False
    assert search_articles(None, "qwzxv plmokn").hits == []

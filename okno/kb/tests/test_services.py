import pytest

from okno.core.errors import NotAllowed, ValidationFailed
from okno.kb.models import ArticleView, Deflection, KbSearchLog, KbWord
from okno.kb.selectors import article_draft, article_for_language, article_versions
from okno.kb.services import (
    article_archive,
    article_create,
    article_delete,
    article_publish,
    article_record_view,
    article_restore_version,
    article_save_draft,
    article_vote,
    category_create,
    category_update,
    deflection_record,
    search_record,
    voter_key,
)
from okno.kb.tests.factories import published

pytestmark = pytest.mark.django_db


def test_draft_publish_restore_history(world):
    article = article_create(actor=world.agent_a, title="Reset a password", body_markdown="v1")
    assert article.published_version is None and article.slug == "reset-a-password"

    article_save_draft(
        actor=world.agent_a, article=article, title="Reset a password", body_markdown="v1b"
    )
    assert article.versions.count() == 1  # autosave edits the open draft
    v1 = article_publish(actor=world.agent_a, article=article)
    article.refresh_from_db()
    assert article.published_version == v1 and v1.body_html == "<p>v1b</p>\n"

    with pytest.raises(ValidationFailed):
        article_publish(actor=world.agent_a, article=article)  # nothing new to publish

    article_save_draft(
        actor=world.agent_a2, article=article, title="Reset your password", body_markdown="v2"
    )
    article.refresh_from_db()
    assert article.published_version == v1 and article.title == "Reset a password"
    assert article_draft(article).number == 2
    v2 = article_publish(actor=world.agent_a2, article=article)
    article.refresh_from_db()
    assert article.title == "Reset your password" and article.published_version == v2

    v3 = article_restore_version(actor=world.admin, article=article, version=v1, publish=True)
    article.refresh_from_db()
    assert v3.number == 3 and v3.body_markdown == "v1b" and article.published_version == v3
    assert [v.number for v in article_versions(article)] == [3, 2, 1]
    assert "1" in v3.note


def test_light_agent_and_customer_cannot_write(world):
    with pytest.raises(NotAllowed):
        article_create(actor=world.light_agent, title="x")
    with pytest.raises(NotAllowed):
        category_create(actor=world.customer_acme, name="x")


def test_slugs_are_transliterated_and_unique_per_language(world):
    a = published(world.agent_a, "Как настроить принтер", language="ru")
    b = published(world.agent_a, "Как настроить принтер", language="ru")
    c = published(world.agent_a, "Як змінити пароль", language="uk")
    assert (a.slug, b.slug, c.slug) == (
        "kak-nastroit-printer",
        "kak-nastroit-printer-2",
        "yak-zminiti-parol",
    )
    with pytest.raises(ValidationFailed):
        article_create(actor=world.agent_a, title="x", slug="kak-nastroit-printer", language="ru")


def test_translations_fall_back_to_english_then_any(world):
    en = published(world.agent_a, "Printer setup")
    ru = published(world.agent_a, "Настройка принтера", language="ru", translation_of=en)
    with pytest.raises(ValidationFailed):
        article_create(actor=world.agent_a, title="Дубль", language="ru", translation_of=en)
    group = en.translation_group
    assert article_for_language(group, "ru", None) == ru
    assert article_for_language(group, "uk", None) == en
    article_archive(actor=world.agent_a, article=en)
    assert article_for_language(group, "uk", None) == ru
    article_archive(actor=world.agent_a, article=ru)
    assert article_for_language(group, "uk", None) is None


def test_votes_count_once_per_reader_and_move(world):
    article = published(world.agent_a, "Votes")
    key = voter_key(world.customer_acme)
    article_vote(article=article, voter=key, helpful=True)
    article_vote(article=article, voter=key, helpful=True)
    article_vote(article=article, voter=voter_key(None, "sess1"), helpful=True)
    assert (article.helpful_yes, article.helpful_no) == (2, 0)
    article_vote(article=article, voter=key, helpful=False)
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_views_searches_and_deflections_are_recorded(world):
    article = published(world.agent_a, "Counted")
    article_record_view(article=article)
    article_record_view(article=article)
    article.refresh_from_db()
    assert article.views_count == 2 and ArticleView.objects.get(article=article).count == 2
    log = search_record(
        query="  Принтеры  не печатают ", results_count=0, principal=world.customer_acme
    )
    assert log.normalized and log.results_count == 0 and log.principal_kind == "customer"
    assert KbSearchLog.objects.count() == 1
    assert deflection_record(article=article, contact=world.customer_acme, session_key="s1")
    assert deflection_record(article=article, contact=world.customer_acme, session_key="s1") is None
    assert Deflection.objects.count() == 1


def test_vocabulary_follows_publish_archive_delete(world):
    article = published(world.agent_a, "Unique zebraword here")
    assert KbWord.objects.get(word="zebraword").doc_count == 1
    other = published(world.agent_a, "Another zebraword")
    assert KbWord.objects.get(word="zebraword").doc_count == 2
    article_archive(actor=world.agent_a, article=article)
    assert KbWord.objects.get(word="zebraword").doc_count == 1
    article_delete(actor=world.agent_a, article=other)
    assert not KbWord.objects.filter(word="zebraword").exists()


def test_category_cannot_be_its_own_ancestor(world):
    top = category_create(actor=world.agent_a, name="Принтеры")
    child = category_create(actor=world.agent_a, name="Setup", parent=top)
    assert top.slug == "printery"
    with pytest.raises(ValidationFailed):
        category_update(actor=world.agent_a, category=top, parent=child)

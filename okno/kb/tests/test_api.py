"""/api/v1/kb: CRUD, versions, search and votes, with who may do what."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.kb.models import Article, KbCategory, KbSearchLog, Visibility
from okno.kb.tests.factories import published

pytestmark = pytest.mark.django_db


def test_agent_creates_edits_publishes_and_restores(world, api_as):  # noqa: F811
    api = api_as(world.agent_a)
    r = api.post("/kb/categories", {"name": "Принтеры", "name_translations": {"uk": "Принтери"}})
    assert r.status_code == 201, r.content
    category = r.json()["id"]
    r = api.post(
        "/kb/articles",
        {
            "title": "Принтер не печатает",
            "body_markdown": "v1",
            "language": "ru",
            "category": category,
            "tags": ["print"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    article_id = body["id"]
    assert body["slug"] == "printer-ne-pechataet" and body["published"] is False
    assert body["draft"]["number"] == 1 and body["tags"] == ["print"]

    r = api.patch(f"/kb/articles/{article_id}", {"publish": True})
    assert r.status_code == 200 and r.json()["published_version"] == 1
    r = api.patch(f"/kb/articles/{article_id}", {"body_markdown": "**v2**", "publish": True})
    assert (
        r.json()["published_version"] == 2
        and r.json()["body_html"] == "<p><strong>v2</strong></p>\n"
    )

    r = api.post(f"/kb/articles/{article_id}/versions/1/restore?publish=true")
    assert r.status_code == 201 and r.json()["number"] == 3
    versions = api.get(f"/kb/articles/{article_id}/versions").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert Article.objects.get(pk=article_id).published_version.body_markdown == "v1"

    assert api.delete(f"/kb/articles/{article_id}").status_code == 204
    assert not Article.objects.filter(pk=article_id).exists()


def test_light_agent_and_customer_cannot_write(world, api_as):  # noqa: F811
    article = published(world.agent_a, "Readable")
    for person in (world.light_agent, world.customer_acme):
        api = api_as(person)
        assert api.post("/kb/articles", {"title": "x"}).status_code == 403
        assert api.post("/kb/categories", {"name": "x"}).status_code == 403
        assert api.patch(f"/kb/articles/{article.pk}", {"title": "y"}).status_code == 403
        assert api.delete(f"/kb/articles/{article.pk}").status_code == 403
        assert api.get(f"/kb/articles/{article.pk}").status_code == 200


def test_customer_never_reaches_internal_or_other_org_articles(world, api_as):  # noqa: F811
    public = published(world.agent_a, "Public walrus")
    internal = published(world.agent_a, "Internal walrus", visibility=Visibility.INTERNAL)
    globex = published(
        world.agent_a,
        "Globex walrus",
        visibility=Visibility.ORGANIZATIONS,
        organizations=[world.org_globex],
    )
    draft_only = Article.objects.create(title="Draft walrus", slug="draft-walrus")
    api = api_as(world.customer_acme)
    listed = {a["id"] for a in api.get("/kb/articles").json()["results"]}
    assert listed == {public.pk}
    found = api.get("/kb/search", {"q": "walrus"}).json()
    assert [h["article"]["id"] for h in found["results"]] == [public.pk]
    assert found["results"][0]["article"]["visibility"] is None  # staff-only fields hidden
    for hidden in (internal, globex, draft_only):
        assert api.get(f"/kb/articles/{hidden.pk}").status_code == 404
        assert api.get("/kb/articles", {"drafts": "true"}).json()["results"][0]["id"] == public.pk
        assert api.post(f"/kb/articles/{hidden.pk}/vote", {"helpful": True}).status_code == 404
    assert api.get(f"/kb/articles/{public.pk}/versions").status_code == 403
    # The Globex customer does see the Globex article.
    other = api_as(world.customer_globex).get("/kb/search", {"q": "walrus"}).json()
    assert {h["article"]["id"] for h in other["results"]} == {public.pk, globex.pk}
    assert KbSearchLog.objects.filter(source="api").count() == 2


def test_vote_once_and_search_logged(world, api_as):  # noqa: F811
    article = published(world.agent_a, "Votable pelican")
    api = api_as(world.customer_acme)
    api.post(f"/kb/articles/{article.pk}/vote", {"helpful": True})
    r = api.post(f"/kb/articles/{article.pk}/vote", {"helpful": False})
    assert (r.json()["helpful_yes"], r.json()["helpful_no"]) == (0, 1)
    api.get("/kb/search", {"q": "nothingmatcheshere"})
    assert KbSearchLog.objects.get(query="nothingmatcheshere").results_count == 0


def test_list_pages_with_cursor(world, api_as):  # noqa: F811
    for i in range(5):
        published(world.agent_a, f"Paged {i}")
    api = api_as(world.agent_a)
    first = api.get("/kb/articles", {"limit": 3}).json()
    second = api.get("/kb/articles", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["results"]) == 3 and len(second["results"]) == 2
    assert second["next_cursor"] is None


def test_bad_input_is_a_client_error(world, api_as):  # noqa: F811
    api = api_as(world.agent_a)
    assert api.post("/kb/articles", {"title": "x", "language": "xx"}).status_code == 422
    assert api.post("/kb/articles", {"title": "x", "visibility": "secret"}).status_code == 422
    assert api.post("/kb/articles", {"title": "x", "category": 999}).status_code == 422
    assert api.post("/kb/articles", {"title": "x", "unknown": 1}).status_code == 422
    assert api.get("/kb/articles", {"cursor": "bad"}).status_code == 400
    assert api.get("/kb/articles/999999").status_code == 404


def test_deleting_a_category_with_articles_needs_somewhere_to_move_them(world, api_as):  # noqa: F811
    api = api_as(world.agent_a)
    old = api.post("/kb/categories", {"name": "Old"}).json()["id"]
    new = api.post("/kb/categories", {"name": "New"}).json()
    assert new["position"] == 1  # a new category goes last
    article = published(world.agent_a, "Printer", "x", category=KbCategory.objects.get(pk=old))
    assert api.delete(f"/kb/categories/{old}").status_code == 422
    assert api.delete(f"/kb/categories/{old}?move_to={new['id']}").status_code == 204
    article.refresh_from_db()
    assert article.category_id == new["id"]

"""Category management (/kb/categories/): create with names per language, rename,
nest, reorder, delete (refused or articles moved), and who may do it."""

import pytest

from okno.kb.models import Article, KbCategory
from okno.kb.services import category_create, category_delete, category_move
from okno.kb.tests.factories import published

pytestmark = pytest.mark.django_db


def _names(parent=None):
    return list(KbCategory.objects.filter(parent=parent).values_list("name", flat=True))


def _post(**fields):
    data = {
        "name": "",
        "slug": "",
        "description": "",
        "parent": "",
        "name_ru": "",
        "name_uk": "",
        "name_en": "",
    }
    data.update(fields)
    return data


def test_a_writer_creates_a_category_with_names_per_language(client, world):
    client.force_login(world.agent_a)
    response = client.post(
        "/kb/categories/new/", _post(name="Printing", name_ru="Печать", name_uk="Друк")
    )
    assert response.status_code == 302 and response["Location"] == "/kb/categories/"
    category = KbCategory.objects.get()
    assert (category.name, category.slug) == ("Printing", "printing")
    assert category.name_translations == {"ru": "Печать", "uk": "Друк"}
    html = client.get("/kb/categories/").content.decode()
    assert "Printing" in html and "RU: Печать" in html


def test_the_help_center_shows_the_name_in_the_readers_language(client, world):
    category_create(actor=world.agent_a, name="Printing", name_translations={"uk": "Друк"})
    published(world.agent_a, "Printer", "x", category=KbCategory.objects.get())
    client.cookies.load({"django_language": "uk"})
    assert "Друк" in client.get("/help/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()


def test_rename_and_nest_keeps_the_address_and_refuses_a_loop(client, world):
    top = category_create(actor=world.agent_a, name="Hardware")
    printers = category_create(actor=world.agent_a, name="Printers")
    client.force_login(world.agent_a)
    response = client.post(
        f"/kb/categories/{printers.pk}/", _post(name="Printers and scanners", parent=top.pk)
    )
    assert response.status_code == 302
    printers.refresh_from_db()
    assert (printers.name, printers.slug, printers.parent) == (
        "Printers and scanners",
        "printers",
        top,
    )
    # The parent choices never offer the category itself or what is inside it.
    form_html = client.get(f"/kb/categories/{top.pk}/").content.decode()
    assert f'value="{printers.pk}"' not in form_html.split('name="parent"')[1].split("</select>")[0]
    response = client.post(f"/kb/categories/{top.pk}/", _post(name="Hardware", parent=printers.pk))
    assert response.status_code == 400
    top.refresh_from_db()
    assert top.parent is None


def test_a_duplicate_slug_is_a_form_error(client, world):
    category_create(actor=world.agent_a, name="Printing", slug="printing")
    client.force_login(world.agent_a)
    response = client.post("/kb/categories/new/", _post(name="Other", slug="printing"))
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert KbCategory.objects.count() == 1


def test_reorder_moves_one_place_among_siblings_only(client, world):
    a = category_create(actor=world.agent_a, name="A")
    b = category_create(actor=world.agent_a, name="B")
    c = category_create(actor=world.agent_a, name="C")
    inner = category_create(actor=world.agent_a, name="Inner", parent=a)
    client.force_login(world.agent_a)
    client.post(f"/kb/categories/{c.pk}/move/", {"direction": "up"})
    assert _names() == ["A", "C", "B"]
    client.post(f"/kb/categories/{a.pk}/move/", {"direction": "down"})
    assert _names() == ["C", "A", "B"]
    client.post(f"/kb/categories/{b.pk}/move/", {"direction": "down"})  # already last
    assert _names() == ["C", "A", "B"]
    assert _names(a) == ["Inner"] and inner.pk


def test_reorder_handles_equal_positions_from_the_api(world):
    rows = [category_create(actor=world.agent_a, name=n, position=0) for n in "ZYX"]
    category_move(actor=world.agent_a, category=rows[0], offset=-1)  # Z is shown last
    assert _names() == ["X", "Z", "Y"]


def test_deleting_an_empty_category(client, world):
    category = category_create(actor=world.agent_a, name="Old")
    client.force_login(world.agent_a)
    response = client.post(f"/kb/categories/{category.pk}/delete/")
    assert response.status_code == 302 and not KbCategory.objects.exists()


def test_deleting_a_category_with_articles_is_refused_unless_they_move(client, world):
    old = category_create(actor=world.agent_a, name="Old")
    new = category_create(actor=world.agent_a, name="New")
    article = published(world.agent_a, "Printer", "x", category=old)
    client.force_login(world.agent_a)
    page = client.get(f"/kb/categories/{old.pk}/").content.decode()
    assert "It holds 1 article" in page
    response = client.post(f"/kb/categories/{old.pk}/delete/", {"move_to": ""}, follow=True)
    assert "choose a category to move them to" in response.content.decode()
    assert KbCategory.objects.filter(pk=old.pk).exists()
    response = client.post(f"/kb/categories/{old.pk}/delete/", {"move_to": new.pk}, follow=True)
    assert "1 article moved to New" in response.content.decode()
    assert not KbCategory.objects.filter(pk=old.pk).exists()
    assert Article.objects.get(pk=article.pk).category == new


def test_a_category_with_sections_cannot_be_deleted(client, world):
    top = category_create(actor=world.agent_a, name="Top")
    category_create(actor=world.agent_a, name="Inside", parent=top)
    client.force_login(world.agent_a)
    client.post(f"/kb/categories/{top.pk}/delete/")
    assert KbCategory.objects.filter(pk=top.pk).exists()


def test_articles_cannot_be_moved_into_the_category_being_deleted(world):
    old = category_create(actor=world.agent_a, name="Old")
    published(world.agent_a, "Printer", "x", category=old)
    from okno.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        category_delete(actor=world.agent_a, category=old, move_to=old)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/kb/categories/"),
        ("get", "/kb/categories/new/"),
        ("post", "/kb/categories/new/"),
        ("get", "/kb/categories/{pk}/"),
        ("post", "/kb/categories/{pk}/"),
        ("post", "/kb/categories/{pk}/move/"),
        ("post", "/kb/categories/{pk}/delete/"),
    ],
)
def test_only_kb_writers_manage_categories(client, world, method, path):
    category = category_create(
        actor=world.agent_a, name="Keep", name_translations={"ru": "Оставить"}
    )
    url = path.format(pk=category.pk)
    data = _post(name="Changed") if method == "post" else None
    # Not logged in (a visitor or a portal customer): to the login page.
    assert getattr(client, method)(url, data).status_code == 302
    assert "/login" in getattr(client, method)(url, data)["Location"]
    # A light agent reads articles but has no KB write rights.
    client.force_login(world.light_agent)
    assert getattr(client, method)(url, data).status_code == 403
    category.refresh_from_db()
    assert (category.name, KbCategory.objects.count()) == ("Keep", 1)
    # Every other staff role may (supervisor and admin included).
    for person in (world.agent_b, world.supervisor, world.admin):
        client.force_login(person)
        assert client.get("/kb/categories/").status_code == 200


def test_the_category_link_shows_to_writers_only(client, world):
    client.force_login(world.agent_a)
    assert "/kb/categories/" in client.get("/kb/").content.decode()
    client.force_login(world.light_agent)
    assert "/kb/categories/" not in client.get("/kb/").content.decode()


def test_the_article_editor_offers_categories_as_a_tree(client, world):
    top = category_create(actor=world.agent_a, name="Hardware")
    inner = category_create(actor=world.agent_a, name="Printers", parent=top)
    client.force_login(world.agent_a)
    html = client.get("/kb/new/").content.decode()
    select = html.split('name="category"')[1].split("</select>")[0]
    assert select.index("Hardware") < select.index("\u2003Printers")
    response = client.post(
        "/kb/new/",
        {
            "title": "Jam",
            "body_markdown": "x",
            "category": inner.pk,
            "language": "en",
            "visibility": "public",
            "tags": "",
            "slug": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert Article.objects.get().category == inner

"""okno kb export / import: a folder of Markdown files round-trips."""

import json

import pytest
from django.core.management import CommandError, call_command

from okno.kb.models import Article, KbCategory, Visibility
from okno.kb.search import search_articles
from okno.kb.services import article_create, category_create
from okno.kb.tests.factories import published
from okno.kb.transfer import dump_document, parse_document

pytestmark = pytest.mark.django_db


def _snapshot():
    rows = []
    for a in Article.objects.select_related("published_version", "category").order_by(
        "language", "slug"
    ):
        version = a.published_version or a.versions.order_by("-number").first()
        rows.append(
            (
                a.language,
                a.slug,
                version.title,
                version.body_markdown,
                a.category.name if a.category else None,
                a.visibility,
                sorted(o.name for o in a.organizations.all()),
                sorted(t.name for t in a.tags.all()),
                a.published_version_id is not None,
                a.archived,
            )
        )
    groups = {}
    for a in Article.objects.all():
        groups.setdefault(a.translation_group, set()).add((a.language, a.slug))
    return rows, sorted(sorted(g) for g in groups.values())


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("kb", *args, stdout=out)
    return json.loads(out.getvalue())


def test_round_trip_into_an_empty_database(world, tmp_path):
    top = category_create(actor=world.agent_a, name="Аккаунт")
    sub = category_create(actor=world.agent_a, name="Пароли", parent=top)
    en = published(
        world.agent_a,
        "Reset password",
        "Click **Forgot**.\n\n---\n\nDone: yes",
        category=sub,
        tags=["login"],
    )
    published(
        world.agent_a,
        "Сброс пароля",
        "Нажмите «Забыли пароль?»",
        language="ru",
        translation_of=en,
        category=sub,
    )
    published(
        world.agent_a,
        "Acme only",
        "secret: true",
        visibility=Visibility.ORGANIZATIONS,
        organizations=[world.org_acme],
    )
    article_create(actor=world.agent_a, title="Draft only", body_markdown="wip")
    before = _snapshot()

    assert _run("export", str(tmp_path)) == {"exported": 4, "directory": str(tmp_path)}
    assert (tmp_path / "ru" / "sbros-parolya.md").exists()

    Article.objects.all().delete()
    KbCategory.objects.filter(parent__isnull=False).delete()
    KbCategory.objects.all().delete()
    report = _run("import", str(tmp_path))
    assert report["created"] == 4 and report["errors"] == []
    assert _snapshot() == before
    assert (
        search_articles(None, "сброс пароля", language="ru").hits[0].article.slug == "sbros-parolya"
    )

    # A second import of the same folder changes nothing.
    assert _run("import", str(tmp_path))["unchanged"] == 4


def test_import_updates_changed_text_and_reports_bad_files(world, tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "faq.md").write_text(dump_document({"title": "FAQ"}, "v1"), encoding="utf-8")
    assert _run("import", str(tmp_path))["created"] == 1
    (tmp_path / "en" / "faq.md").write_text(dump_document({"title": "FAQ"}, "v2"), encoding="utf-8")
    assert _run("import", str(tmp_path))["updated"] == 1
    article = Article.objects.get(slug="faq")
    assert article.published_version.body_markdown == "v2" and article.versions.count() == 2

    (tmp_path / "en" / "broken.md").write_text("---\ntitle: [unclosed\n---\nx", encoding="utf-8")
    with pytest.raises(CommandError):
        _run("import", str(tmp_path))


def test_front_matter_parser():
    meta, body = parse_document("---\ntitle: Привет\ntags: [a, b]\n---\n# Body\n---\nmore")
    assert meta == {"title": "Привет", "tags": ["a", "b"]} and body == "# Body\n---\nmore"
    assert parse_document("no front matter") == ({}, "no front matter")


def test_images_travel_with_the_articles_and_keep_their_addresses(world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from okno.kb.models import KbImage
    from okno.kb.services import image_upload
    from okno.kb.tests.factories import png_bytes

    image = image_upload(
        actor=world.agent_a, uploaded_file=SimpleUploadedFile("shot.png", png_bytes())
    )
    image_upload(actor=world.agent_a, uploaded_file=SimpleUploadedFile("unused.png", png_bytes()))
    link = f"/kb/images/{image.key}/shot.png"
    published(world.agent_a, "Printer setup", f"![shot]({link})")
    _run("export", str(tmp_path))
    assert (tmp_path / "images" / str(image.key) / "shot.png").read_bytes() == png_bytes()
    assert len(list((tmp_path / "images").iterdir())) == 1  # only what articles use

    # A script dressed as an image in the folder is refused like an upload would be.
    evil = tmp_path / "images" / "11111111-1111-4111-8111-111111111111" / "x.png"
    evil.parent.mkdir()
    evil.write_bytes(b"<svg onload=alert(1)>")
    Article.objects.all().delete()
    KbImage.objects.all().delete()
    with pytest.raises(CommandError):
        _run("import", str(tmp_path))
    restored = KbImage.objects.get()
    assert (restored.key, restored.name, restored.content_type) == (
        image.key,
        "shot.png",
        "image/png",
    )
    assert Article.objects.get().published_version.body_markdown == f"![shot]({link})"

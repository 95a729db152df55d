"""Article images: uploaded by KB writers from the editor, typed by their bytes,
size-limited, served back inertly to anyone holding the (random) address."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from okno.kb import services
from okno.kb.models import KbImage
from okno.kb.tests.factories import png_bytes, published

pytestmark = pytest.mark.django_db

UPLOAD = "/kb/images/"


def _file(data: bytes, name: str = "screen shot.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_writer_uploads_an_image_and_gets_markdown_to_insert(client, world):
    data = png_bytes()
    client.force_login(world.agent_a)
    response = client.post(UPLOAD, {"file": _file(data, "Снимок экрана.PNG")})
    assert response.status_code == 201
    image = KbImage.objects.get()
    body = response.json()
    assert body["url"] == f"/kb/images/{image.key}/snimok-ekrana.png"
    assert body["markdown"] == f"![snimok ekrana]({body['url']})"
    assert (image.content_type, image.size, image.name) == (
        "image/png",
        len(data),
        "snimok-ekrana.png",
    )
    assert image.uploaded_by == world.agent_a
    assert len(image.sha256) == 64


def test_the_image_is_served_inert_to_anyone_with_its_address(client, world):
    client.force_login(world.agent_a)
    url = client.post(UPLOAD, {"file": _file(png_bytes())}).json()["url"]
    client.logout()
    response = client.get(url)  # a visitor of the public help center
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"] == "inline"


def test_an_unknown_key_is_not_found_and_ids_do_not_work(client, world):
    client.force_login(world.agent_a)
    client.post(UPLOAD, {"file": _file(png_bytes())})
    image = KbImage.objects.get()
    assert (
        client.get(f"/kb/images/00000000-0000-4000-8000-000000000000/{image.name}").status_code
        == 404
    )
    assert client.get(f"/kb/images/{image.pk}/{image.name}").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.png", "image/png"),
        (b"<svg onload=alert(1)>", "a.svg", "image/svg+xml"),
        (b"<html><script>alert(1)</script></html>", "a.gif", "image/gif"),
        (b"%PDF-1.4\n", "a.png", "image/png"),
        (b"", "empty.png", "image/png"),
    ],
)
def test_anything_but_a_raster_image_is_refused_whatever_it_claims(
    client, world, data, name, content_type
):
    client.force_login(world.agent_a)
    response = client.post(UPLOAD, {"file": _file(data, name, content_type)})
    assert response.status_code == 400
    assert "PNG, JPEG, GIF or WebP" in response.json()["error"] or data == b""
    assert not KbImage.objects.exists()


def test_a_png_named_svg_is_stored_and_served_as_png(client, world):
    client.force_login(world.agent_a)
    body = client.post(UPLOAD, {"file": _file(png_bytes(), "../../x.svg", "image/svg+xml")}).json()
    assert body["url"].endswith("/x.png")
    assert client.get(body["url"])["Content-Type"] == "image/png"


def test_an_image_over_the_limit_is_refused(client, world, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMAGE_SIZE", 100)
    client.force_login(world.agent_a)
    response = client.post(UPLOAD, {"file": _file(png_bytes(40, 40))})
    assert response.status_code == 400
    assert "MB" in response.json()["error"]
    assert not KbImage.objects.exists()
    assert client.post(UPLOAD, {"file": _file(png_bytes(1, 1))}).status_code == 201


def test_no_file_is_a_clear_error(client, world):
    client.force_login(world.agent_a)
    response = client.post(UPLOAD, {})
    assert response.status_code == 400 and response.json()["error"]


def test_light_agents_customers_and_visitors_cannot_upload(client, world):
    assert client.post(UPLOAD, {"file": _file(png_bytes())}).status_code == 302  # to login
    client.force_login(world.light_agent)
    assert client.post(UPLOAD, {"file": _file(png_bytes())}).status_code == 403
    assert client.get(UPLOAD).status_code == 405
    assert not KbImage.objects.exists()


def test_an_uploaded_image_shows_in_the_published_article(client, world):
    client.force_login(world.agent_a)
    markdown = client.post(UPLOAD, {"file": _file(png_bytes(), "printer.png")}).json()["markdown"]
    article = published(world.agent_a, "Printer setup", f"Step one:\n\n{markdown}\n")
    client.logout()
    page = client.get(reverse("helpcenter:article", args=["en", article.slug])).content.decode()
    src = re.search(r'<img src="([^"]+)" alt="printer"', page).group(1)
    assert client.get(src).status_code == 200


def test_the_editor_offers_the_upload_only_to_writers(client, world):
    client.force_login(world.agent_a)
    assert "data-kb-upload=" in client.get("/kb/new/").content.decode()
    article = published(world.agent_a, "Printer setup", "x")
    client.force_login(world.light_agent)
    assert "data-kb-upload=" not in client.get(f"/kb/{article.pk}/").content.decode()

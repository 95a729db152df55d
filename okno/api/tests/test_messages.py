"""Conversation over the API: who reads and writes what, attachments."""

from django.core.files.uploadedfile import SimpleUploadedFile

from okno.tickets.models import Message
from okno.tickets.services import AttachmentInput, ticket_reply


def test_agent_reply_and_note(world, api_as):
    client = api_as(world.agent_a)
    number = world.ticket_a.number
    reply = client.post(f"/tickets/{number}/messages", {"body": "We are on it."})
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["public"] is True
    assert body["direction"] == "out"
    assert body["author"] == {"type": "agent", "id": world.agent_a.pk, "name": "Anna Agent"}
    note = client.post(f"/tickets/{number}/messages", {"body": "Toner?", "public": False})
    assert note.status_code == 201
    assert Message.objects.filter(ticket_id=number, public=False).count() == 1


def test_list_messages_shape(world, api_as):
    messages = api_as(world.agent_a).get(f"/tickets/{world.ticket_a.number}/messages").json()
    assert len(messages) == 1
    first = messages[0]
    assert first["author"]["type"] == "contact"
    assert first["body_text"] == "Принтер не печатает заявки."
    assert {
        "id",
        "body_text",
        "body_html",
        "reply_text",
        "direction",
        "public",
        "author",
        "created_at",
        "attachments",
    } <= set(first)


def test_light_agent_writes_notes_only(world, api_as):
    client = api_as(world.light_agent)
    number = world.ticket_a.number
    assert client.post(f"/tickets/{number}/messages", {"body": "x"}).status_code == 403
    note = client.post(f"/tickets/{number}/messages", {"body": "x", "public": False})
    assert note.status_code == 201


def test_customer_replies_publicly_only(world, api_as):
    client = api_as(world.customer_acme)
    number = world.ticket_a.number
    refused = client.post(f"/tickets/{number}/messages", {"body": "x", "public": False})
    assert refused.status_code == 403
    reply = client.post(f"/tickets/{number}/messages", {"body": "Any news?"})
    assert reply.status_code == 201
    assert reply.json()["author"]["type"] == "contact"


def test_internal_notes_hidden_from_customer(world, api_as):
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="Secret", public=False)
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="Public answer")
    messages = api_as(world.customer_acme).get(f"/tickets/{world.ticket_a.number}/messages")
    texts = [m["body_text"] for m in messages.json()]
    assert "Public answer" in texts
    assert "Secret" not in texts
    assert all(m["public"] for m in messages.json())


def test_multipart_reply_with_files_and_download(world, api_as):
    client = api_as(world.agent_a)
    number = world.ticket_a.number
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.client.post(
        f"/api/v1/tickets/{number}/messages",
        {
            "body": "See attached",
            "public": "true",
            "files": [
                SimpleUploadedFile("shot.png", png, content_type="image/png"),
                SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
            ],
        },
        headers=client.headers,
    )
    assert response.status_code == 201, response.content
    attachments = {a["filename"]: a for a in response.json()["attachments"]}
    assert attachments["shot.png"]["content_type"] == "image/png"
    assert attachments["shot.png"]["size"] == len(png)
    image = client.client.get(attachments["shot.png"]["url"], headers=client.headers)
    assert image.status_code == 200
    assert image["Content-Disposition"].startswith("inline")
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image["Content-Security-Policy"]
    assert b"".join(image.streaming_content) == png
    page = client.client.get(attachments["page.html"]["url"], headers=client.headers)
    assert page["Content-Disposition"].startswith("attachment")
    assert page["Content-Type"] == "application/octet-stream"
    # Another group's agent, and a customer of another organization, get 404.
    for outsider in (world.agent_b, world.customer_globex):
        other = api_as(outsider)
        url = attachments["shot.png"]["url"]
        assert other.client.get(url, headers=other.headers).status_code == 404


def test_customer_cannot_download_note_attachment(world, api_as):
    message = ticket_reply(
        ticket=world.ticket_a,
        actor=world.agent_a,
        body_text="internal",
        public=False,
        attachments=[AttachmentInput(filename="n.txt", data=b"x", content_type="text/plain")],
    )
    attachment = message.attachments.get()
    customer = api_as(world.customer_acme)
    response = customer.get(f"/attachments/{attachment.pk}")
    assert response.status_code == 404
    assert api_as(world.agent_a).get(f"/attachments/{attachment.pk}").status_code == 200


def test_oversized_upload_is_413(world, api_as, settings):
    settings.OKNO_MAX_ATTACHMENT_SIZE = 100
    client = api_as(world.agent_a)
    response = client.client.post(
        f"/api/v1/tickets/{world.ticket_a.number}/messages",
        {"body": "big", "files": [SimpleUploadedFile("big.bin", b"x" * 500)]},
        headers=client.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not Message.objects.filter(body_text="big").exists()


def test_oversized_json_body_is_413(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(world.agent_a).post(
        f"/tickets/{world.ticket_a.number}/messages", {"body": "x" * 5000}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

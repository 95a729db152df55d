"""Settings › Mailboxes and the failed inbound list."""

import pytest
from django.urls import reverse

from okno.channels.email.ingest import receive_email
from okno.channels.models import InboundEnvelope, Mailbox
from okno.tests.personas import PASSWORD


@pytest.fixture
def admin_client(client, world):
    client.login(username=world.admin.email, password=PASSWORD)
    return client


def test_only_admins_manage_mailboxes(client, world):
    client.login(username=world.agent_a.email, password=PASSWORD)
    assert client.get(reverse("channels_admin:mailboxes")).status_code == 403
    assert client.get(reverse("channels_admin:failed")).status_code == 403
    client.logout()
    assert client.get(reverse("channels_admin:mailboxes")).status_code == 302


def test_create_edit_and_delete_a_mailbox(admin_client, world):
    data = {
        "address": "Help@Okno.test",
        "name": "Help",
        "group": world.group_a.pk,
        "default_priority": 3,
        "kind": "imap",
        "host": "imap.okno.test",
        "port": 993,
        "security": "tls",
        "username": "help",
        "password": "s3cret",
        "folder": "INBOX",
        "after_import": "mark_seen",
        "poll_interval": 60,
        "active": "on",
        "subject_tag_format": "[#{number}]",
        "reopen_window_days": 14,
    }
    response = admin_client.post(reverse("channels_admin:mailbox_new"), data)
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "help@okno.test" and mailbox.password == "s3cret"
    page = admin_client.get(reverse("channels_admin:mailboxes"))
    assert b"help@okno.test" in page.content
    # An empty password keeps the stored one; a tag without {number} is refused.
    edit = reverse("channels_admin:mailbox", args=[mailbox.pk])
    assert admin_client.post(edit, data | {"password": "", "name": "Helpdesk"}).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.name == "Helpdesk" and mailbox.password == "s3cret"
    assert admin_client.post(edit, data | {"subject_tag_format": "[#]"}).status_code == 400
    duplicate = admin_client.post(reverse("channels_admin:mailbox_new"), data)
    assert duplicate.status_code == 400 and Mailbox.objects.count() == 1
    admin_client.post(reverse("channels_admin:mailbox_delete", args=[mailbox.pk]))
    assert not Mailbox.objects.exists()


def test_failed_list_shows_the_error_and_retry_imports(admin_client, settings, tmp_path):
    from okno.channels.tests.mails import make_email

    media = settings.MEDIA_ROOT
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    receive_email(
        make_email(subject="Broken disk", attachments=[("a.txt", b"hi", "text/plain", "")])
    )
    envelope = InboundEnvelope.objects.get(state="failed")
    page = admin_client.get(reverse("channels_admin:failed"))
    assert page.status_code == 200 and b"Broken disk" in page.content
    settings.MEDIA_ROOT = media
    response = admin_client.post(reverse("channels_admin:retry", args=[envelope.pk]))
    assert response.status_code == 302
    envelope.refresh_from_db()
    assert envelope.state == "processed" and envelope.ticket is not None

"""Settings › Mailboxes › Sender rules and the inbound log (admins only)."""

import pytest
from django.urls import reverse

from okno.channels.email.ingest import receive_email
from okno.channels.models import EmailSenderRule, InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.tests.personas import PASSWORD


@pytest.fixture
def admin_client(client, world):
    client.login(username=world.admin.email, password=PASSWORD)
    return client


@pytest.mark.parametrize("who", ["agent_a", "supervisor"])
def test_only_admins_see_and_change_the_rules(client, world, who):
    rule = EmailSenderRule.objects.create(pattern="spam.test", action="block")
    client.login(username=getattr(world, who).email, password=PASSWORD)
    url = reverse("channels_admin:sender_rules")
    assert client.get(url).status_code == 403
    assert client.post(url, {"pattern": "x.test", "action": "block"}).status_code == 403
    assert client.get(reverse("channels_admin:envelopes")).status_code == 403
    delete = reverse("channels_admin:sender_rule_delete", args=[rule.pk])
    assert client.post(delete).status_code == 403
    assert EmailSenderRule.objects.count() == 1


def test_add_list_filter_and_delete_rules(admin_client):
    box = Mailbox.objects.create(address="sales@okno.test", kind="pipe")
    url = reverse("channels_admin:sender_rules")
    added = admin_client.post(url, {"pattern": "@Spam.Test", "action": "block", "note": "bots"})
    assert added.status_code == 302
    added = admin_client.post(
        f"{url}?mailbox={box.pk}",
        {"pattern": "vip@spam.test", "action": "allow", "mailbox": box.pk},
    )
    assert added.status_code == 302 and added["Location"] == f"{url}?mailbox={box.pk}"
    assert set(EmailSenderRule.objects.values_list("pattern", "action", "mailbox")) == {
        ("spam.test", "block", None),
        ("vip@spam.test", "allow", box.pk),
    }
    page = admin_client.get(url).content.decode()
    assert "spam.test" in page and "vip@spam.test" in page and "bots" in page
    only_box = admin_client.get(f"{url}?mailbox={box.pk}").content.decode()
    assert "vip@spam.test" in only_box and "bots" not in only_box
    # The mailbox list counts and links them.
    listing = admin_client.get(reverse("channels_admin:mailboxes")).content.decode()
    assert f"{url}?mailbox={box.pk}" in listing

    rule = EmailSenderRule.objects.get(pattern="spam.test")
    admin_client.post(reverse("channels_admin:sender_rule_delete", args=[rule.pk]))
    assert list(EmailSenderRule.objects.values_list("pattern", flat=True)) == ["vip@spam.test"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pattern": "not a domain", "action": "block"}, "Enter an address"),
        ({"pattern": "spam.test", "action": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_rules_are_shown_next_to_the_field(admin_client, data, message):
    response = admin_client.post(reverse("channels_admin:sender_rules"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not EmailSenderRule.objects.exists()


def test_a_duplicate_rule_is_refused(admin_client):
    EmailSenderRule.objects.create(pattern="spam.test", action="block")
    response = admin_client.post(
        reverse("channels_admin:sender_rules"), {"pattern": "SPAM.test", "action": "allow"}
    )
    assert response.status_code == 400 and EmailSenderRule.objects.count() == 1


def test_inbound_log_filters_by_state_and_retries_back_to_the_same_page(
    admin_client, settings, tmp_path
):
    receive_email(make_email(subject="Went fine"))
    media = settings.MEDIA_ROOT
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    receive_email(
        make_email(subject="Disk trouble", attachments=[("a.txt", b"x", "text/plain", "")])
    )
    failed = InboundEnvelope.objects.get(state="failed")
    url = reverse("channels_admin:envelopes")
    page = admin_client.get(url).content.decode()
    assert "Went fine" in page and "Disk trouble" in page
    assert page.count('type="submit" class="btn">Retry') == 1  # only the failed one
    failed_only = admin_client.get(url, {"state": "failed"}).content.decode()
    assert "Disk trouble" in failed_only and "Went fine" not in failed_only
    settings.MEDIA_ROOT = media
    back = f"{url}?state=failed"
    response = admin_client.post(reverse("channels_admin:retry", args=[failed.pk]), {"back": back})
    assert response.status_code == 302 and response["Location"] == back
    failed.refresh_from_db()
    assert failed.state == "processed"
    # Anywhere else is not a place to go back to.
    elsewhere = admin_client.post(
        reverse("channels_admin:retry", args=[failed.pk]), {"back": "https://evil.test/"}
    )
    assert elsewhere["Location"] == reverse("channels_admin:failed")

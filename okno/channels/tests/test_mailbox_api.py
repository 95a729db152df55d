"""/api/v1/mailboxes, /sender-rules, /inbound-envelopes: administrators only; the
password is write-only; a failed envelope can be retried."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.channels.email.ingest import receive_email
from okno.channels.models import EmailSenderRule, InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.tickets.models import Ticket

IMAP = {
    "address": "Help@Okno.test",
    "name": "Help",
    "kind": "imap",
    "host": "imap.okno.test",
    "port": 993,
    "security": "tls",
    "username": "help",
    "password": "s3cret",
    "idle": True,
}


def test_mailbox_crud_and_the_password_is_never_shown(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    created = admin.post("/mailboxes", IMAP | {"group": world.group_a.pk, "default_priority": 3})
    assert created.status_code == 201, created.content
    body = created.json()
    mailbox = Mailbox.objects.get()
    assert body["address"] == "help@okno.test" == mailbox.address
    assert body["group"] == world.group_a.pk and body["default_priority"] == 3
    assert body["has_password"] is True and "password" not in body
    assert mailbox.password == "s3cret" and mailbox.idle is True
    url = f"/mailboxes/{mailbox.pk}"
    assert admin.get(url).json()["poll_interval"] == 60
    assert [row["id"] for row in admin.get("/mailboxes").json()] == [mailbox.pk]
    # PATCH changes only what it names; no password keeps the stored one.
    patched = admin.patch(url, {"name": "Helpdesk", "group": None, "poll_interval": 300})
    assert patched.status_code == 200, patched.content
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.group, mailbox.poll_interval) == ("Helpdesk", None, 300)
    assert mailbox.password == "s3cret" and mailbox.host == "imap.okno.test"
    assert admin.delete(url).status_code == 204
    assert not Mailbox.objects.exists()
    assert admin.get(url).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (IMAP | {"address": "not an address"}, "address"),
        (IMAP | {"subject_tag_format": "[#]"}, "subject_tag_format"),
        (IMAP | {"host": ""}, "host"),
        (IMAP | {"after_import": "move"}, "move_to_folder"),
        (IMAP | {"kind": "carrier-pigeon"}, "kind"),
        (IMAP | {"port": 70000}, "port"),
        (IMAP | {"group": 999999}, "group"),
        (IMAP | {"default_category": 999999}, "default_category"),
        (IMAP | {"poll_interval": 1}, "poll_interval"),
        (IMAP | {"colour": "red"}, "colour"),
    ],
)
def test_bad_mailboxes_are_refused(world, api_as, payload, field):  # noqa: F811
    response = api_as(world.admin).post("/mailboxes", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not Mailbox.objects.exists()


def test_an_address_is_connected_once(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    assert admin.post("/mailboxes", IMAP).status_code == 201
    again = admin.post("/mailboxes", IMAP | {"address": "HELP@okno.test"})
    assert again.status_code == 422 and again.json()["error"]["field"] == "address"
    assert Mailbox.objects.count() == 1


def test_sender_rules_crud_per_mailbox_and_global(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    mailbox = Mailbox.objects.create(address="help@okno.test", kind="pipe")
    blocked = admin.post("/sender-rules", {"pattern": "@Spam.Example", "action": "block"})
    assert blocked.status_code == 201, blocked.content
    assert blocked.json()["pattern"] == "spam.example" and blocked.json()["mailbox"] is None
    allowed = admin.post(
        "/sender-rules",
        {"pattern": "boss@spam.example", "action": "allow", "mailbox": mailbox.pk, "note": "VIP"},
    )
    assert allowed.status_code == 201, allowed.content
    listed = admin.get("/sender-rules").json()
    assert [r["pattern"] for r in listed] == ["boss@spam.example", "spam.example"]
    assert [r["pattern"] for r in admin.get("/sender-rules", {"global_only": "true"}).json()] == [
        "spam.example"
    ]
    assert [r["id"] for r in admin.get("/sender-rules", {"mailbox": mailbox.pk}).json()] == [
        allowed.json()["id"]
    ]
    # The rules act on inbound mail: the domain is blocked, the allowed address is not.
    receive_email(make_email(frm="eve@spam.example", subject="Buy now"), mailbox=mailbox)
    receive_email(make_email(frm="boss@spam.example", subject="Real request"), mailbox=mailbox)
    assert not Ticket.objects.filter(subject="Buy now").exists()
    assert Ticket.objects.filter(subject="Real request").exists()

    url = f"/sender-rules/{blocked.json()['id']}"
    patched = admin.patch(url, {"action": "allow", "note": "changed our mind"})
    assert patched.status_code == 200 and patched.json()["action"] == "allow"
    assert admin.delete(url).status_code == 204
    assert EmailSenderRule.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"pattern": "two words", "action": "block"}, "pattern"),
        ({"pattern": "a@b@c", "action": "block"}, "pattern"),
        ({"pattern": "", "action": "block"}, "pattern"),
        ({"pattern": "spam.example", "action": "maybe"}, "action"),
        ({"pattern": "spam.example", "action": "block", "mailbox": 999999}, "mailbox"),
    ],
)
def test_bad_sender_rules_are_refused(world, api_as, payload, field):  # noqa: F811
    response = api_as(world.admin).post("/sender-rules", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not EmailSenderRule.objects.exists()


def test_the_same_pattern_twice_is_refused(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    assert admin.post("/sender-rules", {"pattern": "x.test", "action": "block"}).status_code == 201
    again = admin.post("/sender-rules", {"pattern": "X.test", "action": "allow"})
    assert again.status_code == 422 and again.json()["error"]["field"] == "pattern"


def test_envelopes_list_and_retry_a_failed_one(world, api_as, settings, tmp_path):  # noqa: F811
    admin = api_as(world.admin)
    receive_email(make_email(subject="Fine"))
    media = settings.MEDIA_ROOT
    blocker = tmp_path / "blocker"
    blocker.write_text("x")  # a file where the media folder should be: attachments fail
    settings.MEDIA_ROOT = blocker
    receive_email(
        make_email(subject="Broken disk", attachments=[("a.txt", b"hi", "text/plain", "")])
    )
    failed = InboundEnvelope.objects.get(state="failed")

    rows = admin.get("/inbound-envelopes").json()
    assert [r["subject"] for r in rows] == ["Broken disk", "Fine"]
    only_failed = admin.get("/inbound-envelopes", {"state": "failed"}).json()
    assert [r["id"] for r in only_failed] == [failed.pk] and only_failed[0]["error"]
    assert admin.get("/inbound-envelopes", {"before": failed.pk}).json()[0]["subject"] == "Fine"
    # Still broken: the answer says it failed again.
    again = admin.post(f"/inbound-envelopes/{failed.pk}/retry")
    assert again.status_code == 200 and again.json()["state"] == "failed"
    assert again.json()["attempts"] == 2
    settings.MEDIA_ROOT = media
    fixed = admin.post(f"/inbound-envelopes/{failed.pk}/retry")
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["state"] == "processed" and fixed.json()["created_ticket"] is True
    assert Ticket.objects.filter(subject="Broken disk").exists()
    # A processed envelope is not taken again.
    done = admin.post(f"/inbound-envelopes/{failed.pk}/retry")
    assert done.status_code == 422


@pytest.mark.parametrize("who", ["agent_a", "supervisor", "light_agent", "customer_acme"])
def test_only_admins(world, api_as, who):  # noqa: F811
    mailbox = Mailbox.objects.create(address="help@okno.test", kind="pipe")
    rule = EmailSenderRule.objects.create(pattern="x.test", action="block")
    envelope = receive_email(make_email(subject="Hi")).envelope
    client = api_as(getattr(world, who))
    calls = [
        ("get", "/mailboxes"),
        ("post", "/mailboxes", IMAP),
        ("get", f"/mailboxes/{mailbox.pk}"),
        ("patch", f"/mailboxes/{mailbox.pk}", {"name": "x"}),
        ("delete", f"/mailboxes/{mailbox.pk}"),
        ("get", "/sender-rules"),
        ("post", "/sender-rules", {"pattern": "y.test", "action": "block"}),
        ("patch", f"/sender-rules/{rule.pk}", {"action": "allow"}),
        ("delete", f"/sender-rules/{rule.pk}"),
        ("get", "/inbound-envelopes"),
        ("get", f"/inbound-envelopes/{envelope.pk}"),
        ("post", f"/inbound-envelopes/{envelope.pk}/retry"),
    ]
    for method, path, *data in calls:
        response = getattr(client, method)(path, *data)
        assert response.status_code == 403, (method, path, response.status_code)
    assert Mailbox.objects.get().name == "" and EmailSenderRule.objects.get().action == "block"
    assert api_as(None).get("/mailboxes").status_code == 401

"""Authentication-Results of our own mail server: recorded per envelope, a badge on
spoofed mail in the timeline, and a failed sender joins nobody's conversation."""

import pytest
from django.urls import reverse

from okno.channels.email.authres import parse_header, verdict
from okno.channels.email.ingest import receive_email
from okno.channels.models import InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.tests.personas import PASSWORD
from okno.tickets.models import Message, Ticket, TicketEvent

OURS = {"mx.okno.test"}


def check(*lines: str, domain: str = "acme.test", trusted=OURS) -> str:
    return verdict("\n".join(lines), from_domain=domain, trusted=trusted).verdict


def test_parse_one_header_with_comments_and_properties():
    authserv, found = parse_header(
        "mx.okno.test 1; (our server) dkim=pass (good sig) header.d=acme.test header.s=k1;"
        ' spf=softfail smtp.mailfrom="x@acme.test"; dmarc=FAIL (p=reject) header.from=acme.test'
    )
    assert authserv == "mx.okno.test"
    assert found == [
        ("dkim", "pass", {"header.d": "acme.test", "header.s": "k1"}),
        ("spf", "softfail", {"smtp.mailfrom": "x@acme.test"}),
        ("dmarc", "fail", {"header.from": "acme.test"}),
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["mx.okno.test; dmarc=fail header.from=acme.test"], "fail"),
        (["mx.okno.test; dkim=pass header.d=acme.test; dmarc=pass"], "pass"),
        (["mx.okno.test; dkim=fail header.d=acme.test; spf=pass"], "fail"),
        (["mx.okno.test; dkim=pass header.d=mail.acme.test; dkim=fail"], "unknown"),
        (["mx.okno.test; dkim=pass header.d=acme.test"], "pass"),
        (["mx.okno.test; dkim=pass header.d=bulk-sender.test"], "unknown"),  # not aligned
        (["mx.okno.test; spf=fail smtp.mailfrom=acme.test"], "unknown"),
        (["mx.okno.test; none"], "unknown"),
        # Someone else's header proves nothing either way.
        (["mx.attacker.test; dmarc=pass"], "unknown"),
        (["mx.attacker.test; dmarc=fail"], "unknown"),
        # A forged "pass" with our name cannot hide our real "fail".
        (["mx.okno.test; dmarc=fail", "mx.okno.test; dmarc=pass"], "fail"),
        (["MX.OKNO.TEST; dmarc=permerror"], "fail"),
    ],
)
def test_verdicts(lines, expected):
    assert (check(*lines) or "unknown") == expected


def test_nothing_is_trusted_until_configured():
    assert check("mx.okno.test; dmarc=fail", trusted=set()) == ""


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(
        address="support@okno.test", kind="pipe", group=world.group_a, authserv_id="mx.okno.test"
    )


@pytest.fixture
def ticket(world, mailbox):
    raw = make_email(frm="Ivan Petrov <ivan@acme.test>", message_id="first@acme.test")
    return receive_email(raw, mailbox=mailbox).ticket


def _reply(mailbox, dmarc: str, **kwargs) -> InboundEnvelope:
    headers = {"Authentication-Results": f"mx.okno.test; spf=pass; dmarc={dmarc}"}
    raw = make_email(
        frm="Ivan Petrov <ivan@acme.test>",
        subject="Re: Printer is broken",
        headers=headers,
        **kwargs,
    )
    return receive_email(raw, mailbox=mailbox).envelope


def test_a_spoofed_reply_is_kept_but_stays_outside_the_conversation(mailbox, ticket):
    status = ticket.status_id
    envelope = _reply(mailbox, "fail", in_reply_to="first@acme.test", cc="eve@evil.test")
    envelope.refresh_from_db()
    assert envelope.state == "processed" and envelope.ticket_id == ticket.number
    assert envelope.sender_auth == "fail"
    assert envelope.auth_results["methods"] == {"spf": ["pass"], "dmarc": ["fail"]}
    message = Message.objects.get(pk=envelope.message_id)
    assert message.from_outside is True
    ticket.refresh_from_db()
    assert ticket.status_id == status  # a stranger's mail moves nothing
    assert not ticket.followers.filter(email="eve@evil.test").exists()
    event = TicketEvent.objects.get(kind="message", data__message=message.pk)
    assert event.data["sender_auth"] == "fail" and event.data["from_outside"] is True


def test_the_same_reply_passing_dmarc_is_the_customers(mailbox, ticket):
    envelope = _reply(mailbox, "pass", in_reply_to="first@acme.test")
    envelope.refresh_from_db()
    assert envelope.sender_auth == "pass"
    assert Message.objects.get(pk=envelope.message_id).from_outside is False


def test_a_spoofed_subject_tag_opens_a_new_ticket(mailbox, ticket):
    envelope = _reply(mailbox, "fail")
    raw = make_email(
        frm="ivan@acme.test",
        subject=f"Re: [#{ticket.number}] Printer is broken",
        headers={"Authentication-Results": "mx.okno.test; dmarc=fail"},
    )
    tagged = receive_email(raw, mailbox=mailbox)
    assert tagged.created and tagged.ticket.number != ticket.number
    assert envelope.ticket_id != ticket.number  # no thread ids: a new ticket too


def test_the_timeline_warns_about_the_spoofed_message_only(client, world, mailbox, ticket):
    spoofed = _reply(mailbox, "fail", in_reply_to="first@acme.test")
    genuine = _reply(mailbox, "pass", in_reply_to="first@acme.test")
    client.login(username=world.agent_a.email, password=PASSWORD)
    page = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()

    def article(message_id):
        start = page.index(f'id="message-{message_id}"')
        return page[start : page.index("</article>", start)]

    assert 'data-sender-auth="fail"' in article(spoofed.message_id)
    assert "Sender not verified" in article(spoofed.message_id)
    assert "From outside the conversation" in article(spoofed.message_id)
    assert "data-sender-auth" not in article(genuine.message_id)
    first = Ticket.objects.get(pk=ticket.number).messages.order_by("id").first()
    assert "data-sender-auth" not in article(first.pk)
    # The message fragment (re-rendered with images) keeps the warning.
    fragment = client.get(
        reverse("web:ticket_message", args=[ticket.number, spoofed.message_id]), {"images": "1"}
    )
    assert 'data-sender-auth="fail"' in fragment.content.decode()

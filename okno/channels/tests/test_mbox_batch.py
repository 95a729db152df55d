"""The mbox importer's batches (channels/email/batch.py): what it writes in bulk is
what the one-message path writes, and one message never spoils its batch."""

import pytest

from okno.channels.email.batch import import_messages
from okno.channels.email.ingest import receive_email
from okno.channels.models import InboundEnvelope, Mailbox, OutboundMessageId
from okno.channels.tests.mails import make_email
from okno.contacts.models import Contact, Organization, OrganizationDomain
from okno.contacts.services import contact_get_or_create
from okno.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


@pytest.fixture
def support(db):
    return Mailbox.objects.create(address="support@okno.test", kind="pipe")


def run(raws, mailbox, **options) -> list:
    results = []
    for batch in import_messages(raws, mailbox=mailbox, parse_ahead=False, **options):
        assert not batch.not_stored
        results += batch.results
    return results


def rows(ticket: Ticket) -> dict:
    """What a new ticket from email consists of, without ids and times."""
    message = ticket.messages.get()
    events = ticket.events.order_by("id")
    return {
        "ticket": (ticket.subject, ticket.state, ticket.status_id, ticket.priority),
        "more": (ticket.channel, ticket.message_count, ticket.organization_id, ticket.group_id),
        "contact": (ticket.contact.email, ticket.contact.name, ticket.contact.organization_id),
        "followers": sorted(ticket.followers.values_list("email", flat=True)),
        "message": (
            message.author_kind,
            message.direction,
            message.body_text,
            message.body_html,
            message.reply_text,
            message.external_id,
            message.created_at,
        ),
        "attachments": list(message.attachments.values_list("filename", "content_type", "size")),
        "events": [
            (e.kind, e.actor_kind, e.actor_contact_id == ticket.contact_id, e.version, e.data)
            for e in events
        ],
    }


def mail(n: int, **extra) -> bytes:
    return make_email(
        frm=f"Olga {n} <olga{n}@acme.test>",
        subject=f"Scanner {n}",
        message_id=f"batch{n}@acme.test",
        cc=f"boss{n}@acme.test",
        html=f"<p>Scanner {n} <b>jams</b></p>",
        attachments=(("scan.pdf", PDF, "application/pdf", ""),),
        **extra,
    )


def test_a_batch_writes_what_one_message_at_a_time_writes(support):
    organization = Organization.objects.create(name="Acme")
    OrganizationDomain.objects.create(organization=organization, domain="acme.test")
    alone = receive_email(mail(1), mailbox=support, keep_dates=True).ticket
    raw = mail(2)
    [result] = run([raw], support)
    batched = result.ticket
    assert result.created and result.state == "processed"

    one, other = rows(Ticket.objects.get(pk=alone.pk)), rows(Ticket.objects.get(pk=batched.pk))
    for value in (one, other):  # the numbers differ; the rest must not
        value["ticket"] = (
            value["ticket"][0].replace("1", "N").replace("2", "N"),
            *value["ticket"][1:],
        )
    assert one["ticket"] == other["ticket"]
    assert one["more"] == other["more"]
    assert one["attachments"] == other["attachments"]
    assert [e[:4] for e in one["events"]] == [e[:4] for e in other["events"]]
    assert one["events"][0][4] | {"subject": ""} == other["events"][0][4] | {"subject": ""}
    assert set(one["events"][1][4]) == set(other["events"][1][4])
    assert other["contact"][2] == organization.pk and other["followers"] == ["boss2@acme.test"]
    envelope = InboundEnvelope.objects.get(idempotency_key="email:batch2@acme.test")
    assert envelope.state == "processed" and envelope.created_ticket and envelope.attempts == 1
    assert envelope.ticket_id == batched.pk and envelope.sender == "olga2@acme.test"
    assert bytes(envelope.raw) == raw


def test_replies_thread_to_messages_earlier_in_the_same_batch(support):
    raws = [
        make_email(frm="ann@acme.test", message_id="t1@acme.test", subject="Printer"),
        make_email(frm="ann@acme.test", message_id="t2@acme.test", in_reply_to="t1@acme.test"),
        make_email(frm="bob@acme.test", message_id="t3@acme.test", subject="Mouse"),
        make_email(frm="ann@acme.test", message_id="t4@acme.test", references="t1@acme.test"),
    ]
    results = run(raws, support)
    assert [r.created for r in results] == [True, False, True, False]
    first = Ticket.objects.get(messages__external_id="t1@acme.test")
    assert sorted(first.messages.values_list("external_id", flat=True)) == [
        "t1@acme.test",
        "t2@acme.test",
        "t4@acme.test",
    ]
    assert Ticket.objects.get(pk=first.pk).message_count == 3
    assert Contact.objects.filter(email="ann@acme.test").count() == 1


def test_a_broken_message_fails_alone_and_the_rest_of_its_batch_commits(support):
    too_long = make_email(frm="eve@acme.test", message_id="long@acme.test", body="x" * 1_000_001)
    no_sender = b"Subject: broken\r\nMessage-ID: <nofrom@x.test>\r\n\r\nno From\r\n"
    raws = [mail(1), too_long, mail(2), no_sender, mail(3)]
    results = run(raws, support)
    assert [r.state for r in results if r.state == "failed"] == ["failed", "failed"]
    assert Ticket.objects.count() == 3
    failed = InboundEnvelope.objects.get(idempotency_key="email:long@acme.test")
    assert failed.state == "failed" and "too long" in failed.error and failed.attempts == 1
    assert failed.sender == "eve@acme.test" and bytes(failed.raw) == too_long
    assert not Contact.objects.filter(email="eve@acme.test").exists()
    assert InboundEnvelope.objects.get(idempotency_key="email:nofrom@x.test").state == "failed"


def test_the_same_message_twice_in_one_batch_is_imported_once(support):
    results = run([mail(1), mail(1), mail(2)], support)
    assert [r.duplicate for r in results] == [False, True, False]
    assert Ticket.objects.count() == 2 and Message.objects.count() == 2
    assert results[1].ticket == results[0].ticket


def test_batches_commit_one_after_another_and_a_rerun_adds_nothing(support):
    raws = [mail(n) for n in range(7)]
    sizes = [len(b.results) for b in import_messages(raws, mailbox=support, batch_size=3)]
    assert sizes == [3, 3, 1]  # the default: parsed in a second process
    events = TicketEvent.objects.count()
    again = run(raws, support, batch_size=3)
    assert all(r.duplicate for r in again)
    assert Ticket.objects.count() == 7 and TicketEvent.objects.count() == events


def test_a_reply_to_mail_we_sent_joins_its_ticket_and_the_rest_open_tickets(support):
    first = receive_email(make_email(frm="ivan@acme.test", message_id="o1@acme.test")).ticket
    OutboundMessageId.objects.create(
        message_id="okno.s1@okno.test", ticket=first, recipients=["ivan@acme.test"]
    )
    raws = [
        make_email(frm="ann@acme.test", message_id="o2@acme.test", subject="New one"),
        make_email(frm="ivan@acme.test", message_id="o3@acme.test", references="okno.s1@okno.test"),
        make_email(frm="bob@acme.test", message_id="o4@acme.test", in_reply_to="nowhere@x.test"),
    ]
    results = run(raws, support)
    assert [r.created for r in results] == [True, False, True]
    assert results[1].ticket == first and not results[1].message.from_outside
    assert Ticket.objects.get(pk=first.pk).message_count == 2


def test_a_stored_contact_without_a_name_gets_the_one_in_its_mail(support):
    contact, _created = contact_get_or_create(value="nameless@acme.test")
    raws = [
        make_email(frm="Nina Noname <nameless@acme.test>", message_id="n1@acme.test"),
        make_email(frm="Other Name <nameless@acme.test>", message_id="n2@acme.test"),
    ]
    results = run(raws, support)
    contact.refresh_from_db()
    assert contact.name == "Nina Noname"
    assert {r.ticket.contact_id for r in results} == {contact.pk}

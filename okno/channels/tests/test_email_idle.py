"""IMAP IDLE against the real Dovecot of test_imap.py: new mail becomes a ticket within
seconds with no poll, a server without IDLE is polled over the kept connection, and a
lost server is reconnected to."""

import time

import pytest

from okno.channels.email.idle import IdleLoop, IdleSupervisor
from okno.channels.models import Mailbox
from okno.channels.tests.mails import make_email
from okno.channels.tests.test_imap import imap_mailbox, start_dovecot
from okno.tests.waiting import wait_for
from okno.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

NO_IDLE = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+"


def append(dovecot, raw: bytes) -> None:
    """Another client files a message into INBOX (as a mail server's LMTP would)."""
    client = dovecot.imap()
    client.append("INBOX", "", None, raw)
    client.logout()


@pytest.fixture
def dovecot():
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def supervisor():
    running = IdleSupervisor(rescan=0.2, backoff=(0.2, 1.0))
    yield running
    running.stop()


def _loop(supervisor, mailbox) -> IdleLoop:
    assert wait_for(lambda: mailbox.pk in supervisor.loops), "no IDLE loop was started"
    loop = supervisor.loops[mailbox.pk]
    assert wait_for(lambda: loop.passes >= 1), "the first import pass did not happen"
    return loop


def test_new_mail_becomes_a_ticket_within_seconds_without_a_poll(dovecot, supervisor):
    dovecot.drop(make_email(subject="Waiting before IDLE"), "early.eml")
    # An hour between polls: only IDLE can bring the next message in quickly.
    mailbox = imap_mailbox(dovecot, idle=True, poll_interval=3600)
    supervisor.start()
    loop = _loop(supervisor, mailbox)
    assert loop.idle_supported is True
    assert Ticket.objects.filter(subject="Waiting before IDLE").exists()  # the first pass
    time.sleep(0.5)  # in IDLE now

    started = time.monotonic()
    append(dovecot, make_email(subject="Pushed by IDLE"))
    assert wait_for(lambda: Ticket.objects.filter(subject="Pushed by IDLE").exists(), 5)
    assert time.monotonic() - started < 5
    # A delivery straight into the Maildir (an MDA) is noticed the same way.
    dovecot.drop(make_email(subject="Dropped by the MDA"), "late.eml")
    assert wait_for(lambda: Ticket.objects.filter(subject="Dropped by the MDA").exists(), 5)
    # The first pass and one per arrival, no timed poll (the count goes up once the
    # message is marked seen, just after its ticket appears).
    assert wait_for(lambda: loop.passes == 3, 2)
    time.sleep(1)
    assert loop.passes == 3
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None

    client = dovecot.imap()
    client.select("INBOX", readonly=True)
    assert client.uid("SEARCH", "UNSEEN")[1] == [b""]  # all marked seen after import
    client.logout()


def test_supervisor_follows_the_settings(dovecot, supervisor):
    mailbox = imap_mailbox(dovecot, idle=True, poll_interval=3600)
    supervisor.sync()
    first = supervisor.loops[mailbox.pk]
    assert wait_for(lambda: first.passes >= 1)
    # Another folder needs a new connection: the loop is replaced.
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="Archive")
    supervisor.sync()
    assert supervisor.loops[mailbox.pk] is not first
    first.join(5)
    assert not first.is_alive()
    # IDLE switched off: no loop (the poller takes the mailbox again).
    Mailbox.objects.filter(pk=mailbox.pk).update(idle=False)
    second = supervisor.loops[mailbox.pk]
    supervisor.sync()
    assert mailbox.pk not in supervisor.loops
    second.join(5)
    assert not second.is_alive()


def test_server_without_idle_is_polled_over_the_kept_connection(supervisor):
    server = start_dovecot(NO_IDLE)
    try:
        mailbox = imap_mailbox(server, idle=True, poll_interval=1)
        supervisor.start()
        loop = _loop(supervisor, mailbox)
        assert loop.idle_supported is False
        append(server, make_email(subject="Found by polling"))
        assert wait_for(lambda: Ticket.objects.filter(subject="Found by polling").exists(), 5)
        mailbox.refresh_from_db()
        assert mailbox.last_error == ""
    finally:
        supervisor.stop()
        server.stop()


def test_loop_reconnects_after_the_server_comes_back(dovecot, supervisor):
    mailbox = imap_mailbox(dovecot, idle=True, poll_interval=3600)
    supervisor.start()
    loop = _loop(supervisor, mailbox)
    dovecot.halt()
    # Seconds normally; a loaded machine takes longer to stop Dovecot's processes.
    assert wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_error.startswith("IDLE"), 30), (
        dovecot.log()[-2000:]
    )
    dovecot.drop(make_email(subject="Sent while the server was down"), "down.eml")
    dovecot.start()
    assert wait_for(
        lambda: Ticket.objects.filter(subject="Sent while the server was down").exists(), 15
    )
    assert supervisor.loops[mailbox.pk] is loop  # the same loop, reconnected
    assert wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_error == "")

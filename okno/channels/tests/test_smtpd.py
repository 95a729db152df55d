"""The inbound SMTP listener against a real SMTP client on loopback."""

import smtplib
import socket

import pytest

from okno.channels.email.smtpd import make_controller
from okno.channels.models import InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtpd(db):
    Mailbox.objects.create(address="support@okno.test", kind="smtp")
    Mailbox.objects.create(address="old@okno.test", kind="smtp", active=False)
    controller = make_controller("127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


def test_accepts_mail_for_our_mailbox_and_makes_a_ticket(smtpd):
    raw = make_email(frm="nina@newco.test", to="support@okno.test", message_id="smtp1@newco.test")
    with smtplib.SMTP(smtpd.hostname, smtpd.port, timeout=30) as client:
        client.ehlo()
        client.mail("nina@newco.test")
        code, _ = client.rcpt("Support@okno.test")
        assert code == 250
        code, reply = client.data(raw)
    assert code == 250, reply
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == "processed" and bytes(envelope.raw).rstrip() == raw.rstrip()
    assert envelope.mailbox.address == "support@okno.test"
    assert Ticket.objects.get().contact.email == "nina@newco.test"


def test_refuses_unknown_and_inactive_addresses(smtpd):
    with smtplib.SMTP(smtpd.hostname, smtpd.port, timeout=30) as client:
        client.ehlo()
        client.mail("nina@newco.test")
        assert client.rcpt("sales@okno.test")[0] == 550
        assert client.rcpt("old@okno.test")[0] == 550
    assert not InboundEnvelope.objects.exists()


def test_same_message_twice_is_accepted_once(smtpd):
    raw = make_email(message_id="smtp-twice@acme.test")
    for _ in range(2):
        with smtplib.SMTP(smtpd.hostname, smtpd.port, timeout=30) as client:
            client.sendmail("ivan@acme.test", ["support@okno.test"], raw)
    assert InboundEnvelope.objects.count() == 1 and Ticket.objects.count() == 1


def test_okno_smtpd_answers_451_when_it_cannot_reach_the_database(tmp_path):
    import subprocess
    import sys
    import time

    from okno.channels.tests.procs import okno_env

    env = okno_env(tmp_path, "postgres://postgres@127.0.0.1:9/okno")
    errors = tmp_path / "smtpd.err"

    def start():
        port = free_port()
        with errors.open("wb") as sink:
            return port, subprocess.Popen(
                [sys.executable, "-m", "okno.cli", "smtpd", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )

    port, process = start()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=30)
                break
            except OSError:
                if process.poll() is not None:  # e.g. the port was taken meanwhile
                    assert time.monotonic() < deadline, errors.read_text()
                    port, process = start()
                assert time.monotonic() < deadline, (
                    f"okno smtpd did not start: {errors.read_text()}"
                )
                time.sleep(0.2)
        with client:
            client.ehlo()
            client.mail("ivan@acme.test")
            code, _ = client.rcpt("support@okno.test")
        assert code == 451
    finally:
        process.terminate()
        process.wait(timeout=30)
